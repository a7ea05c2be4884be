"""A small rule-based English sentence segmenter with exact offsets (issue 6).

It follows the Indonesian segmenter's conventions so both sides of an alignment look alike:
every line is a block of its own (a heading or a credit line is a segment even without a full
stop, and no segment crosses a line break), blank lines separate paragraphs, and each
:class:`~tmtool.records.Segment` satisfies ``text[s.start:s.end] == s.text``.

Inside a line a sentence ends at ``.``, ``!``, ``?`` or ``…`` (with any closing quotes or
brackets after it) followed by whitespace and something that can open a sentence: an upper-case
letter, a digit, or an opening quote or bracket. It does not end after a known abbreviation
(``Mr.``, ``Jan.``, ``e.g.``), a single initial (``J. K. Rowling``), a dotted acronym followed by
a lower-case word, or an ellipsis followed by lower case.
"""

from __future__ import annotations

import re

from ..records import Segment
from ..segment.segmenter import text_blocks


# Titles and abbreviations that are followed by a capitalised word inside a sentence.
_NEVER_END = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "rev", "gen", "lt", "col", "maj", "capt", "cmdr", "sgt", "cpl", "adm", "gov", "sen", "rep", "pres", "hon", "messrs", "mme", "mlle", "no", "nos", "vol", "vols", "fig", "figs", "ch", "sec", "art", "para", "pp", "op", "cf", "vs", "approx", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "e.g", "i.e", "etc", "al", "ca"]
)
_CANDIDATE = re.compile(r"([.!?\u2026]+)[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]*[A-Z0-9\u00c0-\u00de])")
_WORD_BEFORE = re.compile(r"([\w.\-']+)$")


def split_sentences(line: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of one stripped line of English."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CANDIDATE.finditer(line):
        if not _is_break(line, m):
            continue
        end = m.end()
        nxt = end
        while nxt < len(line) and line[nxt].isspace():
            nxt += 1
        spans.append((start, end))
        start = nxt
    spans.append((start, len(line)))
    return [(a, b) for a, b in spans if b > a]


def _is_break(line: str, m: re.Match) -> bool:
    punct = m.group(1)
    if punct != ".":
        # "!", "?", "...", "?!": a break; an ellipsis before a capital is a break too.
        return True
    word_match = _WORD_BEFORE.search(line, 0, m.start(1))
    word = word_match.group(1) if word_match else ""
    bare = word.lower().strip(".'-")
    if not bare:
        return True
    if bare in _NEVER_END:
        return False
    # A single initial: "J. K. Rowling", "George W. Bush".
    if len(bare) == 1 and bare.isalpha():
        return False
    # A dotted acronym ("U.S.", "U.N.") ends a sentence only before a word that starts one;
    # we cannot tell "the U.S. Army" from "... in the U.S. He said", so keep it joined
    # unless the next word is a common sentence opener.
    if "." in word.strip("."):
        following = line[m.end() :].lstrip()
        first = re.match(r"[\"'\u201c\u2018(\[]*(\w+)", following)
        return bool(first) and first.group(1) in _OPENERS
    return True


# Words that start sentences far more often than they follow an abbreviation inside one.
_OPENERS = frozenset(
    ["The", "A", "An", "He", "She", "It", "They", "We", "I", "In", "On", "At", "But", "And", "This", "That", "These", "Those", "There", "His", "Her", "Its", "Their", "Our", "As", "For", "If", "When", "While", "After", "Before", "However", "Meanwhile", "According"]
)


def segment_english(text: str) -> list[Segment]:
    """Split English ``text`` into segments with offsets, paragraph and line numbers."""
    segments: list[Segment] = []
    for line_no, start, end, paragraph in text_blocks(text):
        line = text[start:end]
        for a, b in split_sentences(line):
            segments.append(Segment(len(segments), start + a, start + b, line[a:b], paragraph, line_no))
    return segments


def segment_lines(text: str) -> list[Segment]:
    """One segment per non-blank line (for text that is already one sentence per line)."""
    return [
        Segment(i, start, end, text[start:end], paragraph, line_no)
        for i, (line_no, start, end, paragraph) in enumerate(text_blocks(text))
    ]
