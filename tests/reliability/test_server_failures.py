"""What only a server has (issue 15): the server restarted in the middle of a `translate`, a
dropped connection, a statement timeout, a full tablespace. Each is one ``Error:`` line, a
non-zero exit and no traceback; nothing committed before is lost, and the next run completes.

The restart needs a cluster of the test's own (the ``pg_cluster`` fixture); the others use the
session's server.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from reliability_support import (
    assert_refused, check_memory, query, row_counts, run_tmtool, seed_memory, tmtool_cmd,
)

pytestmark = pytest.mark.postgres

LINES = 300  # sentences of the document: long enough that the model is still at work when it happens


def _document(tmp_path):
    doc = tmp_path / "long.txt"
    doc.write_text("".join(f"Kalimat server nomor {i} untuk memori tim.\n" for i in range(LINES)), encoding="utf-8")
    return doc


def _with_option(url: str, option: str) -> str:
    """The URL with one more server setting for its sessions (``-c name=value``)."""
    from urllib.parse import quote

    return url.replace("options=", f"options={quote(f'-c {option} ', safe='')}", 1)


def _translate_until(tm, doc, tmp_path, model, units: int) -> subprocess.Popen:
    """Start `tmtool translate` of ``doc`` in its own process; return once the memory holds
    ``units`` of its machine translations (committed, seen from another session)."""
    proc = subprocess.Popen(tmtool_cmd(tm, "translate", doc, "--model", model, "--batch-size", "1",
                                       "-o", tmp_path / "long.en.txt"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while _made(tm) < units:
        assert proc.poll() is None, f"translate ended early: {proc.communicate()}"
        assert time.monotonic() < deadline, "translate stored nothing in 240 s"
        time.sleep(0.1)
    return proc


def _made(tm) -> int:
    try:
        return query(tm, "SELECT count(*) FROM units WHERE source LIKE 'Kalimat server nomor %'")[0][0]
    except Exception:  # noqa: BLE001 - no tables yet, or the server is restarting
        return 0


def _finish(proc) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _resumes(tm, doc, tmp_path, model, kept: int) -> None:
    """The next run completes: it reuses what the broken run committed and translates the rest."""
    r = run_tmtool(tm, "translate", doc, "--model", model, "-o", tmp_path / "long.en.txt", timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"{kept} reused from the TM" in r.stderr and f"{LINES - kept} translated by the model" in r.stderr, r.stderr
    assert check_memory(tm) == LINES
    assert len((tmp_path / "long.en.txt").read_text(encoding="utf-8").splitlines()) == LINES


@pytest.mark.slow
def test_the_server_restarted_in_the_middle_of_a_translate(pg_cluster, tmp_path, tiny_model):
    import pgserver

    tm = pgserver.schema_url(pgserver.create_database(pg_cluster.url, "team"), "project")
    doc = _document(tmp_path)
    proc = _translate_until(tm, doc, tmp_path, tiny_model, 5)
    pg_cluster.restart()  # pg_ctl restart -m fast: every session is ended
    before = _made(tm)
    r = _finish(proc)
    assert_refused(r, "127.0.0.1", "the connection to the server failed", "what was stored before it is kept")
    kept = _made(tm)
    assert 5 <= before <= kept < LINES  # nothing committed was lost, and the run stopped
    check_memory(tm)
    _resumes(tm, doc, tmp_path, tiny_model, kept)


@pytest.mark.slow
def test_a_dropped_connection_in_the_middle_of_a_translate(pg_location, tmp_path, tiny_model):
    doc = _document(tmp_path)
    proc = _translate_until(pg_location, doc, tmp_path, tiny_model, 5)
    ended = query(pg_location, "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE application_name = 'tmtool' AND datname = current_database()) t")[0][0]
    assert ended == 1  # tmtool's one session
    before = _made(pg_location)
    r = _finish(proc)
    assert_refused(r, "127.0.0.1", "the connection to the server failed", "what was stored before it is kept")
    kept = _made(pg_location)
    assert 5 <= before <= kept < LINES
    check_memory(pg_location)
    _resumes(pg_location, doc, tmp_path, tiny_model, kept)


def _big_tsv(path, n: int) -> None:
    path.write_text("".join(f"Kalimat besar nomor {i} untuk batas waktu.\tBig sentence number {i} for the timeout.\n"
                            for i in range(n)), encoding="utf-8")


@pytest.mark.slow
def test_a_statement_timeout_on_a_big_import_and_a_lookup(pg_location, tmp_path):
    counts = seed_memory(pg_location, tmp_path)
    big = tmp_path / "big.tsv"
    _big_tsv(big, 20_000)
    hurried = _with_option(pg_location, "statement_timeout=1")  # 1 ms: no big statement finishes
    assert_refused(run_tmtool(hurried, "tm", "import", big), "127.0.0.1", "statement timeout",
                   "nothing of it was stored")
    assert row_counts(pg_location) == counts  # nothing of the import

    r = run_tmtool(pg_location, "tm", "import", big, timeout=300)  # now a memory where a lookup takes time
    assert r.returncode == 0, r.stderr
    counts = row_counts(pg_location)
    for args in (("tm", "search", "Kalimat besar nomor 123 untuk batas", "--limit", "3"),
                 ("tm", "search", "besar", "--concordance")):
        assert_refused(run_tmtool(hurried, *args), "127.0.0.1", "the server cancelled the statement")
    assert row_counts(pg_location) == counts
    check_memory(pg_location)


def _mount_tmpfs(point, size: str) -> bool:
    try:
        return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.slow
def test_a_full_tablespace_gives_one_line_and_keeps_the_memory(pg_cluster, tmp_path):
    # The memory's tables live in a tablespace on a 3 MB file system (the server's own WAL does
    # not: a full WAL disk may shut the whole server down, which is the administrator's alarm, not ours).
    import os

    import pgserver

    disk = pg_cluster.dir / "small"  # where the server's user may go (not root's tmp_path)
    disk.mkdir()
    if not pg_cluster.as_root or not _mount_tmpfs(disk, "3m"):
        pytest.skip("a full tablespace needs a small mount (root only); the SQLite full-disk tests cover the rest")
    try:
        os.chown(disk, pg_cluster.owner["user"], pg_cluster.owner["group"])
        query(pg_cluster.url, f"CREATE TABLESPACE small LOCATION '{disk}'")
        tm = _with_option(pgserver.schema_url(pgserver.create_database(pg_cluster.url, "team"), "project"),
                          "default_tablespace=small")
        counts = seed_memory(tm, tmp_path)
        assert query(tm, "SELECT count(*) FROM pg_tables WHERE schemaname = 'project' "
                         "AND tablespace = 'small'")[0][0] == len(counts)  # every table on the small disk
        big = tmp_path / "big.tsv"
        _big_tsv(big, 40_000)  # about 10 MB in the memory: cannot fit
        assert_refused(run_tmtool(tm, "tm", "import", big, timeout=300), "127.0.0.1", "the server's disk is full",
                       "nothing of this write was stored")
        assert row_counts(tm) == counts
        check_memory(tm)
        small = tmp_path / "small.tsv"
        small.write_text("Dua.\tTwo.\n", encoding="utf-8")
        # The administrator's part: more room (the refused import's pages stay allocated until a VACUUM).
        assert subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], capture_output=True).returncode == 0
        r = run_tmtool(tm, "tm", "import", small)  # with room again, the memory works as before
        assert r.returncode == 0 and "1 added" in r.stdout, r.stderr
    finally:
        pg_cluster.shutdown()  # the server lets go of the files before the disk goes
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, timeout=30)


def test_an_error_of_the_driver_is_not_called_a_lost_connection(pg_location):
    # psycopg refuses a NUL before the server sees it (no SQLSTATE): that is no connection
    # failure, and nothing is stored. (Files never bring a NUL: every reader refuses it.)
    from tmtool.errors import TMError
    from tmtool.memory import open_memory
    from tmtool.records import TranslationUnit

    with open_memory(pg_location) as tm:
        with pytest.raises(TMError) as refused:
            tm.add_units([TranslationUnit(None, "Satu\x00.", "One.")])
        assert "cannot contain NUL" in str(refused.value) and "connection" not in str(refused.value)
        assert tm.count_units() == 0
