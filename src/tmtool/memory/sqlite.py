"""The SQLite back end: one file, one writer at a time.

:class:`SQLiteDatabase` is what is SQLite's own: the connection, ``BEGIN IMMEDIATE``
transactions with savepoints, migrations, error messages; :class:`SQLiteMemory` is the store
(``store.py``) over it. What SQLite's SQL says differently is in ``dialect.py``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import MemoryNotFound, TMError
from .core import now
from .database import Database
from .dialect import SQLITE
from .migrations import MIGRATIONS
from .store import Store


class SQLiteDatabase(Database):
    """A connection to a memory in one SQLite file. Opening applies pending migrations."""

    dialect = SQLITE

    def __init__(self, path: str | Path, *, create: bool = True, busy_timeout: float = 60.0):
        super().__init__()
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise MemoryNotFound(
                    f"no translation memory at {self.path} (run `tmtool translate` to create one, "
                    "or pass --tm PATH)"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise TMError(f"cannot create {self.path.parent}: {e.strerror or e}") from None
        elif self.path.is_dir():
            raise TMError(f"{self.path} is a directory, not a translation memory file")
        try:
            target, uri = str(self.path), False
            if self.path.exists() and _read_only_fs(self.path):
                # On read-only media SQLite cannot create the -shm file that WAL mode reads
                # through; nothing can change the file there, so it is opened as immutable.
                target, uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", True
            self.conn = sqlite3.connect(
                target, uri=uri, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._set_journal_mode()
            self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as e:
            raise _open_error(self.path, e) from None
        self._depth = 0
        self._lock = threading.RLock()
        self._migrate()

    def _set_journal_mode(self) -> None:
        # WAL lets readers go on while one process writes; on a read-only file it cannot be
        # switched on, and the memory is still readable in its current mode.
        try:
            self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls become savepoints of the outer one."""
        with self._lock:
            depth = self._depth
            name = f"sp{depth}"
            try:
                self.conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {name}")
            except sqlite3.OperationalError as e:
                raise _tm_error(self.path, e) from None
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                # After some errors (disk full, I/O error) SQLite has rolled the whole transaction
                # back itself: rolling back again would fail and hide the error that matters.
                if self.conn.in_transaction:
                    if depth == 0:
                        self.conn.execute("ROLLBACK")
                    else:
                        self.conn.execute(f"ROLLBACK TO {name}")
                        self.conn.execute(f"RELEASE {name}")
                raise
            self._depth -= 1
            try:
                self.conn.execute("COMMIT" if depth == 0 else f"RELEASE {name}")
            except sqlite3.OperationalError as e:
                if depth == 0 and self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise _tm_error(self.path, e) from None

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Reads that see one consistent state of the memory (a read transaction)."""
        with self._lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    def write(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as e:
            raise _tm_error(self.path, e) from None

    # -- schema -------------------------------------------------------------------------

    def _migrate(self) -> None:
        try:
            done = self._applied_migrations()
        except sqlite3.DatabaseError as e:
            raise TMError(f"{self.path}: not a translation memory ({e})") from None
        pending = [(n, sql) for n, sql in MIGRATIONS if n not in done]
        for name, sql in pending:
            with self.atomic() as conn:
                # Re-check inside the lock: another process may have migrated meanwhile.
                if name in self._applied_migrations():
                    continue
                for statement in _split_sql(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, now()))

    def _applied_migrations(self) -> set[str]:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
        ).fetchone()
        if not exists:
            with self.atomic() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
        return {r[0] for r in self.conn.execute("SELECT name FROM _migrations")}

    def write_many(self, sql: str, rows: Iterable[Sequence]) -> sqlite3.Cursor:
        try:
            return self.conn.executemany(sql, rows)
        except sqlite3.OperationalError as e:
            raise _tm_error(self.path, e) from None

    def writable(self) -> bool:
        return os.access(self.path, os.W_OK)

    def file_bytes(self) -> int:
        return _file_size(self.path)


class SQLiteMemory(Store):
    """A translation memory in one SQLite file.

    Opening applies pending migrations. Every write goes through :meth:`atomic`, so a crash
    (even ``kill -9``) leaves either all of a write or none of it.
    """

    def __init__(self, path: str | Path, *, create: bool = True, busy_timeout: float = 60.0):
        super().__init__(SQLiteDatabase(path, create=create, busy_timeout=busy_timeout))


def _split_sql(script: str) -> list[str]:
    # Split at the ends of statements; complete_statement keeps a trigger's BEGIN ... END whole.
    statements, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \t\n;"):
                statements.append(buf.strip())
            buf = ""
    return statements


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _open_error(path: Path, e: sqlite3.DatabaseError) -> TMError:
    """Why a memory cannot be opened, in words: a full disk or read-only media look like I/O
    errors to SQLite, not like the damaged file its message suggests."""
    where = path if path.exists() else path.parent
    if isinstance(e, sqlite3.OperationalError):
        if _read_only_fs(where):
            return TMError(f"{path}: on a read-only file system; a new memory cannot be created there")
        try:
            room = os.statvfs(where).f_bavail * os.statvfs(where).f_frsize
        except OSError:
            room = None
        if room is not None and room < 1 << 20:
            return TMError(f"{path}: the disk is full ({room // 1024} KiB free): SQLite cannot open the "
                           "memory without room for its -wal and -shm files; nothing was written")
    return TMError(f"{path}: not a usable SQLite database ({e})")


def _tm_error(path: Path, e: sqlite3.OperationalError) -> TMError:
    msg = str(e)
    if "readonly" in msg:
        return TMError(f"{path}: the translation memory is read-only; nothing was written")
    if "disk is full" in msg or "database or disk is full" in msg:
        return TMError(f"{path}: the disk is full; nothing of this write was stored")
    if "locked" in msg or "busy" in msg:
        return TMError(f"{path}: the translation memory stayed locked by another process; try again")
    return TMError(f"{path}: {msg}")


def _file_size(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += os.path.getsize(f"{path}{suffix}")
        except OSError:
            pass
    return total
