"""Files tmtool writes (issue 14, item 5): atomic, with the umask's mode for a new file and the
old mode for a replaced one, and no temporary file left when a write fails."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from conftest import ARTICLE, REPO
from test_review import DOC, translate_example

from tmtool.atomicfile import atomic_open, write_atomic
from tmtool.cli import cli


@pytest.fixture
def umask():
    """Set the process umask for one test (the CLI runs in this process)."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_mode(tmp_path, umask, mask, expected):
    umask(mask)
    write_atomic(tmp_path / "new.txt", "teks\n")
    assert mode(tmp_path / "new.txt") == expected  # mkstemp made every file 0600
    assert (tmp_path / "new.txt").read_text() == "teks\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("old_mode", [0o644, 0o640, 0o604])
def test_a_replaced_file_keeps_its_mode(tmp_path, umask, old_mode):
    umask(0o077)
    path = tmp_path / "old.txt"
    path.write_text("lama\n")
    path.chmod(old_mode)
    write_atomic(path, "baru\n")
    assert (mode(path), path.read_text()) == (old_mode, "baru\n")


def test_a_failing_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("lama\n")
    with pytest.raises(RuntimeError):
        with atomic_open(path) as f:
            f.write("setengah")
            raise RuntimeError("the writer failed")
    assert path.read_text() == "lama\n"
    assert leftovers(tmp_path) == []


def test_devices_are_written_into_and_folders_refused(tmp_path):
    write_atomic("/dev/null", "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path, "x")


def test_tm_export_segment_and_report_o_follow_the_umask(tmp_path, tm_path, umask, tmtool):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("Selamat pagi.\tGood morning.\n", encoding="utf-8")
    tmtool("--tm", tm_path, "tm", "import", pairs)
    translate_example(tm_path)
    umask(0o022)
    tmtool("--tm", tm_path, "tm", "export", "-o", tmp_path / "all.tmx")
    tmtool("segment", ARTICLE, "-o", tmp_path / "segments.txt")
    tmtool("--tm", tm_path, "report", "--doc", DOC, "-o", tmp_path / "report.html")
    assert [mode(tmp_path / n) for n in ("all.tmx", "segments.txt", "report.html")] == [0o644] * 3
    # A report a web server reads (0644) stays readable when a private umask rewrites it.
    umask(0o077)
    tmtool("--tm", tm_path, "report", "--doc", DOC, "-o", tmp_path / "report.html")
    tmtool("--tm", tm_path, "tm", "export", "-o", tmp_path / "private.tsv")
    assert (mode(tmp_path / "report.html"), mode(tmp_path / "private.tsv")) == (0o644, 0o600)
    assert leftovers(tmp_path) == []


def test_translate_o_follows_the_umask(tmp_path, tm_path, tiny_model, umask, tmtool):
    umask(0o027)
    tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, "-o", tmp_path / "article.en.txt")
    assert mode(tmp_path / "article.en.txt") == 0o640
    assert leftovers(tmp_path) == []


def test_a_write_the_system_refuses_is_one_line_and_leaves_no_temporary_file(tmp_path):
    # A real failing write: the file-size limit (RLIMIT_FSIZE) stops it half way, as a full disk would.
    text = tmp_path / "long.txt"
    text.write_text("Kalimat yang cukup panjang untuk mengisi berkas. " * 4000, encoding="utf-8")
    out = tmp_path / "out" / "segments.txt"
    out.parent.mkdir()
    out.write_text("lama\n")
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))\n"
            "from tmtool.cli import cli\n"
            "cli.main(sys.argv[1:], prog_name='tmtool')\n")
    r = subprocess.run([sys.executable, "-c", code, "segment", str(text), "-o", str(out)], capture_output=True,
                       text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")}, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.strip() == f"Error: cannot write {out}: File too large"
    assert out.read_text() == "lama\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["segments.txt"]  # the old one leaked .tmtool-*
