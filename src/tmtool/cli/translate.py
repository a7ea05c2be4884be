"""tmtool translate."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError, UsageError
from ..config import default_model
from ..textio import read_text_and_bom
from .base import cli, echo, open_tm, tm_exists, write_output
from .options import author_option, doc_option, encoding_option, engine_options, job_options, language_options
from .results import Progress, interactive, render, summary  # noqa: F401  (render: tests import it here)
from .segment import segmenter_options, make_segmenter

FORMATS = ("text", "jsonl", "tsv")


def unit_options(f):
    """--source-lang, --target-lang, --author and --encoding, for every command that stores units."""
    return language_options("pair")(author_option(encoding_option(f)))


@cli.command()
@click.argument("input_path", metavar="INPUT...", nargs=-1, required=True,
                type=click.Path(allow_dash=True, path_type=str))
@click.option("-o", "--output", default="-", show_default=True, help="Output file; - is stdout.")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
    help="text: the English document; jsonl/tsv: one record per segment.",
)
@doc_option("Document name in the memory [default: the file name].")
@click.option("-m", "--model", default=None, help="Hub id or model directory [default: Helsinki-NLP/opus-mt-id-en; env TMTOOL_MODEL].")
@engine_options
@click.option(
    "--compute-type", type=click.Choice(["auto", "int8", "int8_float32", "float32"]), default=None,
    help="ct2 weights and arithmetic; float32 gives the transformers backend's translations "
    "[default: auto, int8 on a CPU].",
)
@click.option("--beams", type=click.IntRange(1, 64), default=None, help="Beam size [default: the model's own].")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=None,
              help="Most sentences in one batch [default: 64 / beams (64 greedy, 10 with 6 beams)].")
@click.option("--max-batch-tokens", type=click.IntRange(1, 10**6), default=None,
              help="Most source tokens (padding included) in one batch "
              "[default: 2048 / beams].")
@click.option("--threads", type=click.IntRange(1, 1024), default=None,
              help="CPU threads for the model [default: one fewer than the cores, at most 8].")
@click.option("--shortlist", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="FILE",
              help="ct2 only: score only the target words FILE allows for each batch (from `tmtool model "
              "shortlist`); faster, and may change a translation [default: off].")
@click.option("--output-tokens", type=click.IntRange(1, 4096), default=None, hidden=True,
              help="Decode exactly N tokens per sentence (benchmarks only: equal work in every engine).")
@click.option("--no-reuse", is_flag=True, help="Send every segment to the model, even if the memory has it.")
@click.option("--format-in", "format_in", type=click.Choice(["xliff", "po"]), default=None,
              help="Read INPUT as this CAT format [default: from its suffix: .xlf .xliff .sdlxliff .po; "
              "else plain text].")
@click.option("--fuzzy-reuse", "fuzzy_reuse", type=click.IntRange(1, 100), default=None, metavar="MIN",
              help="Use a fuzzy match scoring >= MIN instead of the model (a draft to review) [default: off].")
@click.option("--ray", "ray_address", envvar="TMTOOL_RAY", default=None, metavar="ADDRESS",
              help="Translate on Ray: local (start one here), auto (the running cluster), HOST:PORT or "
              "ray://HOST:PORT [env TMTOOL_RAY; docs/cluster.md].")
@click.option("--workers", type=click.IntRange(1, 100000), default=None,
              help="With --ray: model actors, each with --threads threads (default 1) [default: the "
              "cluster's CPUs / threads; GPUs with --device cuda].")
@unit_options
@segmenter_options
@click.pass_context
def translate(
    ctx, input_path, output, fmt, doc_name, model, backend, compute_type, device, beams, batch_size,
    max_batch_tokens, threads, shortlist, output_tokens,
    no_reuse, format_in, fuzzy_reuse, source_lang, target_lang, author, encoding, srx, abbrev, ray_address,
    workers,
):
    """Translate INPUT (a text file, or - for stdin) through the translation memory.

    Sentences the memory already holds are reused (approved first, then human, then MT);
    the others are translated by the model, each distinct sentence once, and stored with
    their provenance. The output keeps the input's lines and paragraphs. A summary goes to
    stderr. A CAT file (XLIFF 1.2/2.x, SDLXLIFF, PO) is pre-translated and written back in
    its own format, targets filled (docs/formats.md).

    Several INPUTs (files, or directories: each file in them, recursively) are translated as one
    job, each stored as its own document; -o DIR writes each there under its name, else next to
    its input as NAME.en.txt (a .id before the extension is replaced). --ray spreads the model's
    work over a Ray cluster (docs/cluster.md).

    \b
    Example:
        tmtool translate examples/antara-2022-09-15-xi-aliyev.id.txt -o article.en.txt
        tmtool translate article.id.txt --format jsonl --model ./opus-mt-id-en
        tmtool translate article.id.txt --backend ct2 --compute-type float32 --threads 2
        cat article.id.txt | tmtool translate - > article.en.txt
        tmtool translate job.xlf -o job.out.xlf      # XLIFF/SDLXLIFF/PO: targets filled
        tmtool translate archive/ extra.id.txt -o english/ --ray local --workers 2
    """
    if len(input_path) > 1 or ray_address or workers or Path(input_path[0]).is_dir():
        from .translate_many import translate_many  # several documents, or Ray (issue 16)

        return translate_many(ctx, dict(ctx.params))
    input_path = input_path[0]
    from ..formats.catdoc import cat_format
    from ..pipeline import translate_document
    from ..translate import get_translator

    if (cat := cat_format(input_path, format_in)) is not None:
        return _pretranslate(ctx, cat, input_path, output, fmt, doc_name, model, backend, compute_type,
                             device, beams, threads, shortlist, output_tokens, encoding, srx, abbrev)
    text, bom = read_text_and_bom(input_path, encoding)
    name = doc_name or ("stdin" if input_path == "-" else Path(input_path).name)
    if not text.strip():
        # Refused before the memory is opened, so a mistaken run does not even create one.
        raise InputError(f"{'<stdin>' if input_path == '-' else input_path}: nothing to translate "
                         "(the input is empty or only whitespace)")
    segmenter = make_segmenter(srx, abbrev)
    model = model or default_model()
    extra = {}
    if shortlist is not None:
        # Checked before the memory is touched: a mistake here must not leave a document behind.
        from ..translate import resolve_backend
        from ..translate.shortlist import check_file

        if resolve_backend(backend) != "ct2":
            raise UsageError("--shortlist needs the ct2 backend (pip install 'tmtool[ct2]'; --backend ct2)")
        extra["shortlist"] = check_file(Path(shortlist))

    def load():
        if interactive():
            echo(f"Loading {model} ...", err=True)
        return get_translator(
            backend, model=model, device=device, beams=beams, threads=threads, compute_type=compute_type,
            fixed_output_tokens=output_tokens, notify=lambda message: echo(message, err=True), **extra,
        )

    translator = load
    if not tm_exists(ctx):
        # A new memory has nothing to reuse, so the model is needed: load it before the memory
        # is created, so that a model that cannot load leaves no empty memory behind (issue 20).
        engine = load()
        translator = lambda: engine  # noqa: E731
    with open_tm(ctx, create=True) as tm, Progress() as progress:
        result = translate_document(text, tm, translator, name=name, segmenter=segmenter,
                                    options=job_options(ctx.params, progress))
    rendered = render(result, fmt)
    out_encoding = "utf-8"
    if fmt == "text" and bom:
        # The English document is written as the original was: the same encoding and
        # byte-order mark (issue 20). Otherwise UTF-8, also for input read with --encoding.
        rendered, out_encoding = "\ufeff" + rendered, bom
    write_output(output, rendered, out_encoding)
    if output == "-" and rendered and not rendered.endswith("\n") and sys.stdout.isatty():
        # Keep the summary off the document's last line without changing the document.
        echo(err=True)
    for note in result.notes:
        echo(f"note: {note}", err=True)
    for warning in result.warnings:
        echo(f"warning: {warning}", err=True)
    echo(summary(result), err=True)


def _pretranslate(ctx, cat, input_path, output, fmt, doc_name, model, backend, compute_type, device,
                  beams, threads, shortlist, output_tokens, encoding, srx, abbrev):
    """A CAT file (XLIFF, SDLXLIFF, PO): pre-translated and written back in its own format (issue 18)."""
    from ..translate import get_translator
    from .pretranslate import pretranslate_file

    model = model or default_model()
    extra = {}
    if shortlist is not None:
        from ..translate.shortlist import check_file

        extra["shortlist"] = check_file(Path(shortlist))

    def load():
        return get_translator(
            backend, model=model, device=device, beams=beams, threads=threads, compute_type=compute_type,
            fixed_output_tokens=output_tokens, notify=lambda message: echo(message, err=True), **extra,
        )

    progress = Progress()
    pretranslate_file(
        ctx, cat, input_path, output, out_format=fmt, doc_name=doc_name, loader=load,
        options=job_options(ctx.params, progress), encoding=encoding,
        segmenter=make_segmenter(srx, abbrev), progress=progress,
    )
