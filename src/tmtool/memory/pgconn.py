"""The PostgreSQL connection as the store's parts use it: ``execute``/``executemany`` with the
store's ``?`` placeholders, rows readable by index and by name (like ``sqlite3.Row``), and every
database error as one line (:func:`pg_error`).

psycopg (3) is imported here only, when a server memory is opened: ``pip install 'tmtool[postgres]'``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from functools import lru_cache

from ..errors import Conflict, TMError

_QUOTED = re.compile(r"('(?:[^']|'')*')")


def psycopg_module():
    """psycopg, or a one-line :class:`TMError` saying how to install it."""
    try:
        import psycopg
    except ImportError:
        raise TMError(
            "a postgresql:// memory needs psycopg: pip install 'tmtool[postgres]' "
            "(or pip install 'psycopg[binary]')"
        ) from None
    # When the connection is lost mid-transaction, psycopg logs the failed rollback as a warning
    # ("error ignored in rollback of ...") that Python's last-resort handler would print beside
    # tmtool's own one line, which already says the connection failed. A handler of its own keeps
    # those records off stderr; an application that configures logging still receives them.
    logger = logging.getLogger("psycopg")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return psycopg


def display_location(dsn: str) -> str:
    """The URL without its password, for messages."""
    dsn = re.sub(r"^(\w+://[^:/@]*):[^@/]*@", r"\1@", dsn)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", dsn)


@lru_cache(maxsize=512)
def to_postgres(sql: str, with_params: bool = True) -> str:
    """The store's SQL with PostgreSQL's placeholders: ``?`` -> ``%s`` (and a literal ``%``
    doubled) outside string literals. What else differs is written by the dialect, not
    rewritten here."""
    if not with_params:
        return sql
    parts = _QUOTED.split(sql)
    for i, part in enumerate(parts):
        part = part.replace("%", "%%")
        parts[i] = part.replace("?", "%s") if i % 2 == 0 else part
    return "".join(parts)


class Row(tuple):
    """A result row readable by index and by column name, like ``sqlite3.Row``."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        """The column names, in order."""
        return list(self._index)


def row_factory(cursor):
    """psycopg row factory making :class:`Row`\\ s."""
    desc = cursor.description
    if not desc:
        return tuple
    cls = type("Row", (Row,), {"__slots__": (), "_index": {c.name: i for i, c in enumerate(desc)}})
    return cls


class PgConnection:
    """What the store's parts call ``conn``: ``execute``/``executemany`` with ``?``
    placeholders, errors as one-line :class:`TMError`\\ s."""

    def __init__(self, raw, label: str):
        self.raw = raw
        self.label = label

    def execute(self, sql: str, params: Sequence | None = ()):
        """Run one statement (``?`` placeholders)."""
        try:
            if params:
                return self.raw.execute(to_postgres(sql), params)
            return self.raw.execute(sql)
        except psycopg_module().Error as e:
            raise pg_error(self.label, e) from None

    def executemany(self, sql: str, rows: Iterable[Sequence]):
        """Run one statement for each of ``rows``."""
        cur = self.raw.cursor()
        try:
            cur.executemany(to_postgres(sql), rows)
        except psycopg_module().Error as e:
            raise pg_error(self.label, e) from None
        return cur

    def native(self, sql: str, params: Sequence | None = None):
        """Run PostgreSQL's own SQL (``%s``, arrays, ``COPY``) as it is."""
        try:
            return self.raw.execute(sql, params)
        except psycopg_module().Error as e:
            raise pg_error(self.label, e) from None

    @contextmanager
    def copy(self, sql: str):
        """A ``COPY ... FROM STDIN`` to write rows to."""
        try:
            with self.raw.cursor().copy(sql) as cp:
                yield cp
        except psycopg_module().Error as e:
            raise pg_error(self.label, e) from None

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()


def connect_error(e: Exception) -> str:
    """Why a connection could not be made, in one line: libpq's cause without its "connection to
    server at ... failed:" preamble, and its hint (on a second line) in brackets."""
    lines = [line.strip() for line in str(e).strip().splitlines() if line.strip()]
    if not lines:
        return type(e).__name__
    cause = re.sub(r"^(connection failed: )?connection to server at .*? failed: ", "", lines[0])
    if len(lines) == 1:
        return cause
    return f"{cause} ({lines[1][0].lower()}{lines[1][1:]})"


def pg_error(label: str, e: Exception) -> TMError:
    """One line for a database error, as the CLI shows it."""
    state = getattr(e, "sqlstate", None)
    lines = str(e).strip().splitlines()
    msg = lines[0] if lines else type(e).__name__
    if state == "25006":
        return TMError(f"{label}: the translation memory is read-only; nothing was written")
    if state in ("40001", "40P01", "23505"):
        # Two writers wanted the same rows; the database let one of them through.
        return Conflict(f"{label}: another writer changed the same rows at the same moment ({msg}); "
                        "nothing of this write was saved; try again")
    if state == "42501":
        return TMError(f"{label}: permission denied ({msg})")
    if state == "57014":  # statement_timeout, or pg_cancel_backend: the transaction is rolled back
        return TMError(f"{label}: the server cancelled the statement ({msg}); its transaction was rolled back, "
                       "nothing of it was stored")
    if state == "53100":
        return TMError(f"{label}: the server's disk is full ({msg}); nothing of this write was stored")
    lost = state is None and isinstance(e, (psycopg_module().OperationalError, psycopg_module().InterfaceError))
    if lost or (state or "").startswith(("08", "57P")):
        # The server restarted or ended the session (57P01 admin shutdown, pg_terminate_backend),
        # or the network went: each transaction is whole, so what was committed before is kept.
        return TMError(f"{label}: the connection to the server failed ({msg}); what was stored before it is "
                       "kept, run the command again to go on")
    return TMError(f"{label}: {msg}")
