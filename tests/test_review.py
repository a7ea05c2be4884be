"""The review loop, the history and `tmtool pairs show | set-status | edit` (issue 4).

The example article is translated through the real pipeline with a stand-in translator (no
torch), so each test starts from a memory exactly as `tmtool translate` leaves it.
"""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner
from conftest import ARTICLE, ARTICLE_EN_SENTENCES

from tmtool import SQLiteMemory, segment_text, translate_document
from tmtool.cli import cli
from tmtool.errors import UsageError
from tmtool.memory import open_memory
from tmtool.records import TranslationUnit
from tmtool.review import run_review, select_pairs
from tmtool.translate import Translator

DOC = ARTICLE.name


@pytest.fixture
def tm_path(memory_location):
    """Every test of this module runs on both back ends (SQLite file, PostgreSQL server)."""
    return memory_location

REFERENCE = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
SOURCES = [s.text for s in segment_text(ARTICLE.read_text(encoding="utf-8"))]
# What the stand-in model gets wrong, by segment index: a reviewer has something to fix.
MT_ERRORS = {
    4: "Xi stressed that current international situation undergo deep and complex change.",
    17: "Interpreter: Xinhua",
}


class ExampleTranslator(Translator):
    """Translates the example article as the reference does, except for MT_ERRORS."""

    model_id = "example-mt"

    def translate_batch(self, texts):
        table = {src: MT_ERRORS.get(i, REFERENCE[i]) for i, src in enumerate(SOURCES)}
        return [table.get(t, f"EN: {t}") for t in texts]


def translate_example(tm_path, text=None, name=DOC):
    """Translate ``text`` (the example article by default) into the memory at ``tm_path``."""
    with open_memory(tm_path) as tm:
        return translate_document(
            text if text is not None else ARTICLE.read_text(encoding="utf-8"), tm,
            ExampleTranslator, name=name, author="translator",
        )


def unit_ids(tm_path):
    """The unit id of each segment of the example, by segment index (the model numbers them in
    batch order, not document order)."""
    with open_memory(tm_path) as tm:
        return [p.unit.id for p in tm.pairs(DOC)]


def units(tm_path):
    """The rows as another connection (another process) sees them."""
    with open_memory(tm_path) as db:
        return {r[0]: tuple(r[1:]) for r in db.conn.execute("SELECT id, target, origin, status, author FROM units")}


def history(tm_path):
    with open_memory(tm_path) as db:
        return [tuple(r) for r in db.conn.execute(
            "SELECT tu_id, action, old_target, new_target, old_status, new_status, old_origin, new_origin,"
            " author FROM history ORDER BY id"
        )]


FIXED_5 = "Xi stressed that the current international situation is undergoing profound and complex changes."


def test_review_session_accept_edit_reject_skip_back_quit(tm_path, tmtool):
    translate_example(tm_path)
    ids = unit_ids(tm_path)
    keys = ["a", "?", "a", "r", "s", "e", FIXED_5, "b", "s", "q"]
    r = tmtool("--tm", tm_path, "review", "--doc", DOC, "--author", "ayu", input="\n".join(keys) + "\n")
    out = r.output
    assert out.startswith(f"{DOC}: 20 pairs to review.")
    assert f"[1/20] segment #1 · unit {ids[0]} · mt (example-mt) · draft\n" in out
    assert "   source  Samarkand (ANTARA) - Presiden China Xi Jinping" in out
    assert "   target  Samarkand (ANTARA) - Chinese President Xi Jinping" in out
    assert "  ?  help" not in out and "  b  back to the previous pair" in out  # the help text
    assert out.count("  -> approved") == 2 and out.count("  -> rejected") == 1
    assert "  -> edited: saved as a human target, approved" in out
    # Back shows pair 5 again, now as a person's approved text.
    assert out.count("[5/20] segment #5") == 2
    assert f"[5/20] segment #5 · unit {ids[4]} · human (edited from example-mt) · approved" in out
    assert out.rstrip().endswith(
        "Reviewed 5 of 20: 2 approved, 1 edited, 1 rejected, 1 skipped. "
        "16 still to review: run the same command to go on (from #4)."
    )
    rows = units(tm_path)
    assert rows[ids[0]] == (REFERENCE[0], "mt", "approved", "translator")
    assert rows[ids[2]][2] == "rejected"
    assert rows[ids[3]][2] == "draft"
    assert rows[ids[4]] == (FIXED_5, "human", "approved", "ayu")
    assert sum(row[2] == "draft" for row in rows.values()) == 16
    assert history(tm_path) == [
        (ids[0], "approve", REFERENCE[0], REFERENCE[0], "draft", "approved", "mt", "mt", "ayu"),
        (ids[1], "approve", REFERENCE[1], REFERENCE[1], "draft", "approved", "mt", "mt", "ayu"),
        (ids[2], "reject", REFERENCE[2], REFERENCE[2], "draft", "rejected", "mt", "mt", "ayu"),
        (ids[4], "edit", MT_ERRORS[4], FIXED_5, "draft", "approved", "mt", "human", "ayu"),
    ]


