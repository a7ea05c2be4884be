"""`tmtool translate --ray` on a real local Ray instance (issue 16): the translations of one
process, each source stored once, a SIGKILLed actor's batches retried, Ctrl-C.

One Ray instance (2 CPUs, a small object store) serves the module; `--ray` finds it already
connected in this process, and the Ctrl-C test's own process joins it by address.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import ARTICLE, require_ct2
from ray_support import RAY_LIMITS, check_stored_once, distinct_sources, require_ray, translated_alone, write_corpus
from test_output_limits import expected_cut, variants  # noqa: F401 (a fixture)

from tmtool.cli import cli

require_ct2(allow_module_level=True)
ray = require_ray()
pytestmark = [pytest.mark.ray, pytest.mark.ct2]

BATCH = "2"  # small batches: many of them, spread over both actors


@pytest.fixture(scope="module")
def ray_address(tmtool_cache, tiny_model):
    """A local Ray instance for the module; its workers see the session's tmtool cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMTOOL_CACHE", str(tmtool_cache))
        # "local": a new instance even where `ray start` left a cluster (ray.init() would join it).
        ray.init(address="local", num_cpus=2, **RAY_LIMITS)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tiny_model, tmtool_cache):
    """The corpus, and its translation by one process (no Ray) through a memory of its own."""
    root = tmp_path_factory.mktemp("ray-corpus")
    corpus = write_corpus(root / "docs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMTOOL_CACHE", str(tmtool_cache))
        return corpus, translated_alone(corpus, tiny_model, root / "alone.sqlite", batch_size=int(BATCH))


