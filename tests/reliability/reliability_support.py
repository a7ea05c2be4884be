"""Helpers of the reliability suite (issue 5): run tmtool as a real process, look inside a TM
with plain sqlite3 or psycopg (never through tmtool), and check what an error looks like to a user.

A memory here is a SQLite path or a PostgreSQL URL (issue 15: the suite runs on both back ends,
through ``tests/reliability/conftest.py``'s ``tm_path``)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import run_cli

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


def seed_memory(tm: Path, tmp: Path) -> dict[str, int]:
    """A memory with units, a document and its segments, and a review decision with history;
    returns its row counts."""
    pairs = tmp / "seed.tsv"
    pairs.write_text("".join(f"{s}\t{t}\n" for s, t in SEED_PAIRS), encoding="utf-8")
    doc = tmp / "seed-doc.txt"
    doc.write_text("Selamat pagi. Apa kabar?\n\nTerima kasih banyak.\n", encoding="utf-8")
    for args in (("tm", "import", pairs), ("translate", doc, "-o", tmp / "seed-doc.en.txt"),
                 ("pairs", "set-status", "approved", "--doc", "seed-doc.txt")):
        run_cli("--tm", tm, *args)
    return row_counts(tm)


def review_doc(tm, tmp_path, n: int) -> str:
    """A document of ``n`` sentences whose units are imported drafts: review goes through them."""
    sources = [f"Kalimat nomor {i} untuk ditinjau." for i in range(n)]
    pairs = tmp_path / "review-pairs.tsv"
    pairs.write_text("".join(f"{s}\tSentence {i} to review.\n" for i, s in enumerate(sources)), encoding="utf-8")
    doc = tmp_path / "review.txt"
    doc.write_text(" ".join(sources) + "\n", encoding="utf-8")
    for args in (("tm", "import", pairs), ("translate", doc, "-o", tmp_path / "review.en.txt")):
        run_cli("--tm", tm, *args)
    return "review.txt"


def is_server(tm) -> bool:
    """Whether ``tm`` is a PostgreSQL memory (a URL) rather than a SQLite file."""
    return str(tm).startswith(("postgresql://", "postgres://"))


def query(tm, sql: str, *, read_only: bool = False) -> list[tuple]:
    """Rows of one query on the memory, with the back end's own driver. (A SQLite file is
    opened read-write unless asked: after a kill -9 its -wal may need recovering.)"""
    if is_server(tm):
        import psycopg

        with psycopg.connect(str(tm), autocommit=True, connect_timeout=10) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []
    db = sqlite3.connect(f"file:{tm}?mode=ro", uri=True) if read_only else sqlite3.connect(tm)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def review_decisions(tm) -> tuple[int, int, int]:
    """(approved units, approve history rows, approved units without their history row)."""
    approved = query(tm, "SELECT count(*) FROM units WHERE status = 'approved' "
                          "AND source LIKE 'Kalimat nomor %'")[0][0]
    rows = query(tm, "SELECT count(*) FROM history h JOIN units u ON u.id = h.tu_id "
                      "WHERE h.new_status = 'approved' AND u.source LIKE 'Kalimat nomor %'")[0][0]
    orphans = query(tm, "SELECT count(*) FROM units u WHERE u.status = 'approved' AND u.source LIKE 'Kalimat nomor %' "
                         "AND NOT EXISTS (SELECT 1 FROM history h WHERE h.tu_id = u.id AND h.new_status = 'approved')"
                     )[0][0]
    return approved, rows, orphans


def unit_sources(tm, like: str) -> set[str]:
    """The sources of the memory's units that match the SQL pattern ``like``."""
    return {r[0] for r in query(tm, f"SELECT source FROM units WHERE source LIKE '{like}'")}


def row_counts(tm) -> dict[str, int]:
    """The number of rows of every table of the memory (indexes and FTS shadow tables too)."""
    if is_server(tm):
        tables = [r[0] for r in query(tm, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    else:
        tables = [r[0] for r in query(
            tm, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", read_only=True)]
    counts = query(tm, " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables), read_only=True)
    return dict(counts)


def check_memory(tm) -> int:
    """Integrity, foreign keys, no duplicate pairs; returns the number of units. (PostgreSQL
    enforces its foreign keys itself; its pages are checked by the server as it reads them.)"""
    if not is_server(tm):
        assert query(tm, "PRAGMA integrity_check")[0][0] == "ok"
        assert query(tm, "PRAGMA foreign_key_check") == []
    dupes = query(tm, "SELECT count(*) FROM (SELECT 1 FROM units GROUP BY src_lang, tgt_lang, source_hash, "
                       "target_hash HAVING count(*) > 1) d")[0][0]
    assert dupes == 0
    return query(tm, "SELECT count(*) FROM units")[0][0]


def drop_memory(tm) -> None:
    """Remove the memory entirely (a SQLite file and its -wal/-shm; a PostgreSQL schema's tables),
    so that the next command starts a fresh one at the same place."""
    if is_server(tm):
        import psycopg

        with psycopg.connect(str(tm), autocommit=True, connect_timeout=10) as conn:
            schema = conn.execute("SELECT current_schema()").fetchone()[0]
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return
    tm = Path(tm)
    for suffix in ("", "-wal", "-shm"):
        tm.with_name(tm.name + suffix).unlink(missing_ok=True)


def memory_exists(tm) -> bool:
    """Whether a memory has been created at ``tm`` (its units table exists)."""
    if is_server(tm):
        return bool(query(tm, "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() "
                               "AND tablename = 'units'"))
    return Path(tm).exists()


def one_line_error(text: str) -> str:
    """The single ``Error: ...`` line of a failed command's stderr (asserts there is no other
    line and no traceback)."""
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), text
    return lines[0][len("Error: "):]


def assert_refused(result, *needles: str) -> str:
    """A ``tmtool`` fixture's or subprocess result that failed the way issue 5 asks: exit 1 or 2,
    one line that contains every needle, no traceback. Returns the message."""
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
