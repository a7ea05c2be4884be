"""The PostgreSQL back end: one memory for a team (issue 7).

``tmtool --tm postgresql://user@host/db ...`` (or ``TMTOOL_TM``) opens it through
:func:`tmtool.memory.open_memory`. :class:`PgDatabase` is what is the server's own: connecting,
transactions, the schema named by the URL, migrations under an advisory lock;
:class:`PostgresMemory` is the store (``store.py``) over it. The connection wrapper, its row type
and error mapping are in ``pgconn.py``; what the server's SQL says differently (row locks,
``RETURNING``, ``COPY``, ``tsvector``) in ``dialect.py``.

Many writers at once: units are unique per (languages, source, target) and every insert is
``ON CONFLICT DO NOTHING``, so parallel ``translate``/``import`` processes never store a unit
twice; review changes lock the unit's row and, given what the reviewer saw (``expected=``), refuse
to overwrite another writer's change (:class:`~tmtool.errors.Conflict`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import MemoryNotFound, TMError
from .core import now
from .database import Database
from .dialect import POSTGRES
from .pg_migrations import PG_MIGRATIONS
from .pgconn import PgConnection, connect_error, display_location, pg_error, psycopg_module, row_factory
from .store import Store

_MIGRATE_LOCK = 0x746D746F6F6C01  # pg_advisory_lock key ("tmtool" + 1): one migrating process


class PgDatabase(Database):
    """A connection to a memory in a PostgreSQL database (the tables of ``pg_migrations.py``,
    in the connection's schema). Opening applies pending migrations."""

    dialect = POSTGRES

    def __init__(self, dsn: str, *, create: bool = True, connect_timeout: int = 10):
        super().__init__()
        psycopg = psycopg_module()
        self.dsn = dsn
        self.path = display_location(dsn)
        options = psycopg.conninfo.conninfo_to_dict(dsn)
        options.setdefault("connect_timeout", connect_timeout)
        options.setdefault("application_name", "tmtool")
        try:
            raw = psycopg.connect(psycopg.conninfo.make_conninfo(**options), autocommit=True)
        except psycopg.Error as e:
            raise TMError(f"cannot connect to {self.path}: {connect_error(e)}") from None
        raw.row_factory = row_factory
        self._raw = raw
        self.conn = PgConnection(raw, self.path)
        self._lock = threading.RLock()
        try:
            self._migrate(create)
        except BaseException:
            raw.close()
            raise

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[PgConnection]:
        """A write transaction; nested calls become savepoints of the outer one."""
        psycopg = psycopg_module()
        with self._lock:
            try:
                with self._raw.transaction():
                    yield self.conn
            except psycopg.Error as e:
                raise pg_error(self.path, e) from None

    @contextmanager
    def snapshot(self) -> Iterator[PgConnection]:
        """Reads that see one consistent state of the memory (a read-only transaction)."""
        with self._lock:
            if self._raw.info.transaction_status != 0:  # already in a transaction: use it
                yield self.conn
                return
            with self.atomic():
                self.conn.native("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                self.reading = True
                try:
                    yield self.conn
                finally:
                    self.reading = False

    # -- schema -------------------------------------------------------------------------

    def _migrate(self, create: bool) -> None:
        if create:
            self._create_schema()
        done = self._applied_migrations()
        if done is None and not create:
            raise MemoryNotFound(
                f"no translation memory in {self.path} (run `tmtool translate` or `tmtool tm import` "
                "with this --tm to create one)"
            )
        if done is not None and all(name in done for name, _ in PG_MIGRATIONS):
            return
        # Several processes may open a new memory at once: one migrates, the others wait.
        self.conn.native("SELECT pg_advisory_lock(%s)", (_MIGRATE_LOCK,))
        try:
            self.conn.native(
                'CREATE TABLE IF NOT EXISTS _migrations (name text COLLATE "C" PRIMARY KEY, '
                "applied_at text NOT NULL)"
            )
            done = self._applied_migrations() or set()
            for name, sql in PG_MIGRATIONS:
                if name in done:
                    continue
                with self.atomic():
                    self.conn.native(sql)
                    self.conn.native("INSERT INTO _migrations (name, applied_at) VALUES (%s, %s)", (name, now()))
        finally:
            self.conn.native("SELECT pg_advisory_unlock(%s)", (_MIGRATE_LOCK,))

    def _create_schema(self) -> None:
        """Create the schema a URL's ``search_path`` names (``?options=-csearch_path%3Dproject1``)
        when it does not exist yet, or say in one line what to run (issue 20)."""
        if self.conn.native("SELECT current_schema()").fetchone()[0] is not None:
            return
        path = self.conn.native("SHOW search_path").fetchone()[0]
        names = [n.strip().strip('"') for n in path.split(",") if n.strip() and n.strip() != '"$user"']
        if not names:
            raise TMError(f"{self.path}: its search_path is empty, so there is no schema for the memory's "
                          "tables; add options=-csearch_path%3DNAME to the URL")
        psycopg = psycopg_module()
        name = names[0]
        try:
            self._raw.execute(psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(psycopg.sql.Identifier(name)))
        except psycopg.errors.InsufficientPrivilege:
            user = self.conn.native("SELECT current_user").fetchone()[0]
            raise TMError(
                f"schema {name} does not exist in {self.path} and {user} may not create it; as the "
                f"database owner run: CREATE SCHEMA {name} AUTHORIZATION {user};"
            ) from None
        except psycopg.Error as e:
            raise pg_error(self.path, e) from None

    def _applied_migrations(self) -> set[str] | None:
        if self.conn.native("SELECT to_regclass('_migrations')").fetchone()[0] is None:
            return None
        return {r[0] for r in self.conn.native("SELECT name FROM _migrations")}


class PostgresMemory(Store):
    """A translation memory in a PostgreSQL database, shared by a team."""

    def __init__(self, dsn: str, *, create: bool = True, connect_timeout: int = 10):
        super().__init__(PgDatabase(dsn, create=create, connect_timeout=connect_timeout))

    @property
    def dsn(self) -> str:
        return self.db.dsn
