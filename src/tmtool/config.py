"""Where things live: the default translation memory, the default model, the user's name."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-id-en"
DEFAULT_SRC_LANG = "id"
DEFAULT_TGT_LANG = "en"
TM_ENV = "TMTOOL_TM"
MODEL_ENV = "TMTOOL_MODEL"


def default_tm_path() -> Path | str:
    """``$TMTOOL_TM`` if set, else ``memory/tm.sqlite`` under the current directory."""
    env = os.environ.get(TM_ENV)
    if env:
        return tm_location(env)
    return Path("memory") / "tm.sqlite"


def tm_location(value: str) -> Path | str:
    """Where ``--tm``/``TMTOOL_TM`` points: a PostgreSQL URL (``postgresql://``, ``postgres://``)
    as given, anything else a SQLite file path."""
    if value.lower().startswith(("postgresql://", "postgres://")):
        return value
    return Path(value).expanduser()


def default_model() -> str:
    """``$TMTOOL_MODEL`` if set, else the public opus-mt-id-en model."""
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def current_user() -> str | None:
    """The name recorded as author of the units this process writes."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return None
