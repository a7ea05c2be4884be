"""Split a text into sentence segments with exact offsets, line and paragraph numbers.

Every line is a block of its own: a heading or a credit line (``Editor: Atman Ahdiat``) is a
segment even without a full stop, and no segment crosses a line break. Blank lines (only
whitespace, NBSP included) separate paragraphs. Inside a line, a rule set finds the breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from ..records import Segment
from .abbrev import Abbreviations, builtin_abbreviations, parse_entries, read_abbreviation_file
from .rules import CANDIDATE, IndonesianRules, token_start

# Only these end a line (issue 3: "Handle \r\n and \r line ends"); other Unicode separators
# (U+2028, form feed) count as spaces inside a line.
LINE_END = re.compile(r"\r\n?|\n")


class LineSplitter(Protocol):
    """Something that finds the sentence breaks inside one line."""

    def breaks(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        """Yield ``(end_of_sentence, start_of_next)`` pairs for the stripped line ``text[start:end]``."""
        ...


class BuiltinSplitter:
    """The built-in Indonesian rules behind the fast candidate regex."""

    def __init__(self, rules: IndonesianRules) -> None:
        self.rules = rules

    def breaks(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        is_break = self.rules.is_break
        for m in CANDIDATE.finditer(text, start, end):
            if is_break(text, start, token_start(text, start, m.start()), m.end(), m.group(1)):
                yield m.end(), m.start(1)


class Segmenter:
    """An Indonesian sentence segmenter: built-in rules, optionally extended or replaced.

    ``extra_abbreviations`` are entries such as ``"Kpt."`` or ``"Tbk. company"`` (a class from
    ``abbreviations.tsv``; the default class never breaks). ``abbrev_path`` reads more from a file.
    ``srx_path`` replaces the built-in rules with the rules of an SRX 2.0 file.
    """

    def __init__(
        self,
        extra_abbreviations: Iterable[str] = (),
        srx_path: str | Path | None = None,
        abbrev_path: str | Path | None = None,
    ) -> None:
        entries = parse_entries("\n".join(extra_abbreviations), "extra_abbreviations")
        if abbrev_path is not None:
            entries += read_abbreviation_file(abbrev_path)
        self.extra_entries = entries
        self.abbreviations: Abbreviations = builtin_abbreviations().extended(entries)
        self.splitter: LineSplitter
        if srx_path is None:
            self.splitter = BuiltinSplitter(IndonesianRules(self.abbreviations))
        else:
            from .srx import SrxSplitter, read_srx

            self.splitter = SrxSplitter(read_srx(srx_path), extra=entries)

    @classmethod
    def from_srx(cls, path: str | Path, extra_abbreviations: Iterable[str] = ()) -> Segmenter:
        """A segmenter that uses the rules of the SRX 2.0 file at ``path`` instead of the built-in ones."""
        return cls(extra_abbreviations=extra_abbreviations, srx_path=path)

    def to_srx(self) -> str:
        """The built-in rules (with any extra abbreviations) as SRX 2.0 XML text."""
        from .srx import builtin_rules_srx

        return builtin_rules_srx(self.abbreviations)

    def segment(self, text: str) -> list[Segment]:
        """Split ``text`` into segments; ``text[s.start:s.end] == s.text`` for every segment."""
        segments: list[Segment] = []
        append = segments.append
        breaks = self.splitter.breaks
        for line_no, start, end, paragraph in text_blocks(text):
            for stop, nxt in breaks(text, start, end):
                append(Segment(len(segments), start, stop, text[start:stop], paragraph, line_no))
                start = nxt
            append(Segment(len(segments), start, end, text[start:end], paragraph, line_no))
        return segments


def text_blocks(text: str) -> Iterator[tuple[int, int, int, int]]:
    """``(line number, start, end, paragraph)`` of each non-blank line, without its surrounding
    whitespace. A segment never crosses a line; a blank line (only whitespace, NBSP included)
    starts a new paragraph. Every segmenter (Indonesian, English, one per line) builds on this."""
    paragraph = 0
    seen_text = False
    blank_since = False
    for line_no, (ls, le) in enumerate(_lines(text)):
        line = text[ls:le]
        rest = line.lstrip()
        if not rest:
            blank_since = True
            continue
        if seen_text and blank_since:
            paragraph += 1
        seen_text, blank_since = True, False
        start = le - len(rest)
        yield line_no, start, start + len(rest.rstrip()), paragraph


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line, without its line ending."""
    pos = 0
    for m in LINE_END.finditer(text):
        yield pos, m.start()
        pos = m.end()
    yield pos, len(text)


_DEFAULT: Segmenter | None = None


def segment_text(text: str) -> list[Segment]:
    """Segment ``text`` with the built-in Indonesian rules."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Segmenter()
    return _DEFAULT.segment(text)
