"""Translate many documents as one job: segment them all, de-duplicate across them, look the
memory up once, send only the misses to the engine and commit each batch as it comes back.

:func:`translate_document` translates one document; this module is its many-document driver
(issue 16). The engine is any :class:`~tmtool.translate.Translator`: one in this process, or a
pool of Ray actors (:mod:`tmtool.translate.ray_backend`) whose batches come back in any order.
Either way each batch is committed in one transaction as it arrives, so an interrupted job
keeps its finished batches and a rerun translates only what the memory still lacks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, TmtoolError, UsageError
from .memory import TranslationMemory, text_hash
from .memory.lookup import plain_target
from .pipeline import SegmentResult, TranslateResult, _link_reused, _mt_unit, rebuild
from .records import Segment, TranslationUnit
from .segment import Segmenter
from .textio import read_text
from .translate import Translator


@dataclass(frozen=True)
class DocumentInput:
    """One input file and the name its document gets in the memory."""

    path: Path
    name: str


@dataclass
class LoadedDocument:
    """A document read and segmented, ready to translate."""

    source: DocumentInput
    text: str
    segments: list[Segment]
    keys: list[str]  # text_hash of each segment


@dataclass
class BatchResult:
    """What a many-document job did: one result per translated document, and the failures."""

    documents: list[TranslateResult]
    failed: list[tuple[DocumentInput, str]] = field(default_factory=list)
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


def collect_inputs(inputs: Sequence[str | Path], *, skip_suffix: str | None = None,
                   skip_under: Path | None = None) -> list[DocumentInput]:
    """Every document ``inputs`` name: each file as given, named by its file name; each file
    under a directory, recursively, in sorted path order, named ``DIR/relative/path``.

    Hidden files and folders (a leading dot) are left out of directories, and so are files whose
    name ends in ``skip_suffix`` plus one extension (``.en`` skips ``a.en.txt``) and files under
    ``skip_under``: the outputs an earlier run wrote. Two inputs with the same name are refused.
    """
    skip_root = skip_under.resolve() if skip_under is not None else None
    found: list[DocumentInput] = []
    for given in inputs:
        path = Path(given)
        if not path.is_dir():
            found.append(DocumentInput(path, path.name))  # a missing file fails when read
            continue
        # Only an output folder inside this directory is skipped, not one that holds it.
        skip = skip_root if skip_root is not None and not path.resolve().is_relative_to(skip_root) else None
        for file in sorted(_walk(path), key=lambda f: f.relative_to(path).as_posix()):
            if skip_suffix and Path(file.stem).suffix == skip_suffix:
                continue
            if skip is not None and file.resolve().is_relative_to(skip):
                continue
            rel = file.relative_to(path).as_posix()
            found.append(DocumentInput(file, f"{path.resolve().name or 'root'}/{rel}"))
    seen: dict[str, Path] = {}
    for doc in found:
        if doc.name in seen:
            raise UsageError(f"{seen[doc.name]} and {doc.path} would both be stored as document "
                             f"{doc.name!r}; translate them in separate runs")
        seen[doc.name] = doc.path
    return found


def _walk(root: Path) -> Iterable[Path]:
    """The regular files under ``root``, hidden ones and hidden folders left out."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            f = Path(folder) / name
            if not name.startswith(".") and f.is_file():
                yield f


def read_documents(
    inputs: Sequence[DocumentInput], segmenter: Segmenter, encoding: str | None = None
) -> tuple[list[LoadedDocument], list[tuple[DocumentInput, str]]]:
    """Read and segment each input; one that cannot be read (encoding, binary, empty) becomes a
    ``(input, one-line reason)`` failure and the others go on."""
    loaded, failed = [], []
    for doc in inputs:
        try:
            text = read_text(doc.path, encoding)
            segments = segmenter.segment(text)
            if not segments:
                raise InputError(f"{doc.path}: nothing to translate (the input is empty or only whitespace)")
        except TmtoolError as e:
            failed.append((doc, str(e)))
            continue
        loaded.append(LoadedDocument(doc, text, segments, [text_hash(s.text) for s in segments]))
    return loaded, failed


def translate_documents(
    documents: Sequence[LoadedDocument],
    tm: TranslationMemory,
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
) -> BatchResult:
    """Translate ``documents`` through ``tm`` as one job, storing each as its own document.

    The memory is asked once for every distinct sentence of every document; each source it
    lacks goes to the engine once, whatever number of documents repeat it, in length-sorted
    batches across all of them. ``translator`` is called only if something is missing, before
    anything is stored (a model that cannot load leaves the memory as it was). Each batch the
    engine returns is committed in one transaction, its units linked to every document that
    asked for them. If ``translator()`` returns an object with a ``close()``, it is closed at
    the end, on an error or Ctrl-C too.
    """
    started = time.perf_counter()
    distinct = dict.fromkeys(s.text for d in documents for s in d.segments)
    hits = tm.lookup_exact(distinct, src_lang, tgt_lang) if reuse else {}
    engine = translator() if any(t not in hits for t in distinct) else None
    try:
        return _run(documents, tm, engine, hits, started, src_lang=src_lang, tgt_lang=tgt_lang, reuse=reuse,
                    fuzzy_reuse=fuzzy_reuse, batch_size=batch_size, max_batch_tokens=max_batch_tokens,
                    author=author, progress=progress)
    finally:
        close = getattr(engine, "close", None)
        if callable(close):
            close()


