"""tmtool tm: import, export, search and stats of the translation memory."""

from __future__ import annotations

import json
import sys

import click

from ..formats import FORMATS, output_format
from ..terminal import plural
from .base import cli, echo, open_tm, output_stream
from .options import doc_option, encoding_option, language_options

STATUSES = ("draft", "approved", "rejected")


@cli.group()
def tm():
    """Exchange the translation memory with other tools (TMX, TSV, JSONL) and search it.

    \b
    Example:
        tmtool tm import memoq-export.tmx --source-lang id --target-lang en
        tmtool tm search "Presiden Joko Widodo mengatakan"
        tmtool tm export -o memory.tmx --status approved
        tmtool tm stats
        tmtool tm copy memory/tm.sqlite postgresql://tmtool@db.example/team
    """


@tm.command("import")
# No dir_okay=False: the library says what is wrong with a path, in one line, like every command.
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), help="[default: from the file name]")
@language_options("file", deprecated_aliases=True)
@click.option("--status", type=click.Choice(STATUSES), help="Status of the imported units [default: draft].")
@encoding_option
@click.pass_context
def import_(ctx, files, fmt, source_lang, target_lang, status, encoding):
    """Import TMX (1.1 to 1.4b), TSV, JSONL, XLIFF (1.x, 2.x, SDLXLIFF) or PO files into the memory.

    Each file is one transaction: a file with an error imports nothing, and the error names
    its line. Units already in the memory are merged, not repeated. Languages match by primary
    subtag and case-insensitively (id, id-ID, ID and the old `in` are one language); of a unit
    with more languages, only --source-lang and --target-lang are taken. Inline tags are kept.

    \b
    Example:
        tmtool tm import omegat/project_save.tmx
        tmtool tm import trados.tmx --source-lang id-ID --target-lang en-US --status approved
        tmtool tm import pairs.tsv corrections.jsonl
        tmtool tm import job.done.xlf project.po     # translated segments, state -> status
    """
    from ..exchange import import_file

    with open_tm(ctx, create=True) as memory:
        for path in files:
            report = import_file(memory, path, fmt=fmt, src_lang=source_lang, tgt_lang=target_lang,
                                 status=status, progress=_progress(path), encoding=encoding)
            echo(_import_summary(report))


def _import_summary(r) -> str:
    pair = f" ({r.src_lang}->{r.tgt_lang})" if r.src_lang and r.tgt_lang else ""
    line = f"{r.path}: {plural(r.read, 'unit')}{pair}, {r.added} added, {r.merged} merged, {r.seconds:.1f} s"
    for why, n in r.skipped.items():
        line += f"; skipped {n} {why}"
    return line


def _progress(path):
    if not sys.stderr.isatty():
        return None

    def show(n: int) -> None:
        echo(f"\r{path}: {plural(n, 'unit')} ...", nl=False, err=True)

    return show


