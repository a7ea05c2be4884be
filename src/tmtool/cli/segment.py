"""tmtool segment, and the segmentation options other commands share."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import InputError
from ..textio import read_text
from .base import cli, write_output
from .options import encoding_option


def segmenter_options(f):
    """--srx and --abbrev, for every command that segments text."""
    f = click.option(
        "--abbrev", type=click.Path(dir_okay=False, path_type=Path),
        help="File of extra abbreviations, one per line (e.g. 'Kpt.').",
    )(f)
    f = click.option(
        "--srx", type=click.Path(dir_okay=False, path_type=Path),
        help="SRX 2.0 segmentation rules to use instead of the built-in ones.",
    )(f)
    return f


def make_segmenter(srx: Path | None, abbrev: Path | None):
    from ..segment import Segmenter

    return Segmenter(srx_path=srx, abbrev_path=abbrev)


@cli.command()
@click.argument("input_path", metavar="FILE", required=False, type=click.Path(allow_dash=True, path_type=str))
@click.option("-o", "--output", default="-", show_default=True, help="Output file; - is stdout.")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
    help="text: one segment per line; jsonl: one object per segment with character offsets.",
)
@click.option("--dump-srx", is_flag=True, help="Print the segmentation rules in use as SRX 2.0 and exit.")
@encoding_option
@segmenter_options
def segment(input_path, output, fmt, dump_srx, encoding, srx, abbrev):
    """Split FILE (or - for stdin) into sentences, one per line.

    A line that stands alone (a heading, a credit line) is its own segment and a blank line
    ends a paragraph. With --format jsonl each segment carries its start and end character
    offsets into the input, its paragraph and its line.

    \b
    Example:
        tmtool segment examples/antara-2022-09-15-xi-aliyev.id.txt
        tmtool segment article.txt --format jsonl
        tmtool segment --dump-srx > indonesian.srx
    """
    segmenter = make_segmenter(srx, abbrev)
    if dump_srx:
        write_output(output, segmenter.to_srx())
        return
    if input_path is None:
        raise click.UsageError("missing FILE (or use --dump-srx)")
    text = read_text(input_path, encoding)
    if not text.strip():
        raise InputError(f"{'<stdin>' if input_path == '-' else input_path}: nothing to segment "
                         "(the input is empty or only whitespace)")
    segments = segmenter.segment(text)
    if fmt == "text":
        # A segment never holds a line break, so one per line is unambiguous.
        out = "".join(s.text + "\n" for s in segments)
    else:
        out = "".join(
            json.dumps(
                {"index": s.index, "start": s.start, "end": s.end, "paragraph": s.paragraph,
                 "line": s.line, "text": s.text},
                ensure_ascii=False,
            ) + "\n"
            for s in segments
        )
    write_output(output, out)
