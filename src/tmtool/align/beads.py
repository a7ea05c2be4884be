"""Beads (aligned groups of sentences), the gold-alignment file format, and P/R/F1.

The file format is Vecalign's, so gold data and outputs are interchangeable with it: one bead a
line, ``[src indices]:[tgt indices]`` with 0-based sentence numbers, e.g. ``[0]:[0]``,
``[1, 2]:[1]`` (a 2-1 merge), ``[3]:[]`` (a source sentence with no translation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import FormatError


@dataclass(frozen=True)
class Bead:
    """Source sentences ``src`` aligned to target sentences ``tgt`` (either may be empty)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    confidence: float = 1.0  # 0-1: how sure the aligner is of this bead

    @property
    def kind(self) -> str:
        """``"1-1"``, ``"2-1"``, ``"1-0"``, ...: sentences on each side."""
        return f"{len(self.src)}-{len(self.tgt)}"

    @property
    def key(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return self.src, self.tgt

    def format(self) -> str:
        return f"[{', '.join(map(str, self.src))}]:[{', '.join(map(str, self.tgt))}]"


_LINE = re.compile(r"^\s*\[([\d,\s]*)\]\s*:\s*\[([\d,\s]*)\]")


def parse_beads(text: str, where: str = "alignment") -> list[Bead]:
    """Read Vecalign-format lines (a third ``:``-field, a cost, is allowed and ignored)."""
    beads = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise FormatError(f"{where}:{n}: expected a bead like [0]:[0] or [1, 2]:[1], got {line!r}")
        src, tgt = (tuple(int(x) for x in g.replace(",", " ").split()) for g in m.groups())
        beads.append(Bead(src, tgt))
    return beads


def format_beads(beads: Iterable[Bead]) -> str:
    return "".join(b.format() + "\n" for b in beads)


def check_beads(beads: Sequence[Bead], n_src: int, n_tgt: int) -> None:
    """Raise :class:`ValueError` unless ``beads`` cover both sides once, in order."""
    i = j = 0
    for b in beads:
        if b.src != tuple(range(i, i + len(b.src))) or b.tgt != tuple(range(j, j + len(b.tgt))):
            raise ValueError(f"bead {b.format()} does not continue at [{i}]:[{j}]")
        if not b.src and not b.tgt:
            raise ValueError("an empty bead")
        i += len(b.src)
        j += len(b.tgt)
    if (i, j) != (n_src, n_tgt):
        raise ValueError(f"beads end at [{i}]:[{j}], not [{n_src}]:[{n_tgt}]")


@dataclass(frozen=True)
class Quality:
    """Precision, recall and F1 of an alignment against a gold one."""

    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    gold: int


def strict_scores(predicted: Iterable[Bead], gold: Iterable[Bead], *, skip_empty: bool = False) -> Quality:
    """Strict P/R/F1: a predicted bead counts only if the gold has exactly that bead.

    ``skip_empty`` leaves 1-0 and 0-1 beads out on both sides (Vecalign's evaluation does);
    by default they count, because placing an omission is part of the job.
    """
    def keys(beads: Iterable[Bead]) -> set:
        return {b.key for b in beads if not skip_empty or (b.src and b.tgt)}

    p, g = keys(predicted), keys(gold)
    correct = len(p & g)
    precision = correct / len(p) if p else 0.0
    recall = correct / len(g) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(precision, recall, f1, correct, len(p), len(g))
