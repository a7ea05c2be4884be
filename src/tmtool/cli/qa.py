"""tmtool qa and tmtool tm qa: quality checks of a document's pairs or of the whole memory."""

from __future__ import annotations

import json

import click

from ..terminal import plural
from .base import cli, echo, open_tm
from .options import RenamedChoice, doc_option, language_options
from .review import resolve_doc
from .tm import tm as tm_group

_FAIL_HELP = "Exit with status 1 if a finding is at this level or worse (for pipelines)."


@cli.command()
@doc_option()
@click.option("--glossary-only", is_flag=True, help="Only the terminology check (the memory's glossary).")
@click.option("-f", "--format", "fmt", type=RenamedChoice(("text", "jsonl"), {"json": "jsonl"}), default="text",
              show_default=True, help="jsonl: one JSON object per finding, per line.")
@click.option("--fail-on", type=click.Choice(("error", "warning")), default=None, help=_FAIL_HELP)
@click.pass_context
def qa(ctx, doc_name, glossary_only, fmt, fail_on):
    """Check every pair of a document and store the findings for `review` and `report`.

    Checks (Okapi CheckMate's, fitted to Indonesian -> English): numbers, dates, times and
    currencies (1.500.000,00 = 1,500,000.00; 15/9; Rp), inline tags and placeholders, terminology
    (the glossary's terms in their inflected forms; forbidden terms), empty target, target
    identical to the source, target still Indonesian, length ratio, brackets and quotes,
    spaces, repeated words, URLs and e-mails, and consistency with the rest of the memory.
    Each run replaces the document's stored findings; `tmtool review --qa` visits the pairs
    with findings first, and `tmtool report` lists them.

    \b
    Example:
        tmtool qa
        tmtool qa --doc antara-2022-09-15-xi-aliyev.id.txt --format jsonl | jq .check
        tmtool qa --glossary-only --fail-on error
    """
    from ..errors import TMError
    from ..qa import qa_document

    with open_tm(ctx, create=False) as tm:
        name = resolve_doc(tm, doc_name)
        result = qa_document(tm, name, glossary_only=glossary_only, store=False)
        try:
            tm.save_findings(name, result.findings)
            result.stored = True
        except TMError as e:  # a read-only memory: the findings are still worth printing
            echo(f"note: findings not stored ({e})", err=True)
        pairs = {p.segment.index: p for p in tm.pairs(name)} if fmt == "text" else {}
    _print(result, fmt, name, pairs)
    if result.fails(fail_on):
        ctx.exit(1)


@tm_group.command("qa")
@click.option("--glossary-only", is_flag=True, help="Only the terminology check (the memory's glossary).")
@click.option("-f", "--format", "fmt", type=RenamedChoice(("text", "jsonl"), {"json": "jsonl"}), default="text",
              show_default=True, help="jsonl: one JSON object per finding, per line.")
@click.option("--fail-on", type=click.Choice(("error", "warning")), default=None, help=_FAIL_HELP)
@language_options("pair", deprecated_aliases=True)
@click.pass_context
def tm_qa(ctx, glossary_only, fmt, fail_on, source_lang, target_lang):
    """Check every unit of the memory (rejected ones left out) with the checks of `tmtool qa`.

    The findings belong to no document, so they are printed, not stored (`index` is null).

    \b
    Example:
        tmtool tm qa --format jsonl > findings.jsonl
        tmtool tm qa --fail-on error
    """
    from ..qa import qa_memory

    with open_tm(ctx, create=False) as tm:
        result = qa_memory(tm, glossary_only=glossary_only, src_lang=source_lang, tgt_lang=target_lang)
        units = {f.tu_id: tm.get_unit(f.tu_id) for f in result.findings if f.tu_id} if fmt == "text" else {}
    _print(result, fmt, None, {}, units)
    if result.fails(fail_on):
        ctx.exit(1)


def finding_dict(f, doc: str | None) -> dict:
    """A finding as one JSON object (``index`` is the segment index, as translate --format jsonl)."""
    return {"doc": doc, "index": f.index, "tu_id": f.tu_id, "check": f.check, "severity": f.severity,
            "message": f.message, "spans": list(f.spans)}


def _print(result, fmt: str, doc: str | None, pairs: dict, units: dict | None = None) -> None:
    if fmt == "jsonl":
        for f in result.findings:
            click.echo(json.dumps(finding_dict(f, doc), ensure_ascii=False))
    else:
        for f in result.findings:
            where = f"#{f.index + 1}" if f.index is not None else f"unit {f.tu_id}"
            echo(f"{where}  {f.severity:<7} {f.check:<12} {f.message}")
            excerpt = _excerpt(f, pairs.get(f.index), (units or {}).get(f.tu_id))
            if excerpt:
                echo(f"      {excerpt}")
    what = f"{doc}: {plural(result.pairs, 'pair')}" if doc else f"the memory: {plural(result.pairs, 'unit')}"
    glossary = (f", {plural(result.glossary_entries, 'glossary entry', 'glossary entries')}"
                if result.glossary_entries else ", no glossary")
    stored = "; stored for review and report" if result.stored else ""
    echo(f"{what} checked{glossary}: {plural(result.count('error'), 'error')}, "
         f"{plural(result.count('warning'), 'warning')}{stored}", err=True)


def _excerpt(f, pair, unit) -> str:
    """The text a finding's first span points at, with a little around it."""
    if not f.spans:
        return ""
    span = f.spans[0]
    from ..inline import display_text

    u = unit or (pair.unit if pair else None)
    text = (u.source if span["side"] == "source" else u.target) if u else (pair.segment.text if pair else "")
    if not text:
        return ""
    codes = ((u.props.get("codes") or {}).get(span["side"]) if u else None) or []
    show = lambda piece: display_text(piece, codes).replace("\n", " ")  # noqa: E731 - tags as ⟨1⟩, not markers
    a, b = span["start"], span["end"]
    left, right = max(0, a - 30), min(len(text), b + 30)
    return (f"{span['side']}: {'…' if left else ''}{show(text[left:a])}[{show(text[a:b])}]{show(text[b:right])}"
            f"{'…' if right < len(text) else ''}")
