"""Numbers, dates, times and currencies of an Indonesian source against its English target.

Indonesian writes ``1.500.000,00`` (dot for thousands, comma for decimals), English
``1,500,000.00``; a figure is compared by value, not by spelling, and a target figure still
written the Indonesian way (``1.500.000`` or ``2,5`` in English) is an error of its own.
``15/9`` is a day and a month (ANTARA's convention, kept in English or written "September 15");
``9/15`` in the target is a changed date. ``pukul 19.00`` is a time (``19:00``, ``7 p.m.``).
``Rp`` must stay a rupiah amount (``Rp``, ``IDR``, ``rupiah``). Scale words are understood on
both sides (``1,5 juta`` = ``1.5 million`` = ``1,500,000``), and small numbers may be spelled out
(``2`` -> ``two``, ``dua`` -> ``2``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*(?![\d])")
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?![\d/])")
_ID_TIME = re.compile(r"(?<![\d.,])([01]?\d|2[0-3])[.:]([0-5]\d)(?![\d.,])")
_EN_TIME = re.compile(
    r"(?<![\d.,])(\d{1,2})(?:[:.]([0-5]\d))?\s*([ap])\.?\s?m\b\.?"  # 7 p.m., 7:30 am
    r"|(?<![\d.,])([01]?\d|2[0-3]):([0-5]\d)(?![\d])",  # 19:00
    re.IGNORECASE,
)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MONTH = "|".join(m.capitalize() for m in _MONTHS)
_EN_DATE = re.compile(  # September 15, 15 September, the 15th of September
    rf"\b(?:({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH}))\b"
)
_SCALES_ID = {"ribu": 10**3, "juta": 10**6, "miliar": 10**9, "milyar": 10**9, "triliun": 10**12}
_SCALES_EN = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_WORDS_EN = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_WORDS_EN.update({"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "first": 1, "second": 2, "third": 3,
                  "dozen": 12})
_WORDS_ID = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8,
             "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "pertama": 1, "kedua": 2,
             "ketiga": 3, "keempat": 4, "kelima": 5, "puluhan": None, "ratusan": None}
_RUPIAH_SRC = re.compile(r"\bRp\.?\s?\d|\brupiah\b", re.IGNORECASE)
_RUPIAH_TGT = re.compile(r"\bRp\.?|\bIDR\b|\brupiah", re.IGNORECASE)
_DOLLAR_SRC = re.compile(r"US\$|\bUSD\b|\bdolar\b", re.IGNORECASE)
_DOLLAR_TGT = re.compile(r"\$|\bUSD\b|\bdollars?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    """A number as written (``text`` at ``start:end``) and the values it may stand for."""

    text: str
    start: int
    end: int
    values: frozenset[Decimal]
    malformed: bool = False


@dataclass(frozen=True)
class Problem:
    """What the number check found: ``side`` source or target, the span, a message."""

    side: str
    start: int
    end: int
    message: str


def _dec(text: str) -> Decimal | None:
    try:
        return Decimal(text).normalize()
    except InvalidOperation:
        return None


def parse_id(text: str) -> tuple[set[Decimal], bool]:
    """Values of an Indonesian-written figure (``1.500.000,5``), and whether it is malformed."""
    if re.fullmatch(r"\d+", text):
        return {_dec(text)}, False
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", text):
        return {_dec(text.replace(".", "").replace(",", "."))}, False
    if re.fullmatch(r"\d+,\d+", text):
        values = {_dec(text.replace(",", "."))}
        if re.fullmatch(r"\d{1,3},\d{3}", text):
            values.add(_dec(text.replace(",", "")))  # an English-style thousand in the source
        return values, False
    if re.fullmatch(r"\d+\.\d+", text):
        return {_dec(text)}, False  # a decimal point (some Indonesian writers use it)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        return {_dec(text.replace(",", ""))}, False
    return set(), True


def parse_en(text: str) -> tuple[set[Decimal], bool]:
    """Values of an English-written figure (``1,500,000.5``); malformed if written otherwise."""
    if re.fullmatch(r"\d+", text):
        return {_dec(text)}, False
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        return {_dec(text.replace(",", ""))}, False
    if re.fullmatch(r"\d+\.\d+", text):
        return {_dec(text)}, False
    return set(), True


def figures(text: str, lang: str, skip: list[tuple[int, int]]) -> list[Figure]:
    """The figures of ``text`` outside the ``skip`` spans, with scale words applied."""
    scales = _SCALES_ID if lang == "id" else _SCALES_EN
    parse = parse_id if lang == "id" else parse_en
    out = []
    for m in _NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in skip):
            continue
        values, bad = parse(m.group())
        after = re.match(r"\s*(\w+)", text[m.end():])
        scale = scales.get(after.group(1).lower()) if after else None
        if scale:
            values |= {(v * scale).normalize() for v in values}
        out.append(Figure(m.group(), m.start(), m.end(), frozenset(v for v in values if v is not None), bad))
    return out


def _dates(text: str, english: bool) -> list[tuple[tuple[int, int], int, int]]:
    found = [((int(m.group(1)), int(m.group(2))), m.start(), m.end()) for m in _SLASH_DATE.finditer(text)]
    if english:
        for m in _EN_DATE.finditer(text):
            month = m.group(1) or m.group(4)
            day = m.group(2) or m.group(3)
            found.append(((int(day), _MONTHS.index(month.lower()) + 1), m.start(), m.end()))
    return found


def _times_id(text: str) -> list[tuple[tuple[int, int], int, int]]:
    return [((int(m.group(1)), int(m.group(2))), m.start(), m.end()) for m in _ID_TIME.finditer(text)
            if re.search(r"(?:pukul|jam)\s*$", text[:m.start()], re.IGNORECASE) or ":" in m.group()]


def _times_en(text: str) -> list[tuple[tuple[int, int], int, int]]:
    out = []
    for m in _EN_TIME.finditer(text):
        if m.group(3):
            hour, minute = int(m.group(1)) % 12, int(m.group(2) or 0)
            hour += 12 if m.group(3).lower() == "p" else 0
        else:
            hour, minute = int(m.group(4)), int(m.group(5))
        out.append(((hour, minute), m.start(), m.end()))
    return out


def compare(source: str, target: str) -> list[Problem]:
    """Every number, date, time and currency of ``source`` that ``target`` lost, changed or
    wrote the Indonesian way, and every figure ``target`` added."""
    problems: list[Problem] = []
    src_skip: list[tuple[int, int]] = []
    tgt_skip: list[tuple[int, int]] = []
    for kind, src_items, tgt_items in (("date", _dates(source, False), _dates(target, True)),
                                       ("time", _times_id(source), _times_en(target))):
        left = list(tgt_items)
        for value, s, e in src_items:
            src_skip.append((s, e))
            hit = next((t for t in left if t[0] == value), None)
            same = _kept(source[s:e], target, tgt_skip)
            if hit is None and same is not None:
                tgt_skip.append(same)  # written as in the source ("02.30 WIB" kept in English)
                continue
            if hit is None:
                problems.append(Problem("source", s, e, f"{kind} {source[s:e]} is not in the target"
                                        + _instead(target, left)))
            else:
                left.remove(hit)
                tgt_skip.append((hit[1], hit[2]))
        for value, s, e in left:
            if kind == "time" or target[s:e].count("/"):
                tgt_skip.append((s, e))
                problems.append(Problem("target", s, e, f"{kind} {target[s:e]} is not in the source"))
    problems += _figures(source, target, src_skip, tgt_skip)
    problems += _currencies(source, target)
    return problems


def _kept(text: str, target: str, skip: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Where ``text`` (a date or time as the source wrote it) stands in ``target`` as a whole
    figure, outside the spans already taken; None if it does not."""
    for m in re.finditer(rf"(?<![\d.,/]){re.escape(text)}(?![\d/]|[.,]\d)", target):
        if not any(s <= m.start() < e for s, e in skip):
            return m.start(), m.end()
    return None


