"""`tmtool report`: one self-contained HTML file, every text escaped, parsed back (issue 4)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner
from conftest import ARTICLE
from test_review import DOC, REFERENCE, SOURCES, translate_example, unit_ids

from tmtool import SQLiteMemory
from tmtool.cli import cli
from tmtool.memory.records import ReviewPair
from tmtool.records import Segment, TranslationUnit
from tmtool.report import collect, leverage, render_html

REF_A = Path(__file__).parent / "data" / "score" / "ref-a.en.txt"
TEXT_CLASSES = {"src", "text", "ref", "was", "badge", "sig"}
NASTY = "Kata <script>alert('x')</script> & \"kutip\" <b>tebal</b>."


class Page(HTMLParser):
    """Collects tags, attributes and the text of each row's cells from a report."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.rows: dict[str, dict[str, list[str]]] = {}
        self.text: list[str] = []
        self._row: str | None = None
        self._stack: list[str | None] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        a = dict(attrs)
        if tag == "tr" and (a.get("id") or "").startswith("seg-"):
            self._row = a["id"]
            self.rows[self._row] = {}
        classes = set((a.get("class") or "").split()) & TEXT_CLASSES
        self._stack.append(classes.pop() if classes else None)

    def handle_endtag(self, tag):
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        where = next((c for c in reversed(self._stack) if c), None)
        if self._row and where:
            self.rows[self._row].setdefault(where, []).append(data)

    def cell(self, row: int, cls: str) -> str:
        return "".join(self.rows[f"seg-{row}"].get(cls, [])).strip()


def report_of(tm_path, name=DOC) -> str:
    with SQLiteMemory(tm_path) as tm:
        return render_html(collect(tm, name))


def test_every_pair_is_in_the_report_in_order(tm_path, tmp_path):
    translate_example(tm_path)
    out = tmp_path / "report.html"
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "report", "--doc", DOC, "-o", str(out)],
                           catch_exceptions=False)
    assert r.exit_code == 0 and r.stderr == f"{out}: report of {DOC} (20 pairs)\n"
    page = Page(out.read_text(encoding="utf-8"))
    assert list(page.rows) == [f"seg-{i}" for i in range(1, 21)]
    assert [page.cell(i + 1, "src") for i in range(20)] == SOURCES
    assert page.cell(1, "text") == REFERENCE[0]
    assert page.cell(18, "text") == "Interpreter: Xinhua"
    assert page.cell(1, "badge") == "mtdraft"
    assert "No scores yet." in "".join(page.text)


def test_text_is_escaped(tm_path):
    translate_example(tm_path, NASTY + "\n", name="nasty.txt")
    html = report_of(tm_path, "nasty.txt")
    assert "<script>" not in html and "&lt;script&gt;" in html
    page = Page(html)
    assert "script" not in page.tags and "b" not in page.tags
    assert page.cell(1, "src") == NASTY
    assert page.cell(1, "text") == f"EN: {NASTY}"


def test_the_file_is_self_contained(tm_path):
    translate_example(tm_path)
    html = report_of(tm_path)
    page = Page(html)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
    assert not [a for a, v in page.attrs if a in ("src", "href") or a.startswith("on")]
    assert "url(" not in html and "@import" not in html and "http" not in html


def test_scores_signatures_review_state_and_model_text(tm_path):
    translate_example(tm_path)
    ids = unit_ids(tm_path)
    CliRunner().invoke(cli, ["--tm", str(tm_path), "score", "--ref", str(REF_A)], catch_exceptions=False)
    with SQLiteMemory(tm_path) as tm:
        tm.edit_target(ids[17], "Translator: Xinhua", author="ayu")
        tm.set_status(ids[2], "rejected")
        signature = tm.corpus_scores(DOC)[0].signature
    page = Page(report_of(tm_path))
    text = "".join(page.text)
    assert signature in text and "chrF2" in text and "TER" in text
    assert "1 pair changed after scoring" in text
    assert page.cell(18, "text") == "Translator: Xinhua"
    assert page.cell(18, "was") == "model said Interpreter: Xinhua"
    assert page.cell(18, "badge") == "humanapprovedchanged since scored"
    assert page.cell(3, "badge") == "mtrejected"
    assert page.cell(5, "ref").startswith("reference Xi emphasized")
    assert "1 approved" in text and "1 rejected" in text and "18 draft" in text


def test_leverage_counts_exact_tm_and_model_segments(tm_path):
    translate_example(tm_path)
    translate_example(tm_path, "Selamat pagi.\n\nPenerjemah: Xinhua\nEditor: Atman Ahdiat\n", name="doc2.txt")
    with SQLiteMemory(tm_path) as tm:
        rows = {r.label: (r.segments, r.words) for r in collect(tm, "doc2.txt").leverage}
    assert rows["100% (exact, reused)"] == (2, 5)
    assert rows["No match"] == (1, 2)
    assert rows["Fuzzy 95–99%"] == (0, 0)  # every band is shown, empty ones too
    page = Page(report_of(tm_path, "doc2.txt"))
    assert "Best TM match" in "".join(page.text)


def test_leverage_bands_from_recorded_matches():
    def pair(i, match, unit=True):
        seg = Segment(i, 0, 3, "satu dua tiga")
        return ReviewPair(seg, TranslationUnit(i, "satu dua tiga", "x") if unit else None, match)

    pairs = [pair(0, 100), pair(1, 0), pair(2, 0), pair(3, None), pair(4, None, unit=False), pair(5, 101)]
    rows = {r.label: r.segments for r in leverage(pairs, fuzzy={1: 88})}
    assert rows == {
        "100% (exact, reused)": 2, "Fuzzy 95–99%": 0, "Fuzzy 85–94%": 1, "Fuzzy 75–84%": 0,
        "Fuzzy 50–74%": 0, "No match": 1, "Not recorded (translated by an older tmtool)": 1,
        "Untranslated": 1,
    }


def test_report_to_stdout_and_missing_document(tm_path):
    translate_example(tm_path)
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "report", "-o", "-"], catch_exceptions=False)
    assert r.stdout.startswith("<!DOCTYPE html>") and ARTICLE.name in r.stdout
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "report", "--doc", "nope"])
    assert r.exit_code == 1 and r.output.startswith("Error: no document named 'nope'")


def test_translating_again_drops_the_old_sentence_scores_and_says_so(tm_path, clock):
    translate_example(tm_path)
    CliRunner().invoke(cli, ["--tm", str(tm_path), "score", "--ref", str(REF_A)], catch_exceptions=False)
    clock.set("2999-01-01T00:00:00Z")  # a later run
    translate_example(tm_path)
    with SQLiteMemory(tm_path) as tm:
        assert not any(p.scores for p in tm.document_pairs(DOC))
    assert "The document was translated again after it was scored." in "".join(Page(report_of(tm_path)).text)
