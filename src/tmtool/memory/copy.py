"""Copy a whole memory between back ends, streaming: ``tmtool tm copy SRC DST`` (issue 7).

Every content table (units with all their fields and props, documents, segments and their
links, history, scores; see ``core.CONTENT_TABLES``) is read in batches from one consistent
snapshot of the source and written, ids included, into an empty destination in one transaction;
the destination then rebuilds its indexes (fuzzy postings, full text). A copy is lossless: the
two memories answer every lookup the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from ..errors import TMError, UsageError
from .core import CONTENT_TABLES
from .database import Database

if TYPE_CHECKING:
    from .protocol import TranslationMemory


class Tables:
    """A memory's content tables as whole tables (``db``: the shared handle): what a copy
    reads from one memory and writes into another."""

    def __init__(self, db: Database):
        self.db = db

    def is_empty(self) -> bool:
        """True when the memory holds no content at all (no row in any content table)."""
        return all(
            self.db.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is None for t in self.content_tables()
        )

    def content_tables(self) -> dict[str, list[str]]:
        """The content tables (see ``CONTENT_TABLES``; any other table a later migration adds
        comes after them) with their columns, as this memory's schema has them."""
        tables = self.db.dialect.tables(self.db)
        order = [t for t in CONTENT_TABLES if t in tables] + sorted(t for t in tables if t not in CONTENT_TABLES)
        return {t: tables[t] for t in order}

    def read_rows(self, table: str, columns: Sequence[str], batch: int = 5000) -> Iterator[list[tuple]]:
        """Every row of ``table`` (the given columns), in batches, without holding the table in
        memory."""
        return self.db.dialect.read_rows(self.db, table, columns, batch)

    def write_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Insert rows as they are, ids included (into an empty memory; inside ``atomic()``)."""
        self.db.dialect.write_rows(self.db, table, columns, rows)


def copy_memory(
    src: TranslationMemory, dst: TranslationMemory, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy everything in ``src`` into the empty memory ``dst``; returns rows copied per table."""
    if str(src.path) == str(dst.path):
        raise UsageError("SRC and DST are the same memory")
    if not dst.is_empty():
        raise UsageError(f"{dst.path} already holds units or documents; copy needs an empty memory")
    tables = src.content_tables()
    into = dst.content_tables()
    for table, columns in tables.items():
        missing = [c for c in columns if c not in into.get(table, ())]
        if missing:
            raise TMError(
                f"{dst.path} has no {', '.join(f'{table}.{c}' for c in missing)}: "
                "its schema is older than the source's"
            )
    counts: dict[str, int] = {}
    with src.snapshot(), dst.atomic():
        for table, columns in tables.items():
            counts[table] = 0
            for rows in src.read_rows(table, columns):
                dst.write_rows(table, columns, rows)
                counts[table] += len(rows)
                if progress:
                    progress(table, counts[table])
        dst.finish_copy()
    return counts
