"""XLIFF 2.x: the segments to translate, and the same file with targets filled.

Read: each ``<segment>`` of each ``<unit>`` (in any ``<group>`` depth); ``<ignorable>`` is not
text. Left alone, and counted: ``translate="no"`` (on the unit, a group or the file),
``state="final"``, and targets that already hold a translation (words that are not a copy of
the source). Inline codes: ``<pc>`` and ``<mrk>`` enclose text; ``<ph/>``, ``<sc/>``/``<ec/>``,
``<sm/>``/``<em/>`` are codes (:mod:`.codes`).

Written (XLIFF 2.0 section 4.3.1.28 "state"): the target after the source, the segment's
``state`` (``initial`` for machine output and fuzzy matches, ``translated`` for a memory match
a person made, ``final`` for an approved one) and ``subState`` (``tmtool:mt``, ``tmtool:fuzzy``,
``tmtool:tm``, ``tmtool:codes-placed``); the memory's fuzzy match as a Translation Candidates
module ``<mtc:match>`` (section 5.2) when the segment has an id to refer to. A file without
``trgLang`` gets the target language.
"""

from __future__ import annotations

from .catrecords import CatSegment, Fill
from .codes import has_words
from ..inline import strip_markers
from .xlf import XLIFF2, local, raw_of, read_inline, serialize, splice, write_inline

MTC = "urn:oasis:names:tc:xliff:matches:2.0"


