"""JSON Lines units: one object per line, the unit's fields by name.

``source`` and ``target`` are plain text (inline codes as their native text, readable by any
tool); a unit with inline codes also carries ``source_tmx``/``target_tmx``, the TMX ``<seg>``
content with its ``bpt``/``ph``/... elements, which import prefers, so a JSONL round trip
keeps the markup exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TextIO

from ..errors import FormatError
from ..records import ORIGINS, STATUSES, TranslationUnit
from ..textio import text_lines
from .checks import check_lang, check_length
from ..inline import clean_text, native_text, segment_xml

# A \u escape in the surrogate range: either half of a pair (fine) or a lone half (not text).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
FIELDS = ("id", "source", "target", "src_lang", "tgt_lang", "origin", "status", "model", "author",
          "prev_source", "next_source", "created_at", "updated_at")


@dataclass
class JsonlReader:
    """Units of a JSONL file; yields ``(line, unit)``. Blank lines are skipped."""

    stream: IO[bytes]
    name: str
    src_lang: str
    tgt_lang: str
    encoding: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[int, TranslationUnit]]:
        seen = False
        for n, line in text_lines(self.stream, self.name, self.encoding, newline="\n"):
            if not line.strip():
                continue
            seen = True
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise FormatError(f"{self.name}:{n}: not JSON ({e.msg})") from None
            except ValueError as e:  # an integer of more than 4300 digits
                raise FormatError(f"{self.name}:{n}: not usable JSON ({str(e).split(':')[0]})") from None
            except RecursionError:  # [[[[...: nesting deeper than the interpreter's stack
                raise FormatError(f"{self.name}:{n}: JSON nested too deeply") from None
            if not isinstance(obj, dict):
                raise FormatError(f"{self.name}:{n}: expected a JSON object")
            if _SURROGATE_ESCAPE.search(line) and _has_lone_surrogate(obj):
                raise FormatError(f"{self.name}:{n}: a \\u escape of half a surrogate pair (\\ud800-"
                                  "\\udfff alone) is not a character; refused")
            unit = self._unit(n, obj)
            if unit is not None:
                yield n, unit
        if not seen:
            raise FormatError(f"{self.name}: empty file, nothing to import")

    def _unit(self, n: int, obj: dict) -> TranslationUnit | None:
        from .tmx import parse_seg_xml

        where = f"{self.name}:{n}"
        props = obj.get("props") or {}
        if not isinstance(props, dict):
            raise FormatError(f"{where}: props must be an object")
        props = _checked_props(props, where)
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
        check_length(sides["source"], where, "source")
        check_length(sides["target"], where, "target")
        if not sides["source"].strip() or not sides["target"].strip():
            self.skipped["with an empty source or target"] = self.skipped.get("with an empty source or target", 0) + 1
            return None
        check_lang(_str(obj.get("src_lang")), where, "src_lang")
        check_lang(_str(obj.get("tgt_lang")), where, "tgt_lang")
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


def _has_lone_surrogate(obj) -> bool:
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _checked_props(props: dict, where: str) -> dict:
    """``props`` without what only this reader may set, and with the keys the TMX writer reads
    back in the shape it expects: a hand-made file must not leave a unit that breaks export."""
    props = {k: v for k, v in props.items() if k != "codes"}  # codes come from *_tmx only
    if "tuid" in props and not isinstance(props["tuid"], str):
        raise FormatError(f"{where}: props.tuid must be a string")
    tmx = props.get("tmx")
    if tmx is not None and not _tmx_props_ok(tmx):
        raise FormatError(f"{where}: props.tmx is not what tmtool writes (see `tmtool tm export`)")
    return props


def _tmx_props_ok(tmx) -> bool:
    def strings(v) -> bool:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    def attrs(v) -> bool:
        return isinstance(v, dict) and all(isinstance(x, str) for x in v.values())

    def props(v) -> bool:
        return isinstance(v, list) and all(strings(p) and 2 <= len(p) <= 3 for p in v)

    def tuv(v) -> bool:
        return isinstance(v, dict) and attrs(v.get("attrs", {})) and strings(v.get("notes", [])) \
            and props(v.get("props", []))

    return isinstance(tmx, dict) and attrs(tmx.get("tu", {})) and strings(tmx.get("notes", [])) \
        and props(tmx.get("props", [])) and tuv(tmx.get("src", {})) and tuv(tmx.get("tgt", {}))


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
