"""translate(): segment a text, reuse the memory, translate the misses, store, rebuild."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from .background import Background as _Background
from .errors import InputError
from .memory import SQLiteMemory, text_hash
from .memory.lookup import plain_target
from .records import Segment, TranslationUnit, cut_short
from .segment import Segmenter
from .translate import Translator
from .translate.base import CutNote, SplitNote


@dataclass(frozen=True)
class SegmentResult:
    """How one segment was translated."""

    segment: Segment
    target: str
    origin: str  # "tm": reused from the memory; "mt": produced by the model in this run
    match: int | None  # 101 context, 100 exact, a fuzzy score (--fuzzy-reuse), None for the model
    unit: TranslationUnit  # as the memory holds it: its real status, origin and props
    fuzzy: tuple[int, int] | None = None  # the best memory match found: (score, tu_id)
    own: bool = False  # origin "tm": the reused unit is this document's own earlier MT
    cut: int | None = None  # the model stopped at this output limit (tokens) mid-sentence

    @property
    def rejected(self) -> bool:
        """The only translation found is one a reviewer rejected (the model gave it again)."""
        return self.unit.status == "rejected"

    @property
    def document_text(self) -> str:
        """What the translated document holds for this segment: its target, or, where that
        target was rejected, the source as it is (a CAT tool's untranslated segment)."""
        return self.segment.text if self.rejected else self.target


@dataclass
class TranslateResult:
    """Everything a caller needs to report on one translated document."""

    document: str
    text: str  # the translated document, with the input's whitespace and line structure
    segments: list[SegmentResult]
    reused: int  # segments answered by the memory
    translated: int  # segments whose translation the model produced in this run
    distinct_translated: int  # distinct sources sent to the model
    seconds: float
    model: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def own(self) -> int:
        """Segments that reused this document's own earlier machine translation."""
        return sum(r.own for r in self.segments)

    @property
    def cut(self) -> int:
        """Segments whose translation the model stopped at its output limit."""
        return sum(r.cut is not None for r in self.segments)

    @property
    def rejected(self) -> int:
        """Segments whose only translation is one a reviewer rejected."""
        return sum(r.rejected for r in self.segments)


def rebuild(text: str, segments: list[Segment], targets: list[str]) -> str:
    """``text`` with each segment's span replaced by its target; everything between is kept."""
    out, pos = [], 0
    for seg, target in zip(segments, targets):
        out.append(text[pos : seg.start])
        out.append(target)
        pos = seg.end
    out.append(text[pos:])
    return "".join(out)


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
        if not self.keys:
            self.keys = [text_hash(s.text) for s in self.segments]


@dataclass
class JobResult:
    """What a translation job did: one result per document, in the order given."""

    documents: list[TranslateResult]
    seconds: float = 0.0
    distinct_translated: int = 0  # distinct sources the engine translated, across all documents
    model: str | None = None

    @property
    def segments(self) -> int:
        return sum(len(r.segments) for r in self.documents)

    @property
    def reused(self) -> int:
        return sum(r.reused for r in self.documents)

    @property
    def translated(self) -> int:
        return sum(r.translated for r in self.documents)

    @property
    def own(self) -> int:
        return sum(r.own for r in self.documents)

    @property
    def cut(self) -> int:
        return sum(r.cut for r in self.documents)

    @property
    def rejected(self) -> int:
        return sum(r.rejected for r in self.documents)


def translate_document(
    text: str,
    tm: SQLiteMemory,
    translator: Callable[[], Translator],
    *,
    name: str,
    src_lang: str = "id",
    tgt_lang: str = "en",
    segmenter: Segmenter | None = None,
    reuse: bool = True,
    fuzzy_reuse: int | None = None,
    batch_size: int | None = None,
    max_batch_tokens: int | None = None,
    author: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    unit_props: Callable[[Segment], dict] | None = None,
) -> TranslateResult:
    """Translate ``text`` through the memory ``tm`` and store it as document ``name``.

    The one-document case of :func:`translate_job`: ``translator`` is called only if some
    segment is not in the memory, so a fully reused document never loads a model. The new units
    are committed in document order as the model returns them (see ``WINDOW``): an interrupted run
    keeps what was committed, Ctrl-C every finished batch, and the next run only translates the
    rest. Context (101) and exact matches are
    reused; other segments get their best fuzzy match as a suggestion, reused instead of the
    model when it scores at least ``fuzzy_reuse``. ``unit_props`` gives the props of the unit
    stored for a segment the model translated (the inline codes of a CAT file's segment, issue 18).
    """
    segments = (segmenter or Segmenter()).segment(text)
    if not segments:
        raise InputError(f"{name}: nothing to translate (the input is empty or only whitespace)")
    job = translate_job(
        [SourceDocument(name, text, segments, unit_props=unit_props)], tm, translator, src_lang=src_lang,
        tgt_lang=tgt_lang, reuse=reuse, fuzzy_reuse=fuzzy_reuse, batch_size=batch_size,
        max_batch_tokens=max_batch_tokens, author=author, progress=progress,
    )
    return job.documents[0]


@dataclass
class _Doc:
    """One document of a job while it is translated: where it is stored and what it asks for."""

    source: SourceDocument
    doc_id: int
    plan: object  # the memory's ReusePlan, None with reuse off
    reused: dict[int, tuple[TranslationUnit, int]]  # a unit made from a fuzzy match: id None until stored
    own: set[int]  # reused units that are this document's own earlier MT
    firsts: dict[str, Segment]  # each source it sends to the model: its first segment here
    notes: list[str] = field(default_factory=list)


def translate_job(
    documents: Sequence[SourceDocument],
    tm: SQLiteMemory,
    translator: Callable[[], Translator],
    *,
    src_lang: str = "id",
    tgt_lang: str = "en",
    reuse: bool = True,
    fuzzy_reuse: int | None = None,
    batch_size: int | None = None,
    max_batch_tokens: int | None = None,
    author: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    close_engine: bool = False,
) -> JobResult:
    """Translate ``documents`` through ``tm`` as one job, storing each as its own document.

    The memory is asked once for every distinct sentence of every document; each source it lacks
    goes to the engine once, whatever number of documents repeat it, in length-sorted batches
    inside windows of ``WINDOW`` sources in document order (the job's documents, then their
    segments). ``translator`` is called only if something is missing, and (without
    ``fuzzy_reuse``, whose plan may answer everything) before anything is stored, so a model that
    cannot load leaves the memory as it was. New units (the model's and, with ``fuzzy_reuse``,
    those made from fuzzy matches) get their ids in document order (issue 20: unit N is segment
    #N of a new document): each is committed, in one transaction with its links to every document
    that asked for it, once every earlier new unit is. An interrupted job keeps what was
    committed (Ctrl-C: every finished batch) and a rerun translates only what is missing. With ``close_engine``, an engine with
    a ``close()`` (a pool of Ray actors) is closed at the end, on an error or Ctrl-C too.
    """
    started = time.perf_counter()
    names = [d.name for d in documents]
    if len(set(names)) != len(names):
        raise InputError("two documents of one job have the same name; translate them in separate runs")
    distinct = dict.fromkeys(s.text for d in documents for s in d.segments)
    hits = tm.lookup_exact(distinct, src_lang, tgt_lang) if reuse else {}
    engine = None
    try:
        if fuzzy_reuse is None and any(t not in hits for t in distinct):
            # The model will be needed: load it before anything is stored, so that a model that
            # cannot load leaves no document of untranslated segments behind. (With --fuzzy-reuse
            # the plan may still answer everything; the model then loads only if it does not.)
            engine = translator()
        # Without --fuzzy-reuse the fuzzy matches are only suggestions for review: when the model
        # is needed they are looked up while it translates, not before. Nothing the model makes
        # is stored before they are, so they are the same either way.
        later = reuse and fuzzy_reuse is None and engine is not None
        docs = [_store(d, tm, hits, src_lang, tgt_lang, reuse, fuzzy_reuse, author, suggest=not later)
                for d in documents]
        # Each distinct (normalised) source goes to the model once; its unit carries the context
        # of its first occurrence and is linked to every document (and repeat) that has it.
        todo: dict[str, tuple[_Doc, Segment]] = {}
        for doc in docs:
            for key, seg in doc.firsts.items():
                todo.setdefault(key, (doc, seg))
        made: dict[str, TranslationUnit] = {}
        writer = _InOrder(tm, docs, made)
        model_id = None
        try:
            if todo:
                engine = engine or translator()
                model_id = engine.model_id
                _translate_misses(tm, engine, docs, todo, writer, later=later, src_lang=src_lang,
                                  tgt_lang=tgt_lang, batch_size=batch_size, max_batch_tokens=max_batch_tokens,
                                  author=author, progress=progress)
        except BaseException:
            # Interrupted: keep every finished translation (still in document order where it can
            # be), so the next run translates only the rest. The error that stopped the run is
            # the one to report.
            try:
                writer.commit(everything=True)
            except Exception:  # noqa: BLE001
                pass
            raise
        writer.commit(everything=True)
    finally:
        close = getattr(engine, "close", None)
        if close_engine and callable(close):
            close()
    results = [_document_result(doc, made, model_id, started) for doc in docs]
    return JobResult(results, time.perf_counter() - started, len(todo), model_id)


def _store(d: SourceDocument, tm, hits, src_lang, tgt_lang, reuse, fuzzy_reuse, author, *, suggest) -> _Doc:
    """Store document ``d``, link the segments the memory answers and say what it still needs."""
    # What this document's last run linked: a reused unit among them that the model made is
    # the document's own earlier MT, not a TM match of other work (issue 14).
    before = tm.document_units(d.name)
    doc_id = tm.save_document(d.name, d.text, d.segments, src_lang, tgt_lang, hashes=d.keys)
    # The units made from fuzzy matches (--fuzzy-reuse) come back unstored (id None): they are
    # stored in document order with the model's. The memory's own units are linked now.
    plan = tm.plan_reuse(doc_id, d.segments, src_lang, tgt_lang, hits, fuzzy_reuse=fuzzy_reuse,
                         author=author, suggest=suggest, store=False) if reuse else None
    reused = plan.reused if plan else {}
    _link_reused(tm, doc_id, d.segments, d.keys, {i: r for i, r in reused.items() if r[0].id is not None})
    own = {u.id for u, score in reused.values() if score >= 100 and u.origin == "mt" and u.id in before}
    if own:
        tm.mark_own_mt(doc_id, own)
    firsts: dict[str, Segment] = {}
    for s, key in zip(d.segments, d.keys):
        if s.index not in reused:
            firsts.setdefault(key, s)
    return _Doc(d, doc_id, plan, reused, own, firsts)


def _translate_misses(tm, engine: Translator, docs: list[_Doc], todo: dict[str, tuple[_Doc, Segment]],
                      writer: _InOrder, *, later: bool, src_lang: str, tgt_lang: str,
                      batch_size, max_batch_tokens, author, progress) -> None:
    """Send every source in ``todo`` (in document order) to ``engine`` and hand each unit to
    ``writer`` as it comes back; it commits what document order allows after each batch."""
    keys = list(todo)
    done_count = 0
    if progress:
        progress(0, len(keys))
    batches = _in_windows(engine, [todo[k][1].text for k in keys], batch_size, max_batch_tokens)
    if later:
        # The engine runs in a thread (CTranslate2 and torch release the GIL while they compute;
        # Ray actors run elsewhere); this one meanwhile looks up the suggestions, then stores
        # each batch.
        batches = _Background(batches)
    try:
        if later:
            for doc in docs:
                _suggest(tm, doc.plan, doc.doc_id, doc.source.segments, src_lang, tgt_lang)
        for done, batch_notes in batches:
            cut_now = {n.index: n.limit for n in batch_notes if isinstance(n, CutNote)}
            units = [
                _mt_unit(todo[keys[i]][1], target, todo[keys[i]][0].source.segments, engine.model_id,
                         src_lang, tgt_lang, author, cut_now.get(i))
                for i, target in done
            ]
            for (i, _), unit in zip(done, units):
                doc, seg = todo[keys[i]]
                if doc.source.unit_props is not None:
                    unit.props = {**unit.props, **doc.source.unit_props(seg)}
                writer.ready(("mt", keys[i]), unit)
            writer.commit()
            for n in batch_notes:
                if isinstance(n, SplitNote):
                    for doc in writer.wanted[keys[n.index]]:
                        doc.notes.append(
                            f"segment {doc.firsts[keys[n.index]].index + 1} has {n.tokens} tokens, more than "
                            f"the model's limit of {n.limit}: translated in {n.pieces} pieces"
                        )
            done_count += len(done)
            if progress:
                progress(done_count, len(keys))
    finally:
        batches.close()  # a thread: stopped after its current batch; a generator: closed


class _InOrder:
    """Stores the new units of a job in document order (issue 20: unit N is segment #N of a new
    document): a unit ready to store waits for every earlier new unit.

    A slot is ``("mt", source hash)`` for a unit the model makes (one per distinct source of the
    job, linked to every document that sends it) or ``("fuzzy", document index, source hash)``
    for one made from a fuzzy match. Each commit is one transaction that stores the units, links
    their segments and reads them back: a unit already stored with this source and target comes
    back as it is (perhaps rejected, or approved), so the output reports what the memory holds.
    """

    def __init__(self, tm: SQLiteMemory, docs: list[_Doc], made: dict[str, TranslationUnit]):
        self.tm, self.docs, self.made = tm, docs, made  # made: the model's units, by source hash
        self.wanted: dict[str, list[_Doc]] = {}  # source hash -> the documents that send it
        self.slots: list[tuple] = []
        self.waiting: dict[tuple, TranslationUnit] = {}
        self.stored = 0  # self.slots[:stored] are stored (or were given up on an interruption)
        placed: set[tuple] = set()
        for n, doc in enumerate(docs):
            fuzzy = {doc.source.keys[i]: unit for i, (unit, _) in doc.reused.items() if unit.id is None}
            for key in doc.firsts:
                self.wanted.setdefault(key, []).append(doc)
            for key in doc.source.keys:
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
            links: dict[tuple[int, int], dict[str, int]] = {}  # (doc_id, score) -> {source hash: unit id}
            for (slot, _), tu_id in zip(batch, ids):
                if slot[0] == "mt":
                    self.made[slot[1]] = stored[tu_id]
                    for doc in self.wanted[slot[1]]:
                        links.setdefault((doc.doc_id, 0), {})[slot[1]] = tu_id  # 0: the model made it
                else:
                    doc, key = self.docs[slot[1]], slot[2]
                    scores = set()
                    for i, (unit, score) in list(doc.reused.items()):
                        if unit.id is None and doc.source.keys[i] == key:
                            doc.reused[i] = (stored[tu_id], score)
                            scores.add(score)
                    # The segments of one source share its fuzzy match, hence its score.
                    links.setdefault((doc.doc_id, max(scores)), {})[key] = tu_id
            # One statement per document and score links all its repeats of each source.
            for (doc_id, score), by_source in links.items():
                self.tm.link_sources(doc_id, by_source, match=score)


#: Sources handed to the engine at a time, in document order: it sorts each window by length
#: (little padding) and the window's units are stored in order when it is done, so an
#: interrupted run loses at most one window of work.
WINDOW = 128


def _in_windows(engine: Translator, texts: list[str], batch_size: int | None,
                max_batch_tokens: int | None) -> Iterator[tuple[list[tuple[int, str]], list]]:
    """``engine.translate_batches`` over consecutive windows of ``texts``, indices kept global."""
    # At least 4 full batches a window, for each worker of a pool (Ray actors), so none idles.
    workers = len(getattr(engine, "actors", None) or ()) or 1
    window = max(WINDOW, 4 * (batch_size or engine.default_batch_size) * workers)
    for start in range(0, len(texts), window):
        for done, notes in engine.translate_batches(texts[start : start + window], batch_size, max_batch_tokens):
            yield ([(start + i, t) for i, t in done], [replace(n, index=start + n.index) for n in notes])


def _document_result(doc: _Doc, made: dict[str, TranslationUnit], model_id: str | None,
                     started: float) -> TranslateResult:
    """What ``doc``'s segments got, as the memory holds it, with its notes and warnings."""
    d, plan = doc.source, doc.plan
    results = []
    for s, key in zip(d.segments, d.keys):
        best = plan.best.get(s.index) if plan else None
        if s.index in doc.reused:
            unit, score = doc.reused[s.index]  # (a fuzzy-made unit: as stored by the writer)
            results.append(SegmentResult(s, plain_target(unit), "tm", score, unit, best,
                                         own=unit.id in doc.own, cut=cut_short(unit)))
        else:
            unit = made[key]
            # Cut short as the memory holds it: the new unit carries the mark; a unit already
            # stored with this very text is reported as it is.
            results.append(SegmentResult(s, plain_target(unit), "mt", None, unit, best, cut=cut_short(unit)))
    return TranslateResult(
        document=d.name,
        text=rebuild(d.text, d.segments, [r.document_text for r in results]),
        segments=results,
        reused=sum(r.origin == "tm" for r in results),
        translated=sum(r.origin == "mt" for r in results),
        distinct_translated=len(doc.firsts),
        seconds=time.perf_counter() - started,
        model=model_id if doc.firsts else None,
        notes=doc.notes + _cut_notes(results),
        warnings=_rejected_warnings(results, d.name),
    )


def _numbers(results: list[SegmentResult]) -> str:
    """``segment 3`` or ``segments 3, 5, 9`` (1-based), at most 20 named."""
    shown = [str(r.segment.index + 1) for r in results[:20]]
    more = f" and {len(results) - 20} more" if len(results) > 20 else ""
    return ("segment " if len(results) == 1 else "segments ") + ", ".join(shown) + more


def _cut_notes(results: list[SegmentResult]) -> list[str]:
    """One note naming the segments whose translation the model stopped at its output limit."""
    cut = [r for r in results if r.cut is not None]
    if not cut:
        return []
    limits = sorted({r.cut for r in cut if r.cut})
    limit = f" ({', '.join(map(str, limits))} tokens)" if limits else ""
    return [
        f"{_numbers(cut)}: the model stopped at its output limit{limit} before the end of the "
        "sentence; the translation is probably cut short. Kept as a draft marked cut short "
        "(`truncated` in the unit's props), never reused; review it."
    ]


def _rejected_warnings(results: list[SegmentResult], name: str) -> list[str]:
    """One warning naming the segments whose only translation a reviewer rejected."""
    rejected = [r for r in results if r.rejected]
    if not rejected:
        return []
    ids = sorted({r.unit.id for r in rejected})
    units = ("unit " if len(ids) == 1 else "units ") + ", ".join(map(str, ids[:20]))
    units += f" and {len(ids) - 20} more" if len(ids) > 20 else ""
    return [
        f"{_numbers(rejected)}: the model's translation is one a reviewer rejected ({units}); "
        "the translated document keeps the source text there. Give a translation with "
        f"`tmtool review --doc {shlex.quote(name)} --status rejected` or `tmtool pairs edit`."
    ]


def _suggest(tm, plan, doc_id: int, segments: list[Segment], src_lang: str, tgt_lang: str) -> None:
    """Record the best fuzzy match of each segment the memory did not answer, as ``plan_reuse``
    does with ``suggest=True``."""
    found = tm.suggest_fuzzy(doc_id, [s for s in segments if s.index not in plan.reused], src_lang, tgt_lang)
    plan.suggestions.update(found)
    for i, (tu_id, score) in found.items():
        plan.best[i] = (score, tu_id)


def _link_reused(
    tm: SQLiteMemory,
    doc_id: int,
    segments: list[Segment],
    keys: list[str],
    reused: dict[int, tuple[TranslationUnit, int]],
) -> None:
    """Link the segments the memory answered, recording the match score (for TM leverage).

    The segments of one source usually share a unit and score: they are linked by source in one
    statement. The exceptions (a context match at one position, an exact one elsewhere) are
    linked one by one first, so the statement by source leaves them alone.
    """
    from collections import Counter

    by_key: dict[str, list[int]] = {}
    for s, key in zip(segments, keys):
        by_key.setdefault(key, []).append(s.index)
    by_source: dict[int, dict[str, int]] = {}  # score -> {source hash: unit id}
    single: dict[int, tuple[TranslationUnit, int]] = {}
    for key, indices in by_key.items():
        hits = {i: reused[i] for i in indices if i in reused}
        if len(hits) < len(indices):  # some go to the model: link the reused ones one by one
            single.update(hits)
            continue
        (common, _), = Counter((u.id, score) for u, score in hits.values()).most_common(1)
        by_source.setdefault(common[1], {})[key] = common[0]
        single.update({i: h for i, h in hits.items() if (h[0].id, h[1]) != common})
    with tm.atomic():
        tm.link_segments(doc_id, {i: u.id for i, (u, _) in single.items()},
                         {i: score for i, (_, score) in single.items()})
        for score, links in by_source.items():
            tm.link_sources(doc_id, links, match=score)


def _mt_unit(
    seg: Segment,
    target: str,
    segments: list[Segment],
    model: str,
    src_lang: str,
    tgt_lang: str,
    author: str | None,
    cut: int | None = None,
) -> TranslationUnit:
    # Context is the previous and next segment of the document, as CAT tools record it.
    prev = segments[seg.index - 1] if seg.index > 0 else None
    nxt = segments[seg.index + 1] if seg.index + 1 < len(segments) else None
    return TranslationUnit(
        id=None,
        source=seg.text,
        target=target,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        origin="mt",
        status="draft",
        model=model,
        author=author,
        prev_source=prev.text if prev else None,
        next_source=nxt.text if nxt else None,
        # Stopped at the output limit: marked so that every view says so and translate does
        # not reuse it (issue 14).
        props={"truncated": {"limit": cut}} if cut is not None else {},
    )
