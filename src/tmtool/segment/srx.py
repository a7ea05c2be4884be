"""SRX 2.0 segmentation rules: read them, run them, and write the built-in rules as SRX.

SRX (the LISA Segmentation Rules eXchange format that OmegaT and Okapi read) is an ordered list
of ``<rule break="yes|no">`` elements, each a ``<beforebreak>`` and an ``<afterbreak>`` regex. At a
position, the first rule whose before-pattern ends there and whose after-pattern starts there
decides; with no such rule there is no break. Language maps choose the rules for a language.

Limits of this engine, so that it stays linear: rules are applied to one line at a time, and a
before-pattern must match within the last ``WINDOW`` (100) characters of the line before the
position. Patterns are written for ICU/Java; the common differences (``\\p{Lu}``, ``\\x{...}``,
``\\Q...\\E``, ``\\h``, ``(?<name>``) are translated to Python's ``re``.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from ..errors import SegmentationError
from .abbrev import Abbreviations
from .rules import WINDOW, Rule, srx_rules

MAX_SRX_BYTES = 10 * 1024 * 1024  # a rules file, not a corpus
LANGUAGE = "id"
SRX_NS = "http://www.lisa.org/srx20"
HSPACE = " \\t\\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000"


class CompiledRule:
    """A rule with its patterns compiled for this engine."""

    __slots__ = ("after", "before", "brk", "candidates")

    def __init__(self, rule: Rule, where: str) -> None:
        self.brk = rule.brk
        try:
            before, after = icu_to_python(rule.before), icu_to_python(rule.after)
            self.before = re.compile("(?:" + before + r")\Z")
            self.after = re.compile(after)
            # Where a break rule can fire: its before-pattern followed by its after-pattern.
            self.candidates = re.compile("(?:" + before + ")(?=" + after + ")") if rule.brk else None
        except re.error as exc:
            raise SegmentationError(f"{where}: bad regular expression ({exc})") from None
        except SegmentationError as exc:
            raise SegmentationError(f"{where}: {exc}") from None


class SrxSplitter:
    """Finds the breaks inside one line with SRX rules (first matching rule wins)."""

    def __init__(self, rules: Sequence[Rule], extra: Sequence[tuple[str, str]] = ()) -> None:
        if extra:
            rules = [*extra_abbreviation_rules(extra), *rules]
        self.rules = [CompiledRule(r, f"rule {i + 1}") for i, r in enumerate(rules)]

    def breaks(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        """Yield ``(end_of_sentence, start_of_next)`` for the stripped line ``text[start:end]``."""
        line = text[start:end]
        positions: set[int] = set()
        for rule in self.rules:
            if rule.candidates is not None:
                positions.update(m.end() for m in rule.candidates.finditer(line))
        last = 0
        for p in sorted(positions):
            if p <= last or p >= len(line) or not self._breaks_at(line, p):
                continue
            stop, nxt = p, p  # segments exclude the space around a break
            while stop > last and line[stop - 1].isspace():
                stop -= 1
            while nxt < len(line) and line[nxt].isspace():
                nxt += 1
            if stop > last and nxt < len(line):
                yield start + stop, start + nxt
                last = nxt

    def _breaks_at(self, line: str, p: int) -> bool:
        lo = max(0, p - WINDOW)
        for rule in self.rules:
            if rule.after.match(line, p) and rule.before.search(line, lo, p):
                return rule.brk
        return False


def extra_abbreviation_rules(entries: Sequence[tuple[str, str]]) -> list[Rule]:
    """Rules for user abbreviations, put before the rules of an SRX file."""
    class_rules = {"r7", "r8", "r9", "r10", "r11", "r12"}  # the abbreviation-class rules of srx_rules
    return [r for r in srx_rules(Abbreviations().extended(entries)) if r.comment.split(":")[0] in class_rules]


def read_srx(path: str | Path, language: str = LANGUAGE) -> list[Rule]:
    """The rules an SRX 1.0/2.0 file gives ``language``, in order. Raises SegmentationError."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise SegmentationError(f"{name}: no such SRX file") from None
    except OSError as exc:
        raise SegmentationError(f"{name}: cannot read SRX file ({exc.strerror})") from None
    if len(data) > MAX_SRX_BYTES:
        raise SegmentationError(f"{name}: SRX file larger than {MAX_SRX_BYTES // 2**20} MiB")
    return parse_srx(data, name, language)


