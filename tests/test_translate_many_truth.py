"""Issue 14's guarantees on the many-document path of issue 16 (`translate INPUT...`): a translation
the model stopped at its output limit is marked cut short, and a unit a reviewer rejected is reported
rejected, in every document of the job that has the sentence, as one-file translate does.

The models and checks are those of test_output_limits.py and test_reuse_truth.py; here two documents
share every sentence of the second, so each source goes to the model once for both.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import ARTICLE, require_ct2
from test_output_limits import REFERENCE, SMALL, expected_cut, variants  # noqa: F401 (a fixture)

from tmtool.memory import open_memory
from tmtool.segment import Segmenter

pytestmark = pytest.mark.ct2
require_ct2(allow_module_level=True)

PARAGRAPHS = ARTICLE.read_text(encoding="utf-8").split("\n\n")
SOURCES = [s.text for s in Segmenter().segment(ARTICLE.read_text(encoding="utf-8"))]


def jsonl(text):
    return [json.loads(line) for line in text.splitlines()]


def two_documents(root):
    """``a.txt``, the whole article, and ``b.txt``, its second half: b's segment j is a's ``offset + j``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "a.txt").write_text(ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    half = "\n\n".join(PARAGRAPHS[len(PARAGRAPHS) // 2:])
    (root / "b.txt").write_text(half, encoding="utf-8")
    b_segments = [s.text for s in Segmenter().segment(half)]
    offset = len(SOURCES) - len(b_segments)
    assert 0 < offset < len(SOURCES) and SOURCES[offset:] == b_segments
    return [root / "a.txt", root / "b.txt"], offset


def numbers(indices):
    return ", ".join(str(i + 1) for i in indices)


def test_several_documents_mark_a_cut_short_translation_in_each(variants, tiny_translator, tm_path, tmp_path, tmtool):
    cut = expected_cut(tiny_translator)
    inputs, offset = two_documents(tmp_path / "in")
    cut_b = [i - offset for i in cut if i >= offset]
    assert cut_b and len(cut_b) < len(cut)  # the second document shares some of the cut sentences
    out = tmp_path / "out"
    r = tmtool("--tm", tm_path, "translate", *inputs, "--model", variants["small-max-length"], "--backend", "ct2",
               "--compute-type", "float32", "--format", "jsonl", "-o", out, check=False)
    assert r.exit_code == 0, r.output
    rows_a, rows_b = jsonl((out / "a.jsonl").read_text(encoding="utf-8")), jsonl((out / "b.jsonl").read_text("utf-8"))
    assert [i for i, row in enumerate(rows_a) if row["truncated"]] == cut
    assert [j for j, row in enumerate(rows_b) if row["truncated"]] == cut_b
    for i, row in enumerate(rows_a):  # cut short is what the model gave, not a mark put on a whole sentence
        assert (row["target"] != REFERENCE[i] and REFERENCE[i].startswith(row["target"])) if i in cut \
            else row["target"] == REFERENCE[i]
    # One unit for both documents: b's rows are a's, tu_id and mark included.
    assert [(r["tu_id"], r["truncated"]) for r in rows_b] == [(r["tu_id"], r["truncated"]) for r in rows_a[offset:]]
    limit = "the model stopped at its output limit (16 tokens)"
    assert f"note: a.txt: segments {numbers(cut)}: {limit}" in r.stderr
    assert f"note: b.txt: segments {numbers(cut_b)}: {limit}" in r.stderr
    assert f"a.txt: {len(SOURCES)} segments, 0 reused from the TM, {len(SOURCES)} translated by the model" in r.stderr
    assert f", {len(cut_b)} cut short at the model's output limit" in r.stderr
    total = r.stderr.splitlines()[-1]
    assert total.startswith(f"total: 2 documents, {len(SOURCES) + len(rows_b)} segments, 0 reused from the TM, "
                            f"{len(SOURCES) + len(rows_b)} translated by the model ({len(set(SOURCES))} distinct)")
    assert f", {len(cut) + len(cut_b)} cut short at the model's output limit, " in total
    db = sqlite3.connect(tm_path)
    marked = [json.loads(p)["truncated"]["limit"] for (p,) in db.execute(
        "SELECT props FROM units WHERE props LIKE '%truncated%'")]
    assert marked == [SMALL - 1] * len({rows_a[i]["tu_id"] for i in cut})
    db.close()
    # A cut-short draft is never reused: the rerun asks the model again for both documents.
    again = tmtool("--tm", tm_path, "translate", *inputs, "--model", variants["small-max-length"], "--backend", "ct2",
                   "--compute-type", "float32", "--format", "jsonl", "-o", out, check=False)
    rows_b = jsonl((out / "b.jsonl").read_text(encoding="utf-8"))
    assert [row["origin"] for row in rows_b] == ["mt" if j in cut_b else "tm" for j in range(len(rows_b))]
    assert f", {len(cut) + len(cut_b)} cut short at the model's output limit, " in again.stderr.splitlines()[-1]


def test_several_documents_report_a_rejected_unit_as_rejected_in_each(memory_location, tiny_model, tmp_path, tmtool):
    inputs, offset = two_documents(tmp_path / "in")
    first = tmtool("--tm", memory_location, "translate", inputs[0], "--model", tiny_model, "--format", "jsonl",
                   check=False)
    assert first.exit_code == 0, first.output
    first = jsonl(first.stdout)
    seg = [offset + 1, offset + 4]  # in both documents
    rejected = sorted({first[i]["tu_id"] for i in seg})
    with open_memory(memory_location) as tm:
        for tu in rejected:
            tm.set_status(tu, "rejected", author="rina")
    out = tmp_path / "out"
    r = tmtool("--tm", memory_location, "translate", *inputs, "--model", tiny_model, "--format", "jsonl", "-o", out,
               check=False)
    assert r.exit_code == 0, r.output
    rows = {name: jsonl((out / f"{name}.jsonl").read_text(encoding="utf-8")) for name in ("a", "b")}
    # The model gave the rejected translation again: the output says rejected, the unit's own id.
    for name, indices in (("a", seg), ("b", [i - offset for i in seg])):
        assert [(i, row["tu_id"], row["status"], row["origin"]) for i, row in enumerate(rows[name])
                if row["status"] == "rejected"] == [(i, tu, "rejected", "mt") for i, tu in zip(indices, rejected)]
    units = ", ".join(map(str, rejected))
    assert (f"warning: a.txt: segments {numbers(seg)}: the model's translation is one a reviewer rejected "
            f"(units {units})") in r.stderr
    assert (f"warning: b.txt: segments {numbers([i - offset for i in seg])}: the model's translation is one a "
            f"reviewer rejected (units {units})") in r.stderr
    assert r.stderr.splitlines()[-1].startswith("total: 2 documents, ")
    assert ", 4 rejected (left untranslated), " in r.stderr.splitlines()[-1]
    # The English documents keep the source where the only translation was rejected.
    text = tmtool("--tm", memory_location, "translate", *inputs, "--model", tiny_model, "-o", out, check=False)
    assert text.exit_code == 0, text.output
    for name in ("a.txt", "b.txt"):
        english = (out / name).read_text(encoding="utf-8")
        assert all(SOURCES[i] in english and first[i]["target"] not in english for i in seg)
    with open_memory(memory_location) as tm:
        assert {tm.get_unit(tu).status for tu in rejected} == {"rejected"}
        for name in ("a.txt", "b.txt"):
            assert [p.unit.status for p in tm.document_pairs(name)].count("rejected") == 2
