"""What the web editor shows and does, without any web framework (issue 19).

The page is a view of :meth:`~tmtool.memory.protocol.TranslationMemory.document_pairs` (rows, filters,
pages) and every change goes through the store's own review methods, ``set_status`` and
``edit_target`` with ``expected=`` the unit as the page showed it: the same optimistic check
``tmtool review`` relies on, so a change made meanwhile by another browser, a ``tmtool review`` or
another machine on PostgreSQL raises :class:`~tmtool.errors.Conflict` instead of being overwritten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import NotFound, UsageError
from ..inline import shown
from ..memory.records import IndexRow, ReviewPair
from ..records import ORIGINS, STATUSES, TranslationUnit

if TYPE_CHECKING:
    from ..memory import TranslationMemory

#: Match bands of the filter: the report's leverage bands (100 and 101 are reused exact matches).
BANDS = {
    "exact": ("100% (exact, reused)", 100, 101),
    "95": ("fuzzy 95–99%", 95, 99),
    "85": ("fuzzy 85–94%", 85, 94),
    "75": ("fuzzy 75–84%", 75, 84),
    "50": ("fuzzy 50–74%", 50, 74),
    "none": ("no match (the model)", 0, 49),
}
ORDERS = ("document", "worst-bleu")
PAGE_SIZE = 100
DECISIONS = ("accept", "reject", "edit", "revert")


@dataclass(frozen=True)
class Suggestion:
    """The best fuzzy match `translate` recorded for a segment."""

    score: int
    source: str
    target: str


@dataclass(frozen=True)
class Filters:
    """The grid's filters, as the page's query string gives them."""

    status: str = ""  # one of STATUSES or "" for any
    origin: str = ""  # one of ORIGINS, "tm" (reused from the memory) or ""
    band: str = ""  # a key of BANDS or ""
    order: str = "document"  # or "worst-bleu"
    q: str = ""  # text in the source or the target, any case

    @classmethod
    def parse(cls, args) -> Filters:
        """Read the filters from a mapping (query arguments); unknown values are a usage error."""
        f = cls(
            status=args.get("status", ""), origin=args.get("origin", ""), band=args.get("band", ""),
            order=args.get("order", "") or "document", q=args.get("q", "").strip()[:200],
        )
        for value, allowed, what in (
            (f.status, STATUSES, "status"), (f.origin, (*ORIGINS, "tm"), "origin"), (f.band, tuple(BANDS), "band"),
        ):
            if value and value not in allowed:
                raise UsageError(f"unknown {what} {value!r}")
        if f.order not in ORDERS:
            raise UsageError(f"unknown order {f.order!r}")
        return f

    def keep(self, r: IndexRow) -> bool:
        if self.status and r.status != self.status:
            return False
        if self.origin == "tm" and not (r.match or 0) > 0:
            return False
        if self.origin and self.origin != "tm" and r.origin != self.origin:
            return False
        if self.band:
            _, low, high = BANDS[self.band]
            if not low <= (r.match or 0) <= high:
                return False
        if self.q:
            q = self.q.casefold()
            if q not in r.source.casefold() and q not in (r.target or "").casefold():
                return False
        return True

    def query(self, **changes) -> dict[str, str]:
        """The non-empty filters as query arguments (for links that keep them)."""
        values = {"status": self.status, "origin": self.origin, "band": self.band, "q": self.q,
                  "order": "" if self.order == "document" else self.order}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class Row:
    """One line of the grid: a segment, its unit as read, and what the page shows beside it."""

    pair: ReviewPair
    suggestion: Suggestion | None = None

    @property
    def index(self) -> int:
        return self.pair.segment.index

    @property
    def unit(self) -> TranslationUnit | None:
        return self.pair.unit

    @property
    def target_shown(self) -> str:
        return shown(self.unit) if self.unit else ""


@dataclass
class Progress:
    """How far the review of one document is."""

    name: str
    statuses: Counter = field(default_factory=Counter)  # draft/approved/rejected/untranslated

    @property
    def segments(self) -> int:
        return sum(self.statuses.values())

    @property
    def decided(self) -> int:
        return self.statuses["approved"] + self.statuses["rejected"]


@dataclass
class Page:
    """One page of a document's grid."""

    name: str
    rows: list[Row]
    number: int  # 1-based
    pages: int
    matching: int  # rows that pass the filters, all pages
    total: int  # segments of the document
    progress: Progress


