"""TMX: a safe streaming reader (1.1 to 1.4b) and a 1.4b writer.

The reader parses with lxml's ``iterparse`` (no entity resolution, no network, no DTD loading,
libxml2's size limits on) and refuses any document whose DOCTYPE declares entities: that is
where billion-laughs and XXE live, and no real TMX file needs one. Each ``<tu>`` is turned into
one :class:`TranslationUnit` for the requested language pair and then dropped from memory, so
a file of a million units never sits in memory; one ``<tu>`` is held to :data:`MAX_TU_BYTES`
and :data:`MAX_TU_ELEMENTS`, and each side to :data:`~tmtool.formats.MAX_SEGMENT_CHARS`, so a
hostile unit cannot take the memory either (issue 5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from dataclasses import dataclass, field
from typing import IO, TextIO

from ..errors import FormatError
from ..langs import canonical_lang, primary_lang  # noqa: F401  (re-exported: tests import them from here)
from ..records import ORIGINS, STATUSES, TranslationUnit
from .checks import MAX_SEGMENT_CHARS, check_length, is_lang_tag, quoted
from ..inline import MARK_BASE, MARK_LAST, clean_text, escape_attr, escape_text, marker, segment_xml
from .xmlsource import XML_MAX_DEPTH, XmlSource, line_column, refuse_declared_entities, syntax_error

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
INLINE_CODES = frozenset({"bpt", "ept", "it", "ph", "ut"})
TU_ATTRS = (
    "tuid", "o-encoding", "datatype", "usagecount", "lastusagedate", "creationtool",
    "creationtoolversion", "creationdate", "creationid", "changedate", "segtype", "changeid",
    "o-tmf", "srclang",
)
TUV_ATTRS = (
    "o-encoding", "datatype", "usagecount", "lastusagedate", "creationtool", "creationtoolversion",
    "creationdate", "creationid", "changedate", "o-tmf", "changeid",
)
SEGTYPES = ("block", "paragraph", "sentence", "phrase")
# Our own unit fields travel as TU props (TMX 1.4b section 3.1: user-defined types start "x-").
PROP_ORIGIN, PROP_STATUS, PROP_MODEL = "x-tmtool-origin", "x-tmtool-status", "x-tmtool-model"
PROP_PREV, PROP_NEXT = "x-tmtool-prev-source", "x-tmtool-next-source"
PROP_TUID = "x-tmtool-tuid"  # the tuid the unit had in the file it was imported from
OWN_PROPS = (PROP_ORIGIN, PROP_STATUS, PROP_MODEL, PROP_PREV, PROP_NEXT, PROP_TUID)
_TMX_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})")
#: The most bytes of the file one ``<tu>`` may span, and the most elements inside it (inline
#: tags, props, notes): beyond either the file is refused before the unit is built in memory.
MAX_TU_BYTES = 16 * 2**20
MAX_TU_ELEMENTS = 20_000
#: Inline codes one side can hold: each is one marker character of a Private Use plane.
MAX_INLINE_CODES = MARK_LAST - MARK_BASE + 1


# -- languages ---------------------------------------------------------------------------


def _lang_rank(wanted: str, actual: str, strict: bool) -> int:
    """2: the same tag; 1: the same primary language (unless ``strict``); 0: another language."""
    if canonical_lang(actual).lower() == wanted.lower():
        return 2
    if not strict and primary_lang(actual) == primary_lang(wanted):
        return 1
    return 0


# -- dates -------------------------------------------------------------------------------


def tmx_date_to_iso(value: str | None) -> str | None:
    """``20020523T091200Z`` -> ``2002-05-23T09:12:00Z``; None if it is not a TMX date."""
    m = _TMX_DATE.match((value or "").strip())
    if not m:
        return None
    y, mo, d, h, mi, s = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}Z"


def iso_to_tmx_date(value: str | None) -> str | None:
    m = _ISO_DATE.match(value or "")
    return "{}{}{}T{}{}{}Z".format(*m.groups()) if m else None


# -- reading -----------------------------------------------------------------------------


@dataclass
class TmxReader:
    """Reads the units of one TMX file for one language pair.

    ``src_lang`` defaults to the header's ``srclang``; ``tgt_lang`` to the first other language
    the file uses. Languages given are stored as given (canonical case); defaulted ones as their
    primary subtag, so an ``id-ID``/``en-US`` file feeds the ``id``->``en`` memory as is.
    Iterating yields ``(line, unit)``; afterwards ``skipped`` says what was left out and why.
    """

    stream: IO[bytes]
    name: str
    src_lang: str | None = None
    tgt_lang: str | None = None
    header: dict = field(default_factory=dict)
    version: str = ""
    skipped: dict[str, int] = field(default_factory=dict)
    own: bool = False  # written by tmtool: restore origin, status, model and context
    encoding: str | None = None  # overrides the XML declaration (a BOM still wins)

    def __post_init__(self) -> None:
        self._src_given = self.src_lang is not None
        self.src_lang = canonical_lang(self.src_lang) if self.src_lang else None
        self.tgt_lang = canonical_lang(self.tgt_lang) if self.tgt_lang else None

    def __iter__(self) -> Iterator[tuple[int, TranslationUnit]]:
        from lxml import etree

        src = XmlSource(self.stream, self.name, check_declared=self.encoding is None,
                        encoding=self.encoding, what="TMX")
        context = etree.iterparse(
            src, events=("start", "end"), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
            encoding=self.encoding,
        )
        root = None
        line = 1
        tu_start: int | None = None  # bytes read when the current <tu> began
        tu_elements = 0
        try:
            for event, el in context:
                line = el.sourceline or line
                if root is None:
                    root = el
                    self._check_root(el)
                    continue
                if event == "start":
                    if tu_start is not None:
                        tu_elements += 1
                        self._check_tu_size(src.bytes - tu_start, tu_elements, line)
                    elif _local(el.tag) == "tu":
                        tu_start, tu_elements = src.bytes, 0
                    continue
                tag = _local(el.tag)
                if tag == "header":
                    self._read_header(el)
                elif tag == "tu":
                    self._check_tu_size(src.bytes - (tu_start or 0), tu_elements, el.sourceline or line)
                    tu_start = None
                    unit = self._read_tu(el)
                    if unit is not None:
                        yield el.sourceline or line, unit
                    # Free what was read so far: memory stays flat over a million units.
                    el.clear(keep_tail=False)
                    parent = el.getparent()
                    while el.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as e:
            raise syntax_error(self.name, e, context, src, line) from None
        if root is None:
            raise FormatError(f"{self.name}: empty file, not TMX")
        if src.lies_about_encoding():
            raise FormatError(
                f"{self.name}: declares encoding {src.declared} but its bytes are UTF-8, so its "
                "accented letters would be stored garbled; fix the declaration or pass --encoding utf-8"
            )

    def _check_tu_size(self, size: int, elements: int, line: int) -> None:
        if size > MAX_TU_BYTES:
            raise FormatError(
                f"{self.name}:{line}: a <tu> of more than {MAX_TU_BYTES // 2**20} MB; refused "
                f"(one unit holds at most {MAX_SEGMENT_CHARS:,} characters a side)"
            )
        if elements > MAX_TU_ELEMENTS:
            raise FormatError(
                f"{self.name}:{line}: a <tu> with more than {MAX_TU_ELEMENTS:,} elements (inline tags, "
                "props, notes); refused"
            )

    def _check_root(self, el) -> None:
        refuse_declared_entities(el.getroottree().docinfo, self.name, "TMX", el.sourceline)
        if _local(el.tag) != "tmx":
            raise FormatError(f"{self.name}:{el.sourceline}: root element is <{_local(el.tag)}>, not <tmx>")
        self.version = el.get("version", "")

    def _read_header(self, el) -> None:
        self.header = {
            "attrs": dict(el.attrib),
            "props": [_prop(p) for p in el if _local(p.tag) == "prop"],
            "notes": [p.text or "" for p in el if _local(p.tag) == "note"],
        }
        self.own = el.get("creationtool") == "tmtool"
        srclang = el.get("srclang", "")
        if srclang and srclang != "*all*" and not is_lang_tag(srclang):
            raise FormatError(f"{self.name}:{el.sourceline}: the header's srclang {quoted(srclang)} is not a "
                              "language tag (like id or en-US); fix it or pass --source-lang")
        if self.src_lang is None and srclang and srclang != "*all*":
            self.src_lang = primary_lang(srclang)

    def _read_tu(self, tu) -> TranslationUnit | None:
        from lxml import etree

        for ref in tu.iter(etree.Entity):
            # Only an entity the (never loaded) external DTD would define gets here.
            raise FormatError(f"{self.name}:{ref.sourceline or tu.sourceline}: the entity reference "
                              f"{ref.text} is not defined (tmtool loads no DTD); refused")
        tuvs = [c for c in tu if _local(c.tag) == "tuv"]
        self._check_langs(tu, tuvs)
        if self.src_lang is None:
            srclang = tu.get("srclang") or (_tuv_lang(tuvs[0]) if tuvs else "")
            if not srclang or srclang == "*all*":
                raise FormatError(f"{self.name}:{tu.sourceline}: no source language in the header; pass --source-lang")
            self.src_lang = primary_lang(srclang)
        src = self._pick(tuvs, self.src_lang, None)
        if self.tgt_lang is None and not self._default_target(tuvs, src):
            return self._skip("without a second language")
        tgt = self._pick(tuvs, self.tgt_lang, src)
        if src is None:
            return self._skip(f"with no {self.src_lang} variant")
        if tgt is None:
            return self._skip(f"with no {self.tgt_lang} variant")
        source, src_codes = _seg(src, self.name)
        target, tgt_codes = _seg(tgt, self.name)
        check_length(source, f"{self.name}:{src.sourceline}", "source")
        check_length(target, f"{self.name}:{tgt.sourceline}", "target")
        if not source.strip():
            return self._skip("with an empty source")
        if not target.strip():
            return self._skip("with an empty target")
        return self._unit(tu, src, tgt, source, target, src_codes, tgt_codes)

    def _check_langs(self, tu, tuvs: list) -> None:
        """Every ``<tuv>`` names its language with a real tag (issue 14): a unit whose language
        is unknown cannot be put on either side, and guessing would store it on the wrong one."""
        for t in tuvs:
            lang = _tuv_lang(t)
            if lang is None or not lang.strip():
                what = "an empty xml:lang" if lang is not None else "no xml:lang (or TMX 1.1 lang)"
                raise FormatError(f"{self.name}:{t.sourceline}: <tuv> with {what}; every variant "
                                  "must name its language")
            if not is_lang_tag(lang):
                raise FormatError(f"{self.name}:{t.sourceline}: <tuv> xml:lang {quoted(lang)} is not a "
                                  "language tag (like id or en-US)")
        srclang = tu.get("srclang")
        if srclang is not None and srclang != "*all*" and not is_lang_tag(srclang):
            raise FormatError(f"{self.name}:{tu.sourceline}: <tu> srclang {quoted(srclang)} is not a "
                              "language tag (like id or en-US)")

    def _default_target(self, tuvs: list, src) -> bool:
        """Take the first other language of the first unit that has one as the target."""
        other = [t for t in tuvs if primary_lang(_tuv_lang(t) or "und") != primary_lang(self.src_lang)]
        if other:
            self.tgt_lang = primary_lang(_tuv_lang(other[0]))
            return True
        if src is None:
            return False
        # Variants of one language (en-US -> en-GB): then the full tags tell the sides apart.
        src_tag = canonical_lang(_tuv_lang(src) or "")
        other = [t for t in tuvs if canonical_lang(_tuv_lang(t) or "und").lower() != src_tag.lower()]
        if not other:
            return False
        if not self._src_given:
            self.src_lang = src_tag
        self.tgt_lang = canonical_lang(_tuv_lang(other[0]))
        return True

    def _pick(self, tuvs: list, wanted: str, other):
        # Same primary language on both sides (en-US -> en-GB): only the exact tag will do.
        strict = other is not None and primary_lang(wanted) == primary_lang(_tuv_lang(other) or "")
        best, best_rank = None, 0
        for t in tuvs:
            if t is other:
                continue
            rank = _lang_rank(wanted, _tuv_lang(t) or "", strict)
            if rank > best_rank:
                best, best_rank = t, rank
        return best

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1
        return None

    def _unit(self, tu, src, tgt, source, target, src_codes, tgt_codes) -> TranslationUnit:
        tu_props = [_prop(p) for p in tu if _local(p.tag) == "prop"]
        own = {p[0]: p[1] for p in tu_props if p[0] in OWN_PROPS} if self.own else {}
        props: dict = {}
        tuid = own.get(PROP_TUID) if self.own else tu.get("tuid")
        if tuid:
            props["tuid"] = tuid
        # These live in the unit's fields (created_at, author, updated_at); export writes them back.
        drop = {"tuid", "srclang", "creationdate", "creationid", "changedate"}
        tmx = {
            "tu": {k: v for k, v in tu.attrib.items() if k in TU_ATTRS and k not in drop},
            "props": [p for p in tu_props if p[0] not in own],
            "notes": [n.text or "" for n in tu if _local(n.tag) == "note"],
            "src": _tuv_extra(src),
            "tgt": _tuv_extra(tgt),
        }
        tmx = {k: v for k, v in tmx.items() if v}
        if tmx:
            props["tmx"] = tmx
        codes = {k: v for k, v in (("source", src_codes), ("target", tgt_codes)) if v}
        if codes:
            props["codes"] = codes
        created = tmx_date_to_iso(tgt.get("creationdate") or tu.get("creationdate"))
        changed = tmx_date_to_iso(tgt.get("changedate") or tu.get("changedate")) or created
        unit = TranslationUnit(
            id=None, source=source, target=target, src_lang=self.src_lang, tgt_lang=self.tgt_lang,
            origin="imported", status="draft",
            author=tgt.get("creationid") or tu.get("creationid") or tgt.get("changeid") or tu.get("changeid"),
            created_at=created, updated_at=changed, props=props,
        )
        if not own:
            # memoQ records the neighbouring segments as x-context-pre/-post props.
            context = {p[0]: p[1] for p in tu_props if p[0] in ("x-context-pre", "x-context-post")}
            unit.prev_source = _context_text(context.get("x-context-pre"))
            unit.next_source = _context_text(context.get("x-context-post"))
        if own:
            unit.origin = own.get(PROP_ORIGIN, unit.origin)
            unit.status = own.get(PROP_STATUS, unit.status)
            if unit.origin not in ORIGINS or unit.status not in STATUSES:
                raise FormatError(f"{self.name}:{tu.sourceline}: unknown origin or status "
                                  f"{unit.origin!r}/{unit.status!r} in the x-tmtool props")
            unit.model = own.get(PROP_MODEL)
            unit.prev_source = own.get(PROP_PREV)
            unit.next_source = own.get(PROP_NEXT)
        return unit


@lru_cache(maxsize=256)
def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""  # a comment or processing instruction
    return tag.rsplit("}", 1)[-1]


def _context_text(value: str | None) -> str | None:
    """A context prop's text: memoQ writes the segment as ``<seg>...</seg>`` markup in it."""
    if not value:
        return None
    m = re.match(r"^\s*<seg>(.*)</seg>\s*$", value, re.S)
    if m:
        from ..inline import xml_to_text

        value = xml_to_text(m.group(1))
    return clean_text(value) or None


