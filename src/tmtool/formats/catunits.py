"""XLIFF and PO files as translation units: ``tm import`` and ``tm export -f xliff|po`` (issue 18).

Import takes every translated segment of a CAT file (see each format's ``pairs``) as a unit of
origin ``imported``: the file's state becomes the status (XLIFF ``final``/``signed-off``,
``approved="yes"``, Trados ``ApprovedTranslation``/``ApprovedSignOff``, XLIFF 2 ``final`` and
``reviewed``: approved; Trados rejections: rejected; everything else: draft), the inline codes
become the memory's markers (set aside at the segment's edges, as ``translate`` looks them up),
neighbouring segments the context, and the file's tool, date, original and unit id go in the
unit's props (``props["file"]``). A file tmtool exported itself also gives back each unit's own
origin, status, model, author, dates and context (``tmtool:*`` attributes).

Export writes XLIFF 1.2 (valid against the OASIS transitional schema) with each unit's codes
as the XLIFF 1.2 elements they were read as (or ``bpt``/``ept``/``ph`` holding their native
code), or a PO file (one entry a unit, ``msgctxt`` its id; machine drafts and rejected units ``#, fuzzy``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TextIO

from ..errors import FormatError
from ..records import ORIGINS, STATUSES, TranslationUnit
from .checks import check_lang
from .codes import has_words, trim_edges
from ..inline import MARK_BASE, _MARKS, escape_attr, escape_text, native_text
from .xlf import MAX_FILE_BYTES

TMTOOL_NS = "urn:tmtool:xliff:1"
_OWN = ("origin", "status", "model", "author", "created", "updated", "prev", "next", "src-lang", "tgt-lang",
        "props")


@dataclass
class CatUnitReader:
    """Units of an XLIFF or PO file; yields ``(line, unit)``, counts what it skips."""

    stream: IO[bytes]
    name: str
    fmt: str
    src_lang: str | None = None
    tgt_lang: str | None = None
    encoding: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[int, TranslationUnit]]:
        from .catdoc import open_document
        from .tmx import primary_lang

        data = self.stream.read(MAX_FILE_BYTES + 1)
        doc = open_document(data, self.name, self.fmt, self.encoding)
        # A language the file names must be a language tag (issue 14: "!!" would be found by no lookup).
        check_lang(doc.src_lang, self.name, "the source language")
        check_lang(doc.tgt_lang, self.name, "the target language")
        self.src_lang = self.src_lang or (primary_lang(doc.src_lang) if doc.src_lang else "id")
        self.tgt_lang = self.tgt_lang or (primary_lang(doc.tgt_lang) if doc.tgt_lang else "en")
        file_props = {"format": doc.format, **doc.tool()}
        own = _own_units(doc)
        doc.skipped = {}  # what reading for pre-translation left out is not this count
        rows = []
        for line, source, target, status, ident in doc.pairs():
            if not has_words(target.text) or not has_words(source.text):
                self.skipped["not translated"] = self.skipped.get("not translated", 0) + 1
                continue
            rows.append((line, source, target, status, ident))
        trimmed = [(trim_edges(r[1].text, r[1].codes), trim_edges(r[2].text, r[2].codes)) for r in rows]
        for k, (line, source, target, status, ident) in enumerate(rows):
            mine = own.get(ident)
            if mine:  # a file tmtool exported: the unit exactly as the memory had it
                yield line, _own_unit(mine, source.text, target.text, self, f"{self.name}:{line}")
                continue
            src, tgt = trimmed[k]
            codes = {key: c for key, c in (("source", src.codes), ("target", tgt.codes)) if c}
            props: dict = {"file": {**file_props, "id": ident}}
            if codes:
                props["codes"] = codes
            yield line, TranslationUnit(
                id=None, source=src.body, target=tgt.body, src_lang=self.src_lang, tgt_lang=self.tgt_lang,
                origin="imported", status=status, props=props,
                prev_source=trimmed[k - 1][0].body if k else None,
                next_source=trimmed[k + 1][0].body if k + 1 < len(rows) else None,
            )
        for why, n in doc.skipped.items():
            self.skipped[why] = self.skipped.get(why, 0) + n


def _own_units(doc) -> dict[str, dict]:
    """tmtool's own fields of the units of a file tmtool exported (``tmtool:*`` attributes)."""
    tree = getattr(doc, "tree", None)
    if tree is None:
        return {}
    out = {}
    for tu in tree.getroot().iter("{*}trans-unit"):
        own = {k: tu.get(f"{{{TMTOOL_NS}}}{k}") for k in _OWN if tu.get(f"{{{TMTOOL_NS}}}{k}") is not None}
        if own:
            out[tu.get("id", "")] = own
    return out


