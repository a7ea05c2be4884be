"""The PostgreSQL implementation of the translation-memory store: one memory for a team (issue 7).

``tmtool --tm postgresql://user@host/db ...`` (or ``TMTOOL_TM``) opens it through
:func:`tmtool.memory.open_memory`. The store runs the SQL it shares with SQLite (``base.py`` and
the mixins, written with ``?`` placeholders) through :class:`PgConnection`, which turns it into
PostgreSQL's (``%s``, no SQLite planner hints); what differs is here: connecting, transactions,
migrations under an advisory lock, row locks for review edits, bulk import through ``COPY``, the
fuzzy index's list of units still to index, full-text search, sizes.

Many writers at once: units are unique per (languages, source, target) and every insert is
``ON CONFLICT DO NOTHING``, so parallel ``translate``/``import`` processes never store a unit
twice; review changes lock the unit's row and, given what the reviewer saw (``expected=``), refuse
to overwrite another writer's change (:class:`~tmtool.errors.Conflict`).

psycopg (3) is imported here only, when a server memory is opened: ``pip install 'tmtool[postgres]'``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

from ..errors import Conflict, MemoryNotFound, NotFound, TMError
from ..records import TranslationUnit
from .base import _UNIT_COLUMNS, SQLStore, _check_unit, _unit, now, unit_key
from .fuzzy import FOLD_MIN
from .lookup import Concordance, _fts_words
from .pg_index import PgFuzzyIndex, bm25, fold_text
from .pg_migrations import PG_MIGRATIONS

_MIGRATE_LOCK = 0x746D746F6F6C01  # pg_advisory_lock key ("tmtool" + 1): one migrating process
_DERIVED = ("_migrations", "fuzzy_", "units_fts")
_SQLITE_ONLY = re.compile(r"\s+INDEXED BY \w+|(?<=AND )\+(?=[a-z_])|(?<=WHERE )\+(?=[a-z_])")
_QUOTED = re.compile(r"('(?:[^']|'')*')")
_INSERT_COLUMNS = (
    "id, src_lang, tgt_lang, source, target, source_hash, target_hash, origin, model, status, author, "
    "prev_source, next_source, props, created_at, updated_at"
)


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise TMError(
            "a postgresql:// memory needs psycopg: pip install 'tmtool[postgres]' "
            "(or pip install 'psycopg[binary]')"
        ) from None
    return psycopg


def display_location(dsn: str) -> str:
    """The URL without its password, for messages."""
    dsn = re.sub(r"^(\w+://[^:/@]*):[^@/]*@", r"\1@", dsn)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", dsn)


@lru_cache(maxsize=512)
def to_postgres(sql: str, with_params: bool = True) -> str:
    """SQLite-dialect SQL as PostgreSQL runs it: ``?`` -> ``%s`` (and a literal ``%`` doubled)
    outside string literals; SQLite's planner hints (``INDEXED BY``, a unary ``+`` that keeps a
    column off an index) dropped."""
    parts = _QUOTED.split(sql)
    for i, part in enumerate(parts):
        if i % 2 == 0:
            part = _SQLITE_ONLY.sub("", part)
            if with_params:
                part = part.replace("%", "%%").replace("?", "%s")
        elif with_params:
            part = part.replace("%", "%%")
        parts[i] = part
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
        return list(self._index)


def _row_factory(cursor):
    desc = cursor.description
    if not desc:
        return tuple
    cls = type("Row", (Row,), {"__slots__": (), "_index": {c.name: i for i, c in enumerate(desc)}})
    return cls


class PgConnection:
    """What the shared store code calls ``conn``: ``execute``/``executemany`` in SQLite's
    dialect, errors as one-line :class:`TMError`\\ s."""

    def __init__(self, raw, label: str):
        self.raw = raw
        self.label = label

    def execute(self, sql: str, params: Sequence | None = ()):
        try:
            if params:
                return self.raw.execute(to_postgres(sql), params)
            return self.raw.execute(to_postgres(sql, False))
        except _psycopg().Error as e:
            raise pg_error(self.label, e) from None

    def executemany(self, sql: str, rows: Iterable[Sequence]):
        cur = self.raw.cursor()
        try:
            cur.executemany(to_postgres(sql), rows)
        except _psycopg().Error as e:
            raise pg_error(self.label, e) from None
        return cur

    def native(self, sql: str, params: Sequence | None = None):
        """Run PostgreSQL's own SQL (``%s``, arrays, ``COPY``) as it is."""
        try:
            return self.raw.execute(sql, params)
        except _psycopg().Error as e:
            raise pg_error(self.label, e) from None

    @contextmanager
    def copy(self, sql: str):
        try:
            with self.raw.cursor().copy(sql) as cp:
                yield cp
        except _psycopg().Error as e:
            raise pg_error(self.label, e) from None

    def close(self) -> None:
        self.raw.close()


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
    lost = state is None and isinstance(e, (_psycopg().OperationalError, _psycopg().InterfaceError))
    if lost or (state or "").startswith(("08", "57P")):
        # The server restarted or ended the session (57P01 admin shutdown, pg_terminate_backend),
        # or the network went: each transaction is whole, so what was committed before is kept.
        return TMError(f"{label}: the connection to the server failed ({msg}); what was stored before it is "
                       "kept, run the command again to go on")
    return TMError(f"{label}: {msg}")


