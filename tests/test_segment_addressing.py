"""Units numbered in document order, and pairs addressed by the segment a user sees (issue 20)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import ARTICLE, require_ct2
from test_review import DOC, REFERENCE, translate_example, unit_ids

from tmtool.cli import cli
from tmtool.memory import open_memory


@pytest.fixture
def tm_path(memory_location):
    return memory_location


def test_new_units_are_numbered_in_document_order(tm_path):
    # The engine works in batches sorted by length (segment 1 is long, 18-20 are short), but
    # the units are stored in the order of the document: unit N is segment #N.
    translate_example(tm_path)
    assert unit_ids(tm_path) == list(range(1, 21))


def test_a_second_document_continues_in_its_own_order(tm_path):
    translate_example(tm_path)
    text = "Kalimat pendek.\n\nIni adalah kalimat yang jauh lebih panjang dari yang pertama tadi.\n"
    result = translate_example(tm_path, text, name="two.txt")
    assert [s.unit.id for s in result.segments] == [21, 22]


@pytest.mark.parametrize("backend", ["ct2", "transformers"])
def test_translate_numbers_units_in_document_order_on_each_backend(tm_path, tiny_model, backend):
    if backend == "ct2":
        require_ct2()
    else:
        pytest.importorskip("torch")
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "translate", str(ARTICLE), "--model", str(tiny_model),
                                 "--backend", backend, "--batch-size", "4", "--format", "jsonl"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["tu_id"] for row in rows] == list(range(1, 21))


def test_pairs_show_and_edit_take_the_segment_number(tm_path, tmtool):
    translate_example(tm_path, name="other.txt")  # the same units, another document
    translate_example(tm_path)  # the most recent one
    r = tmtool("--tm", tm_path, "pairs", "show", "--segment", "3")
    assert f"  used in {DOC} #3" in r.output.splitlines()
    assert r.output.splitlines()[1] == "  source  " + open_source(tm_path, 2)
    r = tmtool("--tm", tm_path, "pairs", "edit", "--doc", DOC, "--segment", "18", "--target", "Translator: Xinhua",
               "--author", "ayu")
    assert r.output == "unit 18: target saved as human, approved\n"
    with open_memory(tm_path) as tm:
        assert tm.pairs(DOC)[17].unit.target == "Translator: Xinhua"
    shown = tmtool("--tm", tm_path, "pairs", "show", "--doc", "other.txt", "--segment", "18", "--json")
    data = json.loads(shown.output)
    assert data["unit"]["id"] == 18 and data["unit"]["origin"] == "human"


def open_source(tm_path, index):
    with open_memory(tm_path) as tm:
        return tm.pairs(DOC)[index].segment.text


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["pairs", "show"], 2, "give a unit id (TU_ID) or --segment N"),
        (["pairs", "show", "3", "--segment", "3"], 2, "give a unit id (TU_ID) or --segment N"),
        (["pairs", "show", "3", "--doc", DOC], 2, "--doc goes with --segment"),
        (["pairs", "show", "--segment", "21"], 1, f"{DOC} has 20 segments; there is no segment #21"),
        (["pairs", "edit", "--segment", "0", "--target", "x"], 2, "Invalid value for '--segment'"),
        (["pairs", "show", "--doc", "nope.txt", "--segment", "1"], 1, "no document named 'nope.txt'"),
    ],
)
def test_unit_or_segment_mistakes_are_one_line(tm_path, args, code, message):
    translate_example(tm_path)
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), *args])
    assert r.exit_code == code, r.output
    assert message in r.output and "Traceback" not in r.output


def test_editing_to_the_same_text_says_nothing_was_saved_as_human(tm_path, tmtool):
    translate_example(tm_path)
    r = tmtool("--tm", tm_path, "pairs", "edit", "--segment", "1", "--target", REFERENCE[0] + "  ", "--author", "ayu")
    assert r.output == "unit 1: the target is already this text and stays mt; status draft -> approved\n"
    r = tmtool("--tm", tm_path, "pairs", "edit", "1", "--target", REFERENCE[0])
    assert r.output == "unit 1: the target is already this text; nothing changed (mt, approved)\n"
    with open_memory(tm_path) as tm:
        unit = tm.get_unit(1)
        assert (unit.origin, unit.status) == ("mt", "approved")
        assert [h.action for h in tm.history(1)] == ["approve"]


def test_with_fuzzy_reuse_the_new_units_are_in_document_order_too(tm_path):
    from test_review import SOURCES

    from tmtool.records import TranslationUnit

    near = SOURCES[2].replace("independen", "mandiri")  # a fuzzy match of segment #3 only
    with open_memory(tm_path) as tm:
        tm.add_units([TranslationUnit(None, near, "China supports Azerbaijan's own path.", origin="human")])
    with open_memory(tm_path) as tm:
        from test_review import ExampleTranslator

        from tmtool import translate_document

        result = translate_document(ARTICLE.read_text(encoding="utf-8"), tm, ExampleTranslator, name=DOC,
                                    fuzzy_reuse=80)
        assert [r.origin for r in result.segments][:4] == ["mt", "mt", "tm", "mt"]
        assert result.segments[2].unit.model == "tm-fuzzy"
        assert [p.unit.id for p in tm.pairs(DOC)] == list(range(2, 22))


def test_a_job_of_several_documents_numbers_its_units_in_document_order(tm_path, monkeypatch):
    """One job (translate with several inputs, or --ray): new units are numbered in the order of
    the job's documents, then of their segments; a sentence two documents share is the unit of
    its first occurrence. Small windows and batches: the engine sorts each by length."""
    from test_review import SOURCES, ExampleTranslator

    from tmtool import pipeline
    from tmtool.pipeline import SourceDocument, translate_job
    from tmtool.segment import Segmenter

    monkeypatch.setattr(pipeline, "WINDOW", 2)  # windows of 4 sources (4 batches of 1)
    texts = {"a.txt": SOURCES[0:4], "b.txt": SOURCES[2:8]}
    documents = []
    for name, sentences in texts.items():
        text = "\n\n".join(sentences) + "\n"
        documents.append(SourceDocument(name, text, Segmenter().segment(text)))
    with open_memory(tm_path) as tm:
        job = translate_job(documents, tm, ExampleTranslator, batch_size=1)
        assert [[r.unit.id for r in d.segments] for d in job.documents] == [[1, 2, 3, 4], [3, 4, 5, 6, 7, 8]]
        stored = tm.get_units(range(1, 9))
        assert [stored[i].source for i in range(1, 9)] == SOURCES[0:8]
