"""The HTML report of one document: pairs side by side, scores, TM leverage, review progress.

One self-contained file (inline CSS, no script, no network) that reads on a wide screen, on a
phone (from 360 px: the pairs stack, source above target; no word is broken and nothing scrolls
sideways, issue 14) and on paper. Every piece of text goes through :func:`html.escape`: a segment may contain
``<script>`` (issue 4).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from .memory.records import ReviewPair, StoredCorpusScore
from .records import Document, cut_short
from .terminal import plural

if TYPE_CHECKING:
    from .memory import TranslationMemory

#: Segments by the best TM match they had in the last translate run (the usual CAT-tool bands).
#: 100 is an exact match, 101 one in the same context; both were reused as they were.
LEVERAGE_BANDS = (
    ("100% (exact, reused)", 100, 101),
    ("Fuzzy 95–99%", 95, 99),
    ("Fuzzy 85–94%", 85, 94),
    ("Fuzzy 75–84%", 75, 84),
    ("Fuzzy 50–74%", 50, 74),
    ("No match", 0, 49),
)
SENTENCE_METRICS = ("BLEU", "chrF2")
OWN_MT_ROW = "Own earlier MT (kept; not a TM match)"


@dataclass(frozen=True)
class LeverageRow:
    label: str
    segments: int
    words: int  # source words
    share: float  # of the document's segments, 0-1


@dataclass
class Report:
    """What the report shows, gathered from the memory (no HTML here)."""

    document: Document
    pairs: list[ReviewPair]
    corpus: list[StoredCorpusScore]
    machine: dict[int, str]  # tu_id -> the model's text, for units a person edited
    generated_at: str
    fuzzy: dict[int, int] = field(default_factory=dict)  # segment index -> best fuzzy match score
    leverage: list[LeverageRow] = field(default_factory=list)
    qa: Any = None  # tmtool.qa.view.ReportQa: stored findings and glossary terms (issue 17)

    @property
    def statuses(self) -> Counter:
        return Counter(p.unit.status if p.unit else "untranslated" for p in self.pairs)

    @property
    def origins(self) -> Counter:
        return Counter(p.unit.origin if p.unit else "untranslated" for p in self.pairs)

    @property
    def stale(self) -> int:
        return sum(p.stale for p in self.pairs)


def collect(tm: TranslationMemory, name: str) -> Report:
    """Gather document ``name``'s pairs, stored scores and leverage."""
    from .memory.core import now

    doc = tm.get_document(name)
    pairs = tm.document_pairs(name)
    edited = [p.unit.id for p in pairs if p.unit and p.unit.id is not None and p.unit.origin != "mt"]
    suggestions = getattr(tm, "suggestions", None)  # fuzzy matches recorded by translate (issue 9)
    fuzzy = {i: m.score for i, m in suggestions(name).items()} if suggestions else {}
    report = Report(doc, pairs, tm.corpus_scores(name), tm.machine_targets(edited), now(), fuzzy)
    report.leverage = leverage(pairs, fuzzy)
    from .qa.view import collect_qa

    report.qa = collect_qa(tm, name, pairs)
    return report


def best_match(pair: ReviewPair, fuzzy: dict[int, int]) -> int:
    """The best TM match a segment had: the one reused, else its fuzzy suggestion, else 0."""
    return pair.match or fuzzy.get(pair.segment.index, 0)