def test_a_later_review_resumes_at_the_first_undecided_pair(tm_path, tmtool):
    translate_example(tm_path)
    ids = unit_ids(tm_path)
    tmtool("--tm", tm_path, "review", "--author", "ayu", input="a\na\ns\na\nq\n")
    r = tmtool("--tm", tm_path, "review", "--author", "ayu", input="a\n")  # end of input also quits
    assert f"{DOC}: 17 pairs to review." in r.output
    assert f"[1/17] segment #3 · unit {ids[2]} ·" in r.output
    assert "[2/17] segment #5" in r.output
    assert r.output.rstrip().endswith("16 still to review: run the same command to go on (from #5).")
    r = tmtool("--tm", tm_path, "review", "--author", "ayu", input="q\n")
    assert f"[1/16] segment #5 · unit {ids[4]} ·" in r.output


def test_each_decision_is_saved_before_the_next_pair(tm_path):
    translate_example(tm_path)
    keys = iter(["a", "r"])

    def read(prompt):
        try:
            return next(keys)
        except StopIteration:
            raise RuntimeError("the terminal went away") from None

    with open_memory(tm_path) as tm:
        pairs = select_pairs(tm, DOC)
        with pytest.raises(RuntimeError):
            run_review(tm, pairs, read=read, write=lambda text: None, author="ayu")
        # Another connection (another process) sees both decisions at once.
        rows = units(tm_path)
        assert [rows[i][2] for i in unit_ids(tm_path)[:3]] == ["approved", "rejected", "draft"]


def test_edit_in_editor(tm_path, tmp_path, monkeypatch, tmtool):
    translate_example(tm_path)
    script = tmp_path / "fake_editor.py"
    script.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('Interpreter', 'Translator'))\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f'"{sys.executable}" "{script}"')
    monkeypatch.delenv("VISUAL", raising=False)
    r = tmtool("--tm", tm_path, "review", "--author", "ayu", input="s\n" * 17 + "E\nq\n")
    assert "[18/20] segment #18" in r.output and "-> edited" in r.output
    with open_memory(tm_path) as tm:
        unit = tm.pairs(DOC)[17].unit
        assert (unit.target, unit.origin, unit.status) == ("Translator: Xinhua", "human", "approved")


def test_inline_edit_that_is_empty_or_unchanged_is_not_saved(tm_path, tmtool):
    translate_example(tm_path)
    r = tmtool("--tm", tm_path, "review", input=f"e\n\ne\n{REFERENCE[0]}\nx\nq\n")
    assert "edit cancelled" in r.output
    assert "unchanged; a to accept it as it is" in r.output
    assert "unknown key 'x'; ? shows the keys" in r.output
    assert history(tm_path) == []


def test_filters_and_back_at_the_first_pair(tm_path, tmtool):
    translate_example(tm_path)
    tmtool("--tm", tm_path, "pairs", "edit", unit_ids(tm_path)[17], "--target", "Translator: Xinhua", "--author", "ayu")
    r = tmtool("--tm", tm_path, "review", "--origin", "human", "--status", "approved", input="b\nq\n")
    assert "1 pair to review" in r.output and "this is the first pair" in r.output
    r = tmtool("--tm", tm_path, "review", "--origin", "imported")
    assert r.output == f"{DOC}: no pairs to review with these filters.\n"


def test_pairs_show_lists_the_history(tm_path, tmtool):
    translate_example(tm_path)
    tu = unit_ids(tm_path)[17]
    tmtool("--tm", tm_path, "pairs", "edit", tu, "--target", "Translator: Xinhua", "--author", "ayu")
    tmtool("--tm", tm_path, "pairs", "edit", tu, "--target", "Translator: Xinhua (Beijing)", "--status", "draft",
           "--author", "budi")
    r = tmtool("--tm", tm_path, "pairs", "show", tu)
    lines = r.output.splitlines()
    assert lines[0] == f"unit {tu}  id->en  human (edited from example-mt) · draft"
    assert "  source  Penerjemah: Xinhua" in lines
    assert f"  used in {DOC} #18" in lines
    i = lines.index("history:")
    assert lines[i + 1].endswith("  ayu  edit  draft -> approved  mt -> human")
    assert lines[i + 2:i + 4] == ["    - Interpreter: Xinhua", "    + Translator: Xinhua"]
    assert lines[i + 4].endswith("  budi  edit  approved -> draft")
    data = json.loads(tmtool("--tm", tm_path, "pairs", "show", tu, "--json").output)
    assert data["unit"]["target"] == "Translator: Xinhua (Beijing)"
    assert [h["author"] for h in data["history"]] == ["ayu", "budi"]
    assert data["segments"] == [{"document": DOC, "index": 17}]


