"""QA checks (issue 17): term recognition in inflected forms, Indonesian and English numbers,
the planted-defect benchmark, no finding on the example article, `tmtool qa` and `tm qa`, and
the findings in `review` and `report`, on both back ends."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ARTICLE, ARTICLE_EN_SENTENCES, load_script

from tmtool import TranslationUnit
from tmtool.cli import cli
from tmtool.glossary import import_glossary
from tmtool.memory import open_memory
from tmtool.qa import PairText, TermChecker, check_pair, qa_document, qa_memory
from tmtool.qa.numbers import compare, parse_en, parse_id
from tmtool.qa.terms import TermMatcher
from tmtool.segment import segment_text

QA = Path(__file__).parent / "data" / "qa"
DOC = ARTICLE.name


# -- term recognition ---------------------------------------------------------------------

def found(matcher: TermMatcher, text: str) -> list[str]:
    return [text[h.start:h.end] for h in matcher.find(text)]


def test_indonesian_terms_are_found_through_affixes_and_reduplication():
    m = TermMatcher([["pembangunan"], ["menteri"], ["kerja sama"], ["Inisiatif Pembangunan Global"]], "id")
    assert found(m, "Pembangunannya dibahas; pembangunan jalan berlanjut.") == ["Pembangunannya", "pembangunan"]
    assert found(m, "Para menteri-menteri bekerja sama dengan kementerian.") == [
        "menteri-menteri", "bekerja sama", "kementerian"]
    # Longest match wins: the initiative, not "Pembangunan" inside it.
    assert found(m, "mengimplementasikan Inisiatif Pembangunan Global (GDI)") == ["Inisiatif Pembangunan Global"]
    assert found(m, "Kerja keras dan sama rata") == []  # the words of a term must follow one another


def test_english_terms_are_found_in_inflected_forms_and_acronyms_keep_their_case():
    m = TermMatcher([["diplomatic relation"], ["supply chain"], ["GDI"], ["develop"]], "en")
    assert found(m, "Diplomatic relations and supply chains developed.") == [
        "Diplomatic relations", "supply chains", "developed"]
    assert found(m, "the GDI, not gdi or Gdi") == ["GDI"]


# -- numbers ------------------------------------------------------------------------------

def test_figures_are_read_by_each_language_convention():
    assert parse_id("1.500.000,00") == ({Decimal("1500000")}, False)
    assert parse_id("5,2") == ({Decimal("5.2")}, False)
    assert parse_en("1,500,000.00") == ({Decimal("1500000")}, False)
    assert parse_en("1.500.000")[1] and parse_en("5,2")[1]  # the Indonesian way, in English


@pytest.mark.parametrize("source, target, problems", [
    ("Rp1.500.000,00 per ton", "Rp1,500,000.00 per ton", []),
    ("1,5 juta orang", "1.5 million people", []),
    ("1,5 juta orang", "1,500,000 people", []),
    ("pada Kamis (15/9)", "on Thursday (15/9)", []),
    ("pada Kamis (15/9)", "on Thursday, September 15", []),
    ("pada Kamis (15/9)", "on Thursday (9/15)", ["date 15/9 is not in the target (the target has 9/15)",
                                                 "date 9/15 is not in the source"]),
    ("pukul 19.00 WIB", "at 7 p.m. local time", []),
    ("pukul 19.00 WIB", "at 19:00 local time", []),
    ("sekitar pukul 02.30 WIB.", "at around 02.30 WIB.", []),
    ("pukul 19.00 WIB", "at 9 p.m.", ["time 19.00 is not in the target (the target has 9 p.m.)",
                                      "time 9 p.m. is not in the source"]),
    ("menandatangani 2 nota", "signed two memorandums", []),
    ("Rp 3,5 triliun", "3.5 trillion", ["the amount in rupiah (Rp) lost its currency in the target"]),
    ("naik 5,2 persen", "rose 5,2 percent", ["5,2 is written the Indonesian way; English uses a comma "
                                            "for thousands and a point for decimals",
                                            "number 5,2 is not in the target"]),
    ("sebanyak 1.250 peserta", "125 participants", ["number 1.250 is not in the target (the target has 125)",
                                                    "number 125 is not in the source"]),
])
def test_numbers_dates_times_and_currencies(source, target, problems):
    assert [p.message for p in compare(source, target)] == problems


# -- the planted-defect benchmark -----------------------------------------------------------

def test_planted_defects_file_is_what_the_script_writes():
    planted = load_script("qa_planted")
    lines = (QA / "planted.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == planted.build()


def test_every_check_finds_its_planted_defects_and_nothing_else():
    bench = load_script("bench_qa")
    result = bench.evaluate()
    assert set(result) == {"empty", "identical", "untranslated", "length", "numbers", "tags", "brackets",
                           "spaces", "repeated", "urls", "terminology", "consistency"}
    for check, r in result.items():
        assert r["planted"] >= 10, check
        assert r["precision"] >= 0.95 and r["recall"] >= 0.95, (check, r)


def test_clean_pairs_written_for_another_purpose_raise_only_glossary_paraphrases():
    # news-id-en was written for the alignment tests: its only findings are two sentences where
    # the translator put a glossary term another way ("pembangunan tanggul" -> "building a ...
    # embankment"; "vaksin" -> "them").
    assert load_script("bench_qa").held_out() == (61, {"terminology": 2})


def test_inline_codes_are_compared_by_their_native_code():
    codes = {"source": [{"tag": "bpt", "xml": "&lt;b&gt;"}, {"tag": "ept", "xml": "&lt;/b&gt;"}],
             "target": [{"tag": "bpt", "xml": "&lt;b&gt;"}, {"tag": "ept", "xml": "&lt;/b&gt;"}]}
    b, e = "\U000F0000", "\U000F0001"
    assert check_pair(PairText(f"Klik {b}Simpan{e} sekarang.", f"Click {b}Save{e} now.", codes), None) == []
    lost = check_pair(PairText(f"Klik {b}Simpan{e} sekarang.", f"Click {b}Save now.", codes), None)
    assert [(f.check, f.severity, f.message) for f in lost] == [
        ("tags", "error", "tag or placeholder ⟨/2⟩ (</b>) is missing in the target")]


# -- a document in the memory ---------------------------------------------------------------

def store_article(tm, targets: dict[int, str] | None = None) -> None:
    """The example article with its reference translation as a document of ``tm`` (no model)."""
    text = ARTICLE.read_text(encoding="utf-8")
    segments = segment_text(text)
    refs = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
    refs = [(targets or {}).get(i, r) for i, r in enumerate(refs)]
    doc = tm.save_document(DOC, text, segments, "id", "en")
    ids = tm.add_units([TranslationUnit(None, s.text, r, origin="human") for s, r in zip(segments, refs)])
    tm.link_segments(doc, dict(enumerate(ids)))


def test_the_example_article_raises_no_finding(memory):
    import_glossary(memory, QA / "glossary-id-en.tbx")
    store_article(memory)
    result = qa_document(memory, DOC)
    assert (result.findings, result.pairs, result.glossary_entries) == ([], 20, 13)
    assert memory.findings(DOC) == []


def test_findings_are_stored_replaced_and_kept_per_document(memory):
    import_glossary(memory, QA / "glossary-id-en.tbx")
    refs = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
    store_article(memory, {0: refs[0].replace("(15/9)", "(9/15)"), 8: refs[8].replace("Belt and Road", "Silk Road")})
    result = qa_document(memory, DOC)
    got = [(f.index, f.check, f.severity) for f in result.findings]
    assert got == [(0, "numbers", "error"), (0, "numbers", "error"),
                   (8, "terminology", "error"), (8, "terminology", "warning")]
    stored = memory.findings(DOC)
    assert stored == result.findings
    assert stored[2].spans == ({"side": "target", "start": 33, "end": 42},)
    assert memory.get_unit(stored[2].tu_id).target[33:42] == "Silk Road"
    # Fixed: the stored findings of that pair are stale until checked again, and then replaced.
    memory.edit_target(stored[0].tu_id, refs[0])
    assert [f.stale for f in memory.findings(DOC)] == [True, True, False, False]
    assert [f.index for f in qa_document(memory, DOC).findings] == [8, 8]
    assert [f.index for f in memory.findings(DOC)] == [8, 8]
    assert [f.check for f in qa_document(memory, DOC, glossary_only=True).findings] == ["terminology"] * 2


def test_consistency_across_the_memory(memory):
    store_article(memory)
    other = memory.add_units([TranslationUnit(None, "Penerjemah: Xinhua", "Translated by Xinhua", origin="mt")])[0]
    result = qa_document(memory, DOC, store=False)
    assert [(f.index, f.check, f.tu_id) for f in result.findings] == [(17, "consistency", memory.pairs(DOC)[17].unit.id)]
    assert result.findings[0].message == (
        f"the same source has another target in the memory: unit {other} 'Translated by Xinhua'")
    memory.set_status(other, "rejected")  # a rejected unit is no rival
    assert qa_document(memory, DOC, store=False).findings == []
    whole = qa_memory(memory)
    assert (whole.pairs, whole.findings) == (20, [])


# -- the command line -----------------------------------------------------------------------

@pytest.fixture
def planted_tm(tmp_path) -> list[str]:
    path = tmp_path / "tm.sqlite"
    refs = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
    with open_memory(path) as tm:
        import_glossary(tm, QA / "glossary-id-en.tbx")
        store_article(tm, {1: refs[1].replace("marks the", "marks the the"),
                           12: refs[12].replace("COVID-19", "COVID")})
    return ["--tm", str(path)]


def test_qa_json_lines_and_fail_on(planted_tm):
    runner = CliRunner()
    r = runner.invoke(cli, [*planted_tm, "qa", "--format", "jsonl"], catch_exceptions=False)
    assert r.exit_code == 0
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["index"], x["check"], x["severity"]) for x in lines] == [
        (1, "repeated", "warning"), (12, "numbers", "error")]
    assert set(lines[0]) >= {"index", "tu_id", "check", "severity", "message", "spans"}
    assert lines[1]["message"] == "number 19 is not in the target"
    assert lines[0]["spans"] == [{"side": "target", "start": 29, "end": 36}]
    assert r.stderr.endswith(f"{DOC}: 20 pairs checked, 13 glossary entries: 1 error, 1 warning; "
                             "stored for review and report\n")
    assert runner.invoke(cli, [*planted_tm, "qa", "--fail-on", "error"]).exit_code == 1
    assert runner.invoke(cli, [*planted_tm, "qa", "--fail-on", "warning"]).exit_code == 1
    assert runner.invoke(cli, [*planted_tm, "qa", "--glossary-only", "--fail-on", "warning"]).exit_code == 0
    r = runner.invoke(cli, [*planted_tm, "tm", "qa", "--format", "jsonl"], catch_exceptions=False)
    assert [(x["doc"], x["index"], x["check"]) for x in map(json.loads, r.stdout.splitlines())] == [
        (None, None, "repeated"), (None, None, "numbers")]


def test_qa_text_output_points_at_the_words(planted_tm):
    r = CliRunner().invoke(cli, [*planted_tm, "qa"], catch_exceptions=False)
    assert r.stdout.splitlines()[:2] == [
        "#2  warning repeated     repeated word: the the",
        "      target: Xi said that this year marks [the the] 30th anniversary of the estab…",
    ]


def test_review_shows_findings_and_terms_and_qa_goes_first(planted_tm):
    runner = CliRunner()
    runner.invoke(cli, [*planted_tm, "qa"], catch_exceptions=False)
    r = runner.invoke(cli, [*planted_tm, "review", "--qa"], input="q\n", catch_exceptions=False)
    lines = r.output.splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith("[1/20]"))
    assert lines[first].startswith("[1/20] segment #13 ")  # the error first
    assert "       QA  error · numbers: number 19 is not in the target" in lines
    assert "     term  vaksin -> vaccine" in lines


def test_report_has_a_qa_card_findings_and_highlighted_terms(planted_tm, tmp_path):
    runner = CliRunner()
    out = tmp_path / "report.html"
    runner.invoke(cli, [*planted_tm, "report", "-o", str(out)], catch_exceptions=False)
    assert "Run <code>tmtool qa</code>" in out.read_text(encoding="utf-8")
    runner.invoke(cli, [*planted_tm, "qa"], catch_exceptions=False)
    runner.invoke(cli, [*planted_tm, "report", "-o", str(out)], catch_exceptions=False)
    html = out.read_text(encoding="utf-8")
    assert "<h2>QA</h2>" in html and "1 error, 1 warning in 2 pairs" in html
    assert '<span class="lbl">QA error</span> numbers: number 19 is not in the target</div>' in html
    assert '<mark class="term" title="vaccine">vaksin</mark>' in html
    assert '<mark class="term" title="glossary term">diplomatic relations</mark>' in html


def test_help_and_glossary_commands_do_not_load_the_qa_libraries():
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from tmtool.cli import cli; "
            "CliRunner().invoke(cli, ['--help']); CliRunner().invoke(cli, ['glossary', '--help']); "
            "CliRunner().invoke(cli, ['qa', '--help']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('Sastrawi', 'simplemma') "
            "or m.startswith('tmtool.qa')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_memory_that_cannot_be_written_still_gets_its_findings_printed(planted_tm, monkeypatch):
    from tmtool.errors import TMError
    from tmtool.memory.glossary import Glossary

    def refuse(self, name, findings):
        raise TMError("memory/tm.sqlite: attempt to write a readonly database")

    monkeypatch.setattr(Glossary, "save_findings", refuse)
    r = CliRunner().invoke(cli, [*planted_tm, "qa", "--fail-on", "error"])
    assert r.exit_code == 1 and r.stdout.count("\n#") == 1
    assert r.stderr.splitlines() == [
        "note: findings not stored (memory/tm.sqlite: attempt to write a readonly database)",
        f"{DOC}: 20 pairs checked, 13 glossary entries: 1 error, 1 warning"]


def test_review_and_report_say_when_a_finding_predates_an_edit(planted_tm, tmp_path):
    runner = CliRunner()
    runner.invoke(cli, [*planted_tm, "qa"], catch_exceptions=False)
    refs = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
    r = runner.invoke(cli, [*planted_tm, "pairs", "edit", "13", "--status", "draft", "--target", refs[12]],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, [*planted_tm, "review", "--qa"], input="q\n", catch_exceptions=False)
    assert ("       QA  error · numbers: number 19 is not in the target (checked before the target "
            "changed; run tmtool qa again)") in r.output.splitlines()
    runner.invoke(cli, [*planted_tm, "report", "-o", str(tmp_path / "r.html")], catch_exceptions=False)
    assert "1 of them were found before the target changed" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_a_segment_without_a_translation_is_one_finding(memory):
    text = ARTICLE.read_text(encoding="utf-8")
    segments = segment_text(text)
    doc = memory.save_document(DOC, text, segments, "id", "en")
    refs = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
    ids = memory.add_units([TranslationUnit(None, s.text, r, origin="human") for s, r in zip(segments[1:], refs[1:])])
    memory.link_segments(doc, {i + 1: tu for i, tu in enumerate(ids)})
    found = qa_document(memory, DOC).findings
    assert [(f.index, f.tu_id, f.check, f.severity, f.message) for f in found] == [
        (0, None, "empty", "error", "no translation yet")]
