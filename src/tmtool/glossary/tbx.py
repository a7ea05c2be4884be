"""TBX termbases: a safe streaming reader (TBX v2 / ISO 30042:2008 and MARTIF, TBX v3 /
ISO 30042:2019 in DCA and DCT style) and a TBX v3 writer (TBX-Basic, DCA style).

The reader parses as the TMX reader does (``formats/tmx.py``, issue 5): lxml's ``iterparse``
with no entity resolution, no network, no DTD loading and libxml2's size limits, and a document
whose DOCTYPE declares entities is refused before the parser reads a byte (the shared prolog
check of ``formats/xmlsource.py``; the check on the parsed DOCTYPE stays as a second line). Real files' DOCTYPEs that
only name an external DTD (the LISA samples, KDE Lokalize) are fine: the DTD is never loaded.

It reads structure, not one dialect: an entry is a ``termEntry`` (v2) or ``conceptEntry``
(v3); its languages are ``langSet``/``langSec``; a term is a ``tig``, ``ntig`` or ``termSec``
holding a ``term``. Data categories come as ``termNote type="partOfSpeech"`` (DCA, v2) or as
elements named after them (``<min:partOfSpeech>``, DCT). Unknown elements (a tool's own) are
passed over; empty terms are left out and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TextIO

from ..errors import FormatError
from ..formats import MAX_SEGMENT_CHARS
from ..inline import escape_attr, escape_text
from ..formats.xmlsource import XmlSource, refuse_declared_entities, syntax_error
from ..memory.records import GlossaryEntry, GlossaryTerm

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ENTRY_TAGS = frozenset({"termEntry", "conceptEntry"})
LANG_TAGS = frozenset({"langSet", "langSec"})
TERM_TAGS = frozenset({"tig", "ntig", "termSec"})
#: Elements one entry may hold, and characters one term may have: beyond, the file is refused.
MAX_ENTRY_ELEMENTS = 20_000
MAX_TERM_CHARS = 10_000


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def term_status(value: str | None) -> str | None:
    """A TBX ``administrativeStatus``/``normativeAuthorization`` value as a stored status:
    ``preferredTerm-admn-sts`` and ``standardizedTerm`` -> preferred, and so on."""
    v = (value or "").strip().lower()
    for needle, status in (("prefer", "preferred"), ("standard", "preferred"), ("admit", "admitted"),
                           ("deprecat", "deprecated"), ("supersed", "superseded"),
                           ("forbid", "forbidden"), ("notrecommended", "forbidden"),
                           ("not recommended", "forbidden")):
        if needle in v:
            return status
    return None


@dataclass
class TbxReader:
    """The entries of one TBX file; iterating yields ``(line, GlossaryEntry)``, and afterwards
    ``skipped`` says what was left out and why."""

    stream: IO[bytes]
    name: str
    encoding: str | None = None  # overrides the XML declaration (a BOM still wins)
    skipped: dict[str, int] = field(default_factory=dict)
    root_lang: str | None = None

    def __iter__(self) -> Iterator[tuple[int, GlossaryEntry]]:
        from lxml import etree

        src = XmlSource(self.stream, self.name, check_declared=self.encoding is None,
                        encoding=self.encoding, what="TBX")
        context = etree.iterparse(
            src, events=("start", "end"), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
            encoding=self.encoding,
        )
        root, depth_in_entry, elements, line = None, 0, 0, 1
        try:
            for event, el in context:
                line = el.sourceline or line
                if root is None:
                    root = el
                    self._check_root(el)
                    continue
                tag = _local(el.tag)
                if event == "start":
                    if tag in ENTRY_TAGS:
                        depth_in_entry, elements = depth_in_entry + 1, 0
                    elif depth_in_entry:
                        elements += 1
                        if elements > MAX_ENTRY_ELEMENTS:
                            raise FormatError(f"{self.name}:{line}: an entry with more than "
                                              f"{MAX_ENTRY_ELEMENTS:,} elements; refused")
                    continue
                if tag in ENTRY_TAGS:
                    depth_in_entry -= 1
                    entry = self._entry(el)
                    if entry is not None:
                        yield el.sourceline or line, entry
                    el.clear(keep_tail=False)  # memory stays flat over a big termbase
                    parent = el.getparent()
                    while parent is not None and el.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as e:
            if src.blank:
                raise FormatError(f"{self.name}: empty file, not TBX") from None
            raise syntax_error(self.name, e, context, src, line) from None
        if root is None:
            raise FormatError(f"{self.name}: empty file, not TBX")
        if src.lies_about_encoding():
            raise FormatError(
                f"{self.name}: declares encoding {src.declared} but its bytes are UTF-8; fix the "
                "declaration or pass --encoding utf-8"
            )

    def _check_root(self, el) -> None:
        refuse_declared_entities(el.getroottree().docinfo, self.name, "TBX", el.sourceline)
        if _local(el.tag) not in ("martif", "tbx"):
            raise FormatError(f"{self.name}:{el.sourceline}: root element is <{_local(el.tag)}>, "
                              "not <martif> (TBX v2) or <tbx> (TBX v3)")
        self.root_lang = el.get(XML_LANG)

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def _entry(self, el) -> GlossaryEntry | None:
        from lxml import etree

        for ref in el.iter(etree.Entity):
            raise FormatError(f"{self.name}:{ref.sourceline or el.sourceline}: the entity reference "
                              f"{ref.text} is not defined (tmtool loads no DTD); refused")
        terms: list[GlossaryTerm] = []
        definition = _category(el, "definition", stop=LANG_TAGS)
        for lang_el in (c for c in el if _local(c.tag) in LANG_TAGS):
            lang = lang_el.get(XML_LANG)
            if not lang:
                self._skip("langSet without xml:lang")
                continue
            definition = definition or _category(lang_el, "definition", stop=TERM_TAGS)
            for term_el in (c for c in lang_el if _local(c.tag) in TERM_TAGS):
                term = self._term(term_el, lang)
                if term is not None:
                    terms.append(term)
        if not terms:
            self._skip("without a term")
            return None
        return GlossaryEntry(
            tuple(terms), concept=el.get("id"), subject=_category(el, "subjectField", stop=LANG_TAGS),
            definition=definition, note=_notes(el),
        )

    def _term(self, el, lang: str) -> GlossaryTerm | None:
        term_el = next((d for d in el.iter() if _local(d.tag) == "term"), None)
        text = " ".join("".join(term_el.itertext()).split()) if term_el is not None else ""
        if not text:
            self._skip("empty term")
            return None
        if len(text) > MAX_TERM_CHARS:
            raise FormatError(f"{self.name}:{term_el.sourceline}: a term of {len(text):,} characters "
                              f"(at most {MAX_TERM_CHARS:,}); refused")
        status = _category(el, "administrativeStatus") or _category(el, "normativeAuthorization")
        return GlossaryTerm(text, lang, pos=_category(el, "partOfSpeech"), status=term_status(status),
                            note=_notes(el))


def _category(el, name: str, stop: frozenset[str] = frozenset()) -> str | None:
    """The first value of data category ``name`` under ``el`` (not inside a ``stop`` element):
    ``<termNote|descrip|admin type="name">`` (DCA) or ``<ns:name>`` (DCT)."""
    for d in _walk(el, stop):
        tag = _local(d.tag)
        if (tag == name) or (tag in ("termNote", "descrip", "admin") and d.get("type") == name):
            text = " ".join("".join(d.itertext()).split())
            if text:
                return text[:MAX_SEGMENT_CHARS]
    return None


def _notes(el) -> str | None:
    """The ``note`` children of ``el`` (not those of its languages or terms), joined."""
    notes = [" ".join("".join(n.itertext()).split()) for n in el if _local(n.tag) == "note"]
    return "; ".join(n for n in notes if n) or None


def _walk(el, stop: frozenset[str]):
    for child in el:
        if not isinstance(child.tag, str):
            continue
        yield child
        if _local(child.tag) not in stop:
            yield from _walk(child, stop)


# -- writing -----------------------------------------------------------------------------

_NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")
_STATUS_OUT = {"preferred": "preferredTerm-admn-sts", "admitted": "admittedTerm-admn-sts",
               "deprecated": "deprecatedTerm-admn-sts", "superseded": "supersededTerm-admn-sts",
               # TBX-Basic has no "forbidden": deprecated is its word for a term not to use.
               "forbidden": "deprecatedTerm-admn-sts"}


def write_tbx(out: TextIO, entries: list[GlossaryEntry], src_lang: str = "id") -> int:
    """Write ``entries`` as TBX v3 (TBX-Basic, DCA style); how many were written."""
    w = out.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n')
    w(f'<tbx type="TBX-Basic" style="dca" xml:lang="{escape_attr(src_lang)}" '
      'xmlns="urn:iso:std:iso:30042:ed-2">\n')
    w("  <tbxHeader><fileDesc><sourceDesc><p>exported by tmtool</p></sourceDesc></fileDesc></tbxHeader>\n")
    w("  <text><body>\n")
    seen: set[str] = set()
    for n, e in enumerate(entries, 1):
        # Entry ids are XML IDs: unique and NCNames. Two files may both have a "c1".
        usable = e.concept and _NCNAME.match(e.concept) and e.concept not in seen
        concept = e.concept if usable else f"tmtool-{e.id or n}"
        seen.add(concept)
        w(f'    <conceptEntry id="{escape_attr(concept)}">\n')
        if e.subject:
            w(f'      <descrip type="subjectField">{escape_text(e.subject)}</descrip>\n')
        if e.definition:
            w(f'      <descrip type="definition">{escape_text(e.definition)}</descrip>\n')
        if e.note:
            w(f"      <note>{escape_text(e.note)}</note>\n")
        langs: list[str] = []
        for t in e.terms:
            if t.lang not in langs:
                langs.append(t.lang)
        for lang in langs:
            w(f'      <langSec xml:lang="{escape_attr(lang)}">\n')
            for t in (t for t in e.terms if t.lang == lang):
                w(f"        <termSec><term>{escape_text(t.text)}</term>")
                if t.pos:
                    w(f'<termNote type="partOfSpeech">{escape_text(t.pos)}</termNote>')
                if t.status:
                    w(f'<termNote type="administrativeStatus">{_STATUS_OUT[t.status]}</termNote>')
                if t.note:
                    w(f"<note>{escape_text(t.note)}</note>")
                w("</termSec>\n")
            w("      </langSec>\n")
        w("    </conceptEntry>\n")
    w("  </body></text>\n</tbx>\n")
    return len(entries)