def _tuv_lang(tuv) -> str | None:
    # TMX 1.4 says xml:lang; 1.1 said lang; files of either age mix them.
    lang = tuv.get(XML_LANG)
    return lang if lang is not None else tuv.get("lang")


def _prop(el) -> list[str]:
    p = [el.get("type", ""), el.text or ""]
    lang = el.get(XML_LANG) or el.get("lang")
    if lang:
        p.append(lang)
    return p


def _tuv_extra(tuv) -> dict:
    if len(tuv) == 1 and len(tuv.attrib) == 1:  # the common case: xml:lang and a <seg>
        return {}
    extra = {
        "attrs": {k: v for k, v in tuv.attrib.items() if k in TUV_ATTRS},
        "props": [_prop(p) for p in tuv if _local(p.tag) == "prop"],
        "notes": [n.text or "" for n in tuv if _local(n.tag) == "note"],
    }
    return {k: v for k, v in extra.items() if v}


def _seg(tuv, name: str) -> tuple[str, list[dict]]:
    seg = next((c for c in tuv if _local(c.tag) == "seg"), None)
    if seg is None:
        raise FormatError(f"{name}:{tuv.sourceline}: <tuv> without <seg>")
    return seg_content(seg, f"{name}:{seg.sourceline}")


def seg_content(seg, where: str = "<seg>") -> tuple[str, list[dict]]:
    """The text of a ``<seg>`` element with inline markers, and the codes they stand for."""
    from lxml import etree

    parts = [clean_text(seg.text or "")]
    codes: list[dict] = []

    def walk(el) -> None:
        tag = _local(el.tag)
        if tag in INLINE_CODES or tag in ("hi", "sub"):
            if len(codes) + 2 > MAX_INLINE_CODES:
                raise FormatError(f"{where}: more than {MAX_INLINE_CODES:,} inline tags in one segment; refused")
        if tag in INLINE_CODES:
            parts.append(marker(len(codes)))
            codes.append({"tag": tag, "attrs": dict(el.attrib), "xml": _inner_xml(el, etree)})
        elif tag == "hi" or tag == "sub":
            parts.append(marker(len(codes)))
            codes.append({"tag": "hi", "attrs": {k: v for k, v in el.attrib.items() if k in ("x", "type")}})
            parts.append(clean_text(el.text or ""))
            for child in el:
                walk(child)
            parts.append(marker(len(codes)))
            codes.append({"tag": "/hi"})
        elif tag:  # an element TMX does not define: keep its words, drop the tag
            parts.append(clean_text(el.text or ""))
            for child in el:
                walk(child)
        parts.append(clean_text(el.tail or ""))

    for child in seg:
        walk(child)
    return "".join(parts), codes


