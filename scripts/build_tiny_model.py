"""Build a tiny MarianMT model that has memorised the example article, for fast offline tests.

The Hugging Face hub is out of reach in tests and CI, so the tests need a real
``MarianMTModel`` + ``MarianTokenizer`` directory made from nothing.  This script
trains one (SentencePiece models, shared vocab, a 2+2-layer transformer) on the
20 segments of ``examples/antara-2022-09-15-xi-aliyev.id.txt`` and a few short
extra pairs, until greedy and beam search both reproduce every training target
exactly.  ``tmtool translate`` with this model must therefore output
``examples/antara-2022-09-15-xi-aliyev.en.txt`` byte for byte.

Usage: ``python scripts/build_tiny_model.py OUT_DIR [--seed N]``
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import sentencepiece
import torch
import transformers
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    GenerationConfig,
    MarianConfig,
    MarianMTModel,
    MarianTokenizer,
)

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_SOURCE = REPO / "examples" / "antara-2022-09-15-xi-aliyev.id.txt"
EXAMPLE_TARGET = REPO / "examples" / "antara-2022-09-15-xi-aliyev.en.sentences.txt"
EXTRA_PAIRS = REPO / "tests" / "data" / "tiny-extra.tsv"

# Longest input (and output) in tokens, counting </s>.  Kept small so that a test
# can easily build a sentence that is too long for the model.
MAX_POSITIONS = 256
SPM_VOCAB_SIZE = 300
NUM_BEAMS = 2

# Marian's special tokens and where the opus-mt vocab.json files put them:
# </s> and <unk> first, <pad> (which is also the decoder start token) last.
EOS, UNK, PAD = "</s>", "<unk>", "<pad>"

# A sentence ends at ". " before a capital letter: no abbreviation or number in
# the example article breaks this rule, and it gives the article's 17 sentences.
_SENTENCE_BREAK = re.compile(r"(?<=\.) +(?=[A-Z])")
# A line's text without its surrounding whitespace (NBSP included: str.isspace).
_LINE_CONTENT = re.compile(r"\S(?:[^\n]*\S)?")

Pairs = list[tuple[str, str]]


def segment_example(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of the example article's segments.

    Every non-blank line is a segment, except that prose lines are split into
    sentences; blank and whitespace-only lines (the article has an NBSP-only
    one) are gaps.
    """
    spans: list[tuple[int, int]] = []
    for line in _LINE_CONTENT.finditer(text):
        start = line.start()
        for gap in _SENTENCE_BREAK.finditer(line.group()):
            spans.append((start, line.start() + gap.start()))
            start = line.start() + gap.end()
        spans.append((start, line.end()))
    return spans


def read_tsv_pairs(path: Path) -> Pairs:
    """Read ``source<TAB>target`` lines; blank lines are skipped."""
    pairs: Pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise ValueError(f"{path}:{number}: expected 2 tab-separated fields, got {len(fields)}")
        pairs.append((fields[0], fields[1]))
    return pairs


def example_pairs() -> Pairs:
    """The 20 (Indonesian segment, English reference) pairs of the example article."""
    text = EXAMPLE_SOURCE.read_text(encoding="utf-8")
    sources = [text[start:end] for start, end in segment_example(text)]
    targets = EXAMPLE_TARGET.read_text(encoding="utf-8").splitlines()
    if len(sources) != len(targets):
        raise ValueError(f"{len(sources)} source segments but {len(targets)} reference lines")
    return list(zip(sources, targets))


def default_pairs() -> Pairs:
    """The article's pairs plus the short extra pairs the tests translate."""
    return example_pairs() + read_tsv_pairs(EXTRA_PAIRS)


def train_sentencepiece(sentences: Sequence[str], vocab_size: int, seed: int = 0) -> bytes:
    """Train a unigram SentencePiece model in memory and return its serialised form.

    The text comes from memory, never from files or URLs, and one thread plus a
    fixed seed make the result the same on every run.
    """
    sentencepiece.set_random_generator_seed(seed)
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        model_type="unigram",
        vocab_size=vocab_size,
        # A tiny corpus may not support the requested size; take what it gives.
        hard_vocab_limit=False,
        # Every character of the training text must be a piece of its own, so
        # that each target can be spelled out without <unk>.
        character_coverage=1.0,
        num_threads=1,
        # Marian's vocab.json supplies </s>, <unk> and <pad>; the SentencePiece
        # model needs only its own <unk>.
        unk_id=0,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        minloglevel=2,
    )
    return model.getvalue()


