"""The MT-assisted bead scorer, in the spirit of Bleualign (Sennrich and Volk 2010).

The source is machine-translated first (by the caller: reusing the memory, then the model); a
candidate bead is then scored by how much its machine translation looks like its target
sentences, on top of the length score. The similarity is a character n-gram F-score like chrF
(Popović 2015): the n-grams of orders 1-6 of both sides, spaces removed, pooled, F1 of their
overlap. It is computed here rather than with sacrebleu's chrF because the DP asks for it
some 20 times per sentence: the n-gram profile of every sentence (and of every two neighbours)
is built once and each candidate costs one dictionary intersection, about 50 us against 320 us
for ``CHRF().sentence_score`` (measured on es-en-openxliff-hard, docs/align.md), and no import
of sacrebleu. chrF's own beta=2 favours recall; alignment wants a symmetric measure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .length import LengthParams, LengthScorer

NGRAM_ORDERS = (1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class MTParams:
    """The tunable constants of :class:`MTScorer` (defaults tuned on tests/data/align)."""

    weight: float = 5.0  # cost of a 1-1 bead whose translation shares nothing with its target
    skip: float = 1.0  # cost of leaving a sentence out, in the same units
    length_weight: float = 1.0  # how much of the length score is kept


def ngram_profile(text: str, orders: Sequence[int] = NGRAM_ORDERS) -> Counter:
    """The character n-grams of ``text`` (spaces removed, as chrF does), all orders pooled."""
    s = "".join(text.split())
    out: Counter = Counter()
    for n in orders:
        out.update(s[k : k + n] for k in range(len(s) - n + 1))
    return out


def similarity(a: Counter, b: Counter) -> float:
    """F1 of the n-gram overlap of two profiles (0: nothing shared, 1: identical)."""
    total = sum(a.values()) + sum(b.values())
    if not total:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    shared = sum(min(n, b[g]) for g, n in a.items() if g in b)
    return 2.0 * shared / total


def char_f(hypothesis: str, reference: str) -> float:
    """The character n-gram F1 of two strings, 0-1."""
    return similarity(ngram_profile(hypothesis), ngram_profile(reference))


class MTScorer(LengthScorer):
    """Scores beads by the similarity of the source's translation to the target, plus length.

    ``translations[i]`` is the machine translation of ``source[i]``.
    """

    def __init__(
        self,
        source: Sequence[str],
        target: Sequence[str],
        translations: Sequence[str],
        *,
        mt_params: MTParams | None = None,
        params: LengthParams | None = None,
        **kwargs,
    ) -> None:
        if len(translations) != len(source):
            raise ValueError("one translation per source sentence is needed")
        super().__init__(source, target, params=params, **kwargs)
        self.mt = mt_params or MTParams()
        self.hyp = [ngram_profile(t) for t in translations]
        self.ref = [ngram_profile(t) for t in target]
        self.hyp_size = [sum(c.values()) for c in self.hyp]
        self.ref_size = [sum(c.values()) for c in self.ref]
        self._joined: dict[tuple[str, int, int], tuple[Counter, int]] = {}

    def cost(self, i0: int, i1: int, j0: int, j1: int) -> float:
        base = self.mt.length_weight * super().cost(i0, i1, j0, j1)
        if i0 == i1 or j0 == j1:
            return base + self.mt.skip * (i1 - i0 + j1 - j0)
        sim = self.bead_similarity(i0, i1, j0, j1)
        # Scaled by the bead's size so that a 2-2 bead costs what two 1-1 beads of the same
        # similarity cost, and merging never pays by itself.
        return base + self.mt.weight * (1.0 - sim) * (i1 - i0 + j1 - j0) / 2

    def bead_similarity(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """chrF-like F1 between the translation of ``source[i0:i1]`` and ``target[j0:j1]``."""
        a, na = self._profile("h", self.hyp, self.hyp_size, i0, i1)
        b, nb = self._profile("r", self.ref, self.ref_size, j0, j1)
        if not na + nb:
            return 0.0
        if len(a) > len(b):
            a, b = b, a
        shared = sum(min(n, b[g]) for g, n in a.items() if g in b)
        return 2.0 * shared / (na + nb)

    def _profile(self, side: str, profiles, sizes, lo: int, hi: int) -> tuple[Counter, int]:
        if hi - lo == 1:
            return profiles[lo], sizes[lo]
        key = (side, lo, hi)
        found = self._joined.get(key)
        if found is None:
            total: Counter = Counter()
            for c in profiles[lo:hi]:
                total.update(c)
            found = self._joined[key] = (total, sum(sizes[lo:hi]))
        return found

    def evidence(self, i0: int, i1: int, j0: int, j1: int) -> float:
        return self.bead_similarity(i0, i1, j0, j1)
