"""Reading input text files defensively: every failure becomes a one-line InputError."""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from .errors import InputError

# Checked longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What a streaming reader asks TextIOWrapper for: these codecs consume their own BOM.
_STREAM_CODECS = {"utf-32-le": "utf-32", "utf-32-be": "utf-32", "utf-8": "utf-8-sig",
                  "utf-16-le": "utf-16", "utf-16-be": "utf-16"}
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f]")
_BINARY_HINT = "a binary file, or UTF-16/32 without a byte-order mark (try --encoding utf-16-le)"


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """Read a whole text file (``-`` is standard input) and return it as a string.

    A byte-order mark decides the encoding; otherwise ``encoding`` or strict UTF-8.
    Binary files (NUL bytes in a file without a UTF-16/32 BOM) are refused.
    """
    return read_text_and_bom(path, encoding)[0]


def read_text_and_bom(path: str | Path, encoding: str | None = None) -> tuple[str, str | None]:
    """:func:`read_text`, and the encoding its byte-order mark named (None: it had none), so
    that a translation can be written the way the original was (issue 20)."""
    name = _name(path)
    f = open_binary(path)
    try:
        data = f.read()
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror or e}") from None
    finally:
        if f is not sys.stdin.buffer:
            f.close()
    return decode(data, name, encoding), next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def open_binary(path: str | Path) -> BinaryIO:
    """Open ``path`` (``-``: standard input) for reading bytes, or raise a one-line InputError.

    Devices and sockets are refused: ``/dev/zero`` or ``/dev/urandom`` would never end. Pipes
    (``<(cmd)``, ``/dev/stdin``) are read like files.
    """
    if str(path) == "-":
        return sys.stdin.buffer
    name = _name(path)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror or e}") from None
    mode = os.fstat(f.fileno()).st_mode
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        f.close()
        raise InputError(f"{name}: is a device, not a file")
    return f


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode ``data`` read from ``name``; see :func:`read_text`."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], codec, name, bom=len(bom))
    if encoding:
        _check_encoding(encoding)
        return _decode(data, encoding, name)
    if b"\x00" in data:
        raise InputError(f"{name}: contains NUL bytes: {_BINARY_HINT}")
    return _decode(data, "utf-8", name)


def text_lines(
    stream: IO[bytes], name: str, encoding: str | None = None, newline: str | None = None
) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a byte stream, decoded as :func:`read_text` decodes a file
    but without reading it whole: a BOM decides, else ``encoding``, else strict UTF-8.

    Undecodable bytes, NUL characters (a binary file) and read errors become an InputError
    that names the line.
    """
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)  # type: ignore[arg-type,type-var]
    try:
        sample = stream.peek(4096)[:4096]  # type: ignore[union-attr]
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror or e}") from None
    bom, codec = next(((b, c) for b, c in _BOMS if sample.startswith(b)), (b"", None))
    if codec is None and encoding:
        _check_encoding(encoding)
    wide = codec or encoding
    if wide and codecs.lookup(wide).name.startswith(("utf-16", "utf-32")) and _is_utf8_text(
        _whole_chars(sample[len(bom):])
    ):
        # The same answer as read_text gives (issue 20): --encoding cannot help when a BOM wins.
        said = "its byte-order mark says" if codec else "--encoding says"
        raise InputError(f"{name}: {said} {wide}, but the text is UTF-8; "
                         + ("remove the byte-order mark" if codec else "leave out --encoding"))
    reading = _STREAM_CODECS[codec] if codec else (encoding or "utf-8")
    text = io.TextIOWrapper(stream, encoding=reading, errors="strict", newline=newline)
    n = 0
    try:
        for n, line in enumerate(text, 1):
            if "\x00" in line:
                hint = "is it a binary file?" if codec or encoding else _BINARY_HINT
                raise InputError(f"{name}:{n}: contains NUL characters: {hint}")
            yield n, line
    except UnicodeDecodeError as e:
        if not (codec or encoding) and b"\x00" in e.object:
            raise InputError(f"{name}:{n + 1}: contains NUL bytes: {_BINARY_HINT}") from None
        if codec:  # the BOM decided: another --encoding would change nothing
            raise InputError(
                f"{name}:{n + 1}: starts with a {codec} byte-order mark but is not valid {codec} "
                f"({e.reason}): the file is damaged or its byte-order mark is wrong"
            ) from None
        raise InputError(
            f"{name}:{n + 1}: not valid {encoding or 'utf-8'} ({e.reason}); "
            "pass --encoding (for example --encoding cp1252)"
        ) from None
    except OSError as e:
        raise InputError(f"{name}:{n + 1}: cannot read: {e.strerror or e}") from None
    finally:
        text.detach()  # leave the stream to its owner (stdin stays open)


def _name(path: str | Path) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


def _check_encoding(encoding: str) -> None:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None
    if not getattr(info, "_is_text_encoding", True):  # base64, rot13, zlib: bytes codecs
        raise InputError(f"{encoding!r} is not a text encoding")


def _decode(data: bytes, codec: str, name: str, bom: int = 0) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        if bom:
            raise InputError(
                f"{name}: starts with a {codec} byte-order mark but is not valid {codec} at byte "
                f"{e.start + bom}: the file is damaged or its byte-order mark is wrong"
            ) from None
        raise InputError(
            f"{name}: not valid {codec} at byte {e.start}; pass --encoding (for example --encoding cp1252)"
        ) from None
    if codecs.lookup(codec).name.startswith(("utf-16", "utf-32")) and _is_utf8_text(data):
        # Text in UTF-16/32 always has NUL bytes (every ASCII character brings one); UTF-8
        # read as UTF-16 "decodes" into CJK-looking nonsense that would be translated as such.
        said = "its byte-order mark says" if bom else "--encoding says"
        raise InputError(f"{name}: {said} {codec}, but the text is UTF-8; "
                         + ("remove the byte-order mark" if bom else "leave out --encoding"))
    if "\x00" in text:
        raise InputError(f"{name}: contains NUL characters; is it a binary file?")
    return text


def _whole_chars(sample: bytes) -> bytes:
    """``sample`` (the start of a file) without a UTF-8 character cut off at its end."""
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data" and e.start >= len(sample) - 3:
            return sample[: e.start]
    return sample


def _is_utf8_text(data: bytes) -> bool:
    """True for bytes that are plainly UTF-8 text: no NUL, valid, no control characters."""
    if len(data) < 4 or b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _CONTROLS.search(text)
