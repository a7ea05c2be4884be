"""The translation memory: storage, migrations and lookup.

:func:`open_memory` opens one wherever it is: a SQLite file (a path) or a PostgreSQL database
(a ``postgresql://`` URL); both implement :class:`~tmtool.memory.protocol.TranslationMemory`.
"""

from __future__ import annotations

from pathlib import Path

from .protocol import TranslationMemory
from .normalize import content_hash, normalize, text_hash
from .records import Pair, SegmentLink
from .sqlite import SQLiteMemory

SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_location(location: str | Path | None) -> bool:
    """True for a PostgreSQL URL (``postgresql://`` or ``postgres://``), False for a path."""
    return isinstance(location, str) and location.lower().startswith(SERVER_SCHEMES)


def open_memory(location: str | Path, *, create: bool = True) -> TranslationMemory:
    """The memory at ``location``: a PostgreSQL URL opens the server's store (psycopg needed),
    anything else the SQLite file at that path. ``create=False``: :class:`MemoryNotFound` if
    there is none yet."""
    if is_server_location(location):
        from .pg import PostgresMemory  # psycopg only for a server memory

        return PostgresMemory(str(location), create=create)
    return SQLiteMemory(location, create=create)


def memory_exists(location: str | Path) -> bool:
    """Whether a memory is already stored at ``location`` (for a server: whether it can be
    opened and holds tmtool's tables)."""
    if is_server_location(location):
        from ..errors import MemoryNotFound

        try:
            open_memory(location, create=False).close()
        except MemoryNotFound:
            return False
        return True
    return Path(location).exists()


__all__ = [
    "TranslationMemory", "Pair", "SQLiteMemory", "SegmentLink", "content_hash", "is_server_location", "memory_exists",
    "normalize", "open_memory", "text_hash",
]
