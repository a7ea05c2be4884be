"""`tmtool score` and tmtool.score: the figures are sacrebleu's, to the printed precision (issue 4).

The system output is the example article's English; the references are two independent
translations in tests/data/score/ (see its README).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ARTICLE_EN_SENTENCES
from sacrebleu.metrics import BLEU, CHRF, TER
from test_review import DOC, MT_ERRORS, REFERENCE, translate_example, unit_ids

from tmtool import SQLiteMemory
from tmtool.cli import cli
from tmtool.errors import InputError, UsageError
from tmtool.score import (
    corpus_scores,
    read_lines,
    score_document,
    score_files,
    sentence_scores,
)

DATA = Path(__file__).parent / "data" / "score"
REF_A, REF_B = DATA / "ref-a.en.txt", DATA / "ref-b.en.txt"
HYP = ARTICLE_EN_SENTENCES
MT = [MT_ERRORS.get(i, line) for i, line in enumerate(REFERENCE)]  # what the stand-in model says


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def sacrebleu_cli(*args) -> list[str]:
    """The score lines of the real `sacrebleu` command line, alignment padding removed."""
    out = subprocess.run([sys.executable, "-m", "sacrebleu", *map(str, args), "--no-color"],
                         capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines()]


def metric_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.split("|")[0] in ("BLEU", "chrF2", "TER")]


# -- pinned against sacrebleu's own API ---------------------------------------------------------


def test_corpus_scores_equal_sacrebleu_api_and_pinned_values():
    hyps, refs = lines(HYP), [lines(REF_A)]
    ours = corpus_scores(hyps, refs)
    for metric, mine in zip((BLEU(), CHRF(), TER()), ours):
        theirs = metric.corpus_score(hyps, refs)
        assert (mine.metric, mine.score, mine.signature) == (
            theirs.name, theirs.score, metric.get_signature().format())
    assert [round(s.score, 4) for s in ours] == [64.8363, 83.8396, 23.9186]
    assert ours[0].signature.startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")
    assert ours[2].format() == (
        f"TER|{ours[2].signature} = 23.9"
    )


def test_multiple_references():
    result = score_files(HYP, [REF_A, REF_B])
    refs = [lines(REF_A), lines(REF_B)]
    for metric, mine in zip((BLEU(), CHRF(), TER()), result.corpus):
        assert mine.score == metric.corpus_score(lines(HYP), refs).score
        assert mine.signature.startswith("nrefs:2|")
    assert [round(s.score, 4) for s in result.corpus] == [73.7578, 85.1136, 23.4828]
    assert result.segments[0].refs == (refs[0][0], refs[1][0])


def test_sentence_scores_are_sacrebleu_sentence_level_with_signatures():
    hyps, refs = lines(HYP), [lines(REF_A)]
    ours = sentence_scores(hyps, refs)
    bleu, chrf = BLEU(effective_order=True), CHRF()
    for i in (0, 5, 17):
        assert ours[i]["BLEU"].score == bleu.sentence_score(hyps[i], [refs[0][i]]).score
        assert ours[i]["chrF2"].score == chrf.sentence_score(hyps[i], [refs[0][i]]).score
    assert ours[0]["BLEU"].signature == bleu.get_signature().format()
    assert "eff:yes" in ours[0]["BLEU"].signature


def test_confidence_is_sacrebleu_bootstrap_and_repeats():
    hyps, refs = lines(HYP), [lines(REF_A)]
    first = corpus_scores(hyps, refs, ["bleu"], n_bootstrap=1000)
    again = corpus_scores(hyps, refs, ["bleu"], n_bootstrap=1000)
    theirs = BLEU().corpus_score(hyps, refs, n_bootstrap=1000)  # sacrebleu's default seed, 12345
    assert (first[0].ci_mean, first[0].ci_half) == (again[0].ci_mean, again[0].ci_half)
    assert (first[0].ci_mean, first[0].ci_half) == (theirs._mean, theirs._ci)
    assert "|bs:1000|seed:12345|" in first[0].signature
    other = corpus_scores(hyps, refs, ["bleu"], n_bootstrap=1000, seed=7)
    assert other[0].ci_mean != first[0].ci_mean and "seed:7" in other[0].signature


def test_mismatched_counts_say_both_counts(tmp_path, tmtool):
    short = tmp_path / "short.en.txt"
    short.write_text("\n".join(lines(REF_A)[:19]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        score_files(HYP, [REF_A, short])
    assert str(e.value).startswith(f"{short} has 19 lines but {HYP} has 20 lines")
    r = tmtool("score", "--hyp", HYP, "--ref", short, code=1)
    assert r.output == (f"Error: {short} has 19 lines but {HYP} has 20 lines; give one reference line "
                        "per segment, in order\n")


def test_lines_are_read_as_the_sacrebleu_command_reads_them(tmp_path):
    f = tmp_path / "crlf.txt"
    f.write_bytes(b"one two  \r\nthree\t\r\n\r\nfour")
    assert read_lines(f) == ["one two", "three", "", "four"]


# -- the command line ----------------------------------------------------------------------------


def test_score_files_prints_what_the_sacrebleu_command_prints(tmtool):
    ours = tmtool("score", "--hyp", HYP, "--ref", REF_A, "--ref", REF_B)
    assert metric_lines(ours.output) == sacrebleu_cli(REF_A, REF_B, "-i", HYP, "-m", "bleu", "chrf", "ter",
                                                      "-f", "text")
    ours = tmtool("score", "--hyp", HYP, "--ref", REF_A, "--confidence", "--width", "2")
    assert metric_lines(ours.output) == sacrebleu_cli(REF_A, "-i", HYP, "-m", "bleu", "chrf", "ter",
                                                      "-f", "text", "--confidence", "-w", "2")


def test_score_document_stores_sentence_scores_and_matches_the_command_line(tm_path, tmp_path, tmtool):
    translate_example(tm_path)
    r = tmtool("--tm", tm_path, "score", "--doc", DOC, "--ref", REF_A, "--worst", "2")
    hyp = tmp_path / "mt.en.txt"
    hyp.write_text("\n".join(MT) + "\n", encoding="utf-8")
    assert metric_lines(r.output) == sacrebleu_cli(REF_A, "-i", hyp, "-m", "bleu", "chrf", "ter", "-f", "text")
    assert r.output.startswith(f"{DOC}: 20 segments scored against {REF_A}\n")
    assert "\nWorst 2 by sentence BLEU:\n  #5    BLEU  13.9  chrF2  59.4  unit " in r.output
    assert f"        hyp  {MT[4]}\n        ref  Xi emphasized that the international" in r.output
    with SQLiteMemory(tm_path) as tm:
        pairs = tm.document_pairs(DOC)
        stored = pairs[17].scores["BLEU"]
        assert stored.score == BLEU(effective_order=True).sentence_score(MT[17], [lines(REF_A)[17]]).score
        assert stored.signature.startswith("nrefs:1|case:mixed|eff:yes|tok:13a")
        assert (stored.hypothesis, stored.refs, stored.ref_kind) == (MT[17], (lines(REF_A)[17],), "file")
        assert set(pairs[0].scores) == {"BLEU", "chrF2"}
        corpus = tm.corpus_scores(DOC)
        assert [c.metric for c in corpus] == ["BLEU", "chrF2", "TER"]
        assert corpus[0].formatted == metric_lines(r.output)[0]


def test_json_output_has_sacrebleus_fields(tm_path, tmtool):
    translate_example(tm_path)
    data = json.loads(tmtool("--tm", tm_path, "score", "--ref", REF_A, "--metrics", "chrf", "--json").output)
    assert data["document"] == DOC and data["segments"] == 20
    (chrf,) = data["scores"]
    assert chrf["name"] == "chrF2" and chrf["nrefs"] == "1" and chrf["score"] == round(chrf["score"], 1)
    assert [w["index"] for w in data["worst"]][:1] == [4]


def test_ref_from_tm_scores_the_model_output_against_approved_targets(tm_path, tmtool):
    translate_example(tm_path)
    ids = unit_ids(tm_path)
    fixed = "Translator: Xinhua"
    with SQLiteMemory(tm_path) as tm:
        tm.set_status(ids[0], "approved")
        tm.edit_target(ids[17], fixed)
        tm.set_status(ids[1], "rejected")
    r = tmtool("--tm", tm_path, "score", "--ref-from-tm", "--doc", DOC)
    assert r.output.startswith(
        f"{DOC}: 2 segments scored against approved targets in the translation memory (1 accepted as the "
        "model wrote them, 1 edited, 0 from other approved units; 18 not yet approved)"
    )
    hyps, refs = [REFERENCE[0], "Interpreter: Xinhua"], [[REFERENCE[0], fixed]]
    expected = [BLEU().corpus_score(hyps, refs).score, CHRF().corpus_score(hyps, refs).score]
    with SQLiteMemory(tm_path) as tm:
        assert [c.score for c in tm.corpus_scores(DOC)][:2] == expected
        assert tm.document_pairs(DOC)[17].scores["chrF2"].ref_kind == "tm"


def test_ref_from_tm_before_any_review_is_an_error(tm_path, tmtool):
    translate_example(tm_path)
    r = tmtool("--tm", tm_path, "score", "--ref-from-tm", code=1)
    assert r.output.startswith(f"Error: no machine-translated pair of {DOC!r} has an approved target yet")


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give reference files with --ref, or --ref-from-tm (not both)"),
        (["--ref", REF_A, "--ref-from-tm"], "give reference files with --ref, or --ref-from-tm (not both)"),
        (["--ref", REF_A, "--hyp", HYP, "--doc", DOC], "--hyp scores a file; it does not go with --doc"),
        (["--ref", REF_A, "--metrics", "bleu,meteor"], "unknown metric meteor; choose from bleu,chrf,ter"),
    ],
)
def test_usage_errors_exit_2(tm_path, args, message):
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "score", *map(str, args)])
    assert r.exit_code == 2 and message in r.output


def test_untranslated_segments_are_an_error(tm_path):
    from tmtool import segment_text

    with SQLiteMemory(tm_path) as tm:
        tm.save_document("raw.txt", "Satu. Dua.", segment_text("Satu. Dua."), "id", "en")
        with pytest.raises(InputError, match="has 2 untranslated segments"):
            score_document(tm, "raw.txt", [REF_A])
    with pytest.raises(UsageError):
        corpus_scores(["a"], [])


def test_score_help_does_not_load_sacrebleu():
    code = (
        "from click.testing import CliRunner\nfrom tmtool.cli import cli\nimport sys\n"
        "assert CliRunner().invoke(cli, ['score', '--help']).exit_code == 0\n"
        "print(any(m.startswith('sacrebleu') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
