"""A full disk and a read-only memory (issue 5, item 5): a clear error, and the memory intact.

As root the tests mount a 2 MB tmpfs and a read-only bind mount, which is what a user meets.
Where mounting is not allowed, the same failures are simulated inside SQLite (PRAGMA
max_page_count, PRAGMA query_only): those tests run everywhere.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from reliability_support import assert_refused, check_memory, row_counts, run_tmtool, seed_memory

from tmtool import translate_document
from tmtool.errors import TMError
from tmtool.exchange import import_file
from tmtool.memory import SQLiteMemory


def _no_model():
    raise AssertionError("every sentence is in the memory: no model may be loaded")


def _mount(*args) -> bool:
    try:
        return subprocess.run(["mount", *map(str, args)], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture
def mounted(tmp_path):
    """Mount points made by a test, unmounted afterwards whatever happens."""
    points = []
    yield points
    for point in reversed(points):
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=30)


def _big_tsv(path, n: int) -> None:
    path.write_text("".join(f"Kalimat panjang nomor {i} untuk mengisi disk sampai penuh.\t"
                            f"Long sentence number {i} to fill the disk.\n" for i in range(n)), encoding="utf-8")


def test_a_full_disk_gives_one_line_and_keeps_the_memory(tmp_path, mounted):
    disk = tmp_path / "small"
    disk.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", disk):
        pytest.skip("cannot mount a tmpfs here; test_disk_full_simulated_inside_sqlite covers it")
    mounted.append(disk)
    tm = disk / "tm.sqlite"
    counts = seed_memory(tm, tmp_path)

    big = tmp_path / "big.tsv"
    _big_tsv(big, 30_000)  # about 4 MB in the memory: cannot fit
    assert_refused(run_tmtool(tm, "tm", "import", big), str(tm), "the disk is full", "nothing of this write")
    assert row_counts(tm) == counts

    doc = tmp_path / "long.txt"  # every sentence known: no model, but a document too big to store
    doc.write_text("Selamat pagi.\n" * 150_000, encoding="utf-8")
    assert_refused(run_tmtool(tm, "translate", doc, "-o", tmp_path / "long.en.txt", "--model", "x"),
                   str(tm), "the disk is full")
    assert row_counts(tm) == counts and not (tmp_path / "long.en.txt").exists()

    filler = disk / "filler"  # not one byte left: even opening needs room for -wal and -shm
    with open(filler, "wb") as f:
        try:
            f.write(b"\0" * (4 << 20))
        except OSError:
            pass
    for args in (("tm", "import", big), ("translate", doc, "--model", "x")):
        assert_refused(run_tmtool(tm, *args), str(tm), "the disk is full")
    r = run_tmtool(tm, "tm", "stats")  # reading works if SQLite's -wal and -shm files are still there
    if r.returncode != 0:
        assert_refused(r, str(tm), "the disk is full", "-wal and -shm")
    filler.unlink()
    assert row_counts(tm) == counts
    check_memory(tm)
    small = tmp_path / "small.tsv"
    small.write_text("Dua.\tTwo.\n", encoding="utf-8")
    r = run_tmtool(tm, "tm", "import", small)  # with room again, the memory works as before
    assert r.returncode == 0 and "1 added" in r.stdout, r.stderr


def test_disk_full_simulated_inside_sqlite(tm_path, tmp_path):
    counts = seed_memory(tm_path, tmp_path)
    big = tmp_path / "big.tsv"
    _big_tsv(big, 5_000)
    with SQLiteMemory(tm_path) as memory:
        pages = memory.conn.execute("PRAGMA page_count").fetchone()[0]
        memory.conn.execute(f"PRAGMA max_page_count = {pages + 4}")
        with pytest.raises(TMError, match="the disk is full; nothing of this write was stored"):
            import_file(memory, big)
        with pytest.raises(TMError, match="the disk is full"):  # a document too big to store
            translate_document("Selamat pagi.\n" * 20_000, memory, _no_model, name="long")
    assert row_counts(tm_path) == counts
    check_memory(tm_path)


def reads_pass_and_writes_are_refused(tm, where: str, tmp_path) -> Path:
    """Against a read-only memory ``tm`` (a path or a URL; ``where``: how messages name it):
    every reading command works, every writing command is refused in one line. Returns the
    pairs file the writes tried to import."""
    for args in (("tm", "stats"), ("docs",), ("pairs", "--doc", "seed-doc.txt"), ("tm", "search", "Selamat pagi.")):
        r = run_tmtool(tm, *args)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    pairs = tmp_path / "new.tsv"
    pairs.write_text("Dua.\tTwo.\n", encoding="utf-8")
    doc = tmp_path / "new.txt"
    doc.write_text("Selamat pagi.\n", encoding="utf-8")
    for args, stdin in ((("tm", "import", pairs), None), (("translate", doc, "--model", "x"), None),
                        (("pairs", "set-status", "draft", "--doc", "seed-doc.txt"), None),
                        (("review", "--doc", "seed-doc.txt", "--status", "any"), "r\n")):
        assert_refused(run_tmtool(tm, *args, input=stdin), where, "read-only; nothing was written")
    return pairs


def test_a_read_only_memory_is_read_and_never_written(tmp_path, mounted):
    rw, ro = tmp_path / "rw", tmp_path / "ro"
    rw.mkdir()
    ro.mkdir()
    counts = seed_memory(rw / "tm.sqlite", tmp_path)
    if not (_mount("--bind", rw, ro) and (mounted.append(ro) or True)
            and _mount("-o", "remount,bind,ro", ro)):
        pytest.skip("cannot make a read-only mount here; test_read_only_simulated_inside_sqlite covers it")
    tm = ro / "tm.sqlite"
    pairs = reads_pass_and_writes_are_refused(tm, str(tm), tmp_path)
    assert_refused(run_tmtool(ro / "new.sqlite", "tm", "import", pairs), "read-only file system")
    assert row_counts(tm) == counts


def test_read_only_simulated_inside_sqlite(tm_path, tmp_path, tmtool):
    counts = seed_memory(tm_path, tmp_path)
    pairs = tmp_path / "new.tsv"
    pairs.write_text("Dua.\tTwo.\n", encoding="utf-8")
    with SQLiteMemory(tm_path) as memory:
        memory.conn.execute("PRAGMA query_only = ON")
        with pytest.raises(TMError, match="read-only; nothing was written"):
            import_file(memory, pairs)
        unit = memory.lookup_exact(["Selamat pagi."], "id", "en")["Selamat pagi."]
        with pytest.raises(TMError, match="read-only; nothing was written"):
            memory.set_status(unit.id, "rejected", author="test")
        assert memory.stats()["units"] == counts["units"]  # reading goes on
    assert row_counts(tm_path) == counts
    r = tmtool("--tm", tm_path, "tm", "stats", check=False)
    assert r.exit_code == 0


# -- the same on a PostgreSQL server (issue 15) ---------------------------------------------


def _read_only(url: str) -> str:
    """The memory's URL for a session whose every transaction is read-only (what a hot standby
    or a role with ``default_transaction_read_only`` gives a user)."""
    return url.replace("options=", "options=-c%20default_transaction_read_only%3Don%20", 1)


@pytest.mark.postgres
def test_a_read_only_server_memory_is_read_and_never_written(pg_location, tmp_path):
    counts = seed_memory(pg_location, tmp_path)
    reads_pass_and_writes_are_refused(_read_only(pg_location), "127.0.0.1", tmp_path)
    assert row_counts(pg_location) == counts
    check_memory(pg_location)

# (A full disk under a server memory: test_server_failures.py fills the memory's tablespace.)
