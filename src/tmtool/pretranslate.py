"""Pre-translate a CAT file (XLIFF 1.2, XLIFF 2.x, SDLXLIFF, PO) from the memory and the model
(issue 18): the step a localisation engineer runs before handing files to translators.

The file's segments go through :func:`tmtool.pipeline.translate_document` like the sentences of
a text: the same exact, context and fuzzy reuse, the same model batching, the same storage with
provenance. What this module adds is the CAT side: whole paragraphs are split by tmtool's
segmenter where the file gives no segmentation, inline codes at a segment's edges are set aside
(so ``<g>Text</g>`` matches the memory's ``Text``), the model reads no markup, and every code
comes back in the target (:mod:`tmtool.formats.codes`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .formats.catdoc import Alt, CatDocument, CatSegment, Fill
from .formats.codes import (
    Placed, has_letters, kinds_ok, map_target, partner, place_codes, strip_for_model, trim_edges,
)
from .formats.inline import MARK_BASE, _MARKS, marker, strip_markers
from .memory import TranslationMemory
from .pipeline import rebuild, translate_document
from .records import Segment
from .segment import Segmenter
from .translate import Translator


@dataclass
class PretranslateResult:
    """What a pre-translation did to one file."""

    document: str
    format: str
    data: bytes  # the file, targets filled
    segments: int  # segments filled now (after splitting paragraphs into sentences)
    reused: int  # answered by the memory (exact, context, fuzzy)
    fuzzy: int  # of those, fuzzy matches (--fuzzy-reuse)
    translated: int  # by the model
    copied: int  # nothing to translate (numbers, codes only): the source copied
    guessed: int  # segments with a code placed by guess (flagged for review)
    cut: int  # segments the model stopped at its output limit (flagged for review, issue 14)
    skipped: dict[str, int]
    seconds: float
    model: str | None = None
    languages: tuple[str | None, str | None] = (None, None)  # what the file says
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Piece:
    """One sentence of a segment, as the pipeline sees it."""

    owner: int  # index into the document's segments
    start: int  # span in the owner's text
    end: int
    lead: str  # markers set aside before the text (owner's numbering)
    body: str  # the text, markers renumbered 0..n-1
    trail: str
    numbers: list[int]  # body marker j -> owner's code number
    codes: list[dict]


def pretranslate(
    doc: CatDocument,
    tm: TranslationMemory,
    translator: Callable[[], Translator],
    *,
    name: str | None = None,
    src_lang: str = "id",
    tgt_lang: str = "en",
    segmenter: Segmenter | None = None,
    reuse: bool = True,
    fuzzy_reuse: int | None = None,
    batch_size: int | None = None,
    max_batch_tokens: int | None = None,
    author: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PretranslateResult:
    """Fill the targets of ``doc`` (from :func:`~tmtool.formats.catdoc.open_document`) from the
    memory ``tm`` and the model; the result holds the file's new bytes.

    ``translator`` is called only when the memory does not answer every segment. The segments
    are stored as document ``name`` (default: the file's name) with their units, as
    ``translate_document`` stores a text.
    """
    started = time.perf_counter()
    name = name or doc.name
    doc.target_language = tgt_lang  # for a file that names none (XLIFF 2 trgLang)
    segmenter = segmenter or Segmenter()
    pieces = [p for i, s in enumerate(doc.segments) for p in _split(i, s, segmenter)]
    work = [p for p in pieces if has_letters(p.body)]  # numbers alone are copied
    results: dict[int, Fill | None] = {}  # None: only a rejected translation
    outcome = None
    engine_box: list[_CodeFree] = []
    if work:
        text, segs = _as_text(work)
        by_source = {}
        for p in work:
            by_source.setdefault(p.body, p.codes)

        def load() -> _CodeFree:
            engine_box.append(_CodeFree(translator(), by_source))
            return engine_box[0]

        outcome = translate_document(
            text, tm, load, name=name, src_lang=src_lang, tgt_lang=tgt_lang, segmenter=_Given(segs),
            reuse=reuse, fuzzy_reuse=fuzzy_reuse, batch_size=batch_size, max_batch_tokens=max_batch_tokens,
            author=author, progress=progress,
            unit_props=lambda s: _codes_props(by_source.get(s.text) or []),
        )
        guessed_mt = engine_box[0].guessed if engine_box else set()
        for p, r in zip(work, outcome.segments):
            # A translation a reviewer rejected is never written as a target (issue 14): the
            # segment stays untranslated, as the text output keeps its source.
            results[id(p)] = None if r.rejected else _fill(tm, p, r, guessed_mt)
    counts, skipped = _fill_document(doc, pieces, results)
    written = counts["written"]
    return PretranslateResult(
        document=name, format=doc.format, data=doc.to_bytes() if written else doc.data,
        segments=written, reused=counts["tm"] + counts["fuzzy"], fuzzy=counts["fuzzy"],
        translated=counts["mt"], copied=counts["copy"], guessed=counts["guessed"], cut=counts["cut"],
        skipped=skipped, seconds=time.perf_counter() - started,
        model=outcome.model if outcome else None, languages=(doc.src_lang, doc.tgt_lang),
        notes=list(outcome.notes) if outcome else [],
        warnings=list(outcome.warnings) if outcome else [],
    )


def _fill_document(doc: CatDocument, pieces: list[_Piece], results: dict[int, Fill | None]):
    """Hand each segment its target (its pieces' fills joined); count what was written, from
    where, and what was left alone."""
    counts = {"mt": 0, "fuzzy": 0, "tm": 0, "copy": 0, "guessed": 0, "cut": 0, "written": 0}
    by_owner: dict[int, list[_Piece]] = {}
    for p in pieces:
        by_owner.setdefault(p.owner, []).append(p)
    skipped = dict(doc.skipped)
    rejected = "rejected in the memory (left untranslated)"
    for i, seg in enumerate(doc.segments):
        mine = by_owner.get(i, [])
        if any(id(p) in results and results[id(p)] is None for p in mine):
            skipped[rejected] = skipped.get(rejected, 0) + 1  # a segment is written whole or not at all
            continue
        fills = [results.get(id(p)) or Fill(p.body, "copy") for p in mine]
        counts["written"] += len(fills)
        for f in fills:
            counts[f.how if f.how in ("mt", "fuzzy", "copy") else "tm"] += 1
            counts["guessed"] += f.guessed
            counts["cut"] += f.cut
        doc.fill(seg, _join(seg, mine, fills))
    return counts, skipped


# -- splitting and joining ----------------------------------------------------------------


def _split(owner: int, seg: CatSegment, segmenter: Segmenter) -> list[_Piece]:
    """The sentences of ``seg`` (one piece if the file segments it, or if a code pair would
    have to be cut), each with its edge codes set aside."""
    text, codes = seg.content.text, seg.content.codes
    spans = [(0, len(text))]
    if not seg.segmented:
        found = [(s.start, s.end) for s in segmenter.segment(text)]
        if len(found) > 1 and _clean_cut(text, codes, found):
            spans = found
    return [_piece(owner, text, codes, a, b) for a, b in spans]


def _clean_cut(text: str, codes: list[dict], spans: list[tuple[int, int]]) -> bool:
    """True if no code falls between the spans and no pair is cut by them."""
    inside = 0
    for a, b in spans:
        part = text[a:b]
        ks = [ord(m.group()) - MARK_BASE for m in _MARKS.finditer(part)]
        inside += len(ks)
        for k in ks:
            j = partner(codes, k)
            if j is not None and marker(j) not in part:
                return False
    return inside == len(_MARKS.findall(text))


def _piece(owner: int, text: str, codes: list[dict], a: int, b: int) -> _Piece:
    t = trim_edges(text[a:b], codes)
    return _Piece(owner, a, b, t.lead, t.body, t.trail, t.numbers, t.codes)


def _join(seg: CatSegment, pieces: list[_Piece], fills: list[Fill]) -> Fill:
    """The segment's target from its pieces' (in the owner's marker numbering)."""
    texts = [_owner_text(p, f.text) for p, f in zip(pieces, fills)]
    spans = [Segment(i, p.start, p.end, seg.content.text[p.start : p.end]) for i, p in enumerate(pieces)]
    text = rebuild(seg.content.text, spans, texts)
    order = ["copy", "context", "exact", "fuzzy", "mt"]
    worst = max(fills, key=lambda f: (order.index(f.how), f.needs_review))
    guessed = any(f.guessed for f in fills) or not kinds_ok(text, seg.content.codes)
    if guessed and not kinds_ok(text, seg.content.codes):
        text = place_codes(seg.content.text, strip_markers(text), seg.content.codes).text
    scores = [f.score for f in fills if f.score is not None]
    return Fill(text, worst.how, min(scores) if scores else None, worst.status, worst.origin, guessed,
                any(f.cut for f in fills), worst.model, worst.tu_id, fills[0].alts if len(fills) == 1 else [])


def _owner_text(p: _Piece, body_target: str) -> str:
    renumbered = _MARKS.sub(lambda m: marker(p.numbers[ord(m.group()) - MARK_BASE])
                            if ord(m.group()) - MARK_BASE < len(p.numbers) else "", body_target)
    return p.lead + renumbered + p.trail


def _as_text(pieces: list[_Piece]) -> tuple[str, list[Segment]]:
    """The pieces as one document text (one paragraph each) and its segments."""
    out, segs, pos, line = [], [], 0, 0
    for i, p in enumerate(pieces):
        if i:
            out.append("\n\n")
            pos += 2
            line += 2
        segs.append(Segment(i, pos, pos + len(p.body), p.body, paragraph=i, line=line))
        out.append(p.body)
        pos += len(p.body)
        line += p.body.count("\n")
    return "".join(out), segs


class _Given:
    """A segmenter that returns the segments already made (the pipeline's ``segmenter``)."""

    def __init__(self, segments: list[Segment]):
        self.segments = segments

    def segment(self, text: str) -> list[Segment]:
        return self.segments


# -- the model without markup, and the results as fills -----------------------------------


class _CodeFree:
    """The engine, fed text without markers; its translations get the codes back."""

    def __init__(self, engine: Translator, codes_of: dict[str, list[dict]]):
        self.engine, self.codes_of = engine, codes_of
        self.model_id = engine.model_id
        self.guessed: set[str] = set()

    def __getattr__(self, name: str):
        return getattr(self.engine, name)

    def translate_batches(self, texts, batch_size=None, max_batch_tokens=None):
        plain = [strip_for_model(t) for t in texts]
        for done, notes in self.engine.translate_batches(plain, batch_size, max_batch_tokens):
            out = []
            for i, target in done:
                placed = place_codes(texts[i], target, self.codes_of.get(texts[i]) or [])
                if placed.guessed:
                    self.guessed.add(texts[i])
                out.append((i, placed.text))
            yield out, notes


def _codes_props(codes: list[dict]) -> dict:
    return {"codes": {"source": codes, "target": codes}} if codes else {}


def _fill(tm, p: _Piece, r, guessed_mt: set[str]) -> Fill:
    """The fill of one piece from the pipeline's result for it."""
    placed: Placed = map_target(r.unit, p.body, p.codes) if p.codes else Placed(strip_markers(r.unit.target))
    if r.origin == "mt":
        how = "mt"
        placed.guessed = placed.guessed or p.body in guessed_mt
    else:
        how = "context" if r.match == 101 else "exact" if (r.match or 0) >= 100 else "fuzzy"
    alts = []
    if r.fuzzy and r.fuzzy[0] < 100 and how in ("mt", "fuzzy"):
        unit = tm.get_unit(r.fuzzy[1])
        alt = map_target(unit, p.body, p.codes) if p.codes else Placed(strip_markers(unit.target))
        alts.append(Alt(r.fuzzy[0], strip_markers(unit.source), _owner_text(p, alt.text),
                        f"tmtool-tm:{unit.id}"))
    return Fill(placed.text, how, r.match, r.unit.status, r.unit.origin, placed.guessed,
                r.cut is not None, r.unit.model, r.unit.id, alts)
