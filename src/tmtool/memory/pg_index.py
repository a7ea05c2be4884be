"""The PostgreSQL store's indexes (issue 7): the fuzzy index's bookkeeping, concordance ranking.

The fuzzy postings are SQLite's (``fuzzy.py``), read and counted by the same code, so that both
back ends find the same candidates; what differs is how a server knows which units still wait
to be indexed. Concordance is matched by a ``tsvector`` index and ranked here as FTS5 ranks it.
"""

from __future__ import annotations

import re
import threading
import unicodedata

from ..records import TranslationUnit
from .fuzzy import FuzzyIndex

FOLD_LOCK = 0x746D746F6F6C02  # pg_advisory_xact_lock key: one folding process at a time
_MARKS = re.compile("[\U000F0000-\U000FFFFD]")


class PgFuzzyIndex(FuzzyIndex):
    """The fuzzy index in PostgreSQL: SQLite's postings, and a table of the units waiting to be
    folded in (filled by a trigger) instead of an id watermark."""

    def __init__(self, conn):
        self.conn = conn
        self._pairs: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def watermark(self) -> int:
        row = self.conn.execute("SELECT min(unit_id) FROM fuzzy_pending").fetchone()
        if row[0] is not None:
            return row[0] - 1
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()[0]

    def pending(self) -> int:
        return self.conn.execute("SELECT count(*) FROM fuzzy_pending").fetchone()[0]

    def unindexed(self, src_lang: str, tgt_lang: str) -> list:
        return self.conn.execute(
            """SELECT u.id, u.source FROM fuzzy_pending p JOIN units u ON u.id = p.unit_id
               WHERE u.src_lang = ? AND u.tgt_lang = ?""",
            (src_lang, tgt_lang),
        ).fetchall()

    def _new_pair(self, key: tuple[str, str]) -> int:
        return self.conn.execute(
            "INSERT INTO fuzzy_pairs (src_lang, tgt_lang) VALUES (?, ?) RETURNING id", key
        ).fetchone()[0]

    def _insert_postings(self, rows) -> None:
        with self.conn.copy("COPY fuzzy_postings (pair, gram, lb, n, ids) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)

    def fold(self, batch: int = 50_000, wait: bool = True) -> int:
        """Add every waiting unit to the index; returns how many. Inside a transaction: one
        process folds at a time (``wait=False``: none if another is folding)."""
        import numpy as np

        lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        got = self.conn.native(f"SELECT {lock}(%s)", (FOLD_LOCK,)).fetchone()[0]
        if got is False:
            return 0
        added = 0
        while True:
            rows = self.conn.execute(
                """SELECT u.id, u.src_lang, u.tgt_lang, u.source FROM fuzzy_pending p
                   JOIN units u ON u.id = p.unit_id ORDER BY p.unit_id LIMIT ?""",
                (batch,),
            ).fetchall()
            if not rows:
                break
            self._add_rows(rows, np)
            self.conn.native("DELETE FROM fuzzy_pending WHERE unit_id = ANY(%s)", ([r[0] for r in rows],))
            added += len(rows)
        if added:
            self._after_fold(added)
        return added


# -- concordance ranking ------------------------------------------------------------------


def fold_text(text: str) -> str:
    text = unicodedata.normalize("NFKD", _MARKS.sub(" ", text))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _tokens(text: str) -> list[str]:
    # FTS5's unicode61: letters, digits and marks make words; everything else separates.
    return re.findall(r"[^\W_]+", fold_text(text))


def _occurrences(tokens: list[str], words: list[str]) -> int:
    n = len(words)
    return sum(tokens[i : i + n] == words for i in range(len(tokens) - n + 1))


def bm25(units: list[TranslationUnit], words: list[str], side: str) -> list[tuple[float, TranslationUnit]]:
    """FTS5's bm25 for one phrase (k1 1.2, b 0.75; the phrase's idf is the same for every row,
    so it is left out of the order), the average length taken over the matches."""
    if not units:
        return []
    words = [t for w in words for t in _tokens(w)]
    stats = []
    for u in units:
        src, tgt = _tokens(u.source), _tokens(u.target)
        f = (_occurrences(src, words) if side != "target" else 0) + (
            _occurrences(tgt, words) if side != "source" else 0)
        stats.append((max(f, 1), len(src) + len(tgt)))
    avgdl = sum(d for _, d in stats) / len(stats) or 1.0
    ranked = [(-(f * 2.2) / (f + 1.2 * (0.25 + 0.75 * d / avgdl)), u) for (f, d), u in zip(stats, units)]
    ranked.sort(key=lambda r: (r[0], r[1].id))
    return ranked