class PostgresMemory(SQLStore):
    """A translation memory in a PostgreSQL database (the tables of ``pg_migrations.py``, in
    the connection's schema). Opening applies pending migrations."""

    _fuzzy_index_class = PgFuzzyIndex
    # A fold holds the fold lock until its transaction ends: an import that folded midway would
    # keep other importers' final folds waiting while it may itself wait for their units (a
    # deadlock). Its units wait in fuzzy_pending instead, and are folded in batches at its end.
    _import_folds = False

    def __init__(self, dsn: str, *, create: bool = True, connect_timeout: int = 10):
        psycopg = _psycopg()
        self.dsn = dsn
        self.path = display_location(dsn)
        options = psycopg.conninfo.conninfo_to_dict(dsn)
        options.setdefault("connect_timeout", connect_timeout)
        options.setdefault("application_name", "tmtool")
        try:
            raw = psycopg.connect(psycopg.conninfo.make_conninfo(**options), autocommit=True)
        except psycopg.Error as e:
            lines = str(e).strip().splitlines()
            raise TMError(f"cannot connect to {self.path}: {lines[-1] if lines else e}") from None
        raw.row_factory = _row_factory
        self._raw = raw
        self.conn = PgConnection(raw, self.path)
        self._lock = threading.RLock()
        self._reading = False
        try:
            self._migrate(create)
        except BaseException:
            raw.close()
            raise

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[PgConnection]:
        """A write transaction; nested calls become savepoints of the outer one."""
        psycopg = _psycopg()
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
                self._reading = True
                try:
                    yield self.conn
                finally:
                    self._reading = False

    def _write(self, sql: str, params: Sequence | dict = ()):
        return self.conn.execute(sql, params)

    def _write_many(self, sql: str, rows: Iterable[Sequence]):
        return self.conn.executemany(sql, rows)

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
        psycopg = _psycopg()
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

    @property
    def schema_version(self) -> str:
        """The name of the last migration applied."""
        row = self.conn.execute("SELECT name FROM _migrations ORDER BY name DESC LIMIT 1").fetchone()
        return row[0] if row else ""

    # -- units --------------------------------------------------------------------------

    def add_units(self, units: Iterable[TranslationUnit]) -> list[int]:
        """As :meth:`SQLStore.add_units`, in a few statements.

        Writers that add overlapping units could each hold a new unit the other waits for: the
        rows go in sorted by key, one order for every writer, so they never deadlock (the second
        waits for the first). Their ids are drawn first, in the order given, so that they number
        the units as SQLite does.
        """
        keyed = []
        for u in units:
            _check_unit(u)
            keyed.append((u, unit_key(u)))
        stamp = self._now()
        with self.atomic():
            known = self._existing_units(k for _, k in keyed)
            missing: dict[tuple, TranslationUnit] = {}
            for u, key in keyed:
                if key not in known:
                    missing.setdefault(key, u)
            known.update(self._insert_sorted(list(missing.items()), stamp))
            for key in missing:
                if key not in known:  # another writer stored it since we looked
                    known[key] = self._existing_unit(key)
        return [known[key] for _, key in keyed]

    def _existing_units(self, keys: Iterable[tuple]) -> dict[tuple, int]:
        keys = sorted(set(keys))
        if not keys:
            return {}
        rows = self.conn.native(
            """SELECT u.src_lang, u.tgt_lang, u.source_hash, u.target_hash, u.id
               FROM unnest(%s::text[], %s::text[], %s::text[]) AS k (src_lang, tgt_lang, source_hash)
               JOIN units u USING (src_lang, tgt_lang, source_hash)""",
            [list(col) for col in zip(*sorted({k[:3] for k in keys}))],
        )
        wanted = set(keys)
        return {tuple(r[:4]): r[4] for r in rows if tuple(r[:4]) in wanted}

    def _new_ids(self, n: int) -> list[int]:
        if not n:
            return []
        rows = self.conn.native(
            "SELECT nextval(pg_get_serial_sequence('units', 'id')) FROM generate_series(1, %s)", (n,)
        )
        return [r[0] for r in rows]

    def _insert_sorted(self, items: list[tuple[tuple, TranslationUnit]], stamp: str) -> dict[tuple, int]:
        """Insert units not stored a moment ago: ids in the order given, rows in key order."""
        ids = self._new_ids(len(items))
        rows = sorted(
            (key, tu_id, u.src_lang, u.tgt_lang, u.source, u.target, key[2], key[3], u.origin, u.model,
             u.status, u.author, u.prev_source, u.next_source,
             json.dumps(u.props, ensure_ascii=False) if u.props else None,
             u.created_at or stamp, u.updated_at or stamp)
            for (key, u), tu_id in zip(items, ids)
        )
        found: dict[tuple, int] = {}
        for i in range(0, len(rows), 500):
            chunk = rows[i : i + 500]
            values = ", ".join(["(" + ", ".join(["%s"] * 16) + ")"] * len(chunk))
            cur = self.conn.native(
                f"""INSERT INTO units ({_INSERT_COLUMNS}) VALUES {values}
                    ON CONFLICT (src_lang, tgt_lang, source_hash, target_hash) DO NOTHING
                    RETURNING src_lang, tgt_lang, source_hash, target_hash, id""",
                [v for row in chunk for v in row[1:]],
            )
            found.update((tuple(r[:4]), r[4]) for r in cur)
        return found

    # -- hooks of SQLStore --------------------------------------------------------------

    def _insert_id(self, sql: str, params: Sequence) -> int | None:
        row = self.conn.execute(sql + " RETURNING id", params).fetchone()
        return row[0] if row else None

    def _upsert_document(self, name: str, values: tuple, stamp: str) -> tuple[int, bool]:
        row = self.conn.execute("SELECT id FROM documents WHERE name = ? FOR UPDATE", (name,)).fetchone()
        if row is not None:
            self._write(
                """UPDATE documents SET content_hash = ?, src_lang = ?, tgt_lang = ?,
                       source_text = ?, updated_at = ? WHERE id = ?""",
                (*values, stamp, row[0]),
            )
            return row[0], True
        # Another process may create it at this moment: then its row is updated (and locked).
        row = self.conn.execute(
            """INSERT INTO documents (name, content_hash, src_lang, tgt_lang, source_text,
                   created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET content_hash = excluded.content_hash,
                   src_lang = excluded.src_lang, tgt_lang = excluded.tgt_lang,
                   source_text = excluded.source_text, updated_at = excluded.updated_at
               RETURNING id""",
            (name, *values, stamp, stamp),
        ).fetchone()
        return row[0], True

    def _lock_unit(self, tu_id: int) -> TranslationUnit:
        row = self.conn.execute(f"SELECT {_UNIT_COLUMNS} FROM units WHERE id = ? FOR UPDATE", (tu_id,)).fetchone()
        if row is None:
            raise NotFound(f"no translation unit {tu_id} in {self.path}")
        return _unit(row)

    def _lock_document(self, doc_id: int) -> None:
        self.conn.execute("SELECT id FROM documents WHERE id = ? FOR UPDATE", (doc_id,))

    def _writable(self) -> bool:
        return True

    def _tables(self) -> dict[str, list[str]]:
        rows = self.conn.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"""
        )
        tables: dict[str, list[str]] = {}
        for table, column in rows:
            if not table.startswith(_DERIVED):
                tables.setdefault(table, []).append(column)
        return tables

    def read_rows(self, table: str, columns: Sequence[str], batch: int = 5000) -> Iterator[list[tuple]]:
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.snapshot():
            cur = self._raw.cursor(name=f"tmtool_read_{table}")  # server-side: streams
            try:
                cur.execute(f"SELECT {cols} FROM {table}")
                while rows := cur.fetchmany(batch):
                    yield [tuple(r) for r in rows]
            finally:
                cur.close()

    def write_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.conn.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)

    def finish_copy(self) -> None:
        # Rows came with their ids: the identity sequences go on after the largest.
        for table in ("units", "documents", "history", "glossary_entries"):
            self.conn.native(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "
                "HAVING max(id) IS NOT NULL"
            )
        self.update_fuzzy_index()
        self._after_import(1000)

    def _storage(self) -> dict:
        row = self.conn.execute(
            """SELECT CAST(coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bigint),
                      pg_database_size(current_database())
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = current_schema() AND c.relkind = 'r'"""
        ).fetchone()
        return {"bytes": row[0], "file_bytes": row[1]}

    def _bulk_import(self) -> None:
        pass

    def _after_import(self, added: int) -> None:
        # Fresh statistics at once: until autovacuum gets to the new rows, the planner would
        # guess at the postings and units (lookups right after a big import ran 10x slower).
        if added >= 1000:
            self.conn.native("ANALYZE units, units_fts, fuzzy_postings, fuzzy_pending")

    def _insert_units(self, units: list[TranslationUnit]) -> int:
        """A batch of imported units: those not stored yet get ids in file order (as in SQLite),
        go through ``COPY`` to a scratch table and from there into ``units`` in key order (as
        :meth:`add_units`, so that importers and translators never deadlock); how many were new."""
        stamp = self._now()
        missing: dict[tuple, TranslationUnit] = {}
        for u in units:
            missing.setdefault(unit_key(u), u)
        known = self._existing_units(missing)
        items = [(k, u) for k, u in missing.items() if k not in known]
        ids = self._new_ids(len(items))
        self.conn.native(
            f"CREATE TEMP TABLE IF NOT EXISTS tmtool_import (id bigint, {_INSERT_COLUMNS.replace('id, ', '').replace(',', ' text,')} text)"
        )
        self.conn.native("TRUNCATE tmtool_import")
        with self.conn.copy(f"COPY tmtool_import ({_INSERT_COLUMNS}) FROM STDIN") as cp:
            for (key, u), tu_id in zip(items, ids):
                cp.write_row((tu_id, u.src_lang, u.tgt_lang, u.source, u.target, key[2], key[3], u.origin,
                              u.model, u.status, u.author, u.prev_source, u.next_source,
                              json.dumps(u.props, ensure_ascii=False) if u.props else None,
                              u.created_at or stamp, u.updated_at or stamp))
        cur = self.conn.native(
            f"""INSERT INTO units ({_INSERT_COLUMNS}) SELECT {_INSERT_COLUMNS} FROM tmtool_import
                ORDER BY src_lang, tgt_lang, source_hash, target_hash
                ON CONFLICT (src_lang, tgt_lang, source_hash, target_hash) DO NOTHING"""
        )
        return cur.rowcount

    # -- lookups ------------------------------------------------------------------------

    def update_fuzzy_index(self, *, minimum: int = 0) -> int:
        """Fold units waiting for the fuzzy index into it (if at least ``minimum`` wait). A
        lookup (``minimum`` > 0) does not wait for another process that is folding."""
        if self._reading:
            return 0
        index = self.fuzzy_index()
        if minimum and index.pending() < minimum:
            return 0
        try:
            with self.atomic():
                return index.fold(wait=not minimum)
        except TMError:
            self._fuzzy = None
            raise

    def search_fuzzy(self, text: str, *args, **kwargs):
        # The index, the units waiting for it and the units themselves, read in one snapshot:
        # a fold committed by another process in between cannot hide a unit from this lookup.
        self.update_fuzzy_index(minimum=FOLD_MIN)
        with self.snapshot():
            return super().search_fuzzy(text, *args, **kwargs)

    def concordance(
        self,
        phrase: str,
        *,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        side: str = "both",
        limit: int = 20,
    ) -> list[Concordance]:
        """Units whose source and/or target contain ``phrase`` (its words, in order; case and
        diacritics ignored), ranked as SQLite's FTS5 ranks them (bm25: fewer words first when
        the phrase occurs once)."""
        words = _fts_words(phrase)
        if not words:
            return []
        q = "tmtool_fts_phrase(?)"
        cond = {"source": f"f.source @@ {q}", "target": f"f.target @@ {q}"}.get(
            side, f"(f.source @@ {q} OR f.target @@ {q})"
        )
        where, params = [cond, "u.status != 'rejected'"], [" ".join(words)] * cond.count("?")
        if src_lang or tgt_lang:  # any variant of the language, as on SQLite
            langs, values, _ = self._lang_where(src_lang, tgt_lang, "u.")
            where.append(langs)
            params += values
        rows = self.conn.execute(
            f"""SELECT u.{_UNIT_COLUMNS.replace(', ', ', u.')} FROM units_fts f JOIN units u ON u.id = f.id
                WHERE {' AND '.join(where)}
                ORDER BY length(u.source) + length(u.target), u.id LIMIT ?""",
            (*params, max(limit * 20, 500)),
        ).fetchall()
        found = [_unit(r) for r in rows]
        return [Concordance(u, rank) for rank, u in bm25(found, [fold_text(w) for w in words], side)[:limit]]