def page(tm: TranslationMemory, name: str, filters: Filters, number: int = 1, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` of document ``name``'s grid, as the memory holds it now.

    The filters and the order look at a light index of every segment; only the page's own
    rows are read whole (unit, scores), so a 5,000-segment document opens as fast as a short one.
    """
    name = tm.get_document(name).name
    index = tm.review_index(name)
    kept = [r for r in index if filters.keep(r)]
    if filters.order == "worst-bleu":
        kept.sort(key=_worst_bleu)
    pages = max(1, -(-len(kept) // size))
    number = min(max(1, number), pages)
    chosen = [r.index for r in kept[(number - 1) * size : number * size]]
    counts = Counter(r.status or "untranslated" for r in index)
    return Page(name, rows(tm, name, chosen), number, pages, len(kept), len(index), Progress(name, counts))


def rows(tm: TranslationMemory, name: str, indexes: list[int]) -> list[Row]:
    """Grid rows of segments ``indexes`` of document ``name``, with their suggestions."""
    found = tm.page_suggestions(name, indexes)  # the fuzzy matches `translate` recorded (issue 9)
    out = []
    for p in tm.review_page(name, indexes):
        score, unit = found.get(p.segment.index, (0, None))
        s = Suggestion(score, shown(unit, "source"), shown(unit)) if unit else None
        if s is not None and p.unit is not None and (unit.id == p.unit.id or s.target == shown(p.unit)):
            s = None  # the suggestion is what the target already says
        out.append(Row(p, s))
    return out


def refreshed(tm: TranslationMemory, name: str, index: int, tu_ids: Iterable[int]) -> list[Row]:
    """Segment ``index`` of document ``name`` and the other segments there that use one of the
    units ``tu_ids`` (a decision on one unit changes them all; an edit may move them to another
    unit), as the memory holds them now."""
    indexes = {index}
    for tu_id in tu_ids:
        try:
            indexes.update(i for doc, i in tm.unit_segments(tu_id) if doc == name)
        except NotFound:
            continue
    found = rows(tm, name, sorted(indexes))
    if index not in {r.index for r in found}:
        raise NotFound(f"{name} has no segment #{index + 1}")
    return found


def _worst_bleu(r: IndexRow) -> tuple:
    # Unscored pairs go last, in document order; ties by chrF, then position.
    if r.bleu is None:
        return (1, 0.0, 0.0, r.index)
    return (0, r.bleu, r.chrf if r.chrf is not None else 101.0, r.index)


def documents(tm: TranslationMemory) -> list[Progress]:
    """Every document of the memory with its review progress, most recent first."""
    return [Progress(d.name, Counter(tm.status_counts(d.name))) for d in tm.documents()]


@dataclass(frozen=True)
class Seen:
    """The unit as the page showed it: what a decision is based on."""

    tu_id: int
    target: str
    status: str
    origin: str
    updated_at: str

    @classmethod
    def parse(cls, form) -> Seen:
        try:
            return cls(int(form["tu"]), form["target"], form["status"], form["origin"], form["updated"])
        except (KeyError, ValueError):
            raise UsageError("the request does not say which unit it is about, as it was seen") from None

    def unit(self, current: TranslationUnit) -> TranslationUnit:
        """``current`` with the fields the store's check compares set to what the page saw."""
        from dataclasses import replace

        return replace(current, target=self.target, status=self.status, origin=self.origin,
                       updated_at=self.updated_at)


def decide(tm: TranslationMemory, seen: Seen, action: str, *, text: str = "", history_id: int | None = None,
           author: str | None = None) -> tuple[TranslationUnit, str]:
    """Apply one reviewer decision in one transaction, with its history row.

    ``accept``/``reject`` set the status; ``edit`` saves ``text`` as a human target (approved),
    as ``tmtool review``'s ``e`` does; ``revert`` saves the text a history entry replaced.
    Raises :class:`~tmtool.errors.Conflict` (nothing written) when the unit is no longer as
    ``seen``. Returns the unit that now holds the segment and a short message.
    """
    if action not in DECISIONS:
        raise UsageError(f"unknown decision {action!r}; choose from {', '.join(DECISIONS)}")
    expected = seen.unit(tm.get_unit(seen.tu_id))
    if action in ("accept", "reject"):
        status = "approved" if action == "accept" else "rejected"
        unit = tm.set_status(seen.tu_id, status, author=author, expected=expected)
        return unit, f"unit {unit.id}: {status}"
    if action == "revert":
        text = _history_text(tm, seen.tu_id, history_id)
    text = " ".join(text.split())  # one line, as review's e
    if not text:
        raise UsageError("the new target is empty; nothing was changed")
    unit = tm.edit_target(seen.tu_id, text, author=author, expected=expected)
    moved = "" if unit.id == seen.tu_id else f" (the memory's unit {unit.id} has this text)"
    verb = "reverted" if action == "revert" else "edited"
    return unit, f"unit {seen.tu_id}: {verb}, saved as a human target, {unit.status}{moved}"


def _history_text(tm: TranslationMemory, tu_id: int, history_id: int | None) -> str:
    for change in tm.history(tu_id):
        if change.id == history_id and change.old_target:
            return change.old_target
    raise NotFound(f"unit {tu_id} has no history entry {history_id} with an earlier text")
