"""gettext PO: the entries to translate, and the same file with their ``msgstr`` filled.

Our own line-level reader and writer rather than translate-toolkit's or polib's: both rebuild
the whole file when they save it (re-wrapping strings at 77-79 columns, reordering comments),
and translate-toolkit 3.20 cannot read a non-UTF-8 PO with 8-bit text (the KBabel sample in
tests/data/xliff). Here every line of the file is kept byte for byte except the ``msgstr``
lines of the entries filled and their ``#,`` flags line; the file's charset (its header's
``Content-Type``) and its line ends are kept.

Read: every live entry (obsolete ``#~`` entries and the header are left alone) whose msgstr is
empty, with its ``msgctxt`` as its id; a plural entry gives two sources (``msgid`` for
``msgstr[0]``, ``msgid_plural`` for the others, as many as the header's ``nplurals``).
Placeholders (printf ``%s``/``%(name)s``/``%1$d``, ``{name}``, markup such as ``<x1/>`` or
``<b>``) are inline codes: the model never sees them and they come back in the target.
Written: machine output, fuzzy matches and MT reused from the memory are marked ``#, fuzzy``
(gettext's "needs review"); a memory match a person made is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import FormatError, InputError
from .checks import MAX_SEGMENT_CHARS
from .catrecords import CatSegment, Fill
from .codes import has_words
from ..inline import MARK_BASE, _MARKS, clean_text, escape_text
from .xlf import MAX_FILE_BYTES, Content

_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*)$")
_STRING = re.compile(r'^\s*"(.*)"\s*$')
_CHARSET = re.compile(rb"charset=([A-Za-z0-9._:-]+)")
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")
_PLACEHOLDER = re.compile(
    r"%(?:\(\w+\))?(?:\d+\$)?[-+#0]*\d*(?:\.\d+)?(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGcrsa%@]"
    r"|\{[\w.\[\]]*(?::[^{}]*)?\}"
    r"|</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>"
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


@dataclass
class _Entry:
    first: int  # index of its first line
    obsolete: bool = False
    flags_line: int | None = None
    prev_line: int | None = None  # first "#|" line
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # keyword -> (first, last) line
    values: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


class PoDocument:
    """A PO file being pre-translated (see the module docstring)."""

    format = "po"

    def __init__(self, data: bytes, name: str, encoding: str | None = None):
        self.name, self.data = name, data
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"{name}: {len(data):,} bytes, over the limit of {MAX_FILE_BYTES // 2**20} MB "
                             "for a file to translate; refused")
        self.bom = data.startswith(b"\xef\xbb\xbf")
        self.encoding = "utf-8" if self.bom else (encoding or _charset(data))
        try:
            text = data[3 if self.bom else 0:].decode(self.encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise FormatError(f"{name}: not in the charset its header declares ({self.encoding}): {e}; "
                              "pass --encoding if you know the file's encoding") from None
        if "\x00" in text:
            raise InputError(f"{name}: a binary file, not PO")
        self.lines = text.splitlines(keepends=True)
        self.eol = "\r\n" if self.lines and self.lines[0].endswith("\r\n") else "\n"
        self.entries = self._parse()
        header = next((e for e in self.entries if e.values.get("msgid") == "" and "msgctxt" not in e.values), None)
        head = header.values.get("msgstr", "") if header else ""
        m = _NPLURALS.search(head)
        self.nplurals = int(m.group(1)) if m else None
        lang = re.search(r"^Language:\s*(\S+)", head, re.M)
        self.src_lang, self.tgt_lang = None, lang.group(1) if lang else None
        self.segments: list[CatSegment] = []
        self.skipped: dict[str, int] = {}
        self._fills: dict[int, dict] = {}
        for e in self.entries:
            self._read(e, header)

    # -- reading ---------------------------------------------------------------------------

    def _parse(self) -> list[_Entry]:
        entries: list[_Entry] = []
        cur: _Entry | None = None
        key = None
        for i, line in enumerate(self.lines):
            s = line.rstrip("\r\n")
            if len(s) > MAX_SEGMENT_CHARS:
                raise FormatError(f"{self.name}:{i + 1}: a line of {len(s):,} characters, over the limit "
                                  f"of {MAX_SEGMENT_CHARS:,}; refused")
            stripped = s.strip()
            if not stripped:  # a blank line ends an entry (and nothing else)
                if cur is not None and (cur.blocks or cur.obsolete):
                    cur = None
                key = None
                continue
            if stripped.startswith("#"):
                obsolete = stripped.startswith("#~")
                if cur is None or cur.blocks or (cur.obsolete and not obsolete):
                    cur = _Entry(i)
                    entries.append(cur)
                if obsolete:
                    cur.obsolete = True
                elif stripped.startswith("#,"):
                    cur.flags_line = i
                    cur.flags += [f.strip() for f in stripped[2:].split(",") if f.strip()]
                elif stripped.startswith("#|") and cur.prev_line is None:
                    cur.prev_line = i
                key = None
                continue
            m = _KEYWORD.match(stripped)
            if m:
                word = m.group(1)
                if cur is None or cur.obsolete or word in cur.blocks or _starts_entry(word, cur.blocks):
                    cur = _Entry(i)
                    entries.append(cur)
                key = word
                cur.blocks[key] = (i, i)
                cur.values[key] = self._string(m.group(3), i)
                continue
            if _STRING.match(s) and cur is not None and key is not None:
                first, _ = cur.blocks[key]
                cur.blocks[key] = (first, i)
                cur.values[key] += self._string(stripped, i)
                continue
            raise FormatError(f"{self.name}:{i + 1}: not PO syntax: {s[:60]!r}")
        return entries

    def _string(self, quoted: str, i: int) -> str:
        m = _STRING.match(quoted)
        if not m:
            raise FormatError(f"{self.name}:{i + 1}: a PO string must be in double quotes")
        return unescape(m.group(1))

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def _read(self, e: _Entry, header) -> None:
        if e is header or e.obsolete or "msgid" not in e.blocks:
            return
        strs = [v for k, v in e.values.items() if k.startswith("msgstr")]
        if any(s.strip() for s in strs):
            return self._skip("fuzzy (kept for review)" if "fuzzy" in e.flags else "already translated")
        where = f"{self.name}:{e.blocks['msgid'][0] + 1}"
        ident = (e.values.get("msgctxt", "") + "\x04" if "msgctxt" in e.values else "") + e.values["msgid"]
        sources = [("singular", e.values["msgid"])]
        if "msgid_plural" in e.values:
            sources.append(("plural", e.values["msgid_plural"]))
        if not any(has_words(s) for _, s in sources):
            return self._skip("with nothing to translate")
        for form, text in sources:
            self.segments.append(CatSegment(ident, po_content(text), where, segmented=False, handle=(e, form)))

    def pairs(self):
        """Every translated entry for ``tm import`` (fuzzy ones are not finished: skipped); a
        plural entry gives ``msgid``/``msgstr[0]`` and ``msgid_plural``/``msgstr[1]``."""
        for e in self.entries:
            if e.obsolete or "msgid" not in e.blocks or e.values.get("msgid") == "":
                continue
            if "fuzzy" in e.flags:
                self._skip("fuzzy")
                continue
            line = e.blocks["msgid"][0] + 1
            ident = e.values.get("msgctxt", "")
            pairs = [("msgid", "msgstr[0]" if "msgstr[0]" in e.values else "msgstr"),
                     ("msgid_plural", "msgstr[1]")]
            for src, tgt in pairs:
                if src in e.values and e.values.get(tgt, "").strip():
                    yield line, po_content(e.values[src]), po_content(e.values[tgt]), "draft", ident
                elif src in e.values:
                    self._skip("not translated")

    def tool(self) -> dict:
        head = next((e.values.get("msgstr", "") for e in self.entries if e.values.get("msgid") == ""), "")
        out = {}
        for key, field_ in (("tool", "X-Generator"), ("date", "PO-Revision-Date")):
            m = re.search(rf"^{field_}:\s*(.+)$", head, re.M)
            if m:
                out[key] = m.group(1).strip()
        return out

    # -- writing ---------------------------------------------------------------------------

    def fill(self, segment: CatSegment, fill: Fill) -> None:
        e, form = segment.handle
        self._fills.setdefault(id(e), {"entry": e})[form] = (segment.content, fill)

    def to_bytes(self) -> bytes:
        lines = list(self.lines)
        inserts: dict[int, list[str]] = {}  # line index -> lines to put before it
        for f in self._fills.values():
            self._write(f, lines, inserts)
        out = []
        for i, line in enumerate(lines):
            out += inserts.get(i, [])
            out.append(line)
        out += inserts.get(len(lines), [])
        text = "".join(out)
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode(self.encoding, errors="strict")

    def _write(self, f: dict, lines: list[str], inserts: dict[int, list[str]]) -> None:
        e: _Entry = f["entry"]
        single = f.get("singular")
        plural = f.get("plural")
        texts = []
        if "msgid_plural" in e.blocks:
            n = self.nplurals or max(2, sum(k.startswith("msgstr[") for k in e.blocks))
            one = _text(single) if single else ""
            many = _text(plural) if plural else one
            texts = [(f"msgstr[{k}]", one if k == 0 else many) for k in range(n)]
        else:
            texts = [("msgstr", _text(single))]
        if any(not _encodable(t, self.encoding) for _, t in texts):
            self._skip(f"with a translation the file's charset ({self.encoding}) cannot hold")
            return
        multi = e.blocks["msgid"][1] > e.blocks["msgid"][0]
        new = [line for key, t in texts for line in po_lines(key, t, multi, self.eol)]
        old = [k for k in e.blocks if k.startswith("msgstr")]
        if old:
            first = min(e.blocks[k][0] for k in old)
            last = max(e.blocks[k][1] for k in old)
            lines[first] = "".join(new)
            for i in range(first + 1, last + 1):
                lines[i] = ""
        else:  # msgid_plural without any msgstr (a damaged file): add them after the msgid(s)
            after = max(b[1] for b in e.blocks.values()) + 1
            inserts.setdefault(after, []).extend(new)
        fills = [x[1] for x in (single, plural) if x]
        if any(x.needs_review for x in fills) and "fuzzy" not in e.flags:
            self._flag_fuzzy(e, lines, inserts)

    def _flag_fuzzy(self, e: _Entry, lines: list[str], inserts: dict[int, list[str]]) -> None:
        if e.flags_line is not None:
            line = lines[e.flags_line]
            body = line.rstrip("\r\n")
            lines[e.flags_line] = body + ", fuzzy" + line[len(body):]
            return
        before = e.prev_line if e.prev_line is not None else min(b[0] for b in e.blocks.values())
        inserts.setdefault(before, []).append("#, fuzzy" + self.eol)


def _starts_entry(word: str, blocks: dict) -> bool:
    """True if keyword ``word`` cannot belong to an entry that already has ``blocks``."""
    if word == "msgctxt":
        return bool(blocks)
    if word == "msgid":
        return any(k != "msgctxt" for k in blocks)
    return False


def _text(item) -> str:
    content, fill = item
    return po_text(fill.text, content)


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def _charset(data: bytes) -> str:
    m = _CHARSET.search(data[:8192])
    name = m.group(1).decode("ascii").lower() if m else "utf-8"
    if name in ("charset", ""):  # the template's placeholder "charset=CHARSET"
        return "utf-8"
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def unescape(s: str) -> str:
    """A PO (C) string's content with its escapes resolved."""
    if "\\" not in s:
        return s
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), s)


