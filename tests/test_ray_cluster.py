"""`tmtool translate --ray` on a simulated two-node cluster (Ray's own ``ray.cluster_utils.Cluster``,
as Ray's tests use it): a node whose worker cannot load the model, and a node lost mid-job."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest
from conftest import require_ct2
from click.testing import CliRunner
from ray_support import RAY_LIMITS, check_stored_once, distinct_sources, require_ray, translated_alone, write_corpus

from tmtool.cli import cli
from tmtool.memory import open_memory

require_ct2(allow_module_level=True)
ray = require_ray()
pytestmark = [pytest.mark.ray, pytest.mark.ct2]

#: A node whose tmtool cache cannot be written: its worker cannot receive the model.
UNWRITABLE = "/proc/tmtool-cache"
NODE = dict(num_cpus=1, object_store_memory=RAY_LIMITS["object_store_memory"])


@pytest.fixture(scope="module")
def cluster(tmtool_cache, tiny_model):
    """A head node and one worker node of one CPU each, on this machine; this process connected."""
    from ray.cluster_utils import Cluster

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMTOOL_CACHE", str(tmtool_cache))
        c = Cluster(initialize_head=True, head_node_args={**NODE, "include_dashboard": False})
        c.broken = c.add_node(**NODE, env_vars={"TMTOOL_CACHE": UNWRITABLE})
        ray.init(address=c.address, log_to_driver=False, logging_level=RAY_LIMITS["logging_level"])
    try:
        yield c
    finally:
        ray.shutdown()
        c.shutdown()


def test_a_worker_that_cannot_load_the_model_is_named_in_one_line(cluster, tiny_model, memory_location, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("Selamat pagi.\nApa kabar?\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["--tm", str(memory_location), "translate", str(doc), "--model", str(tiny_model),
                                 "--ray", "auto", "--workers", "2"])
    assert r.exit_code == 1, r.output
    node = cluster.broken.node_id
    assert r.output.strip().splitlines() == [
        f"Error: the Ray worker on node {cluster.broken.node_ip_address} ({node[:12]}) cannot load "
        f"{tiny_model}: cannot write the model to {UNWRITABLE}/ray-models: No such file or directory"
    ]
    if isinstance(memory_location, Path) and not memory_location.exists():
        return  # never even created
    with open_memory(memory_location) as tm:
        assert tm.documents() == [] and tm.count_units() == 0


def test_a_node_lost_mid_job_costs_nothing(cluster, tiny_model, tmp_path):
    from tmtool.batch import DocumentInput, read_documents, translate_documents
    from tmtool.segment import Segmenter
    from tmtool.translate.ray_backend import RayTranslator

    cluster.remove_node(cluster.broken)
    second = cluster.add_node(**NODE)
    corpus = write_corpus(tmp_path / "docs")
    expected = translated_alone(corpus, tiny_model, tmp_path / "alone.sqlite", batch_size=2)
    engines, lost = [], []

    def load():
        engines.append(RayTranslator(str(tiny_model), address="auto", workers=2))
        return engines[0]

    def progress(done, total):
        if done and not lost:  # a batch is stored; the second node goes down with its actor
            assert {w["node"] for w in engines[0].worker_info} == {cluster.head_node.node_id, second.node_id}
            cluster.remove_node(second, allow_graceful=False)
            # A machine that dies takes all its processes at once; remove_node stops the node's
            # services, and its actor's worker process would otherwise outlive them a moment and
            # might finish the batches in hand.
            for w in engines[0].worker_info:
                if w["node"] == second.node_id:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(w["pid"], signal.SIGKILL)
            lost.append(second)

    docs, _ = read_documents([DocumentInput(p, p.name) for p in corpus], Segmenter())
    with open_memory(tmp_path / "tm.sqlite") as tm:
        result = translate_documents(docs, tm, load, batch_size=2, progress=progress)
    assert lost and engines[0].retried >= 1
    assert {r.document: r.text for r in result.documents} == expected
    check_stored_once(tmp_path / "tm.sqlite", distinct_sources(), [p.name for p in corpus])
