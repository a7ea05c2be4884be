"""The CTranslate2 backend: same translations as transformers, converted once, one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import ARTICLE, ARTICLE_EN, ARTICLE_EN_SENTENCES, require_ct2

from tmtool.cli import cli
from tmtool.errors import BackendNotAvailable, ModelError
from tmtool.segment import Segmenter
from tmtool.translate import get_translator, resolve_backend

require_ct2(allow_module_level=True)
pytestmark = pytest.mark.ct2

REFERENCE = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def sources() -> list[str]:
    return [s.text for s in Segmenter().segment(ARTICLE.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def ct2_float32(tiny_model, tmtool_cache):
    """One loaded float32 translator, as tiny_translator is for transformers."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMTOOL_CACHE", str(tmtool_cache))
        yield get_translator("ct2", model=str(tiny_model), device="cpu", compute_type="float32")


@pytest.mark.parametrize("beams", [None, 1])
def test_float32_gives_exactly_the_transformers_translations(tiny_translator, ct2_float32, sources, beams):
    tiny_translator.beams = ct2_float32.options["beam_size"] = beams or ct2_float32.beams
    try:
        expected = tiny_translator.translate(sources)
        assert ct2_float32.translate(sources) == expected == REFERENCE
    finally:
        tiny_translator.beams, ct2_float32.options["beam_size"] = None, ct2_float32.beams


def test_int8_gives_at_least_95_percent_of_them(tiny_model, tiny_translator, sources):
    expected = tiny_translator.translate(sources)
    got = get_translator("ct2", model=str(tiny_model), device="cpu", compute_type="int8").translate(sources)
    same = sum(a == b for a, b in zip(got, expected))
    assert same >= 0.95 * len(sources), f"{same} of {len(sources)} identical"


def test_tokens_are_marians_without_transformers(tiny_translator, ct2_float32, sources):
    vocab = tiny_translator.tokenizer.get_vocab()
    tricky = ["", "  spasi  ganda ", "teks </s> dengan <unk> token", ">>en<< kode bahasa", "emoji 🙂 dan 中文"]
    for text in sources + tricky:
        ours = [vocab[t] for t in ct2_float32.tokenizer.encode(text)]
        assert ours == tiny_translator.tokenizer(text)["input_ids"], text
    for target in REFERENCE:
        ids = tiny_translator.tokenizer(text_target=target)["input_ids"]
        tokens = tiny_translator.tokenizer.convert_ids_to_tokens(ids)
        assert ct2_float32.tokenizer.decode(tokens) == tiny_translator.tokenizer.decode(ids, skip_special_tokens=True)


def test_long_input_is_split_as_in_transformers(tiny_translator, ct2_float32, sources):
    long = ", ".join(sources[1:8])
    assert ct2_float32.count_tokens([long]) == tiny_translator.count_tokens([long])
    assert ct2_float32.count_tokens([long])[0] > ct2_float32.max_source_tokens == 256
    assert ct2_float32.pieces(long) == tiny_translator.pieces(long)
    # Greedy: the same. (With beams, on text the tiny model never saw, the engines may stop the
    # search at different points: CTranslate2 when `beams` hypotheses have ended, transformers
    # when no running one can still beat them; docs/performance.md.)
    tiny_translator.beams = ct2_float32.options["beam_size"] = 1
    try:
        assert ct2_float32.translate([long]) == tiny_translator.translate([long])
    finally:
        tiny_translator.beams, ct2_float32.options["beam_size"] = None, ct2_float32.beams


def test_cli_converts_once_with_a_message_then_reuses_the_copy(tm_path, tiny_model, tmp_path, tmtool):
    model = tmp_path / "copy"
    shutil.copytree(tiny_model, model)
    out = tmp_path / "article.en.txt"
    args = ["--tm", tm_path, "translate", ARTICLE, "--model", model, "--backend", "ct2", "-o", out, "--no-reuse"]
    first = tmtool(*args, "--compute-type", "float32", check=False)
    assert first.exit_code == 0, first.output
    assert first.stderr.splitlines()[0].startswith(f"converting {model} for CTranslate2 (float32) into ")
    assert first.stderr.splitlines()[0].endswith("; this happens once")
    assert out.read_text(encoding="utf-8") == ARTICLE_EN.read_text(encoding="utf-8")
    second = tmtool(*args, "--compute-type", "float32", "--threads", "1", "--batch-size", "3", check=False)
    assert second.exit_code == 0, second.output
    assert "converting" not in second.stderr
    assert out.read_text(encoding="utf-8") == ARTICLE_EN.read_text(encoding="utf-8")


