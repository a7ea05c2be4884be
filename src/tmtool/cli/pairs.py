"""tmtool pairs, tmtool docs."""

from __future__ import annotations

import json

import click

from ..errors import NotFound
from ..records import OWN_MT, cut_short
from ..terminal import for_stream, plural
from .base import cli, echo, open_tm, terminal_width
from .options import doc_option
from .results import tsv_cell


@cli.group(invoke_without_command=True)
@doc_option()
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["table", "tsv", "jsonl"]), default="table",
    show_default=True, help="table: side by side for reading; tsv/jsonl: one record per segment.",
)
@click.pass_context
def pairs(ctx, doc_name, fmt):
    """Show a document's source/target pairs, in order.

    Subcommands show one pair's history, or change pairs without the interactive review.

    \b
    Example:
        tmtool pairs
        tmtool pairs --doc antara-2022-09-15-xi-aliyev.id.txt --format jsonl
        tmtool pairs show --segment 3
        tmtool pairs set-status approved --doc antara-2022-09-15-xi-aliyev.id.txt --origin tm
        tmtool pairs edit --segment 18 --target "Translator: Xinhua"
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_tm(ctx, create=False) as tm:
        if doc_name is None:
            docs = tm.documents()
            if not docs:
                raise NotFound(f"{tm.path} holds no documents yet; translate one first")
            doc_name = docs[0].name
        fuzzy = tm.suggestions(doc_name)  # the best fuzzy match translate found (issue 9)
        rows = [_row(p, fuzzy.get(p.segment.index)) for p in tm.document_pairs(doc_name)]
    if fmt == "jsonl":
        for row in rows:
            echo(json.dumps(row, ensure_ascii=False))
    elif fmt == "tsv":
        columns = list(rows[0]) if rows else ["index"]
        click.echo("\t".join(columns))
        for row in rows:  # data: exact when piped, escapes shown on a terminal
            click.echo(for_stream("\t".join(tsv_cell(row[c]) for c in columns)), color=True)
    else:
        echo(_table(doc_name, rows))


def _row(pair, fuzzy=None) -> dict:
    from ..inline import display_text, has_markers, shown

    u = pair.unit
    source = pair.segment.text
    if has_markers(source):  # a CAT file's segment (issue 18): its inline codes as short tags
        source = display_text(source, ((u.props or {}).get("codes") or {}).get("source") if u else None)
    return {
        "index": pair.segment.index,
        "paragraph": pair.segment.paragraph,
        "source": source,
        "target": shown(u) if u else None,
        "origin": u.origin if u else None,
        "status": u.status if u else None,
        "model": u.model if u else None,
        "tu_id": u.id if u else None,
        "fuzzy_score": fuzzy.score if fuzzy else None,
        "fuzzy_tu_id": fuzzy.unit.id if fuzzy else None,
        # issue 14: how the last translate run got the target (TM match of other work, or this
        # document's own earlier MT), and whether the model cut it short at its output limit.
        "match": pair.match,
        "own_mt": pair.own_mt,
        "truncated": cut_short(u) is not None,
    }


def _table(doc_name: str, rows: list[dict]) -> str:
    """Source and target side by side, wrapped to the terminal, one block per segment."""
    import textwrap

    width = max(60, terminal_width(100))
    col = (width - 8) // 2
    out = [f"{doc_name}: {plural(len(rows), 'segment')}"]
    for row in rows:
        meta = f"#{row['index'] + 1}  {row['origin'] or 'untranslated'}"
        if row["status"]:
            meta += f" · {row['status']}"
        if row["tu_id"] is not None:
            meta += f" · tu {row['tu_id']}"
        if row["match"]:
            meta += f" · {OWN_MT}" if row["own_mt"] else f" · TM match {row['match']}%"
        if row["truncated"]:
            meta += " · CUT SHORT (the model stopped at its output limit)"
        if row["fuzzy_score"] is not None:
            meta += f" · TM {row['fuzzy_score']}% in tu {row['fuzzy_tu_id']}"
        out.append("")
        out.append(meta)
        left = textwrap.wrap(row["source"], col) or [""]
        right = textwrap.wrap(row["target"] or "—", col) or [""]
        for i in range(max(len(left), len(right))):
            a = left[i] if i < len(left) else ""
            b = right[i] if i < len(right) else ""
            out.append(f"  {a:<{col}}  │ {b}".rstrip())
    return "\n".join(out)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
@click.pass_context
def docs(ctx, as_json):
    """List the documents stored in the translation memory, newest first.

    \b
    Example:
        tmtool docs
    """
    with open_tm(ctx, create=False) as tm:
        documents = tm.documents()
    for d in documents:
        if as_json:
            echo(json.dumps({"name": d.name, "segments": d.segment_count, "src_lang": d.src_lang,
                                   "tgt_lang": d.tgt_lang, "updated_at": d.updated_at,
                                   "content_hash": d.content_hash}, ensure_ascii=False))
        else:
            echo(f"{d.updated_at}  {d.segment_count:5d} segment{'' if d.segment_count == 1 else 's'}  "
                 f"{d.src_lang}->{d.tgt_lang}  {d.name}")
    if not documents and not as_json:
        echo("no documents yet", err=True)
