"""Running the QA checks over a document's pairs or a whole memory (issue 17).

:func:`qa_document` checks every segment of a document (its unit's source and target), adds
terminology (the memory's glossary) and consistency (the memory's other units), and stores the
findings for the document, replacing the last run's. :func:`qa_memory` checks every unit of the
memory (``tmtool tm qa``); those findings belong to no document and are not stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..memory.records import Finding, GlossaryEntry
from .checks import CHECKS, ERROR, WARNING, PairText
from .terms import TermHit, TermMatcher, primary

if TYPE_CHECKING:
    from ..memory.protocol import TranslationMemory

SEVERITY_RANK = {ERROR: 0, WARNING: 1}
#: Checks after which the pair is not checked further (nothing translated to check).
UNTRANSLATED = ("empty", "identical", "untranslated")


@dataclass
class QaResult:
    """What one QA run found."""

    findings: list[Finding]
    pairs: int  # pairs (or units) checked
    glossary_entries: int  # entries usable for this language pair
    stored: bool = False

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def fails(self, level: str | None) -> bool:
        """True if a finding is at ``level`` or worse (``error`` or ``warning``)."""
        if level is None:
            return False
        return any(SEVERITY_RANK[f.severity] <= SEVERITY_RANK[level] for f in self.findings)


class TermChecker:
    """The glossary's entries for one language pair, and the terminology check with them."""

    def __init__(self, entries: Iterable[GlossaryEntry], src_lang: str, tgt_lang: str):
        self.src_lang, self.tgt_lang = primary(src_lang), primary(tgt_lang)
        self.entries = [e for e in entries if e.in_lang(self.src_lang) and e.in_lang(self.tgt_lang)]
        self._src = TermMatcher([[t.text for t in e.in_lang(self.src_lang)] for e in self.entries],
                                self.src_lang)
        # One matcher item per target term, so that a hit says which term (usable or not) it was.
        self.items = [(n, t) for n, e in enumerate(self.entries) for t in e.in_lang(self.tgt_lang)]
        self._tgt = TermMatcher([[t.text] for _, t in self.items], self.tgt_lang)

    def source_hits(self, text: str) -> list[TermHit]:
        return self._src.find(text)

    def target_hits(self, text: str) -> list[tuple[TermHit, int, bool]]:
        """(hit, entry, usable) of the target terms found in ``text``."""
        out = []
        for h in self._tgt.find(text):
            entry, term = self.items[h.entry]
            out.append((h, entry, term.usable))
        return out

    def expected(self, entry: int) -> list[str]:
        return [t.text for t in self.entries[entry].in_lang(self.tgt_lang) if t.usable]

    def check(self, p: PairText) -> list[Finding]:
        if not self.entries or not p.target:
            return []
        out = []
        tgt = self.target_hits(p.target)
        have = {entry for _, entry, usable in tgt if usable}
        reported: set[int] = set()
        for h in self.source_hits(p.source):
            want = self.expected(h.entry)
            if not want or h.entry in have or h.entry in reported:
                continue
            reported.add(h.entry)
            out.append(p.finding("terminology", WARNING, f"{p.source[h.start:h.end]!r} should be translated "
                                 f"as {' or '.join(repr(w) for w in want)} (glossary)", ("source", h.start, h.end)))
        usable_spans = {(h.start, h.end) for h, _, usable in tgt if usable}
        for h, entry, usable in tgt:
            if not usable and (h.start, h.end) not in usable_spans:
                better = self.expected(entry)
                instead = f"; use {' or '.join(repr(w) for w in better)}" if better else ""
                out.append(p.finding("terminology", ERROR, f"{p.target[h.start:h.end]!r} is a forbidden term "
                                     f"(glossary: {self.items_status(h.entry)}){instead}", ("target", h.start, h.end)))
        return out

    def items_status(self, item: int) -> str:
        return self.items[item][1].status or "not to use"


