"""Exchange formats for translation units: TMX, TSV and JSONL, read as streams; XLIFF and PO
(issue 18) read whole."""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO

from ..errors import UsageError
from .checks import MAX_SEGMENT_CHARS, check_lang, check_length, is_lang_tag, quoted  # noqa: F401  (the readers' API)

FORMATS = ("tmx", "tsv", "jsonl", "xliff", "po")
_SUFFIXES = {".tmx": "tmx", ".tsv": "tsv", ".tab": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
             ".xlf": "xliff", ".xliff": "xliff", ".sdlxliff": "xliff", ".mqxliff": "xliff", ".po": "po"}


def detect_format(path: str | Path, given: str | None = None) -> str:
    """``given`` if set, else the format its suffix names; :class:`UsageError` if unknown."""
    if given:
        return given
    fmt = _SUFFIXES.get(Path(str(path)).suffix.lower())
    if fmt is None:
        raise UsageError(f"cannot tell the format of {path} from its name; pass --format "
                         "tmx|tsv|jsonl|xliff|po")
    return fmt


def unit_reader(
    stream: IO[bytes], fmt: str, name: str, src_lang: str | None, tgt_lang: str | None,
    encoding: str | None = None,
):
    """A reader over ``stream`` that yields ``(line, TranslationUnit)`` and counts what it skips.

    ``encoding`` overrides what the file declares (TMX) or UTF-8 (TSV, JSONL); a BOM still wins.
    """
    from ..config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG

    for option, lang in (("--src", src_lang), ("--tgt", tgt_lang)):
        if lang is not None and not is_lang_tag(lang):
            raise UsageError(f"{option} {quoted(lang)} is not a language tag (like id or en-US)")
    if fmt == "tmx":
        from .tmx import TmxReader

        return TmxReader(stream, name, src_lang=src_lang, tgt_lang=tgt_lang, encoding=encoding)
    if fmt == "tsv":
        from .tsv import TsvReader

        return TsvReader(stream, name, src_lang or DEFAULT_SRC_LANG, tgt_lang or DEFAULT_TGT_LANG, encoding)
    if fmt == "jsonl":
        from .jsonl import JsonlReader

        return JsonlReader(stream, name, src_lang or DEFAULT_SRC_LANG, tgt_lang or DEFAULT_TGT_LANG, encoding)
    if fmt in ("xliff", "po"):  # issue 18: the translated segments of a CAT file
        from .catunits import CatUnitReader

        return CatUnitReader(stream, name, fmt, src_lang, tgt_lang, encoding)
    raise UsageError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


__all__ = ["FORMATS", "MAX_SEGMENT_CHARS", "check_lang", "check_length", "detect_format", "is_lang_tag",
           "unit_reader"]
