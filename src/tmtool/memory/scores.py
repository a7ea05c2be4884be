"""The store's stored scores: what the last ``tmtool score`` run of a document stored."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from .database import Database
from .documents import Documents
from .records import StoredCorpusScore, StoredScore
from .units import CHUNK, marks


class Scores:
    """Corpus and sentence scores of documents (``db``: the shared handle)."""

    def __init__(self, db: Database, documents: Documents):
        self.db = db
        self.documents = documents

    def corpus_scores(self, name: str) -> list[StoredCorpusScore]:
        """The corpus scores the last ``tmtool score`` stored for document ``name``."""
        doc = self.documents.get_document(name)
        rows = self.db.conn.execute(
            """SELECT metric, score, signature, formatted, ci_mean, ci_half, segments, ref_kind,
                      scored_at FROM doc_scores WHERE doc_id = ?
               ORDER BY CASE metric WHEN 'BLEU' THEN 0 WHEN 'TER' THEN 2 ELSE 1 END, metric""",
            (doc.id,),
        )
        return [StoredCorpusScore(**dict(zip(r.keys(), r))) for r in rows]

    def segment_scores(self, doc_id: int, indexes: Sequence[int] | None = None) -> dict[int, dict[str, StoredScore]]:
        """The stored sentence scores of document ``doc_id`` (of segments ``indexes`` only, if
        given), by segment index and metric."""
        out: dict[int, dict[str, StoredScore]] = {}
        if indexes is None:
            batches = [("", ())]
        else:
            wanted = list(indexes)
            batches = [(f" AND idx IN ({marks(c)})", tuple(c))
                       for c in (wanted[i : i + CHUNK] for i in range(0, len(wanted), CHUNK))]
        for where, params in batches:
            for r in self.db.conn.execute(f"SELECT * FROM segment_scores WHERE doc_id = ?{where}", (doc_id, *params)):
                out.setdefault(r["idx"], {})[r["metric"]] = StoredScore(
                    r["metric"], r["score"], r["signature"], r["hypothesis"],
                    tuple(json.loads(r["refs"])), r["ref_kind"], r["scored_at"],
                )
        return out

    def save_scores(self, name: str, corpus: Iterable[StoredCorpusScore],
                    sentences: Iterable[tuple[int, StoredScore]]) -> None:
        """Store one scoring run of document ``name``, replacing the previous run's scores."""
        doc = self.documents.get_document(name)
        db = self.db
        with db.atomic():
            self.documents.lock_document(doc.id)  # two scoring runs of one document: one after the other
            db.write("DELETE FROM doc_scores WHERE doc_id = ?", (doc.id,))
            db.write("DELETE FROM segment_scores WHERE doc_id = ?", (doc.id,))
            db.write_many(
                """INSERT INTO doc_scores (doc_id, metric, score, signature, formatted, ci_mean,
                       ci_half, segments, ref_kind, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(doc.id, c.metric, c.score, c.signature, c.formatted, c.ci_mean, c.ci_half, c.segments,
                  c.ref_kind, c.scored_at) for c in corpus],
            )
            db.write_many(
                """INSERT INTO segment_scores (doc_id, idx, metric, score, signature, hypothesis,
                       refs, ref_kind, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(doc.id, idx, s.metric, s.score, s.signature, s.hypothesis,
                  json.dumps(list(s.refs), ensure_ascii=False), s.ref_kind, s.scored_at) for idx, s in sentences],
            )
