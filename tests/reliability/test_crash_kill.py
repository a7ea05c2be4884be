"""kill -9 at seeded random moments of `tm import` and of `review` (issue 5, item 3).

After every kill: PRAGMA integrity_check is ok, an import is all or nothing, every decision the
reviewer saw confirmed is stored with its history row, and the next run completes.
(`translate` is killed the same way in test_translate_processes.py.)
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time

import pytest
from reliability_support import (
    check_memory, drop_memory, query, review_decisions, review_doc, run_tmtool, seed_memory, tmtool_cmd,
)

pytestmark = pytest.mark.slow
SEED = 20261205


def _tmx(n: int) -> str:
    rng = random.Random(SEED)
    words = ["rumah", "besar", "presiden", "kota", "makan", "baru", "jalan", "air", "hujan", "pagi"]
    tus = "".join(
        f'<tu tuid="{i}"><prop type="x-note">n{i}</prop><tuv xml:lang="id"><seg>'
        + " ".join(rng.choice(words) for _ in range(10)) + f' {i}.</seg></tuv><tuv xml:lang="en"><seg>'
        f"Sentence {i} <ph x=\"1\">&lt;br/&gt;</ph> of the big file.</seg></tuv></tu>\n"
        for i in range(n)
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="t" '
            'creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="id" '
            f'datatype="plaintext"/><body>\n{tus}</body></tmx>\n')


def _kill_after(cmd, delay: float, **popen) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
    try:
        proc.wait(timeout=delay)  # it may finish first: that is a moment too
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return proc


@pytest.fixture
def tm_path(memory_location):
    """Every memory of this module is once a SQLite file, once a PostgreSQL server's (issue 15)."""
    return memory_location


def _fuzzy_index_consistent(tm) -> None:
    mark = query(tm, "SELECT coalesce(max(value), 0) FROM fuzzy_state WHERE key = 'watermark'")[0][0]
    top = query(tm, "SELECT coalesce(max(id), 0) FROM units")[0][0]
    assert mark <= top  # the index never claims units that are not there


def test_kill_9_during_tm_import_is_all_or_nothing(tm_path, tmp_path, new_memory_location):
    n = 15_000
    big = tmp_path / "big.tmx"
    big.write_text(_tmx(n), encoding="utf-8")
    seed_memory(tm_path, tmp_path)
    base = check_memory(tm_path)
    # How long a whole import takes here, so that the kills land inside it.
    started = time.perf_counter()
    r = run_tmtool(new_memory_location("scratch"), "tm", "import", big, timeout=300)
    assert r.returncode == 0, r.stderr
    whole = time.perf_counter() - started

    rng = random.Random(SEED)
    cmd = tmtool_cmd(tm_path, "tm", "import", big)
    seen = set()
    for _ in range(5):
        _kill_after(cmd, rng.uniform(0.2, 1.0) * whole)
        units = check_memory(tm_path)
        assert units in (base, base + n), f"half an import: {units - base} of {n} units"
        seen.add(units)
        _fuzzy_index_consistent(tm_path)
        if units == base + n:  # it finished before the kill: start again from the seed
            drop_memory(tm_path)
            seed_memory(tm_path, tmp_path)
    assert base in seen  # at least one kill landed inside the import
    r = run_tmtool(tm_path, "tm", "import", big, timeout=300)  # the next run completes
    assert r.returncode == 0 and f"{n} added" in r.stdout, r.stderr
    assert check_memory(tm_path) == base + n
    r = run_tmtool(tm_path, "tm", "search", "Sentence", "--concordance", "--limit", "1")
    assert r.returncode == 0, r.stderr


def _review_and_kill(tm, name: str, rng: random.Random, answers: int) -> int:
    """Drive `tmtool review` with "a" answers typed one by one; kill it at a random moment.
    Returns how many approvals it had confirmed on screen before it died."""
    proc = subprocess.Popen(tmtool_cmd(tm, "review", "--doc", name), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    confirmed = []
    started = threading.Event()

    def read():
        for line in proc.stdout:
            if "pairs to review" in line:
                started.set()
            if "-> approved" in line:
                confirmed.append(line)
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert started.wait(60), "review did not start"
    deadline = time.monotonic() + 60
    try:
        for _ in range(answers):
            proc.stdin.write("a\n")
            proc.stdin.flush()
            time.sleep(rng.uniform(0.0, 0.04))  # typed slowly, at an uneven pace
            if time.monotonic() > deadline:
                break
    except BrokenPipeError:
        pass
    time.sleep(rng.uniform(0.0, 0.05))  # the last answer may be on its way to the disk
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join(timeout=10)
    return len(confirmed)


def test_kill_9_during_review_keeps_every_confirmed_decision(tm_path, tmp_path):
    n = 40
    name = review_doc(tm_path, tmp_path, n)
    rng = random.Random(SEED)
    last, kept = 0, []
    for _ in range(4):
        shown = _review_and_kill(tm_path, name, rng, rng.randint(2, 12))
        check_memory(tm_path)
        approved, history, orphans = review_decisions(tm_path)
        assert orphans == 0, "an approval without its history row: half a decision"
        assert history == approved  # and no history row without its approval
        assert approved >= last + shown, "a decision shown on screen was lost"
        kept.append(approved - last)
        last = approved
    assert sum(kept) > 0 and last < n  # the kills landed inside the reviews
    # The next review starts at the first undecided pair and completes the document.
    r = run_tmtool(tm_path, "review", "--doc", name, input="a\n" * n, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Nothing left to review" in r.stdout
    assert review_decisions(tm_path) == (n, n, 0)
