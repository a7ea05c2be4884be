"""Fuzzy, context and concordance lookups of :class:`SQLiteMemory`, and the fuzzy suggestions
recorded on segments. A mixin, like ``tmstore.MemoryIO`` that extends it. The reuse policy
that asks these queries (context before exact, fuzzy suggestions, ``--fuzzy-reuse``) is the
pipeline's: :mod:`tmtool.reuse` (issue 15)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import TMError
from ..langs import matching_pairs
from ..records import TranslationUnit, reusable
from .fuzzy import (
    DEFAULT_MIN_SCORE, FOLD_MIN, FuzzyIndex, FuzzyMatch, cat_score, length_window, similarity,
    word_diff, word_similarity,
)
from .normalize import normalize, text_hash

_RANK = {"approved": 0, "draft": 1, "rejected": 2}
#: Longer queries get exact matches only: no one fuzzy-matches a text this long, and its trigram
#: set would cost memory and seconds out of all proportion (issue 5: a 20 MB line is one segment).
MAX_FUZZY_CHARS = 10_000
_ORIGIN_RANK = {"human": 0, "imported": 1, "aligned": 2, "mt": 3}


@dataclass(frozen=True)
class Concordance:
    """A unit whose source or target contains the phrase searched for."""

    unit: TranslationUnit
    rank: float  # bm25: lower is better


class MemoryLookup:
    """Fuzzy, context and concordance lookups for :class:`SQLiteMemory`."""

    conn: sqlite3.Connection
    path: Path
    _fuzzy_index_class: type[FuzzyIndex] = FuzzyIndex  # the PostgreSQL store has its own

    # -- fuzzy and context lookup -----------------------------------------------------------

    def fuzzy_index(self) -> FuzzyIndex:
        index = getattr(self, "_fuzzy", None)
        if index is None:
            index = self._fuzzy = self._fuzzy_index_class(self.conn)
        return index

    def update_fuzzy_index(self, *, minimum: int = 0) -> int:
        """Fold units added since the last update into the fuzzy index (if at least ``minimum``
        are waiting); returns how many. A read-only memory is left as it is."""
        index = self.fuzzy_index()
        if minimum and index.pending() < minimum:
            return 0
        try:
            with self.atomic():
                return index.fold()
        except TMError:
            self._fuzzy = None
            if self._writable():
                raise
            return 0

    def language_pairs(self) -> list[tuple[str, str]]:
        """The distinct ``(src_lang, tgt_lang)`` tags of the stored units, as stored.

        A loose scan of the units' unique index: one seek per pair, however many units."""
        if getattr(self, "_pairs_now", None) is not None:  # inside one lookup_fuzzy
            return self._pairs_now
        sql = "SELECT src_lang, tgt_lang FROM units {} ORDER BY src_lang, tgt_lang LIMIT 1"
        pairs: list[tuple[str, str]] = []
        row = self.conn.execute(sql.format("")).fetchone()
        while row is not None:
            pairs.append((row[0], row[1]))
            row = self.conn.execute(sql.format("WHERE (src_lang, tgt_lang) > (?, ?)"), pairs[-1]).fetchone()
        return pairs

    def _lang_ranks(self, src_lang: str | None, tgt_lang: str | None) -> dict[tuple[str, str], int]:
        """The stored tag pairs that are these languages (BCP 47, case-insensitive, ``in`` =
        ``id``; None: any), each with its rank: 0 the exact tags, more for other variants."""
        return {(s, t): r for s, t, r in matching_pairs(self.language_pairs(), src_lang, tgt_lang)}

    def _lang_where(self, src_lang: str | None, tgt_lang: str | None,
                    prefix: str = "") -> tuple[str, list[str], dict[tuple[str, str], int]]:
        """A WHERE condition for units in these languages, its parameters and the ranks."""
        ranks = self._lang_ranks(src_lang, tgt_lang)
        if not ranks:
            return "1 = 0", [], ranks
        sql = " OR ".join([f"({prefix}src_lang = ? AND {prefix}tgt_lang = ?)"] * len(ranks))
        return f"({sql})", [tag for pair in ranks for tag in pair], ranks

    def _lang_order(self, ranks: dict[tuple[str, str], int]) -> tuple[str, list[str]]:
        """ORDER BY terms (ending in a comma, or none) that put the exact language variant first."""
        if len(set(ranks.values())) <= 1:
            return "", []
        cases = " ".join(f"WHEN src_lang = ? AND tgt_lang = ? THEN {r}" for r in ranks.values())
        return f"CASE {cases} END,", [tag for pair in ranks for tag in pair]

    def search_fuzzy(
        self,
        text: str,
        src_lang: str = "id",
        tgt_lang: str = "en",
        *,
        min_score: float = DEFAULT_MIN_SCORE,
        limit: int = 5,
        prev_source: str | None = None,
        next_source: str | None = None,
        source_hash: str | None = None,
    ) -> list[FuzzyMatch]:
        """The units whose source best matches ``text``, best first, scoring >= ``min_score``.

        With ``prev_source``/``next_source`` (the neighbouring segments), an identical source
        recorded in the same context scores 101 and ranks first. Rejected units never match.
        ``source_hash``: ``text``'s :func:`text_hash`, if the caller has it already.
        """
        from .store import _UNIT_COLUMNS, _unit

        query = normalize(text)
        if not query:
            return []
        self.update_fuzzy_index(minimum=FOLD_MIN)
        index = self.fuzzy_index()
        lo, hi = length_window(len(query), min_score)
        ranks = self._lang_ranks(src_lang, tgt_lang)
        ids = set()
        for src, tgt in ranks:  # each stored variant of the languages (id, id-ID, in, ...)
            if len(query) <= MAX_FUZZY_CHARS:
                ids.update(index.candidates(query, src, tgt, lo, hi))
                ids.update(self._tail_candidates(query, src, tgt, lo, hi, min_score, index))
            exact = self.conn.execute(
                "SELECT id FROM units WHERE src_lang = ? AND tgt_lang = ? AND source_hash = ?",
                (src, tgt, source_hash or text_hash(query)),
            ).fetchall()
            ids.update(r[0] for r in exact)
        if not ids:
            return []
        rows = self.conn.execute(
            f"SELECT {_UNIT_COLUMNS} FROM units WHERE id IN ({','.join('?' * len(ids))}) "
            "AND status != 'rejected' ORDER BY id",
            tuple(ids),
        ).fetchall()
        matches = []
        for row in rows:
            unit = _unit(row)
            rank = ranks.get((unit.src_lang, unit.tgt_lang))
            if rank is None or not reusable(unit):  # a machine draft cut short offers nothing to reuse
                continue
            sim = similarity(query, unit.source)
            score = cat_score(query, unit.source, sim)
            if score < min_score:
                continue
            if score == 100 and _same_context(unit, prev_source, next_source):
                score = 101
            matches.append((score, sim, rank, unit))
        # An exact language variant ranks above another variant of the same score (issue 20).
        matches.sort(key=lambda m: (-m[0], -m[1], m[2], _RANK.get(m[3].status, 3),
                                    _ORIGIN_RANK.get(m[3].origin, 4), _neg_time(m[3].updated_at)))
        out = []
        for score, sim, _, unit in matches[:limit]:
            out.append(FuzzyMatch(unit, score, sim, word_similarity(query, unit.source),
                                  word_diff(unit.source, query)))
        # Equal character scores: the word-level score decides (stable sort keeps the rest).
        out.sort(key=lambda m: (-m.score, -round(m.similarity, 6), -m.word_similarity))
        return out

    def _tail_candidates(self, query, src_lang, tgt_lang, lo, hi, min_score, index) -> list[int]:
        # Units not in the index yet: score them all (there are few).
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        rows = index.unindexed(src_lang, tgt_lang)
        choices = {r[0]: normalize(r[1]) for r in rows}
        choices = {k: v for k, v in choices.items() if lo <= len(v) <= hi}
        cutoff = max(0.0, (min_score - 1) / 100)
        hits = process.extract(query, choices, scorer=Levenshtein.normalized_similarity,
                               score_cutoff=cutoff, limit=50)
        return [key for _, _, key in hits]

    def lookup_fuzzy(
        self,
        sources: Iterable[str],
        src_lang: str,
        tgt_lang: str,
        *,
        min_score: float = DEFAULT_MIN_SCORE,
        hashes: Iterable[str] | None = None,
    ) -> dict[str, FuzzyMatch]:
        """The best fuzzy match (>= ``min_score``) of each source that has one, keyed by source.
        ``hashes``: the sources' :func:`text_hash` values, in order, if the caller has them."""
        found = {}
        sources = list(sources)
        keys = dict(zip(sources, hashes if hashes is not None else [None] * len(sources)))
        self._pairs_now = self.language_pairs()  # one scan for all the sources, not one each
        try:
            for source, key in keys.items():
                best = self.search_fuzzy(source, src_lang, tgt_lang, min_score=min_score, limit=1,
                                         source_hash=key)
                if best:
                    found[source] = best[0]
        finally:
            self._pairs_now = None
        return found

    def lookup_context(
        self, items: Iterable[tuple[str, str | None, str | None]], src_lang: str, tgt_lang: str,
        *, hashes: Sequence[str] | None = None,
    ) -> dict[int, TranslationUnit]:
        """Context matches (101) for ``(source, prev_source, next_source)`` items, by position:
        an identical source stored with the same neighbours (rejected units excluded).
        ``hashes``: the sources' :func:`text_hash` values, if the caller has them already."""
        from .store import _UNIT_COLUMNS, _unit

        items = list(items)
        if hashes is None:
            hashes = [text_hash(source) for source, _, _ in items]
        found = {}
        where, params, ranks = self._lang_where(src_lang, tgt_lang)
        candidates: dict[str, list[TranslationUnit]] = {}
        decided: dict[tuple[str, str, str], TranslationUnit | None] = {}
        for i, ((_, prev, nxt), h) in enumerate(zip(items, hashes)):
            # A document repeats sentences and neighbours; each distinct case is looked up once.
            key = (h, normalize(prev or ""), normalize(nxt or ""))
            if key not in decided:
                if key[0] not in candidates:
                    rows = self.conn.execute(
                        f"SELECT {_UNIT_COLUMNS} FROM units WHERE {where} "
                        "AND source_hash = ? AND status != 'rejected' ORDER BY id",
                        (*params, key[0]),
                    ).fetchall()
                    candidates[key[0]] = [u for u in map(_unit, rows) if reusable(u)]
                units = [u for u in candidates[key[0]] if _same_context(u, prev, nxt)]
                units.sort(key=lambda u: (ranks[u.src_lang, u.tgt_lang], _RANK.get(u.status, 3),
                                          _ORIGIN_RANK.get(u.origin, 4), _neg_time(u.updated_at)))
                decided[key] = units[0] if units else None
            if decided[key] is not None:
                found[i] = decided[key]
        return found

    # -- suggestions recorded on segments ---------------------------------------------------

    def record_suggestions(self, doc_id: int, suggestions: dict[int, tuple[int, int] | None]) -> None:
        """Record, per segment index, the best fuzzy match found ``(tu_id, score)`` (or None)."""
        with self.atomic():
            self._write_many(
                "UPDATE segments SET fuzzy_tu_id = ?, fuzzy_score = ? WHERE doc_id = ? AND idx = ?",
                [(s[0] if s else None, s[1] if s else None, doc_id, idx) for idx, s in suggestions.items()],
            )

    def suggestions(self, name: str) -> dict[int, FuzzyMatch]:
        """The recorded fuzzy suggestion of each segment of document ``name`` that has one."""
        from .store import _UNIT_COLUMNS, _unit

        doc = self.get_document(name)
        rows = self.conn.execute(
            f"""SELECT s.idx, s.source AS seg_source, s.fuzzy_score,
                       u.{_UNIT_COLUMNS.replace(', ', ', u.')}
                FROM segments s JOIN units u ON u.id = s.fuzzy_tu_id
                WHERE s.doc_id = ? ORDER BY s.idx""",
            (doc.id,),
        ).fetchall()
        out = {}
        for r in rows:
            unit = _unit(r)
            out[r["idx"]] = FuzzyMatch(
                unit, r["fuzzy_score"], similarity(r["seg_source"], unit.source),
                word_similarity(r["seg_source"], unit.source), word_diff(unit.source, r["seg_source"]),
            )
        return out

    # -- concordance --------------------------------------------------------------------

    def concordance(
        self,
        phrase: str,
        *,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        side: str = "both",
        limit: int = 20,
    ) -> list[Concordance]:
        """Units whose source and/or target contain ``phrase`` (its words, in order; case and
        diacritics ignored), best bm25 rank first."""
        from .store import _UNIT_COLUMNS, _unit

        words = [w for w in _fts_words(phrase)]
        if not words:
            return []
        match = '"' + " ".join(words).replace('"', '""') + '"'
        if side in ("source", "target"):
            match = f"{side} : {match}"
        where, params = ["units_fts MATCH ?", "u.status != 'rejected'"], [match]
        if src_lang or tgt_lang:
            langs, values, _ = self._lang_where(src_lang, tgt_lang, "u.")
            where.append(langs)
            params += values
        rows = self.conn.execute(
            f"""SELECT u.{_UNIT_COLUMNS.replace(', ', ', u.')}, bm25(units_fts) AS rank
                FROM units_fts JOIN units u ON u.id = units_fts.rowid
                WHERE {' AND '.join(where)} ORDER BY rank, u.id LIMIT ?""",
            (*params, limit),
        ).fetchall()
        return [Concordance(_unit(r), r["rank"]) for r in rows]

def _same_context(unit: TranslationUnit, prev: str | None, nxt: str | None) -> bool:
    if prev is None and nxt is None:
        return False
    return normalize(unit.prev_source or "") == normalize(prev or "") and normalize(
        unit.next_source or ""
    ) == normalize(nxt or "")


def _neg_time(stamp: str | None) -> str:
    # Newest first inside an ascending sort: invert the characters of an ISO timestamp.
    return "".join(chr(0x10FFFF - ord(c)) for c in (stamp or ""))


def _fts_words(phrase: str) -> list[str]:
    from ..inline import strip_markers

    return re.findall(r"\w+", strip_markers(phrase))
