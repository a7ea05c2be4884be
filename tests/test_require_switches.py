"""The switches that make a missing part fail the suite instead of skipping its tests (issue 15):
``TMTOOL_REQUIRE_CT2=1`` for ctranslate2 (the ct2 backend's ~30 tests), ``TMTOOL_REQUIRE_PG=1``
for a PostgreSQL server; ``CI=true`` implies both (.ci/run sets them).

Each case runs pytest in its own process on real test files of this suite, with ctranslate2
hidden (a plugin puts ``None`` in ``sys.modules``, so importing it fails as if not installed).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO

# A test module that needs ctranslate2 as a whole, and one test that asks for it inside.
MODULE = "tests/test_ct2.py"
FUNCTION = "tests/test_threads.py::test_the_ct2_engine_runs_with_the_threads_asked_for"


def _pytest(tmp_path, *targets, **env) -> subprocess.CompletedProcess:
    (tmp_path / "hide_ct2.py").write_text('import sys\n\nsys.modules["ctranslate2"] = None\n', encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "TMTOOL_REQUIRE_CT2", "PYTHONPATH")}
    path = os.pathsep.join([str(tmp_path), str(REPO / "src"), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "hide_ct2", *targets],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**clean, "PYTHONPATH": path, **env},
    )


@pytest.mark.slow
def test_a_missing_ctranslate2_skips_by_default(tmp_path, tiny_model):
    r = _pytest(tmp_path, MODULE, FUNCTION)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "could not import ctranslate2" in r.stdout and "failed" not in r.stdout and "error" not in r.stdout
    assert "2 skipped" in r.stdout  # the module (once, at collection) and the function


@pytest.mark.slow
@pytest.mark.parametrize("switch", [{"TMTOOL_REQUIRE_CT2": "1"}, {"CI": "true"}], ids=["REQUIRE_CT2", "CI"])
def test_a_missing_ctranslate2_fails_with_the_switch(tmp_path, tiny_model, switch):
    r = _pytest(tmp_path, "--continue-on-collection-errors", MODULE, FUNCTION, **switch)
    assert r.returncode == 1, r.stdout + r.stderr
    message = "TMTOOL_REQUIRE_CT2=1 (or CI=true) but ctranslate2 cannot be imported"
    assert r.stdout.count(message) >= 2, r.stdout  # at collection, and inside a test
    assert "1 failed" in r.stdout and "1 error" in r.stdout and "skipped" not in r.stdout, r.stdout


def test_ci_implies_both_switches(monkeypatch):
    from conftest import required

    for var in ("CI", "TMTOOL_REQUIRE_CT2", "TMTOOL_REQUIRE_PG"):
        monkeypatch.delenv(var, raising=False)
    assert not required("TMTOOL_REQUIRE_CT2") and not required("TMTOOL_REQUIRE_PG")
    monkeypatch.setenv("TMTOOL_REQUIRE_CT2", "1")
    assert required("TMTOOL_REQUIRE_CT2") and not required("TMTOOL_REQUIRE_PG")
    monkeypatch.delenv("TMTOOL_REQUIRE_CT2")
    monkeypatch.setenv("CI", "true")
    assert required("TMTOOL_REQUIRE_CT2") and required("TMTOOL_REQUIRE_PG")


def test_ci_sets_the_switches():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "export TMTOOL_REQUIRE_PG=1" in ci and "export TMTOOL_REQUIRE_CT2=1" in ci
