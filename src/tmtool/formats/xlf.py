"""What XLIFF 1.2 and 2.x share: a safe whole-document parse, inline content read into the
memory's markers (:mod:`.codes`) and written back, and the bytes of the file as it came.

A CAT file is read whole (a translator's job: thousands of units, not millions) so that it can
be written back with only its targets changed. Parsing is as safe as for TMX: no entity
resolution, no network, no DTD, libxml2's size limits on; a DOCTYPE that declares entities is
refused before the parser starts (``xmlsource.check_prolog``), and so is a file over
:data:`MAX_FILE_BYTES`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from ..errors import FormatError, InputError
from .checks import MAX_SEGMENT_CHARS
from .codes import link_pairs
from ..inline import MARK_BASE, MARK_LAST, _MARKS, clean_text, escape_text
from .xmlsource import check_prolog, limit_error, line_column, refuse_declared_entities

#: The biggest CAT file tmtool reads (it is held in memory while its targets are filled).
MAX_FILE_BYTES = 256 * 2**20
MAX_CODES = MARK_LAST - MARK_BASE + 1
_HEAD = re.compile(rb"\s*<\?xml[^>]*\?>\s*")
_DECL_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)[\"']")


def local(tag) -> str:
    """The local name of an element's tag ('' for a comment or processing instruction)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


@dataclass
class Raw:
    """How the file was written, so that output can be written the same way."""

    bom: bool = False
    crlf: bool = False
    encoding: str = "UTF-8"
    declaration: bool = True
    head: bytes = b""  # the XML declaration as written, with the whitespace after it
    final_newline: bool = True


def parse(data: bytes, name: str, encoding: str | None = None):
    """The lxml tree of ``data``, parsed safely; :class:`FormatError` in one line if not."""
    from lxml import etree

    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{name}: {len(data):,} bytes, over the limit of {MAX_FILE_BYTES // 2**20} MB "
                         "for a file to translate; refused")
    if not data.strip():
        raise FormatError(f"{name}: empty file, not XLIFF")
    # The shared prolog check (issue 13): an entity declaration is refused before lxml reads a byte.
    check_prolog(data, name, encoding=encoding, what="XLIFF")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_blank_text=False, strip_cdata=False, encoding=encoding)
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as e:
        msg = line_column(e.msg or "").strip()
        limit = limit_error(f"{name}:{e.lineno}", msg)
        if limit is not None:
            raise limit from None
        raise FormatError(f"{name}:{e.lineno}: not well-formed XML: {msg}") from None
    refuse_declared_entities(tree.docinfo, name, "XLIFF")
    for ref in tree.getroot().iter(etree.Entity):
        raise FormatError(f"{name}:{ref.sourceline}: the entity reference {ref.text} is not defined "
                          "(tmtool loads no DTD); refused")
    return tree


def raw_of(data: bytes, tree) -> Raw:
    """The byte-level habits of the file: BOM, line ends, encoding, declaration."""
    m = _DECL_ENCODING.match(data)
    body = data.lstrip(b"\xef\xbb\xbf")
    return Raw(
        bom=data.startswith(b"\xef\xbb\xbf"),
        crlf=b"\r\n" in data[:65536] and data.count(b"\r\n") * 2 >= data.count(b"\n"),
        encoding=(m.group(1).decode("ascii") if m else tree.docinfo.encoding or "UTF-8"),
        declaration=body.lstrip().startswith(b"<?xml"),
        head=_HEAD.match(body).group(0).replace(b"\r\n", b"\n") if _HEAD.match(body) else b"",
        final_newline=data.endswith(b"\n"),
    )


def serialize(tree, raw: Raw) -> bytes:
    """The tree as bytes in the file's own encoding, with its own XML declaration (as it was
    written), BOM, line ends and final newline."""
    from lxml import etree

    enc = raw.encoding
    if enc.lower().replace("-", "") in ("utf16", "utf32"):
        enc = "UTF-8"  # lxml writes these without a BOM other tools need; UTF-8 is always readable
    out = etree.tostring(tree, encoding=enc, xml_declaration=False)
    if raw.declaration:
        decl = raw.head if enc == raw.encoding else f'<?xml version="1.0" encoding="{enc}"?>\n'.encode()
        out = decl + out.lstrip()
    out = out.rstrip(b"\r\n") + (b"\n" if raw.final_newline else b"")
    if raw.crlf:
        out = out.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if raw.bom and enc.upper().replace("-", "") == "UTF8":
        out = b"\xef\xbb\xbf" + out
    return out