def parse_srx(data: bytes | str, name: str = "<srx>", language: str = LANGUAGE) -> list[Rule]:
    """Parse SRX text and select the rules for ``language`` through its language maps."""
    root = _safe_xml(data.encode("utf-8") if isinstance(data, str) else data, name)
    if _local(root.tag) != "srx":
        raise SegmentationError(f"{name}: not an SRX file (root element <{_local(root.tag)}>)")
    header = next((e for e in root if _local(e.tag) == "header"), None)
    cascade = header is not None and header.get("cascade", "no").lower() == "yes"
    languagerules = {
        e.get("languagerulename", ""): e for e in root.iter() if _local(e.tag) == "languagerule"
    }
    rules: list[Rule] = []
    matched = False
    for lmap in (e for e in root.iter() if _local(e.tag) == "languagemap"):
        pattern, rulename = lmap.get("languagepattern", ""), lmap.get("languagerulename", "")
        try:
            hit = re.fullmatch(icu_to_python(pattern), language) is not None
        except (re.error, SegmentationError) as exc:
            raise SegmentationError(f"{name}: bad languagepattern {pattern!r} ({exc})") from None
        if not hit:
            continue
        if rulename not in languagerules:
            raise SegmentationError(f"{name}: languagemap names unknown languagerule {rulename!r}")
        rules += _rules_of(languagerules[rulename], name)
        matched = True
        if not cascade:
            break
    if not matched:
        raise SegmentationError(f"{name}: no languagemap matches language {language!r}")
    for i, rule in enumerate(rules):
        CompiledRule(rule, f"{name}: rule {i + 1}")  # report bad patterns now, with the file name
    return rules


def _rules_of(languagerule: ET.Element, name: str) -> list[Rule]:
    rules = []
    for e in languagerule:
        if _local(e.tag) != "rule":
            continue
        brk = e.get("break", "yes").lower()
        if brk not in ("yes", "no"):
            raise SegmentationError(f"{name}: rule break={brk!r} (expected yes or no)")
        parts = {_local(c.tag): c.text or "" for c in e}
        rules.append(Rule(brk == "yes", parts.get("beforebreak", ""), parts.get("afterbreak", "")))
    return rules


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _safe_xml(data: bytes, name: str) -> ET.Element:
    """Parse XML without DTDs or entities (no expansion, no network): translate-toolkit's rule."""
    checker = expat.ParserCreate()

    def refuse(*_args: object) -> None:
        raise SegmentationError(f"{name}: DTDs and entity declarations are not allowed in SRX files")

    checker.StartDoctypeDeclHandler = refuse
    checker.EntityDeclHandler = refuse
    try:
        checker.Parse(data, True)
        return ET.fromstring(data)
    except (expat.ExpatError, ET.ParseError) as exc:
        raise SegmentationError(f"{name}: not well-formed XML ({exc})") from None


