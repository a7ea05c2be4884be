"""Issue 14, point 1: a model's output limit never cuts a translation silently.

Real models built from the tiny one the way people save fine-tuned MarianMTs: without
generation_config.json, with one that sets no max_length (transformers would stop at 20), and
with an odd small max_length. Both backends; ct2 at float32 so that its text is transformers'.
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import ARTICLE, ARTICLE_EN, ARTICLE_EN_SENTENCES, require_ct2

from tmtool.translate import Translator
from tmtool.translate.base import CutNote, configured_max_length, derived_max_length

REFERENCE = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
SMALL = 17  # max_length, the decoder start token included: 16 output tokens
DOC = ARTICLE.name
BACKENDS = [
    pytest.param(["--backend", "transformers"], id="transformers"),
    pytest.param(["--backend", "ct2", "--compute-type", "float32"], id="ct2", marks=pytest.mark.ct2),
]


def jsonl(text):
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def variants(tiny_model, tmp_path_factory):
    """Copies of the tiny model whose generation config sets no output limit, or a small one."""
    root = tmp_path_factory.mktemp("variants")
    generation = json.loads((tiny_model / "generation_config.json").read_text(encoding="utf-8"))
    made = {}
    for name in ("no-generation-config", "no-max-length", "small-max-length"):
        made[name] = root / name
        shutil.copytree(tiny_model, made[name])
    (made["no-generation-config"] / "generation_config.json").unlink()
    unlimited = {k: v for k, v in generation.items() if k != "max_length"}
    (made["no-max-length"] / "generation_config.json").write_text(json.dumps(unlimited), encoding="utf-8")
    (made["small-max-length"] / "generation_config.json").write_text(
        json.dumps(dict(generation, max_length=SMALL)), encoding="utf-8")
    return made


def needs_backend(args):
    if "ct2" in args:
        require_ct2()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("variant", ["no-generation-config", "no-max-length"])
def test_a_model_that_sets_no_output_limit_translates_whole_sentences(variants, variant, backend, tm_path, tmp_path,
                                                                     tmtool):
    # Before issue 14 both backends stopped at transformers' default of 20 (19 tokens):
    # "Samarkand (ANTARA) - Chinese President Xi Jinp", stored as an ordinary draft.
    needs_backend(backend)
    assert configured_max_length(variants[variant]) is None
    out = tmp_path / "article.en.txt"
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", variants[variant], *backend, "-o", out, check=False)
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == ARTICLE_EN.read_text(encoding="utf-8")
    assert "cut short" not in r.stderr and "note:" not in r.stderr


def expected_cut(tiny_translator) -> list[int]:
    """The segments whose reference needs more than the SMALL limit: target tokens and </s>
    after the decoder start token fill every position."""
    tok = tiny_translator.tokenizer
    return [i for i, ref in enumerate(REFERENCE) if len(tok(text_target=ref)["input_ids"]) + 1 >= SMALL]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_translation_stopped_at_the_output_limit_is_marked_everywhere(
    variants, backend, tm_path, tiny_translator, tmp_path, tmtool
):
    needs_backend(backend)
    cut = expected_cut(tiny_translator)
    assert 0 < len(cut) < len(REFERENCE)  # some sentences fit, most do not
    model = variants["small-max-length"]
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", model, *backend, "--format", "jsonl", check=False)
    assert r.exit_code == 0, r.output
    rows = jsonl(r.stdout)
    assert [i for i, row in enumerate(rows) if row["truncated"]] == cut
    for i, row in enumerate(rows):
        if i in cut:
            assert row["target"] != REFERENCE[i] and REFERENCE[i].startswith(row["target"])
        else:
            assert row["target"] == REFERENCE[i]
    numbers = ", ".join(str(i + 1) for i in cut)
    assert f"note: segments {numbers}: the model stopped at its output limit (16 tokens)" in r.stderr
    assert f", {len(cut)} cut short at the model's output limit," in r.stderr

    # The memory marks the units; pairs, review and the report show it.
    db = sqlite3.connect(tm_path)
    marked = {json.loads(p)["truncated"]["limit"] for (p,) in db.execute(
        "SELECT props FROM units WHERE props LIKE '%truncated%'")}
    assert marked == {SMALL - 1}
    assert db.execute("SELECT count(*) FROM units WHERE props LIKE '%truncated%'").fetchone()[0] == len(set(
        rows[i]["tu_id"] for i in cut))
    pairs = jsonl(tmtool("--tm", tm_path, "pairs", "--doc", DOC, "--format", "jsonl", check=False).stdout)
    assert [i for i, p in enumerate(pairs) if p["truncated"]] == cut
    table = tmtool("--tm", tm_path, "pairs", "--doc", DOC, check=False).stdout
    assert table.count("CUT SHORT (the model stopped at its output limit)") == len(cut)
    review = tmtool("--tm", tm_path, "review", "--doc", DOC, input="q\n", check=False).stdout
    first = review.split("[2/")[0]
    assert "CUT  the model stopped at its output limit (16 tokens)" in first
    report = tmp_path / "report.html"
    assert tmtool("--tm", tm_path, "report", "--doc", DOC, "-o", report, check=False).exit_code == 0
    html = report.read_text(encoding="utf-8")
    assert html.count('<span class="badge cut">cut short</span>') == len(cut)
    assert f"{len(cut)} translations cut short" in html

    # A cut-short draft is never reused: the model is asked again (and is flagged again).
    again = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", model, *backend, "--format", "jsonl", check=False)
    rows = jsonl(again.stdout)
    assert [row["origin"] for row in rows] == ["mt" if i in cut else "tm" for i in range(len(rows))]
    assert [i for i, row in enumerate(rows) if row["truncated"]] == cut


def test_the_derived_limit_follows_the_source_within_the_positions():
    assert derived_max_length(10, 512) == 30
    assert derived_max_length(300, 512) == 512
    assert derived_max_length(0, 512) == 10


class Cutter(Translator):
    """Keeps the first two words; says it stopped at a limit of 3 when there were more."""

    model_id = "cutter"

    def __init__(self, limit=None):
        self.max_source_tokens = limit

    def translate_batch(self, texts):
        return [t for t, _ in self.translate_batch_checked(texts)]

    def translate_batch_checked(self, texts):
        return [(" ".join(t.split()[:2]), 3 if len(t.split()) > 2 else None) for t in texts]


def test_a_cut_is_reported_once_for_the_text_even_when_one_piece_of_it_was_cut():
    r = Cutter(limit=4)  # words + 1: "a b c" is one piece, "a b c, d e f g" two
    got = list(r.translate_batches(["a b", "a b c, d e", "x y"], batch_size=8))
    ((done, notes),) = got
    assert done == [(0, "a b"), (1, "a b d e"), (2, "x y")]
    assert [n for n in notes if isinstance(n, CutNote)] == [CutNote(1, 3)]