def splice(data: bytes, raw: Raw, tree, name: str, changed: list) -> bytes:
    """``data`` with only the ``changed`` elements (all named ``name``: trans-unit, unit)
    written anew; every other byte of the file stays as it was. Falls back to writing the
    whole tree (:func:`serialize`) when the file's text cannot be matched to its elements."""
    from lxml import etree

    if not changed:
        return data
    every = list(tree.getroot().iter(f"{{*}}{name}", name))
    try:
        text = data.decode(_codec(raw), errors="strict")
    except (LookupError, UnicodeDecodeError):
        return serialize(tree, raw)
    starts = [m.start() for m in re.finditer(rf"<(?:[\w.-]+:)?{name}[\s/>]", text)]
    if len(starts) != len(every) or "<![CDATA[" in text or "<!--" in text and _commented(text, name):
        return serialize(tree, raw)
    index = {id(el): i for i, el in enumerate(every)}
    out, pos = [], 0
    for el in sorted(changed, key=lambda e: index[id(e)]):
        i = index[id(el)]
        start = starts[i]
        end = _element_end(text, start, name)
        if end < 0:
            return serialize(tree, raw)
        new = etree.tostring(el, encoding="unicode", with_tail=False)
        new = _drop_inherited_ns(new, el.getparent())
        if raw.crlf:
            new = new.replace("\r\n", "\n").replace("\n", "\r\n")
        out += [text[pos:start], new]
        pos = end
    out.append(text[pos:])
    return "".join(out).encode(_codec(raw), errors="xmlcharrefreplace")


def _codec(raw: Raw) -> str:
    enc = raw.encoding.lower()
    return "utf-8-sig" if enc.replace("-", "") == "utf8" and raw.bom else enc


def _commented(text: str, name: str) -> bool:
    return any(name in c for c in re.findall(r"<!--.*?-->", text, re.S))


def _element_end(text: str, start: int, name: str) -> int:
    """The index after the element starting at ``start`` (elements of ``name`` never nest)."""
    gt = text.find(">", start)
    if gt < 0:
        return -1
    if text[gt - 1] == "/":
        return gt + 1
    m = re.compile(rf"</(?:[\w.-]+:)?{name}\s*>").search(text, gt)
    return m.end() if m else -1


_NS_DECL = re.compile(r'\s+xmlns(?::([\w.-]+))?="([^"]*)"')


def _drop_inherited_ns(xml: str, parent) -> str:
    """Remove from the first tag the namespace declarations the parent already has in scope."""
    scope = parent.nsmap if parent is not None else {}
    gt = xml.find(">")
    head = _NS_DECL.sub(lambda m: "" if scope.get(m.group(1)) == m.group(2) else m.group(0), xml[:gt])
    return head + xml[gt:]


# -- inline content ----------------------------------------------------------------------


@dataclass(frozen=True)
class InlineSpec:
    """Which inline elements of a format enclose translatable text and which are codes."""

    paired: frozenset  # their content is text: g, mrk (1.2); pc, mrk (2.x)
    version: str
    pair_id: str = "id"


XLIFF12 = InlineSpec(frozenset({"g", "mrk"}), "1.2")
XLIFF2 = InlineSpec(frozenset({"pc", "mrk"}), "2")


@dataclass
class Content:
    """A source read into the memory's text form."""

    text: str
    codes: list[dict] = field(default_factory=list)
    elements: list = field(default_factory=list)  # the lxml element of each code (for writing)
    version: str = ""  # the format the codes come from ("1.2", "2", "po")


def read_inline(el, spec: InlineSpec, where: str) -> Content:
    """The text of ``el`` with one marker per code boundary, the codes, and their elements."""
    out = Content("")
    out.version = spec.version
    parts = [clean_text(el.text or "")]
    for child in el:
        _walk(child, spec, out, parts, where)
    out.text = "".join(parts)
    link_pairs(out.codes)
    if len(out.text) > MAX_SEGMENT_CHARS:
        raise FormatError(f"{where}: a segment of {len(out.text):,} characters, over the limit of "
                          f"{MAX_SEGMENT_CHARS:,}; refused")
    return out


