"""Build a randomly initialised model of exactly the Helsinki-NLP/opus-mt-id-en shape.

Speed benchmarks need a model as big and as slow as the real one, but the hub is
out of reach.  This writes a ``MarianMTModel`` with the real model's
architecture, vocab size and generation settings, random (seeded) weights, and
a working ``MarianTokenizer`` whose SentencePiece models are trained on the
example article.  Its translations are nonsense; its speed is the real one's.

Usage: ``python scripts/build_random_opus_model.py OUT_DIR [--seed N]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from transformers import MarianConfig, MarianMTModel

# The shared helpers live beside this file; scripts/ is not a package.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_tiny_model import (  # noqa: E402
    default_pairs,
    marian_generation_config,
    train_sentencepiece,
    write_marian_tokenizer,
)

# Values of opus-mt-id-en's config.json and generation_config.json.
OPUS_VOCAB_SIZE = 54796
OPUS_MAX_POSITIONS = 512
OPUS_NUM_BEAMS = 6
SPM_VOCAB_SIZE = 300


def opus_config(
    vocab_size: int = OPUS_VOCAB_SIZE,
    *,
    d_model: int = 512,
    layers: int = 6,
    heads: int = 8,
    ffn_dim: int = 2048,
) -> MarianConfig:
    """The opus-mt transformer-base config; the keyword arguments shrink it for tests."""
    pad_id = vocab_size - 1
    return MarianConfig(
        vocab_size=vocab_size,
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn_dim,
        decoder_ffn_dim=ffn_dim,
        max_position_embeddings=OPUS_MAX_POSITIONS,
        activation_function="swish",
        scale_embedding=True,
        dropout=0.1,
        attention_dropout=0.0,
        activation_dropout=0.0,
        init_std=0.02,
        pad_token_id=pad_id,
        bos_token_id=0,
        eos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=pad_id,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
    )


def build_random_opus_model(
    out_dir: Path,
    *,
    seed: int = 0,
    vocab_size: int = OPUS_VOCAB_SIZE,
    d_model: int = 512,
    layers: int = 6,
    heads: int = 8,
    ffn_dim: int = 2048,
) -> MarianMTModel:
    """Write a random opus-mt-id-en-shaped model and its tokenizer to ``out_dir``; return the model.

    The size arguments exist so that tests can build a small variant quickly.
    """
    out_dir = Path(out_dir)
    pairs = default_pairs()
    tokenizer = write_marian_tokenizer(
        out_dir,
        train_sentencepiece([source for source, _ in pairs], SPM_VOCAB_SIZE, seed),
        train_sentencepiece([target for _, target in pairs], SPM_VOCAB_SIZE, seed),
        model_max_length=OPUS_MAX_POSITIONS,
        # Filler tokens bring the vocab to the real size, so the embedding and
        # output layers cost what the real ones do.
        vocab_size=vocab_size,
    )
    config = opus_config(vocab_size, d_model=d_model, layers=layers, heads=heads, ffn_dim=ffn_dim)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = MarianMTModel(config)
    model.generation_config = marian_generation_config(
        tokenizer.pad_token_id, num_beams=OPUS_NUM_BEAMS, max_length=OPUS_MAX_POSITIONS
    )
    model.save_pretrained(out_dir)
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="directory to write the model and tokenizer to")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = build_random_opus_model(args.out_dir, seed=args.seed)
    print(f"wrote {args.out_dir}: {model.num_parameters() / 1e6:.1f} M parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
