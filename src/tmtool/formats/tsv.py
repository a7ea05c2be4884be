"""Tab-separated units: ``source<TAB>target`` lines, or named columns after a header line.

Tabs, line breaks and backslashes inside a cell are written as ``\\t``, ``\\n``, ``\\r`` and
``\\\\`` (translate-toolkit's convention, and ``tmtool translate --format tsv``'s). Inline codes
are written as their native text (``<b>``, ``%s``): TSV has no place for markup, so a TSV round
trip keeps the words and loses the tags (use TMX or JSONL to keep them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TextIO

from ..errors import FormatError
from ..records import ORIGINS, STATUSES, TranslationUnit
from ..textio import text_lines
from .checks import check_lang, check_length
from ..inline import clean_text, native_text

COLUMNS = ("source", "target", "src_lang", "tgt_lang", "origin", "status", "model", "author",
           "created_at", "updated_at")
_UNESCAPE = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def escape_cell(value) -> str:
    if value is None:
        return ""
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def unescape_cell(cell: str) -> str:
    if "\\" not in cell:
        return cell
    out, i = [], 0
    while i < len(cell):
        c = cell[i]
        if c == "\\" and i + 1 < len(cell) and cell[i + 1] in _UNESCAPE:
            out.append(_UNESCAPE[cell[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


@dataclass
class TsvReader:
    """Units of a TSV file; yields ``(line, unit)``. Blank lines are skipped."""

    stream: IO[bytes]
    name: str
    src_lang: str
    tgt_lang: str
    encoding: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[int, TranslationUnit]]:
        columns: list[str] | None = None
        for n, raw in text_lines(self.stream, self.name, self.encoding, newline=""):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            cells = line.split("\t")
            if columns is None:
                lowered = [c.strip().lower() for c in cells]
                if "source" in lowered and "target" in lowered:
                    columns = lowered
                    continue
                columns = ["source", "target"] + [f"_{i}" for i in range(2, 64)]
            unit = self._unit(n, dict(zip(columns, (unescape_cell(c) for c in cells))))
            if unit is not None:
                yield n, unit
        if columns is None:
            raise FormatError(f"{self.name}: empty file, nothing to import")

    def _unit(self, n: int, row: dict[str, str]) -> TranslationUnit | None:
        if "target" not in row:
            raise FormatError(f"{self.name}:{n}: expected source<TAB>target, found one column")
        source, target = clean_text(row["source"]), clean_text(row["target"])
        check_length(source, f"{self.name}:{n}", "source")
        check_length(target, f"{self.name}:{n}", "target")
        if not source.strip() or not target.strip():
            self.skipped["with an empty source or target"] = self.skipped.get("with an empty source or target", 0) + 1
            return None
        check_lang(row.get("src_lang") or None, f"{self.name}:{n}", "src_lang")
        check_lang(row.get("tgt_lang") or None, f"{self.name}:{n}", "tgt_lang")
        origin = row.get("origin") or "imported"
        status = row.get("status") or "draft"
        if origin not in ORIGINS:
            raise FormatError(f"{self.name}:{n}: unknown origin {origin!r} (one of {', '.join(ORIGINS)})")
        if status not in STATUSES:
            raise FormatError(f"{self.name}:{n}: unknown status {status!r} (one of {', '.join(STATUSES)})")
        return TranslationUnit(
            id=None, source=source, target=target, src_lang=row.get("src_lang") or self.src_lang,
            tgt_lang=row.get("tgt_lang") or self.tgt_lang, origin=origin, status=status,
            model=row.get("model") or None, author=row.get("author") or None,
            created_at=row.get("created_at") or None, updated_at=row.get("updated_at") or None,
        )


def write_tsv(out: TextIO, units: Iterable[TranslationUnit]) -> int:
    out.write("\t".join(COLUMNS) + "\n")
    n = 0
    for u in units:
        codes = u.props.get("codes", {}) if u.props else {}
        row = {
            "source": native_text(u.source, codes.get("source")),
            "target": native_text(u.target, codes.get("target")),
            "src_lang": u.src_lang, "tgt_lang": u.tgt_lang, "origin": u.origin, "status": u.status,
            "model": u.model, "author": u.author, "created_at": u.created_at, "updated_at": u.updated_at,
        }
        out.write("\t".join(escape_cell(row[c]) for c in COLUMNS) + "\n")
        n += 1
    return n
