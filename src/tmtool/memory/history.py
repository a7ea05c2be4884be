"""The store's review writes and history: status changes, edits (with the merge of two units
that come to hold the same text), the recorded history of each unit, and the pairs of a document
as review shows them. Each public write is one transaction: a decision made in the review loop
is on disk before the next pair is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import Conflict, UsageError
from ..records import ORIGINS, STATUSES, TranslationUnit
from .core import SEGMENT_COLUMNS, segment_from_row, unit_columns, unit_from_row
from .database import Database
from .documents import Documents
from .normalize import text_hash
from .records import Change, ReviewPair
from .scores import Scores
from .units import CHUNK, Units, marks

#: ``--origin tm``: the segment's target was reused from the memory in the last translate run.
FROM_TM = "tm"
_ACTIONS = {"approved": "approve", "rejected": "reject", "draft": "reopen"}


class History:
    """Review reads and writes (``db``: the shared handle; the parts whose rows they touch)."""

    def __init__(self, db: Database, units: Units, documents: Documents, scores: Scores):
        self.db = db
        self.units = units
        self.documents = documents
        self.scores = scores

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
        doc = self.documents.get_document(name)
        where = ["s.doc_id = ?", "s.tu_id IS NOT NULL"]
        params: list[object] = [doc.id]
        if statuses:
            _check(statuses, STATUSES, "status")
            where.append(f"u.status IN ({marks(statuses)})")
            params += statuses
        if origins:
            _check(origins, (*ORIGINS, FROM_TM), "origin")
            unit_origins = [o for o in origins if o != FROM_TM]
            alternatives = [f"u.origin IN ({marks(unit_origins)})"] if unit_origins else []
            if FROM_TM in origins:  # the document's own earlier MT is not a TM match (issue 14)
                alternatives.append("(s.match > 0 AND s.own_mt IS NULL)")
            where.append("(" + " OR ".join(alternatives) + ")")
            params += unit_origins
        rows = self.db.conn.execute(
            f"""SELECT {SEGMENT_COLUMNS}, s.match, s.own_mt, {unit_columns('u')}
                FROM segments s JOIN units u ON u.id = s.tu_id
                WHERE {' AND '.join(where)} ORDER BY s.idx""",
            params,
        ).fetchall()
        scores = self.scores.segment_scores(doc.id)
        return [
            ReviewPair(
                segment_from_row(r), unit_from_row(r), r["match"], scores.get(r["idx"], {}), bool(r["own_mt"]),
            )
            for r in rows
        ]

    def document_pairs(self, name: str) -> list[ReviewPair]:
        """Every segment of document ``name`` in order, translated or not, with match and scores."""
        doc = self.documents.get_document(name)
        matches = {r[0]: (r[1], bool(r[2])) for r in self.db.conn.execute(
            "SELECT idx, match, own_mt FROM segments WHERE doc_id = ?", (doc.id,))}
        scores = self.scores.segment_scores(doc.id)
        out = []
        for p in self.documents.pairs(name):
            match, own = matches.get(p.segment.index, (None, False))
            out.append(ReviewPair(p.segment, p.unit, match, scores.get(p.segment.index, {}), own))
        return out

    def history(self, tu_id: int) -> list[Change]:
        """The recorded changes of unit ``tu_id``, oldest first."""
        self.units.get_unit(tu_id)
        rows = self.db.conn.execute("SELECT * FROM history WHERE tu_id = ? ORDER BY id", (tu_id,))
        return [Change(**dict(r)) for r in rows]

    def unit_segments(self, tu_id: int) -> list[tuple[str, int]]:
        """Where unit ``tu_id`` is used: (document name, segment index) pairs."""
        rows = self.db.conn.execute(
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
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            where = marks(chunk)
            for tu, target in self.db.conn.execute(
                f"SELECT id, target FROM units WHERE origin = 'mt' AND id IN ({where})", chunk
            ):
                found[tu] = target
            for tu, target in self.db.conn.execute(
                f"""SELECT tu_id, old_target FROM history
                    WHERE old_origin = 'mt' AND action = 'edit' AND tu_id IN ({where}) ORDER BY id""",
                chunk,
            ):
                found.setdefault(tu, target)
        return found

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
        with self.db.atomic():
            unit = self.units.get_unit(tu_id, lock=True)
            self._check_unchanged(unit, expected)
            if unit.status != status:
                self._change_status(unit, status, author, self.db.now())
        return self.units.get_unit(tu_id)

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
        with self.db.atomic():
            stamp = self.db.now()
            seen: set[int] = set()
            for pair in self.review_pairs(name, statuses=statuses, origins=origins):
                unit = pair.unit
                if unit is None or unit.id is None or unit.id in seen or unit.status == status:
                    continue
                seen.add(unit.id)
                # Read again under the row lock: another writer may have decided it meanwhile.
                unit = self.units.get_unit(unit.id, lock=True)
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
        with self.db.atomic():
            unit = self.units.get_unit(tu_id, lock=True)
            self._check_unchanged(unit, expected)
            if target == unit.target:
                if unit.status != status:
                    self._change_status(unit, status, author, self.db.now())
                return self.units.get_unit(tu_id)
            clash = self.db.conn.execute(
                """SELECT id FROM units WHERE src_lang = ? AND tgt_lang = ? AND target_hash = ?
                   AND source_hash = (SELECT source_hash FROM units WHERE id = ?) AND id != ?""",
                (unit.src_lang, unit.tgt_lang, text_hash(target), tu_id, tu_id),
            ).fetchone()
            if clash:
                return self._merge(unit, clash[0], author, status)
            stamp = self.db.now()
            self.db.write(
                """UPDATE units SET target = ?, target_hash = ?, origin = 'human', status = ?,
                       author = ?, updated_at = ? WHERE id = ?""",
                (target, text_hash(target), status, author, stamp, tu_id),
            )
            self._log(unit, "edit", stamp, author, new_target=target, new_status=status,
                      new_origin="human")
        return self.units.get_unit(tu_id)

    # -- helpers ------------------------------------------------------------------------

    def _check_unchanged(self, unit: TranslationUnit, expected: TranslationUnit | None) -> None:
        """Raise :class:`Conflict` if ``unit`` (read under its lock) is not what the caller saw."""
        if expected is None:
            return
        if (unit.target, unit.status, unit.origin, unit.updated_at) == (
            expected.target, expected.status, expected.origin, expected.updated_at
        ):
            return
        last = self.db.conn.execute(
            "SELECT author, at FROM history WHERE tu_id = ? ORDER BY id DESC LIMIT 1", (unit.id,)
        ).fetchone()
        who, when = (last[0], last[1]) if last else (unit.author, unit.updated_at)
        raise Conflict(
            f"unit {unit.id} was changed by {who or 'another writer'} at {when} since it was read "
            f"(now {unit.origin}, {unit.status}); nothing was saved"
        )

    def _change_status(self, unit: TranslationUnit, status: str, author: str | None, stamp: str) -> None:
        self.db.write("UPDATE units SET status = ?, updated_at = ? WHERE id = ?", (status, stamp, unit.id))
        self._log(unit, _ACTIONS[status], stamp, author, new_status=status)

    def _merge(self, unit: TranslationUnit, other_id: int, author: str | None, status: str) -> TranslationUnit:
        other = self.units.get_unit(other_id)
        stamp = self.db.now()
        self.db.write("UPDATE segments SET tu_id = ? WHERE tu_id = ?", (other_id, unit.id))
        self.db.write("UPDATE units SET status = 'rejected', updated_at = ? WHERE id = ?", (stamp, unit.id))
        self._log(unit, "edit", stamp, author, new_target=other.target, new_status="rejected",
                  note=f"replaced by unit {other_id}, which has this target")
        self.db.write("UPDATE units SET status = ?, updated_at = ? WHERE id = ?", (status, stamp, other_id))
        # Logged on the unit the segments now use, so its history shows the text it replaced.
        self._log(other, "edit", stamp, author, old_target=unit.target, old_origin=unit.origin,
                  new_status=status, note=f"took the place of unit {unit.id}")
        return self.units.get_unit(other_id)

    def _log(self, unit: TranslationUnit, action: str, stamp: str, author: str | None, **changes) -> None:
        row = {
            "old_target": unit.target, "new_target": unit.target,
            "old_status": unit.status, "new_status": unit.status,
            "old_origin": unit.origin, "new_origin": unit.origin, "note": None,
        }
        row.update(changes)
        self.db.write(
            """INSERT INTO history (tu_id, action, old_target, new_target, old_status, new_status,
                   old_origin, new_origin, author, at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (unit.id, action, row["old_target"], row["new_target"], row["old_status"],
             row["new_status"], row["old_origin"], row["new_origin"], author, stamp, row["note"]),
        )


def _check(values: Iterable[str], allowed: Sequence[str], what: str) -> None:
    for v in values:
        if v not in allowed:
            raise UsageError(f"unknown {what} {v!r}; choose from {', '.join(allowed)}")