def escape(s: str) -> str:
    return (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
            .replace("\r", "\\r"))


def po_lines(key: str, text: str, multi: bool, eol: str) -> list[str]:
    """``key "text"`` as PO lines: one line, or (``multi``, or a text with inner line breaks)
    ``key ""`` and one string per line of the text, as gettext writes them."""
    parts = text.splitlines(keepends=True)
    if not (multi or len(parts) > 1) or not text:
        return [f'{key} "{escape(text)}"{eol}']
    return [f'{key} ""{eol}'] + [f'"{escape(p)}"{eol}' for p in parts]


def po_content(text: str) -> Content:
    """A msgid with its placeholders as inline codes."""
    text = clean_text(text)
    parts, codes = [], []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        parts.append(text[pos : m.start()])
        parts.append(chr(MARK_BASE + len(codes)))
        codes.append({"tag": "ph", "attrs": {}, "xml": escape_text(m.group()), "kind": "empty", "xlf": m.group()})
        pos = m.end()
    parts.append(text[pos:])
    return Content("".join(parts), codes, [None] * len(codes), "po")


def po_text(text: str, content: Content) -> str:
    """A target with markers as PO text: each marker back to the placeholder it stands for."""
    def native(m: re.Match) -> str:
        k = ord(m.group()) - MARK_BASE
        return content.codes[k]["xlf"] if k < len(content.codes) else ""

    return _MARKS.sub(native, text)
