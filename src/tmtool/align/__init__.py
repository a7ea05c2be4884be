"""Sentence alignment of a text and its translation (issue 6).

``align_sentences(source, target)`` aligns two lists of sentences with 1-1, 1-2, 2-1, 1-0, 0-1
and 2-2 beads: by length and shared names and numbers (no model needed), or, given a machine
translation of the source, by its similarity to the target as well. ``align_texts`` segments two
documents first; ``store_alignment`` puts the pairs into a translation memory; and
``align_reference`` gives each translated segment its sentence of a reference document.
Only the standard library is imported here.
"""

from __future__ import annotations

from .aligner import Alignment, align_sentences
from .beads import Bead, Quality, format_beads, parse_beads, strict_scores
from .english import segment_english, segment_lines

__all__ = [
    "Alignment",
    "Bead",
    "Quality",
    "align_sentences",
    "format_beads",
    "parse_beads",
    "segment_english",
    "segment_lines",
    "strict_scores",
]
