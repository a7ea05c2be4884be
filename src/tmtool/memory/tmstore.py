"""Exchange methods of the store: import/export (TMX, TSV, JSONL, XLIFF, PO) (issue 9).

A mixin that :class:`~tmtool.memory.store.Store` inherits until exchange moves to
``formats/`` (issue 15, part 3); the store supplies ``conn``, ``atomic()``, ``iter_units()``,
``_insert_units()`` and friends. Statistics are in ``stats.py``, ``iter_units`` in ``units.py``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..errors import InputError, UsageError
from ..records import STATUSES, TranslationUnit
from .normalize import text_hash


def _now() -> str:
    from .core import now

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


class MemoryIO:
    """Import and export for the store."""

    conn: sqlite3.Connection
    path: Path
    _import_folds = True  # fold the fuzzy index every _FOLD_EVERY units of an import, not only at its end

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
        encoding: str | None = None,
    ) -> ImportReport:
        """Import a TMX, TSV or JSONL file (``-``: stdin) in one transaction.

        A file with an error imports nothing; the :class:`FormatError` names its line. Units
        already stored (same languages, source and target) are merged, not repeated.
        ``status`` overrides the status of every imported unit (default: draft, or what our own
        exports recorded). ``encoding`` overrides the encoding a TMX file declares, or UTF-8 for
        TSV and JSONL; a byte-order mark always wins.
        """
        from ..formats import detect_format, unit_reader

        if status is not None and status not in STATUSES:
            raise UsageError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
        name = "<stdin>" if str(path) == "-" else str(path)
        started = time.perf_counter()
        # Opened before its format is guessed from its name: a missing file or a directory
        # is said to be one, whatever its name.
        with _open_binary(path) as stream:
            fmt = detect_format(path, fmt)
            reader = unit_reader(stream, fmt, name, src_lang, tgt_lang, encoding)
            report = ImportReport(name, fmt, src_lang, tgt_lang)
            self._bulk_import()
            try:
                with self.atomic():
                    # Counted per insert, not as a difference of totals: other processes may be
                    # adding units to a shared memory at the same time.
                    self._import_units(reader, report, status, progress)
                    report.merged = report.read - report.added
                    self.fuzzy_index().fold()
            except BaseException:
                self._fuzzy = None  # its caches may hold rows that were just rolled back
                raise
            self._after_import(report.added)
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
                report.added += self._insert_units(batch)
                report.read += len(batch)
                since_fold += len(batch)
                batch = []
                if progress:
                    progress(report.read)
                if self._import_folds and since_fold >= _FOLD_EVERY:
                    self.fuzzy_index().fold()
                    since_fold = 0
        if batch:
            report.added += self._insert_units(batch)
            report.read += len(batch)
            if progress:
                progress(report.read)

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
        if fmt in ("xliff", "po"):  # issue 18
            from ..formats.catunits import write_po, write_xliff

            if fmt == "po":
                return write_po(out, units, version=__version__)
            return write_xliff(out, units, src_lang=src_lang or self._main_source_language(),
                               tgt_lang=tgt_lang or "en", version=__version__)
        raise UsageError(f"unknown format {fmt!r} (one of tmx, tsv, jsonl, xliff, po)")

    def _main_source_language(self) -> str:
        rows = self.conn.execute("SELECT DISTINCT src_lang FROM units LIMIT 2").fetchall()
        # TMX 1.4b 3.2: "*all*" when the units do not share one source language.
        return rows[0][0] if len(rows) == 1 else ("*all*" if rows else "id")


class _open_binary:
    """A file (or stdin for ``-``) opened for binary reading, with a one-line error if not
    (:func:`tmtool.textio.open_binary`); closed on exit, stdin left open."""

    def __init__(self, path: str | Path):
        self.path = path
        self.f = None

    def __enter__(self):
        from ..textio import open_binary

        f = open_binary(self.path)
        if f is not sys.stdin.buffer:
            self.f = f
        return f

    def __exit__(self, *exc):
        if self.f is not None:
            self.f.close()
