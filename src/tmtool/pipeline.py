"""translate(): segment a text, reuse the memory, translate the misses, store, rebuild."""

from __future__ import annotations

import queue
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .errors import InputError
from .memory import TranslationMemory, text_hash
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


def translate_document(
    text: str,
    tm: TranslationMemory,
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

    ``translator`` is called only if some segment is not in the memory, so a fully reused
    document never loads a model. Each batch's units are committed as soon as the model returns
    them: an interrupted run keeps its finished batches and the next run only translates the rest.
    Context (101) and exact matches are reused; other segments get their best fuzzy match as a
    suggestion, reused instead of the model when it scores at least ``fuzzy_reuse``.
    ``unit_props`` gives the props of the unit stored for a segment the model translated (the
    inline codes of a CAT file's segment, issue 18).
    """
    started = time.perf_counter()
    segments = (segmenter or Segmenter()).segment(text)
    if not segments:
        raise InputError(f"{name}: nothing to translate (the input is empty or only whitespace)")
    keys = [text_hash(s.text) for s in segments]
    hits = tm.lookup_exact(dict.fromkeys(s.text for s in segments), src_lang, tgt_lang) if reuse else {}
    engine = None
    if fuzzy_reuse is None and any(s.text not in hits for s in segments):
        # The model will be needed: load it before anything is stored, so that a model that
        # cannot load leaves no document of untranslated segments behind. (With --fuzzy-reuse
        # the plan may still answer everything; the model then loads only if it does not.)
        engine = translator()
    # What this document's last run linked: a reused unit among them that the model made is
    # the document's own earlier MT, not a TM match of other work (issue 14).
    before = tm.document_units(name)
    doc_id = tm.save_document(name, text, segments, src_lang, tgt_lang, hashes=keys)
    # Without --fuzzy-reuse the fuzzy matches are only suggestions for review: when the model is
    # needed they are looked up while it translates (below), not before. Nothing the model makes
    # is stored before they are, so they are the same either way.
    # (The engine is loaded only when some segment has no exact match, so there is work for it.)
    later = reuse and fuzzy_reuse is None and engine is not None
    plan = tm.plan_reuse(doc_id, segments, src_lang, tgt_lang, hits, fuzzy_reuse=fuzzy_reuse,
                         author=author, suggest=not later) if reuse else None
    reused = plan.reused if plan else {}
    _link_reused(tm, doc_id, segments, keys, reused)
    own = {u.id for u, score in reused.values() if score >= 100 and u.origin == "mt" and u.id in before}
    if own:
        tm.mark_own_mt(doc_id, own)

    # Each distinct (normalised) source goes to the model once; repeats share its unit.
    todo: dict[str, list[Segment]] = {}
    for s, key in zip(segments, keys):
        if s.index not in reused:
            todo.setdefault(key, []).append(s)
    made: dict[str, TranslationUnit] = {}
    notes: list[str] = []
    model_id = None
    if todo:
        engine = engine or translator()
        model_id = engine.model_id
        todo_keys = list(todo)
        firsts = [todo[k][0] for k in todo_keys]
        done_count = 0
        if progress:
            progress(0, len(todo_keys))
        batches = engine.translate_batches([s.text for s in firsts], batch_size, max_batch_tokens)
        if later:
            # The engine runs in a thread (CTranslate2 and torch release the GIL while they
            # compute); this one meanwhile looks up the suggestions, then stores each batch.
            batches = _Background(batches)
        try:
            if later:
                _suggest(tm, plan, doc_id, segments, src_lang, tgt_lang)
            for done, batch_notes in batches:
                cut_now = {n.index: n.limit for n in batch_notes if isinstance(n, CutNote)}
                units = [
                    _mt_unit(firsts[i], target, segments, engine.model_id, src_lang, tgt_lang, author,
                             cut_now.get(i))
                    for i, target in done
                ]
                if unit_props is not None:
                    for (i, _), unit in zip(done, units):
                        unit.props = {**unit.props, **unit_props(firsts[i])}
                with tm.atomic():
                    ids = tm.add_units(units)
                    # A unit already stored with this source and target comes back as it is
                    # (perhaps rejected, or approved): the output reports what the memory holds.
                    stored = tm.get_units(ids)
                    for (i, _), tu_id in zip(done, ids):
                        made[todo_keys[i]] = stored[tu_id]
                    # One statement per distinct source links all its repeats; 0 = the model.
                    tm.link_sources(doc_id, {todo_keys[i]: tu for (i, _), tu in zip(done, ids)}, match=0)
                for n in batch_notes:
                    if isinstance(n, SplitNote):
                        seg = firsts[n.index]
                        notes.append(
                            f"segment {seg.index + 1} has {n.tokens} tokens, more than the model's limit "
                            f"of {n.limit}: translated in {n.pieces} pieces"
                        )
                done_count += len(done)
                if progress:
                    progress(done_count, len(todo_keys))
        finally:
            batches.close()  # a thread: stopped after its current batch; a generator: closed

    results = []
    for s, key in zip(segments, keys):
        best = plan.best.get(s.index) if plan else None
        if s.index in reused:
            unit, score = reused[s.index]
            results.append(SegmentResult(s, plain_target(unit), "tm", score, unit, best,
                                         own=unit.id in own, cut=cut_short(unit)))
        else:
            unit = made[key]
            # Cut short as the memory holds it: the new unit carries the mark; a unit already
            # stored with this very text is reported as it is.
            results.append(SegmentResult(s, plain_target(unit), "mt", None, unit, best, cut=cut_short(unit)))
    notes += _cut_notes(results)
    warnings = _rejected_warnings(results, name)
    return TranslateResult(
        document=name,
        text=rebuild(text, segments, [r.document_text for r in results]),
        segments=results,
        reused=sum(r.origin == "tm" for r in results),
        translated=sum(r.origin == "mt" for r in results),
        distinct_translated=len(todo),
        seconds=time.perf_counter() - started,
        model=model_id,
        notes=notes,
        warnings=warnings,
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


class _Raised:
    def __init__(self, error: BaseException):
        self.error = error


class _Background:
    """Iterate ``items`` in a thread of its own, started now; iterating this yields its items
    here, in order, and raises here an exception raised there. :meth:`close` stops the thread
    after the item it is working on and waits for it: on Ctrl-C or an error here the engine
    finishes its batch, as it would in this thread, rather than run inside CTranslate2 while
    Python exits."""

    _END = object()

    def __init__(self, items: Iterable):
        self._channel: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(items,), name="tmtool-engine", daemon=True)
        self._thread.start()

    def _run(self, items: Iterable) -> None:
        try:
            for item in items:
                self._channel.put(item)
                if self._stop.is_set():
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            self._channel.put(_Raised(e))
        finally:
            self._channel.put(self._END)

    def __iter__(self) -> Iterator:
        while (item := self._channel.get()) is not self._END:
            if isinstance(item, _Raised):
                raise item.error
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _link_reused(
    tm: TranslationMemory,
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
