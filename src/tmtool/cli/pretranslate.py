"""``tmtool translate FILE.xlf|.xliff|.sdlxliff|.po``: pre-translate a CAT file (issue 18).

``cli/translate.py`` hands a CAT file here before it reads any text; this module reads the
file's bytes, checks it (a hostile file is refused before the memory is opened), runs
:func:`tmtool.pretranslate.pretranslate` and writes the file back in its own format.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError, UsageError
from .base import echo, open_tm


def pretranslate_file(ctx, fmt: str, input_path: str, output: str, *, out_format: str, doc_name,
                      loader, options, encoding, segmenter, progress) -> None:
    """Read, pre-translate and write one CAT file; the summary goes to stderr."""
    from ..formats.catdoc import open_document
    from ..pretranslate import pretranslate

    if out_format != "text":
        raise UsageError(f"--format {out_format} is for text input; a {fmt.upper()} file is written "
                         "back as the same format")
    data = _read_bytes(input_path)
    name = doc_name or ("stdin" if input_path == "-" else Path(input_path).name)
    doc = open_document(data, name if input_path != "-" else "<stdin>", fmt, encoding)
    with open_tm(ctx, create=True) as tm, progress:
        result = pretranslate(doc, tm, loader, options, name=name, segmenter=segmenter)
    _write_bytes(output, result.data)
    for note in result.notes:
        echo(f"note: {note}", err=True)
    for warning in result.warnings:
        echo(f"warning: {warning}", err=True)
    echo(summary(result, options.src_lang, options.tgt_lang), err=True)


def summary(r, source_lang: str, target_lang: str) -> str:
    """One line: what was filled, from where, and what was left alone."""
    model = f" ({r.model})" if r.model else ""
    from ..terminal import plural

    line = (f"{r.document}: {r.format}, {plural(r.segments, 'segment')} filled: {r.reused} from the TM"
            f"{f' ({r.fuzzy} fuzzy)' if r.fuzzy else ''}, {r.translated} by the model{model}"
            f"{f', {r.copied} copied (no words to translate)' if r.copied else ''}")
    if r.guessed:
        line += f"; {r.guessed} with inline codes placed by guess (flagged for review)"
    if r.cut:
        line += f"; {r.cut} cut short at the model's output limit (flagged for review)"
    kept = ", ".join(f"{n} {why}" for why, n in r.skipped.items())
    if kept:
        line += f"; left alone: {kept}"
    src, tgt = r.languages
    if (src and src.split("-")[0].lower() != source_lang) or (tgt and tgt.split("-")[0].lower() != target_lang):
        line += (f"; note: the file says {src or '?'}->{tgt or '?'}, translated as "
                 f"{source_lang}->{target_lang} (--source-lang/--target-lang)")
    return line + f", {r.seconds:.1f} s"


def _read_bytes(path: str) -> bytes:
    from ..formats.xlf import MAX_FILE_BYTES
    from ..textio import open_binary

    f = open_binary(path)
    try:
        # One byte more than the limit: enough for the reader to refuse it, never the whole file.
        return f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    finally:
        if f is not sys.stdin.buffer:
            f.close()


def _write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` (``-``: stdout) through tmtool's one atomic writer."""
    from ..atomicfile import atomic_open
    from ..terminal import for_stream

    if path == "-":
        if sys.stdout.isatty():  # a file to a terminal: its escapes shown, not run (issue 14)
            click.echo(for_stream(data.decode("utf-8", errors="replace")), nl=False, color=True)
            return
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        # Latin-1 maps each byte to one character and back: the file's bytes go out unchanged.
        with atomic_open(path, encoding="latin-1", newline="") as f:
            f.write(data.decode("latin-1"))
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory; give -o a file name") from None
    except OSError as e:
        raise click.ClickException(f"cannot write {path}: {e.strerror or e}") from None