@tm.command("export")
@click.option("-o", "--output", default="-", show_default=True, help="Output file; - is stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), help="[default: from -o's suffix, else tmx]")
@click.option("--status", multiple=True, type=click.Choice(STATUSES), help="Only units with this status (repeatable).")
@doc_option("Only the units of this document.")
@language_options("filter", deprecated_aliases=True)
@click.pass_context
def export(ctx, output, fmt, status, doc_name, source_lang, target_lang):
    """Export the memory as TMX 1.4b (valid against the DTD), TSV, JSONL, XLIFF 1.2 or PO.

    TMX keeps dates, authors, imported props and notes and inline tags; tmtool's own origin,
    status, model and context travel as x-tmtool-* props, so re-importing restores them.

    \b
    Example:
        tmtool tm export -o memory.tmx
        tmtool tm export -o approved.tsv --status approved
        tmtool tm export --format jsonl --doc antara-2022-09-15-xi-aliyev.id.txt
        tmtool tm export -f xliff -o memory.xlf           # or -f po
    """
    from ..exchange import export as export_units

    fmt = fmt or output_format(output) or "tmx"
    with open_tm(ctx, create=False) as memory:
        with output_stream(output, newline="\n") as out:
            n = export_units(memory, out, fmt, status=status or None, doc=doc_name, src_lang=source_lang,
                             tgt_lang=target_lang)
    if output != "-":
        echo(f"{output}: {plural(n, 'unit')} ({fmt})", err=True)


@tm.command()
@click.argument("text")
@click.option("--min", "min_score", type=click.IntRange(1, 101), default=75, show_default=True,
              help="Lowest match percentage shown.")
@click.option("--limit", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="At most this many matches.")
@click.option("--concordance", is_flag=True, help="Find TEXT as a word or phrase inside sources or targets.")
@click.option("--side", type=click.Choice(["both", "source", "target"]), default="both", show_default=True,
              help="Where --concordance looks.")
@language_options("pair", deprecated_aliases=True)
@click.option("--prev", "prev_source", help="The previous segment (a same-context match scores 101).")
@click.option("--next", "next_source", help="The next segment.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per match.")
@click.pass_context
def search(ctx, text, min_score, limit, concordance, side, source_lang, target_lang, prev_source,
           next_source, as_json):
    """Fuzzy matches of a sentence, or (--concordance) units containing a word or phrase.

    The percentage is the CAT one: 100 * (1 - edit distance / longer length) on the
    normalised text; 100 identical, 99 only case, punctuation or tags differ, 101 identical in
    the same context (--prev/--next). The diff shows [-words of the match-]{+words of TEXT+}.

    \b
    Example:
        tmtool tm search "Presiden Joko Widodo mengatakan hal itu di Jakarta."
        tmtool tm search "Aliyev" --concordance
        tmtool tm search "Kalimat ini." --min 60 --limit 10 --json
    """
    from ..inline import display_text

    with open_tm(ctx, create=False) as memory:
        if concordance:
            found = memory.concordance(text, src_lang=source_lang, tgt_lang=target_lang, side=side, limit=limit)
            rows = [{"tu_id": c.unit.id, "source": c.unit.source, "target": c.unit.target,
                     "status": c.unit.status, "origin": c.unit.origin, "unit": c.unit} for c in found]
        else:
            found = memory.search_fuzzy(text, source_lang, target_lang, min_score=min_score, limit=limit,
                                        prev_source=prev_source, next_source=next_source)
            rows = [{"score": m.score, "similarity": round(m.similarity, 2),
                     "word_similarity": round(m.word_similarity, 2), "tu_id": m.unit.id,
                     "source": m.unit.source, "target": m.unit.target, "status": m.unit.status,
                     "origin": m.unit.origin, "diff": [list(d) for d in m.diff], "unit": m.unit}
                    for m in found]
    for row in rows:
        unit = row.pop("unit")
        codes = unit.props.get("codes", {}) if unit.props else {}
        row["source"] = display_text(unit.source, codes.get("source"))
        row["target"] = display_text(unit.target, codes.get("target"))
        if as_json:
            echo(json.dumps(row, ensure_ascii=False))
        else:
            echo(_match_block(row))
    if not rows and not as_json:
        echo("no match" if not concordance else "not found", err=True)


def _match_block(row: dict) -> str:
    head = f"{row['score']:>3}%  " if "score" in row else ""
    lines = [f"{head}tu {row['tu_id']} · {row['origin']} · {row['status']}",
             f"  {row['source']}", f"  → {row['target']}"]
    if row.get("diff") and row["score"] < 100:
        lines.append(f"  diff: {_diff_text(row['diff'])}")
    return "\n".join(lines) + "\n"


def _diff_text(diff) -> str:
    """``Kalimat [-ini-]{+itu+}.``: runs joined by a space, except a replacement's two halves, before
    closing punctuation and after an opening bracket, so the diff reads as the sentence does."""
    shown, last = "", ""
    for op, w in diff:
        piece = w if op == "=" else f"[-{w}-]" if op == "-" else f"{{+{w}+}}"
        replaced = last == "-" and op == "+"  # [-old-]{+new+}: one replacement, as git's word diff
        glue = "" if not shown or replaced or w[:1] in _CLOSING or shown[-1] in _OPENING else " "
        shown, last = shown + glue + piece, op
    return shown


_CLOSING = set(".,;:!?%)]}»”’…")
_OPENING = set("([{«“‘")


@tm.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def stats(ctx, as_json):
    """Units by language pair, origin and status; documents; duplicates; size.

    \b
    Example:
        tmtool tm stats
        tmtool tm stats --json
    """
    with open_tm(ctx, create=False) as memory:
        s = memory.stats()
    if as_json:
        echo(json.dumps(s, ensure_ascii=False))
        return
    lines = [f"{s['path']}: {plural(s['units'], 'unit')}, {plural(s['documents'], 'document')} "
             f"({plural(s['segments'], 'segment')}), "
             f"{s['file_bytes'] / 1e6:.1f} MB"]
    for p in s["pairs"]:
        lines.append(f"  {p['src_lang']}->{p['tgt_lang']}: {plural(p['units'], 'unit')}")
    lines.append("  origin: " + (", ".join(f"{k} {v}" for k, v in s["origins"].items()) or "none"))
    lines.append("  status: " + (", ".join(f"{k} {v}" for k, v in s["statuses"].items()) or "none"))
    lines.append(f"  sources with several targets: {s['sources_with_several_targets']} "
                 f"({plural(s['extra_targets'], 'extra unit')})")
    fi = s["fuzzy_index"]
    lines.append("  fuzzy index: " + _fuzzy_index_state(s["units"], fi["pending"]))
    lines.append(f"  schema: {s['schema']}")
    echo("\n".join(lines))


def _fuzzy_index_state(units: int, pending: int) -> str:
    """The fuzzy index's state in a user's words (issue 14: not "units up to id 0, 22 waiting")."""
    from ..memory.fuzzy import FOLD_MIN

    if not pending:
        return f"up to date ({plural(units, 'unit')})"
    indexed = max(0, units - pending)
    return (f"{indexed:,} of {plural(units, 'unit')} indexed; searches read the other {pending:,} one by one "
            f"(complete, a little slower) until {FOLD_MIN:,} are waiting or the next tm import indexes them")


@tm.command()
@click.argument("src", metavar="SRC")
@click.argument("dst", metavar="DST")
@click.pass_context
def copy(ctx, src, dst):
    """Copy a whole memory into an empty one: SQLite to PostgreSQL and back.

    SRC and DST are each a SQLite file or a postgresql://user@host/db URL (--tm is not used).
    Everything is copied, ids included: units with all their fields and props, documents with
    their segments and links, history, scores. Rows stream in batches from one snapshot of SRC
    into one transaction on DST (an interrupted copy leaves DST empty); DST then builds its
    fuzzy and full-text indexes. DST is created if needed and must hold nothing yet.

    \b
    Example:
        tmtool tm copy memory/tm.sqlite postgresql://tmtool@db.example/team
        tmtool tm copy postgresql://tmtool@db.example/team backup.sqlite
    """
    from ..config import tm_location
    from ..memory import open_memory
    from ..memory.copy import copy_memory

    show = _progress_rows() if sys.stderr.isatty() else None
    with open_memory(tm_location(src), create=False) as source, \
            open_memory(tm_location(dst), create=True) as target:
        counts = copy_memory(source, target, progress=show)
        where = target.path
    if show:
        echo("", err=True)
    echo(f"{where}: copied " + ", ".join(plural(n, *_ROWS.get(table, (table, table)))
                                         for table, n in counts.items()))


# What one row of each table is, for `tm copy`'s counts ("1 unit", "3 history entries").
_ROWS = {"units": ("unit", "units"), "documents": ("document", "documents"), "segments": ("segment", "segments"),
         "history": ("history entry", "history entries"), "segment_scores": ("segment score", "segment scores"),
         "doc_scores": ("document score", "document scores")}


def _progress_rows():
    def show(table: str, n: int) -> None:
        echo(f"\r{table}: {n} rows ...", nl=False, err=True)

    return show
