"""Inline markup (TMX ``bpt``/``ept``/``it``/``ph``/``hi``/``ut``) inside stored segment text.

A stored source or target is plain text in which each inline tag boundary is one *marker*
character from Unicode's Supplementary Private Use Area-A: ``chr(MARK_BASE + k)`` stands for
``codes[k]``, the k-th code of that side of the unit, kept in ``unit.props["codes"]["source"]``
(or ``"target"``). A code is ``{"tag": "ph", "attrs": {...}, "xml": "&lt;b&gt;"}``: the element
name, its attributes and its inner XML (the native code, ``<sub>`` included) exactly as read;
``hi`` encloses translatable text, so it takes two markers, ``{"tag": "hi", ...}`` and
``{"tag": "/hi"}``.

So fuzzy matching sees one character per tag (a tag difference costs one edit), concordance
and display see the words, and TMX export writes the very elements that were imported.

A bottom module (issue 15): the formats, the memory (full-text words, fuzzy index) and the
pipeline all use it, so it imports nothing from ``formats/`` or ``memory/``.
"""

from __future__ import annotations

import re
from html import escape as _html_escape

MARK_BASE = 0xF0000
MARK_LAST = 0xFFFFD
_MARKS = re.compile("[\U000F0000-\U000FFFFD]")
# Characters XML 1.0 cannot carry, even as references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def marker(k: int) -> str:
    """The marker character of code number ``k``."""
    return chr(MARK_BASE + k)


def has_markers(text: str) -> bool:
    return _MARKS.search(text) is not None


def strip_markers(text: str) -> str:
    """``text`` without its inline markers (what a concordance or a TSV reader sees)."""
    return _MARKS.sub("", text)


def clean_text(text: str) -> str:
    """Text read from a file, with characters that would pose as markers replaced (U+FFFD)."""
    return _MARKS.sub("\ufffd", text)


def native_text(text: str, codes: list[dict] | None) -> str:
    """``text`` with each marker replaced by its native code (``<b>``, ``%s``), for plain output."""
    if not codes:
        return strip_markers(text)

    def native(m: re.Match) -> str:
        code = _code(codes, m.group())
        if code is None or code["tag"] in ("hi", "/hi"):
            return ""
        return xml_to_text(code.get("xml", ""))

    return _MARKS.sub(native, text)


def display_text(text: str, codes: list[dict] | None) -> str:
    """``text`` with markers shown as short tags: ``⟨1⟩ … ⟨/1⟩`` for pairs, ``⟨2/⟩`` for others."""

    def show(m: re.Match) -> str:
        k = ord(m.group()) - MARK_BASE
        code = _code(codes, m.group()) or {"tag": "ph"}
        attrs = code.get("attrs", {})
        tag = code["tag"]
        if tag == "bpt":
            return f"⟨{attrs.get('i', k + 1)}⟩"
        if tag == "ept":
            return f"⟨/{attrs.get('i', k + 1)}⟩"
        if tag == "hi":
            return f"⟨h{k + 1}⟩"
        if tag == "/hi":
            return "⟨/h⟩"
        if tag == "it":
            return f"⟨/{attrs.get('x', k + 1)}⟩" if attrs.get("pos") == "end" else f"⟨{attrs.get('x', k + 1)}⟩"
        return f"⟨{attrs.get('x', k + 1)}/⟩"

    return _MARKS.sub(show, text)


def shown(unit, side: str = "target") -> str:
    """``unit.source`` or ``unit.target`` as a person reads it: inline tags as short tags
    (:func:`display_text`), never the private-use markers they are stored as."""
    text = getattr(unit, side)
    if not text or not has_markers(text):
        return text
    codes = unit.props.get("codes", {}) if isinstance(unit.props, dict) else {}
    return display_text(text, codes.get(side))


def segment_xml(text: str, codes: list[dict] | None) -> str:
    """``text`` as the content of a TMX ``<seg>``: escaped, with each marker written back as
    the inline element it stands for."""
    out = []
    pos = 0
    for m in _MARKS.finditer(text):
        out.append(escape_text(text[pos : m.start()]))
        pos = m.end()
        code = _code(codes, m.group())
        if code is None:
            continue  # a marker without its code (a damaged unit): drop it, keep the words
        tag = code["tag"]
        if tag == "/hi":
            out.append("</hi>")
        elif tag == "hi":
            out.append(f"<hi{_attrs(code.get('attrs', {}))}>")
        else:
            out.append(f"<{tag}{_attrs(code.get('attrs', {}))}>{code.get('xml', '')}</{tag}>")
    out.append(escape_text(text[pos:]))
    return "".join(out)


def escape_text(text: str) -> str:
    """Character data for XML: ``& < >`` escaped, a CR kept as a reference, unwritable
    control characters replaced by U+FFFD."""
    text = _NOT_XML.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;")


def escape_attr(value: str) -> str:
    value = _html_escape(_NOT_XML.sub("\ufffd", value), quote=True).replace("&#x27;", "'")
    return value.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


def xml_to_text(fragment: str) -> str:
    """The character data of an XML fragment (tags dropped, references resolved)."""
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(f"<x>{fragment}</x>", parser)
    except etree.XMLSyntaxError:
        return fragment
    return "".join(root.itertext())


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{escape_attr(v)}"' for k, v in attrs.items())


def _code(codes: list[dict] | None, mark: str) -> dict | None:
    k = ord(mark) - MARK_BASE
    if codes and 0 <= k < len(codes):
        return codes[k]
    return None
