"""Exchange formats for translation units: TMX, TSV and JSONL, read as streams; XLIFF and PO
(issue 18) read whole."""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO

from ..errors import FormatError, UsageError

FORMATS = ("tmx", "tsv", "jsonl", "xliff", "po")
#: The longest source or target an import takes, in characters. A unit is a sentence or a
#: paragraph; a bigger "segment" is a broken or hostile file, and would cost memory out of all
#: proportion (the fuzzy index keeps every trigram of a source).
MAX_SEGMENT_CHARS = 1_000_000
# A BCP 47 tag's shape (RFC 5646 section 2.1, loosely): a primary subtag of letters (``i``/``x``
# for the old irregular and private-use tags), then subtags of 1-8 letters or digits; ``_`` is
# accepted because older tools write ``en_US``.
_LANG_TAG = re.compile(r"^(?:[A-Za-z]{2,8}|[iIxX])(?:[-_][A-Za-z0-9]{1,8})*$")
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

    for option, lang in (("--source-lang", src_lang), ("--target-lang", tgt_lang)):
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


def check_length(text: str, where: str, side: str) -> None:
    """Refuse a ``side`` (source or target) longer than :data:`MAX_SEGMENT_CHARS`."""
    if len(text) > MAX_SEGMENT_CHARS:
        raise FormatError(
            f"{where}: a {side} of {len(text):,} characters, over the limit of "
            f"{MAX_SEGMENT_CHARS:,} for one translation unit; refused"
        )


def is_lang_tag(code: str | None) -> bool:
    """Whether ``code`` has the shape of a language tag (``id``, ``en-US``, ``zh_Hant``)."""
    return bool(code) and _LANG_TAG.match(code.strip()) is not None


def check_lang(code: str | None, where: str, what: str) -> None:
    """Refuse a language (``what``: where it was found) that is not a language tag: a unit stored
    under "!!" is found by no lookup and exported as a broken file (issue 14)."""
    if code is not None and not is_lang_tag(code):
        raise FormatError(f"{where}: {what} {quoted(code)} is not a language tag (like id or en-US)")


def quoted(value: str) -> str:
    """A value from a file as a message quotes it: escaped, and cut short if long."""
    return repr(value[:40] + "..." if len(value) > 40 else value)


__all__ = ["FORMATS", "MAX_SEGMENT_CHARS", "check_lang", "check_length", "detect_format", "is_lang_tag",
           "unit_reader"]