def test_set_status_in_batch_by_origin(tm_path, tmtool):
    translate_example(tm_path)
    doc2 = "Selamat pagi.\n\nPenerjemah: Xinhua\nEditor: Atman Ahdiat\n"
    result = translate_example(tm_path, doc2, name="doc2.txt")
    assert [s.origin for s in result.segments] == ["mt", "tm", "tm"]
    r = tmtool("--tm", tm_path, "pairs", "set-status", "approved", "--doc", "doc2.txt", "--origin", "tm",
               "--author", "ayu")
    assert r.output == "doc2.txt: 2 pairs set to approved (were: 2 draft)\n"
    with open_memory(tm_path) as tm:
        assert [p.unit.status for p in tm.pairs("doc2.txt")] == ["draft", "approved", "approved"]
        assert [h.action for h in tm.history(unit_ids(tm_path)[17])] == ["approve"]
    r = tmtool("--tm", tm_path, "pairs", "set-status", "approved", "--doc", "doc2.txt", "--origin", "tm")
    assert r.output == "doc2.txt: 0 pairs set to approved\n"
    r = tmtool("--tm", tm_path, "pairs", "set-status", "rejected", "--doc", DOC, "--from-status", "approved")
    assert r.output.startswith(f"{DOC}: 2 pairs set to rejected")


def test_an_edit_to_a_text_the_memory_already_has_moves_the_segment(tm_path):
    translate_example(tm_path)
    tu = unit_ids(tm_path)[17]
    with open_memory(tm_path) as tm:
        (imported,) = tm.add_units([TranslationUnit(None, "Penerjemah: Xinhua", "Translator: Xinhua",
                                                     origin="imported")])
        unit = tm.edit_target(tu, "Translator: Xinhua", author="ayu")
        assert (unit.id, unit.status, unit.origin) == (imported, "approved", "imported")
        assert tm.pairs(DOC)[17].unit.id == imported
        assert tm.get_unit(tu).status == "rejected"
        assert tm.history(tu)[0].note == f"replaced by unit {imported}, which has this target"
        # The unit the segment now uses remembers what the model had said.
        assert tm.machine_targets([imported]) == {imported: "Interpreter: Xinhua"}


def test_pairs_group_keeps_the_listing(tm_path, tmtool):
    translate_example(tm_path)
    rows = [json.loads(line) for line in tmtool("--tm", tm_path, "pairs", "--format", "jsonl").output.splitlines()]
    assert [r["target"] for r in rows][:4] == REFERENCE[:4]
    assert tmtool("--tm", tm_path, "pairs", "--doc", DOC).output.startswith(f"{DOC}: 20 segments")


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["pairs", "show", "999"], 1, "Error: no translation unit 999 in "),
        (["pairs", "edit", "1", "--target", "  "], 2, "Error: the new target is empty; nothing was changed"),
        (["review", "--doc", "nope.txt"], 1, "Error: no document named 'nope.txt'"),
        (["pairs", "set-status", "approved"], 2, "Error: Missing option '--doc'"),
        (["review", "--origin", "robot"], 2, "Error: Invalid value for '--origin'"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(tm_path, args, code, message):
    translate_example(tm_path)
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), *args])
    assert r.exit_code == code
    assert message in r.output
    assert "Traceback" not in r.output


def test_review_without_a_memory_says_so(tmp_path):
    r = CliRunner().invoke(cli, ["--tm", str(tmp_path / "none.sqlite"), "review"])
    assert r.exit_code == 1 and r.output.startswith("Error: no translation memory at ")


def test_library_rejects_unknown_status(tm_path):
    translate_example(tm_path)
    with open_memory(tm_path) as tm, pytest.raises(UsageError, match="unknown status 'done'"):
        tm.set_status(1, "done")


def test_translate_records_how_each_segment_was_obtained(tm_path):
    translate_example(tm_path)
    translate_example(tm_path, "Selamat pagi. Penerjemah: Xinhua\n", name="doc2.txt")
    with open_memory(tm_path) as tm:
        assert {p.match for p in tm.document_pairs(DOC)} == {0}
        assert [p.match for p in tm.document_pairs("doc2.txt")] == [0, 100]
        assert [p.segment.index for p in tm.review_pairs("doc2.txt", origins=["tm"])] == [1]