def _run(documents, tm, engine, hits, started, *, src_lang, tgt_lang, reuse, fuzzy_reuse, batch_size,
         max_batch_tokens, author, progress) -> BatchResult:
    doc_ids, plans = [], []
    for d in documents:
        doc_id = tm.save_document(d.source.name, d.text, d.segments, src_lang, tgt_lang, hashes=d.keys)
        plan = tm.plan_reuse(doc_id, d.segments, src_lang, tgt_lang, hits, fuzzy_reuse=fuzzy_reuse,
                             author=author) if reuse else None
        _link_reused(tm, doc_id, d.segments, d.keys, plan.reused if plan else {})
        doc_ids.append(doc_id)
        plans.append(plan)
    # Each distinct source the memory did not answer goes to the engine once; its unit carries
    # the context of its first occurrence and is linked to every document that has it.
    firsts: dict[str, tuple[int, Segment]] = {}
    wanted_by: dict[str, list[int]] = {}
    for n, (d, plan) in enumerate(zip(documents, plans)):
        for s, key in zip(d.segments, d.keys):
            if plan is None or s.index not in plan.reused:
                firsts.setdefault(key, (n, s))
                if n not in wanted_by.setdefault(key, []):
                    wanted_by[key].append(n)
    made: dict[str, TranslationUnit] = {}
    notes: dict[int, list[str]] = {}
    model_id = None
    if firsts:
        if engine is None:  # --fuzzy-reuse answered less than the plan expected; not reached otherwise
            raise TmtoolError("internal error: no engine for the sources the memory lacks")
        model_id = engine.model_id
        _translate_misses(tm, engine, documents, doc_ids, firsts, wanted_by, made, notes, src_lang=src_lang,
                          tgt_lang=tgt_lang, batch_size=batch_size, max_batch_tokens=max_batch_tokens,
                          author=author, model_id=model_id, progress=progress)
    results = [
        _document_result(d, plan, made, notes.get(n, []), model_id, started)
        for n, (d, plan) in enumerate(zip(documents, plans))
    ]
    return BatchResult(results, seconds=time.perf_counter() - started, distinct_translated=len(firsts),
                       model=model_id)


def _translate_misses(tm, engine, documents, doc_ids, firsts, wanted_by, made, notes, *, src_lang, tgt_lang,
                      batch_size, max_batch_tokens, author, model_id, progress) -> None:
    """Send every missing source to ``engine`` and commit each batch as it comes back."""
    keys = list(firsts)
    texts = [firsts[k][1].text for k in keys]
    done_count = 0
    if progress:
        progress(0, len(keys))
    batches = engine.translate_batches(texts, batch_size, max_batch_tokens)
    try:
        for done, split_notes in batches:
            units = []
            for i, target in done:
                n, seg = firsts[keys[i]]
                units.append(_mt_unit(seg, target, documents[n].segments, model_id, src_lang, tgt_lang, author))
            with tm.atomic():
                ids = tm.add_units(units)
                links: dict[int, dict[str, int]] = {}
                for (i, _), unit, tu_id in zip(done, units, ids):
                    unit.id = tu_id
                    made[keys[i]] = unit
                    for n in wanted_by[keys[i]]:
                        links.setdefault(n, {})[keys[i]] = tu_id
                for n, by_source in links.items():
                    # One statement per distinct source links all its repeats; 0 = the model.
                    tm.link_sources(doc_ids[n], by_source, match=0)
            for note in split_notes:
                n, seg = firsts[keys[note.index]]
                notes.setdefault(n, []).append(
                    f"segment {seg.index + 1} has {note.tokens} tokens, more than the model's limit of "
                    f"{note.limit}: translated in {note.pieces} pieces"
                )
            done_count += len(done)
            if progress:
                progress(done_count, len(keys))
    finally:
        close = getattr(batches, "close", None)
        if callable(close):
            close()


def _document_result(d: LoadedDocument, plan, made: dict[str, TranslationUnit], notes: list[str],
                     model_id: str | None, started: float) -> TranslateResult:
    results = []
    for s, key in zip(d.segments, d.keys):
        best = plan.best.get(s.index) if plan else None
        if plan is not None and s.index in plan.reused:
            unit, score = plan.reused[s.index]
            results.append(SegmentResult(s, plain_target(unit), "tm", score, unit, best))
        else:
            unit = made[key]
            results.append(SegmentResult(s, unit.target, "mt", None, unit, best))
    asked = {key for s, key in zip(d.segments, d.keys) if not (plan and s.index in plan.reused)}
    return TranslateResult(
        document=d.source.name,
        text=rebuild(d.text, d.segments, [r.target for r in results]),
        segments=results,
        reused=sum(r.origin == "tm" for r in results),
        translated=sum(r.origin == "mt" for r in results),
        distinct_translated=len(asked),
        seconds=time.perf_counter() - started,
        model=model_id if asked else None,
        notes=notes,
    )