class Xliff2Document:
    """An XLIFF 2.x file being pre-translated (see the module docstring)."""

    def __init__(self, data: bytes, tree, name: str, tgt_lang: str | None = None):
        self.name, self.tree, self.data = name, tree, data
        self.raw = raw_of(data, tree)
        root = tree.getroot()
        self.format = f"xliff {root.get('version', '2.0')}"
        self.src_lang, self.tgt_lang = root.get("srcLang"), root.get("trgLang")
        self.segments: list[CatSegment] = []
        self.skipped: dict[str, int] = {}
        self._fills: dict[int, tuple] = {}  # id(segment element) -> (segment, content, fill)
        self._root_changed = False
        for unit in root.iter("{*}unit", "unit"):
            self._read_unit(unit)

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def _read_unit(self, unit) -> None:
        if _no_translate(unit):
            return self._skip('marked translate="no"')
        for seg in (c for c in unit if local(c.tag) == "segment"):
            source = _child(seg, "source")
            if source is None:
                self._skip("without a source")
                continue
            where = f"{self.name}:{source.sourceline}"
            content = read_inline(source, XLIFF2, where)
            if seg.get("state") == "final":
                self._skip("final")
                continue
            if not has_words(content.text):
                self._skip("with nothing to translate")
                continue
            target = _child(seg, "target")
            if target is not None:
                text = read_inline(target, XLIFF2, where).text
                if has_words(text) and _words(text) != _words(content.text):
                    self._skip("already translated")
                    continue
            ident = f"{unit.get('id', '')}#{seg.get('id', '')}" if seg.get("id") else unit.get("id", "")
            # One segment for the whole unit, resegmentable: tmtool's segmenter may split it.
            whole = unit.get("canResegment", _inherited(unit, "canResegment")) != "no" and \
                sum(local(c.tag) == "segment" for c in unit) == 1
            self.segments.append(CatSegment(ident, content, where, segmented=not whole, handle=(unit, seg)))

    def pairs(self):
        """Every segment with a target for ``tm import``: ``final`` (and ``reviewed``) is
        approved, ``translated`` or ``initial`` with words draft."""
        for unit in self.tree.getroot().iter("{*}unit", "unit"):
            for seg in (c for c in unit if local(c.tag) == "segment"):
                source, target = _child(seg, "source"), _child(seg, "target")
                if source is None or target is None:
                    self._skip("without a target")
                    continue
                state = seg.get("state", "initial")
                status = "approved" if state in ("final", "reviewed") else "draft"
                ident = f"{unit.get('id', '')}#{seg.get('id')}" if seg.get("id") else unit.get("id", "")
                yield (source.sourceline, read_inline(source, XLIFF2, self.name),
                       read_inline(target, XLIFF2, self.name), status, ident)

    def tool(self) -> dict:
        file_el = next((c for c in self.tree.getroot() if local(c.tag) == "file"), None)
        return {"original": file_el.get("original")} if file_el is not None and file_el.get("original") else {}

    def fill(self, segment: CatSegment, fill: Fill) -> None:
        unit, seg = segment.handle
        self._fills[id(seg)] = (unit, seg, segment.content, fill)

    def to_bytes(self) -> bytes:
        changed: dict[int, object] = {}
        for unit, seg, content, fill in self._fills.values():
            self._write(unit, seg, content, fill)
            changed[id(unit)] = unit
        if self._root_changed:
            return serialize(self.tree, self.raw)
        return splice(self.data, self.raw, self.tree, "unit", list(changed.values()))

    def _write(self, unit, seg, content, fill: Fill) -> None:
        from lxml import etree

        ns = seg.tag[: seg.tag.index("}") + 1] if seg.tag.startswith("{") else ""
        root = self.tree.getroot()
        if not root.get("trgLang"):
            root.set("trgLang", self.target_language or "en")
            self._root_changed = True
        target = _child(seg, "target")
        if target is None:
            source = _child(seg, "source")
            target = etree.Element(ns + "target")
            target.tail = source.tail
            source.addnext(target)
            if source.get("{http://www.w3.org/XML/1998/namespace}space"):
                target.set("{http://www.w3.org/XML/1998/namespace}space",
                           source.get("{http://www.w3.org/XML/1998/namespace}space"))
        write_inline(target, fill.text, content)
        state, sub = _state(fill)
        seg.set("state", state)
        seg.set("subState", sub)
        if fill.alts and seg.get("id"):
            self._write_matches(unit, seg, content, fill, ns)

    target_language: str | None = None

    def _write_matches(self, unit, seg, content, fill: Fill, ns: str) -> None:
        from lxml import etree

        matches = next((c for c in unit if c.tag == f"{{{MTC}}}matches"), None)
        if matches is None:
            matches = etree.Element(f"{{{MTC}}}matches", nsmap={"mtc": MTC})
            first = unit[0] if len(unit) else None
            matches.tail = (unit.text or "") if first is not None else None
            unit.insert(0, matches)
        for alt in fill.alts:
            m = etree.SubElement(matches, f"{{{MTC}}}match", ref=f"#{seg.get('id')}",
                                 matchQuality=f"{min(alt.score, 100):.1f}", origin=alt.origin, type="tm")
            src = etree.SubElement(m, ns + "source")
            src.text = alt.source
            tgt = etree.SubElement(m, ns + "target")
            write_inline(tgt, alt.target, content)


def _state(fill: Fill) -> tuple[str, str]:
    """The segment's state and subState."""
    if fill.cut:  # the model stopped mid-sentence (issue 14)
        return "initial", "tmtool:cut-short"
    if fill.guessed:
        return "initial", "tmtool:codes-placed"
    if fill.how == "mt":
        return "initial", "tmtool:mt"
    if fill.how == "fuzzy":
        return "initial", "tmtool:fuzzy"
    if fill.needs_review:
        return "initial", "tmtool:tm"
    if fill.status == "approved":
        return "final", "tmtool:tm"
    return "translated", "tmtool:tm" if fill.how != "copy" else "tmtool:copy"


def _no_translate(unit) -> bool:
    el = unit
    while el is not None and local(el.tag) in ("unit", "group", "file"):
        value = el.get("translate")
        if value in ("no", "yes"):
            return value == "no"
        el = el.getparent()
    return False


def _inherited(el, attr: str) -> str | None:
    el = el.getparent()
    while el is not None and local(el.tag) in ("group", "file"):
        if el.get(attr):
            return el.get(attr)
        el = el.getparent()
    return None


def _child(el, name: str):
    return next((c for c in el if local(c.tag) == name), None)


def _words(text: str) -> str:
    return " ".join(strip_markers(text).split())
