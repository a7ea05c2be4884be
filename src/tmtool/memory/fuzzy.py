"""Fuzzy matching: CAT percentages, word diffs, and the trigram index kept in the TM file.

Score (what a translator reads, as in translate-toolkit, Weblate, OmegaT)::

    100 * (1 - Levenshtein distance / length of the longer string)

on normalised text (NFC, whitespace folded), character level so that short segments score
sensibly; a word-level score breaks ties. 100 is reserved for an identical source, 99 for one
that differs only in case, punctuation, spacing or inline tags, 101 for an identical source in
the same context (previous and next segment), as memoQ and Trados show it; any other
difference scores at most 98, however long the sentence.

Index: for every unit, the set of its character trigrams (case-folded) is stored as postings in
``fuzzy_postings``, partitioned by language pair and by length bucket (geometric, 15 % wide):
one row per (trigram, bucket, chunk), the unit ids a packed ``uint32`` array. A lookup reads
only the buckets whose lengths can reach the threshold (exact for this score: the distance is at
least the length difference), and there only the postings of the query's 32 rarest trigrams,
counts how many of those each unit contains and rescores the best 50 with rapidfuzz. Units added since the last
fold (ids above the watermark) are scanned directly, so the index never misses one; they are
folded in once there are ``FOLD_MIN`` of them.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass

from ..inline import strip_markers
from ..records import TranslationUnit
from .normalize import normalize

DEFAULT_MIN_SCORE = 75
FOLD_MIN = 1000  # unindexed units a lookup tolerates before it folds them into the index
RARE_GRAMS = 32  # postings read per query: the rarest trigrams carry the most evidence
MIN_GRAMS = 12  # ... at least this many of them, however common
POSTINGS_BUDGET = 80_000  # ... and beyond MIN_GRAMS no more postings than this in all
RESCORE = 50  # candidates rescored exactly
COMPACT_AFTER = 10_000  # a fold of this many units compacts the postings ...
COMPACT_EVERY = 16  # ... and so does every 16th smaller fold
MAX_CHUNKS = 8  # a trigram's postings are merged into one row when it has more
_BIG_CHUNK = 65_536  # chunks at least this long are never merged again
_BUCKET_RATIO = math.log(1.15)  # length buckets grow by 15 %: a 75 % window spans about 5
_WORDS = re.compile(r"\w+|[^\w\s]+", re.UNICODE)
_NOT_WORD = re.compile(r"[\W_]+")  # punctuation, spaces, symbols and the inline-tag markers


@dataclass(frozen=True)
class FuzzyMatch:
    """A unit whose source resembles a query, with the scores and the difference."""

    unit: TranslationUnit
    score: int  # CAT percentage: 101 context, 100 exact, 99 case/punctuation/tags only, else <= 98
    similarity: float  # character-level similarity, 0-100, unrounded
    word_similarity: float  # word-level similarity, 0-100 (the tie-breaker)
    diff: tuple[tuple[str, str], ...]  # from the unit's source to the query: ("=", w) ("-", w) ("+", w)


# -- scoring -----------------------------------------------------------------------------


def loose_key(text: str) -> str:
    """Letters and digits only, case-folded: equal keys differ in case/punctuation/spacing/tags."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def similarity(a: str, b: str) -> float:
    """Character-level CAT similarity of two texts, 0-100, on their normalised forms."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.normalized_similarity(normalize(a), normalize(b)) * 100


def words(text: str) -> list[str]:
    return _WORDS.findall(strip_markers(normalize(text)))


def word_similarity(a: str, b: str) -> float:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.normalized_similarity(words(a), words(b)) * 100


def cat_score(query: str, source: str, sim: float | None = None) -> int:
    """The percentage a CAT tool shows for ``source`` as a match of ``query`` (see module doc)."""
    if normalize(query) == normalize(source):
        return 100
    if loose_key(query) == loose_key(source) and loose_key(query):
        return 99
    return min(98, math.floor(similarity(query, source) if sim is None else sim))


def word_diff(source: str, query: str) -> tuple[tuple[str, str], ...]:
    """Word-level edit script from a match's ``source`` to the ``query``, runs merged."""
    from rapidfuzz.distance import Levenshtein

    (a, a_gap), (b, b_gap) = _spaced_words(source), _spaced_words(query)
    out: list[tuple[str, str]] = []

    def put(op: str, ws: list[str], gaps: list[str]) -> None:
        if not ws:
            return
        # The words keep the spacing of their text: "Azerbaijan." stays one run, not "Azerbaijan ." (issue 14).
        text = ws[0] + "".join(g + w for g, w in zip(gaps[1:], ws[1:]))
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + gaps[0] + text)
        else:
            out.append((op, text))

    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(a, b):
        if tag == "equal":
            put("=", a[i1:i2], a_gap[i1:i2])
        else:
            put("-", a[i1:i2], a_gap[i1:i2])
            put("+", b[j1:j2], b_gap[j1:j2])
    return tuple(out)


