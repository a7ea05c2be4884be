"""Issue 14, points 2 and 3: translate reports each unit's real status, and a document's own
earlier machine translation is never shown as a TM match of other work. On both back ends."""

from __future__ import annotations

import json

import pytest
from conftest import ARTICLE, run_cli

from tmtool.memory import open_memory
from tmtool.segment import Segmenter

DOC = ARTICLE.name
SOURCES = [s.text for s in Segmenter().segment(ARTICLE.read_text(encoding="utf-8"))]


def jsonl(text):
    return [json.loads(line) for line in text.splitlines()]


def translate(location, model, *extra):
    r = run_cli("--tm", location, "translate", ARTICLE, "--model", model, "--backend", "transformers", *extra,
                check=False)
    assert r.exit_code == 0, r.output
    return r


def test_a_rejected_translation_the_model_gives_again_is_reported_rejected(memory_location, tiny_model, tmp_path):
    first = jsonl(translate(memory_location, tiny_model, "--format", "jsonl").stdout)
    rejected = {first[1]["tu_id"], first[4]["tu_id"]}
    with open_memory(memory_location) as tm:
        for tu in rejected:
            tm.set_status(tu, "rejected", author="rina")
    r = translate(memory_location, tiny_model, "--format", "jsonl")
    rows = jsonl(r.stdout)
    # Before issue 14 these said "draft": the rejected unit itself, claimed as a new draft.
    assert [(row["tu_id"], row["status"], row["origin"]) for row in rows if row["status"] == "rejected"] == [
        (first[1]["tu_id"], "rejected", "mt"), (first[4]["tu_id"], "rejected", "mt")]
    assert [row["status"] for row in rows].count("draft") == 18
    ids = ", ".join(map(str, sorted(rejected)))
    assert f"warning: segments 2, 5: the model's translation is one a reviewer rejected (units {ids})" in r.stderr
    assert ", 2 rejected (left untranslated)," in r.stderr
    # The English document does not carry what the reviewer rejected: those segments keep
    # their source, untranslated, in place.
    out = tmp_path / "article.en.txt"
    translate(memory_location, tiny_model, "-o", out)
    english = out.read_text(encoding="utf-8")
    assert SOURCES[1] in english and SOURCES[4] in english
    assert first[1]["target"] not in english and first[4]["target"] not in english
    assert first[0]["target"] in english
    with open_memory(memory_location) as tm:
        assert {tm.get_unit(tu).status for tu in rejected} == {"rejected"}
        pairs = tm.document_pairs(DOC)
        assert [p.unit.status for p in pairs].count("rejected") == 2


def test_own_earlier_mt_is_not_a_tm_match_but_another_documents_work_is(memory_location, tiny_model, tmp_path, tmtool):
    translate(memory_location, tiny_model)
    # The same text under another name: the memory's match of other work.
    r = tmtool("--tm", memory_location, "translate", ARTICLE, "--doc", "copy", "--format", "jsonl", check=False)
    assert r.exit_code == 0, r.output
    assert {(row["origin"], row["match"], row["own_mt"]) for row in jsonl(r.stdout)} == {("tm", 101, False)}
    # The first document again: its own earlier MT, kept.
    r = translate(memory_location, tiny_model, "--format", "jsonl")
    rows = jsonl(r.stdout)
    assert {(row["origin"], row["match"], row["own_mt"]) for row in rows} == {("tm", 101, True)}
    assert "20 reused from the TM (20 of them this document's own earlier machine translation)" in r.stderr

    def views(doc):
        pairs = jsonl(tmtool("--tm", memory_location, "pairs", "--doc", doc, "--format", "jsonl", check=False).stdout)
        table = tmtool("--tm", memory_location, "pairs", "--doc", doc, check=False).stdout
        review = tmtool("--tm", memory_location, "review", "--doc", doc, input="q\n", check=False).stdout
        report = tmp_path / f"{doc}.html"
        assert tmtool("--tm", memory_location, "report", "--doc", doc, "-o", report, check=False).exit_code == 0
        return pairs, table, review, report.read_text(encoding="utf-8")

    pairs, table, review, html = views(DOC)
    assert {(p["match"], p["own_mt"]) for p in pairs} == {(101, True)}
    assert table.count("· own earlier MT") == 20 and "TM match" not in table
    assert "· own earlier MT (not a TM match)" in review and "TM match 101%" not in review
    assert html.count('<span class="badge own-mt">own earlier MT</span>') == 20
    assert "TM 101%" not in html
    assert '<tr class="lev"><td>Own earlier MT (kept; not a TM match)</td><td class="num">20</td>' in html

    pairs, table, review, html = views("copy")
    assert {(p["match"], p["own_mt"]) for p in pairs} == {(101, False)}
    assert table.count("· TM match 101%") == 20
    assert "· TM match 101%" in review
    assert html.count('<span class="badge match">TM 101%</span>') == 20

    # --origin tm selects reuse of other work only.
    r = tmtool("--tm", memory_location, "pairs", "set-status", "approved", "--doc", DOC, "--origin", "tm", check=False)
    assert r.exit_code == 0, r.output
    with open_memory(memory_location) as tm:
        assert {p.unit.status for p in tm.document_pairs(DOC)} == {"draft"}


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_fuzzy_reuse_reports_the_stored_unit(memory_location, tiny_model, status, tmtool):
    """--fuzzy-reuse stores the match's target for the segment: where that pair is already in
    the memory, the output says what the memory holds, and a rejected one is not reused."""
    translate(memory_location, tiny_model)
    edited = SOURCES[0].replace("Kamis", "Jumat")
    text = "\n\n".join([edited, SOURCES[1]]) + "\n"
    first = jsonl(tmtool("--tm", memory_location, "translate", "-", "--doc", "d2", "--fuzzy-reuse", "80",
                         "--format", "jsonl", input=text, check=False).stdout)
    assert first[0]["origin"] == "tm" and first[0]["match"] < 100
    with open_memory(memory_location) as tm:
        tm.set_status(first[0]["tu_id"], status)
    again = tmtool("--tm", memory_location, "translate", "-", "--doc", "d3", "--fuzzy-reuse", "80",
                   "--model", tiny_model, "--backend", "transformers", "--format", "jsonl", input=text, check=False)
    assert again.exit_code == 0, again.output
    row = jsonl(again.stdout)[0]
    if status == "approved":
        assert (row["origin"], row["tu_id"], row["status"]) == ("tm", first[0]["tu_id"], "approved")
    else:  # not reused; the model, asked instead, gives that very text: reported rejected
        assert (row["origin"], row["tu_id"], row["status"]) == ("mt", first[0]["tu_id"], "rejected")
        assert "warning: segment 1: the model's translation is one a reviewer rejected" in again.stderr