def test_ray_gives_one_process_translations_byte_for_byte(ray_address, reference, tiny_model, memory_location,
                                                          tmp_path):
    corpus, expected = reference
    r = CliRunner().invoke(cli, ["--tm", str(memory_location), "translate", *map(str, corpus), "--model",
                                 str(tiny_model), "--ray", "local", "--workers", "2", "--batch-size", BATCH,
                                 "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    for path in corpus:
        assert (tmp_path / "out" / path.name).read_text(encoding="utf-8") == expected[path.name]
    total = len(corpus) * 12
    assert r.stderr.splitlines()[-1].startswith(
        f"total: 4 documents, {total} segments, 0 reused from the TM, {total} translated by the model "
        f"({distinct_sources()} distinct)")
    check_stored_once(memory_location, distinct_sources(), [p.name for p in corpus])
    assert all_cpus_free()  # the actors are gone


def test_a_cut_short_translation_is_marked_on_ray_as_in_one_process(ray_address, variants, tiny_translator,
                                                                   tmp_path):
    """The actors say which translations ran into the output limit: the driver marks them and
    says so as one process does (issue 14 on the Ray path)."""
    cut = expected_cut(tiny_translator)
    args = ["translate", str(ARTICLE), "--model", str(variants["small-max-length"]), "--compute-type", "float32",
            "--format", "jsonl"]
    alone = CliRunner().invoke(cli, ["--tm", str(tmp_path / "alone.sqlite"), *args, "--backend", "ct2"])
    on_ray = CliRunner().invoke(cli, ["--tm", str(tmp_path / "ray.sqlite"), *args, "--ray", "local",
                                      "--workers", "1"])
    assert alone.exit_code == 0 and on_ray.exit_code == 0, alone.output + on_ray.output
    rows = [json.loads(line) for line in on_ray.stdout.splitlines()]
    assert [i for i, row in enumerate(rows) if row["truncated"]] == cut
    assert rows == [json.loads(line) for line in alone.stdout.splitlines()]
    numbers = ", ".join(str(i + 1) for i in cut)
    assert f"note: segments {numbers}: the model stopped at its output limit (16 tokens)" in on_ray.stderr
    assert f", {len(cut)} cut short at the model's output limit," in on_ray.stderr
    with sqlite3.connect(tmp_path / "ray.sqlite") as db:
        assert db.execute("SELECT count(*) FROM units WHERE props LIKE '%truncated%'").fetchone()[0] == len(
            {rows[i]["tu_id"] for i in cut})


@pytest.mark.parametrize("args, message", [
    (["--workers", "3"], "3 workers need 3 CPU (1 per worker) but the local Ray instance has 2 CPU; ask for "
                         "fewer --workers or --threads"),
    (["--device", "cuda"], "1 worker needs 1 GPU (1 per worker) but the local Ray instance has 0 GPU; ask for "
                           "fewer --workers"),
])
def test_more_than_the_local_instance_has_is_refused_at_once(ray_address, tiny_model, tmp_path, args, message):
    doc = tmp_path / "a.txt"
    doc.write_text("Selamat pagi.\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["--tm", str(tmp_path / "tm.sqlite"), "translate", str(doc), "--model",
                                 str(tiny_model), "--ray", "local", *args])
    assert r.exit_code == 2 and r.output.strip().splitlines() == [f"Error: {message}"]


def test_sigkill_of_an_actor_mid_job_retries_its_batches(ray_address, reference, tiny_model, memory_location):
    engine = kill_an_actor_mid_job(reference, tiny_model, memory_location, workers=2)
    assert engine.retried >= 1  # its batches went to the other actor (or to its replacement)


def test_the_only_actor_killed_is_replaced_and_the_job_finishes(ray_address, reference, tiny_model, tmp_path):
    engine = kill_an_actor_mid_job(reference, tiny_model, tmp_path / "tm.sqlite", workers=1)
    assert engine.retried >= 1 and engine.replaced == 1
    assert len({w["pid"] for w in engine.worker_info}) == 2


def kill_an_actor_mid_job(reference, tiny_model, memory, workers: int):
    """Translate the corpus with ``workers`` actors, SIGKILLing one once the first batch is
    stored; check that nothing is lost or stored twice, and return the engine."""
    from tmtool.batch import DocumentInput, read_documents, translate_documents
    from tmtool.memory import open_memory
    from tmtool.segment import Segmenter
    from tmtool.translate.ray_backend import RayTranslator

    corpus, expected = reference
    engines, killed = [], []

    def load():
        engines.append(RayTranslator(str(tiny_model), address="local", workers=workers))
        return engines[0]

    def progress(done, total):
        if done and not killed:  # the first batch is stored: kill an actor that has batches in hand
            pid = engines[0].worker_info[0]["pid"]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    docs, _ = read_documents([DocumentInput(p, p.name) for p in corpus], Segmenter())
    with open_memory(memory) as tm:
        result = translate_documents(docs, tm, load, batch_size=int(BATCH), progress=progress)
    assert killed
    assert {r.document: r.text for r in result.documents} == expected
    assert result.translated == 48 and result.distinct_translated == distinct_sources()
    check_stored_once(memory, distinct_sources(), [p.name for p in corpus])
    return engines[0]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9-driver"])
def test_a_stopped_driver_frees_the_actors_and_keeps_the_finished_batches(ray_address, tiny_model, tmp_path, sig):
    """Ctrl-C: the driver stops its actors and says Aborted!; kill -9: Ray ends the dead driver's
    actors. Either way the batches stored are kept and the rerun (without Ray) does the rest."""
    lines = [f"Selamat pagi nomor {i}." for i in range(300)]
    doc = tmp_path / "long.txt"
    doc.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tm_path = tmp_path / "tm.sqlite"
    cmd = [sys.executable, "-m", "tmtool", "--tm", str(tm_path), "translate", str(doc), "--model",
           str(tiny_model), "--batch-size", "1", "-o", str(tmp_path / "out.txt")]
    # Its own process joins the module's Ray instance by address, as a driver on a cluster does.
    proc = subprocess.Popen(cmd + ["--ray", ray_address, "--workers", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and _units(tm_path) < 4:
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be stopped: " + proc.stderr.read().decode()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert proc.returncode == 1, err.decode()
        assert err.decode().strip().endswith("Aborted!")
    else:
        assert proc.returncode == -signal.SIGKILL
    assert all_cpus_free(60)  # the actors were stopped
    kept = _units(tm_path)
    assert 4 <= kept < 300
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # What the stopped run stored is this document's own earlier MT, and the rerun says so (issue 14).
    assert (f"{kept} reused from the TM ({kept} of them this document's own earlier machine translation), "
            f"{300 - kept} translated by the model") in done.stderr


def all_cpus_free(timeout: float = 30) -> bool:
    """Whether the instance's 2 CPUs are free again (Ray releases a dead actor's a moment later)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and ray.available_resources().get("CPU") != 2:
        time.sleep(0.1)
    return ray.available_resources().get("CPU") == 2


def _units(tm_path) -> int:
    try:
        with sqlite3.connect(tm_path) as db:
            return db.execute("SELECT count(*) FROM units").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