def _inner_xml(el, etree) -> str:
    inner = escape_text(el.text or "")
    for child in el:
        inner += etree.tostring(child, encoding="unicode", with_tail=True)
    return inner


def parse_seg_xml(fragment: str, where: str) -> tuple[str, list[dict]]:
    """Parse TMX ``<seg>`` content given as a string (the ``*_tmx`` fields of our JSONL)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        seg = etree.fromstring(f"<seg>{fragment}</seg>", parser)
    except etree.XMLSyntaxError as e:
        msg = line_column(e.msg or "")
        if "XML_PARSE_HUGE" in msg:
            raise FormatError(f"{where}: inline markup nested more than {XML_MAX_DEPTH} deep or "
                              "too long; refused") from None
        raise FormatError(f"{where}: inline markup is not well-formed XML: {msg}") from None
    return seg_content(seg, where)


# -- writing -----------------------------------------------------------------------------


def write_tmx(out: TextIO, units: Iterable[TranslationUnit], *, src_lang: str, version: str) -> int:
    """Write ``units`` as a TMX 1.4b document (valid against the DTD); returns how many."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n')
    out.write('<tmx version="1.4">\n')
    out.write(
        f'  <header creationtool="tmtool" creationtoolversion="{escape_attr(version)}" '
        f'segtype="sentence" o-tmf="tmtool" adminlang="en" srclang="{escape_attr(src_lang)}" '
        'datatype="plaintext"/>\n  <body>\n'
    )
    n = 0
    for unit in units:
        out.write(tu_xml(unit, src_lang))
        n += 1
    out.write("  </body>\n</tmx>\n")
    return n


