"""What every command module shares: the ``cli`` group, the error boundary, opening the memory,
writing output. The commands (``cli/*.py``) import it; ``cli/__init__`` imports them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import click

from .. import __version__
from ..config import default_tm_path, tm_location
from ..errors import TmtoolError, UsageError
from ..terminal import for_stream, printable


class TmtoolGroup(click.Group):
    """Turns library errors into one-line messages and exit codes (the one error boundary)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as e:
            if type(e).__name__ == "NoArgsIsHelpError":  # `tmtool tm`: click shows the group's help
                raise
            # click's own parse errors (a bad option value, a missing argument) are one line too.
            where = e.ctx.command_path if e.ctx is not None else "tmtool"
            error = click.ClickException(f"{e.format_message().rstrip('.')}; see '{where} --help'")
            error.exit_code = 2
            raise error from None
        except TmtoolError as e:
            # One line, whatever the error; a usage error (options that do not fit together)
            # exits 2 like click's own, without repeating the usage lines above it.
            error = click.ClickException(printable(str(e)))
            error.exit_code = e.exit_code if e.exit_code in (1, 2) else 1
            raise error from None
        except BrokenPipeError:
            # `tmtool translate ... | head`: the reader left; that is not an error of ours.
            sys.stderr.close()
            raise SystemExit(0) from None


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=TmtoolGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="tmtool")
@click.option(
    "--tm",
    "tm_path",
    metavar="PATH|URL",
    envvar="TMTOOL_TM",
    callback=lambda ctx, param, value: tm_location(value) if value else None,
    help="Translation memory: a SQLite file, or a PostgreSQL server as postgresql://user@host/db "
    "[default: memory/tm.sqlite; env TMTOOL_TM].",
)
@click.pass_context
def cli(ctx: click.Context, tm_path: Path | str | None):
    """tmtool: translate Indonesian articles to English through a translation memory.

    Sentences already in the memory are reused; the rest go to a MarianMT model
    (default Helsinki-NLP/opus-mt-id-en) and every pair is stored with its provenance.

    \b
    Example:
        tmtool translate examples/antara-2022-09-15-xi-aliyev.id.txt -o article.en.txt
        tmtool pairs
    """
    ctx.obj = {"tm_path": tm_path or default_tm_path()}


def open_tm(ctx: click.Context, *, create: bool):
    """The memory ``--tm`` names (SQLite file or PostgreSQL URL), through ``open_memory``."""
    from ..memory import open_memory

    return open_memory(ctx.obj["tm_path"], create=create)


def tm_exists(ctx: click.Context) -> bool:
    """Whether the memory ``--tm`` names already exists."""
    from ..memory import memory_exists

    return memory_exists(ctx.obj["tm_path"])


def write_output(path: str, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` (``-`` is stdout) atomically: a reader never sees half a file."""
    if path == "-":
        if encoding == "utf-8":
            click.echo(for_stream(text), nl=False, color=True)  # a document to a terminal: its escapes shown, not run
        else:  # UTF-16/32 (an input's byte-order mark, issue 20): bytes, whatever the terminal's encoding
            # (click.get_binary_stream is deprecated since click 8.3: the text stream's buffer.)
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode(encoding))
            sys.stdout.buffer.flush()
        return
    with output_stream(path, encoding=encoding) as f:
        f.write(text)


@contextmanager
def output_stream(path: str, newline: str | None = "", encoding: str = "utf-8") -> Iterator[TextIO]:
    """The stream ``-o PATH`` writes to: stdout for ``-``, else :func:`tmtool.atomicfile.atomic_open`
    (the file appears whole, with the umask's mode, or an existing file's). A failure is one line."""
    if path == "-":
        yield _Shown(sys.stdout) if sys.stdout.isatty() else sys.stdout
        return
    from ..atomicfile import atomic_open

    try:
        with atomic_open(path, newline=newline, encoding=encoding) as f:
            yield f
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory; give -o a file name") from None
    except BrokenPipeError:
        raise
    except OSError as e:
        raise click.ClickException(f"cannot write {path}: {e.strerror or e}") from None


class _Shown:
    """A terminal as a text stream: what is written has its control characters made visible."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text))


def echo(message: str | None = None, *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for everything tmtool shows a person: text from the memory or the input has
    its control characters made visible (:func:`tmtool.terminal.printable`; issue 14)."""
    click.echo(None if message is None else printable(str(message)), err=err, nl=nl)


def terminal_width(default: int) -> int:
    """The terminal's width in columns (``default`` when not a terminal; ``COLUMNS`` wins)."""
    import shutil

    return shutil.get_terminal_size((default, 20)).columns
