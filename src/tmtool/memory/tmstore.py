"""Exchange methods of :class:`TranslationMemory`: import/export (TMX, TSV, JSONL) and
statistics (issue 9); the lookups (fuzzy, context, concordance) are in ``lookup.py``.

A mixin: the store class supplies ``conn``, ``atomic()``, ``add_units()`` and friends, and this
module keeps its SQL inside ``memory/`` like the rest of the store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..errors import InputError, UsageError
from ..records import STATUSES, TranslationUnit
from .lookup import MemoryLookup
from .normalize import text_hash


def _now() -> str:
    from .store import now

    return now()

_IMPORT_BATCH = 2000
_FOLD_EVERY = 100_000  # units imported between two folds of the fuzzy index (memory stays flat)


@dataclass
class ImportReport:
    """What one file brought into the memory."""

    path: str
    format: str
    src_lang: str | None
    tgt_lang: str | None
    read: int = 0  # units read for the language pair
    added: int = 0  # new units
    merged: int = 0  # units already in the memory (same languages, source and target)
    skipped: dict[str, int] = field(default_factory=dict)  # units left out, by reason
    seconds: float = 0.0


class MemoryIO(MemoryLookup):
    """Import, export and statistics for :class:`TranslationMemory` (lookups: the base class)."""

    conn: sqlite3.Connection
    path: Path

    # -- import -------------------------------------------------------------------------

    def import_file(
        self,
        path: str | Path,
        *,
        fmt: str | None = None,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        status: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Import a TMX, TSV or JSONL file (``-``: stdin) in one transaction.

        A file with an error imports nothing; the :class:`FormatError` names its line. Units
        already stored (same languages, source and target) are merged, not repeated.
        ``status`` overrides the status of every imported unit (default: draft, or what our own
        exports recorded).
        """
        from ..formats import detect_format, unit_reader

        if status is not None and status not in STATUSES:
            raise UsageError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
        fmt = detect_format(path, fmt)
        name = "<stdin>" if str(path) == "-" else str(path)
        started = time.perf_counter()
        with _open_binary(path) as stream:
            reader = unit_reader(stream, fmt, name, src_lang, tgt_lang)
            report = ImportReport(name, fmt, src_lang, tgt_lang)
            # A bigger page cache for the one long transaction: the unique index takes random
            # inserts, and spilling dirty pages to the WAL mid-transaction is what slows a big import.
            self.conn.execute("PRAGMA cache_size = -65536")
            try:
                with self.atomic():
                    before = self.count_units()
                    self._import_units(reader, report, status, progress)
                    report.added = self.count_units() - before
                    report.merged = report.read - report.added
                    self.fuzzy_index().fold()
            except BaseException:
                self._fuzzy = None  # its caches may hold rows that were just rolled back
                raise
        report.src_lang = getattr(reader, "src_lang", src_lang)
        report.tgt_lang = getattr(reader, "tgt_lang", tgt_lang)
        report.skipped = dict(reader.skipped)
        report.seconds = time.perf_counter() - started
        return report

    def _import_units(self, reader, report: ImportReport, status, progress) -> None:
        batch: list[TranslationUnit] = []
        since_fold = 0
        for _line, unit in reader:
            if status is not None:
                unit.status = status
            batch.append(unit)
            if len(batch) >= _IMPORT_BATCH:
                self._insert_units(batch)
                report.read += len(batch)
                since_fold += len(batch)
                batch = []
                if progress:
                    progress(report.read)
                if since_fold >= _FOLD_EVERY:
                    self.fuzzy_index().fold()
                    since_fold = 0
        if batch:
            self._insert_units(batch)
            report.read += len(batch)
            if progress:
                progress(report.read)

    def _insert_units(self, units: list[TranslationUnit]) -> None:
        """``add_units`` for a bulk import: the same merge rule (a unit whose languages, source
        and target are stored is left as it is), one ``executemany``, no ids returned. The
        readers have checked origin and status."""
        stamp = _now()
        rows = [
            (u.src_lang, u.tgt_lang, u.source, u.target, text_hash(u.source), text_hash(u.target),
             u.origin, u.model, u.status, u.author, u.prev_source, u.next_source,
             json.dumps(u.props, ensure_ascii=False) if u.props else None,
             u.created_at or stamp, u.updated_at or stamp)
            for u in units
        ]
        try:
            self.conn.executemany(
                """INSERT INTO units (src_lang, tgt_lang, source, target, source_hash, target_hash,
                       origin, model, status, author, prev_source, next_source, props,
                       created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (src_lang, tgt_lang, source_hash, target_hash) DO NOTHING""",
                rows,
            )
        except sqlite3.OperationalError as e:
            from .store import _tm_error

            raise _tm_error(self.path, e) from None

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
        for column, value in (("src_lang", src_lang), ("tgt_lang", tgt_lang)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
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

    def export(
        self,
        out: TextIO,
        fmt: str = "tmx",
        *,
        status: Sequence[str] | None = None,
        doc: str | None = None,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
    ) -> int:
        """Write the units matching the filters to ``out`` as TMX 1.4b, TSV or JSONL; returns
        how many were written."""
        from .. import __version__

        units = self.iter_units(status=status, doc=doc, src_lang=src_lang, tgt_lang=tgt_lang)
        if fmt == "tmx":
            from ..formats.tmx import write_tmx

            srclang = src_lang or self._main_source_language()
            return write_tmx(out, units, srclang=srclang, version=__version__)
        if fmt == "tsv":
            from ..formats.tsv import write_tsv

            return write_tsv(out, units)
        if fmt == "jsonl":
            from ..formats.jsonl import write_jsonl

            return write_jsonl(out, units)
        raise UsageError(f"unknown format {fmt!r} (one of tmx, tsv, jsonl)")

    def _main_source_language(self) -> str:
        rows = self.conn.execute("SELECT DISTINCT src_lang FROM units LIMIT 2").fetchall()
        # TMX 1.4b 3.2: "*all*" when the units do not share one source language.
        return rows[0][0] if len(rows) == 1 else ("*all*" if rows else "id")

    # -- statistics ---------------------------------------------------------------------

    def stats(self) -> dict:
        """Units by language pair, origin and status; documents; duplicates; size; index state."""
        q = self.conn.execute
        units = q("SELECT count(*) FROM units").fetchone()[0]
        dup = q(
            """SELECT count(*), coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM units
               GROUP BY src_lang, tgt_lang, source_hash HAVING n > 1)"""
        ).fetchone()
        page_size = q("PRAGMA page_size").fetchone()[0]
        pages = q("PRAGMA page_count").fetchone()[0]
        free = q("PRAGMA freelist_count").fetchone()[0]
        index = self.fuzzy_index()
        return {
            "path": str(self.path),
            "schema": self.schema_version,
            "units": units,
            "pairs": [{"src_lang": a, "tgt_lang": b, "units": n} for a, b, n in q(
                "SELECT src_lang, tgt_lang, count(*) FROM units GROUP BY 1, 2 ORDER BY 3 DESC")],
            "origins": dict(q("SELECT origin, count(*) FROM units GROUP BY 1 ORDER BY 2 DESC").fetchall()),
            "statuses": dict(q("SELECT status, count(*) FROM units GROUP BY 1 ORDER BY 2 DESC").fetchall()),
            "documents": q("SELECT count(*) FROM documents").fetchone()[0],
            "segments": q("SELECT count(*) FROM segments").fetchone()[0],
            # A source with several targets: alternatives a translator may want to resolve.
            "sources_with_several_targets": dup[0],
            "extra_targets": dup[1],
            "bytes": page_size * (pages - free),
            "file_bytes": _file_size(self.path),
            "fuzzy_index": {"indexed_up_to": index.watermark(), "pending": index.pending()},
        }


def _file_size(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += os.path.getsize(f"{path}{suffix}")
        except OSError:
            pass
    return total


class _open_binary:
    """A file (or stdin for ``-``) opened for binary reading, with a one-line error if not."""

    def __init__(self, path: str | Path):
        self.path = path
        self.f = None

    def __enter__(self):
        if str(self.path) == "-":
            return sys.stdin.buffer
        try:
            self.f = open(self.path, "rb")
        except FileNotFoundError:
            raise InputError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{self.path} is a directory") from None
        except OSError as e:
            raise InputError(f"cannot read {self.path}: {e.strerror or e}") from None
        return self.f

    def __exit__(self, *exc):
        if self.f is not None:
            self.f.close()
