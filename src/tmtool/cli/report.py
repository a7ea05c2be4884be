"""tmtool report."""

from __future__ import annotations

import click

from ..terminal import plural
from .base import cli, echo, open_tm, write_output
from .options import doc_option
from .review import resolve_doc


@cli.command()
@doc_option()
@click.option("-o", "--output", default="report.html", show_default=True, help="HTML file; - is stdout.")
@click.pass_context
def report(ctx, doc_name, output):
    """Write a document's report as one HTML file.

    The pairs side by side with origin and status, per-segment scores, the corpus scores with
    their sacrebleu signatures, and TM leverage.

    The file is self-contained (no network, no scripts) and prints well. Scores come from the
    last `tmtool score` run on the document.

    \b
    Example:
        tmtool report --doc antara-2022-09-15-xi-aliyev.id.txt -o report.html
    """
    from ..report import collect, render_html

    with open_tm(ctx, create=False) as tm:
        data = collect(tm, resolve_doc(tm, doc_name))
    write_output(output, render_html(data))
    if output != "-":
        echo(f"{output}: report of {data.document.name} ({plural(len(data.pairs), 'pair')})", err=True)