def _instead(target: str, left: list) -> str:
    return f" (the target has {target[left[0][1]:left[0][2]]})" if left else ""


def _figures(source: str, target: str, src_skip, tgt_skip) -> list[Problem]:
    problems = []
    src = figures(source, "id", src_skip)
    tgt = figures(target, "en", tgt_skip)
    for f in (f for f in tgt if f.malformed):
        problems.append(Problem("target", f.start, f.end, f"{f.text} is written the Indonesian way; "
                                "English uses a comma for thousands and a point for decimals"))
    left = [f for f in tgt if not f.malformed]
    words_en = {Decimal(v) for w, v in _WORDS_EN.items() if re.search(rf"\b{w}\b", target, re.IGNORECASE)}
    for f in src:
        if f.malformed:
            continue
        hit = next((t for t in left if not t.values.isdisjoint(f.values)), None)
        if hit is not None:
            left.remove(hit)
        elif not f.values & words_en:
            problems.append(Problem("source", f.start, f.end, f"number {f.text} is not in the target"
                                    + (f" (the target has {left[0].text})" if left else "")))
    words_id = {Decimal(v) for w, v in _WORDS_ID.items() if v and re.search(rf"\b{w}\b", source, re.IGNORECASE)}
    for t in left:
        if not (t.values & words_id) and not any(t.text in f.text for f in src if f.malformed):
            problems.append(Problem("target", t.start, t.end, f"number {t.text} is not in the source"))
    return problems


def _currencies(source: str, target: str) -> list[Problem]:
    out = []
    for src_re, tgt_re, name in ((_RUPIAH_SRC, _RUPIAH_TGT, "rupiah (Rp)"), (_DOLLAR_SRC, _DOLLAR_TGT, "US dollar")):
        m = src_re.search(source)
        if m and not tgt_re.search(target):
            out.append(Problem("source", m.start(), m.end(), f"the amount in {name} lost its currency in the target"))
    return out
