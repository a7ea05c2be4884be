"""Text for a person: control characters from the memory or the input made visible, and counts
with the right noun (issue 14).

A segment can carry escape sequences (a document, a TSV/JSONL import, an alignment): printed raw,
``ESC ] 0 ; ... BEL`` retitles the window, ``ESC ] 52 ; c ; ... BEL`` writes the clipboard on
terminals that honour OSC 52, and CSI sequences move the cursor or recolour the screen. Every view
tmtool prints (pairs, review, tm search, pairs show, notes, errors) goes through :func:`printable`;
the memory keeps the original text, and files and pipes get it unchanged.
"""

from __future__ import annotations

import sys
from typing import TextIO


def _table(keep: str) -> dict[int, str]:
    table = {cp: chr(0x2400 + cp) for cp in range(0x20) if chr(cp) not in keep}  # ESC -> U+241B ␛
    # DEL and the C1 controls (CSI is U+009B, OSC U+009D) as JSON writes them, ``\u009b``: a JSON
    # line (where json.dumps leaves them raw) keeps its value, and other text shows them plainly.
    table.update({cp: f"\\u{cp:04x}" for cp in range(0x7F, 0xA0)})
    return table


_LAYOUT = _table("\t\n")


def printable(text: str) -> str:
    """``text`` with every C0 and C1 control character and DEL shown as a visible stand-in
    (ESC as ``␛``, BEL as ``␇``, CR as ``␍``, CSI U+009B as ``\\u009b``). Tabs and line breaks
    are kept for layout. A JSON line stays valid JSON with the same value (json.dumps escapes
    C0 itself)."""
    return text.translate(_LAYOUT)


def for_stream(text: str, stream: TextIO | None = None) -> str:
    """``text`` as is for a file or a pipe (the data must stay exact), :func:`printable` when
    ``stream`` (stdout by default) is a terminal."""
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return printable(text) if isatty is not None and isatty() else text


_PLURALS = {"hypothesis": "hypotheses", "entry": "entries", "match": "matches", "is": "are", "was": "were"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 segment``, ``2 segments``, ``0 segments`` (``many``: an irregular plural)."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {many or _PLURALS.get(noun) or noun + 's'}"
