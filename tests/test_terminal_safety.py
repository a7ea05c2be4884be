"""Escape sequences from the memory never reach a terminal raw (issue 14, item 9).

A unit imported from TSV/JSONL carries an OSC 52 sequence (writes the clipboard on terminals that
honour it), an OSC 0 (retitles the window), a CSI (clears the screen) and an 8-bit CSI (U+009B).
Every view shows them as visible characters; the memory, files and pipes keep them exactly.
"""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import REPO

from tmtool.cli import cli
from tmtool.terminal import printable

OSC52 = "\x1b]52;c;ZXZpbA==\x07"  # "evil" into the clipboard
OSC0 = "\x1b]0;judul\x07"
SOURCE_1, TARGET_1 = f"Kalimat {OSC0} pertama.", f"First {OSC52} sentence."
SOURCE_2, TARGET_2 = "Kalimat kedua \x9b31m merah.", "Second \x1b[2J red \x7f sentence."
RAW = ("\x1b", "\x07", "\x9b", "\x7f")


def shown_safely(text: str) -> None:
    for c in RAW:
        assert c not in text, (c, text)


@pytest.fixture
def hostile_tm(tm_path, tmp_path, tmtool):
    (tmp_path / "pairs.tsv").write_text(f"{SOURCE_1}\t{TARGET_1}\n", encoding="utf-8")
    (tmp_path / "pairs.jsonl").write_text(json.dumps({"source": SOURCE_2, "target": TARGET_2}) + "\n",
                                          encoding="utf-8")
    (tmp_path / "doc.txt").write_text(f"{SOURCE_1} {SOURCE_2}\n", encoding="utf-8")
    tmtool("--tm", tm_path, "tm", "import", tmp_path / "pairs.tsv", tmp_path / "pairs.jsonl")
    # Every sentence is in the memory: no model is loaded.
    r = tmtool("--tm", tm_path, "translate", tmp_path / "doc.txt", "-o", tmp_path / "doc.en.txt")
    assert "2 reused from the TM" in r.stderr
    return tm_path


def test_printable_shows_every_control_character():
    assert printable(f"a{OSC52}b") == "a\u241b]52;c;ZXZpbA==\u2407b"
    assert printable("\x9b31m\x7f\r\x00") == "\\u009b31m\\u007f\u240d\u2400"
    assert printable("tab\there\nnext") == "tab\there\nnext"  # layout kept
    assert printable("Düsseldorf — “ok” \u00a0") == "Düsseldorf — “ok” \u00a0"
    line = json.dumps({"t": SOURCE_2 + TARGET_2}, ensure_ascii=False)
    assert json.loads(printable(line)) == {"t": SOURCE_2 + TARGET_2}  # a JSON line keeps its value


@pytest.mark.parametrize("args, expected", [
    (("pairs",), "First \u241b]52;c;ZXZpbA==\u2407 sentence."),
    (("pairs", "show", "1"), "First \u241b]52;c;ZXZpbA==\u2407 sentence."),
    (("tm", "search", "Kalimat pertama.", "--min", "40"), "\u241b]0;judul\u2407"),
    (("tm", "search", "ZXZpbA", "--concordance"), "First \u241b]52;c;ZXZpbA==\u2407 sentence."),
    (("pairs", "show", "2"), "Second \u241b[2J red \\u007f sentence."),
    (("pairs", "--format", "jsonl"), '"Kalimat kedua \\u009b31m merah."'),
    (("tm", "search", "Kalimat kedua merah.", "--json"), "\\u009b31m"),
])
def test_views_show_escapes_visibly(hostile_tm, args, expected, tmtool):
    out = tmtool("--tm", hostile_tm, *args).output
    shown_safely(out)  # before issue 14 `pairs` printed the OSC 52 sequence raw
    assert expected in out


def test_review_shows_escapes_visibly_and_the_memory_keeps_them(hostile_tm, tmp_path, tmtool):
    out = tmtool("--tm", hostile_tm, "review", input="a\nq\n").output
    shown_safely(out)
    assert "First \u241b]52;c;ZXZpbA==\u2407 sentence." in out
    db = sqlite3.connect(hostile_tm)
    assert sorted(db.execute("SELECT source, target, status FROM units").fetchall()) == [
        (SOURCE_1, TARGET_1, "approved"), (SOURCE_2, TARGET_2, "draft")]
    db.close()
    # Files and pipes get the exact text (click.echo used to drop the CSI from a pipe).
    assert (tmp_path / "doc.en.txt").read_text(encoding="utf-8") == f"{TARGET_1} {TARGET_2}\n"
    exported = tmtool("--tm", hostile_tm, "tm", "export", "--format", "jsonl").output
    assert [json.loads(line)["target"] for line in exported.splitlines()] == [TARGET_1, TARGET_2]
    piped = tmtool("--tm", hostile_tm, "translate", tmp_path / "doc.txt").stdout
    assert piped == f"{TARGET_1} {TARGET_2}\n"


def test_an_error_naming_hostile_input_is_shown_safely(tm_path, tmp_path):
    path = tmp_path / f"bad{OSC0}.tsv"
    path.write_text("no tab here\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "tm", "import", str(path)])
    assert r.exit_code == 1
    shown_safely(r.stderr)
    assert "bad\u241b]0;judul\u2407.tsv" in r.stderr


def _on_a_terminal(tm, *args) -> str:
    """Run tmtool with stdout on a pseudo-terminal, as a user sees it; returns what was shown."""
    main, child = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "tmtool", "--tm", str(tm), *map(str, args)], stdout=child,
                            stderr=subprocess.DEVNULL, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=120) == 0
    os.close(main)
    return b"".join(chunks).decode("utf-8")


def test_a_document_or_an_export_to_a_terminal_shows_escapes_visibly(hostile_tm, tmp_path):
    shown = _on_a_terminal(hostile_tm, "translate", tmp_path / "doc.txt")
    shown_safely(shown)
    assert "First \u241b]52;c;ZXZpbA==\u2407 sentence." in shown
    shown = _on_a_terminal(hostile_tm, "tm", "export", "--format", "tsv")
    shown_safely(shown)
    assert "\u241b]52;c;ZXZpbA==\u2407" in shown
