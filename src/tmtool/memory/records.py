"""The plain records the store returns besides units and documents (``tmtool.records``): a
segment with its unit, review history, stored scores, concordance hits, the light index of a
document a grid pages through, glossary entries and QA findings. Records only: no SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..records import OWN_MT, Segment, TranslationUnit


@dataclass(frozen=True)
class Pair:
    """One segment of a stored document with the unit that translates it (None if not yet)."""

    segment: Segment
    unit: TranslationUnit | None


@dataclass(frozen=True)
class SegmentLink:
    """What is known of a segment when its document is saved (see ``save_document``): the unit
    that answers it, how (``match``: 101 context, 100 exact, < 100 fuzzy, 0 the model), whether
    that is the document's own earlier MT, and its best fuzzy suggestion."""

    tu_id: int | None = None
    match: int | None = None
    own_mt: bool = False
    fuzzy_tu_id: int | None = None
    fuzzy_score: int | None = None


@dataclass(frozen=True)
class StoredScore:
    """A sentence-level score of one segment, as the last ``tmtool score`` stored it."""

    metric: str  # sacrebleu's name: BLEU, chrF2
    score: float
    signature: str
    hypothesis: str  # the text that was scored (a later edit makes the score stale)
    refs: tuple[str, ...]
    ref_kind: str  # "file": --ref files; "tm": approved targets from the memory
    scored_at: str


@dataclass(frozen=True)
class StoredCorpusScore:
    """A corpus score of one document, with the line sacrebleu printed for it."""

    metric: str
    score: float
    signature: str
    formatted: str
    ci_mean: float | None
    ci_half: float | None
    segments: int
    ref_kind: str
    scored_at: str


@dataclass(frozen=True)
class ReviewPair:
    """A :class:`Pair` as review shows it: with how the unit was obtained (``match``) and the
    segment's stored scores."""

    segment: Segment
    unit: TranslationUnit | None
    match: int | None  # TM match score in the last translate run; 0 = the model; None = unknown
    scores: dict[str, StoredScore] = field(default_factory=dict)
    own_mt: bool = False  # the match reused this document's own earlier machine translation

    @property
    def reuse(self) -> str | None:
        """How the last translate run got this target from the memory, in a reader's words:
        ``TM 101%`` (same context), ``TM 100%`` or a fuzzy ``TM 87%`` for other work (another
        document's translation, an import, an alignment, a person's edit), ``own earlier MT``
        for this document's own earlier machine translation kept as it was; None when the model
        translated it in that run or nothing was recorded (issue 14)."""
        if not self.match:
            return None
        return OWN_MT if self.own_mt else f"TM {self.match}%"

    def score(self, metric: str) -> float | None:
        """The stored score of ``metric`` (None: not scored)."""
        s = self.scores.get(metric)
        return s.score if s else None

    @property
    def stale(self) -> bool:
        """True when the target changed after it was scored."""
        unit = self.unit
        return unit is not None and any(s.hypothesis != unit.target for s in self.scores.values())


@dataclass(frozen=True)
class Change:
    """One recorded change to a unit: who changed what, when."""

    id: int
    tu_id: int
    action: str  # approve, reject, reopen, edit
    old_target: str | None
    new_target: str | None
    old_status: str | None
    new_status: str | None
    old_origin: str | None
    new_origin: str | None
    author: str | None
    at: str
    note: str | None = None


@dataclass(frozen=True)
class Concordance:
    """A unit whose source or target contains the phrase searched for."""

    unit: TranslationUnit
    rank: float  # bm25: lower is better


@dataclass(frozen=True)
class IndexRow:
    """What the filters and the order of a grid look at, for one segment."""

    index: int
    tu_id: int | None  # None: not translated
    status: str | None
    origin: str | None
    match: int | None
    source: str
    target: str | None
    bleu: float | None  # the stored sentence BLEU, if scored
    chrf: float | None


# -- glossary and QA (issue 17) ---------------------------------------------------------------

#: Term statuses as stored (TBX ``administrativeStatus`` without its ``-admn-sts`` suffix, plus
#: ``forbidden`` as CAT tools name it). A target term with one of ``NOT_TO_USE`` is a QA error.
TERM_STATUSES = ("preferred", "admitted", "deprecated", "superseded", "forbidden")
NOT_TO_USE = ("deprecated", "superseded", "forbidden")
SEVERITIES = ("error", "warning")


def primary_subtag(lang: str) -> str:
    """The primary language subtag of a BCP 47 tag, lower case (``en-US`` -> ``en``)."""
    return lang.replace("_", "-").split("-")[0].lower()


@dataclass(frozen=True)
class GlossaryTerm:
    """One term of a concept in one language."""

    text: str
    lang: str  # BCP 47, as the file gave it (``en-US``); matching uses the primary subtag
    pos: str | None = None  # part of speech (noun, verb, ...)
    status: str | None = None  # one of TERM_STATUSES, None if the file says nothing
    note: str | None = None

    @property
    def usable(self) -> bool:
        """False for a term a translation must not use (deprecated, superseded, forbidden)."""
        return self.status not in NOT_TO_USE


@dataclass(frozen=True)
class GlossaryEntry:
    """A concept: its terms in each language, with what the file says about it."""

    terms: tuple[GlossaryTerm, ...]
    concept: str | None = None  # the id the file gave the entry
    subject: str | None = None
    definition: str | None = None
    note: str | None = None
    id: int | None = None
    origin: str | None = None  # the file it was imported from

    def in_lang(self, lang: str) -> list[GlossaryTerm]:
        """The terms whose language is ``lang`` (primary subtags compared: ``en-US`` is ``en``)."""
        want = primary_subtag(lang)
        return [t for t in self.terms if primary_subtag(t.lang) == want]


@dataclass(frozen=True)
class GlossaryImport:
    """What an import stored: entries added, entries the glossary already had, what was left out."""

    added: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One problem a QA check found in a pair. ``spans`` point into the source or the target:
    ``{"side": "source"|"target", "start": int, "end": int}`` (character offsets)."""

    check: str
    severity: str  # error | warning
    message: str
    spans: tuple[dict, ...] = ()
    index: int | None = None  # the segment index in its document (None: a unit outside any)
    tu_id: int | None = None
    stale: bool = False  # stored before the pair's target changed: run tmtool qa again
