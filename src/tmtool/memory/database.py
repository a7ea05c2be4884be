"""The database handle every part of the store holds: the connection, the dialect, ``atomic()``
and ``snapshot()``, where the memory is, the clock, and the fuzzy index of this connection.

Two back ends fill it in: :class:`~tmtool.memory.sqlite.SQLiteDatabase` (one file) and
:class:`~tmtool.memory.pg.PgDatabase` (a server); each owns its connecting, its transactions and
its migrations. The parts (``units.py``, ``documents.py``, ``lookup.py``, ...) run their SQL
through it and never ask which database it is: what differs is asked of :attr:`dialect`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from .core import now
from .dialect import Dialect
from .fuzzy import FuzzyIndex


class Database:
    """A connection to one memory, shared by the store's parts."""

    conn: Any  # execute/executemany with ``?`` placeholders; rows readable by index and name
    dialect: Dialect
    path: Path | str  # where it is, for messages (a server URL without its password)
    #: True inside a read-only snapshot (a server refuses writes there: no fuzzy folds).
    reading: bool = False

    def __init__(self) -> None:
        self.fuzzy: FuzzyIndex | None = None

    def atomic(self) -> AbstractContextManager[Any]:
        """A write transaction; nested calls become savepoints of the outer one."""
        raise NotImplementedError

    def snapshot(self) -> AbstractContextManager[Any]:
        """Reads that see one consistent state of the memory."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def now(self) -> str:
        """The time a write stamps (:func:`tmtool.memory.core.now`)."""
        return now()

    def write(self, sql: str, params: Sequence | dict = ()):
        """Execute a write; a database failure becomes a one-line :class:`TMError`."""
        return self.conn.execute(sql, params)

    def write_many(self, sql: str, rows: Iterable[Sequence]):
        """Execute a write once per row of ``rows`` (failures as :meth:`write`)."""
        return self.conn.executemany(sql, rows)

    def insert_id(self, sql: str, params: Sequence) -> int | None:
        """Run an ``INSERT ... ON CONFLICT DO NOTHING`` of one row: the new row's id, or None."""
        return self.dialect.insert_id(self, sql, params)

    def writable(self) -> bool:
        """Whether this connection may write at all (a read-only file may not)."""
        return True

    def file_bytes(self) -> int:
        """What the memory takes on disk (the back end knows)."""
        return 0

    def fuzzy_index(self) -> FuzzyIndex:
        """The fuzzy index read through this connection (made on first use)."""
        if self.fuzzy is None:
            self.fuzzy = self.dialect.fuzzy_index_class(self.conn)
        return self.fuzzy

    @property
    def schema_version(self) -> str:
        """The name of the last migration applied."""
        row = self.conn.execute("SELECT name FROM _migrations ORDER BY name DESC LIMIT 1").fetchone()
        return row[0] if row else ""
