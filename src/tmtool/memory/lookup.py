"""Fuzzy, context and concordance lookups of the store (:class:`Lookup`), and, until the
pipeline takes it over (issue 15, part 2), the reuse plan of a document being translated
(:class:`ReuseSteps`: ``plan_reuse``, ``suggest_fuzzy``, ``record_suggestions``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import TMError
from ..records import TranslationUnit, reusable
from .core import unit_columns, unit_from_row, unit_key, unit_rank
from .database import Database
from .documents import Documents
from .fuzzy import (
    DEFAULT_MIN_SCORE, FOLD_MIN, FuzzyMatch, cat_score, length_window, similarity, word_diff,
    word_similarity,
)
from .normalize import normalize, text_hash
from .records import Concordance
from .units import Units, marks

FUZZY_MODEL = "tm-fuzzy"  # the "model" of a unit whose target was reused from a fuzzy match
#: Longer queries get exact matches only: no one fuzzy-matches a text this long, and its trigram
#: set would cost memory and seconds out of all proportion (issue 5: a 20 MB line is one segment).
MAX_FUZZY_CHARS = 10_000

@dataclass
class ReusePlan:
    """The memory's answer for the segments of one document (see ``plan_reuse``)."""

    reused: dict[int, tuple[TranslationUnit, int]] = field(default_factory=dict)  # idx -> (unit, score)
    suggestions: dict[int, tuple[int, int]] = field(default_factory=dict)  # idx -> (tu_id, score) < 100
    best: dict[int, tuple[int, int]] = field(default_factory=dict)  # idx -> (score, tu_id), any match


def reuse_unit(match: FuzzyMatch, source: str, prev: str | None, nxt: str | None,
               author: str | None) -> TranslationUnit:
    """A draft unit for ``source`` that reuses a fuzzy match's target.

    Its origin is ``mt`` (the units table allows no other for text no person wrote for this
    source, and it must rank below human and imported units), its model ``tm-fuzzy``.
    """
    props: dict = {"fuzzy": {"tu_id": match.unit.id, "score": match.score}}
    codes = (match.unit.props or {}).get("codes", {}).get("target")
    if codes:
        props["codes"] = {"target": codes}
    return TranslationUnit(
        id=None, source=source, target=match.unit.target, src_lang=match.unit.src_lang,
        tgt_lang=match.unit.tgt_lang, origin="mt", status="draft", model=FUZZY_MODEL,
        author=author, prev_source=prev, next_source=nxt, props=props,
    )


def plain_target(unit: TranslationUnit) -> str:
    """The unit's target as plain text: inline tags replaced by their native code."""
    from ..formats.inline import native_text

    return native_text(unit.target, (unit.props or {}).get("codes", {}).get("target"))


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
                     prev_source: str | None = None, next_source: str | None = None) -> list[FuzzyMatch]:
        """The units whose source best matches ``text``, best first, scoring >= ``min_score``.

        With ``prev_source``/``next_source`` (the neighbouring segments), an identical source
        recorded in the same context scores 101 and ranks first. Rejected units never match.
        """
        query = normalize(text)
        if not query:
            return []
        self.update_fuzzy_index(minimum=FOLD_MIN)
        # The index, the units waiting for it and the units themselves, read in one snapshot:
        # a fold committed by another process in between cannot hide a unit from this lookup.
        with self.db.snapshot():
            ranks = self.units.lang_ranks(src_lang, tgt_lang)
            ids = self._candidates(query, ranks, min_score)
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

    def _candidates(self, query: str, ranks: dict[tuple[str, str], int], min_score: float) -> set[int]:
        index = self.db.fuzzy_index()
        lo, hi = length_window(len(query), min_score)
        ids: set[int] = set()
        for src, tgt in ranks:  # each stored variant of the languages (id, id-ID, in, ...)
            if len(query) <= MAX_FUZZY_CHARS:
                ids.update(index.candidates(query, src, tgt, lo, hi))
                ids.update(_tail_candidates(query, index.unindexed(src, tgt), lo, hi, min_score))
            exact = self.db.conn.execute(
                "SELECT id FROM units WHERE src_lang = ? AND tgt_lang = ? AND source_hash = ?",
                (src, tgt, text_hash(query)),
            ).fetchall()
            ids.update(r[0] for r in exact)
        return ids

    def lookup_fuzzy(self, sources: Iterable[str], src_lang: str, tgt_lang: str, *,
                     min_score: float = DEFAULT_MIN_SCORE) -> dict[str, FuzzyMatch]:
        """The best fuzzy match (>= ``min_score``) of each source that has one, keyed by source."""
        found = {}
        self.units.pairs_now = self.units.language_pairs()  # one scan for all the sources, not one each
        try:
            for source in dict.fromkeys(sources):
                best = self.search_fuzzy(source, src_lang, tgt_lang, min_score=min_score, limit=1)
                if best:
                    found[source] = best[0]
        finally:
            self.units.pairs_now = None
        return found

    def lookup_context(self, items: Iterable[tuple[str, str | None, str | None]], src_lang: str,
                       tgt_lang: str) -> dict[int, TranslationUnit]:
        """Context matches (101) for ``(source, prev_source, next_source)`` items, by position:
        an identical source stored with the same neighbours (rejected units excluded)."""
        found = {}
        where, params, ranks = self.units.lang_where(src_lang, tgt_lang)
        candidates: dict[str, list[TranslationUnit]] = {}
        decided: dict[tuple[str, str, str], TranslationUnit | None] = {}
        for i, (source, prev, nxt) in enumerate(items):
            # A document repeats sentences and neighbours; each distinct case is looked up once.
            key = (text_hash(source), normalize(prev or ""), normalize(nxt or ""))
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


