"""Helpers of the Ray tests (issue 16): the skip rule, small Ray instances, a corpus, a reference run."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

#: Ray kept small: two CPUs, a small object store, no dashboard, worker logs not on our stderr.
RAY_LIMITS = dict(object_store_memory=100 * 1024 * 1024, include_dashboard=False, log_to_driver=False,
                  logging_level=logging.ERROR)


def require_ray():
    """``import ray``, or skip the module; in CI (CI=true) a missing ray fails instead."""
    try:
        import ray
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("ray is not installed (pip install -e '.[ray]'; make test installs it)", allow_module_level=True)
    return ray


def write_corpus(root: Path, n_docs: int = 4, per_doc: int = 12) -> list[Path]:
    """``n_docs`` documents of one-line sentences, every third one shared by all documents."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in range(n_docs):
        lines = [f"Kalimat umum nomor {i} ada di sini." if i % 3 == 0 else f"Dokumen {d} kalimat {i} di Jakarta."
                 for i in range(per_doc)]
        path = root / f"doc{d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def distinct_sources(n_docs: int = 4, per_doc: int = 12) -> int:
    shared = len(range(0, per_doc, 3))
    return shared + n_docs * (per_doc - shared)


def translated_alone(corpus: list[Path], model: Path, memory, batch_size: int = 1) -> dict[str, str]:
    """The corpus translated in this process (no Ray), by the library: name -> English."""
    from tmtool.batch import DocumentInput, read_documents, translate_documents
    from tmtool.memory import open_memory
    from tmtool.segment import Segmenter
    from tmtool.translate import get_translator

    docs, _ = read_documents([DocumentInput(p, p.name) for p in corpus], Segmenter())
    with open_memory(memory) as tm:
        result = translate_documents(docs, tm, lambda: get_translator("ct2", model=str(model), threads=1),
                                     batch_size=batch_size)
    return {r.document: r.text for r in result.documents}


def check_stored_once(memory, expected_units: int, names: list[str]) -> None:
    """Every source is stored exactly once, and every segment of every document is linked to it."""
    from tmtool.memory import open_memory

    with open_memory(memory) as tm:
        units = list(tm.iter_units())
        assert len(units) == len({u.source for u in units}) == expected_units
        assert sorted(d.name for d in tm.documents()) == sorted(names)
        for name in names:
            assert all(p.unit is not None and p.unit.source == p.segment.text for p in tm.pairs(name))
