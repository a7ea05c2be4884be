"""translate(): segment a text, plan its reuse, translate the misses, store each batch, assemble.

The reuse policy is :mod:`tmtool.reuse`; the job's records (options, documents, the in-order
writer) are :mod:`tmtool.job`; the memory (:mod:`tmtool.memory`) only answers queries and stores.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from .background import Background as _Background
from .errors import InputError
from .job import InOrderWriter, JobOptions, PlannedDocument, SourceDocument
from .memory import SegmentLink, TranslationMemory
from .records import Segment, TranslationUnit, cut_short
from .reuse import MODEL, Match, ReusePlan, plain_target, plan_reuse, suggest_fuzzy
from .segment import Segmenter
from .translate import Translator
from .translate.base import CutNote, SplitNote


@dataclass(frozen=True)
class SegmentResult:
    """How one segment was translated."""

    segment: Segment
    target: str
    origin: str  # "tm": reused from the memory; "mt": produced by the model in this run
    # As the segments table records it: 101 context, 100 exact, a fuzzy score (--fuzzy-reuse),
    # 0 (``reuse.MODEL``) the model made the unit.
    match: int
    unit: TranslationUnit  # as the memory holds it: its real status, origin and props
    fuzzy: Match | None = None  # the best memory match found (for a fuzzy reuse: the match, not the unit made)
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
    tm: TranslationMemory,
    translator: Callable[[], Translator],
    *,
    name: str,
    segmenter: Segmenter | None = None,
    unit_props: Callable[[Segment], dict] | None = None,
    options: JobOptions | None = None,
    **settings,
) -> TranslateResult:
    """Translate ``text`` through the memory ``tm`` and store it as document ``name``.

    The one-document case of :func:`translate_job` (which says the order of the steps and what
    an interrupted run keeps); ``options`` and the keyword ``settings`` (any :class:`JobOptions`
    field: ``src_lang``, ``fuzzy_reuse``, ``batch_size`` ...) say how. ``translator`` is called
    only if some segment is not in the memory, so a fully reused document never loads a model.
    ``unit_props`` gives the props of the unit stored for a segment the model translated (the
    inline codes of a CAT file's segment, issue 18).
    """
    segments = (segmenter or Segmenter()).segment(text)
    if not segments:
        raise InputError(f"{name}: nothing to translate (the input is empty or only whitespace)")
    document = SourceDocument(name, text, segments, unit_props=unit_props)
    return translate_job([document], tm, translator, options, **settings).documents[0]


def translate_job(
    documents: Sequence[SourceDocument],
    tm: TranslationMemory,
    translator: Callable[[], Translator],
    options: JobOptions | None = None,
    **settings,
) -> JobResult:
    """Translate ``documents`` through ``tm`` as one job, storing each as its own document.

    ``options`` (with the keyword ``settings`` on top, see :class:`JobOptions`) say how. The
    steps, in order:

    1. **Plan**: the memory is asked once for every distinct sentence of every document (exact
       matches), then per document for context and fuzzy matches (:func:`tmtool.reuse.plan_reuse`).
       Each document is saved with its segments in one transaction, every row written once with
       what the plan knows (the unit reused, its match, own earlier MT, the fuzzy suggestion).
    2. **Translate the misses**: each source the memory lacks goes to the engine once, whatever
       number of documents repeat it, in length-sorted batches inside windows of ``WINDOW``
       sources in document order. Without ``fuzzy_reuse`` the fuzzy suggestions are looked up
       meanwhile, while the engine works in its thread.
    3. **Store each batch**: new units (the model's and, with ``fuzzy_reuse``, those made from
       fuzzy matches) get their ids in document order (issue 20: unit N is segment #N of a new
       document); each is committed, in one transaction with the one update of every segment row
       that asked for it, once every earlier new unit is.
    4. **Assemble** each document from what the memory holds.

    ``translator`` is called only if something is missing, and (without ``fuzzy_reuse``, whose
    plan may answer everything) before anything is stored, so a model that cannot load leaves the
    memory as it was. An interrupted job keeps what was committed (Ctrl-C: every finished batch)
    and a rerun translates only what is missing. With ``close_engine``, an engine with a
    ``close()`` (a pool of Ray actors) is closed at the end, on an error or Ctrl-C too.
    """
    job = JobOptions.of(options, settings)
    started = time.perf_counter()
    names = [d.name for d in documents]
    if len(set(names)) != len(names):
        raise InputError("two documents of one job have the same name; translate them in separate runs")
    distinct = {s.text: k for d in documents for s, k in zip(d.segments, d.keys)}
    hits = tm.lookup_exact(distinct, job.src_lang, job.tgt_lang, hashes=distinct.values()) if job.reuse else {}
    engine = None
    try:
        if job.fuzzy_reuse is None and any(t not in hits for t in distinct):
            # The model will be needed: load it before anything is stored, so that a model that
            # cannot load leaves no document of untranslated segments behind. (With --fuzzy-reuse
            # the plan may still answer everything; the model then loads only if it does not.)
            engine = translator()
        # Without --fuzzy-reuse the fuzzy matches are only suggestions for review: when the model
        # is needed they are looked up while it translates, not before, and written with each
        # segment's translation. Nothing the model makes is stored before they are looked up.
        later = job.reuse and job.fuzzy_reuse is None and engine is not None
        # 1. Plan, and save each document with what the plan knows.
        docs = [_plan_document(d, tm, hits, job, suggest=not later) for d in documents]
        # Each distinct (normalised) source goes to the model once; its unit carries the context
        # of its first occurrence and is linked to every document (and repeat) that has it.
        todo: dict[str, tuple[PlannedDocument, Segment]] = {}
        for doc in docs:
            for key, seg in doc.firsts.items():
                todo.setdefault(key, (doc, seg))
        made: dict[str, TranslationUnit] = {}
        writer = InOrderWriter(tm, docs, made)
        model_id = None
        try:
            if todo:  # 2. Translate the misses; 3. store each batch as document order allows.
                engine = engine or translator()
                model_id = engine.model_id
                _translate_misses(tm, engine, docs, todo, writer, job, later=later)
        except BaseException:
            # Interrupted: keep every finished translation (still in document order where it can
            # be) and the suggestions looked up, so the next run translates only the rest. The
            # error that stopped the run is the one to report.
            try:
                writer.commit(everything=True)
                writer.record_pending_suggestions()
            except Exception:  # noqa: BLE001
                pass
            raise
        writer.commit(everything=True)
    finally:
        close = getattr(engine, "close", None)
        if job.close_engine and callable(close):
            close()
    results = [_document_result(doc, made, model_id, started) for doc in docs]  # 4. Assemble.
    return JobResult(results, time.perf_counter() - started, len(todo), model_id)


def _plan_document(d: SourceDocument, tm: TranslationMemory, hits: dict[str, TranslationUnit],
                   job: JobOptions, *, suggest: bool) -> PlannedDocument:
    """Plan document ``d``'s reuse and save it, each segment row written once with what the plan
    knows; say what it still needs from the model."""
    # What this document's last run linked: a reused unit among them that the model made is
    # the document's own earlier MT, not a TM match of other work (issue 14).
    before = tm.document_units(d.name)
    plan = ReusePlan()
    if job.reuse:
        plan = plan_reuse(tm, d.segments, d.keys, job.src_lang, job.tgt_lang, hits,
                          fuzzy_reuse=job.fuzzy_reuse, author=job.author, suggest=suggest)
    own = {m.tu_id for m in plan.reused.values()
           if m.score >= 100 and m.unit.origin == "mt" and m.tu_id in before}
    links = {}
    for s in d.segments:
        m, found = plan.reused.get(s.index), plan.suggestions.get(s.index)
        linked = m is not None and m.tu_id is not None  # a unit made from a fuzzy match: stored later
        links[s.index] = SegmentLink(
            tu_id=m.tu_id if linked else None, match=m.score if linked else None,
            own_mt=linked and m.tu_id in own and m.score > 0,
            fuzzy_tu_id=found.tu_id if found else None, fuzzy_score=found.score if found else None,
        )
    doc_id = tm.save_document(d.name, d.text, d.segments, job.src_lang, job.tgt_lang, hashes=d.keys, links=links)
    firsts: dict[str, Segment] = {}
    for s, key in zip(d.segments, d.keys):
        if s.index not in plan.reused:
            firsts.setdefault(key, s)
    return PlannedDocument(d, doc_id, plan, own, firsts)


def _translate_misses(tm: TranslationMemory, engine: Translator, docs: list[PlannedDocument],
                      todo: dict[str, tuple[PlannedDocument, Segment]], writer: InOrderWriter,
                      job: JobOptions, *, later: bool) -> None:
    """Send every source in ``todo`` (in document order) to ``engine`` and hand each unit to
    ``writer`` as it comes back; it commits what document order allows after each batch."""
    keys = list(todo)
    done_count = 0
    if job.progress:
        job.progress(0, len(keys))
    batches = _in_windows(engine, [todo[k][1].text for k in keys], job.batch_size, job.max_batch_tokens)
    if later:
        # The engine runs in a thread (CTranslate2 and torch release the GIL while they compute;
        # Ray actors run elsewhere); this one meanwhile looks up the suggestions, then stores
        # each batch.
        batches = _Background(batches)
    try:
        if later:
            for doc in docs:
                unanswered = [(s, k) for s, k in zip(doc.source.segments, doc.source.keys)
                              if s.index not in doc.plan.reused]
                doc.plan.suggestions.update(suggest_fuzzy(tm, [s for s, _ in unanswered], [k for _, k in unanswered],
                                                          job.src_lang, job.tgt_lang))
        for done, batch_notes in batches:
            cut_now = {n.index: n.limit for n in batch_notes if isinstance(n, CutNote)}
            for i, target in done:
                doc, seg = todo[keys[i]]
                unit = _mt_unit(seg, target, doc.source.segments, engine.model_id, job, cut_now.get(i))
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
            if job.progress:
                job.progress(done_count, len(keys))
    finally:
        batches.close()  # a thread: stopped after its current batch; a generator: closed


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


def _document_result(doc: PlannedDocument, made: dict[str, TranslationUnit], model_id: str | None,
                     started: float) -> TranslateResult:
    """What ``doc``'s segments got, as the memory holds it, with its notes and warnings."""
    d, plan = doc.source, doc.plan
    results = []
    for s, key in zip(d.segments, d.keys):
        best = plan.best(s.index)
        if s.index in plan.reused:
            m = plan.reused[s.index]  # (a fuzzy-made unit: as stored by the writer)
            results.append(SegmentResult(s, plain_target(m.unit), "tm", m.score, m.unit, best,
                                         own=m.tu_id in doc.own, cut=cut_short(m.unit)))
        else:
            unit = made[key]
            # Cut short as the memory holds it: the new unit carries the mark; a unit already
            # stored with this very text is reported as it is.
            results.append(SegmentResult(s, plain_target(unit), "mt", MODEL, unit, best, cut=cut_short(unit)))
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


def _mt_unit(
    seg: Segment,
    target: str,
    segments: list[Segment],
    model: str,
    job: JobOptions,
    cut: int | None = None,
) -> TranslationUnit:
    # Context is the previous and next segment of the document, as CAT tools record it.
    prev = segments[seg.index - 1] if seg.index > 0 else None
    nxt = segments[seg.index + 1] if seg.index + 1 < len(segments) else None
    return TranslationUnit(
        id=None,
        source=seg.text,
        target=target,
        src_lang=job.src_lang,
        tgt_lang=job.tgt_lang,
        origin="mt",
        status="draft",
        model=model,
        author=job.author,
        prev_source=prev.text if prev else None,
        next_source=nxt.text if nxt else None,
        # Stopped at the output limit: marked so that every view says so and translate does
        # not reuse it (issue 14).
        props={"truncated": {"limit": cut}} if cut is not None else {},
    )
