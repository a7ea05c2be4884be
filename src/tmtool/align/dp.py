"""The alignment dynamic program: the cheapest sequence of beads, in a band (linear in length).

Cell ``(i, j)`` holds the cheapest way to align the first ``i`` source and ``j`` target sentences.
Small inputs are searched whole. Long ones are searched in a band around the diagonal that is
doubled, as in Moore (2002) and hunalign, whenever the best path comes near its edge, so an
alignment of 10,000 sentences a side touches a few hundred thousand cells, not 10^8.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from .beads import Bead

#: Below this many cells (source x target) the whole matrix is searched.
FULL_SEARCH_CELLS = 40_000
#: Half-width of the first band, in target sentences either side of the diagonal.
FIRST_BAND = 12
#: The band stops doubling at this half-width (the search stays linear in the worst case).
MAX_BAND = 256
#: Sentences per block in the rough first pass over long inputs.
COARSE_BLOCK = 8
#: Half-width of the band around a path found by a cheaper scorer.
AROUND_BAND = 10
#: The band is doubled when the best path comes this close to its edge.
EDGE_MARGIN = 3

INF = math.inf


class Scorer(Protocol):
    """What the DP needs: bead kinds and a cost for each candidate bead."""

    n: int
    m: int
    beads: tuple[tuple[int, int], ...]

    def cost(self, i0: int, i1: int, j0: int, j1: int) -> float: ...


def best_path(
    scorer: Scorer, *, band: int | None = None, around: Sequence[tuple[int, int, int, int]] | None = None
) -> tuple[list[tuple[int, int, int, int]], float]:
    """The cheapest bead sequence as ``(i0, i1, j0, j1)`` spans, and its total cost.

    ``band`` fixes the half-width (``0``: search the whole matrix); by default it is chosen
    and widened as needed. ``around`` (a path found by a cheaper scorer) searches only within
    ``band`` (default 10) sentences of that path.
    """
    n, m = scorer.n, scorer.m
    if n == 0 or m == 0:
        return _trivial(n, m), 0.0
    if around is not None:
        return _search(scorer, _rows_around(around, n, m, band or AROUND_BAND))
    if band == 0 or (band is None and (n + 1) * (m + 1) <= FULL_SEARCH_CELLS):
        return _search(scorer, _full_rows(n, m))
    if band is not None:
        return _search(scorer, _band_rows(n, m, band))
    # Long inputs: a rough path over blocks of sentences first (recursively), then a narrow
    # band around it, as Vecalign does; the band is doubled if the path comes near its edge.
    coarse = getattr(scorer, "coarse", None)
    if coarse is not None and min(n, m) >= 2 * COARSE_BLOCK:
        rough, _ = best_path(coarse(COARSE_BLOCK))
        guide = [(i0 * COARSE_BLOCK, min(n, i1 * COARSE_BLOCK), j0 * COARSE_BLOCK, min(m, j1 * COARSE_BLOCK))
                 for i0, i1, j0, j1 in rough]
        width = 2 * COARSE_BLOCK
        make_rows = lambda w: _rows_around(guide, n, m, w)
    else:
        width = FIRST_BAND
        make_rows = lambda w: _band_rows(n, m, w)
    while True:
        rows = make_rows(width)
        path, total = _search(scorer, rows)
        if not _near_edge(path, rows, n, m) or _covers_all(rows, m) or width >= MAX_BAND:
            return path, total
        width *= 2


def _trivial(n: int, m: int) -> list[tuple[int, int, int, int]]:
    return [(i, i + 1, 0, 0) for i in range(n)] + [(0, 0, j, j + 1) for j in range(m)]


def _full_rows(n: int, m: int) -> list[tuple[int, int]]:
    return [(0, m)] * (n + 1)


def _band_rows(n: int, m: int, width: int) -> list[tuple[int, int]]:
    """For each row ``i``, the target range ``lo..hi`` within ``width`` of the diagonal."""
    rows = []
    for i in range(n + 1):
        centre = i * m / n
        rows.append((max(0, math.floor(centre - width)), min(m, math.ceil(centre + width))))
    return rows


def _covers_all(rows: Sequence[tuple[int, int]], m: int) -> bool:
    return all(lo == 0 and hi == m for lo, hi in rows)


def _near_edge(path, rows, n: int, m: int) -> bool:
    for i0, i1, j0, j1 in path:
        lo, hi = rows[i1]
        if (lo > 0 and j1 - lo < EDGE_MARGIN) or (hi < m and hi - j1 < EDGE_MARGIN):
            return True
    return False


def _search(scorer: Scorer, rows: Sequence[tuple[int, int]]) -> tuple[list[tuple[int, int, int, int]], float]:
    """Viterbi over the cells in ``rows``; returns the path and its cost."""
    n, m = scorer.n, scorer.m
    beads = scorer.beads
    cost = scorer.cost
    score: list[list[float]] = []
    back: list[list[int]] = []
    for i in range(n + 1):
        lo, hi = rows[i]
        cur = [INF] * (hi - lo + 1)
        ptr = [-1] * (hi - lo + 1)
        # The rows each bead kind reaches back to, with their ranges, fetched once per row.
        prev = []
        for k, (di, dj) in enumerate(beads):
            if di > i:
                continue
            if di == 0:
                prev.append((k, di, dj, cur, lo, hi))
            else:
                plo, phi = rows[i - di]
                prev.append((k, di, dj, score[i - di], plo, phi))
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                cur[0] = 0.0
                continue
            best, arg = INF, -1
            for k, di, dj, prow, plo, phi in prev:
                pj = j - dj
                if pj < plo or pj > phi:
                    continue
                base = prow[pj - plo]
                if base == INF:
                    continue
                c = base + cost(i - di, i, pj, j)
                if c < best:
                    best, arg = c, k
            cur[j - lo] = best
            ptr[j - lo] = arg
        score.append(cur)
        back.append(ptr)
    total = score[n][m - rows[n][0]] if rows[n][0] <= m <= rows[n][1] else INF
    if total == INF:
        raise RuntimeError("no alignment path inside the band")  # cannot happen: band is connected
    path = []
    i, j = n, m
    while i > 0 or j > 0:
        k = back[i][j - rows[i][0]]
        di, dj = beads[k]
        path.append((i - di, i, j - dj, j))
        i, j = i - di, j - dj
    path.reverse()
    return path, total


def path_to_beads(path: Sequence[tuple[int, int, int, int]], confidences: Sequence[float] | None = None) -> list[Bead]:
    confidences = confidences or [1.0] * len(path)
    return [
        Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), conf)
        for (i0, i1, j0, j1), conf in zip(path, confidences)
    ]


def posteriors(
    scorer: Scorer,
    path: Sequence[tuple[int, int, int, int]],
    *,
    width: int = 6,
    temperature: float = 1.0,
) -> list[float]:
    """The posterior probability of each bead of ``path`` (forward-backward, costs as -log p).

    Summed over all alignments within ``width`` sentences of the path: a bead whose
    neighbourhood allows other good alignments gets a low probability, which is what the
    confidence shown to a reviewer should mean.
    """
    n, m = scorer.n, scorer.m
    if not path:
        return []
    rows = _rows_around(path, n, m, width)
    memo: dict[int, float] = {}
    fwd = _soft_forward(scorer, rows, temperature, memo)
    bwd = _soft_backward(scorer, rows, temperature, memo)
    total = fwd[n][m - rows[n][0]]
    out = []
    for i0, i1, j0, j1 in path:
        c = fwd[i0][j0 - rows[i0][0]] + scorer.cost(i0, i1, j0, j1) + bwd[i1][j1 - rows[i1][0]]
        out.append(min(1.0, math.exp(-(c - total) / temperature)))
    return out


def _rows_around(path, n: int, m: int, width: int) -> list[tuple[int, int]]:
    lo = [m] * (n + 1)
    hi = [0] * (n + 1)
    for i0, i1, j0, j1 in path:
        for i in range(i0, i1 + 1):
            lo[i] = min(lo[i], j0)
            hi[i] = max(hi[i], j1)
    return [(max(0, a - width), min(m, b + width)) for a, b in zip(lo, hi)]


def _softmin(values: list[float], t: float) -> float:
    best = min(values)
    if best == INF:
        return INF
    return best - t * math.log(sum(math.exp(-(v - best) / t) for v in values if v != INF))


def _soft_forward(scorer: Scorer, rows, t: float, memo: dict[int, float]) -> list[list[float]]:
    """Soft-min forward scores; each bead's cost is kept in ``memo`` for the backward pass."""
    n, m = scorer.n, scorer.m
    cost, beads = scorer.cost, scorer.beads
    kinds = len(beads)
    table: list[list[float]] = []
    for i in range(n + 1):
        lo, hi = rows[i]
        cur = [INF] * (hi - lo + 1)
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                cur[0] = 0.0
                continue
            vals = []
            for k, (di, dj) in enumerate(beads):
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0:
                    continue
                plo, phi = rows[pi]
                if pj < plo or pj > phi:
                    continue
                base = cur[pj - lo] if pi == i else table[pi][pj - plo]
                if base != INF:
                    c = memo[(i * (m + 1) + j) * kinds + k] = cost(pi, i, pj, j)
                    vals.append(base + c)
            cur[j - lo] = _softmin(vals, t) if vals else INF
        table.append(cur)
    return table


def _soft_backward(scorer: Scorer, rows, t: float, memo: dict[int, float]) -> list[list[float]]:
    n, m = scorer.n, scorer.m
    cost, beads = scorer.cost, scorer.beads
    kinds = len(beads)
    table: list[list[float] | None] = [None] * (n + 1)
    for i in range(n, -1, -1):
        lo, hi = rows[i]
        cur = [INF] * (hi - lo + 1)
        for j in range(hi, lo - 1, -1):
            if i == n and j == m:
                cur[j - lo] = 0.0
                continue
            vals = []
            for k, (di, dj) in enumerate(beads):
                ni, nj = i + di, j + dj
                if ni > n or nj > m:
                    continue
                nlo, nhi = rows[ni]
                if nj < nlo or nj > nhi:
                    continue
                base = cur[nj - lo] if ni == i else table[ni][nj - nlo]
                if base != INF:
                    # Nearly every bead inside the band was costed by the forward pass.
                    c = memo.get((ni * (m + 1) + nj) * kinds + k)
                    vals.append(base + (cost(i, ni, j, nj) if c is None else c))
            cur[j - lo] = _softmin(vals, t) if vals else INF
        table[i] = cur
    return table  # type: ignore[return-value]
