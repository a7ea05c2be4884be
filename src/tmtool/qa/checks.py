"""The QA checks of one pair (issue 17): what Okapi CheckMate checks, fitted to Indonesian ->
English. Each check is a function ``(pair) -> list[Finding]``; :data:`CHECKS` lists them by
name. Consistency across the memory and terminology need more than the pair: ``run.py`` and
``glossary_check.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..inline import MARK_BASE, display_text, xml_to_text
from ..memory.records import Finding
from . import numbers

ERROR, WARNING = "error", "warning"

_MARKS = re.compile("[\U000F0000-\U000FFFFD]")
_PLACEHOLDER = re.compile(
    r"\{\d+\}|\{[A-Za-z_]\w*\}|\$\{\w+\}|%(?:\d+\$)?[-+ 0#]?\d*(?:\.\d+)?[sdifxXeEgGcu]|%\w+%"
    r"|</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>"
)
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>\"'“”‘’]+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
#: Function words that only Indonesian has: two or more of them (and more than English ones)
#: in a target mean the model left it, or part of it, in Indonesian.
ID_WORDS = frozenset(
    "yang dan di ke dari dengan untuk pada dalam ini itu adalah akan tidak juga oleh telah sudah "
    "bahwa atau karena sebagai mereka kami kita saya ia dia tersebut para lebih bisa dapat harus "
    "antara kedua serta secara belum masih bagi atas namun tetapi hanya sangat kepada seperti "
    "sejak saat setelah sebelum hingga agar supaya apa siapa mengapa kapan ada tak pun lagi perlu".split())
EN_WORDS = frozenset(
    "the of and to in a is that for on with as was by at are be this from it an has have will his "
    "her their its which were not also said been or between who after about than more into".split())
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("“", "”"), ("‘", "’"), ("«", "»"))
#: Length ratio (target / source characters) outside this range is an outlier. English runs
#: about as long as Indonesian (0.8-1.3 on the example article and on ANTARA's own English).
LENGTH_RANGE = (0.5, 2.0)
LENGTH_MIN_SOURCE = 30


@dataclass
class PairText:
    """What a check looks at: source and target text (inline codes as marker characters) and
    the codes behind the markers."""

    source: str
    target: str | None
    codes: dict = field(default_factory=dict)  # {"source": [...], "target": [...]}
    index: int | None = None
    tu_id: int | None = None

    def finding(self, check: str, severity: str, message: str, *spans: tuple[str, int, int]) -> Finding:
        return Finding(check, severity, message,
                       tuple({"side": s, "start": a, "end": b} for s, a, b in spans), self.index, self.tu_id)


def _lower_words(text: str) -> list[str]:
    # Only words written in lower case: "Dan" or "Para" starting a name is not Indonesian.
    return [w for w in _WORD.findall(text) if w.islower()]


#: An Indonesian derived word: a prefix (me-, ber-, di-, ter-, pe-, per-, ke- and their nasal
#: forms) and a suffix (-kan, -an, -nya) around a stem: meningkatkan, perdagangan, kelancaran.
#: English has few such words (pedestrian), and they only count together with function words.
ID_DERIVED = re.compile(r"^(?:me|mem|men|meng|meny|ber|be|di|ter|pe|pem|pen|peng|peny|per|ke)[a-z]{3,}(?:kan|nya|an)$")


def looks_indonesian(text: str) -> tuple[int, int]:
    """(Indonesian words: function words and derived words, English function words) in ``text``."""
    words = _lower_words(text)
    id_words = sum(w in ID_WORDS or bool(ID_DERIVED.match(w)) for w in words)
    return id_words, sum(w in EN_WORDS for w in words)


def check_empty(p: PairText) -> list[Finding]:
    if p.target is None:
        return [p.finding("empty", ERROR, "no translation yet", ("source", 0, len(p.source)))]
    if not p.target.strip() and p.source.strip():
        return [p.finding("empty", ERROR, "the target is empty", ("target", 0, len(p.target)))]
    return []


def check_identical(p: PairText) -> list[Finding]:
    # Names, credits and figures stay as they are ("Editor: Atman Ahdiat"); a sentence with
    # Indonesian function words copied over is not translated.
    if p.target and " ".join(p.target.split()) == " ".join(p.source.split()) and looks_indonesian(p.source)[0]:
        return [p.finding("identical", WARNING, "the target is the source, untranslated",
                          ("target", 0, len(p.target)))]
    return []


def check_untranslated(p: PairText) -> list[Finding]:
    if not p.target or " ".join(p.target.split()) == " ".join(p.source.split()):
        return []  # empty and identical have their own checks
    id_hits, en_hits = looks_indonesian(p.target)
    if id_hits >= 3 and id_hits > en_hits:
        spans = [("target", m.start(), m.end()) for m in _WORD.finditer(p.target)
                 if m.group() in ID_WORDS or ID_DERIVED.match(m.group())]
        return [p.finding("untranslated", ERROR, f"the target is still Indonesian ({id_hits} Indonesian "
                          f"words, {en_hits} English function words)", *spans[:10])]
    return []


def check_length(p: PairText) -> list[Finding]:
    src, tgt = _without_codes(p.source), _without_codes(p.target or "")
    if len(src) < LENGTH_MIN_SOURCE or not tgt:
        return []
    ratio = len(tgt) / len(src)
    low, high = LENGTH_RANGE
    if ratio < low or ratio > high:
        how = "short" if ratio < low else "long"
        return [p.finding("length", WARNING, f"the target is {ratio:.2f} times as long as the source "
                          f"(expected {low}-{high}): too {how}?", ("target", 0, len(p.target or "")))]
    return []


def _blank_codes(text: str) -> str:
    """``text`` with placeholders, inline codes, URLs and e-mails blanked out (offsets kept):
    the digits of ``{1}`` or of a URL are not figures of the sentence."""
    for pattern in (_MARKS, _PLACEHOLDER, _URL, _EMAIL):
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


def _without_codes(text: str) -> str:
    return " ".join(_PLACEHOLDER.sub("", _MARKS.sub("", text)).split())


def check_numbers(p: PairText) -> list[Finding]:
    if not p.target:
        return []
    return [p.finding("numbers", ERROR, x.message, (x.side, x.start, x.end))
            for x in numbers.compare(_blank_codes(p.source), _blank_codes(p.target))]


def _codes(text: str, codes: list[dict]) -> list[tuple[str, int, int, str]]:
    """The inline codes and placeholders of ``text``: (identity, start, end, as shown). An
    inline code is identified by its element and native code (``<bpt>`` + ``<b>``), since
    each side numbers its own codes."""
    out = []
    for m in _MARKS.finditer(text):
        k = ord(m.group()) - MARK_BASE
        code = codes[k] if 0 <= k < len(codes) else {}
        native = xml_to_text(code.get("xml", ""))
        label = display_text(m.group(), codes) + (f" ({native})" if native else "")
        out.append((f"<{code.get('tag', '?')}>{code.get('xml', '')}", m.start(), m.end(), label))
    for m in _PLACEHOLDER.finditer(text):
        out.append((m.group(), m.start(), m.end(), m.group()))
    return sorted(out, key=lambda c: c[1])


def check_tags(p: PairText) -> list[Finding]:
    if not p.target:
        return []
    src = _codes(p.source, p.codes.get("source") or [])
    tgt = _codes(p.target, p.codes.get("target") or [])
    if not src and not tgt:
        return []
    out = []
    missing = Counter(c[0] for c in src) - Counter(c[0] for c in tgt)
    extra = Counter(c[0] for c in tgt) - Counter(c[0] for c in src)
    for ident in missing:
        first = next(c for c in src if c[0] == ident)
        out.append(p.finding("tags", ERROR, f"tag or placeholder {first[3]} is missing in the target",
                             ("source", first[1], first[2])))
    for ident in extra:
        first = next(c for c in tgt if c[0] == ident)
        out.append(p.finding("tags", ERROR, f"tag or placeholder {first[3]} is not in the source",
                             ("target", first[1], first[2])))
    if not out and [c[0] for c in src] != [c[0] for c in tgt]:
        out.append(p.finding("tags", WARNING, "the tags and placeholders are in another order than "
                             "in the source", *(("target", c[1], c[2]) for c in tgt)))
    return out


def _unbalanced(text: str) -> list[tuple[str, int]]:
    """Brackets and quotes of ``text`` without their partner: (character, offset)."""
    out = []
    for open_, close in _PAIRS:
        stack = []
        for i, ch in enumerate(text):
            if ch == open_:
                stack.append(i)
            elif ch == close:
                if stack:
                    stack.pop()
                elif not (close == "’" and i and text[i - 1].isalpha()):  # it’s, an apostrophe
                    out.append((ch, i))
        out += [(open_, i) for i in stack]
    quotes = [i for i, ch in enumerate(text) if ch == '"']
    if len(quotes) % 2:
        out.append(('"', quotes[-1]))
    return out


def check_brackets(p: PairText) -> list[Finding]:
    if not p.target or _unbalanced(p.source):
        return []  # a source that is itself unbalanced (a cut quotation) cannot be held against
    return [p.finding("brackets", WARNING, f"{ch} has no partner in the target", ("target", i, i + 1))
            for ch, i in _unbalanced(p.target)]


def check_spaces(p: PairText) -> list[Finding]:
    if not p.target or not p.target.strip():
        return []
    out, t, s = [], p.target, p.source
    lead_t, lead_s = len(t) - len(t.lstrip()), len(s) - len(s.lstrip())
    if lead_t != lead_s:
        out.append(p.finding("spaces", WARNING, "leading spaces differ from the source", ("target", 0, lead_t)))
    trail_t, trail_s = len(t) - len(t.rstrip()), len(s) - len(s.rstrip())
    if trail_t != trail_s:
        out.append(p.finding("spaces", WARNING, "trailing spaces differ from the source",
                             ("target", len(t.rstrip()), len(t))))
    if "  " not in s:
        for m in re.finditer(r"(?<=\S) {2,}(?=\S)", t):
            out.append(p.finding("spaces", WARNING, "double space", ("target", m.start(), m.end())))
    for m in re.finditer(r"(?<=\w) +(?=[,.;:!?](?:\s|$))", t):
        out.append(p.finding("spaces", WARNING, "space before punctuation", ("target", m.start(), m.end())))
    return out


_REPEAT_OK = frozenset({"had", "that", "is"})  # "had had", "that that", "is is" can be right


def check_repeated(p: PairText) -> list[Finding]:
    if not p.target:
        return []
    out = []
    words = list(_WORD.finditer(p.target))
    for a, b in zip(words, words[1:]):
        gap = p.target[a.end():b.start()]
        if a.group().lower() == b.group().lower() and gap.strip() == "" and a.group().lower() not in _REPEAT_OK:
            out.append(p.finding("repeated", WARNING, f"repeated word: {a.group()} {b.group()}",
                                 ("target", a.start(), b.end())))
    return out


def _links(text: str) -> list[re.Match]:
    found = list(_URL.finditer(text)) + list(_EMAIL.finditer(text))
    return [m for m in found if not any(o is not m and o.start() <= m.start() < o.end() for o in found)]


def check_urls(p: PairText) -> list[Finding]:
    if not p.target:
        return []
    clean = lambda m: m.group().rstrip(".,;:!?)")  # noqa: E731 - a sentence's full stop is not the URL's
    src = Counter(clean(m) for m in _links(p.source))
    tgt = Counter(clean(m) for m in _links(p.target))
    out = []
    for m in _links(p.source):
        if clean(m) in src - tgt:
            out.append(p.finding("urls", ERROR, f"{clean(m)} is not in the target (URLs and e-mail "
                                 "addresses are copied as they are)", ("source", m.start(), m.start() + len(clean(m)))))
    for m in _links(p.target):
        if clean(m) in tgt - src:
            out.append(p.finding("urls", WARNING, f"{clean(m)} is not in the source",
                                 ("target", m.start(), m.start() + len(clean(m)))))
    return out


#: The checks of one pair, by name, in the order they run.
CHECKS: dict[str, Callable[[PairText], list[Finding]]] = {
    "empty": check_empty,
    "identical": check_identical,
    "untranslated": check_untranslated,
    "length": check_length,
    "numbers": check_numbers,
    "tags": check_tags,
    "brackets": check_brackets,
    "spaces": check_spaces,
    "repeated": check_repeated,
    "urls": check_urls,
}
#: Every check name, the ones that need the glossary or the whole memory included.
ALL_CHECKS = (*CHECKS, "terminology", "consistency")
