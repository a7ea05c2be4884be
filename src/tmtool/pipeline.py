"""translate(): segment a text, reuse the memory, translate the misses, store, rebuild."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .memory import TranslationMemory, text_hash
from .records import Segment, TranslationUnit
from .segment import Segmenter
from .translate import Translator


@dataclass(frozen=True)
class SegmentResult:
    """How one segment was translated."""

    segment: Segment
    target: str
    origin: str  # "tm": reused from the memory; "mt": produced by the model in this run
    match: int | None  # 100 for an exact memory match, None for machine translation
    unit: TranslationUnit


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
    batch_size: int = 16,
    author: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TranslateResult:
    """Translate ``text`` through the memory ``tm`` and store it as document ``name``.

    ``translator`` is called only if some segment is not in the memory, so a fully reused
    document never loads a model. Each batch's units are committed as soon as the model returns
    them: an interrupted run keeps its finished batches and the next run only translates the rest.
    """
    started = time.perf_counter()
    segments = (segmenter or Segmenter()).segment(text)
    doc_id = tm.save_document(name, text, segments, src_lang, tgt_lang)
    hits = tm.lookup_exact((s.text for s in segments), src_lang, tgt_lang) if reuse else {}
    tm.link_segments(doc_id, {s.index: hits[s.text].id for s in segments if s.text in hits})

    # Each distinct (normalised) source goes to the model once; repeats share its unit.
    todo: dict[str, list[Segment]] = {}
    for s in segments:
        if s.text not in hits:
            todo.setdefault(text_hash(s.text), []).append(s)
    made: dict[str, TranslationUnit] = {}
    notes: list[str] = []
    model_id = None
    if todo:
        engine = translator()
        model_id = engine.model_id
        keys = list(todo)
        firsts = [todo[k][0] for k in keys]
        done_count = 0
        if progress:
            progress(0, len(keys))
        for done, split_notes in engine.translate_batches([s.text for s in firsts], batch_size):
            units = [
                _mt_unit(firsts[i], target, segments, engine.model_id, src_lang, tgt_lang, author)
                for i, target in done
            ]
            with tm.atomic():
                ids = tm.add_units(units)
                links = {}
                for (i, _), unit, tu_id in zip(done, units, ids):
                    unit.id = tu_id
                    made[keys[i]] = unit
                    links.update({s.index: tu_id for s in todo[keys[i]]})
                tm.link_segments(doc_id, links)
            for n in split_notes:
                seg = firsts[n.index]
                notes.append(
                    f"segment {seg.index + 1} has {n.tokens} tokens, more than the model's limit of "
                    f"{n.limit}: translated in {n.pieces} pieces"
                )
            done_count += len(done)
            if progress:
                progress(done_count, len(keys))

    results = []
    for s in segments:
        if s.text in hits:
            results.append(SegmentResult(s, hits[s.text].target, "tm", 100, hits[s.text]))
        else:
            unit = made[text_hash(s.text)]
            results.append(SegmentResult(s, unit.target, "mt", None, unit))
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
