"""XLIFF 1.0-1.2 and SDLXLIFF: the units to translate, and the same file with targets filled.

Read: each ``<trans-unit>`` (in any ``<group>`` depth), its ``<seg-source>`` segments
(``<mrk mtype="seg">``) when it has them, else the whole ``<source>`` (tmtool's segmenter may
split it). Left alone, and counted: ``translate="no"`` (on the unit or a group above it),
``approved="yes"``, locked units (memoQ ``mq:locked``), targets already translated (words in
them, a state other than ``new`` or ``needs-translation``, not a copy of the source), and Trados
segments that are locked or confirmed (``sdl:seg`` ``locked``/``conf``).

Written (XLIFF 1.2 section 2.6 "state" and 2.4.7 "alt-trans"): the target with the source's
inline codes, ``state`` ``needs-review-translation`` for machine output and fuzzy matches,
``translated`` for a memory match a person made, ``final`` for an approved one, with a
``state-qualifier`` (``leveraged-mt``, ``exact-match``, ``fuzzy-match``, ``leveraged-tm``, or
``x-tmtool-codes-placed`` when a code's place is a guess); an ``<alt-trans>`` with
``match-quality`` and ``origin`` for the memory's fuzzy match. Trados' ``sdl:seg`` gets
``conf="Draft"`` and its ``origin``. Everything else is written back as it was read.
"""

from __future__ import annotations

from .catrecords import CatSegment, Fill
from .codes import has_words
from ..inline import strip_markers
from .xlf import XLIFF12, local, raw_of, read_inline, splice, write_inline

SDL = "http://sdl.com/FileTypes/SdlXliff/1.0"
_OPEN_STATES = ("new", "needs-translation", "")
_SDL_STATUS = {"ApprovedTranslation": "approved", "ApprovedSignOff": "approved", "Draft": "draft",
               "Translated": "draft", "RejectedTranslation": "rejected", "RejectedSignOff": "rejected"}
_SDL_DONE = ("Translated", "ApprovedTranslation", "ApprovedSignOff")


