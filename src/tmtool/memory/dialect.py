"""What truly differs between SQLite and PostgreSQL, for the store's parts (issue 15).

The parts write one SQL text for both databases, with ``?`` placeholders (the PostgreSQL
connection swaps them for ``%s``, :func:`~tmtool.memory.pgconn.to_postgres`). Where a database
needs something of its own, the SQL asks the dialect for it: a planner hint as a fragment
(:attr:`Dialect.by_source`), a row lock (:attr:`Dialect.lock`),
or a whole step (insert-and-return-id, document upsert, new unit ids, full-text concordance,
sizes and tables, bulk import and copy). Nothing rewrites SQL after the fact.

Every method takes ``db``, the :class:`~tmtool.memory.database.Database` handle.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .core import UNIT_INSERT_COLUMNS, UNIT_INSERT_FIELDS, unit_columns, unit_from_row
from .fuzzy import FuzzyIndex
from .pg_index import PgFuzzyIndex, bm25, fold_text
from .records import Concordance

if TYPE_CHECKING:
    from .database import Database

_DOCUMENT_COLUMNS = "name, content_hash, src_lang, tgt_lang, source_text, created_at, updated_at"
_UNIQUE = "ON CONFLICT (src_lang, tgt_lang, source_hash, target_hash) DO NOTHING"


def quote(column: str) -> str:
    """A column name quoted for SQL (``end`` is a keyword)."""
    return f'"{column}"'


class Dialect:
    """SQLite's way; :class:`PostgresDialect` overrides what the server does differently."""

    name = "sqlite"
    #: ``UPDATE segments{by_source} ...``: without statistics SQLite would walk every unlinked
    #: segment of a document for each source (quadratic); the hint names the source index.
    by_source = " INDEXED BY segments_source"
    #: Appended to a ``SELECT`` that reads a row about to be changed: SQLite's write transaction
    #: (``BEGIN IMMEDIATE``) already keeps every other writer out.
    lock = ""
    fuzzy_index_class: type[FuzzyIndex] = FuzzyIndex
    #: Fold the fuzzy index every so many units of a long import, not only at its end.
    import_folds = True
    #: Tables that index the content (rebuilt from it): ``tm copy`` skips them.
    derived = ("_migrations", "fuzzy_", "units_fts", "sqlite_")

    # -- writes ---------------------------------------------------------------------------

    def insert_id(self, db: Database, sql: str, params: Sequence) -> int | None:
        """Run an ``INSERT ... ON CONFLICT DO NOTHING`` of one row: the new row's id, or None."""
        cur = db.write(sql, params)
        return cur.lastrowid if cur.rowcount == 1 else None

    def new_unit_ids(self, db: Database, n: int) -> list[int]:
        """``n`` unit ids for rows about to be inserted, increasing (inside :meth:`atomic`: the
        write transaction is SQLite's only writer, so the next ids are free)."""
        top = db.conn.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()[0]
        return list(range(top + 1, top + n + 1))

    def units_by_source(self, db: Database, src_lang: str, tgt_lang: str, hashes: list[str]) -> list:
        """``(source_hash, target_hash, id)`` of the units of a language pair with these
        source hashes (an index seek each)."""
        rows = []
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            rows += db.conn.execute(
                f"""SELECT source_hash, target_hash, id FROM units
                    WHERE src_lang = ? AND tgt_lang = ? AND source_hash IN ({', '.join('?' * len(chunk))})""",
                (src_lang, tgt_lang, *chunk),
            ).fetchall()
        return rows

    def upsert_document(self, db: Database, name: str, values: tuple, stamp: str) -> tuple[int, bool]:
        """Insert or update document ``name``: ``(id, whether it existed)``."""
        row = db.conn.execute(f"SELECT id FROM documents WHERE name = ?{self.lock}", (name,)).fetchone()
        if row is not None:
            db.write(
                """UPDATE documents SET content_hash = ?, src_lang = ?, tgt_lang = ?,
                       source_text = ?, updated_at = ? WHERE id = ?""",
                (*values, stamp, row[0]),
            )
            return row[0], True
        return self._insert_document(db, name, values, stamp)

    def _insert_document(self, db: Database, name: str, values: tuple, stamp: str) -> tuple[int, bool]:
        cur = db.write(
            f"INSERT INTO documents ({_DOCUMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", (name, *values, stamp, stamp)
        )
        return cur.lastrowid, False

    def bulk_insert(self, db: Database, rows: list[tuple]) -> int:
        """Insert unit rows (:func:`~tmtool.memory.core.unit_row`; a None id numbers the row as
        it goes in), leaving any already stored; how many were new."""
        return db.write_many(
            f"INSERT INTO units ({UNIT_INSERT_COLUMNS}) VALUES ({', '.join('?' * len(UNIT_INSERT_FIELDS))}) "
            + _UNIQUE,
            rows,
        ).rowcount

    bulk_needs_ids = False  # bulk_insert numbers rows itself, in the order given

    def before_import(self, db: Database) -> None:
        """Before a long import transaction."""
        # A bigger page cache for it: the unique index takes random inserts, and spilling
        # dirty pages to the WAL mid-transaction is what slows a big import.
        db.conn.execute("PRAGMA cache_size = -65536")

    def after_import(self, db: Database, added: int) -> None:
        """After an import (or a copy) committed ``added`` new units."""

    # -- lookups --------------------------------------------------------------------------

    def concordance(self, db: Database, words: list[str], side: str, where: list[str],
                    params: list, limit: int) -> list[Concordance]:
        """Units (alias ``u``, filtered by ``where``) whose source and/or target contain the
        phrase ``words``, best bm25 rank first (FTS5)."""
        match = '"' + " ".join(words).replace('"', '""') + '"'
        if side in ("source", "target"):
            match = f"{side} : {match}"
        rows = db.conn.execute(
            f"""SELECT {unit_columns('u')}, bm25(units_fts) AS rank
                FROM units_fts JOIN units u ON u.id = units_fts.rowid
                WHERE units_fts MATCH ? AND {' AND '.join(where)} ORDER BY rank, u.id LIMIT ?""",
            (match, *params, limit),
        ).fetchall()
        return [Concordance(unit_from_row(r), r["rank"]) for r in rows]

    # -- the whole memory -----------------------------------------------------------------

    def tables(self, db: Database) -> dict[str, list[str]]:
        """Content tables and their columns (indexes, migrations bookkeeping left out)."""
        names = [r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {
            t: [r[1] for r in db.conn.execute(f"PRAGMA table_info({t})")]
            for t in names if not t.startswith(self.derived)
        }

    def storage(self, db: Database) -> dict:
        """``bytes``: the data itself; ``file_bytes``: what it takes on disk."""
        q = db.conn.execute
        page_size = q("PRAGMA page_size").fetchone()[0]
        pages = q("PRAGMA page_count").fetchone()[0]
        free = q("PRAGMA freelist_count").fetchone()[0]
        return {"bytes": page_size * (pages - free), "file_bytes": db.file_bytes()}

    def read_rows(self, db: Database, table: str, columns: Sequence[str], batch: int) -> Iterator[list[tuple]]:
        """Every row of ``table`` (the given columns), in batches."""
        cur = db.conn.execute(f"SELECT {', '.join(map(quote, columns))} FROM {table}")
        while rows := cur.fetchmany(batch):
            yield [tuple(r) for r in rows]

    def write_rows(self, db: Database, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Insert rows as they are, ids included."""
        db.write_many(
            f"INSERT INTO {table} ({', '.join(map(quote, columns))}) VALUES ({', '.join('?' * len(columns))})", rows
        )

    def finish_copy(self, db: Database) -> None:
        """After :meth:`write_rows` of a copy: bring counters up to date."""


class PostgresDialect(Dialect):
    """PostgreSQL's way: ``RETURNING``, row locks, identity sequences, ``COPY``, ``tsvector``."""

    name = "postgresql"
    by_source = ""  # PostgreSQL plans by its statistics
    lock = " FOR UPDATE"
    fuzzy_index_class = PgFuzzyIndex
    # A fold holds the fold lock until its transaction ends: an import that folded midway would
    # keep other importers' final folds waiting while it may itself wait for their units (a
    # deadlock). Its units wait in fuzzy_pending instead, and are folded in batches at its end.
    import_folds = False
    derived = ("_migrations", "fuzzy_", "units_fts")
    bulk_needs_ids = True  # rows go in key order (no deadlock), numbered in file order first

    def insert_id(self, db: Database, sql: str, params: Sequence) -> int | None:
        row = db.write(sql + " RETURNING id", params).fetchone()
        return row[0] if row else None

    def new_unit_ids(self, db: Database, n: int) -> list[int]:
        if not n:
            return []
        rows = db.conn.native(
            "SELECT nextval(pg_get_serial_sequence('units', 'id')) FROM generate_series(1, %s)", (n,)
        )
        return [r[0] for r in rows]

    def units_by_source(self, db: Database, src_lang: str, tgt_lang: str, hashes: list[str]) -> list:
        # One join with the keys as an array: during a long import the planner's statistics
        # still say the table is small, and an IN list then reads it whole, batch after batch
        # (an import of 20,000 units took twice as long).
        return db.conn.native(
            """SELECT u.source_hash, u.target_hash, u.id FROM unnest(%s::text[]) AS k (source_hash)
               JOIN units u ON u.src_lang = %s AND u.tgt_lang = %s AND u.source_hash = k.source_hash""",
            (hashes, src_lang, tgt_lang),
        ).fetchall()

    def _insert_document(self, db: Database, name: str, values: tuple, stamp: str) -> tuple[int, bool]:
        # Another process may create it at this moment: then its row is updated (and locked).
        row = db.write(
            f"""INSERT INTO documents ({_DOCUMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET content_hash = excluded.content_hash,
                   src_lang = excluded.src_lang, tgt_lang = excluded.tgt_lang,
                   source_text = excluded.source_text, updated_at = excluded.updated_at
               RETURNING id""",
            (name, *values, stamp, stamp),
        ).fetchone()
        return row[0], True

    def bulk_insert(self, db: Database, rows: list[tuple]) -> int:
        # Through COPY to a scratch table, and from there into units in key order (as
        # add_units, so that importers and translators never deadlock).
        types = ", ".join(f"{c} {'bigint' if c == 'id' else 'text'}" for c in UNIT_INSERT_FIELDS)
        db.conn.native(f"CREATE TEMP TABLE IF NOT EXISTS tmtool_import ({types})")
        db.conn.native("TRUNCATE tmtool_import")
        with db.conn.copy(f"COPY tmtool_import ({UNIT_INSERT_COLUMNS}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        cur = db.conn.native(
            f"""INSERT INTO units ({UNIT_INSERT_COLUMNS}) SELECT {UNIT_INSERT_COLUMNS} FROM tmtool_import
                ORDER BY src_lang, tgt_lang, source_hash, target_hash {_UNIQUE}"""
        )
        return cur.rowcount

    def before_import(self, db: Database) -> None:
        pass

    def after_import(self, db: Database, added: int) -> None:
        # Fresh statistics at once: until autovacuum gets to the new rows, the planner would
        # guess at the postings and units (lookups right after a big import ran 10x slower).
        if added >= 1000:
            db.conn.native("ANALYZE units, units_fts, fuzzy_postings, fuzzy_pending")

    def concordance(self, db: Database, words: list[str], side: str, where: list[str],
                    params: list, limit: int) -> list[Concordance]:
        # Matched by the tsvector index, ranked here as FTS5 ranks (bm25: fewer words first
        # when the phrase occurs once), over the shortest candidates.
        q = "tmtool_fts_phrase(?)"
        cond = {"source": f"f.source @@ {q}", "target": f"f.target @@ {q}"}.get(
            side, f"(f.source @@ {q} OR f.target @@ {q})"
        )
        rows = db.conn.execute(
            f"""SELECT {unit_columns('u')} FROM units_fts f JOIN units u ON u.id = f.id
                WHERE {cond} AND {' AND '.join(where)}
                ORDER BY length(u.source) + length(u.target), u.id LIMIT ?""",
            ([" ".join(words)] * cond.count("?") + list(params) + [max(limit * 20, 500)]),
        ).fetchall()
        found = [unit_from_row(r) for r in rows]
        return [Concordance(u, rank) for rank, u in bm25(found, [fold_text(w) for w in words], side)[:limit]]

    def tables(self, db: Database) -> dict[str, list[str]]:
        rows = db.conn.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"""
        )
        tables: dict[str, list[str]] = {}
        for table, column in rows:
            if not table.startswith(self.derived):
                tables.setdefault(table, []).append(column)
        return tables

    def storage(self, db: Database) -> dict:
        row = db.conn.execute(
            """SELECT CAST(coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bigint),
                      pg_database_size(current_database())
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = current_schema() AND c.relkind = 'r'"""
        ).fetchone()
        return {"bytes": row[0], "file_bytes": row[1]}

    def read_rows(self, db: Database, table: str, columns: Sequence[str], batch: int) -> Iterator[list[tuple]]:
        with db.snapshot():
            cur = db.conn.raw.cursor(name=f"tmtool_read_{table}")  # server-side: streams
            try:
                cur.execute(f"SELECT {', '.join(map(quote, columns))} FROM {table}")
                while rows := cur.fetchmany(batch):
                    yield [tuple(r) for r in rows]
            finally:
                cur.close()

    def write_rows(self, db: Database, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        with db.conn.copy(f"COPY {table} ({', '.join(map(quote, columns))}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)

    def finish_copy(self, db: Database) -> None:
        # Rows came with their ids: the identity sequences go on after the largest.
        for table in ("units", "documents", "history", "glossary_entries"):
            db.conn.native(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "
                "HAVING max(id) IS NOT NULL"
            )


SQLITE = Dialect()
POSTGRES = PostgresDialect()
