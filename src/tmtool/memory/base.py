"""What the SQLite and the PostgreSQL store share: units, documents, and the SQL both run.

:class:`SQLStore` holds every method whose SQL both databases run as written (SQLite's dialect:
``?`` placeholders; the PostgreSQL connection translates them, see ``pg.py``). The mixins it
inherits (review, lookup, import/export) are shared the same way. What differs (connecting,
transactions, migrations, the fuzzy index's bookkeeping, full-text search, sizes) is left to the
two subclasses through the small ``_hooks`` at the end of the class (issue 7).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from ..errors import NotFound
from ..records import ORIGINS, STATUSES, Document, Segment, TranslationUnit, reusable
from .browse import BrowseStore
from .core import now
from .normalize import content_hash, text_hash
from .glossary import GlossaryStore
from .review import ReviewStore
from .tmstore import MemoryIO

# Exact-match preference: approved beats draft, a person's text beats the model's, newest last.
_STATUS_RANK = "CASE status WHEN 'approved' THEN 0 ELSE 1 END"
_ORIGIN_RANK = "CASE origin WHEN 'human' THEN 0 WHEN 'imported' THEN 1 WHEN 'aligned' THEN 2 ELSE 3 END"
_UNIT_COLUMNS = (
    "id, source, target, src_lang, tgt_lang, origin, status, model, author, "
    "prev_source, next_source, created_at, updated_at, props"
)
#: Tables whose rows are a memory's content (``tmtool tm copy`` moves them, in this order, so
#: that every row's references exist before it). The other tables are indexes built from them.
CONTENT_TABLES = ("units", "documents", "segments", "history", "segment_scores", "doc_scores")


@dataclass(frozen=True)
class Pair:
    """One segment of a stored document with the unit that translates it (None if not yet)."""

    segment: Segment
    unit: TranslationUnit | None


@dataclass(frozen=True)
class SegmentLink:
    """What is known of a segment when its document is saved (see :meth:`SQLStore.save_document`):
    the unit that answers it, how (``match``: 101 context, 100 exact, < 100 fuzzy, 0 the model),
    whether that is the document's own earlier MT, and its best fuzzy suggestion."""

    tu_id: int | None = None
    match: int | None = None
    own_mt: bool = False
    fuzzy_tu_id: int | None = None
    fuzzy_score: int | None = None


