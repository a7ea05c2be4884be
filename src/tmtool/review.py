"""The review loop: one pair at a time, each decision saved at once (issue 4).

:func:`run_review` is a plain function of the memory, the pairs and its input and output (like
llm's ``_run_chat``), so the CLI passes click's prompt and echo, and a test passes a script.
Every decision is its own transaction: quitting, Ctrl-C or a crash loses nothing decided, and
the next ``tmtool review`` starts at the first pair of the selection still undecided.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import Conflict, EditorError, NotFound
from .inline import shown
from .memory.records import ReviewPair
from .records import OWN_MT, cut_short

if TYPE_CHECKING:
    from .memory import TranslationMemory

#: A fuzzy TM suggestion shown beside a pair: (match score, its source, its target).
Suggestion = tuple[int, str, str]

KEYS = (
    ("a", "accept: approve the target as it is"),
    ("e", "edit: type a new target on one line"),
    ("E", "edit in $EDITOR (for long text)"),
    ("r", "reject: the target is wrong and must not be reused"),
    ("s", "skip: decide later"),
    ("b", "back to the previous pair"),
    ("q", "quit (every decision so far is saved)"),
)
PROMPT = "[a]ccept [e]dit [E]ditor [r]eject [s]kip [b]ack [q]uit [?]help > "


@dataclass
class ReviewSummary:
    """What one review session did."""

    decisions: dict[int, str] = field(default_factory=dict)  # tu_id -> approved/edited/rejected/skipped
    reviewed: int = 0  # pairs decided or skipped
    total: int = 0
    left: int = 0  # pairs of the selection still draft at the end
    first_left: int | None = None  # segment number (1-based) where the next review starts

    def count(self, decision: str) -> int:
        return sum(d == decision for d in self.decisions.values())

    def describe(self) -> str:
        done = ", ".join(
            f"{self.count(d)} {d}" for d in ("approved", "edited", "rejected", "skipped") if self.count(d)
        )
        line = f"Reviewed {self.reviewed} of {self.total}: {done or 'no decisions'}."
        if self.left:
            line += f" {self.left} still to review: run the same command to go on (from #{self.first_left})."
        else:
            line += " Nothing left to review in this selection."
        return line


def select_pairs(
    tm: TranslationMemory,
    name: str,
    *,
    statuses: Sequence[str] | None = ("draft",),
    origins: Sequence[str] | None = None,
    worst_first: bool = False,
) -> list[ReviewPair]:
    """The pairs of document ``name`` to review, in document order (or lowest score first).

    A unit used by several segments of the document is reviewed once, at its first segment.
    Aligned pairs whose alignment confidence is under :data:`DOUBTFUL_ALIGNMENT` come first,
    least confident first (issue 6); ``worst_first`` orders the rest by stored sentence chrF
    (then BLEU), unscored pairs last.
    """
    seen: set[int] = set()
    pairs = []
    for p in tm.review_pairs(name, statuses=statuses, origins=origins):
        if p.unit.id not in seen:
            seen.add(p.unit.id)
            pairs.append(p)
    if worst_first:
        pairs.sort(key=_badness)
    pairs.sort(key=lambda p: _alignment_confidence(p) if _doubtful(p) else 2.0)
    return pairs


#: Aligned pairs under this confidence are reviewed first (`tmtool align` lists them too).
DOUBTFUL_ALIGNMENT = 0.5


def _alignment_confidence(p: ReviewPair) -> float | None:
    value = p.unit.props.get("x-align-confidence") if p.unit.origin == "aligned" else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _doubtful(p: ReviewPair) -> bool:
    confidence = _alignment_confidence(p)
    return confidence is not None and confidence < DOUBTFUL_ALIGNMENT


def recorded_suggestions(
    tm: TranslationMemory, name: str
) -> Callable[[ReviewPair], Suggestion | None] | None:
    """The best fuzzy match `translate` recorded for each segment of ``name``, as a suggestion
    for :func:`run_review`; None if this memory records no fuzzy matches."""
    get = getattr(tm, "suggestions", None)  # the fuzzy-match store methods (issue 9)
    if get is None:
        return None
    found = get(name)

    def suggest(pair: ReviewPair) -> Suggestion | None:
        m = found.get(pair.segment.index)
        if m is None or m.unit.id == pair.unit.id or m.unit.target == pair.unit.target:
            return None
        return (m.score, shown(m.unit, "source"), shown(m.unit))

    return suggest


def _badness(p: ReviewPair) -> tuple:
    chrf, bleu = p.score("chrF2"), p.score("BLEU")
    if chrf is None and bleu is None:
        return (1, 0.0, 0.0, p.segment.index)
    return (0, chrf if chrf is not None else 101.0, bleu if bleu is not None else 101.0, p.segment.index)


def run_review(
    tm: TranslationMemory,
    pairs: Sequence[ReviewPair],
    *,
    read: Callable[[str], str | None],
    write: Callable[[str], None],
    edit_long: Callable[[str], str | None] | None = None,
    suggest: Callable[[ReviewPair], Suggestion | None] | None = None,
    author: str | None = None,
    width: int = 100,
    notes: Callable[[ReviewPair], list[str]] | None = None,
) -> ReviewSummary:
    """Show each pair, read a key, save the decision at once.

    ``read(prompt)`` returns a line of input, or None at end of input (taken as quit);
    ``write(text)`` prints a line; ``edit_long(text)`` opens an editor and returns the edited
    text (None: cancelled); ``suggest(pair)`` gives a fuzzy TM suggestion, if any;
    ``notes(pair)`` more lines to show under it (QA findings and glossary terms, issue 17).
    """
    items = list(pairs)
    summary = ReviewSummary(total=len(items))
    i = 0
    while 0 <= i < len(items):
        pair = items[i] = _refresh(tm, items[i])
        write(describe(pair, i + 1, len(items), suggest(pair) if suggest else None, width))
        for line in notes(pair) if notes else ():
            write(line)
        step, unit = _decide(tm, pair, read=read, write=write, edit_long=edit_long, author=author,
                             summary=summary, first=i == 0)
        if unit is not None:
            # An edit may move the segment to the unit that already had the text.
            items[i] = ReviewPair(pair.segment, unit, pair.match, pair.scores, pair.own_mt)
        if step is None:
            break
        i += step
    summary.reviewed = len(summary.decisions)
    _count_left(tm, items, summary)
    return summary


def _decide(tm, pair, *, read, write, edit_long, author, summary, first):
    """Read keys until one moves on: (+1 next | -1 back | 0 show again | None quit, the unit if
    it changed). A decision on a pair another reviewer changed meanwhile is refused, not saved
    over theirs: the pair is shown again as it is now (issue 7)."""
    unit = pair.unit
    while True:
        key = read(PROMPT)
        if key is None:
            return None, None
        key = key.strip()
        if key in ("a", "r"):
            status = "approved" if key == "a" else "rejected"
            try:
                saved = tm.set_status(unit.id, status, author=author, expected=unit)
            except Conflict as e:
                write(f"  {e}. Here it is now:")
                return 0, None
            summary.decisions[unit.id] = status
            write(f"  -> {status}")
            return 1, saved
        if key in ("e", "E"):
            if key == "E" and edit_long is None:
                write("  no editor available here; use e")
                continue
            try:
                text = edit_long(unit.target) if key == "E" else read("  new target > ")
            except EditorError as e:  # back to the prompt: the review goes on (issue 20)
                write(f"  {e}; nothing was changed (e edits on one line)")
                continue
            text = " ".join((text or "").split())
            if not text:
                write("  edit cancelled")
                continue
            if text == unit.target:
                write("  unchanged; a to accept it as it is")
                continue
            try:
                saved = tm.edit_target(unit.id, text, author=author, expected=unit)
            except Conflict as e:
                write(f"  {e}. Here it is now:")
                return 0, None
            summary.decisions[unit.id] = "edited"
            note = "" if saved.id == unit.id else f" (the memory's unit {saved.id} has this text)"
            write(f"  -> edited: saved as a human target, approved{note}")
            return 1, saved
        if key == "s":
            summary.decisions.setdefault(unit.id, "skipped")
            return 1, None
        if key == "b":
            if first:
                write("  this is the first pair")
                continue
            return -1, None
        if key == "q":
            return None, None
        if key in ("?", "h", "help"):
            write("\n".join(f"  {k}  {text}" for k, text in KEYS))
            continue
        if key:
            write(f"  unknown key {key!r}; ? shows the keys")


def describe(
    pair: ReviewPair, position: int, total: int, suggestion: Suggestion | None = None, width: int = 100
) -> str:
    """The text shown for one pair: where it is, source, target, provenance, scores."""
    u = pair.unit
    if u.model:
        origin = f"{u.origin} ({u.model})" if u.origin == "mt" else f"{u.origin} (edited from {u.model})"
    else:
        origin = u.origin
    confidence = _alignment_confidence(pair)
    if confidence is not None:
        origin += f" (bead {u.props.get('x-bead', '?')}, confidence {confidence:.2f})"
    # A TM match is other work; this document's own earlier MT is not one (issue 14).
    how = f" · {OWN_MT} (not a TM match)" if pair.own_mt and pair.match else (
        f" · TM match {pair.match}%" if pair.match else "")
    cut = cut_short(u)
    lines = [
        "",
        f"[{position}/{total}] segment #{pair.segment.index + 1} · unit {u.id} · {origin} · {u.status}{how}",
    ]
    lines += _wrapped("source", pair.segment.text, width)
    lines += _wrapped("target", shown(u), width)
    if cut is not None:
        limit = f" ({cut} tokens)" if cut else ""
        lines += _wrapped("CUT", f"the model stopped at its output limit{limit} before the end of the "
                          "sentence: this translation is probably cut short", width)
    if suggestion:
        lines += _wrapped(f"TM {suggestion[0]}%", suggestion[2], width)
        lines += _wrapped("", f"(the memory's translation of: {suggestion[1]})", width)
    if pair.scores:
        some = next(iter(pair.scores.values()))
        for n, ref in enumerate(some.refs, 1):
            lines += _wrapped("ref" if len(some.refs) == 1 else f"ref {n}", ref, width)
        figures = "  ".join(f"{m} {s.score:.1f}" for m, s in sorted(pair.scores.items()))
        stale = " (scored before the target changed)" if pair.stale else ""
        lines.append(f"  {'scores':>7}  {figures}{stale}")
    return "\n".join(lines)


def _wrapped(label: str, text: str, width: int) -> list[str]:
    body = textwrap.wrap(text, max(30, width - 11), break_on_hyphens=False) or [""]
    return [f"  {label if n == 0 else '':>7}  {line}" for n, line in enumerate(body)]


def _refresh(tm: TranslationMemory, pair: ReviewPair) -> ReviewPair:
    # Back shows the pair as decided a moment ago; another process may have changed it too.
    try:
        unit = tm.get_unit(pair.unit.id)
    except NotFound:
        unit = pair.unit
    return ReviewPair(pair.segment, unit, pair.match, pair.scores, pair.own_mt)


def _count_left(tm: TranslationMemory, pairs: Sequence[ReviewPair], summary: ReviewSummary) -> None:
    left = []
    for p in pairs:
        try:
            if tm.get_unit(p.unit.id).status == "draft":
                left.append(p.segment.index + 1)
        except NotFound:
            continue
    summary.left = len(left)
    summary.first_left = left[0] if left else None
