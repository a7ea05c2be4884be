"""JSON Lines units: one object per line, the unit's fields by name.

``source`` and ``target`` are plain text (inline codes as their native text, readable by any
tool); a unit with inline codes also carries ``source_tmx``/``target_tmx``, the TMX ``<seg>``
content with its ``bpt``/``ph``/... elements, which import prefers, so a JSONL round trip
keeps the markup exactly.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TextIO

from ..errors import FormatError
from ..records import ORIGINS, STATUSES, TranslationUnit
from .inline import clean_text, native_text, segment_xml

FIELDS = ("id", "source", "target", "src_lang", "tgt_lang", "origin", "status", "model", "author",
          "prev_source", "next_source", "created_at", "updated_at")


@dataclass
class JsonlReader:
    """Units of a JSONL file; yields ``(line, unit)``. Blank lines are skipped."""

    stream: IO[bytes]
    name: str
    src_lang: str
    tgt_lang: str
    skipped: dict[str, int] = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[int, TranslationUnit]]:
        text = io.TextIOWrapper(self.stream, encoding="utf-8-sig", newline="\n")
        n = 0
        try:
            for n, line in enumerate(text, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise FormatError(f"{self.name}:{n}: not JSON ({e.msg})") from None
                if not isinstance(obj, dict):
                    raise FormatError(f"{self.name}:{n}: expected a JSON object")
                unit = self._unit(n, obj)
                if unit is not None:
                    yield n, unit
        except UnicodeDecodeError as e:
            raise FormatError(f"{self.name}:{n + 1}: not UTF-8 ({e.reason})") from None

    def _unit(self, n: int, obj: dict) -> TranslationUnit | None:
        from .tmx import parse_seg_xml

        where = f"{self.name}:{n}"
        props = obj.get("props") or {}
        if not isinstance(props, dict):
            raise FormatError(f"{where}: props must be an object")
        props = dict(props)
        codes = {}
        sides = {}
        for side in ("source", "target"):
            if isinstance(obj.get(f"{side}_tmx"), str):
                sides[side], side_codes = parse_seg_xml(obj[f"{side}_tmx"], where)
                if side_codes:
                    codes[side] = side_codes
            elif isinstance(obj.get(side), str):
                sides[side] = clean_text(obj[side])
            else:
                raise FormatError(f"{where}: no {side!r} string")
        if codes:
            props["codes"] = codes
        if not sides["source"].strip() or not sides["target"].strip():
            self.skipped["with an empty source or target"] = self.skipped.get("with an empty source or target", 0) + 1
            return None
        origin, status = obj.get("origin") or "imported", obj.get("status") or "draft"
        if origin not in ORIGINS:
            raise FormatError(f"{where}: unknown origin {origin!r} (one of {', '.join(ORIGINS)})")
        if status not in STATUSES:
            raise FormatError(f"{where}: unknown status {status!r} (one of {', '.join(STATUSES)})")
        return TranslationUnit(
            id=None, source=sides["source"], target=sides["target"],
            src_lang=_str(obj.get("src_lang")) or self.src_lang,
            tgt_lang=_str(obj.get("tgt_lang")) or self.tgt_lang, origin=origin, status=status,
            model=_str(obj.get("model")), author=_str(obj.get("author")),
            prev_source=_str(obj.get("prev_source")), next_source=_str(obj.get("next_source")),
            created_at=_str(obj.get("created_at")), updated_at=_str(obj.get("updated_at")), props=props,
        )


def _str(value) -> str | None:
    return value if isinstance(value, str) and value else None


def unit_record(u: TranslationUnit) -> dict:
    """A unit as the JSON object this format writes."""
    props = dict(u.props or {})
    codes = props.pop("codes", {})
    row = {name: getattr(u, name) for name in FIELDS}
    row["source"] = native_text(u.source, codes.get("source"))
    row["target"] = native_text(u.target, codes.get("target"))
    for side, text in (("source", u.source), ("target", u.target)):
        if codes.get(side):
            row[f"{side}_tmx"] = segment_xml(text, codes[side])
    if props:
        row["props"] = props
    return row


def write_jsonl(out: TextIO, units: Iterable[TranslationUnit]) -> int:
    n = 0
    for u in units:
        out.write(json.dumps(unit_record(u), ensure_ascii=False) + "\n")
        n += 1
    return n
