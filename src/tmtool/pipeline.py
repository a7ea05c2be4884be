"""translate(): segment a text, reuse the memory, translate the misses, store, rebuild."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .errors import InputError
from .memory import TranslationMemory, text_hash
from .memory.lookup import plain_target
from .records import Segment, TranslationUnit
from .segment import Segmenter
from .translate import Translator


@dataclass(frozen=True)
class SegmentResult:
    """How one segment was translated."""

    segment: Segment
    target: str
    origin: str  # "tm": reused from the memory; "mt": produced by the model in this run
    match: int | None  # 101 context, 100 exact, a fuzzy score (--fuzzy-reuse), None for the model
    unit: TranslationUnit
    fuzzy: tuple[int, int] | None = None  # the best memory match found: (score, tu_id)


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
) -> TranslateResult:
    """Translate ``text`` through the memory ``tm`` and store it as document ``name``.

    ``translator`` is called only if some segment is not in the memory, so a fully reused
    document never loads a model. The model's units are committed in document order as it returns
    them (see ``WINDOW``): an interrupted run keeps what was committed, Ctrl-C every finished batch,
    and the next run only translates the rest.
    Context (101) and exact matches are reused; other segments get their best fuzzy match as a
    suggestion, reused instead of the model when it scores at least ``fuzzy_reuse``.
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
    doc_id = tm.save_document(name, text, segments, src_lang, tgt_lang, hashes=keys)
    # Without --fuzzy-reuse the fuzzy matches are only suggestions for review: when the model is
    # needed they are looked up while it translates (below), not before. Nothing the model makes
    # is stored before they are, so they are the same either way.
    # (The engine is loaded only when some segment has no exact match, so there is work for it.)
    later = reuse and fuzzy_reuse is None and engine is not None
    plan = tm.plan_reuse(doc_id, segments, src_lang, tgt_lang, hits, fuzzy_reuse=fuzzy_reuse,
                         author=author, suggest=not later, store=False) if reuse else None
    reused = plan.reused if plan else {}
    # The units made from fuzzy matches (--fuzzy-reuse) are new: stored below, in document order
    # with the model's. The memory's own units are linked now.
    fuzzy_made = {keys[i]: (unit, score) for i, (unit, score) in reused.items() if unit.id is None}
    _link_reused(tm, doc_id, segments, keys, {i: r for i, r in reused.items() if r[0].id is not None})

    # Each distinct (normalised) source goes to the model once; repeats share its unit.
    todo: dict[str, list[Segment]] = {}
    for s, key in zip(segments, keys):
        if s.index not in reused:
            todo.setdefault(key, []).append(s)
    made: dict[str, TranslationUnit] = {}
    notes: list[str] = []
    model_id = None
    writer = _InOrder(tm, doc_id, [k for k in dict.fromkeys(keys) if k in todo or k in fuzzy_made])
    for key, (unit, score) in fuzzy_made.items():
        writer.ready(key, unit, score)
    if todo:
        engine = engine or translator()
        model_id = engine.model_id
        todo_keys = list(todo)
        firsts = [todo[k][0] for k in todo_keys]
        done_count = 0
        if progress:
            progress(0, len(todo_keys))
        batches = _in_windows(engine, [s.text for s in firsts], batch_size, max_batch_tokens)
        if later:
            # The engine runs in a thread (CTranslate2 and torch release the GIL while they
            # compute); this one meanwhile looks up the suggestions, then stores each batch.
            batches = _Background(batches)
        try:
            if later:
                _suggest(tm, plan, doc_id, segments, src_lang, tgt_lang)
            for done, split_notes in batches:
                for i, target in done:
                    unit = _mt_unit(firsts[i], target, segments, engine.model_id, src_lang, tgt_lang, author)
                    made[todo_keys[i]] = unit
                    writer.ready(todo_keys[i], unit, 0)  # 0: the model made it
                writer.commit()
                for n in split_notes:
                    seg = firsts[n.index]
                    notes.append(
                        f"segment {seg.index + 1} has {n.tokens} tokens, more than the model's limit of "
                        f"{n.limit}: translated in {n.pieces} pieces"
                    )
                done_count += len(done)
                if progress:
                    progress(done_count, len(todo_keys))
        except BaseException:
            batches.close()  # a thread: stopped after its current batch; a generator: closed
            # Interrupted: keep every finished translation (still in document order), so the next
            # run translates only the rest. The error that stopped the run is the one to report.
            try:
                writer.commit(everything=True)
            except Exception:  # noqa: BLE001
                pass
            raise
        batches.close()
    writer.commit(everything=True)

    results = []
    for s, key in zip(segments, keys):
        best = plan.best.get(s.index) if plan else None
        if s.index in reused:
            unit, score = reused[s.index]
            results.append(SegmentResult(s, plain_target(unit), "tm", score, unit, best))
        else:
            unit = made[key]
            results.append(SegmentResult(s, unit.target, "mt", None, unit, best))
    return TranslateResult(
        document=name,
        text=rebuild(text, segments, [r.target for r in results]),
        segments=results,
        reused=sum(r.origin == "tm" for r in results),
        translated=sum(r.origin == "mt" for r in results),
        distinct_translated=len(todo),
        seconds=time.perf_counter() - started,
        model=model_id,
        notes=notes,
    )


