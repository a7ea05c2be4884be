"""Real processes: several translators on one memory at once, and kill -9 at random moments."""

from __future__ import annotations

import random
import signal
import subprocess
import time

import pytest

from conftest import ARTICLE, ARTICLE_EN
from reliability_support import check_memory, memory_exists, tmtool_cmd as tmtool

pytestmark = pytest.mark.slow


@pytest.fixture
def tm_path(memory_location):
    """Once a SQLite file, once a PostgreSQL server's memory (issue 15)."""
    return memory_location


def test_parallel_translations_of_one_memory_all_succeed(tm_path, tiny_model, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Selamat pagi.\nApa kabar?\n", encoding="utf-8")
    jobs = [
        (ARTICLE, tmp_path / "a.txt"),
        (ARTICLE, tmp_path / "b.txt"),
        (other, tmp_path / "c.txt"),
    ]
    procs = [
        subprocess.Popen(
            tmtool(tm_path, "translate", src, "--model", tiny_model, "--batch-size", "2", "-o", out,
                   "--doc", f"doc{i}"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i, (src, out) in enumerate(jobs)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == ARTICLE_EN.read_text(encoding="utf-8")
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == ARTICLE_EN.read_text(encoding="utf-8")
    assert (tmp_path / "c.txt").read_text(encoding="utf-8") == "Good morning.\nHow are you?\n"
    assert check_memory(tm_path) == 22  # 20 article pairs stored once, however many wrote them


def test_kill_9_at_random_moments_never_costs_a_committed_translation(tm_path, tiny_model, tmp_path):
    lines = [f"Kalimat percobaan nomor {i} untuk memori." for i in range(120)]
    doc = tmp_path / "doc.txt"
    doc.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cmd = tmtool(tm_path, "translate", doc, "--model", tiny_model, "--batch-size", "1", "-o", tmp_path / "out.txt")
    rng = random.Random(20261128)
    kept = 0
    for _ in range(3):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 7.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if memory_exists(tm_path):
            now = check_memory(tm_path)
            assert now >= kept  # nothing committed before is ever lost
            kept = now
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # What the killed run committed is this document's own earlier machine translation (issue 14).
    own = f" ({kept} of them this document's own earlier machine translation)" if kept else ""
    assert f"{kept} reused from the TM{own}, {120 - kept} translated by the model" in done.stderr
    assert check_memory(tm_path) == 120  # every line now has exactly one unit
    assert len((tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()) == 120
