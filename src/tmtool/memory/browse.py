"""The store's reads for browsing a big document a page at a time (issue 19, `tmtool serve`).

A mixin of :class:`~tmtool.memory.base.SQLStore`, so both back ends have it. ``document_pairs``
builds every unit and every stored score of a document: half a second for 5,000 segments.
A page needs that only for its own rows; to filter and order the rest, a light index (status,
origin, match, texts, sentence BLEU) of each segment is enough.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..records import Segment

if TYPE_CHECKING:
    from ..records import Document, TranslationUnit
    from .review import ReviewPair


@dataclass(frozen=True)
class IndexRow:
    """What the filters and the order of a grid look at, for one segment."""

    index: int
    tu_id: int | None  # None: not translated
    status: str | None
    origin: str | None
    match: int | None
    source: str
    target: str | None
    bleu: float | None  # the stored sentence BLEU, if scored
    chrf: float | None


class BrowseStore:
    """Paged reads of one document (the host class supplies ``conn``, ``get_document``...)."""

    if TYPE_CHECKING:
        conn: Any

        def get_document(self, name: str) -> Document: ...

    def review_index(self, name: str) -> list[IndexRow]:
        """Every segment of document ``name`` in order, light: no unit records, no signatures."""
        doc = self.get_document(name)
        rows = self.conn.execute(
            """SELECT s.idx, s.tu_id, u.status, u.origin, s.match, s.source, u.target,
                      b.score AS bleu, c.score AS chrf
               FROM segments s LEFT JOIN units u ON u.id = s.tu_id
               LEFT JOIN segment_scores b ON b.doc_id = s.doc_id AND b.idx = s.idx AND b.metric = 'BLEU'
               LEFT JOIN segment_scores c ON c.doc_id = s.doc_id AND c.idx = s.idx AND c.metric = 'chrF2'
               WHERE s.doc_id = ? ORDER BY s.idx""",
            (doc.id,),
        )
        return [IndexRow(*tuple(r)) for r in rows]

    def status_counts(self, name: str) -> dict[str, int]:
        """How many segments of document ``name`` have each status (``untranslated``: no unit)."""
        doc = self.get_document(name)
        rows = self.conn.execute(
            """SELECT COALESCE(u.status, 'untranslated'), count(*)
               FROM segments s LEFT JOIN units u ON u.id = s.tu_id WHERE s.doc_id = ?
               GROUP BY COALESCE(u.status, 'untranslated')""",
            (doc.id,),
        )
        return {r[0]: r[1] for r in rows}

    def review_page(self, name: str, indexes: Iterable[int]) -> list[ReviewPair]:
        """The segments ``indexes`` of document ``name``, in that order, as ``document_pairs``
        gives them (unit, match, stored scores)."""
        from .base import _UNIT_COLUMNS, _unit
        from .review import ReviewPair, StoredScore

        doc = self.get_document(name)
        wanted = list(dict.fromkeys(indexes))
        found: dict[int, ReviewPair] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            scores: dict[int, dict[str, StoredScore]] = {}
            for r in self.conn.execute(
                f"SELECT * FROM segment_scores WHERE doc_id = ? AND idx IN ({marks})", (doc.id, *chunk)
            ):
                scores.setdefault(r["idx"], {})[r["metric"]] = StoredScore(
                    r["metric"], r["score"], r["signature"], r["hypothesis"],
                    tuple(_json(r["refs"])), r["ref_kind"], r["scored_at"],
                )
            rows = self.conn.execute(
                f"""SELECT s.idx, s.start, s.end, s.source AS seg_source, s.paragraph, s.line, s.match,
                           u.{_UNIT_COLUMNS.replace(', ', ', u.')}
                    FROM segments s LEFT JOIN units u ON u.id = s.tu_id
                    WHERE s.doc_id = ? AND s.idx IN ({marks})""",
                (doc.id, *chunk),
            )
            for r in rows:
                seg = Segment(r["idx"], r["start"], r["end"], r["seg_source"], r["paragraph"], r["line"])
                unit = _unit(r) if r["id"] is not None else None
                found[seg.index] = ReviewPair(seg, unit, r["match"], scores.get(seg.index, {}))
        return [found[i] for i in wanted if i in found]


    def page_suggestions(self, name: str, indexes: Iterable[int]) -> dict[int, tuple[int, TranslationUnit]]:
        """The fuzzy suggestion `translate` recorded for segments ``indexes`` of document ``name``:
        index -> (match score, unit). ``suggestions`` reads (and rescores) the whole document."""
        from .base import _UNIT_COLUMNS, _unit

        doc = self.get_document(name)
        wanted = list(dict.fromkeys(indexes))
        found: dict[int, tuple[int, TranslationUnit]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = self.conn.execute(
                f"""SELECT s.idx, s.fuzzy_score, u.{_UNIT_COLUMNS.replace(', ', ', u.')}
                    FROM segments s JOIN units u ON u.id = s.fuzzy_tu_id
                    WHERE s.doc_id = ? AND s.idx IN ({",".join("?" * len(chunk))})""",
                (doc.id, *chunk),
            )
            for r in rows:
                found[r["idx"]] = (r["fuzzy_score"], _unit(r))
        return found


def _json(text: str) -> list:
    import json

    return json.loads(text)