def _walk(el, spec: InlineSpec, out: Content, parts: list[str], where: str) -> None:
    from lxml import etree

    tag = local(el.tag)
    if len(out.codes) + 2 > MAX_CODES:
        raise FormatError(f"{where}: more than {MAX_CODES:,} inline codes in one segment; refused")
    if not tag:  # a comment or processing instruction inside the text: kept as a code
        _code(out, parts, el, "ph", {}, "empty", etree.tostring(el, with_tail=False, encoding="unicode"))
    elif tag in spec.paired and not _protected(el):
        n = len(out.codes)
        start = _start_tag(el)
        _code(out, parts, el, "bpt", {"i": str(n + 1)}, "open", start, pair=n)
        out.codes[-1]["wrap"] = True
        parts.append(clean_text(el.text or ""))
        for child in el:
            _walk(child, spec, out, parts, where)
        _code(out, parts, el, "ept", {"i": str(n + 1)}, "close", f"</{tag}>", pair=n)
        out.codes[-1]["wrap"] = True
    else:
        kind, pair, tmx = _isolated_kind(el, tag, spec)
        xml = etree.tostring(el, with_tail=False, encoding="unicode")
        attrs = {"pos": "begin" if kind == "open" else "end"} if tmx == "it" else {}
        _code(out, parts, el, tmx, attrs, kind, _clean_ns(xml), pair=pair)
    parts.append(clean_text(el.tail or ""))


def _isolated_kind(el, tag: str, spec: InlineSpec) -> tuple[str, str | None, str]:
    """(kind, pair id, TMX tag) of a code element that holds no translatable text."""
    if spec.version == "1.2":
        if tag in ("bx", "bpt"):
            return "open", el.get("rid") or el.get("id"), "bpt"
        if tag in ("ex", "ept"):
            return "close", el.get("rid") or el.get("id"), "ept"
        if tag == "it":
            return "empty", None, "it"
        return "empty", None, "ph"
    if tag == "sc" and el.get("isolated") != "yes":
        return "open", el.get("id"), "bpt"
    if tag == "ec" and el.get("isolated") != "yes":
        return "close", el.get("startRef"), "ept"
    if tag == "sm":
        return "open", el.get("id"), "bpt"
    if tag == "em":
        return "close", el.get("startRef"), "ept"
    return "empty", None, "it" if tag in ("sc", "ec") else "ph"


def _protected(el) -> bool:
    # An XLIFF 1.2 <mrk mtype="protected"> or a 2.x <mrk translate="no"> holds text not to translate.
    return el.get("mtype") == "protected" or el.get("translate") == "no"


def _code(out: Content, parts: list[str], el, tag: str, attrs: dict, kind: str, xlf: str,
          pair=None) -> None:
    k = len(out.codes)
    parts.append(chr(MARK_BASE + k))
    code = {"tag": tag, "attrs": attrs, "xml": escape_text(xlf), "kind": kind, "xlf": xlf, "v": out.version}
    if kind != "empty":
        code["pair"] = str(pair)
        code["open"] = kind == "open"
    out.codes.append(code)
    out.elements.append(el)


def _start_tag(el) -> str:
    attrs = "".join(f' {_qname(el, k)}="{v}"' for k, v in el.attrib.items())
    return f"<{local(el.tag)}{attrs}>"


def _qname(el, key: str) -> str:
    if not key.startswith("{"):
        return key
    uri, name = key[1:].split("}", 1)
    if uri == "http://www.w3.org/XML/1998/namespace":
        return f"xml:{name}"
    prefix = next((p for p, u in (el.nsmap or {}).items() if u == uri and p), None)
    return f"{prefix}:{name}" if prefix else name


_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _clean_ns(xml: str) -> str:
    return _XMLNS.sub("", xml)


def write_inline(target, text: str, content: Content) -> None:
    """Fill ``target`` (emptied) with ``text``: words as text, each marker as a copy of the
    element it stands for (a pair's element encloses the text between its two markers)."""
    from lxml import etree

    for child in list(target):
        target.remove(child)
    target.text = None
    stack = [target]
    last = {id(target): None}
    pos = 0

    def add_text(s: str) -> None:
        if not s:
            return
        cur = stack[-1]
        prev = last.get(id(cur))
        if prev is None:
            cur.text = (cur.text or "") + s
        else:
            prev.tail = (prev.tail or "") + s

    for m in _MARKS.finditer(text):
        add_text(text[pos : m.start()])
        pos = m.end()
        k = ord(m.group()) - MARK_BASE
        if k >= len(content.codes):
            continue
        code, el = content.codes[k], content.elements[k]
        cur = stack[-1]
        if code.get("wrap") and code.get("kind") == "close":
            if len(stack) > 1:
                stack.pop()
            continue
        if code.get("wrap") and code.get("kind") == "open":
            # The element that encloses text (g, mrk, pc): an empty copy, filled from here on.
            new = etree.SubElement(cur, el.tag, attrib=dict(el.attrib))
            last[id(cur)] = new
            stack.append(new)
            last[id(new)] = None
            continue
        new = copy.deepcopy(el)
        new.tail = None
        cur.append(new)
        last[id(cur)] = new
    add_text(text[pos:])

