"""The bytes of an XML file as the safe parser reads them, and its errors in words (issue 5).

:class:`XmlSource` wraps the stream lxml's ``iterparse`` reads: it counts bytes (a ``<tu>``'s
size is checked while it is read), notes where the text ends (an error there means a truncated
file), turns a read error into one line, and checks a legacy encoding declaration against
content that is really UTF-8. :func:`syntax_error` turns libxml2's first error into one line
a user can act on.
"""

from __future__ import annotations

import codecs
import re

from ..errors import FormatError, InputError
from . import MAX_SEGMENT_CHARS

# libxml2's own limits without XML_PARSE_HUGE (which we never set).
XML_MAX_DEPTH = 256
XML_MAX_TEXT = 10_000_000
_DECLARED = re.compile(  # the encoding an ASCII-compatible XML declaration names
    rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._:-]*)[\"']"
)
_LINE_COLUMN = re.compile(r",? line \d+, column \d+$")


def line_column(msg: str) -> str:
    """``msg`` without libxml2's ", line N, column M" (the location is given once, first)."""
    return _LINE_COLUMN.sub("", msg)


class XmlSource:
    """The file as the XML parser reads it: counts bytes and lines, notes its end, turns a read
    error into one line, and checks a single-byte encoding declaration against UTF-8 content."""

    def __init__(self, stream, name: str, check_declared: bool):
        self.stream, self.name = stream, name
        self.bytes = 0
        self.lines = 1
        self._line_bytes = 0  # bytes of the line being read
        # Where the text ends (whitespace after it left out): its line and column in bytes.
        self.last_text_line, self.last_text_column = 1, 0
        self.eof = False
        self.blank = True  # nothing but whitespace read so far
        self.declared: str | None = None
        self._first = True
        self._check = check_declared
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._non_ascii = False

    def read(self, size: int = -1) -> bytes:
        try:
            data = self.stream.read(size)
        except OSError as e:
            raise InputError(f"{self.name}: cannot read: {e.strerror or e}") from None
        if self._first:
            self._first = False
            m = _DECLARED.match(data)
            self.declared = m.group(1).decode("ascii") if m else None
            self._check = self._check and self.declared is not None and not _unicode(self.declared)
        if not data:
            self.eof = True
            return data
        text = data.rstrip()
        if text:
            self.blank = False
            self.last_text_line = self.lines + text.count(b"\n")
            cut = text.rfind(b"\n")
            self.last_text_column = len(text) - cut - 1 if cut >= 0 else self._line_bytes + len(text)
        cut = data.rfind(b"\n")
        self._line_bytes = len(data) - cut - 1 if cut >= 0 else self._line_bytes + len(data)
        self.lines += data.count(b"\n")
        self.bytes += len(data)
        if self._check:
            self._non_ascii = self._non_ascii or not data.isascii()
            try:
                self._utf8.decode(data)
            except UnicodeDecodeError:
                self._check = False  # not UTF-8: the declaration may well be right
        return data

    def ends_at(self, line: int, column: int) -> bool:
        """True if (``line``, ``column``) is where the file's text ends: a parser error there
        means the file stops before its XML does."""
        return self.eof and (line, column) >= (self.last_text_line, self.last_text_column - 2)

    def lies_about_encoding(self) -> bool:
        """True when the file declares a legacy encoding but its non-ASCII bytes are all UTF-8
        (a genuine Latin-1 or cp1252 text is practically never valid UTF-8)."""
        if not (self._check and self._non_ascii):
            return False
        try:
            self._utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True


def _unicode(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return True  # unknown to Python: libxml2 says what it makes of it


def syntax_error(name: str, e, context, src: XmlSource, line: int) -> FormatError:
    """One line that says what is wrong with the XML, in words a user can act on."""
    if src.blank:
        return FormatError(f"{name}: empty file, not TMX")
    log = [x for x in context.error_log if x.level_name in ("ERROR", "FATAL")]
    first = log[0] if log else None
    msg = line_column((first.message if first else e.msg) or "").strip()
    where = f"{name}:{(first.line if first else e.lineno) or line}"
    kind = first.type_name if first else ""
    if kind == "ERR_RESOURCE_LIMIT" or "XML_PARSE_HUGE" in msg:
        if "depth" in msg.lower():
            return FormatError(f"{where}: elements nested more than {XML_MAX_DEPTH} deep; refused "
                               "(a limit of the safe XML parser)")
        if "text" in msg.lower():
            return FormatError(f"{where}: a text of more than {XML_MAX_TEXT:,} characters in one "
                               f"piece; refused (one unit holds at most {MAX_SEGMENT_CHARS:,} a side)")
        return FormatError(f"{where}: over a size limit of the safe XML parser ({msg}); refused")
    at = (first.line, first.column) if first else e.position
    if (kind == "ERR_TAG_NOT_FINISHED" and src.eof) or src.ends_at(*at):
        return FormatError(f"{where}: the file ends before its XML does (truncated?): {msg}")
    declaration = kind == "ERR_XMLDECL_NOT_FINISHED" or any(
        x.type_name == "ERR_XMLDECL_NOT_FINISHED" for x in log)
    if kind in ("ERR_INVALID_ENCODING", "ERR_UNSUPPORTED_ENCODING") or (declaration and src.declared):
        said = f"the declared encoding ({src.declared})" if src.declared else "UTF-8"
        return FormatError(f"{where}: the bytes are not in {said}: {msg}; pass --encoding if "
                           "you know the file's encoding")
    return FormatError(f"{where}: not well-formed XML: {msg}")
