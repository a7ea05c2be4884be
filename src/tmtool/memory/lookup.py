"""Fuzzy, context and concordance lookups of the store (:class:`Lookup`). Queries only: the reuse
policy that asks them (context before exact, fuzzy suggestions, ``--fuzzy-reuse``) is the
pipeline's, :mod:`tmtool.reuse` (issue 15)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..errors import TMError
from ..inline import strip_markers
from ..records import TranslationUnit, reusable
from .core import unit_columns, unit_from_row, unit_rank
from .database import Database
from .documents import Documents
from .fuzzy import (
    DEFAULT_MIN_SCORE, FOLD_MIN, FuzzyMatch, cat_score, length_window, similarity, word_diff,
    word_similarity,
)
from .normalize import normalize, text_hash
from .records import Concordance
from .units import Units, marks

#: Longer queries get exact matches only: no one fuzzy-matches a text this long, and its trigram
#: set would cost memory and seconds out of all proportion (issue 5: a 20 MB line is one segment).
MAX_FUZZY_CHARS = 10_000

class Lookup:
    """Fuzzy, context and concordance lookups (``db``: the shared handle; ``units`` and
    ``documents``: the parts whose records they read)."""

    def __init__(self, db: Database, units: Units, documents: Documents):
        self.db = db
        self.units = units
        self.documents = documents

    # -- the fuzzy index ----------------------------------------------------------------------

    def update_fuzzy_index(self, *, minimum: int = 0) -> int:
        """Fold units added since the last update into the fuzzy index (if at least ``minimum``
        are waiting); returns how many. A lookup (``minimum`` > 0) does not wait for another
        process that is folding; a read-only memory is left as it is."""
        if self.db.reading:
            return 0
        index = self.db.fuzzy_index()
        if minimum and index.pending() < minimum:
            return 0
        try:
            with self.db.atomic():
                return index.fold(wait=not minimum)
        except TMError:
            self.db.fuzzy = None  # its caches may hold rows that were just rolled back
            if self.db.writable():
                raise
            return 0

    # -- fuzzy and context lookup -------------------------------------------------------------

    def search_fuzzy(self, text: str, src_lang: str = "id", tgt_lang: str = "en", *,
                     min_score: float = DEFAULT_MIN_SCORE, limit: int = 5,
                     prev_source: str | None = None, next_source: str | None = None,
                     source_hash: str | None = None) -> list[FuzzyMatch]:
        """The units whose source best matches ``text``, best first, scoring >= ``min_score``.

        With ``prev_source``/``next_source`` (the neighbouring segments), an identical source
        recorded in the same context scores 101 and ranks first. Rejected units never match.
        ``source_hash``: ``text``'s :func:`text_hash`, if the caller has it already.
        """
        query = normalize(text)
        if not query:
            return []
        self.update_fuzzy_index(minimum=FOLD_MIN)
        # The index, the units waiting for it and the units themselves, read in one snapshot:
        # a fold committed by another process in between cannot hide a unit from this lookup.
        with self.db.snapshot():
            ranks = self.units.lang_ranks(src_lang, tgt_lang)
            ids = self._candidates(query, ranks, min_score, source_hash or text_hash(query))
            if not ids:
                return []
            rows = self.db.conn.execute(
                f"SELECT {unit_columns()} FROM units WHERE id IN ({marks(ids)}) "
                "AND status != 'rejected' ORDER BY id",
                tuple(ids),
            ).fetchall()
        matches = []
        for row in rows:
            unit = unit_from_row(row)
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
        matches.sort(key=lambda m: (-m[0], -m[1], m[2], unit_rank(m[3])))
        out = [FuzzyMatch(unit, score, sim, word_similarity(query, unit.source), word_diff(unit.source, query))
               for score, sim, _, unit in matches[:limit]]
        # Equal character scores: the word-level score decides (stable sort keeps the rest).
        out.sort(key=lambda m: (-m.score, -round(m.similarity, 6), -m.word_similarity))
        return out

    def _candidates(self, query: str, ranks: dict[tuple[str, str], int], min_score: float,
                    query_hash: str) -> set[int]:
        index = self.db.fuzzy_index()
        lo, hi = length_window(len(query), min_score)
        ids: set[int] = set()
        for src, tgt in ranks:  # each stored variant of the languages (id, id-ID, in, ...)
            if len(query) <= MAX_FUZZY_CHARS:
                ids.update(index.candidates(query, src, tgt, lo, hi))
                ids.update(_tail_candidates(query, index.unindexed(src, tgt), lo, hi, min_score))
            exact = self.db.conn.execute(
                "SELECT id FROM units WHERE src_lang = ? AND tgt_lang = ? AND source_hash = ?",
                (src, tgt, query_hash),
            ).fetchall()
            ids.update(r[0] for r in exact)
        return ids

    def lookup_fuzzy(self, sources: Iterable[str], src_lang: str, tgt_lang: str, *,
                     min_score: float = DEFAULT_MIN_SCORE,
                     hashes: Iterable[str] | None = None) -> dict[str, FuzzyMatch]:
        """The best fuzzy match (>= ``min_score``) of each source that has one, keyed by source.
        ``hashes``: the sources' :func:`text_hash` values, in order, if the caller has them."""
        found = {}
        sources = list(sources)
        keys = dict(zip(sources, hashes if hashes is not None else [None] * len(sources)))
        self.units.pairs_now = self.units.language_pairs()  # one scan for all the sources, not one each
        try:
            for source, key in keys.items():
                best = self.search_fuzzy(source, src_lang, tgt_lang, min_score=min_score, limit=1,
                                         source_hash=key)
                if best:
                    found[source] = best[0]
        finally:
            self.units.pairs_now = None
        return found

    def lookup_context(self, items: Iterable[tuple[str, str | None, str | None]], src_lang: str,
                       tgt_lang: str, *, hashes: Sequence[str] | None = None) -> dict[int, TranslationUnit]:
        """Context matches (101) for ``(source, prev_source, next_source)`` items, by position:
        an identical source stored with the same neighbours (rejected units excluded).
        ``hashes``: the sources' :func:`text_hash` values, if the caller has them already."""
        items = list(items)
        if hashes is None:
            hashes = [text_hash(source) for source, _, _ in items]
        found = {}
        where, params, ranks = self.units.lang_where(src_lang, tgt_lang)
        candidates: dict[str, list[TranslationUnit]] = {}
        decided: dict[tuple[str, str, str], TranslationUnit | None] = {}
        for i, ((_, prev, nxt), h) in enumerate(zip(items, hashes)):
            # A document repeats sentences and neighbours; each distinct case is looked up once.
            key = (h, normalize(prev or ""), normalize(nxt or ""))
            if key not in decided:
                if key[0] not in candidates:
                    rows = self.db.conn.execute(
                        f"SELECT {unit_columns()} FROM units WHERE {where} "
                        "AND source_hash = ? AND status != 'rejected' ORDER BY id",
                        (*params, key[0]),
                    ).fetchall()
                    candidates[key[0]] = [u for u in map(unit_from_row, rows) if reusable(u)]
                units = [u for u in candidates[key[0]] if _same_context(u, prev, nxt)]
                units.sort(key=lambda u: (ranks[u.src_lang, u.tgt_lang], unit_rank(u)))
                decided[key] = units[0] if units else None
            if decided[key] is not None:
                found[i] = decided[key]
        return found

    def suggestions(self, name: str) -> dict[int, FuzzyMatch]:
        """The recorded fuzzy suggestion of each segment of document ``name`` that has one."""
        doc = self.documents.get_document(name)
        rows = self.db.conn.execute(
            f"""SELECT s.idx, s.source AS seg_source, s.fuzzy_score, {unit_columns('u')}
                FROM segments s JOIN units u ON u.id = s.fuzzy_tu_id
                WHERE s.doc_id = ? ORDER BY s.idx""",
            (doc.id,),
        ).fetchall()
        out = {}
        for r in rows:
            unit = unit_from_row(r)
            out[r["idx"]] = FuzzyMatch(
                unit, r["fuzzy_score"], similarity(r["seg_source"], unit.source),
                word_similarity(r["seg_source"], unit.source), word_diff(unit.source, r["seg_source"]),
            )
        return out

    # -- concordance --------------------------------------------------------------------------

    def concordance(self, phrase: str, *, src_lang: str | None = None, tgt_lang: str | None = None,
                    side: str = "both", limit: int = 20) -> list[Concordance]:
        """Units whose source and/or target contain ``phrase`` (its words, in order; case and
        diacritics ignored), best bm25 rank first (on PostgreSQL ranked as FTS5 ranks)."""
        words = _fts_words(phrase)
        if not words:
            return []
        where, params = ["u.status != 'rejected'"], []
        if src_lang or tgt_lang:  # any variant of the language
            langs, values, _ = self.units.lang_where(src_lang, tgt_lang, "u.")
            where.append(langs)
            params += values
        return self.db.dialect.concordance(self.db, words, side, where, params, limit)


def _same_context(unit: TranslationUnit, prev: str | None, nxt: str | None) -> bool:
    if prev is None and nxt is None:
        return False
    return normalize(unit.prev_source or "") == normalize(prev or "") and normalize(
        unit.next_source or ""
    ) == normalize(nxt or "")


def _tail_candidates(query: str, rows, lo: int, hi: int, min_score: float) -> list[int]:
    # Units not in the index yet (``rows``: their ids and sources): score them all (there are few).
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    choices = {r[0]: normalize(r[1]) for r in rows}
    choices = {k: v for k, v in choices.items() if lo <= len(v) <= hi}
    cutoff = max(0.0, (min_score - 1) / 100)
    hits = process.extract(query, choices, scorer=Levenshtein.normalized_similarity,
                           score_cutoff=cutoff, limit=50)
    return [key for _, _, key in hits]


def _fts_words(phrase: str) -> list[str]:
    return re.findall(r"\w+", strip_markers(phrase))
