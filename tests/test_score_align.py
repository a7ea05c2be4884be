"""`tmtool score --ref DOCUMENT --align`: a whole reference document, aligned before scoring."""

import json

import sacrebleu
from click.testing import CliRunner

from conftest import ARTICLE, REPO
from tmtool.cli import cli

ALIGN_DATA = REPO / "tests" / "data" / "align"


def gold_references() -> list[str | None]:
    """Per source segment, its reference from the hand-made gold alignment (None: not 1-to-n)."""
    targets = (ALIGN_DATA / "article-edited.tgt.txt").read_text(encoding="utf-8").splitlines()
    refs: list[str | None] = [None] * 20
    for line in (ALIGN_DATA / "article-edited.gold").read_text().splitlines():
        src, tgt = (json.loads(side) for side in line.split(":"))
        if len(src) == 1 and tgt:
            refs[src[0]] = " ".join(targets[t] for t in tgt)
    return refs


def test_score_aligns_a_reference_document_with_merges_and_omissions(tm_path, tiny_model):
    run = CliRunner().invoke
    assert run(cli, ["--tm", tm_path, "translate", str(ARTICLE), "--model", str(tiny_model)]).exit_code == 0
    reference = ALIGN_DATA / "article-edited.en.txt"  # merged, split and dropped sentences
    r = run(cli, ["--tm", tm_path, "score", "--ref", str(reference), "--align", "--json"],
            catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    refs = gold_references()
    kept = [i for i, ref in enumerate(refs) if ref is not None]
    hyps = (REPO / "examples" / "antara-2022-09-15-xi-aliyev.en.sentences.txt").read_text(
        encoding="utf-8").splitlines()
    assert (out["segments"], out["unscored"], out["ref_kind"]) == (15, 5, "aligned")
    expected = sacrebleu.corpus_bleu([hyps[i] for i in kept], [[refs[i] for i in kept]])
    bleu = next(s for s in out["scores"] if s["name"] == "BLEU")
    assert bleu["score"] == round(expected.score, 1)
    r = run(cli, ["--tm", tm_path, "score", "--ref", str(reference), "--align", "--worst", "0"])
    assert "(aligned; 5 segments left unaligned and not scored)" in r.stdout


def test_align_needs_exactly_one_reference_document(tm_path, tiny_model):
    run = CliRunner().invoke
    run(cli, ["--tm", tm_path, "translate", str(ARTICLE), "--model", str(tiny_model)])
    ref = str(ALIGN_DATA / "article-edited.en.txt")
    r = run(cli, ["--tm", tm_path, "score", "--ref", ref, "--ref", ref, "--align"])
    assert r.exit_code == 2 and "--align takes exactly one reference document" in r.output
