"""The store's review and scoring methods: history, status changes, edits, stored scores.

A mixin that :class:`~tmtool.memory.store.SQLiteMemory` inherits (issue 4), so the one
store class still owns every statement. Each public write is one transaction: a decision made in
the review loop is on disk before the next pair is shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, UsageError
from ..records import ORIGINS, OWN_MT, STATUSES, Segment, TranslationUnit
from .normalize import text_hash

if TYPE_CHECKING:
    import sqlite3
    from contextlib import AbstractContextManager
    from pathlib import Path

    from ..records import Document
    from .store import Pair

#: ``--origin tm``: the segment's target was reused from the memory in the last translate run.
FROM_TM = "tm"
_ACTIONS = {"approved": "approve", "rejected": "reject", "draft": "reopen"}


@dataclass(frozen=True)
class Change:
    """One recorded change to a unit: who changed what, when."""

    id: int
    tu_id: int
    action: str  # approve, reject, reopen, edit
    old_target: str | None
    new_target: str | None
    old_status: str | None
    new_status: str | None
    old_origin: str | None
    new_origin: str | None
    author: str | None
    at: str
    note: str | None = None


@dataclass(frozen=True)
class StoredScore:
    """A sentence-level score of one segment, as the last ``tmtool score`` stored it."""

    metric: str  # sacrebleu's name: BLEU, chrF2
    score: float
    signature: str
    hypothesis: str  # the text that was scored (a later edit makes the score stale)
    refs: tuple[str, ...]
    ref_kind: str  # "file": --ref files; "tm": approved targets from the memory
    scored_at: str


@dataclass(frozen=True)
class StoredCorpusScore:
    """A corpus score of one document, with the line sacrebleu printed for it."""

    metric: str
    score: float
    signature: str
    formatted: str
    ci_mean: float | None
    ci_half: float | None
    segments: int
    ref_kind: str
    scored_at: str


@dataclass(frozen=True)
class ReviewPair:
    """A segment with its unit, how it was obtained (``match``) and its stored scores."""

    segment: Segment
    unit: TranslationUnit | None
    match: int | None  # TM match score in the last translate run; 0 = the model; None = unknown
    scores: dict[str, StoredScore] = field(default_factory=dict)
    own_mt: bool = False  # the match reused this document's own earlier machine translation

    @property
    def reuse(self) -> str | None:
        """How the last translate run got this target from the memory, in a reader's words:
        ``TM 101%`` (same context), ``TM 100%`` or a fuzzy ``TM 87%`` for other work (another
        document's translation, an import, an alignment, a person's edit), ``own earlier MT``
        for this document's own earlier machine translation kept as it was; None when the model
        translated it in that run or nothing was recorded (issue 14)."""
        if not self.match:
            return None
        return OWN_MT if self.own_mt else f"TM {self.match}%"

    def score(self, metric: str) -> float | None:
        s = self.scores.get(metric)
        return s.score if s else None

    @property
    def stale(self) -> bool:
        """True when the target changed after it was scored."""
        unit = self.unit
        return unit is not None and any(s.hypothesis != unit.target for s in self.scores.values())


class ReviewStore:
    """Review and score methods of :class:`SQLiteMemory` (it supplies conn, atomic, ...)."""

    if TYPE_CHECKING:  # provided by SQLiteMemory
        conn: sqlite3.Connection
        path: Path

        def atomic(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _write(self, sql: str, params: Any = ()) -> sqlite3.Cursor: ...
        def _write_many(self, sql: str, rows: Any) -> sqlite3.Cursor: ...
        def _lock_unit(self, tu_id: int) -> TranslationUnit: ...
        def _lock_document(self, doc_id: int) -> None: ...
        def get_unit(self, tu_id: int) -> TranslationUnit: ...
        def get_document(self, name: str) -> Document: ...
        def pairs(self, name: str) -> list[Pair]: ...

    # -- reading ------------------------------------------------------------------------

    def review_pairs(
        self,
        name: str,
        *,
        statuses: Sequence[str] | None = None,
        origins: Sequence[str] | None = None,
    ) -> list[ReviewPair]:
        """The translated segments of document ``name`` in order, filtered by unit status and
        origin (``tm`` selects segments reused from the memory in the last translate run)."""
        from .store import _UNIT_COLUMNS, _unit

        doc = self.get_document(name)
        where = ["s.doc_id = ?", "s.tu_id IS NOT NULL"]
        params: list[object] = [doc.id]
        if statuses:
            _check(statuses, STATUSES, "status")
            where.append(f"u.status IN ({_marks(statuses)})")
            params += statuses
        if origins:
            _check(origins, (*ORIGINS, FROM_TM), "origin")
            unit_origins = [o for o in origins if o != FROM_TM]
            alternatives = [f"u.origin IN ({_marks(unit_origins)})"] if unit_origins else []
            if FROM_TM in origins:  # the document's own earlier MT is not a TM match (issue 14)
                alternatives.append("(s.match > 0 AND s.own_mt IS NULL)")
            where.append("(" + " OR ".join(alternatives) + ")")
            params += unit_origins
        rows = self.conn.execute(
            f"""SELECT s.idx, s.start, s.end, s.source AS seg_source, s.paragraph, s.line, s.match,
                       s.own_mt, u.{_UNIT_COLUMNS.replace(', ', ', u.')}
                FROM segments s JOIN units u ON u.id = s.tu_id
                WHERE {' AND '.join(where)} ORDER BY s.idx""",
            params,
        ).fetchall()
        scores = self._segment_scores(doc.id)
        return [
            ReviewPair(
                Segment(r["idx"], r["start"], r["end"], r["seg_source"], r["paragraph"], r["line"]),
                _unit(r), r["match"], scores.get(r["idx"], {}), bool(r["own_mt"]),
            )
            for r in rows
        ]

    def document_pairs(self, name: str) -> list[ReviewPair]:
        """Every segment of document ``name`` in order, translated or not, with match and scores."""
        doc = self.get_document(name)
        matches = {r[0]: (r[1], bool(r[2])) for r in self.conn.execute(
            "SELECT idx, match, own_mt FROM segments WHERE doc_id = ?", (doc.id,))}
        scores = self._segment_scores(doc.id)
        out = []
        for p in self.pairs(name):
            match, own = matches.get(p.segment.index, (None, False))
            out.append(ReviewPair(p.segment, p.unit, match, scores.get(p.segment.index, {}), own))
        return out

    def history(self, tu_id: int) -> list[Change]:
        """The recorded changes of unit ``tu_id``, oldest first."""
        self.get_unit(tu_id)
        rows = self.conn.execute("SELECT * FROM history WHERE tu_id = ? ORDER BY id", (tu_id,))
        return [Change(**dict(r)) for r in rows]

    def unit_segments(self, tu_id: int) -> list[tuple[str, int]]:
        """Where unit ``tu_id`` is used: (document name, segment index) pairs."""
        rows = self.conn.execute(
            """SELECT d.name, s.idx FROM segments s JOIN documents d ON d.id = s.doc_id
               WHERE s.tu_id = ? ORDER BY d.name, s.idx""",
            (tu_id,),
        )
        return [(r[0], r[1]) for r in rows]

    def machine_targets(self, tu_ids: Iterable[int]) -> dict[int, str]:
        """The model's text of each unit that has one: its target if the unit is still MT, else
        the first MT target its history replaced (what the model said before a person edited)."""
        ids = list(dict.fromkeys(tu_ids))
        found: dict[int, str] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = _marks(chunk)
            for tu, target in self.conn.execute(
                f"SELECT id, target FROM units WHERE origin = 'mt' AND id IN ({marks})", chunk
            ):
                found[tu] = target
            for tu, target in self.conn.execute(
                f"""SELECT tu_id, old_target FROM history
                    WHERE old_origin = 'mt' AND action = 'edit' AND tu_id IN ({marks}) ORDER BY id""",
                chunk,
            ):
                found.setdefault(tu, target)
        return found

    def approved_targets(
        self, sources: Iterable[str], src_lang: str, tgt_lang: str
    ) -> dict[str, TranslationUnit]:
        """For each source, the best approved unit written by a person (human, imported or
        aligned; newest first), keyed by source text."""
        from .store import _UNIT_COLUMNS, _unit

        by_hash: dict[str, list[str]] = {}
        for s in sources:
            by_hash.setdefault(text_hash(s), []).append(s)
        hashes, found = list(by_hash), {}  # type: list[str], dict[str, TranslationUnit]
        where, params, ranks = self._lang_where(src_lang, tgt_lang)  # any variant, exact first
        order, order_params = self._lang_order(ranks)
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            rows = self.conn.execute(
                f"""SELECT {_UNIT_COLUMNS}, source_hash FROM units
                    WHERE {where} AND source_hash IN ({_marks(chunk)})
                      AND status = 'approved' AND origin != 'mt'
                    ORDER BY source_hash, {order} CASE origin WHEN 'human' THEN 0 ELSE 1 END,
                             updated_at DESC, id DESC""",
                (*params, *chunk, *order_params),
            )
            for row in rows:
                for s in by_hash[row["source_hash"]]:
                    found.setdefault(s, _unit(row))
        return found

    def corpus_scores(self, name: str) -> list[StoredCorpusScore]:
        """The corpus scores the last ``tmtool score`` stored for document ``name``."""
        doc = self.get_document(name)
        rows = self.conn.execute(
            """SELECT metric, score, signature, formatted, ci_mean, ci_half, segments, ref_kind,
                      scored_at FROM doc_scores WHERE doc_id = ?
               ORDER BY CASE metric WHEN 'BLEU' THEN 0 WHEN 'TER' THEN 2 ELSE 1 END, metric""",
            (doc.id,),
        )
        return [StoredCorpusScore(**dict(r)) for r in rows]

    def _segment_scores(self, doc_id: int) -> dict[int, dict[str, StoredScore]]:
        out: dict[int, dict[str, StoredScore]] = {}
        for r in self.conn.execute("SELECT * FROM segment_scores WHERE doc_id = ?", (doc_id,)):
            out.setdefault(r["idx"], {})[r["metric"]] = StoredScore(
                r["metric"], r["score"], r["signature"], r["hypothesis"],
                tuple(json.loads(r["refs"])), r["ref_kind"], r["scored_at"],
            )
        return out

    # -- writing ------------------------------------------------------------------------

    def set_status(
        self,
        tu_id: int,
        status: str,
        *,
        author: str | None = None,
        expected: TranslationUnit | None = None,
    ) -> TranslationUnit:
        """Set unit ``tu_id``'s status and record the change; one transaction.

        ``expected`` is the unit as the caller read it (what a reviewer saw): if another writer
        changed it since, :class:`Conflict` is raised and nothing is written.
        """
        _check([status], STATUSES, "status")
        with self.atomic():
            unit = self._lock_unit(tu_id)
            self._check_unchanged(unit, expected)
            if unit.status != status:
                self._change_status(unit, status, author, self._now())
        return self.get_unit(tu_id)

    def set_document_status(
        self,
        name: str,
        status: str,
        *,
        origins: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        author: str | None = None,
    ) -> dict[str, int]:
        """Set the status of the selected units of document ``name`` in one transaction.

        Returns how many units changed, by their previous status.
        """
        _check([status], STATUSES, "status")
        changed: dict[str, int] = {}
        with self.atomic():
            stamp = self._now()
            seen: set[int] = set()
            for pair in self.review_pairs(name, statuses=statuses, origins=origins):
                unit = pair.unit
                if unit is None or unit.id is None or unit.id in seen or unit.status == status:
                    continue
                seen.add(unit.id)
                # Read again under the row lock: another writer may have decided it meanwhile.
                unit = self._lock_unit(unit.id)
                if unit.status == status or (statuses and unit.status not in statuses):
                    continue
                self._change_status(unit, status, author, stamp)
                changed[unit.status] = changed.get(unit.status, 0) + 1
        return changed

    def edit_target(
        self,
        tu_id: int,
        target: str,
        *,
        author: str | None = None,
        status: str = "approved",
        expected: TranslationUnit | None = None,
    ) -> TranslationUnit:
        """Replace unit ``tu_id``'s target with a person's text (origin ``human``), keeping the
        old text in its history. Returns the unit that now holds the text.

        If another unit already pairs the same source with this target, the segments move to
        that unit and the edited one is rejected (the memory keeps one row per distinct pair).
        ``expected`` is the unit as the caller read it: if another writer changed it since (its
        target, status, origin or time), :class:`Conflict` is raised and nothing is written.
        """
        _check([status], STATUSES, "status")
        target = target.strip()
        if not target:
            raise UsageError("the new target is empty; nothing was changed")
        with self.atomic():
            unit = self._lock_unit(tu_id)
            self._check_unchanged(unit, expected)
            if target == unit.target:
                if unit.status != status:
                    self._change_status(unit, status, author, self._now())
                return self.get_unit(tu_id)
            clash = self.conn.execute(
                """SELECT id FROM units WHERE src_lang = ? AND tgt_lang = ? AND target_hash = ?
                   AND source_hash = (SELECT source_hash FROM units WHERE id = ?) AND id != ?""",
                (unit.src_lang, unit.tgt_lang, text_hash(target), tu_id, tu_id),
            ).fetchone()
            if clash:
                return self._merge(unit, clash[0], author, status)
            stamp = self._now()
            self._write(
                """UPDATE units SET target = ?, target_hash = ?, origin = 'human', status = ?,
                       author = ?, updated_at = ? WHERE id = ?""",
                (target, text_hash(target), status, author, stamp, tu_id),
            )
            self._log(unit, "edit", stamp, author, new_target=target, new_status=status,
                      new_origin="human")
        return self.get_unit(tu_id)

    def save_scores(
        self,
        name: str,
        corpus: Iterable[StoredCorpusScore],
        sentences: Iterable[tuple[int, StoredScore]],
    ) -> None:
        """Store one scoring run of document ``name``, replacing the previous run's scores."""
        doc = self.get_document(name)
        with self.atomic():
            self._lock_document(doc.id)  # two scoring runs of one document: one after the other
            self._write("DELETE FROM doc_scores WHERE doc_id = ?", (doc.id,))
            self._write("DELETE FROM segment_scores WHERE doc_id = ?", (doc.id,))
            self._write_many(
                """INSERT INTO doc_scores (doc_id, metric, score, signature, formatted, ci_mean,
                       ci_half, segments, ref_kind, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (doc.id, c.metric, c.score, c.signature, c.formatted, c.ci_mean, c.ci_half,
                     c.segments, c.ref_kind, c.scored_at)
                    for c in corpus
                ],
            )
            self._write_many(
                """INSERT INTO segment_scores (doc_id, idx, metric, score, signature, hypothesis,
                       refs, ref_kind, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (doc.id, idx, s.metric, s.score, s.signature, s.hypothesis,
                     json.dumps(list(s.refs), ensure_ascii=False), s.ref_kind, s.scored_at)
                    for idx, s in sentences
                ],
            )

    # -- helpers ------------------------------------------------------------------------

    def _check_unchanged(self, unit: TranslationUnit, expected: TranslationUnit | None) -> None:
        """Raise :class:`Conflict` if ``unit`` (read under its lock) is not what the caller saw."""
        if expected is None:
            return
        if (unit.target, unit.status, unit.origin, unit.updated_at) == (
            expected.target, expected.status, expected.origin, expected.updated_at
        ):
            return
        last = self.conn.execute(
            "SELECT author, at FROM history WHERE tu_id = ? ORDER BY id DESC LIMIT 1", (unit.id,)
        ).fetchone()
        who, when = (last[0], last[1]) if last else (unit.author, unit.updated_at)
        raise Conflict(
            f"unit {unit.id} was changed by {who or 'another writer'} at {when} since it was read "
            f"(now {unit.origin}, {unit.status}); nothing was saved"
        )

    def _now(self) -> str:
        from .core import now

        return now()

    def _change_status(self, unit: TranslationUnit, status: str, author: str | None, stamp: str) -> None:
        self._write("UPDATE units SET status = ?, updated_at = ? WHERE id = ?", (status, stamp, unit.id))
        self._log(unit, _ACTIONS[status], stamp, author, new_status=status)

    def _merge(self, unit: TranslationUnit, other_id: int, author: str | None, status: str) -> TranslationUnit:
        other = self.get_unit(other_id)
        stamp = self._now()
        self._write("UPDATE segments SET tu_id = ? WHERE tu_id = ?", (other_id, unit.id))
        self._write("UPDATE units SET status = 'rejected', updated_at = ? WHERE id = ?", (stamp, unit.id))
        self._log(unit, "edit", stamp, author, new_target=other.target, new_status="rejected",
                  note=f"replaced by unit {other_id}, which has this target")
        self._write("UPDATE units SET status = ?, updated_at = ? WHERE id = ?", (status, stamp, other_id))
        # Logged on the unit the segments now use, so its history shows the text it replaced.
        self._log(other, "edit", stamp, author, old_target=unit.target, old_origin=unit.origin,
                  new_status=status, note=f"took the place of unit {unit.id}")
        return self.get_unit(other_id)

    def _log(self, unit: TranslationUnit, action: str, stamp: str, author: str | None, **changes) -> None:
        row = {
            "old_target": unit.target, "new_target": unit.target,
            "old_status": unit.status, "new_status": unit.status,
            "old_origin": unit.origin, "new_origin": unit.origin, "note": None,
        }
        row.update(changes)
        self._write(
            """INSERT INTO history (tu_id, action, old_target, new_target, old_status, new_status,
                   old_origin, new_origin, author, at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (unit.id, action, row["old_target"], row["new_target"], row["old_status"],
             row["new_status"], row["old_origin"], row["new_origin"], author, stamp, row["note"]),
        )


def _marks(values: Sequence) -> str:
    return ",".join("?" * len(values))


def _check(values: Iterable[str], allowed: Sequence[str], what: str) -> None:
    for v in values:
        if v not in allowed:
            raise UsageError(f"unknown {what} {v!r}; choose from {', '.join(allowed)}")


__all__ = ["FROM_TM", "OWN_MT", "Change", "ReviewPair", "ReviewStore", "StoredCorpusScore", "StoredScore"]
