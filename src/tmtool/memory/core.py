"""The bottom of the store: what every part of ``memory/`` (and the modules that stamp what they
store) shares. It imports nothing from the rest of tmtool but records and errors.

The clock: every timestamp the memory stores comes from :func:`now`. Tests fix it with
:func:`set_clock` (the ``clock`` fixture) instead of patching module attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_clock: Callable[[], str] = _utc_now


def now() -> str:
    """The current time as ISO 8601 UTC with seconds, the form every timestamp is stored in."""
    return _clock()


def set_clock(clock: Callable[[], str] | None) -> None:
    """Make :func:`now` return ``clock()`` (a function giving ISO 8601 UTC stamps); None puts the
    real clock back."""
    global _clock
    _clock = clock or _utc_now
