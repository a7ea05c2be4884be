"""The store's documents and their segments: saving a document, linking its segments to the
units that translate them, reading it back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..errors import NotFound
from ..records import Document, Segment
from .core import SEGMENT_COLUMNS, document_from_row, segment_from_row, unit_columns, unit_from_row
from .database import Database
from .normalize import content_hash, text_hash
from .records import Pair, SegmentLink

_DOCUMENT = "SELECT d.*, (SELECT count(*) FROM segments s WHERE s.doc_id = d.id) AS n FROM documents d"


class Documents:
    """Documents of one memory (``db``: the shared :class:`Database` handle)."""

    def __init__(self, db: Database):
        self.db = db

    def save_document(self, name: str, text: str, segments: Sequence[Segment], src_lang: str,
                      tgt_lang: str, hashes: Sequence[str] | None = None,
                      links: Mapping[int, SegmentLink] | None = None) -> int:
        """Store (or replace) document ``name`` with its segments, in one transaction.

        ``links`` (by segment index) gives what is already known of a segment: each row is
        written once with it (issue 15). The caller links the others with :meth:`link_sources`
        (or :meth:`link_segments`) as their translations are made. ``hashes`` are the segments'
        :func:`text_hash` values, if the caller has them already.
        """
        if hashes is None:
            hashes = [text_hash(s.text) for s in segments]
        links = links or {}
        none = SegmentLink()
        db = self.db
        with db.atomic():
            doc_id, existed = db.dialect.upsert_document(
                db, name, (content_hash(text), src_lang, tgt_lang, text), db.now()
            )
            if existed:
                db.write("DELETE FROM segments WHERE doc_id = ?", (doc_id,))
            db.write_many(
                """INSERT INTO segments (doc_id, idx, paragraph, line, start, "end", source, source_hash,
                                         tu_id, match, own_mt, fuzzy_tu_id, fuzzy_score)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (doc_id, s.index, s.paragraph, s.line, s.start, s.end, s.text, h, k.tu_id, k.match,
                     1 if k.own_mt else None, k.fuzzy_tu_id, k.fuzzy_score)
                    for s, h in zip(segments, hashes)
                    for k in (links.get(s.index, none),)
                ],
            )
        return doc_id

    def link_segments(self, doc_id: int, links: dict[int, int], matches: dict[int, int | None] | None = None) -> None:
        """Point segments (by index) of document ``doc_id`` at translation units, recording how
        each was obtained when ``matches`` gives it (the TM match score, 0 for the model)."""
        with self.db.atomic():
            if matches is None:
                self.db.write_many(
                    "UPDATE segments SET tu_id = ? WHERE doc_id = ? AND idx = ?",
                    [(tu, doc_id, idx) for idx, tu in links.items()],
                )
            else:
                self.db.write_many(
                    "UPDATE segments SET tu_id = ?, match = ? WHERE doc_id = ? AND idx = ?",
                    [(tu, matches.get(idx), doc_id, idx) for idx, tu in links.items()],
                )

    def link_sources(self, doc_id: int, links: dict[str, int], match: int | None = None,
                     suggestions: Mapping[str, tuple[int, int]] | None = None) -> None:
        """Point every still unlinked segment of document ``doc_id`` whose source has hash ``h``
        at unit ``links[h]`` (one statement per distinct source), recording ``match`` on them and,
        where ``suggestions`` has one, the best fuzzy match found ``(tu_id, score)`` for ``h``."""
        suggestions = suggestions or {}
        with self.db.atomic():
            self.db.write_many(
                f"UPDATE segments{self.db.dialect.by_source} SET tu_id = ?, match = ?, "
                "fuzzy_tu_id = COALESCE(?, fuzzy_tu_id), fuzzy_score = COALESCE(?, fuzzy_score) "
                "WHERE doc_id = ? AND source_hash = ? AND tu_id IS NULL",
                [(tu, match, *suggestions.get(h, (None, None)), doc_id, h) for h, tu in links.items()],
            )

    def record_suggestions(self, doc_id: int, suggestions: dict[int, tuple[int, int] | None]) -> None:
        """Record, per segment index, the best fuzzy match found ``(tu_id, score)`` (or None)."""
        with self.db.atomic():
            self.db.write_many(
                "UPDATE segments SET fuzzy_tu_id = ?, fuzzy_score = ? WHERE doc_id = ? AND idx = ?",
                [(s[0] if s else None, s[1] if s else None, doc_id, idx) for idx, s in suggestions.items()],
            )

    def document_units(self, name: str) -> set[int]:
        """The ids of the units document ``name``'s segments are linked to (none if no such
        document): what its last translate run produced or reused."""
        rows = self.db.conn.execute(
            """SELECT DISTINCT s.tu_id FROM segments s JOIN documents d ON d.id = s.doc_id
               WHERE d.name = ? AND s.tu_id IS NOT NULL""",
            (name,),
        )
        return {r[0] for r in rows}

    def mark_own_mt(self, doc_id: int, tu_ids: Iterable[int]) -> None:
        """Record that the segments of document ``doc_id`` reused from units ``tu_ids`` (match >
        0) reused the document's own earlier machine translation, not other work (issue 14)."""
        with self.db.atomic():
            self.db.write_many(
                "UPDATE segments SET own_mt = 1 WHERE doc_id = ? AND tu_id = ? AND match > 0",
                [(doc_id, tu) for tu in dict.fromkeys(tu_ids)],
            )

    def lock_document(self, doc_id: int) -> None:
        """Inside ``atomic()``: keep other writers off document ``doc_id`` until commit."""
        self.db.conn.execute(f"SELECT id FROM documents WHERE id = ?{self.db.dialect.lock}", (doc_id,))

    def get_document(self, name: str) -> Document:
        """Document ``name``; :class:`NotFound` if there is none."""
        row = self.db.conn.execute(f"{_DOCUMENT} WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no document named {name!r} in {self.db.path} (see `tmtool docs`)")
        return document_from_row(row)

    def documents(self) -> list[Document]:
        """Every document, the most recently updated first."""
        rows = self.db.conn.execute(f"{_DOCUMENT} ORDER BY d.updated_at DESC, d.id DESC")
        return [document_from_row(r) for r in rows]

    def document_text(self, name: str) -> str:
        """The text document ``name`` was stored with."""
        row = self.db.conn.execute("SELECT source_text FROM documents WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no document named {name!r} in {self.db.path}")
        return row[0]

    def pairs(self, name: str) -> list[Pair]:
        """The segments of document ``name`` in order, each with its unit."""
        doc = self.get_document(name)
        rows = self.db.conn.execute(
            f"""SELECT {SEGMENT_COLUMNS}, {unit_columns('u')}
                FROM segments s LEFT JOIN units u ON u.id = s.tu_id
                WHERE s.doc_id = ? ORDER BY s.idx""",
            (doc.id,),
        )
        return [Pair(segment_from_row(r), unit_from_row(r) if r["id"] is not None else None) for r in rows]
