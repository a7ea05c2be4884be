"""Helpers of the reliability suite (issue 5): run tmtool as a real process, look inside a TM
with plain sqlite3 (never through tmtool), and check what an error looks like to a user."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tmtool.cli import cli

# Pairs every seeded memory holds (TSV: source<TAB>target).
SEED_PAIRS = [
    ("Selamat pagi.", "Good morning."),
    ("Apa kabar?", "How are you?"),
    ("Terima kasih banyak.", "Thank you very much."),
    ("Presiden tiba di Jakarta.", "The president arrived in Jakarta."),
]


def tmtool_cmd(tm: Path, *args) -> list[str]:
    return [sys.executable, "-m", "tmtool", "--tm", str(tm), *map(str, args)]


def run_tmtool(tm: Path, *args, input: str | None = None, timeout: float = 120, env=None):
    """tmtool in its own process, as a user runs it; a hang fails the test (TimeoutExpired)."""
    return subprocess.run(tmtool_cmd(tm, *args), capture_output=True, text=True, input=input,
                          timeout=timeout, env=env)


def invoke(tm: Path, *args, input: str | bytes | None = None):
    """tmtool in this process (fast): for the many small cases. Exceptions are caught, so a
    traceback shows up as ``result.exception`` that is not a SystemExit."""
    return CliRunner().invoke(cli, ["--tm", str(tm), *map(str, args)], input=input)


def seed_memory(tm: Path, tmp: Path) -> dict[str, int]:
    """A memory with units, a document and its segments, and a review decision with history;
    returns its row counts."""
    pairs = tmp / "seed.tsv"
    pairs.write_text("".join(f"{s}\t{t}\n" for s, t in SEED_PAIRS), encoding="utf-8")
    doc = tmp / "seed-doc.txt"
    doc.write_text("Selamat pagi. Apa kabar?\n\nTerima kasih banyak.\n", encoding="utf-8")
    for args in (("tm", "import", pairs), ("translate", doc, "-o", tmp / "seed-doc.en.txt"),
                 ("pairs", "set-status", "approved", "--doc", "seed-doc.txt")):
        r = invoke(tm, *args)
        assert r.exit_code == 0, r.output
    return row_counts(tm)


def review_doc(tm, tmp_path, n: int) -> str:
    """A document of ``n`` sentences whose units are imported drafts: review goes through them."""
    sources = [f"Kalimat nomor {i} untuk ditinjau." for i in range(n)]
    pairs = tmp_path / "review-pairs.tsv"
    pairs.write_text("".join(f"{s}\tSentence {i} to review.\n" for i, s in enumerate(sources)), encoding="utf-8")
    doc = tmp_path / "review.txt"
    doc.write_text(" ".join(sources) + "\n", encoding="utf-8")
    for args in (("tm", "import", pairs), ("translate", doc, "-o", tmp_path / "review.en.txt")):
        r = invoke(tm, *args)
        assert r.exit_code == 0, r.output
    return "review.txt"


def review_decisions(tm) -> tuple[int, int, int]:
    """(approved units, approve history rows, approved units without their history row)."""
    db = sqlite3.connect(tm)
    try:
        approved = db.execute("SELECT count(*) FROM units WHERE status = 'approved' "
                              "AND source LIKE 'Kalimat nomor %'").fetchone()[0]
        rows = db.execute("SELECT count(*) FROM history h JOIN units u ON u.id = h.tu_id "
                          "WHERE h.new_status = 'approved' AND u.source LIKE 'Kalimat nomor %'").fetchone()[0]
        orphans = db.execute(
            "SELECT count(*) FROM units u WHERE u.status = 'approved' AND u.source LIKE 'Kalimat nomor %' "
            "AND NOT EXISTS (SELECT 1 FROM history h WHERE h.tu_id = u.id AND h.new_status = 'approved')"
        ).fetchone()[0]
        return approved, rows, orphans
    finally:
        db.close()


def row_counts(tm: Path) -> dict[str, int]:
    """The number of rows of every table of the memory (indexes and FTS shadow tables too)."""
    db = sqlite3.connect(f"file:{tm}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        db.close()


def check_memory(tm: Path) -> int:
    """Integrity, foreign keys, no duplicate pairs; returns the number of units."""
    db = sqlite3.connect(tm)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        dupes = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM units GROUP BY src_lang, tgt_lang, source_hash, "
            "target_hash HAVING count(*) > 1)").fetchone()[0]
        assert dupes == 0
        return db.execute("SELECT count(*) FROM units").fetchone()[0]
    finally:
        db.close()


def one_line_error(text: str) -> str:
    """The single ``Error: ...`` line of a failed command's stderr (asserts there is no other
    line and no traceback)."""
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), text
    return lines[0][len("Error: "):]


def assert_refused(result, *needles: str) -> str:
    """A CliRunner or subprocess result that failed the way issue 5 asks: exit 1 or 2, one line
    that contains every needle, no traceback. Returns the message."""
    if hasattr(result, "returncode"):  # a real process
        code, err = result.returncode, result.stderr
    else:
        assert isinstance(result.exception, SystemExit), f"traceback: {result.exception!r}\n{result.output}"
        code, err = result.exit_code, result.stderr
    assert code in (1, 2), (code, err)
    message = one_line_error(err)
    for needle in needles:
        assert needle in message, (needle, message)
    return message


# Runs the CLI and then reports the peak resident memory of this very process image (VmHWM is
# reset by exec, unlike getrusage's maxrss, which would count the forked pytest process).
_MEASURED = (
    "import sys\n"
    "from tmtool.cli import cli\n"
    "try:\n"
    "    cli.main(sys.argv[1:], prog_name='tmtool')\n"
    "finally:\n"
    "    hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
    "    sys.stderr.write('\\n@@' + hwm.split()[1])\n"
)


def peak_rss_mb(tm: Path, *args, timeout: float = 120) -> tuple[int, str, float]:
    """Run tmtool; its exit code, stderr and peak resident memory in MB."""
    r = subprocess.run([sys.executable, "-c", _MEASURED, "--tm", str(tm), *map(str, args)],
                       capture_output=True, text=True, timeout=timeout)
    err, _, kb = r.stderr.rpartition("\n@@")
    return r.returncode, err, int(kb) / 1024
