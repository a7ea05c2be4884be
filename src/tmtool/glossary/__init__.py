"""The glossary (termbase): reading TBX, CSV and TSV files into the memory, writing them out
(issue 17). The entries live in the memory (``memory/glossary.py``); term recognition in a
text is :mod:`tmtool.qa.terms`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..errors import UsageError
from ..memory.records import GlossaryEntry, GlossaryImport, GlossaryTerm

if TYPE_CHECKING:
    from ..memory.protocol import TranslationMemory

GLOSSARY_FORMATS = ("tbx", "csv", "tsv")
_SUFFIXES = {".tbx": "tbx", ".xml": "tbx", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "tsv",
             ".utf8": "tsv"}


def glossary_format(path: str | Path, given: str | None = None) -> str:
    """``given``, else the format the file name's suffix names; :class:`UsageError` if unknown."""
    if given:
        return given
    fmt = _SUFFIXES.get(Path(str(path)).suffix.lower())
    if fmt is None:
        raise UsageError(f"cannot tell the format of {path} from its name; pass --format tbx|csv|tsv")
    return fmt


def import_glossary(tm: TranslationMemory, path: str | Path, *, fmt: str | None = None,
                    src_lang: str = "id", tgt_lang: str = "en",
                    encoding: str | None = None) -> GlossaryImport:
    """Read a glossary file and store its entries in ``tm`` in one transaction. A file that
    cannot be read whole (bad XML, bad encoding, a hostile DOCTYPE) stores nothing."""
    from ..textio import open_binary

    fmt = glossary_format(path, fmt)
    name = str(path)
    with open_binary(path) as stream:
        reader = _reader(stream, fmt, name, src_lang, tgt_lang, encoding)
        # Read the whole file before the transaction: a file that fails half-way changes
        # nothing, and the memory is not locked while a big termbase is parsed.
        entries = [entry for _, entry in reader]
    report = tm.import_glossary(entries, origin=Path(name).name)
    return GlossaryImport(report.added, report.duplicates, dict(reader.skipped))


def _reader(stream, fmt: str, name: str, src_lang: str, tgt_lang: str, encoding: str | None):
    if fmt == "tbx":
        from .tbx import TbxReader

        return TbxReader(stream, name, encoding=encoding)
    if fmt in ("csv", "tsv"):
        from .tabular import TabularReader

        return TabularReader(stream, name, src_lang, tgt_lang, "," if fmt == "csv" else "\t", encoding)
    raise UsageError(f"unknown glossary format {fmt!r} (one of {', '.join(GLOSSARY_FORMATS)})")


def export_glossary(tm: TranslationMemory, out: TextIO, fmt: str = "tbx", *, src_lang: str = "id",
                    tgt_lang: str = "en") -> int:
    """Write the whole glossary to ``out``: TBX v3 (every term, status and note), or CSV/TSV
    rows of usable ``src_lang`` -> ``tgt_lang`` terms. How many entries (TBX) or rows."""
    entries = tm.glossary()
    if fmt == "tbx":
        from .tbx import write_tbx

        return write_tbx(out, entries, src_lang)
    if fmt in ("csv", "tsv"):
        from .tabular import write_tabular

        return write_tabular(out, entries, src_lang, tgt_lang, "," if fmt == "csv" else "\t")
    raise UsageError(f"unknown glossary format {fmt!r} (one of {', '.join(GLOSSARY_FORMATS)})")


__all__ = ["GLOSSARY_FORMATS", "GlossaryEntry", "GlossaryImport", "GlossaryTerm", "export_glossary",
           "glossary_format", "import_glossary"]
