"""The records of one translation job (:func:`tmtool.pipeline.translate_job`): its options, its
documents as given and as planned, and the writer that stores its new units in document order.

Kept apart from the pipeline's steps so that ``translate``, ``translate`` of many files
(``batch.py``) and pre-translation of a CAT file (``pretranslate.py``) share one option record
instead of repeating nine keyword arguments (issue 15).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

from .config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG
from .memory import TranslationMemory, text_hash
from .records import Segment, TranslationUnit
from .reuse import MODEL, ReusePlan


@dataclass(frozen=True)
class JobOptions:
    """How a job translates: languages, reuse, batching, authorship and progress."""

    src_lang: str = DEFAULT_SRC_LANG
    tgt_lang: str = DEFAULT_TGT_LANG
    reuse: bool = True  # False (--no-reuse): the model translates everything
    fuzzy_reuse: int | None = None  # reuse a fuzzy match scoring at least this instead of the model
    batch_size: int | None = None  # sentences per batch (None: the engine's default)
    max_batch_tokens: int | None = None
    author: str | None = None  # recorded on the new units
    progress: Callable[[int, int], None] | None = None  # (sources done, sources to translate)
    close_engine: bool = False  # close an engine with a close() (a pool of Ray actors) at the end

    @classmethod
    def of(cls, options: JobOptions | None, settings: dict) -> JobOptions:
        """``options`` (default: the defaults) with the keyword ``settings`` a caller gave."""
        unknown = set(settings) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown job option(s): {', '.join(sorted(unknown))}")
        return replace(options or cls(), **settings)


@dataclass
class SourceDocument:
    """One document of a translation job: its name in the memory, its text and its segments."""

    name: str
    text: str
    segments: list[Segment]
    keys: list[str] = field(default_factory=list)  # text_hash of each segment (made when empty)
    # The props of the unit stored for a segment the model translated, beyond the pipeline's own
    # (the inline codes of a CAT file's segment, issue 18).
    unit_props: Callable[[Segment], dict] | None = None

    def __post_init__(self) -> None:
        # Each text is hashed here, once per run; every lookup and write below is given the hash.
        if not self.keys:
            self.keys = [text_hash(s.text) for s in self.segments]


@dataclass(eq=False)  # a job's documents are told apart by identity (a writer's dict keys)
class PlannedDocument:
    """One document of a job once stored: what the memory answered and what it still needs."""

    source: SourceDocument
    doc_id: int
    plan: ReusePlan  # reused units (a unit made from a fuzzy match: tu_id None until stored)
    own: set[int]  # reused units that are this document's own earlier MT
    firsts: dict[str, Segment]  # each source it sends to the model: its first segment here
    notes: list[str] = field(default_factory=list)

    def suggestion(self, key: str) -> tuple[int, int] | None:
        """The fuzzy suggestion ``(tu_id, score)`` of the source with hash ``key`` (first segment)."""
        seg = self.firsts.get(key)
        m = self.plan.suggestions.get(seg.index) if seg is not None else None
        return (m.tu_id, m.score) if m is not None and m.tu_id is not None else None


class InOrderWriter:
    """Stores the new units of a job in document order (issue 20: unit N is segment #N of a new
    document): a unit ready to store waits for every earlier new unit.

    A slot is ``("mt", source hash)`` for a unit the model makes (one per distinct source of the
    job, linked to every document that sends it) or ``("fuzzy", document index, source hash)``
    for one made from a fuzzy match. Each commit is one transaction that stores the units, links
    their segments and reads them back: a unit already stored with this source and target comes
    back as it is (perhaps rejected, or approved), so the output reports what the memory holds.
    A segment row is updated once here: its unit, its match and (when it was looked up while the
    model worked) its fuzzy suggestion in one statement.
    """

    def __init__(self, tm: TranslationMemory, docs: list[PlannedDocument], made: dict[str, TranslationUnit]):
        self.tm, self.docs, self.made = tm, docs, made  # made: the model's units, by source hash
        self.wanted: dict[str, list[PlannedDocument]] = {}  # source hash -> the documents that send it
        self.slots: list[tuple] = []
        self.waiting: dict[tuple, TranslationUnit] = {}
        self.stored = 0  # self.slots[:stored] are stored (or were given up on an interruption)
        placed: set[tuple] = set()
        for n, doc in enumerate(docs):
            keys = doc.source.keys
            fuzzy = {keys[i]: m.unit for i, m in doc.plan.reused.items() if m.tu_id is None}
            for key in doc.firsts:
                self.wanted.setdefault(key, []).append(doc)
            for key in keys:
                slot = ("mt", key) if key in doc.firsts else ("fuzzy", n, key) if key in fuzzy else None
                if slot is not None and slot not in placed:
                    placed.add(slot)
                    self.slots.append(slot)
                    if slot[0] == "fuzzy":
                        self.waiting[slot] = fuzzy[key]

    def ready(self, slot: tuple, unit: TranslationUnit) -> None:
        """``unit`` is the new unit of ``slot``."""
        self.waiting[slot] = unit

    def commit(self, everything: bool = False) -> None:
        """Store the ready units that no earlier unit waits for (``everything``: all ready ones)."""
        upto = self.stored
        while upto < len(self.slots) and self.slots[upto] in self.waiting:
            upto += 1
        if everything:
            upto = len(self.slots)
        batch = [(slot, self.waiting.pop(slot)) for slot in self.slots[self.stored : upto] if slot in self.waiting]
        self.stored = upto
        if not batch:
            return
        with self.tm.atomic():
            ids = self.tm.add_units([unit for _, unit in batch])
            stored = self.tm.get_units(ids)
            links: dict[tuple[PlannedDocument, int], dict[str, int]] = {}  # (doc, score) -> {hash: unit id}
            for (slot, _), tu_id in zip(batch, ids):
                if slot[0] == "mt":
                    self.made[slot[1]] = stored[tu_id]
                    for doc in self.wanted[slot[1]]:
                        links.setdefault((doc, MODEL), {})[slot[1]] = tu_id
                else:
                    doc, key = self.docs[slot[1]], slot[2]
                    links.setdefault((doc, self._stored_fuzzy(doc, key, stored[tu_id])), {})[key] = tu_id
            # One statement per document and score links all its repeats of each source.
            for (doc, score), by_source in links.items():
                suggestions = {k: s for k in by_source if (s := doc.suggestion(k))} if score == MODEL else None
                self.tm.link_sources(doc.doc_id, by_source, match=score, suggestions=suggestions)

    @staticmethod
    def _stored_fuzzy(doc: PlannedDocument, key: str, unit: TranslationUnit) -> int:
        """Point ``doc``'s segments that reuse the fuzzy-made unit of ``key`` at ``unit`` as stored;
        their score (the segments of one source share its fuzzy match, hence its score)."""
        scores = set()
        for i, m in list(doc.plan.reused.items()):
            if m.tu_id is None and doc.source.keys[i] == key:
                doc.plan.reused[i] = m.stored_as(unit)
                scores.add(m.score)
        return max(scores)

    def record_pending_suggestions(self) -> None:
        """After an interruption: record the suggestions of the segments left untranslated (they
        were looked up while the model worked, to be written with their translation)."""
        for doc in self.docs:
            pending = {}
            for s, key in zip(doc.source.segments, doc.source.keys):
                if key in doc.firsts and key not in self.made and (found := doc.suggestion(key)):
                    pending[s.index] = found
            if pending:
                self.tm.record_suggestions(doc.doc_id, pending)

