"""tmtool glossary: import, export, list and search the termbase kept in the memory (issue 17)."""

from __future__ import annotations

import json

import click

from .base import cli, echo, open_tm, output_stream
from .options import encoding_option, language_options

GLOSSARY_FORMATS = ("tbx", "csv", "tsv")


@cli.group()
def glossary():
    """The glossary (termbase) kept in the memory: terms that must be translated one way.

    `tmtool qa` checks every pair against it (a source term found -> its target term expected;
    deprecated or forbidden terms flagged) and `review` and `report` show the terms of a pair.

    \b
    Example:
        tmtool glossary import terms.tbx
        tmtool glossary search "kerja sama"
        tmtool glossary export -o terms.tbx
    """


@glossary.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(GLOSSARY_FORMATS),
              help="[default: from the file name: .tbx, .csv, .tsv/.txt]")
@language_options("pair", deprecated_aliases=True)
@encoding_option
@click.pass_context
def import_(ctx, files, fmt, source_lang, target_lang, encoding):
    """Import TBX (v2/MARTIF and v3: TBX-Basic, TBX-Min, TBX-Core), CSV or TSV glossaries.

    TBX keeps every language of an entry, part of speech, definition, notes and each term's
    status (preferred, admitted, deprecated, superseded). CSV/TSV rows are source,target[,note]
    in --source-lang and --target-lang (a header row and #-comments are skipped). Each file is
    one transaction: a file with an error imports nothing. An entry already in the glossary is
    not added twice. Files are read with the same safe XML parser as TMX (entity declarations
    refused, nothing fetched).

    \b
    Example:
        tmtool glossary import termbase.tbx
        tmtool glossary import omegat/glossary.txt --source-lang id --target-lang en
    """
    from ..glossary import import_glossary

    with open_tm(ctx, create=True) as tm:
        for path in files:
            r = import_glossary(tm, path, fmt=fmt, src_lang=source_lang, tgt_lang=target_lang, encoding=encoding)
            line = f"{path}: {r.added} entries added, {r.duplicates} already in the glossary"
            for why, n in r.skipped.items():
                line += f"; skipped {n} {why}"
            echo(line)


@glossary.command("export")
@click.option("-o", "--output", default="-", show_default=True, help="Output file; - is stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(GLOSSARY_FORMATS),
              help="[default: from -o's suffix (.tbx, .csv, .tsv/.txt), else tbx]")
@language_options("pair", deprecated_aliases=True)
@click.pass_context
def export(ctx, output, fmt, source_lang, target_lang):
    """Export the glossary as TBX v3 (TBX-Basic, every term and status), CSV or TSV.

    CSV/TSV have one row per --source-lang and --target-lang term that may be used (deprecated
    and forbidden terms are TBX-only).

    \b
    Example:
        tmtool glossary export -o terms.tbx
        tmtool glossary export -o terms.csv
    """
    from ..errors import UsageError
    from ..glossary import export_glossary, glossary_format

    if fmt is None:
        try:  # .csv, .tsv, .txt (TSV, as OmegaT names it), .tbx
            fmt = glossary_format(output)
        except UsageError:
            fmt = "tbx"
    with open_tm(ctx, create=False) as tm:
        with output_stream(output) as out:
            n = export_glossary(tm, out, fmt, src_lang=source_lang, tgt_lang=target_lang)
    if output != "-":
        echo(f"{output}: {n} {'entries' if fmt == 'tbx' else 'rows'} ({fmt})", err=True)


@glossary.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
@click.pass_context
def list_(ctx, as_json):
    """List the glossary's entries: each term with its language and status.

    \b
    Example:
        tmtool glossary list
        tmtool glossary list --json | jq .terms
    """
    with open_tm(ctx, create=False) as tm:
        entries = tm.glossary()
    _show(entries, as_json, empty="the glossary is empty (tmtool glossary import FILE)")


@glossary.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="At most this many entries.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
@click.pass_context
def search(ctx, text, limit, as_json):
    """Entries with a term that contains TEXT (case and accents ignored).

    \b
    Example:
        tmtool glossary search pembangunan
        tmtool glossary search "supply chain" --json
    """
    with open_tm(ctx, create=False) as tm:
        entries = tm.search_glossary(text, limit=limit)
    _show(entries, as_json, empty=f"no glossary term contains {text!r}")


def _show(entries, as_json: bool, empty: str) -> None:
    if as_json:
        for e in entries:
            click.echo(json.dumps(entry_dict(e), ensure_ascii=False))
        return
    if not entries:
        echo(empty)
        return
    for e in entries:
        terms = " | ".join(f"{t.lang}: {t.text}" + (f" ({t.status})" if t.status else "") for t in e.terms)
        echo(f"#{e.id}  {terms}")
        for label, value in (("definition", e.definition), ("note", e.note), ("subject", e.subject)):
            if value:
                echo(f"      {label}: {value}")


def entry_dict(e) -> dict:
    """An entry as a JSON-ready dict."""
    return {
        "id": e.id, "concept": e.concept, "subject": e.subject, "definition": e.definition,
        "note": e.note, "origin": e.origin,
        "terms": [{"lang": t.lang, "term": t.text, "pos": t.pos, "status": t.status, "note": t.note}
                  for t in e.terms],
    }
