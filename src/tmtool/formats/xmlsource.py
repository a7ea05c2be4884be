"""The bytes of an XML file as the safe parser reads them, and its errors in words (issue 5).

:class:`XmlSource` wraps the stream lxml's ``iterparse`` reads: it counts bytes (a ``<tu>``'s
size is checked while it is read), notes where the text ends (an error there means a truncated
file), turns a read error into one line, and checks a legacy encoding declaration against
content that is really UTF-8, and refuses entity declarations before the parser sees a byte
(:func:`check_prolog`). :func:`syntax_error` turns libxml2's first error into one line a user can
act on, in tmtool's words.

Why the prolog is read first (issue 13): whether libxml2 expands, counts or refuses entities
changes between lxml releases (lxml 6.2's libxml2 stops billion-laughs with its own amplification
limit before any tree exists). Reading the prolog ourselves makes the refusal, and its message,
the same whatever lxml is installed, for every XML format tmtool reads.
"""

from __future__ import annotations

import codecs
import re

from ..errors import FormatError, InputError
from .checks import MAX_SEGMENT_CHARS

# libxml2's own limits without XML_PARSE_HUGE (which we never set).
XML_MAX_DEPTH = 256
XML_MAX_TEXT = 10_000_000
# The prolog (XML declaration, comments, DOCTYPE) is read whole before parsing; no real file's is
# anywhere near this, and a larger one is refused rather than buffered.
MAX_PROLOG_BYTES = 1 << 20
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

    def __init__(self, stream, name: str, check_declared: bool, *, encoding: str | None = None,
                 what: str = "XML"):
        self.stream, self.name = stream, name
        self.encoding, self.what = encoding, what
        self._pending = b""  # the prolog, read ahead and checked, not yet handed to the parser
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
        if self._first:
            self._pending = self._read_prolog(size)
        if self._pending:
            cut = len(self._pending) if size is None or size < 0 else size
            data, self._pending = self._pending[:cut], self._pending[cut:]
        else:
            data = self._read(size)
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

    def _read(self, size: int) -> bytes:
        try:
            return self.stream.read(size)
        except OSError as e:
            raise InputError(f"{self.name}: cannot read: {e.strerror or e}") from None

    def _read_prolog(self, size: int) -> bytes:
        """The bytes up to the root element's start, checked by :func:`check_prolog`."""
        size = size if size and size > 0 else 65536
        head = b""
        while True:
            chunk = self._read(size)
            head += chunk
            if check_prolog(head, self.name, encoding=self.encoding, what=self.what, final=not chunk):
                return head
            if len(head) > MAX_PROLOG_BYTES:
                raise FormatError(f"{self.name}: a prolog (XML declaration, comments, DOCTYPE) of more "
                                  f"than {MAX_PROLOG_BYTES // 2**20} MB before the first element; refused")

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


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNMARKED = (  # "<?" or "<!" in a wide encoding without a byte-order mark (XML 1.0 appendix F)
    (b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"), (b"<\0", "utf-16-le"), (b"\0<", "utf-16-be"),
)


def _prolog_text(head: bytes, encoding: str | None) -> str:
    """``head`` decoded well enough to read its markup: a BOM wins, then the wide encodings'
    byte patterns, then ``encoding``; anything ASCII-compatible reads as Latin-1 (the markup is
    ASCII; what the bytes above 127 mean does not matter here)."""
    name = next((n for bom, n in _BOMS if head.startswith(bom)), None)
    if name is not None:
        head = head[len(next(b for b, n in _BOMS if n == name)):]
    else:
        name = next((n for pat, n in _UNMARKED if head.startswith(pat)), None)
    if name is None and encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            name = None
        if name and not (name.startswith("utf-16") or name.startswith("utf-32")):
            name = None
    decoder = codecs.getincrementaldecoder(name or "latin-1")(errors="replace")
    return decoder.decode(head)


def check_prolog(head: bytes, name: str, *, encoding: str | None = None, what: str = "XML",
                 final: bool = True) -> bool:
    """Check the prolog at the start of ``head``: raise :class:`FormatError` if its DOCTYPE
    declares an entity (general or parameter, internal or external). True when the prolog is
    complete in ``head`` (the root element starts) or ``final``; False when more bytes are needed.

    This runs before any parser sees the file, so no lxml/libxml2 version can expand, fetch or
    count an entity first (billion laughs, XXE, parameter-entity tricks): the refusal is ours.
    """
    text = _prolog_text(head, encoding)
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t\r\n\ufeff":
            i += 1
        elif text.startswith("<?", i) or text.startswith("<!--", i):
            close = "?>" if text[i + 1] == "?" else "-->"
            end = text.find(close, i + 2)
            if end < 0:
                return final
            i = end + len(close)
        elif text.startswith("<!DOCTYPE", i):
            end = _doctype_end(text, i + 9, name, what)
            if end < 0:
                return final
            i = end + 1
        elif not final and any(m.startswith(text[i:]) for m in ("<!DOCTYPE", "<!--")):
            return False  # a declaration cut by the end of ``head``
        else:
            return True  # the root element (or not XML: the parser says so)
    return final


def _doctype_end(text: str, i: int, name: str, what: str) -> int:
    """The index of the ``>`` that closes a DOCTYPE declaration started before ``i`` (-1: not in
    ``text`` yet); refuses an entity declaration in its internal subset."""
    quote, subset = "", False
    n = len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif subset and text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return -1
            i = end + 3
            continue
        elif subset and text.startswith("<!ENTITY", i):
            line = text.count("\n", 0, i) + 1
            raise FormatError(
                f"{name}:{line}: the DOCTYPE declares entities; refused (entity expansion and "
                f"external entities are a known attack, and {what} needs none)"
            )
        elif c == "[":
            subset = True
        elif c == "]":
            subset = False
        elif c == ">" and not subset:
            return i
        i += 1
    return -1


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
    limit = limit_error(where, msg, kind)
    if limit is not None:
        return limit
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


def limit_error(where: str, msg: str, kind: str = "") -> FormatError | None:
    """The parser's resource-limit error ``msg`` as a tmtool sentence (never libxml2's words, which
    name C functions); None when ``msg`` is not about a limit. Every XML reader maps through here."""
    low = msg.lower()
    if not (kind == "ERR_RESOURCE_LIMIT" or "huge" in low or "amplification" in low or "excessive" in low):
        return None
    if "depth" in msg.lower():
        return FormatError(f"{where}: elements nested more than {XML_MAX_DEPTH} deep; refused "
                           "(a limit of the safe XML parser)")
    if "text" in msg.lower():
        return FormatError(f"{where}: a text of more than {XML_MAX_TEXT:,} characters in one "
                           f"piece; refused (one unit holds at most {MAX_SEGMENT_CHARS:,} a side)")
    if "amplification" in msg.lower() or "entit" in msg.lower():
        return FormatError(f"{where}: entity references expand beyond the safe XML parser's "
                           "limit; refused (tmtool expands no entities)")
    if "attribute" in msg.lower() or "attvalue" in msg.lower():
        return FormatError(f"{where}: an attribute value too long for the safe XML parser; refused")
    if "name" in msg.lower():
        return FormatError(f"{where}: an element or attribute name too long for the safe XML "
                           "parser; refused")
    # libxml2 words its limits with C function names: say which kind of limit, in ours.
    return FormatError(f"{where}: the file exceeds a size limit of the safe XML parser "
                       f"(nesting, text or name length); refused")


def refuse_declared_entities(docinfo, name: str, what: str, line: int | None = None) -> None:
    """A second line of defence after :func:`check_prolog`: refuse a parsed document whose
    internal DTD declares entities (same words as the prolog check)."""
    dtd = docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        where = f"{name}:{line}" if line else name
        raise FormatError(f"{where}: the DOCTYPE declares entities; refused (entity expansion and "
                          f"external entities are a known attack, and {what} needs none)")
