"""Shared fixtures: an isolated environment, a temporary TM, and the tiny real MarianMT model."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
ARTICLE = EXAMPLES / "antara-2022-09-15-xi-aliyev.id.txt"
ARTICLE_EN = EXAMPLES / "antara-2022-09-15-xi-aliyev.en.txt"
ARTICLE_EN_SENTENCES = EXAMPLES / "antara-2022-09-15-xi-aliyev.en.sentences.txt"
MODEL_CACHE = REPO / ".cache" / "models"


def required(switch: str) -> bool:
    """Whether a missing part must fail the suite rather than skip tests: ``switch=1`` (e.g.
    ``TMTOOL_REQUIRE_CT2``, ``TMTOOL_REQUIRE_PG``), which ``CI=true`` implies (.ci/run sets both)."""
    return os.environ.get(switch) == "1" or os.environ.get("CI", "").lower() == "true"


def require_ct2(reason: str = "the ct2 extra is not installed (make test installs it)", *,
                allow_module_level: bool = False):
    """``import ctranslate2``, or skip; with ``TMTOOL_REQUIRE_CT2=1`` (or ``CI=true``) fail instead,
    so that CI never passes with the ct2 tests silently skipped (issue 15)."""
    try:
        import ctranslate2
    except ImportError as e:
        if required("TMTOOL_REQUIRE_CT2"):
            pytest.fail(f"TMTOOL_REQUIRE_CT2=1 (or CI=true) but ctranslate2 cannot be imported ({e}): {reason}",
                        pytrace=False)
        pytest.skip(f"{reason} (could not import ctranslate2: {e})", allow_module_level=allow_module_level)
    return ctranslate2


def load_script(name: str):
    """Import ``scripts/NAME.py`` as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def pytest_collection_modifyitems(config, items):
    """Mark the fault suite (tests/reliability) so that CI's newest-releases stage can leave out
    its PostgreSQL half (the locked stage runs all of it)."""
    for item in items:
        if "reliability" in item.path.parts:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture(scope="session")