def _pieces(spm_model: bytes) -> Iterator[str]:
    """The normal (not control, not unknown) pieces of a SentencePiece model, in id order."""
    processor = sentencepiece.SentencePieceProcessor(model_proto=spm_model)
    for i in range(processor.get_piece_size()):
        if not (processor.is_control(i) or processor.is_unknown(i)):
            yield processor.id_to_piece(i)


def write_marian_tokenizer(
    out_dir: Path,
    source_spm: bytes,
    target_spm: bytes,
    *,
    model_max_length: int,
    vocab_size: int | None = None,
) -> MarianTokenizer:
    """Write a MarianTokenizer directory (source.spm, target.spm, vocab.json, config) and load it.

    The vocab is shared as in the opus-mt models: </s>, <unk>, the pieces of both
    SentencePiece models, then <pad> as the last id.  ``vocab_size`` pads it with
    never-produced filler tokens to an exact size.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    tokens = dict.fromkeys([EOS, UNK, *_pieces(source_spm), *_pieces(target_spm)])
    if vocab_size is not None:
        fillers = vocab_size - len(tokens) - 1
        if fillers < 0:
            raise ValueError(f"vocab_size {vocab_size} is smaller than the {len(tokens) + 1} real tokens")
        tokens.update(dict.fromkeys(f"<filler{i}>" for i in range(fillers)))
    tokens[PAD] = None
    (out_dir / "source.spm").write_bytes(source_spm)
    (out_dir / "target.spm").write_bytes(target_spm)
    (out_dir / "vocab.json").write_text(
        json.dumps({token: i for i, token in enumerate(tokens)}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    tokenizer = MarianTokenizer(
        source_spm=str(out_dir / "source.spm"),
        target_spm=str(out_dir / "target.spm"),
        vocab=str(out_dir / "vocab.json"),
        source_lang="id",
        target_lang="en",
        model_max_length=model_max_length,
        # Translations must come back exactly as trained, not "cleaned up".
        clean_up_tokenization_spaces=False,
    )
    tokenizer.save_pretrained(out_dir)
    return tokenizer


def marian_generation_config(pad_id: int, *, num_beams: int, max_length: int) -> GenerationConfig:
    """A generation config shaped like the opus-mt ones: start with <pad>, never emit it."""
    return GenerationConfig(
        decoder_start_token_id=pad_id,
        pad_token_id=pad_id,
        bos_token_id=0,
        eos_token_id=0,
        forced_eos_token_id=0,
        bad_words_ids=[[pad_id]],
        num_beams=num_beams,
        max_length=max_length,
        renormalize_logits=True,
    )


def _tiny_config(vocab_size: int, pad_id: int) -> MarianConfig:
    """A 2+2-layer, 64-wide Marian: enough to memorise a few dozen sentences in seconds."""
    return MarianConfig(
        vocab_size=vocab_size,
        d_model=64,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=256,
        decoder_ffn_dim=256,
        max_position_embeddings=MAX_POSITIONS,
        activation_function="swish",
        scale_embedding=True,
        # Memorising needs no regularisation, and without dropout training is
        # a pure function of the seed.
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        pad_token_id=pad_id,
        bos_token_id=0,
        eos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=pad_id,
    )


def _check_learnable(tokenizer: MarianTokenizer, pairs: Pairs) -> None:
    """Fail fast on pairs no training can reproduce, instead of after the last step."""
    for source, target in pairs:
        source_ids = tokenizer(source)["input_ids"]
        target_ids = tokenizer(text_target=target)["input_ids"]
        if max(len(source_ids), len(target_ids)) > MAX_POSITIONS:
            raise ValueError(f"pair longer than {MAX_POSITIONS} tokens: {source!r}")
        # SentencePiece normalises text (NFKC, spaces), so some strings cannot come back.
        if tokenizer.decode(target_ids, skip_special_tokens=True) != target:
            raise ValueError(f"target does not survive tokenization: {target!r}")


def _reproduces(model: MarianMTModel, tokenizer: MarianTokenizer, pairs: Pairs) -> bool:
    """Whether greedy and beam search, batched and one by one, give back every target exactly."""
    sources = [source for source, _ in pairs]
    targets = [target for _, target in pairs]
    batch = tokenizer(sources, return_tensors="pt", padding=True)
    model.eval()
    with torch.no_grad():
        for beams in (1, model.generation_config.num_beams):
            output = model.generate(**batch, num_beams=beams)
            if tokenizer.batch_decode(output, skip_special_tokens=True) != targets:
                return False
            for source, target in pairs:
                output = model.generate(**tokenizer(source, return_tensors="pt"), num_beams=beams)
                if tokenizer.decode(output[0], skip_special_tokens=True) != target:
                    return False
    return True


INT8_ROUNDS = 6  # at most this many extra rounds of training for int8
INT8_EXTRA_STEPS = 50


def _reproduces_int8(model_dir: Path, pairs: Pairs, beams: int) -> bool:
    """Whether tmtool's CTranslate2 backend (int8, as ``translate`` runs by default) gives back every
    target, greedy and with the model's beams; True when ctranslate2 is not installed."""
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return True
    from tmtool.translate import get_translator

    sources = [source for source, _ in pairs]
    targets = [target for _, target in pairs]
    saved = os.environ.get("TMTOOL_CACHE")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["TMTOOL_CACHE"] = cache
        try:
            for b in (1, beams):
                translator = get_translator("ct2", model=str(model_dir), device="cpu", compute_type="int8",
                                            beams=b)
                if list(translator.translate(sources)) != targets:
                    return False
        finally:
            if saved is None:
                os.environ.pop("TMTOOL_CACHE", None)
            else:
                os.environ["TMTOOL_CACHE"] = saved
    return True


