"""Translate many documents as one job: segment them all, de-duplicate across them, look the
memory up once, send only the misses to the engine and commit each batch as it comes back.

The job itself is :func:`tmtool.pipeline.translate_job`, which one-document ``translate`` runs
too; this module finds and reads the inputs (issue 16). The engine is any
:class:`~tmtool.translate.Translator`: one in this process, or a pool of Ray actors
(:mod:`tmtool.translate.ray_backend`) whose batches come back in any order.
Either way each batch is committed in one transaction as it arrives, so an interrupted job
keeps its finished batches and a rerun translates only what the memory still lacks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, TmtoolError, UsageError
from .memory import TranslationMemory
from .pipeline import JobResult, SourceDocument, translate_job
from .segment import Segmenter
from .textio import read_text_and_bom
from .translate import Translator


@dataclass(frozen=True)
class DocumentInput:
    """One input file and the name its document gets in the memory."""

    path: Path
    name: str


@dataclass
class LoadedDocument(SourceDocument):
    """A document read and segmented, ready to translate, and the input it comes from."""

    source: DocumentInput | None = None
    bom: str | None = None  # the encoding the input's byte-order mark named (None: it had none)


#: What a many-document job did (:class:`tmtool.pipeline.JobResult`).
BatchResult = JobResult


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
            text, bom = read_text_and_bom(doc.path, encoding)
            segments = segmenter.segment(text)
            if not segments:
                raise InputError(f"{doc.path}: nothing to translate (the input is empty or only whitespace)")
        except TmtoolError as e:
            failed.append((doc, str(e)))
            continue
        loaded.append(LoadedDocument(doc.name, text, segments, source=doc, bom=bom))
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
) -> JobResult:
    """Translate ``documents`` through ``tm`` as one job, storing each as its own document:
    :func:`tmtool.pipeline.translate_job`, whose one-document case ``translate`` runs, so both
    keep the same guarantees. If ``translator()`` returns an object with a ``close()`` (a pool
    of Ray actors), it is closed at the end, on an error or Ctrl-C too.
    """
    return translate_job(documents, tm, translator, src_lang=src_lang, tgt_lang=tgt_lang, reuse=reuse,
                         fuzzy_reuse=fuzzy_reuse, batch_size=batch_size, max_batch_tokens=max_batch_tokens,
                         author=author, progress=progress, close_engine=True)