def leverage(pairs: list[ReviewPair], fuzzy: dict[int, int] | None = None) -> list[LeverageRow]:
    """Segments and source words per best-TM-match band, plus rows for what was not recorded.

    Every band is listed, empty or not, so a reader sees that no fuzzy match was found rather
    than wondering whether fuzzy matches were counted at all.
    """
    total = len(pairs) or 1
    fuzzy = fuzzy or {}
    rows = []

    def add(label, chosen):
        rows.append(LeverageRow(label, len(chosen), sum(len(p.segment.text.split()) for p in chosen),
                                len(chosen) / total))

    # This document's own earlier machine translation, kept as it was, is no leverage of the
    # memory: a row of its own, not the 100% band (issue 14).
    known = [(p, best_match(p, fuzzy)) for p in pairs if p.unit and p.match is not None and not p.own_mt]
    for label, low, high in LEVERAGE_BANDS:
        add(label, [p for p, best in known if low <= best <= high])
    own = [p for p in pairs if p.unit and p.own_mt]
    if own:
        add(OWN_MT_ROW, own)
    unknown = [p for p in pairs if p.unit and p.match is None]
    if unknown:
        add("Not recorded (translated by an older tmtool)", unknown)
    untranslated = [p for p in pairs if p.unit is None]
    if untranslated:
        add("Untranslated", untranslated)
    return rows


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    doc = report.document
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(doc.name)} · tmtool report</title>",
        f"<style>{CSS}{_qa_css(report)}</style></head><body>",
        "<header>",
        f"<h1>{escape(doc.name)}</h1>",
        (f'<p class="meta">{escape(doc.src_lang)} → {escape(doc.tgt_lang)} · {plural(len(report.pairs), "segment")}'
         f" · translated {escape(doc.updated_at)} · report made {escape(report.generated_at)} by tmtool</p>"),
        "</header>",
        '<section class="summary">',
        _scores_card(report),
        _leverage_card(report),
        _review_card(report),
        _qa_card(report),
        "</section>",
        _pairs_table(report),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _scores_card(report: Report) -> str:
    out = ['<div class="card scores-card"><h2>Corpus scores</h2>']
    if not report.corpus:
        out.append('<p class="empty">No scores yet. Run <code>tmtool score --doc '
                   f'{escape(_quote(report.document.name))} --ref REFERENCE.txt</code>, or '
                   "<code>--ref-from-tm</code> after a review.</p></div>")
        return "\n".join(out)
    first = report.corpus[0]
    against = ("the model's output against the targets people approved (--ref-from-tm)"
               if first.ref_kind == "tm" else "the targets against reference file(s)")
    out.append(f'<p class="note">{plural(first.segments, "segment")}: {escape(against)}; '
               f"scored {escape(first.scored_at)} with sacrebleu.</p>")
    out.append("<table><tbody>")
    for c in report.corpus:
        ci = (f' <span class="ci">μ {c.ci_mean:.1f} ± {c.ci_half:.1f}</span>'
              if c.ci_mean is not None and c.ci_half is not None else "")
        out.append(
            f'<tr><th scope="row">{escape(c.metric)}</th><td class="num big">{c.score:.1f}{ci}</td>'
            f'<td><code class="sig">{_breakable(c.signature)}</code></td></tr>'
        )
    out.append("</tbody></table>")
    if report.stale:
        out.append(f'<p class="warn">{report.stale} pair{"s" if report.stale != 1 else ""} changed after '
                   "scoring; run <code>tmtool score</code> again for current figures.</p>")
    if first.scored_at < report.document.updated_at:
        out.append('<p class="warn">The document was translated again after it was scored.</p>')
    out.append("</div>")
    return "\n".join(out)


