"""Documents: segment both sides, align, store the pairs in the memory; align a reference.

``align_texts`` is what ``tmtool align`` runs; ``store_alignment`` writes its result (origin
``aligned``, status ``draft``, the confidence and bead kind in each unit's props) and the source
document with its segments linked to the units, so ``tmtool pairs --doc NAME`` shows them.
``align_reference`` is what ``tmtool score --ref DOC --align`` needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..records import Segment, TranslationUnit
from .aligner import Alignment, align_sentences
from .english import segment_english

if TYPE_CHECKING:
    from ..memory import TranslationMemory
    from ..translate import Translator

#: Unit props written by ``store_alignment`` (TMX 1.4b: user-defined prop types start with x-).
PROP_CONFIDENCE = "x-align-confidence"
PROP_BEAD = "x-bead"
PROP_SCORER = "x-align-scorer"


@dataclass
class DocumentAlignment:
    """An alignment of two documents, with the segments of each side."""

    alignment: Alignment
    source_segments: list[Segment]
    target_segments: list[Segment]
    model: str | None = None  # the model whose translations the MT scorer used


@dataclass(frozen=True)
class StoreResult:
    """What :func:`store_alignment` wrote."""

    doc_id: int
    stored: int  # units linked to the document (new or already in the memory)
    below_threshold: int  # pairs left out for a confidence under the threshold
    unlinked: int  # source segments with no unit (omitted in the target, or left out)


def align_texts(
    source_text: str,
    target_text: str,
    *,
    source_segmenter: Callable[[str], list[Segment]] | None = None,
    target_segmenter: Callable[[str], list[Segment]] = segment_english,
    translations: Callable[[list[str]], list[str]] | None = None,
    **options,
) -> DocumentAlignment:
    """Segment ``source_text`` (Indonesian rules by default) and ``target_text`` (English) and
    align them. ``translations`` (called with the source sentences) turns on the MT scorer.
    Other keyword arguments go to :func:`~tmtool.align.align_sentences`."""
    from ..segment import segment_text

    src = (source_segmenter or segment_text)(source_text)
    tgt = target_segmenter(target_text)
    sources = [s.text for s in src]
    mt = translations(sources) if translations is not None and src and tgt else None
    alignment = align_sentences(
        sources, [t.text for t in tgt], translations=mt,
        src_paragraphs=[s.paragraph for s in src], tgt_paragraphs=[t.paragraph for t in tgt],
        **options,
    )
    return DocumentAlignment(alignment, src, tgt)


def machine_translations(
    sources: Sequence[str],
    translator: Callable[[], Translator],
    *,
    tm: TranslationMemory | None = None,
    src_lang: str = "id",
    tgt_lang: str = "en",
    batch_size: int = 16,
) -> tuple[list[str], int]:
    """A translation of each source: from the memory where it has one, else from the model.

    Returns the translations and how many came from the memory. ``translator`` is called only
    when something is missing. Units made by an earlier alignment are not reused unless a person
    approved them: an alignment must not be scored against a guess of its own.
    """
    found: dict[str, str] = {}
    if tm is not None:
        for text, unit in tm.lookup_exact(sources, src_lang, tgt_lang).items():
            if unit.origin != "aligned" or unit.status == "approved":
                found[text] = unit.target
    reused = sum(s in found for s in sources)
    missing = list(dict.fromkeys(s for s in sources if s not in found))
    if missing:
        engine = translator()
        found.update(zip(missing, engine.translate(missing, batch_size)))
    return [found[s] for s in sources], reused


def store_alignment(
    tm: TranslationMemory,
    name: str,
    source_text: str,
    result: DocumentAlignment,
    *,
    src_lang: str = "id",
    tgt_lang: str = "en",
    author: str | None = None,
    min_confidence: float = 0.0,
) -> StoreResult:
    """Store the aligned pairs as draft units of origin ``aligned``, and the source document.

    A merged side is its sentences joined with a space; a 2-1 bead links both source segments
    to its one unit; a source sentence omitted in the target stays unlinked. Pairs whose
    confidence is under ``min_confidence`` are not stored. One transaction.
    """
    src = result.source_segments
    scorer = result.alignment.scorer + (f":{result.model}" if result.model else "")
    keep, low = [], 0
    for bead, source, target in result.alignment.pairs():
        if bead.confidence < min_confidence:
            low += 1
            continue
        prev = src[bead.src[0] - 1].text if bead.src[0] > 0 else None
        nxt = src[bead.src[-1] + 1].text if bead.src[-1] + 1 < len(src) else None
        unit = TranslationUnit(
            id=None, source=source, target=target, src_lang=src_lang, tgt_lang=tgt_lang,
            origin="aligned", status="draft", author=author, prev_source=prev, next_source=nxt,
            props={PROP_CONFIDENCE: f"{bead.confidence:.2f}", PROP_BEAD: bead.kind, PROP_SCORER: scorer},
        )
        keep.append((bead, unit))
    with tm.atomic():
        doc_id = tm.save_document(name, source_text, src, src_lang, tgt_lang)
        ids = tm.add_units([u for _, u in keep])
        links = {i: tu_id for (bead, _), tu_id in zip(keep, ids) for i in bead.src}
        tm.link_segments(doc_id, links)
    return StoreResult(doc_id, len(ids), low, len(src) - len(links))


def align_reference(
    segments: Sequence[str],
    reference_text: str,
    *,
    segmenter: Callable[[str], list[Segment]] = segment_english,
    **options,
) -> tuple[list[str | None], int]:
    """The sentence(s) of ``reference_text`` that correspond to each translated segment.

    ``segments`` are the translations (hypotheses) of a document's segments, in order. They
    are aligned to the reference's sentences with the MT-assisted scorer, the hypotheses
    standing in for the machine translation (as in Bleualign), so no model is needed. A
    segment gets its reference sentence, or two joined with a space where the reference split
    it; it gets None when the reference has nothing for it or one reference sentence covers
    several segments (a reference cannot be split between them). Returns the references and
    how many segments are left without one.
    """
    hyps = list(segments)
    refs_sentences = [s.text for s in segmenter(reference_text)]
    refs: list[str | None] = [None] * len(hyps)
    if hyps and refs_sentences:
        alignment = align_sentences(hyps, refs_sentences, translations=hyps, confidence=False, **options)
        for bead, _, target in alignment.pairs():
            if len(bead.src) == 1:
                refs[bead.src[0]] = target
    return refs, sum(r is None for r in refs)


def model_available(model: str) -> bool:
    """Is ``model`` a model directory, or already in the Hugging Face cache (no network used)?"""
    from pathlib import Path

    from ..translate.hub import cached_snapshot, is_local

    if is_local(model):
        return (Path(model).expanduser() / "config.json").is_file()
    return cached_snapshot(model) is not None
