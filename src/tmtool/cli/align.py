"""tmtool align."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

from ..config import current_user, default_model
from ..errors import UsageError
from ..textio import read_text
from ..terminal import for_stream, plural
from .base import cli, echo, open_tm, terminal_width, tm_exists
from .segment import make_segmenter, segmenter_options
from .options import doc_option, engine_options
from .results import tsv_cell
from .translate import unit_options

FORMATS = ("table", "jsonl", "tsv", "beads")


@cli.command()
@click.argument("source_path", metavar="SOURCE", type=click.Path(allow_dash=True, path_type=str))
@click.argument("target_path", metavar="TARGET", type=click.Path(allow_dash=True, path_type=str))
@doc_option("Document name in the memory [default: SOURCE's file name].")
@click.option("-m", "--model", default=None,
              help="Model for the MT-assisted scorer [default: TMTOOL_MODEL or opus-mt-id-en, if it is "
                   "already downloaded].")
@click.option("--no-model", is_flag=True, help="Align by length and shared names and numbers only.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Store only pairs at least this confident (0-1).")
@click.option("--dry-run", is_flag=True, help="Print the alignment; store nothing.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="How to print the alignment: table (default with --dry-run), jsonl, tsv, or beads "
                   "(Vecalign's [src]:[tgt] lines).")
@click.option("--lines", is_flag=True,
              help="Both files already hold one sentence per line: do not split lines.")
@engine_options
@click.option("--batch-size", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="Most sentences in one batch of the MT-assisted scorer.")
@unit_options
@segmenter_options
@click.pass_context
def align(
    ctx, source_path, target_path, doc_name, model, no_model, min_confidence, dry_run, fmt, lines,
    backend, device, batch_size, source_lang, target_lang, author, encoding, srx, abbrev,
):
    """Align SOURCE (Indonesian) with its translation TARGET (English) into the memory.

    Both files are split into sentences and aligned with 1-1, 1-2, 2-1, 2-2 beads and
    omissions (1-0, 0-1). Without a model the aligner uses sentence lengths and the names and
    numbers both sides share; with one it also translates the source (reusing the memory) and
    compares that with the target. The pairs are stored as draft units of origin `aligned`,
    each with its confidence, and SOURCE as a document: `tmtool pairs --doc NAME` shows them
    and `tmtool review --doc NAME` reviews them. A summary goes to stderr.

    \b
    Example:
        tmtool align article.id.txt article.en.txt --dry-run
        tmtool align article.id.txt article.en.txt --no-model --min-confidence 0.5
        tmtool align article.id.txt article.en.txt --model ./opus-mt-id-en --format jsonl
    """
    from ..align.document import (
        align_texts,
        machine_translations,
        model_available,
        store_alignment,
    )
    from ..align.english import segment_lines

    if model and no_model:
        raise UsageError("--model and --no-model do not go together")
    if source_path == "-" and target_path == "-":
        raise UsageError("only one of SOURCE and TARGET can be - (stdin)")
    source_text = read_text(source_path, encoding)
    target_text = read_text(target_path, encoding)
    name = doc_name or ("stdin" if source_path == "-" else Path(source_path).name)
    notes = []
    if not no_model and model is None:
        model = default_model()
        if not model_available(model):
            notes.append(f"note: {model} is not downloaded; aligned by length (pass --model DIR, or --no-model)")
            model = None
    source_segmenter = segment_lines if lines else make_segmenter(srx, abbrev).segment
    target_segmenter = segment_lines if lines else None
    tm = open_tm(ctx, create=not dry_run) if not dry_run or tm_exists(ctx) else None
    try:
        reused = 0
        translations = None
        if model and not no_model:
            def translations(sources):
                nonlocal reused
                out, reused = machine_translations(
                    sources, lambda: _load(backend, model, device), tm=tm, src_lang=source_lang,
                    tgt_lang=target_lang, batch_size=batch_size,
                )
                return out

        options = {"target_segmenter": target_segmenter} if target_segmenter else {}
        result = align_texts(source_text, target_text, source_segmenter=source_segmenter,
                             translations=translations, **options)
        result.model = model if result.alignment.scorer == "mt" else None
        stored = None
        if not dry_run:
            stored = store_alignment(
                tm, name, source_text, result, src_lang=source_lang, tgt_lang=target_lang,
                author=author or current_user(), min_confidence=min_confidence,
            )
    finally:
        if tm is not None:
            tm.close()
    if dry_run or fmt:
        click.echo(for_stream(render(result, fmt or "table")), nl=False, color=True)  # data: exact when piped
    for note in notes:
        echo(note, err=True)
    echo(summary(name, result, stored, reused, min_confidence), err=True)
    if stored is not None:
        _list_low(name, result)


def _load(backend: str, model: str, device: str):
    from ..translate import get_translator

    if sys.stderr.isatty():
        echo(f"Loading {model} for the MT-assisted scorer ...", err=True)
    return get_translator(backend, model=model, device=device)


def rows(result) -> list[dict]:
    """One record per bead, omissions included."""
    a = result.alignment
    out = []
    for b in a.beads:
        out.append({
            "bead": b.kind,
            "src": list(b.src),
            "tgt": list(b.tgt),
            "source": " ".join(a.source[i] for i in b.src) if b.src else None,
            "target": " ".join(a.target[j] for j in b.tgt) if b.tgt else None,
            "confidence": round(b.confidence, 4) if b.src and b.tgt else None,
        })
    return out


def render(result, fmt: str) -> str:
    records = rows(result)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if fmt == "beads":
        return "".join(b.format() + "\n" for b in result.alignment.beads)
    if fmt == "tsv":
        columns = ["bead", "src", "tgt", "confidence", "source", "target"]
        out = ["\t".join(columns)]
        for r in records:
            cells = {**r, "src": ",".join(map(str, r["src"])), "tgt": ",".join(map(str, r["tgt"]))}
            out.append("\t".join(tsv_cell(cells[c]) for c in columns))
        return "\n".join(out) + "\n"
    return table(records)


def table(records: list[dict]) -> str:
    """source │ target │ bead │ confidence, wrapped to the terminal."""
    width = max(70, terminal_width(110))
    col = (width - 20) // 2
    head = f"{'source':<{col}} │ {'target':<{col}} │ bead │ conf"
    out = [head, "─" * len(head)]
    for r in records:
        left = textwrap.wrap(r["source"] or "—", col) or [""]
        right = textwrap.wrap(r["target"] or "—", col) or [""]
        conf = f"{r['confidence']:.2f}" if r["confidence"] is not None else "  - "
        for k in range(max(len(left), len(right))):
            a = left[k] if k < len(left) else ""
            b = right[k] if k < len(right) else ""
            tail = f" │ {r['bead']:<4} │ {conf}" if k == 0 else " │      │"
            out.append(f"{a:<{col}} │ {b:<{col}}{tail}")
        out.append("")
    return "\n".join(out)


def summary(name: str, result, stored, reused: int, min_confidence: float) -> str:
    a = result.alignment
    kinds: dict[str, int] = {}
    for b in a.beads:
        kinds[b.kind] = kinds.get(b.kind, 0) + 1
    how = "length and shared names/numbers" if a.scorer == "length" else f"MT ({result.model})"
    if a.scorer == "mt" and reused:
        how += f", {plural(reused, 'translation')} reused from the TM"
    shape = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    line = (f"{name}: {len(a.source)} source and {plural(len(a.target), 'target sentence')} aligned by {how}: "
            f"{shape}")
    if stored is None:
        return line + " (dry run: nothing stored)"
    line += f"; {plural(stored.stored, 'pair')} stored as aligned drafts"
    if stored.below_threshold:
        line += f", {stored.below_threshold} under confidence {min_confidence:g} left out"
    if stored.unlinked:
        line += f"; {plural(stored.unlinked, 'source segment')} without a pair"
    return line


def _list_low(name: str, result) -> None:
    """List the pairs under the confidence `review` puts first."""
    from ..review import DOUBTFUL_ALIGNMENT as REVIEW_BELOW

    low = [(b, s, t) for b, s, t in result.alignment.pairs() if b.confidence < REVIEW_BELOW]
    if not low:
        return
    echo(f"{plural(len(low), 'pair')} with a confidence under {REVIEW_BELOW}; review them first "
               f"(tmtool review --doc {name}):", err=True)
    for b, s, _ in sorted(low, key=lambda x: x[0].confidence)[:10]:
        echo(f"  #{b.src[0] + 1:<4} {b.kind}  {b.confidence:.2f}  {textwrap.shorten(s, 70)}", err=True)
