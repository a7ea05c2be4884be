"""The store's glossary (termbase) and QA findings (issue 17).

A glossary import is one transaction (a file is taken whole or not at all); the findings of a
document are replaced as a whole by each ``tmtool qa`` run. The records (:class:`GlossaryEntry`,
:class:`Finding`, ...) are in ``memory/records.py``.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence

from ..errors import UsageError
from .database import Database
from .documents import Documents
from .records import (
    NOT_TO_USE, SEVERITIES, TERM_STATUSES, Finding, GlossaryEntry, GlossaryImport, GlossaryTerm, primary_subtag,
)


class Glossary:
    """Glossary and QA-findings reads and writes (``db``: the shared handle)."""

    def __init__(self, db: Database, documents: Documents):
        self.db = db
        self.documents = documents

    # -- glossary -----------------------------------------------------------------------

    def import_glossary(self, entries: Iterable[GlossaryEntry], *, origin: str | None = None) -> GlossaryImport:
        """Store ``entries`` in one transaction: all of them or, if reading fails half-way, none.
        An entry with exactly the terms of one already stored is not added twice."""
        added = duplicates = 0
        stamp = self.db.now()
        with self.db.atomic():
            for e in entries:
                entry_id = self.db.insert_id(
                    """INSERT INTO glossary_entries (entry_key, concept, subject, definition, note,
                           origin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (entry_key) DO NOTHING""",
                    (entry_key(e), e.concept, e.subject, e.definition, e.note, origin or e.origin, stamp),
                )
                if entry_id is None:
                    duplicates += 1
                    continue
                added += 1
                self.db.write_many(
                    """INSERT INTO glossary_terms (entry_id, seq, lang, term, term_key, pos, status, note)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    [(entry_id, n, t.lang, t.text, term_key(t.text), t.pos, t.status, t.note)
                     for n, t in enumerate(e.terms)],
                )
        return GlossaryImport(added, duplicates)

    def glossary(self, ids: Sequence[int] | None = None) -> list[GlossaryEntry]:
        """Every entry of the glossary (or those with ``ids``) with its terms, in import order."""
        where, params = "", ()
        if ids is not None:
            if not ids:
                return []
            where, params = f" WHERE e.id IN ({','.join('?' * len(ids))})", tuple(ids)
        rows = self.db.conn.execute(
            f"""SELECT e.id, e.concept, e.subject, e.definition, e.note AS entry_note, e.origin,
                       t.lang, t.term, t.pos, t.status, t.note
                FROM glossary_entries e JOIN glossary_terms t ON t.entry_id = e.id{where}
                ORDER BY e.id, t.seq""",
            params,
        ).fetchall()
        entries: list[GlossaryEntry] = []
        for r in rows:
            term = GlossaryTerm(r["term"], r["lang"], r["pos"], r["status"], r["note"])
            if entries and entries[-1].id == r["id"]:
                last = entries[-1]
                entries[-1] = GlossaryEntry(last.terms + (term,), last.concept, last.subject,
                                            last.definition, last.note, last.id, last.origin)
            else:
                entries.append(GlossaryEntry((term,), r["concept"], r["subject"], r["definition"],
                                             r["entry_note"], r["id"], r["origin"]))
        return entries

    def search_glossary(self, text: str, *, limit: int = 50) -> list[GlossaryEntry]:
        """Entries with a term that contains ``text`` (case and accents of the term folded as
        :func:`term_key` folds them), at most ``limit``."""
        key = term_key(text)
        if not key:
            raise UsageError("give a word or phrase to search the glossary for")
        pattern = "%" + key.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
        rows = self.db.conn.execute(
            """SELECT DISTINCT entry_id FROM glossary_terms WHERE term_key LIKE ? ESCAPE '!'
               ORDER BY entry_id LIMIT ?""",
            (pattern, limit),
        ).fetchall()
        return self.glossary([r[0] for r in rows])

    def glossary_size(self) -> tuple[int, int]:
        """(entries, terms) in the glossary."""
        entries = self.db.conn.execute("SELECT count(*) FROM glossary_entries").fetchone()[0]
        terms = self.db.conn.execute("SELECT count(*) FROM glossary_terms").fetchone()[0]
        return entries, terms

    # -- QA findings --------------------------------------------------------------------

    def save_findings(self, name: str, findings: Iterable[Finding]) -> int:
        """Replace the stored findings of document ``name`` with ``findings`` (one transaction);
        how many were stored."""
        doc = self.documents.get_document(name)
        stamp = self.db.now()
        findings = list(findings)
        for f in findings:
            if f.severity not in SEVERITIES:
                raise ValueError(f"unknown severity {f.severity!r}")
        with self.db.atomic():
            targets = self._target_hashes({f.tu_id for f in findings if f.tu_id is not None})
            self.db.write("DELETE FROM qa_findings WHERE doc_id = ?", (doc.id,))
            self.db.write_many(
                """INSERT INTO qa_findings (doc_id, seq, idx, tu_id, kind, severity, message, spans,
                       target_hash, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(doc.id, n, f.index, f.tu_id, f.check, f.severity, f.message,
                  json.dumps(list(f.spans), ensure_ascii=False), targets.get(f.tu_id), stamp)
                 for n, f in enumerate(findings)],
            )
        return len(findings)

    def _target_hashes(self, tu_ids: set[int]) -> dict[int, str]:
        ids, out = sorted(tu_ids), {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rows = self.db.conn.execute(
                f"SELECT id, target_hash FROM units WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            out.update((r[0], r[1]) for r in rows)
        return out

    def findings(self, name: str) -> list[Finding]:
        """The findings the last ``tmtool qa`` stored for document ``name``, in segment order."""
        doc = self.documents.get_document(name)
        # Stale: the segment now has another unit, or the unit another target, than was checked.
        rows = self.db.conn.execute(
            """SELECT f.idx, f.tu_id, f.kind, f.severity, f.message, f.spans,
                      CASE WHEN coalesce(s.tu_id, -1) != coalesce(f.tu_id, -1)
                                OR coalesce(u.target_hash, '') != coalesce(f.target_hash, '')
                           THEN 1 ELSE 0 END AS stale
               FROM qa_findings f
               LEFT JOIN segments s ON s.doc_id = f.doc_id AND s.idx = f.idx
               LEFT JOIN units u ON u.id = f.tu_id
               WHERE f.doc_id = ? ORDER BY f.idx, f.seq""",
            (doc.id,),
        )
        return [Finding(r["kind"], r["severity"], r["message"], tuple(json.loads(r["spans"])),
                        r["idx"], r["tu_id"], bool(r["stale"])) for r in rows]

    def findings_checked_at(self, name: str) -> str | None:
        """When ``tmtool qa`` last stored findings for ``name`` (None: never, or none found)."""
        doc = self.documents.get_document(name)
        row = self.db.conn.execute(
            "SELECT max(checked_at) FROM qa_findings WHERE doc_id = ?", (doc.id,)).fetchone()
        return row[0] if row else None

    def consistency_conflicts(self, tu_ids: Sequence[int] | None = None) -> list[tuple[int, str, int, str]]:
        """Units that disagree with others of the memory (rejected units left out):
        ``(tu_id, kind, other_id, other_text)`` where kind ``source`` means the same source has
        another target (``other_text`` is that target), ``target`` the same target translates
        another source (``other_text`` is that source). ``tu_ids`` limits the units checked."""
        out = []
        for kind, same, other_col in (("source", "source_hash", "target"), ("target", "target_hash", "source")):
            differ = "target_hash" if same == "source_hash" else "source_hash"
            sql = f"""SELECT a.id, b.id, b.{other_col} FROM units a JOIN units b
                        ON b.src_lang = a.src_lang AND b.tgt_lang = a.tgt_lang
                       AND b.{same} = a.{same} AND b.{differ} != a.{differ}
                      WHERE a.status != 'rejected' AND b.status != 'rejected'"""
            ids = list(tu_ids) if tu_ids is not None else None
            if ids is None:
                rows = self.db.conn.execute(sql + " ORDER BY a.id, b.id").fetchall()
            else:
                rows = []
                for i in range(0, len(ids), 500):
                    chunk = ids[i:i + 500]
                    rows += self.db.conn.execute(
                        sql + f" AND a.id IN ({','.join('?' * len(chunk))}) ORDER BY a.id, b.id",
                        chunk).fetchall()
            out += [(r[0], kind, r[1], r[2]) for r in rows]
        return out


def term_key(text: str) -> str:
    """A term folded for searching: NFKC, case folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def entry_key(e: GlossaryEntry) -> str:
    """What makes an entry the same as another: its terms (language, text, status), in order."""
    parts = [f"{primary_subtag(t.lang)}\x1f{' '.join(t.text.split())}\x1f{t.status or ''}" for t in e.terms]
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()


__all__ = [
    "NOT_TO_USE", "SEVERITIES", "TERM_STATUSES", "Finding", "Glossary", "GlossaryEntry", "GlossaryImport",
    "GlossaryTerm", "entry_key", "term_key",
]