def test_migration_002_schema(tmp_path):
    with SQLiteMemory(tmp_path / "new.sqlite") as tm:
        assert tm.schema_version >= "002_history"
        cols = {t: [r[1] for r in tm.conn.execute(f"PRAGMA table_info({t})")]
                for t in ("history", "segment_scores", "doc_scores", "segments")}
    assert cols["history"] == ["id", "tu_id", "action", "old_target", "new_target", "old_status",
                               "new_status", "old_origin", "new_origin", "author", "at", "note"]
    assert cols["segment_scores"] == ["doc_id", "idx", "metric", "score", "signature", "hypothesis",
                                      "refs", "ref_kind", "scored_at"]
    assert cols["doc_scores"][:5] == ["doc_id", "metric", "score", "signature", "formatted"]
    assert "match" in cols["segments"]



def test_a_fuzzy_suggestion_is_shown_beside_the_pair(tm_path):
    from types import SimpleNamespace

    from tmtool.review import recorded_suggestions

    translate_example(tm_path)
    with open_memory(tm_path) as tm:
        pairs = select_pairs(tm, DOC)
        other = TranslationUnit(999, "Penerjemah: Antara", "Translator: Antara")
        stub = SimpleNamespace(suggestions=lambda name: {17: SimpleNamespace(score=83, unit=other)})
        suggest = recorded_suggestions(stub, DOC)
        assert recorded_suggestions(SimpleNamespace(), DOC) is None  # a memory without fuzzy matching
        shown = []
        run_review(tm, pairs[17:], read=lambda prompt: "q", write=shown.append, suggest=suggest)
    assert "   TM 83%  Translator: Antara\n" in shown[0]
    assert "(the memory's translation of: Penerjemah: Antara)" in shown[0]


def test_worst_first_shows_scores_and_reference(tm_path, tmtool):
    from pathlib import Path

    ref = Path(__file__).parent / "data" / "score" / "ref-a.en.txt"
    translate_example(tm_path)
    r = tmtool("--tm", tm_path, "review", "--worst-first", input="q\n")
    assert "note: no stored scores yet" in r.stderr and "[1/20] segment #1 " in r.output
    tmtool("--tm", tm_path, "score", "--ref", ref)
    r = tmtool("--tm", tm_path, "review", "--worst-first", input="a\nq\n")
    first, second = r.output.split("[2/20]")
    assert "[1/20] segment #18 " in first  # lowest sentence chrF
    assert "      ref  Translated by: Xinhua\n   scores  BLEU " in first
    tmtool("--tm", tm_path, "pairs", "edit", unit_ids(tm_path)[4], "--target", FIXED_5)
    r = tmtool("--tm", tm_path, "review", "--status", "any", "--worst-first", input="s\nq\n")
    second = r.output.split("[2/20]")[1]
    assert second.startswith(" segment #5 ") and "(scored before the target changed)" in second


def test_a_pair_changed_by_another_reviewer_meanwhile_is_shown_again_not_overwritten(tm_path):
    translate_example(tm_path)
    keys = iter(["e", "My text.", "a", "q"])
    with open_memory(tm_path) as tm, open_memory(tm_path) as budi:
        pairs = select_pairs(tm, DOC)
        tu = pairs[0].unit.id

        def read(prompt):
            key = next(keys)
            if key == "My text.":  # while ayu types, budi saves his edit of the same pair
                budi.edit_target(tu, "Budi's text.", author="budi", status="draft",
                                 expected=budi.get_unit(tu))
            return key

        shown = []
        summary = run_review(tm, pairs, read=read, write=shown.append, author="ayu")
    out = "\n".join(shown)
    assert f"  unit {tu} was changed by budi at " in out and "nothing was saved. Here it is now:" in out
    assert out.count("[1/20] segment #1 ") == 2  # shown again, as budi left it
    assert "   target  Budi's text." in out.split("Here it is now:")[1]
    assert summary.decisions == {tu: "approved"}
    assert units(tm_path)[tu] == ("Budi's text.", "human", "approved", "budi")
    assert [(h[1], h[-1]) for h in history(tm_path) if h[0] == tu] == [("edit", "budi"), ("approve", "ayu")]


@pytest.mark.parametrize("editor", ["no-such-editor-tmtool", "false"])
def test_a_missing_or_failing_editor_returns_to_the_prompt(tm_path, monkeypatch, editor, tmtool):
    """Issue 20: E with an editor that is not there, or exits with an error, says so in one
    line and the review goes on."""
    translate_example(tm_path)
    monkeypatch.setenv("EDITOR", editor)
    monkeypatch.delenv("VISUAL", raising=False)
    r = tmtool("--tm", tm_path, "review", "--author", "ayu", input="E\na\nq\n")
    lines = r.output.splitlines()
    (failed,) = [line for line in lines if "the editor failed" in line]
    assert failed.startswith("  the editor failed: ") and failed.endswith("; nothing was changed (e edits on one line)")
    assert "  -> approved" in lines
    assert "Reviewed 1 of 20: 1 approved." in r.output