def test_a_changed_model_is_converted_again_an_unchanged_one_never(tiny_model, tmp_path, monkeypatch):
    from tmtool.translate import ct2

    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    messages = []
    first = ct2.convert_model(str(model), "int8", notify=messages.append)
    assert len(messages) == 1 and (first / "model.bin").is_file() and (first / "source.spm").is_file()

    def no_conversion(*args):
        raise AssertionError("converted again")

    monkeypatch.setattr(ct2, "_convert", no_conversion)
    assert ct2.convert_model(str(model), "int8", notify=messages.append) == first
    assert len(messages) == 1
    config = json.loads((model / "generation_config.json").read_text())
    (model / "generation_config.json").write_text(json.dumps(dict(config, num_beams=3)))
    monkeypatch.undo()
    again = ct2.convert_model(str(model), "int8", notify=messages.append)
    assert again != first and len(messages) == 2
    assert get_translator("ct2", model=str(model), device="cpu", compute_type="int8").beams == 3


def test_model_convert_and_info(tiny_model, tmtool):
    r = tmtool("model", "convert", tiny_model, "--compute-type", "int8_float32", check=False)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"{tiny_model}: ") and "int8_float32" in r.stdout
    r = tmtool("model", "convert", tiny_model, "--compute-type", "int8_float32", check=False)
    assert "already converted in" in r.stdout and "converting" not in r.stderr
    info = json.loads(tmtool("model", "info", tiny_model, "--json", check=False).stdout)
    assert "int8_float32" in {c["compute_type"] for c in info["converted"]}
    assert info["num_beams"] == 2


def test_a_model_that_is_not_marian_is_one_line(tmp_path, tmtool):
    bert = tmp_path / "bert"
    bert.mkdir()
    (bert / "config.json").write_text('{"model_type": "bert"}')
    r = tmtool("model", "convert", bert, check=False)
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [f"Error: {bert} is a 'bert' model, not MarianMT"]
    with pytest.raises(ModelError):
        get_translator("ct2", model=str(bert))


def test_missing_ctranslate2_is_an_install_hint(monkeypatch, tm_path, tiny_model, tmtool):
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # import fails as if not installed
    monkeypatch.delitem(sys.modules, "tmtool.translate.ct2", raising=False)
    with pytest.raises(BackendNotAvailable, match=r"pip install 'tmtool\[ct2\]'"):
        get_translator("ct2", model=str(tiny_model))
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, "--backend", "ct2", check=False)
    assert r.exit_code == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "pip install 'tmtool[ct2]'" in r.stderr


def test_auto_is_ct2_when_installed_else_transformers(monkeypatch):
    import tmtool.translate as registry

    assert resolve_backend("auto") == "ct2"
    monkeypatch.setattr(registry, "find_spec", lambda name: None)
    assert resolve_backend("auto") == "transformers"
    assert resolve_backend("transformers") == "transformers"


def test_compute_type_for_transformers_is_a_usage_error(tm_path, tiny_model, tmtool):
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, "--backend", "transformers",
               "--compute-type", "int8", check=False)
    assert r.exit_code == 2 and "needs the ct2 backend" in r.stderr


def test_a_hub_id_in_the_hugging_face_cache_converts_offline(tiny_model, tm_path, tmp_path, monkeypatch, tmtool):
    # The cache layout huggingface_hub writes: refs/main names the snapshot of the commit.
    repo = tmp_path / "hf-home" / "hub" / "models--someone--tiny-id-en"
    shutil.copytree(tiny_model, repo / "snapshots" / "0123abcd")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    assert "HF_HUB_OFFLINE" in __import__("os").environ
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", "someone/tiny-id-en", "--backend", "ct2",
               "--compute-type", "float32", check=False)
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("converting someone/tiny-id-en for CTranslate2 (float32) into ")
    assert r.stdout == ARTICLE_EN.read_text(encoding="utf-8")
    info = json.loads(tmtool("model", "info", "someone/tiny-id-en", "--json", check=False).stdout)
    assert info["path"] == str(repo / "snapshots" / "0123abcd")
    assert [c["compute_type"] for c in info["converted"]] == ["float32"]