class Xliff12Document:
    """An XLIFF 1.x or SDLXLIFF file being pre-translated (see the module docstring)."""

    format = "xliff 1.2"

    def __init__(self, data: bytes, tree, name: str):
        self.name, self.tree, self.data = name, tree, data
        self.raw = raw_of(data, tree)
        root = tree.getroot()
        self.version = root.get("version", "1.2")
        self.format = f"xliff {self.version}" + (" (sdlxliff)" if SDL in (root.nsmap or {}).values() else "")
        self.ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        self.src_lang: str | None = None
        self.tgt_lang: str | None = None
        self.segments: list[CatSegment] = []
        self.skipped: dict[str, int] = {}
        self._units: dict[int, dict] = {}  # id(trans-unit) -> what its target is built from
        for file_el in (e for e in root if local(e.tag) == "file"):
            self.src_lang = self.src_lang or file_el.get("source-language")
            self.tgt_lang = self.tgt_lang or file_el.get("target-language")
            for tu in file_el.iter("{*}trans-unit", "trans-unit"):
                self._read_unit(tu)

    # -- reading ---------------------------------------------------------------------------

    def _skip(self, why: str, n: int = 1) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + n

    def _read_unit(self, tu) -> None:
        where = f"{self.name}:{tu.sourceline}"
        if _no_translate(tu):
            return self._skip('marked translate="no"')
        if tu.get("approved") == "yes":
            return self._skip("approved")
        if any(local(k) == "locked" and v in ("locked", "true", "yes") for k, v in tu.attrib.items()):
            return self._skip("locked")  # memoQ's mq:locked, and its likes
        source = _child(tu, "source")
        if source is None:
            return self._skip("without a source")
        target = _child(tu, "target")
        seg_source = _child(tu, "seg-source")
        marks = [m for m in seg_source.iter("{*}mrk", "mrk") if m.get("mtype") == "seg"] if seg_source is not None else []
        unit = {"tu": tu, "source": source, "seg_source": seg_source, "marks": marks, "fills": {}}
        if not marks:
            content = read_inline(source, XLIFF12, where)
            if not has_words(content.text):
                return self._skip("with nothing to translate")
            if self._done(target, content.text, tu):
                return self._skip("already translated")
            self._units[id(tu)] = unit
            self.segments.append(CatSegment(tu.get("id", ""), content, where, segmented=False,
                                            handle=(id(tu), None)))
            return
        targets = {m.get("mid"): m for m in (target.iter("{*}mrk", "mrk") if target is not None else [])
                   if m.get("mtype") == "seg"}
        sdl = _sdl_segs(tu)
        for mrk in marks:
            mid = mrk.get("mid")
            content = read_inline(mrk, XLIFF12, f"{self.name}:{mrk.sourceline}")
            info = sdl.get(mid)
            if info is not None and info.get("locked") == "true":
                self._skip("locked")
                continue
            if not has_words(content.text):
                self._skip("with nothing to translate")
                continue
            done_sdl = info is not None and info.get("conf") in _SDL_DONE
            if (done_sdl or info is None) and self._done(targets.get(mid), content.text, tu):
                self._skip("already translated")
                continue
            self._units[id(tu)] = unit
            self.segments.append(CatSegment(f"{tu.get('id', '')}#{mid}", content,
                                            f"{self.name}:{mrk.sourceline}", handle=(id(tu), mid)))

    def _done(self, target, source_text: str, tu) -> bool:
        """True if ``target`` holds a translation tmtool must keep."""
        if target is None:
            return False
        text = read_inline(target, XLIFF12, self.name).text
        if not has_words(text):
            return False
        state = (_child(tu, "target").get("state") if _child(tu, "target") is not None else None) or ""
        if state in _OPEN_STATES[:2]:
            return False
        # Okapi, XLIFF Manager and others copy the source into an untranslated target.
        return " ".join(strip_markers(text).split()) != " ".join(strip_markers(source_text).split())

    def pairs(self):
        """Every translated segment as ``(line, source, target, status, unit id)`` for
        ``tm import``: state final/signed-off, ``approved="yes"`` or a Trados approved
        confirmation is ``approved``; a Trados rejection ``rejected``; any other target with
        words ``draft``. Untranslated ones are counted in ``skipped``."""
        for file_el in (e for e in self.tree.getroot() if local(e.tag) == "file"):
            for tu in file_el.iter("{*}trans-unit", "trans-unit"):
                yield from self._pairs(tu)

    def _pairs(self, tu):
        source, target = _child(tu, "source"), _child(tu, "target")
        if source is None or target is None:
            return self._skip("without a target")
        state = target.get("state", "")
        base = "approved" if tu.get("approved") == "yes" or state in ("final", "signed-off") else "draft"
        seg_source = _child(tu, "seg-source")
        marks = [m for m in seg_source.iter("{*}mrk", "mrk") if m.get("mtype") == "seg"] if seg_source is not None else []
        if not marks:
            if state in ("new", "needs-translation"):
                return self._skip("not translated")
            yield tu.sourceline, read_inline(source, XLIFF12, self.name), read_inline(target, XLIFF12, self.name), \
                base, tu.get("id", "")
            return
        targets = {m.get("mid"): m for m in target.iter("{*}mrk", "mrk") if m.get("mtype") == "seg"}
        sdl = _sdl_segs(tu)
        for mrk in marks:
            t = targets.get(mrk.get("mid"))
            if t is None:
                self._skip("without a target")
                continue
            conf = sdl[mrk.get("mid")].get("conf") if mrk.get("mid") in sdl else None
            status = _SDL_STATUS.get(conf or "", base)
            yield mrk.sourceline, read_inline(mrk, XLIFF12, self.name), read_inline(t, XLIFF12, self.name), \
                status, f"{tu.get('id', '')}#{mrk.get('mid')}"

    def tool(self) -> dict:
        """The tool and date the file names (``<file tool= date=>``, ``<header><tool>``)."""
        for file_el in (e for e in self.tree.getroot() if local(e.tag) == "file"):
            header = _child(file_el, "header")
            tool = _child(header, "tool") if header is not None else None
            out = {"tool": file_el.get("tool-id") or file_el.get("tool")
                   or (" ".join(filter(None, (tool.get("tool-name"), tool.get("tool-version")))) if tool is not None else None),
                   "date": file_el.get("date"), "original": file_el.get("original")}
            return {k: v for k, v in out.items() if v}
        return {}

    # -- writing ---------------------------------------------------------------------------

    def fill(self, segment: CatSegment, fill: Fill) -> None:
        key, mid = segment.handle
        self._units[key]["fills"][mid] = (segment.content, fill)

    def to_bytes(self) -> bytes:
        changed = []
        for unit in self._units.values():
            if unit["fills"]:
                self._write_unit(unit)
                changed.append(unit["tu"])
        return splice(self.data, self.raw, self.tree, "trans-unit", changed)

    def _write_unit(self, unit: dict) -> None:
        from lxml import etree

        tu, fills = unit["tu"], unit["fills"]
        target = _child(tu, "target")
        if target is None:
            after = unit["seg_source"] if unit["seg_source"] is not None else unit["source"]
            target = etree.Element(_q(tu, "target"))
            target.tail = after.tail
            after.addnext(target)
        if None in fills:
            content, fill = fills[None]
            write_inline(target, fill.text, content)
        else:
            self._write_marks(unit, target, fills)
        chosen = [f for _, f in fills.values()]
        state, qualifier = _state(chosen)
        target.set("state", state)
        target.set("state-qualifier", qualifier)
        if self.tgt_lang and target.get("{http://www.w3.org/XML/1998/namespace}lang") is None \
                and unit["source"].get("{http://www.w3.org/XML/1998/namespace}lang") is not None:
            target.set("{http://www.w3.org/XML/1998/namespace}lang", self.tgt_lang)
        self._write_alts(tu, target, fills)
        self._write_sdl(tu, fills)

    def _write_marks(self, unit: dict, target, fills: dict) -> None:
        """A segmented target: the seg-source's structure, each filled segment's text in its
        ``mrk``, segments not filled now kept as the target had them."""
        import copy

        old = {m.get("mid"): m for m in target.iter("{*}mrk", "mrk") if m.get("mtype") == "seg"}
        fresh = copy.deepcopy(unit["seg_source"])
        for mrk in [m for m in fresh.iter("{*}mrk", "mrk") if m.get("mtype") == "seg"]:
            mid = mrk.get("mid")
            if mid in fills:
                content, fill = fills[mid]
                # The element copies of the codes are this segment's, read from seg-source.
                write_inline(mrk, fill.text, content)
            elif mid in old:
                kept = copy.deepcopy(old[mid])
                kept.tail = mrk.tail
                mrk.getparent().replace(mrk, kept)
            else:
                for child in list(mrk):
                    mrk.remove(child)
                mrk.text = None  # untranslated: empty, as Trados writes it
        for child in list(target):
            target.remove(child)
        target.text = fresh.text
        for child in list(fresh):
            target.append(child)

    def _write_alts(self, tu, target, fills: dict) -> None:
        from lxml import etree

        anchor = target
        for mid, (content, fill) in fills.items():
            for alt in fill.alts:
                el = etree.Element(_q(tu, "alt-trans"))
                el.set("match-quality", str(alt.score))
                el.set("origin", alt.origin)
                if mid is not None:
                    el.set("mid", mid)
                src = etree.SubElement(el, _q(tu, "source"))
                src.text = alt.source
                tgt = etree.SubElement(el, _q(tu, "target"))
                write_inline(tgt, alt.target, content)
                el.tail = target.tail
                anchor.addnext(el)
                anchor = el

    def _write_sdl(self, tu, fills: dict) -> None:
        segs = _sdl_segs(tu)
        for mid, (_, fill) in fills.items():
            seg = segs.get(mid)
            if seg is None:
                continue
            seg.set("conf", "Draft" if fill.needs_review else "Translated")
            seg.set("origin", "mt" if fill.how == "mt" else "tm" if fill.how != "copy" else "source")
            if fill.score is not None and fill.how != "mt":
                seg.set("percent", str(min(fill.score, 100)))


