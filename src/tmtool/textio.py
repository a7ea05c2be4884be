"""Reading input text files defensively: every failure becomes a one-line InputError."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

from .errors import InputError

# Checked longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """Read a whole text file (``-`` is standard input) and return it as a string.

    A byte-order mark decides the encoding; otherwise ``encoding`` or strict UTF-8.
    Binary files (NUL bytes in a file without a UTF-16/32 BOM) are refused.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    data = _read_bytes(path, name)
    return decode(data, name, encoding)


def _read_bytes(path: str | Path, name: str) -> bytes:
    if str(path) == "-":
        return sys.stdin.buffer.read()
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror or e}") from None


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode ``data`` read from ``name``; see :func:`read_text`."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], codec, name)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}") from None
        return _decode(data, encoding, name)
    if b"\x00" in data:
        raise InputError(
            f"{name}: contains NUL bytes: a binary file, or UTF-16/32 without a byte-order mark "
            "(try --encoding utf-16-le)"
        )
    return _decode(data, "utf-8", name)


def _decode(data: bytes, codec: str, name: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        raise InputError(
            f"{name}: not valid {codec} at byte {e.start}; pass --encoding (for example --encoding cp1252)"
        ) from None
    if "\x00" in text:
        raise InputError(f"{name}: contains NUL characters; is it a binary file?")
    return text