class _InOrder:
    """Stores the new units of a document in the order of its segments (issue 20: unit N is
    segment #N of a new document): a unit ready to store waits for every earlier new unit.
    Each commit is one transaction that stores the units and links their segments."""

    def __init__(self, tm: TranslationMemory, doc_id: int, keys: list[str]):
        self.tm, self.doc_id, self.keys = tm, doc_id, keys  # source hashes, in document order
        self.waiting: dict[str, tuple[TranslationUnit, int]] = {}
        self.stored = 0  # self.keys[:stored] are stored (or were given up on an interruption)

    def ready(self, key: str, unit: TranslationUnit, match: int) -> None:
        """``unit`` is the new unit of source ``key``; its segments' match score is ``match``."""
        self.waiting[key] = (unit, match)

    def commit(self, everything: bool = False) -> None:
        """Store the ready units that no earlier unit waits for (``everything``: all ready ones)."""
        upto = self.stored
        while upto < len(self.keys) and self.keys[upto] in self.waiting:
            upto += 1
        if everything:
            upto = len(self.keys)
        batch = [(k, *self.waiting.pop(k)) for k in self.keys[self.stored : upto] if k in self.waiting]
        self.stored = upto
        if not batch:
            return
        with self.tm.atomic():
            ids = self.tm.add_units([unit for _, unit, _ in batch])
            links: dict[int, dict[str, int]] = {}
            for (key, unit, match), tu_id in zip(batch, ids):
                unit.id = tu_id
                links.setdefault(match, {})[key] = tu_id
            for match, by_source in links.items():  # one statement per score links all repeats
                self.tm.link_sources(self.doc_id, by_source, match=match)


#: Sources handed to the engine at a time, in document order: it sorts each window by length
#: (little padding) and the window's units are stored in order when it is done, so an
#: interrupted run loses at most one window of work.
WINDOW = 128


def _in_windows(engine: Translator, texts: list[str], batch_size: int | None,
                max_batch_tokens: int | None) -> Iterator[tuple[list[tuple[int, str]], list]]:
    """``engine.translate_batches`` over consecutive windows of ``texts``, indices kept global."""
    from dataclasses import replace

    window = max(WINDOW, 4 * (batch_size or engine.default_batch_size))  # at least 4 full batches
    for start in range(0, len(texts), window):
        for done, notes in engine.translate_batches(texts[start : start + window], batch_size, max_batch_tokens):
            yield ([(start + i, t) for i, t in done], [replace(n, index=start + n.index) for n in notes])


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
    )
