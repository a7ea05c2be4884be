"""CSV and TSV glossaries: ``source,target[,note]`` rows (issue 17).

CSV follows RFC 4180 (quoted fields, doubled quotes). TSV is read as OmegaT and most CAT tools
write it: a tab between fields and no quoting at all (a comment may hold ``"`` freely). Both:
a BOM decides the encoding (OmegaT writes UTF-16 with one), else ``--encoding`` or UTF-8;
lines starting with ``#`` are comments; a first row of column names (``source,target``,
``SRC_CANFORM⇥TGT_CANFORM⇥COMMENTS``) is a header, not an entry.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TextIO

from ..errors import FormatError
from ..memory.records import GlossaryEntry, GlossaryTerm
from ..textio import text_lines
from .tbx import MAX_TERM_CHARS

_HEADER_WORDS = {"source", "src", "source term", "term", "source_term", "src_canform", "id",
                 "indonesian", "en", "english"}
_COLUMN_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def _is_header(fields: list[str]) -> bool:
    first = fields[0].strip().lower()
    return first in _HEADER_WORDS or all(_COLUMN_NAME.match(f.strip()) for f in fields if f.strip())


@dataclass
class TabularReader:
    """Entries of a CSV (``delimiter=","``) or TSV glossary; yields ``(line, GlossaryEntry)``."""

    stream: IO[bytes]
    name: str
    src_lang: str
    tgt_lang: str
    delimiter: str = "\t"
    encoding: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[int, GlossaryEntry]]:
        source = text_lines(self.stream, self.name, self.encoding, newline="")
        try:
            rows = _rows((line for _, line in source), self.delimiter, self.name)
            first = True
            for n, fields in rows:
                if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
                    continue
                if first:
                    first = False
                    if _is_header(fields):
                        continue
                entry = self._entry(n, fields)
                if entry is not None:
                    yield n, entry
        finally:
            source.close()  # hand the stream back now, while its owner still has it open

    def _entry(self, n: int, fields: list[str]) -> GlossaryEntry | None:
        source, target = fields[0].strip(), (fields[1].strip() if len(fields) > 1 else "")
        if not source or not target:
            self.skipped["without a source and a target"] = self.skipped.get("without a source and a target", 0) + 1
            return None
        for text in (source, target):
            if len(text) > MAX_TERM_CHARS:
                raise FormatError(f"{self.name}:{n}: a term of {len(text):,} characters "
                                  f"(at most {MAX_TERM_CHARS:,}); refused")
        note = " ".join(fields[2].split()) if len(fields) > 2 and fields[2].strip() else None
        return GlossaryEntry((GlossaryTerm(source, self.src_lang), GlossaryTerm(target, self.tgt_lang)),
                             note=note)


def _rows(lines: Iterator[str], delimiter: str, name: str) -> Iterator[tuple[int, list[str]]]:
    if delimiter == "\t":
        for n, line in enumerate(lines, 1):
            yield n, line.rstrip("\r\n").split("\t")
        return
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise FormatError(f"{name}:{reader.line_num}: not valid CSV: {e}") from None
        yield reader.line_num, fields


def write_tabular(out: TextIO, entries: list[GlossaryEntry], src_lang: str, tgt_lang: str,
                  delimiter: str = "\t") -> int:
    """One row ``source, target, note`` per pair of usable terms (deprecated and forbidden
    terms have no place in a two-column glossary); how many rows were written."""
    writer = csv.writer(out, lineterminator="\n")
    rows = 0
    for e in entries:
        note = e.definition or e.note or ""
        for s in (t for t in e.in_lang(src_lang) if t.usable):
            for t in (t for t in e.in_lang(tgt_lang) if t.usable):
                fields = [_flat(s.text), _flat(t.text), _flat(note)]
                if delimiter == ",":
                    writer.writerow(fields)
                else:  # TSV as the reader takes it: no quoting (tabs and line breaks are folded)
                    out.write("\t".join(fields) + "\n")
                rows += 1
    return rows


def _flat(text: str) -> str:
    return " ".join(text.split())
