"""Indonesian sentence segmentation with exact character offsets (issue 3).

``segment_text(text)`` uses the built-in rules; ``Segmenter`` adds abbreviations, reads SRX 2.0
rules and exports the built-in ones. Only the standard library is imported here.
"""

from __future__ import annotations

from .segmenter import Segmenter, segment_text

__all__ = ["Segmenter", "segment_text"]