class SQLStore(ReviewStore, MemoryIO, BrowseStore, GlossaryStore):
    """The store methods both back ends share. Subclasses supply ``conn`` (``execute``,
    ``executemany``; rows readable by index and by column name), ``path`` (where the memory is,
    for messages), :meth:`atomic` and the hooks below."""

    conn: Any
    path: Any

    def atomic(self) -> AbstractContextManager:  # pragma: no cover - each back end has its own
        raise NotImplementedError

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- units --------------------------------------------------------------------------

    def lookup_exact(
        self, sources: Iterable[str], src_lang: str, tgt_lang: str, *,
        hashes: Iterable[str] | None = None,
    ) -> dict[str, TranslationUnit]:
        """The best reusable unit for each source that has one, keyed by source text.

        Rejected units are never reused, nor machine drafts the model cut short at its output
        limit (see :func:`~tmtool.records.cut_short`). Among the rest: approved first, then by
        origin (human, imported, aligned, mt), then the most recently updated. ``hashes``: the
        sources' :func:`text_hash` values, in order, if the caller has them already.
        """
        by_hash: dict[str, list[str]] = {}
        sources = list(sources)
        for s, h in zip(sources, hashes if hashes is not None else map(text_hash, sources)):
            by_hash.setdefault(h, []).append(s)
        found: dict[str, TranslationUnit] = {}
        hashes = list(by_hash)
        # Units of any variant of the languages (id, id-ID, in ...), the exact one first.
        where, params, ranks = self._lang_where(src_lang, tgt_lang)
        order, order_params = self._lang_order(ranks)
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"""SELECT {_UNIT_COLUMNS}, source_hash FROM units
                    WHERE {where} AND source_hash IN ({marks})
                      AND status != 'rejected'
                    ORDER BY source_hash, {order} {_STATUS_RANK}, {_ORIGIN_RANK}, updated_at DESC, id DESC""",
                (*params, *chunk, *order_params),
            )
            for row in rows:
                unit = _unit(row)
                if not reusable(unit):
                    continue
                for s in by_hash[row["source_hash"]]:
                    found.setdefault(s, unit)
        return found

    def add_units(self, units: Iterable[TranslationUnit]) -> list[int]:
        """Store units and return their ids, in order.

        A unit whose source and target are already stored for its languages is not added twice:
        the existing row's id is returned and the row is left as it is (its status and origin
        may carry a person's decision). Writers in other processes may add the same unit at the
        same moment: the unique index decides, and every writer gets the one row's id.
        """
        ids = []
        stamp = self._now()
        with self.atomic():
            for u in units:
                _check_unit(u)
                key = unit_key(u)
                tu_id = self._existing_unit(key)
                if tu_id is None:
                    tu_id = self._insert_unit(u, key, stamp)
                ids.append(tu_id)
        return ids

    def _insert_unit(self, u: TranslationUnit, key: tuple[str, str, str, str], stamp: str) -> int:
        """Insert one unit (known to be missing a moment ago); its id, or the id of the row
        another writer stored since."""
        tu_id = self._insert_id(
            """INSERT INTO units (src_lang, tgt_lang, source, target, source_hash,
                   target_hash, origin, model, status, author, prev_source, next_source,
                   props, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (src_lang, tgt_lang, source_hash, target_hash) DO NOTHING""",
            (
                u.src_lang, u.tgt_lang, u.source, u.target, key[2], key[3], u.origin, u.model,
                u.status, u.author, u.prev_source, u.next_source,
                json.dumps(u.props, ensure_ascii=False) if u.props else None,
                u.created_at or stamp, u.updated_at or stamp,
            ),
        )
        return tu_id if tu_id is not None else self._existing_unit(key)

    def _existing_unit(self, key: tuple[str, str, str, str]) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM units WHERE src_lang = ? AND tgt_lang = ? AND source_hash = ? "
            "AND target_hash = ?",
            key,
        ).fetchone()
        return row[0] if row else None

    def unit_ids(self, units: Iterable[TranslationUnit]) -> list[int | None]:
        """The id of the stored unit with each unit's languages, source and target (None where
        the memory holds none), whatever its status."""
        return [self._existing_unit(unit_key(u)) for u in units]

    def get_unit(self, tu_id: int) -> TranslationUnit:
        """The unit with id ``tu_id``; :class:`NotFound` if there is none."""
        row = self.conn.execute(f"SELECT {_UNIT_COLUMNS} FROM units WHERE id = ?", (tu_id,)).fetchone()
        if row is None:
            raise NotFound(f"no translation unit {tu_id} in {self.path}")
        return _unit(row)

    def get_units(self, tu_ids: Iterable[int]) -> dict[int, TranslationUnit]:
        """The units with these ids that exist, by id (what the memory holds, status included)."""
        ids = list(dict.fromkeys(tu_ids))
        found: dict[int, TranslationUnit] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self.conn.execute(
                f"SELECT {_UNIT_COLUMNS} FROM units WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update((r["id"], _unit(r)) for r in rows)
        return found

    def count_units(self) -> int:
        return self.conn.execute("SELECT count(*) FROM units").fetchone()[0]

    # -- documents ----------------------------------------------------------------------

    def save_document(
        self,
        name: str,
        text: str,
        segments: Sequence[Segment],
        src_lang: str,
        tgt_lang: str,
        hashes: Sequence[str] | None = None,
        links: Mapping[int, SegmentLink] | None = None,
    ) -> int:
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
        with self.atomic():
            doc_id, existed = self._upsert_document(
                name, (content_hash(text), src_lang, tgt_lang, text), self._now()
            )
            if existed:
                self._write("DELETE FROM segments WHERE doc_id = ?", (doc_id,))
            self._write_many(
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

    def link_segments(
        self, doc_id: int, links: dict[int, int], matches: dict[int, int | None] | None = None
    ) -> None:
        """Point segments (by index) of document ``doc_id`` at translation units, recording how
        each was obtained when ``matches`` gives it (the TM match score, 0 for the model)."""
        with self.atomic():
            if matches is None:
                self._write_many(
                    "UPDATE segments SET tu_id = ? WHERE doc_id = ? AND idx = ?",
                    [(tu, doc_id, idx) for idx, tu in links.items()],
                )
            else:
                self._write_many(
                    "UPDATE segments SET tu_id = ?, match = ? WHERE doc_id = ? AND idx = ?",
                    [(tu, matches.get(idx), doc_id, idx) for idx, tu in links.items()],
                )

    def link_sources(self, doc_id: int, links: dict[str, int], match: int | None = None,
                     suggestions: Mapping[str, tuple[int, int]] | None = None) -> None:
        """Point every still unlinked segment of document ``doc_id`` whose source has hash ``h``
        at unit ``links[h]`` (one statement per distinct source), recording ``match`` on them and,
        where ``suggestions`` has one, the best fuzzy match found ``(tu_id, score)`` for ``h``."""
        suggestions = suggestions or {}
        with self.atomic():
            self._write_many(
                # Without statistics SQLite would walk every unlinked segment of the document
                # (through the tu_id index or the primary key) for each source: quadratic on a
                # big document. The source index finds exactly the rows. (PostgreSQL plans by
                # its statistics; its connection drops the hint.)
                "UPDATE segments INDEXED BY segments_source SET tu_id = ?, match = ?, "
                "fuzzy_tu_id = COALESCE(?, fuzzy_tu_id), fuzzy_score = COALESCE(?, fuzzy_score) "
                "WHERE doc_id = ? AND source_hash = ? AND tu_id IS NULL",
                [(tu, match, *suggestions.get(h, (None, None)), doc_id, h) for h, tu in links.items()],
            )

    def document_units(self, name: str) -> set[int]:
        """The ids of the units document ``name``'s segments are linked to (none if no such
        document): what its last translate run produced or reused."""
        rows = self.conn.execute(
            """SELECT DISTINCT s.tu_id FROM segments s JOIN documents d ON d.id = s.doc_id
               WHERE d.name = ? AND s.tu_id IS NOT NULL""",
            (name,),
        )
        return {r[0] for r in rows}

    def mark_own_mt(self, doc_id: int, tu_ids: Iterable[int]) -> None:
        """Record that the segments of document ``doc_id`` reused from units ``tu_ids`` (match >
        0) reused the document's own earlier machine translation, not other work (issue 14)."""
        with self.atomic():
            self._write_many(
                "UPDATE segments SET own_mt = 1 WHERE doc_id = ? AND tu_id = ? AND match > 0",
                [(doc_id, tu) for tu in dict.fromkeys(tu_ids)],
            )

    def get_document(self, name: str) -> Document:
        row = self.conn.execute(
            """SELECT d.*, (SELECT count(*) FROM segments s WHERE s.doc_id = d.id) AS n
               FROM documents d WHERE name = ?""",
            (name,),
        ).fetchone()
        if row is None:
            raise NotFound(f"no document named {name!r} in {self.path} (see `tmtool docs`)")
        return _document(row)

    def documents(self) -> list[Document]:
        rows = self.conn.execute(
            """SELECT d.*, (SELECT count(*) FROM segments s WHERE s.doc_id = d.id) AS n
               FROM documents d ORDER BY d.updated_at DESC, d.id DESC"""
        )
        return [_document(r) for r in rows]

    def document_text(self, name: str) -> str:
        row = self.conn.execute("SELECT source_text FROM documents WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no document named {name!r} in {self.path}")
        return row[0]

    def pairs(self, name: str) -> list[Pair]:
        """The segments of document ``name`` in order, each with its unit."""
        doc = self.get_document(name)
        rows = self.conn.execute(
            f"""SELECT s.idx, s.start, s.end, s.source AS seg_source, s.paragraph, s.line,
                       u.{_UNIT_COLUMNS.replace(', ', ', u.')}
                FROM segments s LEFT JOIN units u ON u.id = s.tu_id
                WHERE s.doc_id = ? ORDER BY s.idx""",
            (doc.id,),
        )
        out = []
        for r in rows:
            seg = Segment(r["idx"], r["start"], r["end"], r["seg_source"], r["paragraph"], r["line"])
            out.append(Pair(seg, _unit(r) if r["id"] is not None else None))
        return out

    # -- whole tables (tmtool tm copy) --------------------------------------------------

    def is_empty(self) -> bool:
        """True when the memory holds no content at all (no row in any content table)."""
        return all(
            self.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is None
            for t in self.content_tables()
        )

    def content_tables(self) -> dict[str, list[str]]:
        """The content tables (see ``CONTENT_TABLES``; any other table a later migration adds
        comes after them) with their columns, as this memory's schema has them."""
        tables = self._tables()
        order = [t for t in CONTENT_TABLES if t in tables] + sorted(t for t in tables if t not in CONTENT_TABLES)
        return {t: tables[t] for t in order}

    def read_rows(self, table: str, columns: Sequence[str], batch: int = 5000) -> Iterator[list[tuple]]:
        """Every row of ``table`` (the given columns), in batches, without holding the table in
        memory."""
        raise NotImplementedError

    def write_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Insert rows as they are, ids included (into an empty memory; inside :meth:`atomic`)."""
        cols = ", ".join(_quote(c) for c in columns)
        self._write_many(
            f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})", rows
        )

    def finish_copy(self) -> None:
        """After :meth:`write_rows`: bring counters and indexes up to date."""
        self.update_fuzzy_index()

    # -- hooks: what each back end does its own way -------------------------------------

    def _write(self, sql: str, params: Sequence | dict = ()):
        """Execute a write; a database failure becomes a one-line :class:`TMError`."""
        raise NotImplementedError

    def _write_many(self, sql: str, rows: Iterable[Sequence]):
        raise NotImplementedError

    def _insert_id(self, sql: str, params: Sequence) -> int | None:
        """Run an ``INSERT ... ON CONFLICT DO NOTHING`` of one row: the new row's id, or None."""
        raise NotImplementedError

    def _upsert_document(self, name: str, values: tuple, stamp: str) -> tuple[int, bool]:
        """Insert or update document ``name``: ``(id, whether it existed)``."""
        raise NotImplementedError

    def _lock_unit(self, tu_id: int) -> TranslationUnit:
        """Inside :meth:`atomic`: unit ``tu_id``, locked against other writers until commit."""
        raise NotImplementedError

    def _lock_document(self, doc_id: int) -> None:
        """Inside :meth:`atomic`: keep other writers off document ``doc_id`` until commit."""
        raise NotImplementedError

    def _after_import(self, added: int) -> None:
        """After an import committed ``added`` new units (statistics, ...)."""

    def _tables(self) -> dict[str, list[str]]:
        """Content tables and their columns (indexes, migrations bookkeeping left out)."""
        raise NotImplementedError


def unit_key(u: TranslationUnit) -> tuple[str, str, str, str]:
    """What makes a unit unique: languages and normalised source and target (their hashes)."""
    return (u.src_lang, u.tgt_lang, text_hash(u.source), text_hash(u.target))


def _unit(row) -> TranslationUnit:
    return TranslationUnit(
        id=row["id"], source=row["source"], target=row["target"], src_lang=row["src_lang"],
        tgt_lang=row["tgt_lang"], origin=row["origin"], status=row["status"], model=row["model"],
        author=row["author"], prev_source=row["prev_source"], next_source=row["next_source"],
        created_at=row["created_at"], updated_at=row["updated_at"],
        props=json.loads(row["props"]) if row["props"] else {},
    )


def _document(row) -> Document:
    return Document(
        id=row["id"], name=row["name"], content_hash=row["content_hash"], src_lang=row["src_lang"],
        tgt_lang=row["tgt_lang"], segment_count=row["n"], created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _check_unit(u: TranslationUnit) -> None:
    if u.origin not in ORIGINS:
        raise ValueError(f"unknown origin {u.origin!r}")
    if u.status not in STATUSES:
        raise ValueError(f"unknown status {u.status!r}")


def _quote(column: str) -> str:
    return f'"{column}"'