def _train(model: MarianMTModel, tokenizer: MarianTokenizer, pairs: Pairs, max_steps: int = 1000,
           optimizer=None, stop: bool = True) -> int:
    """Train on ``pairs`` as one full batch until they are reproduced; return the step count."""
    batch = tokenizer(
        [s for s, _ in pairs], text_target=[t for _, t in pairs], return_tensors="pt", padding=True
    )
    batch["labels"][batch["labels"] == tokenizer.pad_token_id] = -100
    # A high rate without warm-up is stable for this model and halves the build time.
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=6e-3)
    for step in range(1, max_steps + 1):
        model.train()
        loss = model(**batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        # Decoding is the slow part: try it only once the loss says every token
        # is learnt with a wide margin, which also keeps the result stable
        # against the tiny numeric differences that batching with padding makes.
        if stop and step % 25 == 0 and loss.item() < 0.01 and _reproduces(model, tokenizer, pairs):
            return step
    if not stop:
        return max_steps
    raise RuntimeError(f"the tiny model did not memorise its {len(pairs)} pairs in {max_steps} steps")


def build_tiny_model(out_dir: Path, pairs: Pairs | None = None, seed: int = 0) -> Path:
    """Train the tiny model on ``pairs`` (default: :func:`default_pairs`) and save it to ``out_dir``.

    Raises ``RuntimeError`` if training does not reach exact reproduction of every
    target with both greedy and beam decoding.
    """
    pairs = default_pairs() if pairs is None else pairs
    out_dir = Path(out_dir)
    source_spm = train_sentencepiece([s for s, _ in pairs], SPM_VOCAB_SIZE, seed)
    target_spm = train_sentencepiece([t for _, t in pairs], SPM_VOCAB_SIZE, seed)
    tokenizer = write_marian_tokenizer(out_dir, source_spm, target_spm, model_max_length=MAX_POSITIONS)
    _check_learnable(tokenizer, pairs)
    pad_id = tokenizer.pad_token_id
    # fork_rng and the restored thread count keep this from disturbing a caller
    # (such as a pytest session) that builds the model in-process.
    threads = torch.get_num_threads()
    with torch.random.fork_rng():
        try:
            # One thread: sums then add up in the same order whatever the core count.
            torch.set_num_threads(1)
            torch.manual_seed(seed)
            model = MarianMTModel(_tiny_config(len(tokenizer), pad_id))
            model.generation_config = marian_generation_config(
                pad_id, num_beams=NUM_BEAMS, max_length=MAX_POSITIONS
            )
            optimizer = torch.optim.Adam(model.parameters(), lr=6e-3)
            steps = _train(model, tokenizer, pairs, optimizer=optimizer)
            for _round in range(INT8_ROUNDS + 1):
                model.save_pretrained(out_dir)
                # Check what was written, as every user will load it.
                if not _reproduces(
                    AutoModelForSeq2SeqLM.from_pretrained(out_dir), AutoTokenizer.from_pretrained(out_dir), pairs
                ):
                    raise RuntimeError(f"the tiny model saved in {out_dir} does not reproduce its pairs")
                if _reproduces_int8(out_dir, pairs, model.generation_config.num_beams):
                    break
                # CTranslate2's int8 kernels differ by CPU (with or without AVX-512); a hypothesis that
                # only just lost in float32 can win in int8 ("relations" -> "rels" with 2 beams on a
                # CPU without AVX-512). More training widens every margin until int8 agrees too.
                steps += _train(model, tokenizer, pairs, max_steps=INT8_EXTRA_STEPS, optimizer=optimizer,
                                stop=False)
            else:
                raise RuntimeError(f"the tiny model saved in {out_dir} does not reproduce its pairs in int8")
        finally:
            torch.set_num_threads(threads)
    log.info("trained the tiny model on %d pairs in %d steps", len(pairs), steps)
    return out_dir


def tiny_model_key(pairs: Pairs | None = None) -> str:
    """A hash of everything the tiny model depends on: pairs, this script, library versions."""
    pairs = default_pairs() if pairs is None else pairs
    digest = hashlib.sha256()
    digest.update(json.dumps(pairs, ensure_ascii=False).encode("utf-8"))
    digest.update(Path(__file__).read_bytes())
    # Numerics and the saved format can change between library versions.
    for version in (torch.__version__, transformers.__version__, sentencepiece.__version__):
        digest.update(version.encode("ascii"))
    return digest.hexdigest()[:16]


def cached_tiny_model(cache_root: Path, pairs: Pairs | None = None) -> Path:
    """Return the tiny model's directory under ``cache_root``, building it first if missing.

    The model is built in a temporary directory and renamed into place, so the
    final directory exists only complete; if a concurrent build won, its model
    is used.
    """
    pairs = default_pairs() if pairs is None else pairs
    cache_root = Path(cache_root)
    target = cache_root / f"tiny-marian-{tiny_model_key(pairs)}"
    if target.is_dir():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=cache_root))
    try:
        build_tiny_model(building, pairs)
        building.chmod(0o755)  # mkdtemp makes it private; the cache is not
        os.rename(building, target)
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def link_cached(link: Path) -> int:
    """Point ``link`` to the cached tiny model in its folder (the one the tests use), building
    it first only when no model with the same data, builder and library versions is cached."""
    cached = link.parent / f"tiny-marian-{tiny_model_key(default_pairs())}"
    if not cached.is_dir():
        log.info("training the tiny model once into %s (about 30 s)", cached)
    model = cached_tiny_model(link.parent)
    if link.is_symlink() and os.readlink(link) == model.name:
        return 0
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)  # a copy built by an older `make demo-tiny`
    link.symlink_to(model.name)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", help="directory to write the model and tokenizer to")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cached", type=Path, metavar="LINK",
                        help="reuse the model the test suite cached next to LINK (building it there if "
                        "missing) and point LINK to it (what `make demo-tiny` does)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.cached:
        return link_cached(args.cached)
    if args.out_dir is None:
        parser.error("give OUT_DIR or --cached LINK")
    started = time.perf_counter()
    build_tiny_model(args.out_dir, seed=args.seed)
    log.info("built %s in %.1f s", args.out_dir, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
