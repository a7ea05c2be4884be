"""Inline codes of CAT files (XLIFF 1.2, XLIFF 2.x, PO placeholders) as the memory's markers.

A segment's source is read into the text form the memory stores (see :mod:`.inline`): each code
boundary is one marker character, ``marker(k)`` standing for ``codes[k]``. A code dict keeps the
TMX view the rest of tmtool understands (``tag`` bpt/ept/it/ph, ``attrs``, ``xml``: the native
markup, escaped) and adds what a CAT round trip needs: ``kind`` (``open``, ``close`` or
``empty``), ``pair`` (which open a close ends) and ``xlf`` (the element as the file had it).

The model never sees a marker (:func:`strip_for_model`); :func:`place_codes` puts every code of
the source back into a machine translation and :func:`map_target` carries a memory unit's codes
over to this segment's. Both return whether a code had to be put somewhere by guess, so the
segment can be flagged for review: a code is never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..inline import MARK_BASE, _MARKS, marker, strip_markers

_WORD = re.compile(r"\w", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_SOLID = re.compile("[^\\s\U000F0000-\U000FFFFD]")  # neither a space nor a marker


@dataclass
class Trimmed:
    """A text with the codes (and spaces) at its edges set aside: ``lead + body + trail``."""

    lead: str
    body: str  # markers renumbered 0..n-1 (``numbers[j]`` is body marker j's old number)
    trail: str
    numbers: list[int]
    codes: list[dict]  # the body's codes


def trim_edges(part: str, codes: list[dict]) -> Trimmed:
    """Set aside the markers and spaces before the first word and after the last, so that
    ``<g>Text</g>`` and ``<x/>Text`` are the memory's ``Text``. A pair is set aside only with
    both its ends; else only the spaces are."""
    first = _SOLID.search(part)
    if first is None:
        lead_end, trail_start = 0, len(part)
    else:
        last = len(part) - 1
        while not _SOLID.match(part[last]):
            last -= 1
        lead_end, trail_start = first.start(), last + 1
    lead, body, trail = part[:lead_end], part[lead_end:trail_start], part[trail_start:]
    edges = lead + trail
    for m in _MARKS.finditer(edges):
        j = partner(codes, ord(m.group()) - MARK_BASE) if ord(m.group()) - MARK_BASE < len(codes) else None
        if j is not None and marker(j) not in edges:
            stripped = part.strip()
            at = part.find(stripped) if stripped else 0
            lead, body, trail = part[:at], stripped, part[at + len(stripped):]
            break
    numbers = [ord(m.group()) - MARK_BASE for m in _MARKS.finditer(body)]
    local = {k: j for j, k in enumerate(numbers)}
    body = _MARKS.sub(lambda m: marker(local[ord(m.group()) - MARK_BASE]), body)
    return Trimmed(lead, body, trail, numbers, [dict(codes[k]) for k in numbers if k < len(codes)])


@dataclass
class Placed:
    """A target with its markers, and whether any code was put in place by a guess."""

    text: str
    guessed: bool = False


def kinds_ok(text: str, codes: list[dict]) -> bool:
    """True if every code of ``codes`` occurs exactly once in ``text`` and the pairs nest."""
    seen: list[int] = []
    stack: list[int] = []
    for m in _MARKS.finditer(text):
        k = ord(m.group()) - MARK_BASE
        if k >= len(codes) or k in seen:
            return False
        seen.append(k)
        kind = codes[k].get("kind", "empty")
        if kind == "open":
            stack.append(k)
        elif kind == "close":
            want = partner(codes, k)
            if want is None:
                continue  # a close without its open in this segment: an isolated code
            if not stack or stack[-1] != want:
                return False
            stack.pop()
    return not stack and sorted(seen) == list(range(len(codes)))


def partner(codes: list[dict], k: int) -> int | None:
    """The index of the code that opens (or closes) the pair ``codes[k]`` belongs to."""
    code = codes[k]
    want = "open" if code.get("kind") == "close" else "close"
    for j, other in enumerate(codes):
        if j != k and other.get("kind") == want and other.get("pair") == code.get("pair"):
            return j
    return None


def link_pairs(codes: list[dict]) -> None:
    """Give the TMX view its right tags: a pair whose two ends are both in the segment is
    ``bpt``/``ept``; an end without its partner is an isolated ``it``."""
    for k, code in enumerate(codes):
        if code.get("kind") in ("open", "close") and partner(codes, k) is None:
            code["kind"] = "empty"
            code["tag"] = "it"
            code["attrs"] = {"pos": "begin" if code.get("open") else "end", "x": str(k + 1)}


def strip_for_model(text: str) -> str:
    """What the model reads: the words, no markers, whitespace left by them folded."""
    if not _MARKS.search(text):
        return text
    return " ".join(strip_markers(text).split())


def has_words(text: str) -> bool:
    """True if ``text`` (markers aside) has a letter or digit: something a target needs."""
    return _WORD.search(strip_markers(text)) is not None


def has_letters(text: str) -> bool:
    """True if ``text`` has a letter: something to translate (numbers alone are copied)."""
    return _LETTER.search(strip_markers(text)) is not None


def place_codes(source: str, target: str, codes: list[dict]) -> Placed:
    """Put the codes of ``source`` into ``target``, a translation made without them.

    Codes before the first word of the source go before the target's, codes after its last
    word after the target's; a pair whose enclosed text is found word for word in the target
    (a name, a number, a link) encloses it there. Any other code is put at the same relative
    position between words and the result is flagged: its place is a guess.
    """
    if not codes:
        return Placed(target)
    words = [m.start() for m in _WORD.finditer(source)]
    first, last = (words[0], words[-1]) if words else (len(source), len(source))
    lead, trail, inner = [], [], []
    for m in _MARKS.finditer(source):
        k = ord(m.group()) - MARK_BASE
        (lead if m.start() < first else trail if m.start() > last else inner).append((k, m.start()))
    body = target.strip()
    pre, post = target[: len(target) - len(target.lstrip())], target[len(target.rstrip()):]
    inserts: list[tuple[int, int, str]] = []  # (position in body, order, marker)
    guessed = False
    done: set[int] = set()
    for k, pos in inner:
        if k in done:
            continue
        code = codes[k]
        if code.get("kind") == "open" and (j := partner(codes, k)) is not None:
            close = source.find(marker(j), pos)
            span = strip_for_model(source[pos + 1 : close]) if close > pos else ""
            found = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(span)}(?!\w)", body)] if span else []
            at = found[0] if len(found) == 1 else -1
            if at >= 0 and not _crosses(inserts, at, at + len(span)):
                inserts += [(at, len(inserts), marker(k)), (at + len(span), -len(inserts), marker(j))]
                done.update((k, j))
                continue
            if close > pos and not _WORD.search(strip_markers(source[pos:close])):
                # A pair around codes only (<bpt/><ph/><ept/>): the whole run goes as one block.
                block = "".join(_MARKS.findall(source[pos : close + 1]))
                guessed = True
                at, text = _near(body, source, pos, close + 1, block)
                inserts.append((at, len(inserts), text))
                done.update(ord(c) - MARK_BASE for c in block)
                continue
        if code.get("kind") == "close" and partner(codes, k) in done:
            continue
        guessed = True
        at = _relative(body, pos / max(1, len(source)))
        j = partner(codes, k) if code.get("kind") == "open" else None
        if j is not None:
            # A pair not found word for word: around the same share of the target's words.
            end = _relative(body, source.find(marker(j)) / max(1, len(source)))
            if at < len(body) and body[at].isspace():
                at += 1  # the pair opens at a word, not before the space
            if end > at and not _crosses(inserts, at, end):
                inserts += [(at, len(inserts), marker(k)), (end, -len(inserts), marker(j))]
                done.update((k, j))
                continue
        at, text = _near(body, source, pos, pos + 1, marker(k) + (marker(j) if j is not None else ""))
        inserts.append((at, len(inserts), text))
        done.add(k)
        if j is not None:
            done.add(j)
    out = body
    for at, _, mark in sorted(inserts, key=lambda t: (t[0], t[1]), reverse=True):
        out = out[:at] + mark + out[at:]
    lead_s = "".join(marker(k) for k, _ in lead if k not in done)
    trail_s = "".join(marker(k) for k, _ in trail if k not in done)
    # Punctuation around the edge codes (`%s', "<b>x</b>"): where the target has the same
    # punctuation at its edge, the codes go back between it as in the source.
    src_head, src_tail = source[:first], source[last + 1 :] if words else ""
    head_plain, tail_plain = strip_markers(src_head).strip(), strip_markers(src_tail).strip()
    if lead_s and head_plain and out.startswith(head_plain) and _MARKS.search(src_head):
        out, lead_s = src_head.lstrip() + out[len(head_plain):].lstrip(), ""
    if trail_s and tail_plain and out.endswith(tail_plain) and _MARKS.search(src_tail):
        out, trail_s = out[: len(out) - len(tail_plain)].rstrip() + src_tail.rstrip(), ""
    placed = pre + lead_s + out + trail_s + post
    if not kinds_ok(placed, codes):
        # Codes crossing the edges (a pair opened before the first word, closed inside): keep
        # them all, in source order, around the text, and say so.
        ordered = "".join(m.group() for m in _MARKS.finditer(source))
        return Placed(pre + ordered + body + post if not words else body + ordered, True)
    return Placed(placed, guessed)


def _crosses(inserts: list[tuple[int, int, str]], start: int, end: int) -> bool:
    # A new pair may enclose or sit beside earlier ones, never half overlap them.
    return any(start < at < end or (at == start and o < 0) for at, o, _ in inserts)


def _near(body: str, source: str, pos: int, end: int, marks: str) -> tuple[int, str]:
    """Where codes found at ``source[pos:end]`` go in ``body`` (at the same share of its length,
    between words), and what to insert there: a code that stood between two spaces keeps a space
    on each side."""
    at = _relative(body, pos / max(1, len(source)))
    space_before = pos > 0 and source[pos - 1].isspace()
    space_after = end < len(source) and source[end].isspace()
    if space_before and at < len(body) and body[at].isspace():
        at += 1
        if space_after and at < len(body) and not body[at].isspace():
            marks += " "
    return at, marks


def _relative(body: str, share: float) -> int:
    """A word boundary of ``body`` near ``share`` of its length."""
    at = round(len(body) * share)
    bounds = [0, len(body)] + [m.start() for m in re.finditer(r"\s", body)]
    return min(bounds, key=lambda s: abs(s - at))


def signature(code: dict) -> tuple:
    """What makes two codes the same code: the element as written, else the TMX view."""
    return (code.get("tag"), code.get("xlf") or code.get("xml") or "", code.get("kind"))


def map_target(unit, source: str, codes: list[dict]) -> Placed:
    """The target of memory ``unit`` with its markers renumbered to this segment's ``codes``.

    The unit's target codes are linked to its source codes (same element, else the same pair
    id, else the same kind in order), its source codes to this segment's (same position for an
    exact match, else the same element, else the same kind in order). A code of this segment
    the unit's target does not carry is placed as for a machine translation (flagged).
    """
    props = unit.props if isinstance(unit.props, dict) else {}
    tm_codes = props.get("codes", {})
    tm_src: list[dict] = with_kinds(tm_codes.get("source") or [])
    tm_tgt: list[dict] = with_kinds(tm_codes.get("target") or []) if tm_codes.get("target") else tm_src
    to_src = _link(tm_tgt, tm_src)
    src_order = [ord(m.group()) - MARK_BASE for m in _MARKS.finditer(unit.source)]
    ours_order = [ord(m.group()) - MARK_BASE for m in _MARKS.finditer(source)]
    same_shape = len(src_order) == len(ours_order) and strip_markers(unit.source) == strip_markers(source)
    to_ours = _link(tm_src, codes, positional=(src_order, ours_order) if same_shape else None)
    used: set[int] = set()

    def renumber(m: re.Match) -> str:
        j = to_src.get(ord(m.group()) - MARK_BASE)
        k = to_ours.get(j) if j is not None else None
        if k is None or k in used:
            return ""
        used.add(k)
        return marker(k)

    text = _MARKS.sub(renumber, unit.target)
    if kinds_ok(text, codes):
        return Placed(text)
    missing = [k for k in range(len(codes)) if k not in used]
    if not used:  # the unit carries none of them (plain text, other codes): as for the model
        return place_codes(source, strip_markers(text), codes)
    if missing and kinds_ok(text + "".join(marker(k) for k in missing), codes):
        return _place_missing(source, text, codes, missing)
    return Placed(place_codes(source, strip_markers(text), codes).text, True)


def with_kinds(codes: list[dict]) -> list[dict]:
    """``codes`` with a ``kind`` and ``pair`` each: TMX codes (from ``tm import``) have none;
    ``bpt``/``ept`` pair by their ``i``, ``hi`` and its end by nesting."""
    if all("kind" in c for c in codes):
        return codes
    out, open_hi = [], []
    for k, c in enumerate(codes):
        c = dict(c)
        tag, i = c.get("tag"), (c.get("attrs") or {}).get("i")
        if "kind" in c:
            pass
        elif tag == "bpt" and i:
            c["kind"], c["pair"] = "open", f"i{i}"
        elif tag == "ept" and i:
            c["kind"], c["pair"] = "close", f"i{i}"
        elif tag == "hi":
            c["kind"], c["pair"] = "open", f"hi{k}"
            open_hi.append(c["pair"])
        elif tag == "/hi" and open_hi:
            c["kind"], c["pair"] = "close", open_hi.pop()
        else:
            c["kind"] = "empty"
        out.append(c)
    for k, c in enumerate(out):
        if c["kind"] != "empty" and partner(out, k) is None:
            c["kind"] = "empty"
    return out


def _place_missing(source: str, text: str, codes: list[dict], missing: list[int]) -> Placed:
    # Put the missing codes by the machine-translation rules, keeping those already in place.
    out = text
    for k in missing:
        if codes[k].get("kind") == "close" and (j := partner(codes, k)) is not None and j in missing:
            continue
        j = partner(codes, k) if codes[k].get("kind") == "open" else None
        mark = marker(k) + (marker(j) if j is not None and j in missing else "")
        pos = source.find(marker(k))
        at = _relative(out, pos / max(1, len(source))) if out.strip() else len(out)
        candidate = out[:at] + mark + out[at:]
        out = candidate if _nests(candidate, codes) else out + mark
    if not kinds_ok(out, codes):
        return Placed(place_codes(source, strip_markers(text), codes).text, True)
    return Placed(out, True)


def _nests(text: str, codes: list[dict]) -> bool:
    stack = []
    for m in _MARKS.finditer(text):
        k = ord(m.group()) - MARK_BASE
        kind = codes[k].get("kind") if k < len(codes) else None
        if kind == "open":
            stack.append(k)
        elif kind == "close" and (j := partner(codes, k)) is not None:
            if not stack or stack[-1] != j:
                return False
            stack.pop()
    return True


def _link(a: list[dict], b: list[dict], positional=None) -> dict[int, int]:
    """Map indices of codes ``a`` to codes ``b``: by position (``(order_a, order_b)``, the
    markers as they occur), else by signature, else by pair id and tag, else by kind in order."""
    if a is b:
        return {k: k for k in range(len(a))}
    out: dict[int, int] = {}
    if positional:
        for ka, kb in zip(*positional):
            if ka < len(a) and kb < len(b) and a[ka].get("kind", "empty") == b[kb].get("kind", "empty"):
                out[ka] = kb
    taken = set(out.values())
    for rule in (signature, _pair_key, lambda c: (c.get("kind", "empty"),)):
        for ka, code in enumerate(a):
            if ka in out:
                continue
            for kb, other in enumerate(b):
                if kb not in taken and rule(code) == rule(other):
                    out[ka] = kb
                    taken.add(kb)
                    break
    return out


def _pair_key(code: dict) -> tuple:
    attrs = code.get("attrs", {})
    return (code.get("tag"), attrs.get("i") or attrs.get("x") or code.get("pair"))