class ReuseSteps:
    """The reuse plan of a document, on the store (``self``): the pipeline takes it over
    (issue 15, part 2); until then the store inherits these three methods."""

    def plan_reuse(
        self,
        doc_id: int,
        segments: Sequence,
        src_lang: str,
        tgt_lang: str,
        exact: dict[str, TranslationUnit],
        *,
        fuzzy_reuse: int | None = None,
        min_score: float = DEFAULT_MIN_SCORE,
        author: str | None = None,
        suggest: bool = True,
        store: bool = True,
    ) -> ReusePlan:
        """What the memory offers each segment of a document being translated.

        Context matches (101) win over the plain exact ones in ``exact`` (keyed by source); the
        other segments get their best fuzzy match, recorded on the segment as a suggestion.
        With ``fuzzy_reuse``, a fuzzy match scoring at least that much is reused: its target is
        stored as a new draft unit for the segment (model ``tm-fuzzy``, the match in props).
        ``suggest=False`` (without ``fuzzy_reuse``) leaves the fuzzy suggestions to a later
        :meth:`suggest_fuzzy`, so that the caller can look them up while the model works.
        ``store=False`` leaves the units made from fuzzy matches to the caller (their ``id`` is
        None), which stores them in document order with the model's.
        """
        if not suggest and fuzzy_reuse is not None:
            raise ValueError("fuzzy_reuse needs the fuzzy lookups: suggest must be True")
        plan = ReusePlan()
        items = [(s.text, segments[i - 1].text if i else None,
                  segments[i + 1].text if i + 1 < len(segments) else None)
                 for i, s in enumerate(segments)]
        context = self.lookup_context(
            [it for it in items if it[0] in exact], src_lang, tgt_lang
        )
        in_exact = [s.index for s in segments if s.text in exact]
        for k, unit in context.items():
            plan.reused[in_exact[k]] = (unit, 101)
        for s in segments:
            if s.index not in plan.reused and s.text in exact:
                plan.reused[s.index] = (exact[s.text], 100)
        others = [s for s in segments if s.index not in plan.reused]
        floor = min(min_score, fuzzy_reuse or min_score)
        fuzzy = self.lookup_fuzzy([s.text for s in others], src_lang, tgt_lang, min_score=floor) if suggest else {}
        made: dict[str, TranslationUnit] = {}
        for s in others:
            m = fuzzy.get(s.text)
            if m is None:
                continue
            plan.suggestions[s.index] = (m.unit.id, m.score)
            if fuzzy_reuse is not None and m.score >= fuzzy_reuse:
                key = text_hash(s.text)
                if key not in made:
                    made[key] = reuse_unit(m, s.text, items[s.index][1], items[s.index][2], author)
                plan.reused[s.index] = (made[key], m.score)
        with self.atomic():
            # A unit already stored with this source and target is what the memory holds: it is
            # reported as it is. One a reviewer rejected is not reused: the model decides.
            if store:
                ids = self.add_units(list(made.values()))
            else:  # looked up, not stored: the caller stores the new ones (id None) in order
                ids = [self._existing_unit(unit_key(u)) for u in made.values()]
            stored = self.get_units([i for i in ids if i is not None])
            for key, tu_id in zip(list(made), ids):
                if tu_id is not None:
                    made[key] = stored[tu_id]
            for i, (unit, score) in list(plan.reused.items()):
                if score < 100:
                    current = made[text_hash(segments[i].text)]
                    if current.status == "rejected":
                        del plan.reused[i]
                    else:
                        plan.reused[i] = (current, score)
            self.record_suggestions(doc_id, plan.suggestions)
        # The best match is the unit found: for a fuzzy reuse, the match, not the new unit.
        plan.best = {i: (score, tu_id) for i, (tu_id, score) in plan.suggestions.items()}
        for i, (u, score) in plan.reused.items():
            plan.best.setdefault(i, (score, u.id))
        return plan

    # -- suggestions recorded on segments ---------------------------------------------------

    def suggest_fuzzy(
        self, doc_id: int, segments: Sequence, src_lang: str, tgt_lang: str, *,
        min_score: float = DEFAULT_MIN_SCORE,
    ) -> dict[int, tuple[int, int]]:
        """Look up and record the best fuzzy match of each of ``segments`` as its suggestion;
        returns them as ``{index: (tu_id, score)}`` (what :meth:`plan_reuse` does with
        ``suggest=True``)."""
        fuzzy = self.lookup_fuzzy([s.text for s in segments], src_lang, tgt_lang, min_score=min_score)
        found = {s.index: (m.unit.id, m.score) for s in segments if (m := fuzzy.get(s.text)) is not None}
        self.record_suggestions(doc_id, found)
        return found

    def record_suggestions(self, doc_id: int, suggestions: dict[int, tuple[int, int] | None]) -> None:
        """Record, per segment index, the best fuzzy match found ``(tu_id, score)`` (or None)."""
        with self.atomic():
            self._write_many(
                "UPDATE segments SET fuzzy_tu_id = ?, fuzzy_score = ? WHERE doc_id = ? AND idx = ?",
                [(s[0] if s else None, s[1] if s else None, doc_id, idx) for idx, s in suggestions.items()],
            )


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
    from ..formats.inline import strip_markers

    return re.findall(r"\w+", strip_markers(phrase))