def _spaced_words(text: str) -> tuple[list[str], list[str]]:
    """The :func:`words` of ``text`` and, for each, the space before it in the text ("" or " ")."""
    norm = strip_markers(normalize(text))
    found = list(_WORDS.finditer(norm))
    gaps = [" " if m.start() > 0 and norm[m.start() - 1].isspace() else "" for m in found]
    return [m.group() for m in found], gaps


def length_window(length: int, min_score: float) -> tuple[int, int]:
    """Source lengths that can score ``min_score`` against a query of ``length`` characters."""
    s = max(min_score, 1) / 100
    # Widened by 2 so that the 99 rule (punctuation-only differences) still finds short segments.
    return max(0, math.floor(length * s) - 2), math.ceil(length / s) + 2


def gram_codes(text: str) -> set[int]:
    """Case-folded character trigrams of normalised ``text`` (padded), each packed in 63 bits."""
    s = " " + strip_markers(text).casefold() + " "
    o = list(map(ord, s))
    return {(a << 42) | (b << 21) | c for a, b, c in zip(o, o[1:], o[2:])}


def length_bucket(length: int) -> int:
    """The postings partition of a text of ``length`` characters (geometric, ratio 1.15)."""
    return int(math.log(max(length, 1)) / _BUCKET_RATIO)


