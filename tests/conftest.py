"""Shared fixtures: an isolated environment, a temporary TM, and the tiny real MarianMT model."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
ARTICLE = EXAMPLES / "antara-2022-09-15-xi-aliyev.id.txt"
ARTICLE_EN = EXAMPLES / "antara-2022-09-15-xi-aliyev.en.txt"
ARTICLE_EN_SENTENCES = EXAMPLES / "antara-2022-09-15-xi-aliyev.en.sentences.txt"
MODEL_CACHE = REPO / ".cache" / "models"


def load_script(name: str):
    """Import ``scripts/NAME.py`` as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Each test runs in its own directory, with no TM or model settings from the user and no
    network: the Hugging Face cache is an empty temporary folder and HF_HUB_OFFLINE is on."""
    monkeypatch.chdir(tmp_path)
    for var in ("TMTOOL_TM", "TMTOOL_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


@pytest.fixture
def tm_path(tmp_path) -> Path:
    return tmp_path / "tm" / "tm.sqlite"


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """A real MarianMT that reproduces the example article's reference translation.

    Built once (well under a minute on 2 cores) and cached under .cache/models, keyed by its
    training data and builder, so later runs reuse it.
    """
    builder = load_script("build_tiny_model")
    return builder.cached_tiny_model(MODEL_CACHE)


@pytest.fixture(scope="session")
def tiny_translator(tiny_model):
    """One loaded translator shared by the library-level tests (loading takes seconds)."""
    from tmtool.translate import get_translator

    return get_translator("transformers", model=str(tiny_model), device="cpu")
