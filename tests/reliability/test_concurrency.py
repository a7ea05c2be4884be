"""Concurrent use of one memory (issue 5, item 4): parallel `tm import`s of overlapping files, two
`translate`s and a scripted `review`, all at once. All succeed, no unit is stored twice, no
write is lost. (Parallel translates alone: test_translate_processes.py.)
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from reliability_support import check_memory, review_decisions, review_doc, tmtool_cmd, unit_sources

pytestmark = pytest.mark.slow


@pytest.fixture
def tm_path(memory_location):
    """Once a SQLite file, once a PostgreSQL server's memory (issue 15)."""
    return memory_location


def _pair(i: int) -> tuple[str, str]:
    return f"Baris bersama nomor {i} di memori.", f"Shared line number {i} in the memory."


def _write(path, fmt: str, ids) -> None:
    pairs = [_pair(i) for i in ids]
    if fmt == "tsv":
        text = "".join(f"{s}\t{t}\n" for s, t in pairs)
    elif fmt == "jsonl":
        text = "".join(json.dumps({"source": s, "target": t}) + "\n" for s, t in pairs)
    else:
        text = ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="t" '
                'creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="id" '
                'datatype="plaintext"/><body>\n' + "".join(
                    f'<tu><tuv xml:lang="id"><seg>{s}</seg></tuv><tuv xml:lang="en"><seg>{t}</seg></tuv></tu>\n'
                    for s, t in pairs) + "</body></tmx>\n")
    path.write_text(text, encoding="utf-8")


def test_imports_translates_and_a_review_at_once(tm_path, tmp_path, tiny_model):
    reviewed = 20
    name = review_doc(tm_path, tmp_path, reviewed)
    base = check_memory(tm_path)
    files = {  # overlapping ranges: 6,000 distinct pairs in 9,500 lines
        "a.tsv": range(3000), "b.tmx": range(1500, 4500), "c.jsonl": [*range(3000, 6000), *range(500)],
        "d.tsv": range(5000, 6000),
    }
    for file, ids in files.items():
        _write(tmp_path / file, file.rsplit(".", 1)[1], ids)
    text = tmp_path / "other.txt"
    text.write_text("Selamat pagi.\nApa kabar?\n", encoding="utf-8")

    def start(*args, stdin=None):
        return subprocess.Popen(tmtool_cmd(tm_path, *args), stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    procs = [start("tm", "import", tmp_path / f) for f in files]
    procs += [start("translate", text, "--model", tiny_model, "--doc", f"other{i}", "-o", tmp_path / f"o{i}.txt")
              for i in range(2)]
    review = start("review", "--doc", name, stdin=subprocess.PIPE)
    outputs = [p.communicate(timeout=300) for p in procs]
    review_out, review_err = review.communicate("a\n" * reviewed, timeout=300)

    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
    assert review.returncode == 0, review_err
    added = read = 0
    for out, _ in outputs[: len(files)]:
        m = re.search(r"(\d+) units \(id->en\), (\d+) added, (\d+) merged", out)
        read, added = read + int(m.group(1)), added + int(m.group(2))
    assert read == sum(len(ids) for ids in files.values())
    assert added == 6000  # each pair added by exactly one of the imports, none lost
    for i in range(2):
        assert (tmp_path / f"o{i}.txt").read_text(encoding="utf-8") == "Good morning.\nHow are you?\n"
    assert check_memory(tm_path) == base + 6000 + 2  # no duplicate (checked there), no lost unit

    sources = unit_sources(tm_path, "Baris bersama%")
    assert sources == {_pair(i)[0] for i in range(6000)}
    assert "Nothing left to review" in review_out
    assert review_decisions(tm_path) == (reviewed, reviewed, 0)  # every decision with its history