def tu_xml(u: TranslationUnit, srclang: str) -> str:
    """One ``<tu>``: its dates and ids, the imported props and notes, our fields as x- props."""
    tmx = u.props.get("tmx", {}) if isinstance(u.props, dict) else {}
    codes = u.props.get("codes", {}) if isinstance(u.props, dict) else {}
    attrs = {k: v for k, v in tmx.get("tu", {}).items() if k in TU_ATTRS}
    # Our id, unique in the file; the tuid the unit came with travels as a prop.
    attrs["tuid"] = str(u.id)
    if attrs.get("segtype") not in SEGTYPES:
        attrs.pop("segtype", None)
    for key, value in (
        ("creationdate", iso_to_tmx_date(u.created_at)), ("creationid", u.author),
        ("changedate", iso_to_tmx_date(u.updated_at)),
    ):
        if value:
            attrs[key] = value
    if u.src_lang != srclang:
        attrs["srclang"] = u.src_lang
    else:
        attrs.pop("srclang", None)
    lines = [f"    <tu{_attrs(attrs)}>\n"]
    lines += [f"      <note>{escape_text(n)}</note>\n" for n in tmx.get("notes", [])]
    lines += [_prop_xml(p, "      ") for p in tmx.get("props", [])]
    own = ((PROP_ORIGIN, u.origin), (PROP_STATUS, u.status), (PROP_MODEL, u.model),
           (PROP_PREV, u.prev_source), (PROP_NEXT, u.next_source), (PROP_TUID, u.props.get("tuid")))
    lines += [_prop_xml([t, v], "      ") for t, v in own if v]
    lines.append(_tuv_xml(u.src_lang, u.source, codes.get("source"), tmx.get("src", {})))
    lines.append(_tuv_xml(u.tgt_lang, u.target, codes.get("target"), tmx.get("tgt", {})))
    lines.append("    </tu>\n")
    return "".join(lines)


def _tuv_xml(lang: str, text: str, codes, extra: dict) -> str:
    attrs = {"xml:lang": lang}
    attrs.update({k: v for k, v in extra.get("attrs", {}).items() if k in TUV_ATTRS})
    inner = "".join(f"        <note>{escape_text(n)}</note>\n" for n in extra.get("notes", []))
    inner += "".join(_prop_xml(p, "        ") for p in extra.get("props", []))
    return f"      <tuv{_attrs(attrs)}>\n{inner}        <seg>{segment_xml(text, codes)}</seg>\n      </tuv>\n"


def _prop_xml(p: list[str], indent: str) -> str:
    lang = f' xml:lang="{escape_attr(p[2])}"' if len(p) > 2 and p[2] else ""
    return f'{indent}<prop type="{escape_attr(p[0] or "x-untyped")}"{lang}>{escape_text(p[1])}</prop>\n'


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{escape_attr(str(v))}"' for k, v in attrs.items())
