"""Import and export of a translation memory: ``tm import`` and ``tm export`` (issues 9, 15, 18).

The formats (:data:`tmtool.formats.REGISTRY`) read and write units; the store keeps them
(:meth:`~tmtool.memory.protocol.TranslationMemory.import_units`, ``iter_units``). This module
joins the two, so that ``memory/`` knows nothing of files and ``formats/`` nothing of databases.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

from . import formats
from .memory.protocol import TranslationMemory
from .records import TranslationUnit


@dataclass
class ImportReport:
    """What one file brought into the memory."""

    path: str
    format: str
    src_lang: str | None
    tgt_lang: str | None
    read: int = 0  # units read for the language pair
    added: int = 0  # new units
    merged: int = 0  # units already in the memory (same languages, source and target)
    skipped: dict[str, int] = field(default_factory=dict)  # units left out, by reason
    seconds: float = 0.0


def import_file(
    tm: TranslationMemory,
    path: str | Path,
    *,
    fmt: str | None = None,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    status: str | None = None,
    progress: Callable[[int], None] | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import a TMX, TSV, JSONL, XLIFF or PO file (``-``: stdin) into ``tm`` in one transaction.

    A file with an error imports nothing; the :class:`FormatError` names its line. Units
    already stored (same languages, source and target) are merged, not repeated.
    ``status`` overrides the status of every imported unit (default: draft, or what our own
    exports recorded; the store refuses an unknown one before it reads a unit). ``encoding`` overrides the encoding a TMX file declares, or UTF-8 for
    TSV and JSONL; a byte-order mark always wins.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    started = time.perf_counter()
    # Opened before its format is guessed from its name: a missing file or a directory
    # is said to be one, whatever its name.
    with _open_binary(path) as stream:
        fmt = formats.detect_format(path, fmt)
        reader = formats.unit_reader(stream, fmt, name, src_lang, tgt_lang, encoding)
        report = ImportReport(name, fmt, src_lang, tgt_lang)
        units = _units(reader)
        try:
            report.read, report.added = tm.import_units(units, status=status, progress=progress)
        finally:
            units.close()  # the reader lets go of the file now, not when a traceback is freed
    report.merged = report.read - report.added
    report.src_lang = getattr(reader, "src_lang", src_lang)
    report.tgt_lang = getattr(reader, "tgt_lang", tgt_lang)
    report.skipped = dict(reader.skipped)
    report.seconds = time.perf_counter() - started
    return report


def export(
    tm: TranslationMemory,
    out: TextIO,
    fmt: str = "tmx",
    *,
    status: Sequence[str] | None = None,
    doc: str | None = None,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
) -> int:
    """Write the units of ``tm`` matching the filters to ``out`` as TMX 1.4b, TSV, JSONL,
    XLIFF 1.2 or PO; returns how many were written."""
    from . import __version__
    from .config import DEFAULT_TGT_LANG

    spec = formats.get_format(fmt)
    units = tm.iter_units(status=status, doc=doc, src_lang=src_lang, tgt_lang=tgt_lang)
    options: dict[str, str] = {"version": __version__}
    if "src_lang" in spec.write_options:  # a query: asked only of a format that writes it
        options["src_lang"] = src_lang or tm.main_source_language()
    options["tgt_lang"] = tgt_lang or DEFAULT_TGT_LANG
    return spec.write(out, units, **options)


def _units(reader) -> Iterator[TranslationUnit]:
    for _line, unit in reader:
        yield unit


class _open_binary:
    """A file (or stdin for ``-``) opened for binary reading, with a one-line error if not
    (:func:`tmtool.textio.open_binary`); closed on exit, stdin left open."""

    def __init__(self, path: str | Path):
        self.path = path
        self.f: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        from .textio import open_binary

        f = open_binary(self.path)
        if f is not sys.stdin.buffer:
            self.f = f
        return f

    def __exit__(self, *exc: object) -> None:
        if self.f is not None:
            self.f.close()


__all__ = ["ImportReport", "export", "import_file"]
