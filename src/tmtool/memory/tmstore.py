"""Bulk methods of the store: importing units in batches, reading them all back, and
statistics (issue 9); the lookups (fuzzy, context, concordance) are in ``lookup.py``.

A mixin: the store class supplies ``conn``, ``atomic()``, ``add_units()`` and friends, and this
module keeps its SQL inside ``memory/`` like the rest of the store. Files are not its business:
:mod:`tmtool.exchange` reads and writes them (issue 15).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from ..errors import UsageError
from ..records import STATUSES, TranslationUnit
from .lookup import MemoryLookup
from .normalize import text_hash


def _now() -> str:
    from .core import now

    return now()

_IMPORT_BATCH = 2000
_FOLD_EVERY = 100_000  # units imported between two folds of the fuzzy index (memory stays flat)


class MemoryIO(MemoryLookup):
    """Bulk import, reading every unit and statistics for the store (lookups: the base class)."""

    conn: sqlite3.Connection
    path: Path
    _import_folds = True  # fold the fuzzy index every _FOLD_EVERY units of an import, not only at its end

    # -- import -------------------------------------------------------------------------

    def import_units(
        self,
        units: Iterable[TranslationUnit],
        *,
        status: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[int, int]:
        """Store ``units`` (an import: a file's, read as they come) in one transaction, in
        batches; ``(read, added)``.

        The merge rule of :meth:`add_units`: a unit whose languages, source and target are
        stored is left as it is. ``status`` overrides every unit's status; ``progress`` is
        called with the units read so far after each batch. An error (in the units' source,
        say a file's bad line) rolls back everything. The fuzzy index is folded at the end (and
        on SQLite every ``_FOLD_EVERY`` units, so that memory stays flat).
        """
        if status is not None and status not in STATUSES:
            raise UsageError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
        self._bulk_import()
        try:
            with self.atomic():
                # Counted per insert, not as a difference of totals: other processes may be
                # adding units to a shared memory at the same time.
                read, added = self._import_batches(units, status, progress)
                self.fuzzy_index().fold()
        except BaseException:
            self._fuzzy = None  # its caches may hold rows that were just rolled back
            raise
        self._after_import(added)
        return read, added

    def _import_batches(self, units: Iterable[TranslationUnit], status: str | None,
                        progress: Callable[[int], None] | None) -> tuple[int, int]:
        read = added = since_fold = 0
        batch: list[TranslationUnit] = []
        for unit in units:
            if status is not None:
                unit.status = status
            batch.append(unit)
            if len(batch) >= _IMPORT_BATCH:
                added += self._insert_units(batch)
                read += len(batch)
                since_fold += len(batch)
                batch = []
                if progress:
                    progress(read)
                if self._import_folds and since_fold >= _FOLD_EVERY:
                    self.fuzzy_index().fold()
                    since_fold = 0
        if batch:
            added += self._insert_units(batch)
            read += len(batch)
            if progress:
                progress(read)
        return read, added

    def _insert_units(self, units: list[TranslationUnit]) -> int:
        """``add_units`` for a bulk import: the same merge rule (a unit whose languages, source
        and target are stored is left as it is), one ``executemany``, no ids returned; how many
        were new. The readers have checked origin and status."""
        stamp = _now()
        rows = [
            (u.src_lang, u.tgt_lang, u.source, u.target, text_hash(u.source), text_hash(u.target),
             u.origin, u.model, u.status, u.author, u.prev_source, u.next_source,
             json.dumps(u.props, ensure_ascii=False) if u.props else None,
             u.created_at or stamp, u.updated_at or stamp)
            for u in units
        ]
        return self._write_many(
            """INSERT INTO units (src_lang, tgt_lang, source, target, source_hash, target_hash,
                   origin, model, status, author, prev_source, next_source, props,
                   created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (src_lang, tgt_lang, source_hash, target_hash) DO NOTHING""",
            rows,
        ).rowcount

    # -- export -------------------------------------------------------------------------

    def iter_units(
        self,
        *,
        status: Sequence[str] | None = None,
        doc: str | None = None,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        batch: int = 2000,
    ) -> Iterator[TranslationUnit]:
        """Every unit matching the filters, by id, read in batches (a million stay out of RAM)."""
        from .store import _UNIT_COLUMNS, _unit

        where, params = ["id > ?"], []
        if status:
            where.append(f"status IN ({','.join('?' * len(status))})")
            params += list(status)
        if doc is not None:
            doc_id = self.get_document(doc).id
            where.append("id IN (SELECT tu_id FROM segments WHERE doc_id = ?)")
            params.append(doc_id)
        if src_lang or tgt_lang:  # any variant of the language: en-US and en-GB for en
            langs, values, _ = self._lang_where(src_lang, tgt_lang)
            where.append(langs)
            params += values
        last = 0
        while True:
            rows = self.conn.execute(
                f"SELECT {_UNIT_COLUMNS} FROM units WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
                (last, *params, batch),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _unit(row)
            last = rows[-1]["id"]

    def main_source_language(self) -> str:
        """The source language of every unit, ``*all*`` if they have several (TMX 1.4b's
        header ``srclang``), ``id`` if the memory is empty."""
        rows = self.conn.execute("SELECT DISTINCT src_lang FROM units LIMIT 2").fetchall()
        # TMX 1.4b 3.2: "*all*" when the units do not share one source language.
        return rows[0][0] if len(rows) == 1 else ("*all*" if rows else "id")

    # -- statistics ---------------------------------------------------------------------

    def stats(self) -> dict:
        """Units by language pair, origin and status; documents; duplicates; size; index state."""
        q = self.conn.execute
        # One scan for the totals by pair, origin and status (four scans took 0.9 s of a million-unit
        # PostgreSQL memory's stats), folded here.
        by_pair: dict[tuple[str, str], int] = {}
        by_origin: dict[str, int] = {}
        by_status: dict[str, int] = {}
        for src, tgt, origin, status, n in q(
            "SELECT src_lang, tgt_lang, origin, status, count(*) FROM units GROUP BY 1, 2, 3, 4"
        ).fetchall():
            by_pair[(src, tgt)] = by_pair.get((src, tgt), 0) + n
            by_origin[origin] = by_origin.get(origin, 0) + n
            by_status[status] = by_status.get(status, 0) + n
        units = sum(by_pair.values())
        dup = q(
            """SELECT count(*), CAST(coalesce(sum(n - 1), 0) AS INTEGER) FROM (SELECT count(*) AS n
               FROM units GROUP BY src_lang, tgt_lang, source_hash HAVING count(*) > 1) AS d"""
        ).fetchone()
        storage = self._storage()
        index = self.fuzzy_index()
        return {
            "path": str(self.path),
            "schema": self.schema_version,
            "units": units,
            "pairs": [{"src_lang": a, "tgt_lang": b, "units": n}
                      for (a, b), n in sorted(by_pair.items(), key=lambda kv: (-kv[1], kv[0]))],
            "origins": dict(sorted(by_origin.items(), key=lambda kv: (-kv[1], kv[0]))),
            "statuses": dict(sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0]))),
            "documents": q("SELECT count(*) FROM documents").fetchone()[0],
            "segments": q("SELECT count(*) FROM segments").fetchone()[0],
            # A source with several targets: alternatives a translator may want to resolve.
            "sources_with_several_targets": dup[0],
            "extra_targets": dup[1],
            "bytes": storage["bytes"],  # the data itself (SQLite: pages in use)
            "file_bytes": storage["file_bytes"],  # on disk (PostgreSQL: the whole database)
            "fuzzy_index": {"indexed_up_to": index.watermark(), "pending": index.pending()},
        }
