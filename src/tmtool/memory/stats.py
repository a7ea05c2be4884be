"""The store's statistics (``tmtool tm stats``): units by language pair, origin and status,
documents, duplicates, size, the fuzzy index's state."""

from __future__ import annotations

from .database import Database


def _by_count(counts: dict) -> dict:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def memory_stats(db: Database) -> dict:
    """Units by language pair, origin and status; documents; duplicates; size; index state."""
    q = db.conn.execute
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
    dup = q(
        """SELECT count(*), CAST(coalesce(sum(n - 1), 0) AS INTEGER) FROM (SELECT count(*) AS n
           FROM units GROUP BY src_lang, tgt_lang, source_hash HAVING count(*) > 1) AS d"""
    ).fetchone()
    storage = db.dialect.storage(db)
    index = db.fuzzy_index()
    return {
        "path": str(db.path),
        "schema": db.schema_version,
        "units": sum(by_pair.values()),
        "pairs": [{"src_lang": a, "tgt_lang": b, "units": n} for (a, b), n in _by_count(by_pair).items()],
        "origins": _by_count(by_origin),
        "statuses": _by_count(by_status),
        "documents": q("SELECT count(*) FROM documents").fetchone()[0],
        "segments": q("SELECT count(*) FROM segments").fetchone()[0],
        # A source with several targets: alternatives a translator may want to resolve.
        "sources_with_several_targets": dup[0],
        "extra_targets": dup[1],
        "bytes": storage["bytes"],  # the data itself (SQLite: pages in use)
        "file_bytes": storage["file_bytes"],  # on disk (PostgreSQL: the whole database)
        "fuzzy_index": {"indexed_up_to": index.watermark(), "pending": index.pending()},
    }