def _leverage_card(report: Report) -> str:
    reused_fuzzy = any(p.match and p.match < 100 for p in report.pairs)
    how = ("100% matches and some fuzzy matches (translate --fuzzy-reuse) were reused; the model "
           "translated the rest." if reused_fuzzy else
           "100% matches were reused; the model translated the rest (fuzzy matches are offered in review).")
    out = ['<div class="card"><h2>TM leverage</h2>',
           f'<p class="note">Best memory match per segment in the last translate run. {escape(how)}</p>',
           ('<table><thead><tr><th>Best TM match</th><th class="num">Segments</th>'
            '<th class="num">Words</th><th>Share</th></tr></thead><tbody>')]
    for row in report.leverage:
        empty = " empty" if not row.segments else ""
        out.append(
            f'<tr class="lev{empty}"><td>{escape(row.label)}</td><td class="num">{row.segments}</td>'
            f'<td class="num">{row.words}</td><td>{_bar(row.share * 100, f"{row.share:.0%}")}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "\n".join(out)


def _review_card(report: Report) -> str:
    statuses, origins = report.statuses, report.origins
    total = len(report.pairs) or 1
    stack = "".join(
        f'<span class="seg-{s}" style="width:{statuses[s] / total * 100:.2f}%"></span>'
        for s in ("approved", "draft", "rejected", "untranslated") if statuses[s]
    )
    legend = " · ".join(
        f'<span class="dot seg-{s}"></span>{statuses[s]} {s}'
        for s in ("approved", "draft", "rejected", "untranslated") if statuses[s]
    )
    label = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    by_origin = ", ".join(f"{n} {escape(o)}" for o, n in sorted(origins.items()))
    return (
        '<div class="card"><h2>Review</h2>'
        f'<div class="stack" role="img" aria-label="{escape(label, quote=True)}">{stack}</div>'
        f'<p class="legend">{legend}</p><p class="note">Targets by origin: {by_origin}.</p>{_cut_warning(report)}</div>'
    )


def _cut_warning(report: Report) -> str:
    cut = [p.segment.index + 1 for p in report.pairs if cut_short(p.unit) is not None]
    if not cut:
        return ""
    links = ", ".join(f'<a href="#seg-{n}">{n}</a>' for n in cut)
    return (f'<p class="warn">{len(cut)} translation{"s" if len(cut) != 1 else ""} cut short: the model '
            f"stopped at its output limit before the end of the sentence (segment{'s' if len(cut) != 1 else ''} "
            f"{links}).</p>")


def _pairs_table(report: Report) -> str:
    doc = report.document
    out = [
        '<section class="pairs-section"><h2>Pairs</h2>',
        ('<table class="pairs"><thead><tr><th class="n">#</th>'
         f'<th>Source ({escape(doc.src_lang)})</th><th>Target ({escape(doc.tgt_lang)})</th>'
         '<th class="sc">Sentence scores</th></tr></thead><tbody>'),
    ]
    paragraph = None
    for p in report.pairs:
        new_par = paragraph is not None and p.segment.paragraph != paragraph
        paragraph = p.segment.paragraph
        out.append(_pair_row(p, report.machine, new_par, doc, report.qa))
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _pair_row(p: ReviewPair, machine: dict[int, str], new_par: bool, doc: Document, qa: Any = None) -> str:
    u = p.unit
    status = u.status if u else "untranslated"
    classes = f"status-{status}" + (" para" if new_par else "")
    badges = [_badge(u.origin if u else "untranslated", f"origin-{u.origin if u else 'none'}")]
    if u:
        badges.append(_badge(status, f"status-{status}"))
    if p.reuse:  # a TM match of other work, or this document's own earlier MT (issue 14)
        badges.append(_badge(p.reuse, "own-mt" if p.own_mt else "match"))
    if cut_short(u) is not None:
        badges.append(_badge("cut short", "cut"))
    if p.stale:
        badges.append(_badge("changed since scored", "stale"))
    target = escape(u.target) if u else '<span class="empty">—</span>'
    source = escape(p.segment.text)
    if qa is not None and p.segment.index in qa.terms:  # glossary terms highlighted (issue 17)
        from .qa.view import highlight

        source = highlight(p.segment.text, qa.terms[p.segment.index]["source"])
        target = highlight(u.target, qa.terms[p.segment.index]["target"]) if u else target
    extra = []
    if u and u.id in machine and machine[u.id] != u.target:
        extra.append(f'<div class="was"><span class="lbl">model said</span> {escape(machine[u.id])}</div>')
    refs = next(iter(p.scores.values())).refs if p.scores else ()
    for ref in refs:
        extra.append(f'<div class="ref"><span class="lbl">reference</span> {escape(ref)}</div>')
    if qa is not None:
        from .qa.view import pair_findings

        extra.append(pair_findings(qa, p.segment.index))
    tu = f' <span class="tu">unit {u.id}</span>' if u else ""
    src, tgt = escape(doc.src_lang, quote=True), escape(doc.tgt_lang, quote=True)  # also the phone labels
    return (
        f'<tr id="seg-{p.segment.index + 1}" class="{classes}">'
        f'<td class="n">{p.segment.index + 1}</td>'
        f'<td class="src" lang="{src}" data-label="Source ({src})">{source}</td>'
        f'<td class="tgt" lang="{tgt}" data-label="Target ({tgt})"><div class="text">{target}</div>'
        f'<div class="badges">{"".join(badges)}{tu}</div>{"".join(extra)}</td>'
        f'<td class="sc" data-label="Sentence scores">{_sentence_scores(p)}</td></tr>'
    )


def _qa_card(report: Report) -> str:
    if report.qa is None:
        return ""
    from .qa.view import qa_card

    return qa_card(report.qa)


def _qa_css(report: Report) -> str:
    if report.qa is None:
        return ""
    from .qa.view import CSS as QA_CSS

    return QA_CSS


def _sentence_scores(p: ReviewPair) -> str:
    if not p.scores:
        return '<span class="empty">—</span>'
    rows = []
    for metric in SENTENCE_METRICS:
        s = p.scores.get(metric)
        if s is not None:
            rows.append(
                f'<div class="metric" title="{escape(s.signature, quote=True)}">'
                f'<span class="mname">{escape(metric)}</span>{_bar(s.score, f"{s.score:.1f}")}</div>'
            )
    return "".join(rows)


def _bar(value: float, label: str) -> str:
    width = max(0.0, min(100.0, value))
    return (f'<span class="bar"><span class="fill" style="width:{width:.1f}%"></span></span>'
            f'<span class="val">{escape(label)}</span>')


def _breakable(signature: str) -> str:
    # A signature is one long token; let it wrap only between its fields.
    return "|<wbr>".join(escape(part) for part in signature.split("|"))


def _badge(text: str, cls: str) -> str:
    return f'<span class="badge {escape(cls, quote=True)}">{escape(text)}</span>'


def _quote(name: str) -> str:
    return name if name.replace(".", "").replace("-", "").replace("_", "").isalnum() else repr(name)


CSS = """
:root { --ink:#1d2430; --muted:#5b6575; --line:#d9dee6; --soft:#f4f6f9; --accent:#2f6fdb;
  --ok:#23824a; --warn:#b26b00; --bad:#c0392b; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 1280px; padding: 24px 28px 48px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.05rem; margin: 0 0 8px; }
.meta, .note, .legend { color: var(--muted); font-size: .85rem; margin: 4px 0; }
.warn { color: var(--warn); font-size: .85rem; }
.empty { color: var(--muted); }
code { font: .8rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(330px, 100%), 1fr)); gap: 16px; margin: 20px 0 28px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; background: #fff; }
.card table { width: 100%; border-collapse: collapse; font-size: .9rem; }
.card th, .card td { text-align: left; padding: 3px 6px 3px 0; vertical-align: middle; }
.card thead th { color: var(--muted); font-weight: 600; font-size: .8rem; border-bottom: 1px solid var(--line); }
.num { text-align: right !important; font-variant-numeric: tabular-nums; white-space: nowrap; }
.big { font-size: 1.25rem; font-weight: 650; }
.ci { display: block; font-size: .75rem; font-weight: 400; color: var(--muted); }
.sig { color: var(--muted); overflow-wrap: anywhere; }
.scores-card th { width: 3.5rem; } .scores-card td.big { width: 5.5rem; }
tr.lev.empty td { color: var(--muted); }
tr.lev td:last-child { white-space: nowrap; } tr.lev .bar { width: 60px; }
.bar { display: inline-block; width: 90px; height: 8px; background: var(--soft); border: 1px solid var(--line);
  border-radius: 4px; vertical-align: middle; overflow: hidden; margin-right: 6px; }
.bar .fill { display: block; height: 100%; background: var(--accent); }
.val { font-size: .8rem; font-variant-numeric: tabular-nums; }
.stack { display: flex; height: 14px; border-radius: 7px; overflow: hidden; background: var(--soft); margin: 6px 0; }
.seg-approved { background: var(--ok); } .seg-draft { background: #9aa6b8; }
.seg-rejected { background: var(--bad); } .seg-untranslated { background: #e3e7ee; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 4px; }
table.pairs { width: 100%; border-collapse: collapse; table-layout: fixed; }
.pairs th { text-align: left; font-size: .8rem; color: var(--muted); border-bottom: 2px solid var(--line); padding: 6px 8px; }
.pairs td { vertical-align: top; padding: 8px; border-bottom: 1px solid var(--line); overflow-wrap: break-word; }
.pairs tr.para td { border-top: 2px solid #b8c1cf; }
.pairs .n { width: 3rem; color: var(--muted); text-align: right; font-variant-numeric: tabular-nums; }
.pairs .sc { width: 11.5rem; }
.pairs tr.status-rejected .tgt .text { color: var(--bad); text-decoration: line-through; }
.badges { margin-top: 4px; }
.badge { display: inline-block; white-space: nowrap; font-size: .7rem; line-height: 1.5; padding: 0 6px; margin-right: 4px;
  border-radius: 9px; border: 1px solid var(--line); color: var(--muted); background: var(--soft); }
.badge.origin-mt { color: #5a3fb0; border-color: #cbbff0; background: #f3f0fc; }
.badge.origin-human { color: #0f6a5a; border-color: #a9dccf; background: #eefaf6; }
.badge.status-approved { color: var(--ok); border-color: #a8d8b9; background: #eef8f1; }
.badge.status-rejected { color: var(--bad); border-color: #efb5ae; background: #fdf0ee; }
.badge.status-draft { color: #4a5568; }
.badge.match { color: var(--accent); border-color: #b7cdf3; background: #eef4fd; }
.badge.own-mt { color: #5a3fb0; border-style: dashed; }
.badge.cut { color: var(--bad); border-color: #efb5ae; background: #fdf0ee; font-weight: 600; }
.badge.stale { color: var(--warn); border-color: #f0d2a0; background: #fff7e8; }
.tu { font-size: .7rem; color: var(--muted); }
.was, .ref { font-size: .82rem; color: var(--muted); margin-top: 4px; }
.lbl { font-size: .68rem; text-transform: uppercase; letter-spacing: .04em; margin-right: 4px; }
.metric { white-space: nowrap; }
.mname { display: inline-block; width: 3rem; font-size: .75rem; color: var(--muted); }
.metric .bar { width: 70px; }
@media (max-width: 800px) { .pairs .sc { width: 8rem; } .metric .bar { width: 40px; } }
/* A phone: each pair is a block, source above target, each cell labelled (issue 14). */
@media screen and (max-width: 640px) {
  body { padding: 14px 12px 32px; }
  .summary { gap: 12px; margin: 14px 0 20px; }
  .card { padding: 12px; }
  table.pairs, .pairs tbody, .pairs tr, .pairs td { display: block; width: auto; }
  .pairs thead { display: none; }
  .pairs tr { border-bottom: 1px solid var(--line); padding: 10px 0; }
  .pairs tr.para { border-top: 2px solid #b8c1cf; }
  .pairs td, .pairs tr.para td { border: 0; padding: 2px 0; }
  .pairs td.n { width: auto; text-align: left; font-weight: 600; }
  .pairs td.n::before { content: "#"; }
  .pairs td[data-label]::before { content: attr(data-label); display: block; font-size: .68rem;
    text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
  .pairs .sc { width: auto; } .metric { display: inline-block; margin-right: 12px; } .metric .bar { width: 60px; }
}
@media print {
  body { font-size: 10pt; max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .summary { display: block; margin: 12px 0; }
  .card { break-inside: avoid; padding: 8px 10px; margin-bottom: 8px; }
  .card table { width: auto; min-width: 60%; }
  .pairs tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .pairs .n { width: 2rem; } .pairs .sc { width: 8.5rem; } .metric .bar { width: 36px; }
  .pairs thead { display: table-header-group; }
  @page { margin: 14mm 12mm; }
}
"""
