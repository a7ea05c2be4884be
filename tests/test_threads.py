"""Threads: a default that leaves a core free, applied to whichever engine runs."""

from __future__ import annotations

import pytest
from conftest import require_ct2

from tmtool.translate import base, default_threads, get_translator


@pytest.mark.parametrize(("cores", "threads"), [(1, 1), (2, 1), (4, 3), (16, 8)])
def test_the_default_leaves_one_core_free_and_stays_below_nine(monkeypatch, cores, threads):
    monkeypatch.setattr(base.os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert default_threads() == threads


def test_the_transformers_engine_runs_with_the_threads_asked_for(tiny_model):
    import torch

    before = torch.get_num_threads()
    try:
        t = get_translator("transformers", model=str(tiny_model), device="cpu", threads=1)
        assert t.threads == 1 and torch.get_num_threads() == 1
        t = get_translator("transformers", model=str(tiny_model), device="cpu")
        assert t.threads == default_threads() == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


@pytest.mark.ct2
def test_the_ct2_engine_runs_with_the_threads_asked_for(tiny_model):
    require_ct2()
    t = get_translator("ct2", model=str(tiny_model), device="cpu", threads=1)
    assert t.threads == 1
    assert get_translator("ct2", model=str(tiny_model), device="cpu").threads == default_threads()