def write_srx(rules: Sequence[Rule], rulename: str = "Indonesian (tmtool)") -> str:
    """SRX 2.0 XML text with one language rule for Indonesian (``id``, and the old code ``in``)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Written by tmtool (the segment command, option dump-srx). Rules apply to one line at a time;",
        f"     a beforebreak pattern sees at most the last {WINDOW} characters of the line. -->",
        f'<srx xmlns="{SRX_NS}" version="2.0">',
        '  <header segmentsubflows="yes" cascade="no">',
        '    <formathandle type="start" include="no"/>',
        '    <formathandle type="end" include="yes"/>',
        '    <formathandle type="isolated" include="no"/>',
        "  </header>",
        "  <body>",
        "    <languagerules>",
        f"      <languagerule languagerulename={quoteattr(rulename)}>",
    ]
    for rule in rules:
        if rule.comment:
            out.append(f"        <!-- {rule.comment.replace('--', '- -')} -->")
        out += [
            f'        <rule break="{"yes" if rule.brk else "no"}">',
            f"          <beforebreak>{escape(rule.before)}</beforebreak>",
            f"          <afterbreak>{escape(rule.after)}</afterbreak>",
            "        </rule>",
        ]
    out += [
        "      </languagerule>",
        "    </languagerules>",
        "    <maprules>",
        f'      <languagemap languagepattern="(?:[Ii][DdNn])(?:[-_].*)?" languagerulename={quoteattr(rulename)}/>',
        "    </maprules>",
        "  </body>",
        "</srx>",
    ]
    return "\n".join(out) + "\n"


def builtin_rules_srx(abbreviations: Abbreviations | None = None) -> str:
    """The built-in Indonesian rules (with the given abbreviations) as SRX 2.0 text."""
    return write_srx(srx_rules(abbreviations))


# --- ICU/Java regex syntax to Python's re ---------------------------------------------------------

_ICU_TOKEN = re.compile(
    r"\\([pP])(?:\{\^?([A-Za-z_ =&]+)\}|([A-Z]))"  # \p{Lu}, \P{L}, \pL
    r"|\\x\{([0-9A-Fa-f]{1,6})\}"  # \x{20AC}
    r"|\\Q(.*?)(?:\\E|$)"  # \Q...\E
    r"|\\([hHz])"  # \h, \H, \z
    r"|\(\?<([A-Za-z][A-Za-z0-9]*)>"  # (?<name>
    r"|(\\.)"  # any other escape, kept as it is
    r"|(\[)|(\])",  # class brackets, to know whether we are inside one
    re.DOTALL,
)


def icu_to_python(pattern: str) -> str:
    """Translate the ICU/Java regex constructs Python lacks; raise SegmentationError if impossible."""
    out: list[str] = []
    depth = 0  # inside a character class when > 0
    pos = 0
    for m in _ICU_TOKEN.finditer(pattern):
        out.append(pattern[pos : m.start()])
        pos = m.end()
        p, prop, short, hexa, quoted, hz, group, esc, lb, rb = m.groups()
        if p:
            ranges = _category_ranges(prop or short)
            negate = (p == "P") != bool(prop and m.group(0).startswith("\\" + p + "{^"))
            if depth:
                if negate:
                    raise SegmentationError(f"cannot translate {m.group(0)!r} inside a character class")
                out.append(ranges)
            else:
                out.append(("[^" if negate else "[") + ranges + "]")
        elif hexa:
            out.append(re.escape(chr(int(hexa, 16))))
        elif quoted is not None:
            out.append(re.escape(quoted))
        elif hz == "h":
            out.append(HSPACE if depth else "[" + HSPACE + "]")
        elif hz == "H":
            out.append("[^" + HSPACE + "]")
        elif hz == "z":
            out.append(r"\Z")
        elif group:
            out.append(f"(?P<{group}>")
        elif esc:
            out.append(esc)
        elif lb:
            depth += 1
            out.append(lb)
        elif rb:
            depth = max(0, depth - 1)
            out.append(rb)
    out.append(pattern[pos:])
    result = "".join(out)
    if sys.version_info < (3, 11) and re.search(r"[*+?}]\+|\(\?>", result):
        raise SegmentationError("possessive quantifiers and atomic groups need Python 3.11")
    return result


_PROPERTY_ALIASES = {
    "L": "L", "Letter": "L", "Lu": "Lu", "Ll": "Ll", "Lt": "Lt", "Lm": "Lm", "Lo": "Lo",
    "IsAlphabetic": "L", "Alpha": "L", "IsLetter": "L", "IsUppercase": "Lu", "Upper": "Lu",
    "IsLowercase": "Ll", "Lower": "Ll", "N": "N", "Nd": "Nd", "IsDigit": "Nd", "Digit": "Nd",
    "P": "P", "Punct": "P", "IsPunctuation": "P", "Z": "Z", "Zs": "Zs", "S": "S", "M": "M", "Mn": "Mn",
    "Pe": "Pe", "Ps": "Ps", "Pi": "Pi", "Pf": "Pf", "Po": "Po", "Pd": "Pd", "Sc": "Sc", "Sm": "Sm",
}


@cache
def _category_ranges(name: str) -> str:
    """The body of a character class for a Unicode general category (all planes)."""
    category = _PROPERTY_ALIASES.get(name.replace("general_category=", "").replace("gc=", ""))
    if category is None:
        raise SegmentationError(f"unsupported Unicode property \\p{{{name}}}")
    parts, run_start, prev = [], -1, -2
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)).startswith(category):
            if cp != prev + 1:
                if run_start >= 0:
                    parts.append(_range(run_start, prev))
                run_start = cp
            prev = cp
    if run_start >= 0:
        parts.append(_range(run_start, prev))
    return "".join(parts)


def _range(a: int, b: int) -> str:
    def esc(cp: int) -> str:
        return f"\\U{cp:08x}"

    return esc(a) if a == b else f"{esc(a)}-{esc(b)}"