def _own_unit(own: dict, source: str, target: str, reader, where: str) -> TranslationUnit:
    import json

    try:
        props = json.loads(own.get("props") or "{}")
    except ValueError:
        raise FormatError(f"{where}: the tmtool:props attribute is not JSON") from None
    check_lang(own.get("src-lang"), where, "tmtool:src-lang")
    check_lang(own.get("tgt-lang"), where, "tmtool:tgt-lang")
    unit = TranslationUnit(
        id=None, source=source, target=target, src_lang=own.get("src-lang") or reader.src_lang,
        tgt_lang=own.get("tgt-lang") or reader.tgt_lang, origin=own.get("origin", "imported"),
        status=own.get("status", "draft"), model=own.get("model"), author=own.get("author"),
        prev_source=own.get("prev"), next_source=own.get("next"), created_at=own.get("created"),
        updated_at=own.get("updated"), props=props if isinstance(props, dict) else {},
    )
    if unit.origin not in ORIGINS or unit.status not in STATUSES:
        raise FormatError(f"{where}: unknown origin or status {unit.origin!r}/{unit.status!r} "
                          "in the tmtool attributes")
    return unit


# -- export -----------------------------------------------------------------------------


def write_xliff(out: TextIO, units: Iterable[TranslationUnit], *, src_lang: str, tgt_lang: str,
                version: str) -> int:
    """Write ``units`` as one XLIFF 1.2 file; returns how many. A memory of several source
    languages is ``mul`` in the header; each source and target says its own language."""
    src_lang = "mul" if src_lang == "*all*" else src_lang
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              f'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:tmtool="{TMTOOL_NS}">\n'
              f'  <file original="tmtool" source-language="{escape_attr(src_lang)}" '
              f'target-language="{escape_attr(tgt_lang)}" datatype="plaintext" tool-id="tmtool">\n'
              f'    <header><tool tool-id="tmtool" tool-name="tmtool" tool-version="{escape_attr(version)}"/></header>\n'
              "    <body>\n")
    n = 0
    for u in units:
        codes = u.props.get("codes", {}) if isinstance(u.props, dict) else {}
        own = {"origin": u.origin, "status": u.status, "model": u.model, "author": u.author,
               "created": u.created_at, "updated": u.updated_at, "prev": u.prev_source, "next": u.next_source,
               "src-lang": u.src_lang, "tgt-lang": u.tgt_lang,
               # Every prop, the codes included: the markup above is for other tools, this is
               # what gives tmtool the unit back exactly.
               "props": json.dumps(u.props, ensure_ascii=False) if u.props else None}
        attrs = "".join(f' tmtool:{k}="{escape_attr(v)}"' for k, v in own.items() if v)
        approved = ' approved="yes"' if u.status == "approved" else ""
        state = {"approved": "final", "rejected": "needs-review-translation"}.get(
            u.status, "needs-review-translation" if u.origin == "mt" else "translated")
        out.write(f'      <trans-unit id="{u.id}"{approved}{attrs}>\n'
                  f"        <source>{inline_xml(u.source, codes.get('source'))}</source>\n"
                  f'        <target state="{state}">{inline_xml(u.target, codes.get("target"))}</target>\n'
                  "      </trans-unit>\n")
        n += 1
    out.write("    </body>\n  </file>\n</xliff>\n")
    return n


def inline_xml(text: str, codes: list[dict] | None) -> str:
    """``text`` as XLIFF 1.2 content: each marker as the element it was read as (XLIFF 1.2
    codes), else as ``bpt``/``ept``/``ph`` holding the native code."""
    out, pos = [], 0
    codes = codes or []
    for m in _MARKS.finditer(text):
        out.append(escape_text(text[pos : m.start()]))
        pos = m.end()
        k = ord(m.group()) - MARK_BASE
        if k >= len(codes):
            continue  # a marker without its code: the words are kept
        out.append(_code_xml(codes[k], k))
    out.append(escape_text(text[pos:]))
    return "".join(out)


def _code_xml(code: dict, k: int) -> str:
    xlf = code.get("xlf", "")
    if code.get("v") == "1.2" and xlf and ":" not in xlf.split(">")[0].replace("xml:", ""):
        return xlf  # the element as the XLIFF 1.2 file had it (no foreign prefix to declare)
    kind = code.get("kind") or {"bpt": "open", "ept": "close"}.get(code.get("tag", ""), "empty")
    pair = code.get("pair") or (code.get("attrs") or {}).get("i") or str(k + 1)
    native = code.get("xml", "")
    if kind == "open":
        return f'<bpt id="{escape_attr(str(pair))}">{native}</bpt>'
    if kind == "close":
        return f'<ept id="{escape_attr(str(pair))}">{native}</ept>'
    return f'<ph id="{k + 1}">{native}</ph>'


def write_po(out: TextIO, units: Iterable[TranslationUnit], *, version: str) -> int:
    """Write ``units`` as a UTF-8 PO file; returns how many."""
    from .po import escape, po_lines

    out.write('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
              f'"X-Generator: tmtool {escape(version)}\\n"\n')
    n = 0
    for u in units:
        codes = u.props.get("codes", {}) if isinstance(u.props, dict) else {}
        out.write(f"\n#. tmtool: {u.origin}, {u.status}{f', {u.model}' if u.model else ''}\n")
        if u.status == "rejected" or (u.origin == "mt" and u.status != "approved"):
            out.write("#, fuzzy\n")
        out.write(f'msgctxt "tu:{u.id}"\n')
        source = native_text(u.source, codes.get("source"))
        target = native_text(u.target, codes.get("target"))
        out.writelines(po_lines("msgid", source, "\n" in source, "\n"))
        out.writelines(po_lines("msgstr", target, "\n" in source, "\n"))
        n += 1
    return n
