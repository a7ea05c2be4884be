"""`tmtool translate` with several inputs or --ray: the many-document job of tmtool.batch (issue 16).

Imported only when one of those is asked for, so one-file translation is exactly as before.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import default_model
from ..errors import InputError, UsageError
from ..terminal import plural
from .base import echo, open_tm, write_output
from .segment import make_segmenter
from .options import job_options
from .results import Progress, interactive, render, summary

#: Output extension for each --format (text keeps the input's own extension).
EXTENSIONS = {"jsonl": ".jsonl", "tsv": ".tsv"}


def output_name(path: Path, src_lang: str, tgt_lang: str, fmt: str) -> str:
    """The name of ``path``'s English document next to it: ``a.txt`` -> ``a.en.txt``,
    ``article.id.txt`` -> ``article.en.txt``; ``.jsonl``/``.tsv`` for those formats."""
    stem, ext = path.stem, path.suffix
    if not ext:
        stem, ext = path.name, ".txt"
    if stem.endswith(f".{src_lang}"):
        stem = stem[: -len(src_lang) - 1]
    return f"{stem}.{tgt_lang}{EXTENSIONS.get(fmt, ext)}"


def plan_outputs(docs, output: str | None, src_lang: str, tgt_lang: str, fmt: str) -> list[Path]:
    """Where each document's translation goes: under its name in ``output`` (a directory), or
    next to its input. Refuses to write over an input or two documents to one file."""
    if output is not None:
        out_dir = Path(output)
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"-o {output}: with several inputs -o names a directory")
        paths = [out_dir / (d.name if fmt == "text" else Path(d.name).with_suffix(EXTENSIONS[fmt]))
                 for d in docs]
    else:
        paths = [d.path.with_name(output_name(d.path, src_lang, tgt_lang, fmt)) for d in docs]
    inputs = {d.path.resolve() for d in docs}
    seen: set[Path] = set()
    for p in paths:
        real = p.resolve()
        if real in inputs:
            raise UsageError(f"{p} is an input; it would be overwritten by its translation (give -o DIR)")
        if real in seen:
            raise UsageError(f"two documents would be written to {p}")
        seen.add(real)
    return paths


def translate_many(ctx: click.Context, p: dict) -> None:
    """The `translate` command for several inputs (files and directories) or --ray."""
    from ..batch import DocumentInput, collect_inputs, read_documents, translate_documents

    inputs, ray_address = p["input_path"], p["ray_address"]
    if p["workers"] and not ray_address:
        raise UsageError("--workers needs --ray (local, auto or a cluster address)")
    if ray_address and p["shortlist"]:
        raise UsageError("--shortlist does not work with --ray yet; leave one of them out")
    if p["shortlist"] is not None:
        from ..translate import resolve_backend

        if resolve_backend(p["backend"]) != "ct2":
            raise UsageError("--shortlist needs the ct2 backend (pip install 'tmtool[ct2]'; --backend ct2)")
    if ray_address and p["backend"] == "transformers":
        raise UsageError("--ray runs the ct2 backend; leave out --backend transformers")
    if ray_address:
        # Without ray: the install hint, and nothing created. (The module as sys.modules has it,
        # not an attribute an earlier import may have left on the package.)
        from ..translate.ray_backend import RayTranslator  # noqa: F401
    single = len(inputs) == 1 and not Path(inputs[0]).is_dir()
    output_given = ctx.get_parameter_source("output") is not click.core.ParameterSource.DEFAULT
    if single:
        path = inputs[0]
        docs = [DocumentInput(Path(path), p["doc_name"] or ("stdin" if path == "-" else Path(path).name))]
        outputs: list = [p["output"]]
    else:
        if "-" in inputs:
            raise UsageError("- (standard input) cannot be one of several inputs")
        if p["doc_name"]:
            raise UsageError("--doc names one document; with several inputs each is named after its file")
        if output_given and p["output"] == "-":
            raise UsageError("several documents cannot all go to standard output; give -o DIR")
        # An -o DIR inside an input directory holds English from an earlier run: not an input.
        docs = collect_inputs(inputs, skip_suffix=f".{p['target_lang']}",
                              skip_under=Path(p["output"]) if output_given else None)
        if not docs:
            raise InputError(f"{inputs[0]}: is a directory with no files to translate" if len(inputs) == 1
                             else f"no files to translate in {', '.join(inputs)}")
        outputs = plan_outputs(docs, p["output"] if output_given else None, p["source_lang"],
                               p["target_lang"], p["fmt"])
    _refuse_cat_files(docs, p["format_in"])
    loaded, failed = read_documents(docs, make_segmenter(p["srx"], p["abbrev"]), p["encoding"])
    if single and failed:
        raise InputError(failed[0][1])  # as one-file translate: the error, and the memory untouched
    for doc, reason in failed:
        echo(f"error: {reason}", err=True)
    if not loaded:
        raise InputError(f"none of the {plural(len(docs), 'document')} could be read; nothing was stored")
    with open_tm(ctx, create=True) as tm, Progress() as progress:
        result = translate_documents(loaded, tm, _loader(p), job_options(p, progress))
    where = dict(zip((d.path for d in docs), outputs))
    for doc_result, doc in zip(result.documents, loaded):
        # A text document is written as its original was: the same encoding and byte-order mark
        # (issue 20), as one-file translate does. Otherwise UTF-8.
        bom = doc.bom if p["fmt"] == "text" else None
        _write(where[doc.source.path], render(doc_result, p["fmt"]), bom)
        _report(doc_result, result.seconds, single)
    echo(summary(result.documents[0]) if single else _total(result, len(failed)), err=True)
    if failed:
        raise InputError(f"{len(failed)} of {plural(len(docs), 'document')} failed (see the errors above); "
                         "the others are translated and stored")


def _report(doc_result, seconds: float, single: bool) -> None:
    """One document's notes (split, cut short) and warnings (rejected), as one-file translate
    prints them; with several documents each line names its document, and a summary line follows."""
    prefix = "" if single else f"{doc_result.document}: "
    for note in doc_result.notes:
        echo(f"note: {prefix}{note}", err=True)
    for warning in doc_result.warnings:
        echo(f"warning: {prefix}{warning}", err=True)
    doc_result.seconds = seconds
    if not single:
        echo(summary(doc_result).rsplit(", ", 1)[0], err=True)  # the job's time is in the total


def _refuse_cat_files(docs, format_in: str | None) -> None:
    """CAT files (XLIFF, PO) are pre-translated one at a time, in this process (issue 18): one
    among several inputs, or with --ray, is refused before anything is read, not read as text."""
    from ..formats.catdoc import cat_format

    for doc in docs:
        if cat_format(doc.path, format_in) is not None:
            raise UsageError(f"{doc.path} is a CAT file; CAT files are translated one at a time and without "
                             "--ray: `tmtool translate FILE -o OUT`")


def _loader(p: dict):
    """The engine factory: one process's translator, or a pool of Ray actors."""
    model = p["model"] or default_model()
    options = dict(model=model, device=p["device"], beams=p["beams"], threads=p["threads"],
                   compute_type=p["compute_type"], fixed_output_tokens=p["output_tokens"],
                   notify=lambda message: echo(message, err=True))

    def load():
        if interactive():
            echo(f"Loading {model} ...", err=True)
        if p["ray_address"]:
            from ..translate.ray_backend import RayTranslator

            return RayTranslator(address=p["ray_address"], workers=p["workers"], **options)
        from ..translate import get_translator

        extra = {}
        if p["shortlist"] is not None:
            from ..translate.shortlist import check_file

            extra["shortlist"] = check_file(Path(p["shortlist"]))
        return get_translator(p["backend"], **options, **extra)

    return load


def _write(path, text: str, bom: str | None = None) -> None:
    if path != "-" and not isinstance(path, str):
        path.parent.mkdir(parents=True, exist_ok=True)
    write_output(str(path), "\ufeff" + text if bom else text, bom or "utf-8")
    if path == "-" and text and not text.endswith("\n") and sys.stdout.isatty():
        echo(err=True)


def _total(result, failed: int) -> str:
    """The job's summary: every document's counts added up, as one document's summary says them."""
    distinct = f" ({result.distinct_translated} distinct)" if result.distinct_translated != result.translated else ""
    own = f" ({result.own} of them their document's own earlier machine translation)" if result.own else ""
    model = f" ({result.model})" if result.model else ""
    lost = f", {failed} failed" if failed else ""
    flagged = ""
    if result.cut:
        flagged += f", {result.cut} cut short at the model's output limit"
    if result.rejected:
        flagged += f", {result.rejected} rejected (left untranslated)"
    return (f"total: {plural(len(result.documents), 'document')}{lost}, {plural(result.segments, 'segment')}, "
            f"{result.reused} reused from the TM{own}, {result.translated} translated by the model{distinct}{model}"
            f"{flagged}, {result.seconds:.1f} s")