def _state(fills: list[Fill]) -> tuple[str, str]:
    """The unit's XLIFF 1.2 state and state-qualifier: its least finished segment's."""
    if any(f.cut for f in fills):  # the model stopped mid-sentence (issue 14)
        return "needs-review-translation", "x-tmtool-cut-short"
    if any(f.guessed for f in fills):
        return "needs-review-translation", "x-tmtool-codes-placed"
    if any(f.how == "mt" for f in fills):
        return "needs-review-translation", "leveraged-mt"
    if any(f.how == "fuzzy" for f in fills):
        return "needs-review-translation", "fuzzy-match"
    if any(f.needs_review for f in fills):
        return "needs-review-translation", "leveraged-tm"
    if all(f.status == "approved" for f in fills if f.how != "copy"):
        return "final", "exact-match"
    return "translated", "exact-match"


def _no_translate(tu) -> bool:
    el = tu
    while el is not None and local(el.tag) in ("trans-unit", "group"):
        if el.get("translate") == "no":
            return True
        if el.get("translate") == "yes":
            return False
        el = el.getparent()
    return False


def _child(el, name: str):
    return next((c for c in el if local(c.tag) == name), None)


def _q(el, name: str) -> str:
    return el.tag[: el.tag.index("}") + 1] + name if el.tag.startswith("{") else name


def _sdl_segs(tu) -> dict:
    defs = next((c for c in tu if local(c.tag) == "seg-defs"), None)
    return {s.get("id"): s for s in defs if local(s.tag) == "seg"} if defs is not None else {}
