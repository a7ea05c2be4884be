"""The one class that owns a translation-memory database (SQLite)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import NotFound, TMError, MemoryNotFound
from ..records import ORIGINS, STATUSES, Document, Segment, TranslationUnit
from .migrations import MIGRATIONS
from .normalize import content_hash, text_hash
from .review import ReviewStore
from .tmstore import MemoryIO

# Exact-match preference: approved beats draft, a person's text beats the model's, newest last.
_STATUS_RANK = "CASE status WHEN 'approved' THEN 0 ELSE 1 END"
_ORIGIN_RANK = "CASE origin WHEN 'human' THEN 0 WHEN 'imported' THEN 1 WHEN 'aligned' THEN 2 ELSE 3 END"
_UNIT_COLUMNS = (
    "id, source, target, src_lang, tgt_lang, origin, status, model, author, "
    "prev_source, next_source, created_at, updated_at, props"
)


def now() -> str:
    """The current time as ISO 8601 UTC with seconds, the form every timestamp is stored in."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Pair:
    """One segment of a stored document with the unit that translates it (None if not yet)."""

    segment: Segment
    unit: TranslationUnit | None


class TranslationMemory(ReviewStore, MemoryIO):
    """A translation memory in one SQLite file.

    Opening applies pending migrations. Every write goes through :meth:`atomic`, so a crash
    (even ``kill -9``) leaves either all of a write or none of it.
    """

    def __init__(self, path: str | Path, *, create: bool = True, busy_timeout: float = 60.0):
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise MemoryNotFound(
                    f"no translation memory at {self.path} (run `tmtool translate` to create one, "
                    "or pass --tm PATH)"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise TMError(f"cannot create {self.path.parent}: {e.strerror or e}") from None
        elif self.path.is_dir():
            raise TMError(f"{self.path} is a directory, not a translation memory file")
        try:
            self.conn = sqlite3.connect(
                str(self.path), timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._set_journal_mode()
            self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as e:
            raise TMError(f"{self.path}: not a usable SQLite database ({e})") from None
        self._depth = 0
        self._lock = threading.RLock()
        self._migrate()

    def _set_journal_mode(self) -> None:
        # WAL lets readers go on while one process writes; on a read-only file it cannot be
        # switched on, and the memory is still readable in its current mode.
        try:
            self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls become savepoints of the outer one."""
        with self._lock:
            depth = self._depth
            name = f"sp{depth}"
            try:
                self.conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {name}")
            except sqlite3.OperationalError as e:
                raise _tm_error(self.path, e) from None
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if depth == 0:
                    self.conn.execute("ROLLBACK")
                else:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                raise
            self._depth -= 1
            try:
                self.conn.execute("COMMIT" if depth == 0 else f"RELEASE {name}")
            except sqlite3.OperationalError as e:
                if depth == 0:
                    self.conn.execute("ROLLBACK")
                raise _tm_error(self.path, e) from None

    def _write(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as e:
            raise _tm_error(self.path, e) from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "TranslationMemory":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------

    def _migrate(self) -> None:
        try:
            done = self._applied_migrations()
        except sqlite3.DatabaseError as e:
            raise TMError(f"{self.path}: not a translation memory ({e})") from None
        pending = [(n, sql) for n, sql in MIGRATIONS if n not in done]
        for name, sql in pending:
            with self.atomic() as conn:
                # Re-check inside the lock: another process may have migrated meanwhile.
                if name in self._applied_migrations():
                    continue
                for statement in _split_sql(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, now()))

    def _applied_migrations(self) -> set[str]:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
        ).fetchone()
        if not exists:
            with self.atomic() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
        return {r[0] for r in self.conn.execute("SELECT name FROM _migrations")}

    @property
    def schema_version(self) -> str:
        """The name of the last migration applied."""
        row = self.conn.execute("SELECT name FROM _migrations ORDER BY name DESC LIMIT 1").fetchone()
        return row[0] if row else ""

    # -- units --------------------------------------------------------------------------

    def lookup_exact(
        self, sources: Iterable[str], src_lang: str, tgt_lang: str
    ) -> dict[str, TranslationUnit]:
        """The best reusable unit for each source that has one, keyed by source text.

        Rejected units are never reused. Among the rest: approved first, then by origin
        (human, imported, aligned, mt), then the most recently updated.
        """
        by_hash: dict[str, list[str]] = {}
        for s in sources:
            by_hash.setdefault(text_hash(s), []).append(s)
        found: dict[str, TranslationUnit] = {}
        hashes = list(by_hash)
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"""SELECT {_UNIT_COLUMNS}, source_hash FROM units
                    WHERE src_lang = ? AND tgt_lang = ? AND source_hash IN ({marks})
                      AND status != 'rejected'
                    ORDER BY source_hash, {_STATUS_RANK}, {_ORIGIN_RANK}, updated_at DESC, id DESC""",
                (src_lang, tgt_lang, *chunk),
            )
            for row in rows:
                for s in by_hash[row["source_hash"]]:
                    found.setdefault(s, _unit(row))
        return found

    def add_units(self, units: Iterable[TranslationUnit]) -> list[int]:
        """Store units and return their ids, in order.

        A unit whose source and target are already stored for its languages is not added twice:
        the existing row's id is returned and the row is left as it is (its status and origin
        may carry a person's decision).
        """
        ids = []
        stamp = now()
        with self.atomic():
            for u in units:
                _check_unit(u)
                sh, th = text_hash(u.source), text_hash(u.target)
                cur = self._write(
                    """INSERT INTO units (src_lang, tgt_lang, source, target, source_hash, target_hash,
                           origin, model, status, author, prev_source, next_source, props,
                           created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (src_lang, tgt_lang, source_hash, target_hash) DO NOTHING""",
                    (
                        u.src_lang, u.tgt_lang, u.source, u.target, sh, th, u.origin, u.model,
                        u.status, u.author, u.prev_source, u.next_source,
                        json.dumps(u.props, ensure_ascii=False) if u.props else None,
                        u.created_at or stamp, u.updated_at or stamp,
                    ),
                )
                if cur.rowcount == 1:
                    ids.append(cur.lastrowid)
                else:
                    row = self.conn.execute(
                        "SELECT id FROM units WHERE src_lang = ? AND tgt_lang = ? AND source_hash = ? "
                        "AND target_hash = ?",
                        (u.src_lang, u.tgt_lang, sh, th),
                    ).fetchone()
                    ids.append(row[0])
        return ids

    def get_unit(self, tu_id: int) -> TranslationUnit:
        """The unit with id ``tu_id``; :class:`NotFound` if there is none."""
        row = self.conn.execute(f"SELECT {_UNIT_COLUMNS} FROM units WHERE id = ?", (tu_id,)).fetchone()
        if row is None:
            raise NotFound(f"no translation unit {tu_id} in {self.path}")
        return _unit(row)

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
    ) -> int:
        """Store (or replace) document ``name`` with its segments, not yet linked to units.

        The caller links them with :meth:`link_segments` as translations are found or made.
        ``hashes`` are the segments' :func:`text_hash` values, if the caller has them already.
        """
        if hashes is None:
            hashes = [text_hash(s.text) for s in segments]
        stamp = now()
        with self.atomic() as conn:
            row = conn.execute("SELECT id FROM documents WHERE name = ?", (name,)).fetchone()
            if row is None:
                doc_id = self._write(
                    """INSERT INTO documents (name, content_hash, src_lang, tgt_lang, source_text,
                           created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (name, content_hash(text), src_lang, tgt_lang, text, stamp, stamp),
                ).lastrowid
            else:
                doc_id = row[0]
                self._write(
                    """UPDATE documents SET content_hash = ?, src_lang = ?, tgt_lang = ?,
                           source_text = ?, updated_at = ? WHERE id = ?""",
                    (content_hash(text), src_lang, tgt_lang, text, stamp, doc_id),
                )
                self._write("DELETE FROM segments WHERE doc_id = ?", (doc_id,))
            self.conn.executemany(
                """INSERT INTO segments (doc_id, idx, paragraph, line, start, end, source, source_hash)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (doc_id, s.index, s.paragraph, s.line, s.start, s.end, s.text, h)
                    for s, h in zip(segments, hashes)
                ],
            )
        return doc_id

    def link_segments(
        self, doc_id: int, links: dict[int, int], matches: dict[int, int | None] | None = None
    ) -> None:
        """Point segments (by index) of document ``doc_id`` at translation units, recording how
        each was obtained when ``matches`` gives it (the TM match score, 0 for the model)."""
        with self.atomic() as conn:
            if matches is None:
                conn.executemany(
                    "UPDATE segments SET tu_id = ? WHERE doc_id = ? AND idx = ?",
                    [(tu, doc_id, idx) for idx, tu in links.items()],
                )
            else:
                conn.executemany(
                    "UPDATE segments SET tu_id = ?, match = ? WHERE doc_id = ? AND idx = ?",
                    [(tu, matches.get(idx), doc_id, idx) for idx, tu in links.items()],
                )

    def link_sources(self, doc_id: int, links: dict[str, int], match: int | None = None) -> None:
        """Point every still unlinked segment of document ``doc_id`` whose source has hash ``h``
        at unit ``links[h]`` (one statement per distinct source), recording ``match`` on them."""
        with self.atomic() as conn:
            conn.executemany(
                # Without statistics SQLite would walk every unlinked segment of the document
                # (through the tu_id index or the primary key) for each source: quadratic on a
                # big document. The source index finds exactly the rows.
                "UPDATE segments INDEXED BY segments_source SET tu_id = ?, match = ? "
                "WHERE doc_id = ? AND source_hash = ? AND tu_id IS NULL",
                [(tu, match, doc_id, h) for h, tu in links.items()],
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


def _unit(row: sqlite3.Row) -> TranslationUnit:
    return TranslationUnit(
        id=row["id"], source=row["source"], target=row["target"], src_lang=row["src_lang"],
        tgt_lang=row["tgt_lang"], origin=row["origin"], status=row["status"], model=row["model"],
        author=row["author"], prev_source=row["prev_source"], next_source=row["next_source"],
        created_at=row["created_at"], updated_at=row["updated_at"],
        props=json.loads(row["props"]) if row["props"] else {},
    )


def _document(row: sqlite3.Row) -> Document:
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


def _split_sql(script: str) -> list[str]:
    # Split at the ends of statements; complete_statement keeps a trigger's BEGIN ... END whole.
    statements, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \t\n;"):
                statements.append(buf.strip())
            buf = ""
    return statements


def _tm_error(path: Path, e: sqlite3.OperationalError) -> TMError:
    msg = str(e)
    if "readonly" in msg:
        return TMError(f"{path}: the translation memory is read-only; nothing was written")
    if "disk is full" in msg or "database or disk is full" in msg:
        return TMError(f"{path}: the disk is full; nothing of this write was stored")
    if "locked" in msg or "busy" in msg:
        return TMError(f"{path}: the translation memory stayed locked by another process; try again")
    return TMError(f"{path}: {msg}")