def gram_arrays(texts: list[str], ids: list[int], np, buckets: list[int] | None = None):
    """The trigrams of many normalised texts at once, as :func:`gram_codes` makes them one by
    one: ``(codes int64, unit ids uint32, buckets uint8)``, one entry per trigram occurrence."""
    padded = [" " + strip_markers(t).casefold() + " " for t in texts]
    lens = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    chars = np.frombuffer("".join(padded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    chars = chars.astype(np.int64)
    buckets = np.asarray(buckets if buckets is not None else [0] * len(texts), dtype=np.uint8)
    if len(chars) < 3:
        return np.empty(0, np.int64), np.empty(0, np.uint32), np.empty(0, np.uint8)
    codes = (chars[:-2] << 42) | (chars[1:-1] << 21) | chars[2:]
    owner = np.repeat(np.arange(len(padded)), lens)[:-2]
    inside = np.arange(len(codes)) + 2 < np.cumsum(lens)[owner]  # not across two texts
    owner = owner[inside]
    return codes[inside], np.asarray(ids, dtype=np.uint32)[owner], buckets[owner]


# -- the persistent index ----------------------------------------------------------------


class FuzzyIndex:
    """The trigram index of one TM connection. Writers wrap :meth:`fold` in ``atomic()``."""

    def __init__(self, conn):
        self.conn = conn
        self._pairs: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        # Postings are read as BLOBs: memory-mapped pages spare a copy and a system call each.
        conn.execute("PRAGMA mmap_size = 4294967296")

    def watermark(self) -> int:
        return self._state("watermark")

    def _state(self, key: str) -> int:
        row = self.conn.execute("SELECT value FROM fuzzy_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else 0

    def _set_state(self, key: str, value: int) -> None:
        self.conn.execute(
            "INSERT INTO fuzzy_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def pending(self) -> int:
        """Units not folded into the index yet."""
        return self.conn.execute("SELECT count(*) FROM units WHERE id > ?", (self.watermark(),)).fetchone()[0]

    def unindexed(self, src_lang: str, tgt_lang: str) -> list:
        """``(id, source)`` of the language pair's units not folded in yet (lookups scan them)."""
        return self.conn.execute(
            # The unary + keeps SQLite on the rowid range instead of the language-pair index.
            "SELECT id, source FROM units WHERE id > ? AND +src_lang = ? AND +tgt_lang = ?",
            (self.watermark(), src_lang, tgt_lang),
        ).fetchall()

    def pair_id(self, src_lang: str, tgt_lang: str, create: bool = False) -> int | None:
        key = (src_lang, tgt_lang)
        if key not in self._pairs:
            row = self.conn.execute(
                "SELECT id FROM fuzzy_pairs WHERE src_lang = ? AND tgt_lang = ?", key
            ).fetchone()
            if row is None:
                if not create:
                    return None
                row = (self._new_pair(key),)
            self._pairs[key] = row[0]
        return self._pairs[key]

    def _new_pair(self, key: tuple[str, str]) -> int:
        return self.conn.execute("INSERT INTO fuzzy_pairs (src_lang, tgt_lang) VALUES (?, ?)", key).lastrowid

    def fold(self, batch: int = 50_000, wait: bool = True) -> int:
        """Add every unit above the watermark to the index; returns how many. Call inside a
        transaction: the postings and the new watermark commit together. (``wait``: SQLite's
        write transaction already makes a fold the only one.)"""
        import numpy as np

        start = mark = self.watermark()
        added = 0
        while True:
            rows = self.conn.execute(
                "SELECT id, src_lang, tgt_lang, source FROM units WHERE id > ? ORDER BY id LIMIT ?",
                (mark, batch),
            ).fetchall()
            if not rows:
                break
            self._add_rows(rows, np)
            mark = rows[-1][0]
            added += len(rows)
        if mark != start:
            self._set_state("watermark", mark)
            self._after_fold(added)
        return added

    def _after_fold(self, added: int) -> None:
        """Count a fold of ``added`` units, and compact the postings when it is time."""
        folds = self._state("folds") + 1
        # Merging small chunks costs a scan of the postings index: do it after big folds and
        # after every COMPACT_EVERY-th small one.
        if added >= COMPACT_AFTER or folds >= COMPACT_EVERY:
            self._compact()
            folds = 0
        self._set_state("folds", folds)

    def _add_rows(self, rows, np) -> None:
        by_pair: dict[int, tuple[list[str], list[int], list[int]]] = {}
        for tu_id, src, tgt, source in rows:
            text = normalize(source)
            texts, ids, buckets = by_pair.setdefault(self.pair_id(src, tgt, create=True), ([], [], []))
            texts.append(text)
            ids.append(tu_id)
            buckets.append(length_bucket(len(text)))
        for pair, (texts, ids, buckets) in by_pair.items():
            g, i, b = gram_arrays(texts, ids, np, buckets)
            order = np.lexsort((b, g))  # by trigram, then length bucket; stable
            g, i, b = g[order], i[order], b[order]
            keep = np.ones(len(g), dtype=bool)  # a trigram twice in one unit counts once
            keep[1:] = (g[1:] != g[:-1]) | (i[1:] != i[:-1])
            g, i, b = g[keep], i[keep], b[keep]
            if not len(g):
                continue
            cuts = np.flatnonzero((g[1:] != g[:-1]) | (b[1:] != b[:-1])) + 1
            starts = np.concatenate(([0], cuts))
            ends = np.concatenate((cuts, [len(g)]))
            self._insert_postings(
                (pair, int(g[s]), int(b[s]), int(e - s), i[s:e].tobytes()) for s, e in zip(starts, ends)
            )

    def _insert_postings(self, rows) -> None:
        self.conn.executemany("INSERT INTO fuzzy_postings (pair, gram, lb, n, ids) VALUES (?, ?, ?, ?, ?)", rows)

    def _compact(self) -> None:
        # Each fold appends one chunk per (trigram, length bucket); a key with more than
        # MAX_CHUNKS gets its small chunks merged into one, so a lookup reads few rows per key.
        # Big chunks are left alone: merging them would rewrite most of the index every time.
        keys = self.conn.execute(
            "SELECT pair, gram, lb FROM fuzzy_postings GROUP BY pair, gram, lb HAVING count(*) > ?",
            (MAX_CHUNKS,),
        ).fetchall()
        for pair, gram, lb in keys:
            small = self.conn.execute(
                "SELECT id, ids FROM fuzzy_postings WHERE pair = ? AND gram = ? AND lb = ? AND n < ? ORDER BY id",
                (pair, gram, lb, _BIG_CHUNK),
            ).fetchall()
            if len(small) < 2:
                continue
            merged = b"".join(c[1] for c in small)
            self.conn.execute(
                f"DELETE FROM fuzzy_postings WHERE id IN ({','.join('?' * len(small))})",
                [c[0] for c in small],
            )
            self.conn.execute(
                "INSERT INTO fuzzy_postings (pair, gram, lb, n, ids) VALUES (?, ?, ?, ?, ?)",
                (pair, gram, lb, len(merged) // 4, merged),
            )

    def candidates(self, text: str, src_lang: str, tgt_lang: str, lo: int, hi: int,
                   limit: int = RESCORE) -> list[int]:
        """Ids of up to ``limit`` indexed units, of a length in ``[lo, hi]`` (to the bucket),
        that contain the most of the rarest trigrams of ``text``."""
        import numpy as np

        pair = self.pair_id(src_lang, tgt_lang)
        codes = list(gram_codes(normalize(text)))
        if pair is None or not codes:
            return []
        blo, bhi = length_bucket(lo), length_bucket(hi)
        marks = ",".join("?" * len(codes))
        # Document frequency within the length window: that is what a trigram costs to read.
        df = self.conn.execute(
            f"SELECT gram, sum(n) FROM fuzzy_postings WHERE pair = ? AND gram IN ({marks}) "
            "AND lb BETWEEN ? AND ? GROUP BY gram",
            (pair, *codes, blo, bhi),
        ).fetchall()
        rare, total = [], 0
        # Rarest first; equally rare ones by code, so that every database picks the same.
        for gram, n in sorted(df, key=lambda r: (r[1], r[0]))[:RARE_GRAMS]:
            # Past MIN_GRAMS, stop where the postings get long: common trigrams cost the most to
            # count and say the least about which unit is nearest.
            if len(rare) >= MIN_GRAMS and total + n > POSTINGS_BUDGET:
                break
            rare.append(gram)
            total += n
        if not rare:
            return []
        by_gram: dict[int, list[bytes]] = {}
        for gram, blob in self.conn.execute(
            f"SELECT gram, ids FROM fuzzy_postings WHERE pair = ? AND gram IN ({','.join('?' * len(rare))}) "
            "AND lb BETWEEN ? AND ?",
            (pair, *rare, blo, bhi),
        ):
            by_gram.setdefault(gram, []).append(blob)
        arrays = [np.frombuffer(b"".join(blobs), dtype=np.uint32) for blobs in by_gram.values()]
        ids = np.concatenate(arrays)
        with self._lock:  # the counter array is shared by the threads using this memory
            return self._top(arrays, ids, limit, np)

    def _top(self, arrays, ids, limit: int, np) -> list[int]:
        counts = self._counter(int(ids.max()) + 1, np)
        try:
            # A unit is in one length bucket and once per trigram, so the postings of one
            # trigram hold no id twice and fancy-index increments count exactly.
            for arr in arrays:
                counts[arr] += 1
            hits = counts[ids]  # an id with count c appears c times here
            per_count = np.bincount(hits)
            # Lowest count that still leaves at least `limit` distinct units at or above it.
            units_at = per_count[1:] // np.arange(1, len(per_count))
            above = np.cumsum(units_at[::-1])[::-1]
            floor = int(np.flatnonzero(above >= limit).max()) + 1 if (above >= limit).any() else 1
            found = np.unique(ids[hits >= floor])
            if len(found) > limit:
                top = np.argpartition(-counts[found].astype(np.int16), limit - 1)[:limit]
                found = found[top]
            return [int(x) for x in found]
        finally:
            counts[ids] = 0

    def _counter(self, size: int, np):
        # One zeroed uint8 array per index, reused by every lookup (zeroing 1 MB per query
        # would cost more than the counting itself).
        counts = getattr(self, "_counts", None)
        if counts is None or len(counts) < size:
            counts = self._counts = np.zeros(max(size, 1 << 16) * 5 // 4, dtype=np.uint8)
        return counts
