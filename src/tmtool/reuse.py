"""The reuse policy of a translation job: what the memory offers each segment (issues 9, 15).

The pipeline decides, in this order, from the memory's queries (``lookup_exact``,
``lookup_context``, ``lookup_fuzzy``): a context match (101: the same source stored with the same
neighbours) wins over a plain exact one (100); every other segment gets its best fuzzy match as a
suggestion for review, reused instead of the model when it scores at least ``fuzzy_reuse``. The
memory only answers queries and stores what the pipeline decided; nothing here writes.

Every answer is one :class:`Match` record, whatever it came from. Its ``score`` is what the
segments table's ``match`` column records: 101 context, 100 exact, below 100 fuzzy, 0 the model
made the unit (None, in the table: an older tmtool did not record it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .inline import native_text
from .memory import TranslationMemory
from .memory.fuzzy import DEFAULT_MIN_SCORE
from .records import Segment, TranslationUnit

FUZZY_MODEL = "tm-fuzzy"  # the "model" of a unit whose target was reused from a fuzzy match
MODEL = 0  # the score of a unit the model made (the segments table's ``match``)


@dataclass(frozen=True)
class Match:
    """A unit that answers (or could answer) a segment, and how well."""

    tu_id: int | None  # None: a unit made from a fuzzy match, not stored yet
    score: int  # 101 context, 100 exact, < 100 fuzzy, 0 (``MODEL``) the model made it
    unit: TranslationUnit | None = None  # as the memory holds it (None: only the id is known)

    @property
    def kind(self) -> str:
        """``context``, ``exact``, ``fuzzy`` or ``model``."""
        if self.score == MODEL:
            return "model"
        return "context" if self.score > 100 else "exact" if self.score == 100 else "fuzzy"

    @classmethod
    def of(cls, unit: TranslationUnit, score: int) -> Match:
        return cls(unit.id, score, unit)

    def stored_as(self, unit: TranslationUnit) -> Match:
        """The same match, its unit now as the memory stored it."""
        return replace(self, tu_id=unit.id, unit=unit)


@dataclass
class ReusePlan:
    """The memory's answer for the segments of one document (see :func:`plan_reuse`)."""

    reused: dict[int, Match] = field(default_factory=dict)  # segment index -> the unit reused
    suggestions: dict[int, Match] = field(default_factory=dict)  # index -> best fuzzy match found

    def best(self, index: int) -> Match | None:
        """The best match found for segment ``index``: its fuzzy suggestion (for a fuzzy reuse,
        the match found, not the unit made from it), else the unit reused, else None."""
        return self.suggestions.get(index) or self.reused.get(index)


def plan_reuse(
    tm: TranslationMemory,
    segments: Sequence[Segment],
    keys: Sequence[str],
    src_lang: str,
    tgt_lang: str,
    exact: Mapping[str, TranslationUnit],
    *,
    fuzzy_reuse: int | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
    author: str | None = None,
    suggest: bool = True,
) -> ReusePlan:
    """What the memory offers each segment of a document (``keys``: their text hashes).

    1. Context matches (101) win over the plain exact ones in ``exact`` (keyed by source).
    2. The other segments get their best fuzzy match as a suggestion (``suggest=False``: none
       yet; the caller looks them up with :func:`suggest_fuzzy` while the model works).
    3. With ``fuzzy_reuse``, a fuzzy match scoring at least that much is reused: a new draft unit
       (:func:`reuse_unit`) is planned for the segment. If the memory already holds that pair,
       the stored unit is reused as it is, unless a reviewer rejected it (the model decides).
       A unit not stored yet has ``tu_id`` None: the caller stores it in document order.
    """
    if not suggest and fuzzy_reuse is not None:
        raise ValueError("fuzzy_reuse needs the fuzzy lookups: suggest must be True")
    plan = ReusePlan()
    items = [_in_context(segments, i) for i in range(len(segments))]
    in_exact = [i for i, s in enumerate(segments) if s.text in exact]
    context = tm.lookup_context([items[i] for i in in_exact], src_lang, tgt_lang,
                                hashes=[keys[i] for i in in_exact])
    for k, unit in context.items():
        plan.reused[segments[in_exact[k]].index] = Match.of(unit, 101)
    for i in in_exact:
        plan.reused.setdefault(segments[i].index, Match.of(exact[segments[i].text], 100))
    if suggest:
        others = [n for n, s in enumerate(segments) if s.index not in plan.reused]
        floor = min(min_score, fuzzy_reuse or min_score)
        plan.suggestions = suggest_fuzzy(tm, [segments[n] for n in others], [keys[n] for n in others],
                                         src_lang, tgt_lang, min_score=floor)
    if fuzzy_reuse is not None:
        _plan_fuzzy_reuse(tm, plan, segments, keys, items, fuzzy_reuse, author)
    return plan


