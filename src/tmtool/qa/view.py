"""What `review` and `report` show of QA: a pair's stored findings and its glossary terms.

Kept here so that review.py and report.py only call in (issue 17): :func:`review_notes` gives
the review loop the lines to show under a pair, :func:`findings_first` orders pairs for
``review --qa``, :class:`ReportQa` holds what the HTML report needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from ..memory.records import Finding
from ..terminal import plural
from .run import SEVERITY_RANK, TermChecker, term_checker

if TYPE_CHECKING:
    from ..memory.protocol import TranslationMemory
    from ..memory.records import ReviewPair


def stored_findings(tm: TranslationMemory, name: str) -> dict[int, list[Finding]]:
    """The findings the last ``tmtool qa`` stored for ``name``, by segment index."""
    get = getattr(tm, "findings", None)
    by_index: dict[int, list[Finding]] = defaultdict(list)
    if get is not None:
        for f in get(name):
            by_index[f.index].append(f)
    return by_index


def _terms(tm: TranslationMemory, name: str) -> TermChecker | None:
    if getattr(tm, "glossary", None) is None:
        return None
    from ..errors import UsageError

    doc = tm.get_document(name)
    try:
        checker = term_checker(tm, doc.src_lang, doc.tgt_lang)
    except UsageError:  # the qa extra is not installed: show the pairs without their terms
        return None
    return checker if checker and checker.entries else None


def review_notes(tm: TranslationMemory, name: str) -> Callable[[ReviewPair], list[str]] | None:
    """Lines to show under each pair in review: its QA findings and its glossary terms."""
    findings = stored_findings(tm, name)
    terms = _terms(tm, name)
    if not findings and terms is None:
        return None

    def notes(pair: ReviewPair) -> list[str]:
        lines = []
        for f in findings.get(pair.segment.index, ()):
            lines.append(f"  {'QA':>7}  {f.severity} · {f.check}: {f.message}{_STALE if f.stale else ''}")
        if terms is not None:
            seen = set()
            for h in terms.source_hits(pair.segment.text):
                if h.entry in seen:
                    continue
                seen.add(h.entry)
                want = " / ".join(terms.expected(h.entry)) or "(no usable target term)"
                lines.append(f"  {'term':>7}  {pair.segment.text[h.start:h.end]} -> {want}")
        return lines

    return notes


_STALE = " (checked before the target changed; run tmtool qa again)"


def findings_first(pairs: Sequence[ReviewPair], tm: TranslationMemory, name: str) -> list[ReviewPair]:
    """``pairs`` with those that have findings first (errors before warnings), else as they were."""
    findings = stored_findings(tm, name)

    def rank(p: ReviewPair) -> int:
        found = findings.get(p.segment.index)
        return min(SEVERITY_RANK[f.severity] for f in found) if found else 2

    return sorted(pairs, key=rank)


@dataclass
class ReportQa:
    """QA for the report: findings by segment, term spans by segment and side, when checked."""

    findings: dict[int, list[Finding]] = field(default_factory=dict)
    terms: dict[int, dict[str, list[tuple[int, int, str]]]] = field(default_factory=dict)
    checked: bool = False

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for fs in self.findings.values() for f in fs)


def collect_qa(tm: TranslationMemory, name: str, pairs: Sequence[ReviewPair]) -> ReportQa:
    """Stored findings and the glossary terms of every pair of document ``name``."""
    qa = ReportQa(dict(stored_findings(tm, name)))
    qa.checked = getattr(tm, "findings_checked_at", lambda n: None)(name) is not None
    terms = _terms(tm, name)
    if terms is None:
        return qa
    for p in pairs:
        spans: dict[str, list[tuple[int, int, str]]] = {"source": [], "target": []}
        for h in terms.source_hits(p.segment.text):
            spans["source"].append((h.start, h.end, " / ".join(terms.expected(h.entry))))
        if p.unit is not None:
            for h, entry, usable in terms.target_hits(p.unit.target):
                spans["target"].append((h.start, h.end, "glossary term" if usable else "forbidden term"))
        if spans["source"] or spans["target"]:
            qa.terms[p.segment.index] = spans
    return qa


def highlight(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """``text`` escaped for HTML, each span a ``<mark>`` with its title (spans do not overlap)."""
    out, pos = [], 0
    for start, end, title in sorted(spans):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(f'<mark class="term" title="{escape(title, quote=True)}">{escape(text[start:end])}</mark>')
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def qa_card(qa: ReportQa) -> str:
    """The report's QA card: findings by check and severity, or how to get them."""
    out = ['<div class="card"><h2>QA</h2>']
    if not qa.checked:
        out.append('<p class="empty">No findings stored. Run <code>tmtool qa</code> to check the '
                   "pairs (numbers, tags, terminology, untranslated text, consistency, ...).</p></div>")
        return "\n".join(out)
    by_check: dict[tuple[str, str], int] = defaultdict(int)
    for fs in qa.findings.values():
        for f in fs:
            by_check[(f.check, f.severity)] += 1
    out.append(f'<p class="note">{plural(qa.count("error"), "error")}, {plural(qa.count("warning"), "warning")} '
               f"in {plural(len(qa.findings), 'pair')} (last <code>tmtool qa</code> run).</p>")
    stale = sum(f.stale for fs in qa.findings.values() for f in fs)
    if stale:
        out.append(f'<p class="warn">{stale} of them were found before the target changed; run '
                   "<code>tmtool qa</code> again for current findings.</p>")
    if by_check:
        out.append('<table><thead><tr><th>Check</th><th>Severity</th><th class="num">Findings</th></tr>'
                   "</thead><tbody>")
        for (check, severity), n in sorted(by_check.items(), key=lambda kv: (SEVERITY_RANK[kv[0][1]], kv[0][0])):
            out.append(f'<tr><td>{escape(check)}</td><td><span class="badge qa-{escape(severity)}">'
                       f'{escape(severity)}</span></td><td class="num">{n}</td></tr>')
        out.append("</tbody></table>")
    out.append("</div>")
    return "\n".join(out)


def pair_findings(qa: ReportQa | None, index: int) -> str:
    """The findings of one pair as HTML lines for its row."""
    if qa is None:
        return ""
    return "".join(
        f'<div class="qa qa-{escape(f.severity)}"><span class="lbl">QA {escape(f.severity)}</span> '
        f"{escape(f.check)}: {escape(f.message)}{escape(_STALE) if f.stale else ''}</div>"
        for f in qa.findings.get(index, ())
    )


CSS = """
mark.term { background: #fff3bf; padding: 0 .1em; border-radius: 2px; }
.qa { font-size: .85em; margin-top: .2em; }
.qa-error .lbl, .badge.qa-error { color: #fff; background: #c92a2a; }
.qa-warning .lbl, .badge.qa-warning { color: #000; background: #ffd43b; }
.qa .lbl { border-radius: 3px; padding: 0 .3em; font-size: .8em; }
"""
