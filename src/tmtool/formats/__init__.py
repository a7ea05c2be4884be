"""Exchange formats for translation units: TMX, TSV and JSONL, read as streams."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from ..errors import UsageError

FORMATS = ("tmx", "tsv", "jsonl")
_SUFFIXES = {".tmx": "tmx", ".tsv": "tsv", ".tab": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def detect_format(path: str | Path, given: str | None = None) -> str:
    """``given`` if set, else the format its suffix names; :class:`UsageError` if unknown."""
    if given:
        return given
    fmt = _SUFFIXES.get(Path(str(path)).suffix.lower())
    if fmt is None:
        raise UsageError(f"cannot tell the format of {path} from its name; pass --format tmx|tsv|jsonl")
    return fmt


def unit_reader(stream: IO[bytes], fmt: str, name: str, src_lang: str | None, tgt_lang: str | None):
    """A reader over ``stream`` that yields ``(line, TranslationUnit)`` and counts what it skips."""
    from ..config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG

    if fmt == "tmx":
        from .tmx import TmxReader

        return TmxReader(stream, name, src_lang=src_lang, tgt_lang=tgt_lang)
    if fmt == "tsv":
        from .tsv import TsvReader

        return TsvReader(stream, name, src_lang or DEFAULT_SRC_LANG, tgt_lang or DEFAULT_TGT_LANG)
    if fmt == "jsonl":
        from .jsonl import JsonlReader

        return JsonlReader(stream, name, src_lang or DEFAULT_SRC_LANG, tgt_lang or DEFAULT_TGT_LANG)
    raise UsageError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


__all__ = ["FORMATS", "detect_format", "unit_reader"]
