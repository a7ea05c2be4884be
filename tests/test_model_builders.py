"""Tests of scripts/build_tiny_model.py and scripts/build_random_opus_model.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, MarianMTModel, MarianTokenizer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import build_random_opus_model as opus  # noqa: E402
import build_tiny_model as tiny  # noqa: E402

EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def tiny_model_dir() -> Path:
    """The tiny model, built once and then reused from the git-ignored cache."""
    return tiny.cached_tiny_model(REPO / ".cache" / "models")


def test_example_has_20_segments_with_credit_lines() -> None:
    pairs = tiny.example_pairs()
    assert len(pairs) == 20
    assert pairs[0][0].startswith("Samarkand (ANTARA) - Presiden China Xi Jinping")
    assert pairs[-3:] == [
        ("Penerjemah: Xinhua", "Translator: Xinhua"),
        ("Editor: Atman Ahdiat", "Editor: Atman Ahdiat"),
        ("Copyright © ANTARA 2022", "Copyright © ANTARA 2022"),
    ]


def test_english_document_keeps_the_indonesian_layout() -> None:
    source = (EXAMPLES / "antara-2022-09-15-xi-aliyev.id.txt").read_text(encoding="utf-8")
    english = (EXAMPLES / "antara-2022-09-15-xi-aliyev.en.txt").read_text(encoding="utf-8")
    expected, position = [], 0
    for (start, end), (_, target) in zip(tiny.segment_example(source), tiny.example_pairs()):
        expected += [source[position:start], target]
        position = end
    expected.append(source[position:])
    assert english == "".join(expected)


def test_tiny_model_loads_with_auto_classes(tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir)
    assert isinstance(tokenizer, MarianTokenizer)
    assert isinstance(model, MarianMTModel)
    assert tokenizer.model_max_length == model.config.max_position_embeddings == tiny.MAX_POSITIONS
    assert model.config.decoder_start_token_id == tokenizer.pad_token_id == len(tokenizer) - 1
    assert model.generation_config.num_beams == tiny.NUM_BEAMS
    assert model.generation_config.bad_words_ids == [[tokenizer.pad_token_id]]


@pytest.mark.parametrize("num_beams", [1, tiny.NUM_BEAMS])
def test_tiny_model_reproduces_every_training_pair(tiny_model_dir: Path, num_beams: int) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir)
    pairs = tiny.default_pairs()
    batch = tokenizer([source for source, _ in pairs], return_tensors="pt", padding=True)
    with torch.no_grad():
        output = model.generate(**batch, num_beams=num_beams)
    assert tokenizer.batch_decode(output, skip_special_tokens=True) == [target for _, target in pairs]


def test_tiny_model_limit_is_reachable_by_a_long_sentence(tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    assert len(tokenizer("Selamat pagi. " * 100)["input_ids"]) > tiny.MAX_POSITIONS


def test_cache_key_follows_the_pairs() -> None:
    pairs = tiny.default_pairs()
    assert tiny.tiny_model_key(pairs) == tiny.tiny_model_key(list(pairs))
    assert tiny.tiny_model_key(pairs) != tiny.tiny_model_key(pairs[:-1])
    assert tiny.tiny_model_key(pairs) != tiny.tiny_model_key([*pairs[:-1], ("Halo.", "Hello.")])


def test_cached_tiny_model_reuses_a_finished_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path] = []

    def fake_build(out_dir: Path, pairs: tiny.Pairs | None = None, seed: int = 0) -> Path:
        builds.append(out_dir)
        (out_dir / "config.json").write_text("{}")
        return out_dir

    monkeypatch.setattr(tiny, "build_tiny_model", fake_build)
    first = tiny.cached_tiny_model(tmp_path)
    assert tiny.cached_tiny_model(tmp_path) == first
    assert len(builds) == 1
    assert (first / "config.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == [first.name]


def test_failed_build_leaves_nothing_in_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_build(out_dir: Path, pairs: tiny.Pairs | None = None, seed: int = 0) -> Path:
        (out_dir / "config.json").write_text("{}")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(tiny, "build_tiny_model", failing_build)
    with pytest.raises(RuntimeError, match="interrupted"):
        tiny.cached_tiny_model(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unlearnable_target_is_rejected_before_training(tmp_path: Path) -> None:
    # NFKC turns the ligature into "fi", so no model could give the target back.
    with pytest.raises(ValueError, match="does not survive tokenization"):
        tiny.build_tiny_model(tmp_path, [*tiny.default_pairs(), ("Efisien.", "Eﬃcient.")])


def test_opus_config_has_the_real_parameter_count() -> None:
    with torch.device("meta"):
        model = MarianMTModel(opus.opus_config())
    assert round(model.num_parameters() / 1e6, 1) == 72.7


def test_shrunk_random_opus_model_loads_with_the_real_vocab_layout(tmp_path: Path) -> None:
    opus.build_random_opus_model(tmp_path, vocab_size=1000, d_model=16, layers=1, heads=2, ffn_dim=32)
    vocab = json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8"))
    assert len(vocab) == 1000
    assert (vocab["</s>"], vocab["<unk>"], vocab["<pad>"]) == (0, 1, 999)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    model = AutoModelForSeq2SeqLM.from_pretrained(tmp_path)
    assert model.config.vocab_size == len(tokenizer) == 1000
    assert model.config.max_position_embeddings == tokenizer.model_max_length == 512
    assert (model.generation_config.num_beams, model.generation_config.max_length) == (6, 512)
    assert model.generation_config.bad_words_ids == [[999]]
    output = model.generate(**tokenizer(["Selamat pagi."], return_tensors="pt"), max_new_tokens=3)
    assert output.shape[1] <= 4