def tmtool_cache(tmp_path_factory) -> Path:
    """tmtool's own cache (converted CTranslate2 models), shared by the session's tests."""
    return tmp_path_factory.mktemp("tmtool-cache")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, tmtool_cache):
    """Each test runs in its own directory, with no TM or model settings from the user and no
    network: the Hugging Face cache is an empty temporary folder and HF_HUB_OFFLINE is on.
    Converted models go to a session-wide temporary cache, never to the user's."""
    if os.environ.get("PYTHONPATH"):  # `PYTHONPATH=src pytest`: tmtool processes run these sources too
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
            os.path.abspath(p) for p in os.environ["PYTHONPATH"].split(os.pathsep) if p))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMTOOL_CACHE", str(tmtool_cache))
    for var in ("TMTOOL_TM", "TMTOOL_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


class Clock:
    """The memory's clock, set by a test: ``clock.set("2999-01-01T00:00:00Z")``."""

    def set(self, stamp: str) -> None:
        from tmtool.memory.core import set_clock

        set_clock(lambda: stamp)


@pytest.fixture
def clock():
    """Fix the time every stored stamp gets (tmtool.memory.core.now); the real clock after the test."""
    from tmtool.memory.core import set_clock

    yield Clock()
    set_clock(None)


@pytest.fixture
def tm_path(tmp_path) -> Path:
    return tmp_path / "tm" / "tm.sqlite"


@pytest.fixture(scope="session")
def tiny_model(tmtool_cache) -> Path:
    """A real MarianMT that reproduces the example article's reference translation.

    Built once (well under a minute on 2 cores) and cached under .cache/models, keyed by its
    training data and builder, so later runs reuse it. When the ct2 backend is installed it is
    also converted for it up front, so that no test's output starts with the one-time
    conversion message (test_ct2.py tests that message on a copy).
    """
    builder = load_script("build_tiny_model")
    model = builder.cached_tiny_model(MODEL_CACHE)
    if importlib.util.find_spec("ctranslate2") is not None:
        from tmtool.translate import ct2

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TMTOOL_CACHE", str(tmtool_cache))
            ct2.convert_model(str(model), "auto")
    return model


@pytest.fixture(scope="session")
def tiny_translator(tiny_model):
    """One loaded translator shared by the library-level tests (loading takes seconds)."""
    from tmtool.translate import get_translator

    return get_translator("transformers", model=str(tiny_model), device="cpu")


# -- the command line (issue 15) -----------------------------------------------------------


def run_cli(*args, input: str | bytes | None = None, check: bool = True, code: int | None = None,
            env: dict | None = None):
    """Run ``tmtool ARGS...`` in this process (click's runner) and return its result:
    ``exit_code``, ``stdout``, ``stderr``, ``output``.

    With ``check`` (the default) a non-zero exit fails the test with the command's output;
    ``code=N`` expects exit code N instead; ``check=False`` expects nothing. A traceback is never
    an outcome: an exception other than an exit is raised in the test, as with
    ``catch_exceptions=False``. For helpers outside tests; tests take the ``tmtool`` fixture.
    """
    from click.testing import CliRunner

    from tmtool.cli import cli

    argv = [str(a) for a in args]
    result = CliRunner().invoke(cli, argv, input=input, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception.with_traceback(result.exc_info[2])
    expected = code if code is not None else (0 if check else None)
    if expected is not None and result.exit_code != expected:
        raise AssertionError(f"tmtool {' '.join(argv)}: exit code {result.exit_code}, expected {expected}\n"
                             f"{result.output}")
    return result


@pytest.fixture
def tmtool():
    """The CLI runner: ``tmtool("--tm", tm, "translate", doc, check=False)`` -> a result with
    exit_code, stdout and stderr (see :func:`run_cli`)."""
    return run_cli


# -- PostgreSQL (issue 7) -------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server():
    """The URL of an empty database on a PostgreSQL server, for this test session.

    The server is ``TMTOOL_TEST_PG`` (a postgresql:// URL of a role that may create databases)
    if set, else a throwaway cluster started here from the installed binaries (see
    tests/pgserver.py) and stopped at the end. Without either the PostgreSQL tests are skipped;
    with ``TMTOOL_REQUIRE_PG=1`` or ``CI=true`` they fail instead.
    """
    import pgserver

    cluster = None
    name = f"tmtool_test_{os.getpid()}"
    try:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise pgserver.Unavailable("psycopg is not installed (pip install -e '.[postgres]')") from None
        server = os.environ.get("TMTOOL_TEST_PG")
        if not server:
            cluster = pgserver.Cluster()
            server = cluster.start()
        url = pgserver.create_database(server, name)
    except Exception as e:  # noqa: BLE001 - any failure to get a server means the same here
        if cluster is not None:
            cluster.stop()
        _no_server(str(e))
    yield url
    try:
        pgserver.drop_database(server, name)
    finally:
        if cluster is not None:
            cluster.stop()


def _no_server(why: str) -> None:
    if required("TMTOOL_REQUIRE_PG"):
        pytest.fail(f"TMTOOL_REQUIRE_PG=1 (or CI=true) but no PostgreSQL server: {why}", pytrace=False)
    pytest.skip(f"no PostgreSQL server ({why}); set TMTOOL_TEST_PG or install postgresql")


@pytest.fixture
def pg_cluster():
    """A PostgreSQL cluster of the test's own (tests/pgserver.py), for what touches the whole
    server: ``pg_cluster.restart()``, ``pg_cluster.shutdown()``. Its ``url`` is the ``postgres``
    database. Needs the installed binaries (``TMTOOL_TEST_PG`` cannot be restarted by a test)."""
    import pgserver

    cluster = None
    try:
        import psycopg  # noqa: F401

        cluster = pgserver.Cluster()
        cluster.start()
    except Exception as e:  # noqa: BLE001 - as in pg_server
        if cluster is not None:
            cluster.stop()
        _no_server(str(e))
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_location(pg_server, request) -> str:
    """A fresh, empty PostgreSQL memory: its own schema in the session's database."""
    import pgserver

    pg_location.count = getattr(pg_location, "count", 0) + 1
    return pgserver.schema_url(pg_server, f"t{pg_location.count}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def memory_location(request, tmp_path):
    """Where a fresh memory is, once for each back end: a SQLite path, a PostgreSQL URL.
    (A module whose tests all run on both overrides ``tm_path`` with it.)"""
    if request.param == "sqlite":
        return tmp_path / "tm" / "tm.sqlite"
    return request.getfixturevalue("pg_location")


@pytest.fixture
def new_memory_location(request, memory_location, tmp_path):
    """Makes more fresh memories of ``memory_location``'s back end."""
    import pgserver

    from tmtool.memory import is_server_location

    def make(name: str) -> str | Path:
        if is_server_location(memory_location):
            return pgserver.schema_url(request.getfixturevalue("pg_server"), f"{name}_{id(make)}")
        return tmp_path / "tm" / f"{name}.sqlite"

    return make


@pytest.fixture
def memory(memory_location):
    """An open, empty memory, once for each back end."""
    from tmtool.memory import open_memory

    with open_memory(memory_location) as tm:
        yield tm
