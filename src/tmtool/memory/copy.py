"""Copy a whole memory between back ends, streaming: ``tmtool tm copy SRC DST`` (issue 7).

Every content table (units with all their fields and props, documents, segments and their
links, history, scores; see ``base.CONTENT_TABLES``) is read in batches from one consistent
snapshot of the source and written, ids included, into an empty destination in one transaction;
the destination then rebuilds its indexes (fuzzy postings, full text). A copy is lossless: the
two memories answer every lookup the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import TMError, UsageError
from .protocol import TranslationMemory


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
