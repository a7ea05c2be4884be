"""The length-based bead scorer, in the spirit of Gale and Church (1993), with lexical anchors.

Gale and Church model the target length of a bead as normally distributed around ``c`` times its
source length, with a variance that grows with the length; a bead's cost is ``-log`` of the
probability of its length difference plus ``-log`` of the prior probability of its kind (1-1,
2-1, ...). Two changes make it fit any language pair and any document:

- ``c`` is the document's own ratio of target to source characters, not a constant;
- an omission (1-0, 0-1) costs a fixed penalty plus a mild length term, instead of Gale and
  Church's "length difference from zero", which made long omitted sentences nearly impossible.

No model and no dictionary are needed, but strings that are written the same in both languages
(numbers, names, acronyms: ``15/9``, ``Xi``, ``COVID-19``, ``GDI``) are evidence too, as in
hunalign without a dictionary: each one that a bead's two sides share lowers its cost. They
are weighted by rarity, so a name that is in every sentence counts for little.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# Costs are -log probabilities. Priors: about three quarters of real alignments are 1-1; a
# fifth merges or omissions is the hard case we must handle (issue 6). 2-2 beads are left out
# by default: on every data set in tests/data/align they made F1 worse, never better, and cost
# a sixth of the work; pass ``priors`` with a (2, 2) entry to allow them.
DEFAULT_PRIORS: dict[tuple[int, int], float] = {
    (1, 1): 0.80,
    (1, 2): 0.05,
    (2, 1): 0.05,
    (1, 0): 0.04,
    (0, 1): 0.04,
}

COARSE_2_2 = 0.005

# A token that is written alike in most languages: it has a digit, or starts with a capital
# (names, acronyms). Lower-case words are left out: they are language-specific.
_TOKEN = re.compile(r"\w[\w\-/.,]*\w|\w")
_NUMBER_MARKS = re.compile(r"[.,](?=\d)")


@dataclass(frozen=True)
class LengthParams:
    """The tunable constants of :class:`LengthScorer` (defaults tuned on tests/data/align)."""

    variance: float = 5.0  # Gale and Church's s^2 (6.8 for them): variance per source character
    skip: float = 0.0  # extra cost of an omission (1-0 or 0-1) beyond its prior
    skip_per_char: float = 0.0  # extra cost of an omission per character left out
    anchor: float = 3.0  # cost reduction for each anchor the two sides share (scaled by rarity)
    paragraph: float = 1.0  # cost of a merge that crosses a paragraph break on either side


def anchors(text: str) -> Counter:
    """The tokens of ``text`` that are likely written the same in the other language."""
    out: Counter = Counter()
    for tok in _TOKEN.findall(text):
        if any(ch.isdigit() for ch in tok):
            # 3,5 / 3.5 and 120.000 / 120,000: decimal and thousands marks differ by language.
            out[_NUMBER_MARKS.sub("", tok).lower()] += 1
        elif tok[0].isupper() and len(tok) > 1:
            out[tok.lower()] += 1
    return out


class LengthScorer:
    """Scores beads by length (and shared anchors) between ``source`` and ``target`` sentences.

    ``src_paragraphs``/``tgt_paragraphs`` (paragraph number per sentence) let merges that
    cross a paragraph break cost more.
    """

    def __init__(
        self,
        source: Sequence[str],
        target: Sequence[str],
        *,
        params: LengthParams | None = None,
        priors: dict[tuple[int, int], float] | None = None,
        src_paragraphs: Sequence[int] | None = None,
        tgt_paragraphs: Sequence[int] | None = None,
        use_anchors: bool = True,
    ) -> None:
        self.params = p = params or LengthParams()
        self.source, self.target = source, target
        self.priors = priors
        self._unions: dict[tuple[str, int, int], Counter] = {}
        self.n, self.m = len(source), len(target)
        self.src_len = _prefix([len(s) for s in source])
        self.tgt_len = _prefix([len(t) for t in target])
        total_src, total_tgt = self.src_len[-1], self.tgt_len[-1]
        self.ratio = min(3.0, max(1 / 3, total_tgt / total_src)) if total_src and total_tgt else 1.0
        self.prior_cost = {k: -math.log(v) for k, v in (priors or DEFAULT_PRIORS).items()}
        self.beads = tuple(self.prior_cost)
        self.src_par = list(src_paragraphs) if src_paragraphs is not None else None
        self.tgt_par = list(tgt_paragraphs) if tgt_paragraphs is not None else None
        self._scale = 1.0 / (2.0 * p.variance)
        self.use_anchors = use_anchors and p.anchor > 0
        if self.use_anchors:
            self.src_anchors = [anchors(s) for s in source]
            self.tgt_anchors = [anchors(t) for t in target]
            self.weight = _rarity_weights(self.src_anchors, self.tgt_anchors, p.anchor)

    # -- the cost of one bead ---------------------------------------------------------------

    def cost(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """Cost of the bead of source sentences ``i0:i1`` and target sentences ``j0:j1``."""
        p = self.params
        prior = self.prior_cost[(i1 - i0, j1 - j0)]
        l1 = self.src_len[i1] - self.src_len[i0]
        l2 = (self.tgt_len[j1] - self.tgt_len[j0]) / self.ratio
        if i0 == i1 or j0 == j1:
            return prior + p.skip + p.skip_per_char * (l1 + l2)
        cost = prior + self.length_cost(l1, l2)
        if self.use_anchors:
            cost -= self.shared_anchors(i0, i1, j0, j1)
        if (i1 - i0 > 1 or j1 - j0 > 1) and self._crosses_paragraph(i0, i1, j0, j1):
            cost += p.paragraph
        return cost

    def length_cost(self, l1: float, l2: float) -> float:
        """-log P(|delta|) for source length ``l1`` and target length ``l2`` (in source units)."""
        mean = (l1 + l2) / 2
        if mean <= 0:
            return 0.0
        # P(|delta| >= d) = erfc(d / sqrt 2); delta^2 / 2 = (l2 - l1)^2 / (2 s^2 mean).
        z = abs(l2 - l1) * math.sqrt(self._scale / mean)
        tail = math.erfc(z)
        if tail < 1e-300:
            # erfc underflows: its log is about -z^2 - log(z sqrt(pi)).
            return z * z + math.log(z * math.sqrt(math.pi))
        return -math.log(tail)

    def length_probability(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """How well the bead's lengths fit, 0-1 (1: exactly the expected ratio)."""
        l1 = self.src_len[i1] - self.src_len[i0]
        l2 = (self.tgt_len[j1] - self.tgt_len[j0]) / self.ratio
        return math.exp(-self.length_cost(l1, l2))

    def shared_anchors(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """The weighted count of anchor tokens both sides of the bead contain."""
        a = self.src_anchors[i0] if i1 - i0 == 1 else self._union("s", self.src_anchors, i0, i1)
        b = self.tgt_anchors[j0] if j1 - j0 == 1 else self._union("t", self.tgt_anchors, j0, j1)
        if not a or not b:
            return 0.0
        shared = a.keys() & b.keys()  # a set operation in C; usually empty or tiny
        if not shared:
            return 0.0
        w = self.weight
        return sum(min(a[t], b[t]) * w[t] for t in shared)

    def _union(self, side: str, counters: Sequence[Counter], lo: int, hi: int) -> Counter:
        key = (side, lo, hi)
        found = self._unions.get(key)
        if found is None:
            found = Counter()
            for c in counters[lo:hi]:
                found.update(c)
            self._unions[key] = found
        return found

    def coarse(self, k: int) -> LengthScorer:
        """The same scorer over blocks of ``k`` sentences, to find a rough path quickly."""
        src = [" ".join(self.source[i : i + k]) for i in range(0, self.n, k)]
        tgt = [" ".join(self.target[j : j + k]) for j in range(0, self.m, k)]
        # Anchors matter here too: by length alone, blocks drift (measured: F1 0.40 at 10k).
        # Blocks of a fixed size drift against each other: there 2-2 beads are needed.
        priors = {**(self.priors or DEFAULT_PRIORS), (2, 2): COARSE_2_2}
        return LengthScorer(src, tgt, params=self.params, priors=priors, use_anchors=self.use_anchors)

    def _crosses_paragraph(self, i0: int, i1: int, j0: int, j1: int) -> bool:
        sp, tp = self.src_par, self.tgt_par
        return bool(
            (sp is not None and i1 - i0 > 1 and sp[i0] != sp[i1 - 1])
            or (tp is not None and j1 - j0 > 1 and tp[j0] != tp[j1 - 1])
        )

    # -- confidence -----------------------------------------------------------------------

    def evidence(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """How likely the bead is right from its own content, 0-1 (for the confidence)."""
        fit = self.length_probability(i0, i1, j0, j1)
        if not self.use_anchors:
            return fit
        shared = self.shared_anchors(i0, i1, j0, j1)
        # Each shared anchor makes a chance fit less likely to be a coincidence.
        return 1 - (1 - fit) * math.exp(-shared)


def _prefix(values: Sequence[int]) -> list[int]:
    out = [0]
    for v in values:
        out.append(out[-1] + v)
    return out


def _rarity_weights(src: Sequence[Counter], tgt: Sequence[Counter], scale: float) -> dict[str, float]:
    """``scale`` for an anchor found in one sentence per side, less the more sentences have it."""
    df: Counter = Counter()
    for c in (*src, *tgt):
        df.update(c.keys())
    return {t: scale / (1.0 + math.log(max(1, n / 2))) for t, n in df.items()}
