"""The store's reads for browsing a big document a page at a time (issue 19, `tmtool serve`).

``document_pairs`` builds every unit and every stored score of a document: half a second for
5,000 segments. A page needs that only for its own rows; to filter and order the rest, a light
index (status, origin, match, texts, sentence BLEU) of each segment is enough.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..records import TranslationUnit
from .core import SEGMENT_COLUMNS, segment_from_row, unit_columns, unit_from_row
from .database import Database
from .documents import Documents
from .records import IndexRow, ReviewPair
from .scores import Scores
from .units import CHUNK, marks


class Browse:
    """Paged reads of one document (``db``: the shared handle)."""

    def __init__(self, db: Database, documents: Documents, scores: Scores):
        self.db = db
        self.documents = documents
        self.scores = scores

    def review_index(self, name: str) -> list[IndexRow]:
        """Every segment of document ``name`` in order, light: no unit records, no signatures."""
        doc = self.documents.get_document(name)
        rows = self.db.conn.execute(
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
        doc = self.documents.get_document(name)
        rows = self.db.conn.execute(
            """SELECT COALESCE(u.status, 'untranslated'), count(*)
               FROM segments s LEFT JOIN units u ON u.id = s.tu_id WHERE s.doc_id = ?
               GROUP BY COALESCE(u.status, 'untranslated')""",
            (doc.id,),
        )
        return {r[0]: r[1] for r in rows}

    def review_page(self, name: str, indexes: Iterable[int]) -> list[ReviewPair]:
        """The segments ``indexes`` of document ``name``, in that order, as ``document_pairs``
        gives them (unit, match, stored scores)."""
        doc = self.documents.get_document(name)
        wanted = list(dict.fromkeys(indexes))
        found: dict[int, ReviewPair] = {}
        for i in range(0, len(wanted), CHUNK):
            chunk = wanted[i : i + CHUNK]
            scores = self.scores.segment_scores(doc.id, chunk)
            rows = self.db.conn.execute(
                f"""SELECT {SEGMENT_COLUMNS}, s.match, {unit_columns('u')}
                    FROM segments s LEFT JOIN units u ON u.id = s.tu_id
                    WHERE s.doc_id = ? AND s.idx IN ({marks(chunk)})""",
                (doc.id, *chunk),
            )
            for r in rows:
                seg = segment_from_row(r)
                unit = unit_from_row(r) if r["id"] is not None else None
                found[seg.index] = ReviewPair(seg, unit, r["match"], scores.get(seg.index, {}))
        return [found[i] for i in wanted if i in found]

    def page_suggestions(self, name: str, indexes: Iterable[int]) -> dict[int, tuple[int, TranslationUnit]]:
        """The fuzzy suggestion `translate` recorded for segments ``indexes`` of document ``name``:
        index -> (match score, unit). ``suggestions`` reads (and rescores) the whole document."""
        doc = self.documents.get_document(name)
        wanted = list(dict.fromkeys(indexes))
        found: dict[int, tuple[int, TranslationUnit]] = {}
        for i in range(0, len(wanted), CHUNK):
            chunk = wanted[i : i + CHUNK]
            rows = self.db.conn.execute(
                f"""SELECT s.idx, s.fuzzy_score, {unit_columns('u')}
                    FROM segments s JOIN units u ON u.id = s.fuzzy_tu_id
                    WHERE s.doc_id = ? AND s.idx IN ({marks(chunk)})""",
                (doc.id, *chunk),
            )
            for r in rows:
                found[r["idx"]] = (r["fuzzy_score"], unit_from_row(r))
        return found