def check_pair(p: PairText, terms: TermChecker | None, *, glossary_only: bool = False) -> list[Finding]:
    """Every finding of one pair (consistency aside: it needs the memory)."""
    out: list[Finding] = []
    if not glossary_only:
        for name, check in CHECKS.items():
            found = check(p)
            out += found
            if found and name in UNTRANSLATED:
                # One finding says it all: a pair with no translation, or a copy of the
                # source, or a target still in Indonesian is to be translated first.
                return out
    if terms is not None:
        out += terms.check(p)
    return out


def term_checker(tm: TranslationMemory, src_lang: str, tgt_lang: str) -> TermChecker | None:
    """The memory's glossary for ``src_lang`` -> ``tgt_lang`` (None when it has none)."""
    entries = tm.glossary()
    return TermChecker(entries, src_lang, tgt_lang) if entries else None


def qa_document(tm: TranslationMemory, name: str, *, glossary_only: bool = False, store: bool = True) -> QaResult:
    """Check every pair of document ``name``; store the findings (replacing the last run's)."""
    doc = tm.get_document(name)
    terms = term_checker(tm, doc.src_lang, doc.tgt_lang)
    pairs = tm.pairs(name)
    findings: list[Finding] = []
    for pair in pairs:
        u = pair.unit
        p = PairText(u.source if u else pair.segment.text, u.target if u else None,
                     (u.props.get("codes") or {}) if u else {}, pair.segment.index, u.id if u else None)
        findings += check_pair(p, terms, glossary_only=glossary_only)
    if not glossary_only:
        uses: dict[int, list[int]] = defaultdict(list)  # unit -> the segments that use it
        for pair in pairs:
            if pair.unit:
                uses[pair.unit.id].append(pair.segment.index)
        findings += _consistency(tm, list(uses), uses.__getitem__)
    findings.sort(key=lambda f: (f.index if f.index is not None else -1, SEVERITY_RANK[f.severity]))
    result = QaResult(findings, len(pairs), len(terms.entries) if terms else 0)
    if store:
        tm.save_findings(name, findings)
        result.stored = True
    return result


def qa_memory(tm: TranslationMemory, *, glossary_only: bool = False, src_lang: str = "id",
              tgt_lang: str = "en") -> QaResult:
    """Check every unit of the memory (rejected ones left out) for one language pair."""
    terms = term_checker(tm, src_lang, tgt_lang)
    findings: list[Finding] = []
    ids = []
    for u in tm.iter_units(status=("draft", "approved"), src_lang=src_lang, tgt_lang=tgt_lang):
        ids.append(u.id)
        findings += check_pair(PairText(u.source, u.target, u.props.get("codes") or {}, None, u.id), terms,
                               glossary_only=glossary_only)
    if not glossary_only:
        findings += _consistency(tm, None, lambda tu: [None])
    findings.sort(key=lambda f: (f.tu_id or 0, SEVERITY_RANK[f.severity]))
    return QaResult(findings, len(ids), len(terms.entries) if terms else 0)


def _consistency(tm: TranslationMemory, tu_ids: list[int] | None, where) -> list[Finding]:
    """One warning per unit (and segment using it) that disagrees with another unit."""
    by_unit: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for tu_id, kind, other_id, other_text in tm.consistency_conflicts(tu_ids):
        by_unit[tu_id].append((kind, other_id, other_text))
    out = []
    for tu_id, conflicts in sorted(by_unit.items()):
        for kind in ("source", "target"):
            others = [(o, t) for k, o, t in conflicts if k == kind]
            if not others:
                continue
            o, text = others[0]
            more = f" and {len(others) - 1} more" if len(others) > 1 else ""
            message = (f"the same source has another target in the memory: unit {o} {_short(text)}{more}"
                       if kind == "source" else
                       f"the same target translates another source in the memory: unit {o} {_short(text)}{more}")
            for index in where(tu_id):
                out.append(Finding("consistency", WARNING, message, (), index, tu_id))
    return out


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