def _plan_fuzzy_reuse(tm: TranslationMemory, plan: ReusePlan, segments: Sequence[Segment],
                      keys: Sequence[str], items: list, fuzzy_reuse: int, author: str | None) -> None:
    """Reuse each suggestion scoring at least ``fuzzy_reuse``: one new unit per distinct source."""
    made: dict[str, TranslationUnit] = {}
    chosen: dict[int, tuple[str, int]] = {}  # position -> (source hash, score)
    for n, s in enumerate(segments):
        m = plan.suggestions.get(s.index)
        if m is not None and m.score >= fuzzy_reuse:
            if keys[n] not in made:
                made[keys[n]] = reuse_unit(m, s.text, items[n][1], items[n][2], author)
            chosen[n] = (keys[n], m.score)
    # A unit already stored with this source and target is what the memory holds: it is
    # reported as it is. One a reviewer rejected is not reused: the model decides.
    ids = tm.unit_ids(list(made.values()))
    stored = tm.get_units([i for i in ids if i is not None])
    for key, tu_id in zip(list(made), ids):
        if tu_id is not None:
            made[key] = stored[tu_id]
    for n, (key, score) in chosen.items():
        if made[key].status != "rejected":
            plan.reused[segments[n].index] = Match.of(made[key], score)


def suggest_fuzzy(tm: TranslationMemory, segments: Sequence[Segment], keys: Sequence[str], src_lang: str,
                  tgt_lang: str, *, min_score: float = DEFAULT_MIN_SCORE) -> dict[int, Match]:
    """The best fuzzy match of each of ``segments`` (``keys``: their text hashes) that has one,
    by segment index."""
    fuzzy = tm.lookup_fuzzy([s.text for s in segments], src_lang, tgt_lang, min_score=min_score, hashes=keys)
    return {s.index: Match.of(m.unit, m.score) for s in segments if (m := fuzzy.get(s.text)) is not None}


def _in_context(segments: Sequence[Segment], i: int) -> tuple[str, str | None, str | None]:
    """``(source, previous source, next source)`` of segment ``i``, as CAT tools record context."""
    return (segments[i].text, segments[i - 1].text if i else None,
            segments[i + 1].text if i + 1 < len(segments) else None)


def reuse_unit(match: Match, source: str, prev: str | None, nxt: str | None,
               author: str | None) -> TranslationUnit:
    """A draft unit for ``source`` that reuses the target of a fuzzy ``match``.

    Its origin is ``mt`` (the units table allows no other for text no person wrote for this
    source, and it must rank below human and imported units), its model ``tm-fuzzy``.
    """
    found = match.unit
    props: dict = {"fuzzy": {"tu_id": found.id, "score": match.score}}
    codes = (found.props or {}).get("codes", {}).get("target")
    if codes:
        props["codes"] = {"target": codes}
    return TranslationUnit(
        id=None, source=source, target=found.target, src_lang=found.src_lang,
        tgt_lang=found.tgt_lang, origin="mt", status="draft", model=FUZZY_MODEL,
        author=author, prev_source=prev, next_source=nxt, props=props,
    )


def plain_target(unit: TranslationUnit) -> str:
    """The unit's target as plain text: inline tags replaced by their native code."""
    return native_text(unit.target, (unit.props or {}).get("codes", {}).get("target"))
