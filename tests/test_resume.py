"""A translation killed half-way keeps its finished batches; the next run does only the rest."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tmtool import SQLiteMemory, translate_document
from tmtool.translate import Translator


class Crashing(Translator):
    """Translates two batches, then fails as a killed process would."""

    model_id = "crashing"

    def __init__(self):
        self.calls = 0

    def translate_batch(self, texts):
        self.calls += 1
        if self.calls > 2:
            raise KeyboardInterrupt
        return [f"EN {t}" for t in texts]


class Counting(Translator):
    model_id = "counting"

    def __init__(self):
        self.seen = []

    def translate_batch(self, texts):
        self.seen += texts
        return [f"EN {t}" for t in texts]


def document(n: int) -> str:
    return "\n".join(f"Kalimat nomor {i} ada di sini." for i in range(n)) + "\n"


def test_interrupted_run_keeps_committed_batches_and_resumes(tm_path):
    text = document(10)
    with SQLiteMemory(tm_path) as tm:
        with pytest.raises(KeyboardInterrupt):
            translate_document(text, tm, Crashing, name="doc", batch_size=3)
        assert tm.count_units() == 6
        assert tm.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        engine = Counting()
        result = translate_document(text, tm, lambda: engine, name="doc", batch_size=3)
        assert len(engine.seen) == 4
        assert (result.reused, result.translated) == (6, 4)
        assert result.text == "".join(f"EN Kalimat nomor {i} ada di sini.\n" for i in range(10))


def _translating(tm_path, tiny_model, tmp_path) -> tuple[subprocess.Popen, list[str]]:
    """A real `tmtool translate` of 300 one-line segments, batch by batch, returned once at least
    4 batches are committed; and its command line."""
    lines = [f"Selamat pagi nomor {i}." for i in range(300)]
    doc = tmp_path / "long.txt"
    doc.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "tmtool", "--tm", str(tm_path), "translate", str(doc),
           "--model", str(tiny_model), "--batch-size", "1", "-o", str(tmp_path / "out.txt")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if tm_path.exists() and sqlite3.connect(tm_path).execute("SELECT count(*) FROM units").fetchone()[0] >= 4:
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "translation finished before it could be stopped: " + proc.stderr.read().decode()
    return proc, cmd


def _kept_and_resumed(tm_path, cmd) -> int:
    """The memory is intact; the next run reuses what was kept and translates the rest."""
    db = sqlite3.connect(tm_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = db.execute("SELECT count(*) FROM units").fetchone()[0]
    db.close()
    assert 4 <= kept < 300
    done = subprocess.run(cmd + ["--format", "jsonl"], capture_output=True, text=True, check=True)
    # What the killed run committed is this document's own earlier machine translation (issue 14).
    own = f" ({kept} of them this document's own earlier machine translation)" if kept else ""
    assert f"{kept} reused from the TM{own}, {300 - kept} translated by the model" in done.stderr
    return kept


@pytest.mark.slow
def test_kill_9_during_translation(tm_path, tiny_model, tmp_path):
    """A real process, killed with SIGKILL once some batches are committed."""
    proc, cmd = _translating(tm_path, tiny_model, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _kept_and_resumed(tm_path, cmd)


@pytest.mark.slow
def test_ctrl_c_during_translation_stops_after_the_batch_and_exits_cleanly(tm_path, tiny_model, tmp_path):
    """SIGINT while the engine works in its own thread: the batch in hand finishes, the process
    says Aborted! and exits 1 (not a crash of CTranslate2 during Python's exit), the memory is
    intact and the next run translates only the rest."""
    proc, cmd = _translating(tm_path, tiny_model, tmp_path)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err.decode()
    assert err.decode().strip().endswith("Aborted!")
    _kept_and_resumed(tm_path, cmd)