def test_translating_with_ct2_imports_neither_torch_nor_transformers(tiny_model, tm_path):
    # The model was converted by the tiny_model fixture; this process only loads the copy.
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom tmtool.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['--tm', {str(tm_path)!r}, 'translate', {str(ARTICLE)!r}, "
        f"'--model', {str(tiny_model)!r}, '--backend', 'ct2'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_model_prune_removes_only_copies_nothing_will_load(tiny_model, tmtool_cache, tmp_path, monkeypatch, tmtool):
    import os
    import time

    import ctranslate2

    from tmtool.translate import ct2

    cache = tmp_path / "cache"
    monkeypatch.setenv("TMTOOL_CACHE", str(cache))
    current = ct2.convert_model(str(tiny_model), "int8")  # the copy the model loads now: kept
    root = current.parent

    def fake(name, **manifest):
        d = root / name
        d.mkdir()
        (d / "model.bin").write_bytes(b"x" * 1000)
        (d / "tmtool.json").write_text(json.dumps({"model": "m", "compute_type": "int8", **manifest}))
        return d

    gone = fake("gone-int8", source_path=str(tmp_path / "no-such-model"), ctranslate2=ctranslate2.__version__)
    older = fake("older-int8", source_path=str(tiny_model), ctranslate2="3.0.0")
    leftover = root / ".half-converted-abc"
    leftover.mkdir()
    young = root / ".converting-now-xyz"
    young.mkdir()
    os.utime(leftover, (time.time() - 7200, time.time() - 7200))
    view_root = cache / "ct2-shortlist"
    view_root.mkdir()
    broken = view_root / "gone-copy-0123"
    broken.mkdir()
    (broken / "model.bin").symlink_to(tmp_path / "nowhere" / "model.bin")

    dry = tmtool("model", "prune", "--dry-run", check=False)
    assert dry.exit_code == 0, dry.output
    assert "4 copies would be removed" in dry.output and gone.exists()
    result = tmtool("model", "prune", check=False)
    assert result.exit_code == 0, result.output
    assert f"removed {gone} (0.0 MB): its model folder {tmp_path / 'no-such-model'} is gone" in result.output
    assert f"made by CTranslate2 3.0.0, this is {ctranslate2.__version__}" in result.output
    assert "left by an interrupted conversion" in result.output and "its converted copy is gone" in result.output
    assert not any(p.exists() for p in (gone, older, leftover, broken))
    assert current.exists() and young.exists()
    assert tmtool("model", "prune", check=False).output.startswith("nothing stale in ")


@pytest.mark.parametrize("args", [["model", "info"], ["model", "convert"], ["model", "shortlist", "--from-tm"]])
def test_model_commands_say_how_they_take_a_model_folder(args, tmp_path, tmtool):
    """They take the model as NAME, not --model: the not-cached message says so."""
    r = tmtool(*args, check=False)
    assert r.exit_code == 1
    assert r.output.startswith("Error: model 'Helsinki-NLP/opus-mt-id-en' is not in the local Hugging Face cache")
    assert "pass its folder as NAME (a downloaded model folder)" in r.output and "--model" not in r.output
    a_file = tmp_path / "weights.bin"
    a_file.write_bytes(b"x")
    assert tmtool("model", "info", a_file, check=False).output == \
        f"Error: {a_file} is a file; NAME takes a model directory or a hub id\n"


def test_two_folders_of_one_model_share_its_copy_and_prune_keeps_it(tiny_model, tmp_path, monkeypatch, tmtool):
    """Issue 20: folders with the same name and content (or reached through a link) use one
    converted copy; `model info` lists it for each, and `model prune` keeps it while one of
    them is there."""
    monkeypatch.setenv("TMTOOL_CACHE", str(tmp_path / "cache"))
    a, b = tmp_path / "a" / "tiny", tmp_path / "b" / "tiny"
    shutil.copytree(tiny_model, a)
    shutil.copytree(tiny_model, b)
    link = tmp_path / "c" / "tiny"
    link.parent.mkdir()
    link.symlink_to(b)
    assert "converted into" in tmtool("model", "convert", a, "--compute-type", "int8", check=False).stdout
    r = tmtool("model", "convert", b, "--compute-type", "int8", check=False)
    assert "already converted in" in r.stdout
    copy = r.stdout.split(" in ")[-1].strip()
    assert "already converted in" in tmtool("model", "convert", link, "--compute-type", "int8", check=False).stdout
    for name in (a, b, f"{b}/", link):
        info = json.loads(tmtool("model", "info", name, "--json", check=False).stdout)
        assert [c["path"] for c in info["converted"]] == [copy], name
    r = tmtool("model", "info", b, check=False)
    assert "int8" in r.stdout and "none (tmtool model convert" not in r.stdout
    shutil.rmtree(a)
    assert tmtool("model", "prune", check=False).stdout.startswith("nothing stale in ")
    assert json.loads(tmtool("model", "info", b, "--json", check=False).stdout)["converted"][0]["path"] == copy
    shutil.rmtree(b)
    r = tmtool("model", "prune", check=False)
    assert f"removed {copy}" in r.stdout and f"its model folder {a} is gone" in r.stdout
