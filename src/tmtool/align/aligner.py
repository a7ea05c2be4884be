"""align_sentences(): pick a scorer, run the DP, attach a confidence to every bead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .beads import Bead
from .dp import best_path, path_to_beads, posteriors
from .length import LengthParams, LengthScorer
from .mt import MTParams, MTScorer


@dataclass
class Alignment:
    """The beads that align two lists of sentences, in order, each with its confidence."""

    beads: list[Bead]
    source: list[str]
    target: list[str]
    scorer: str  # "length" or "mt"
    notes: list[str] = field(default_factory=list)

    def pairs(self) -> list[tuple[Bead, str, str]]:
        """``(bead, source text, target text)`` for beads with text on both sides; a merged
        side is its sentences joined with a space."""
        return [
            (b, " ".join(self.source[i] for i in b.src), " ".join(self.target[j] for j in b.tgt))
            for b in self.beads
            if b.src and b.tgt
        ]

    @property
    def unaligned_source(self) -> int:
        return sum(len(b.src) for b in self.beads if not b.tgt)

    @property
    def unaligned_target(self) -> int:
        return sum(len(b.tgt) for b in self.beads if not b.src)


def align_sentences(
    source: Sequence[str],
    target: Sequence[str],
    *,
    translations: Sequence[str] | None = None,
    src_paragraphs: Sequence[int] | None = None,
    tgt_paragraphs: Sequence[int] | None = None,
    length_params: LengthParams | None = None,
    mt_params: MTParams | None = None,
    use_anchors: bool = True,
    band: int | None = None,
    confidence: bool = True,
) -> Alignment:
    """Align ``source`` to ``target`` sentences with 1-1, 1-2, 2-1, 1-0, 0-1 and 2-2 beads.

    With ``translations`` (a machine translation of each source sentence) the MT-assisted
    scorer is used, otherwise the length scorer. ``src_paragraphs``/``tgt_paragraphs`` give each
    sentence's paragraph number, so merges across a paragraph break cost more. ``band`` fixes
    the DP's half-width (``0``: whole matrix); by default it adapts. Each bead's confidence is
    its posterior probability under the scorer (:func:`~tmtool.align.dp.posteriors`).
    """
    source, target = list(source), list(target)
    common = {
        "params": length_params, "src_paragraphs": src_paragraphs, "tgt_paragraphs": tgt_paragraphs,
        "use_anchors": use_anchors,
    }
    scorer: LengthScorer
    if translations is not None:
        scorer = MTScorer(source, target, list(translations), mt_params=mt_params, **common)
        kind = "mt"
    else:
        scorer = LengthScorer(source, target, **common)
        kind = "length"
    if isinstance(scorer, MTScorer):
        # The length path is cheap and rarely far off; the costlier MT scorer searches near it.
        rough, _ = best_path(LengthScorer(source, target, **common), band=band)
        path, _ = best_path(scorer, around=rough)
    else:
        path, _ = best_path(scorer, band=band)
    probs = posteriors(scorer, path) if confidence else None
    return Alignment(path_to_beads(path, probs), source, target, kind)
