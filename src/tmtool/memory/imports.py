"""Bulk import of units into the store: one transaction, batches, the merge rule of
``add_units``, the fuzzy index folded as it goes. Files are not its business:
:mod:`tmtool.exchange` reads them and hands the units over (issue 15)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..errors import UsageError
from ..records import STATUSES, TranslationUnit
from .database import Database
from .units import Units

IMPORT_BATCH = 2000
FOLD_EVERY = 100_000  # units imported between two folds of the fuzzy index (memory stays flat)


class Imports:
    """Bulk import (``db``: the shared handle; ``units``: the part that inserts the batches)."""

    def __init__(self, db: Database, units: Units):
        self.db = db
        self.units = units

    def import_units(self, units: Iterable[TranslationUnit], *, status: str | None = None,
                     progress: Callable[[int], None] | None = None) -> tuple[int, int]:
        """Store ``units`` (an import: a file's, read as they come) in one transaction, in
        batches; ``(read, added)``.

        The merge rule of ``add_units``: a unit whose languages, source and target are stored
        is left as it is. ``status`` overrides every unit's status; ``progress`` is called with
        the units read so far after each batch. An error (in the units' source, say a file's bad
        line) rolls back everything. The fuzzy index is folded at the end (and, where the
        dialect allows, every ``FOLD_EVERY`` units, so that memory stays flat).
        """
        if status is not None and status not in STATUSES:
            raise UsageError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
        db = self.db
        db.dialect.before_import(db)
        try:
            with db.atomic():
                # Counted per insert, not as a difference of totals: other processes may be
                # adding units to a shared memory at the same time.
                read, added = self._batches(units, status, progress)
                db.fuzzy_index().fold()
        except BaseException:
            db.fuzzy = None  # its caches may hold rows that were just rolled back
            raise
        db.dialect.after_import(db, added)
        return read, added

    def _batches(self, units: Iterable[TranslationUnit], status: str | None,
                 progress: Callable[[int], None] | None) -> tuple[int, int]:
        read = added = since_fold = 0
        batch: list[TranslationUnit] = []
        for unit in units:
            if status is not None:
                unit.status = status
            batch.append(unit)
            if len(batch) >= IMPORT_BATCH:
                added += self.units.insert_batch(batch)
                read += len(batch)
                since_fold += len(batch)
                batch = []
                if progress:
                    progress(read)
                if self.db.dialect.import_folds and since_fold >= FOLD_EVERY:
                    self.db.fuzzy_index().fold()
                    since_fold = 0
        if batch:
            added += self.units.insert_batch(batch)
            read += len(batch)
            if progress:
                progress(read)
        return read, added
