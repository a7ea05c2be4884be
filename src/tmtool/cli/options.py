"""Options that several commands share: one spelling, one default and one help text each (issue 15).

A command takes its languages as ``--source-lang``/``--target-lang``, a stored document as
``--doc NAME``, a person as ``--author``, an input encoding as ``--encoding``; each is declared
here once and applied as a decorator, so ``--help`` reads the same on every command.
``--src``/``--tgt``, the old spelling of ``tm``, ``glossary`` and ``tm qa``, stay accepted there
(users' scripts) but are hidden and say they are deprecated.

The same everywhere, though declared where they are used: ``-o/--output`` (``-`` is stdout),
``-f/--format`` whose ``jsonl`` is one JSON object per line (``qa``'s old ``json`` still works), and
``--json``, a flag, on commands that print what the memory holds rather than write a document.
tests/test_cli_options.py walks every command and fails on a second spelling.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from ..config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG, current_user
from ..errors import UsageError
from ..formats.checks import is_lang_tag, quoted

# What each side's language means on a command, and so its default and help:
#   pair:   the languages of what the command translates, stores, searches or checks (id -> en);
#   file:   the languages to take from an exchange file (a TMX header says them; else id -> en);
#   filter: only units in this language (default: any).
_LANGUAGE_HELP = {
    "pair": ("Source language (a tag like id or id-ID).", "Target language (a tag like en or en-US)."),
    "file": ("Source language to take [default: the file's own (a TMX header's srclang), else id].",
             "Target language to take [default: the file's first other language, else en]."),
    "filter": ("Only units with this source language [default: any].",
               "Only units with this target language [default: any]."),
}
LANGUAGE_ROLES = tuple(_LANGUAGE_HELP)

# The spelling before issue 15, still accepted where it was: name -> (the option it stands for, dest).
DEPRECATED_LANGUAGE_ALIASES = {"--src": ("--source-lang", "source_lang"), "--tgt": ("--target-lang", "target_lang")}


class LanguageOption(click.Option):
    """``--source-lang``/``--target-lang``: a value that must look like a language tag; ``role``
    is one of :data:`LANGUAGE_ROLES` (tests/test_cli_options.py checks every command uses these)."""

    def __init__(self, *args, role: str = "pair", **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role


def _alias_key(dest: str) -> str:
    return f"tmtool.deprecated-alias.{dest}"


def _check_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The language given, or the one its deprecated alias gave; refused unless it is a tag.

    Click processes the options given on the command line first, so a ``--src`` is usually
    seen before ``--source-lang``; :func:`_take_alias` handles the other order."""
    alias = ctx.meta.pop(_alias_key(param.name), None)
    if alias is not None:
        _clash(ctx, param, value, alias)
        value = alias
    return _tag(param, value)


def _take_alias(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--src``/``--tgt``: warn once, then hand the value to the option it stands for."""
    if value is None:
        return
    new, dest = DEPRECATED_LANGUAGE_ALIASES[param.opts[0]]
    click.echo(f"warning: {param.opts[0]} is deprecated; use {new}", err=True)
    if dest in ctx.params:  # --source-lang came first on the command line: already processed
        option = next(p for p in ctx.command.params if p.name == dest)
        _clash(ctx, option, ctx.params[dest], value)
        ctx.params[dest] = _tag(option, value)
    else:
        ctx.meta[_alias_key(dest)] = value


def _clash(ctx: click.Context, param: click.Parameter, value: str | None, alias: str) -> None:
    """Both spellings given: one value is fine, two are a mistake that no order should settle."""
    given = ctx.get_parameter_source(param.name) == click.core.ParameterSource.COMMANDLINE
    if given and value != alias:
        raise UsageError(f"{param.opts[0]} {quoted(value)} and its old spelling {quoted(alias)} disagree; "
                         "give one")


def _tag(param: click.Parameter, value: str | None) -> str | None:
    """Refused here, before any memory is opened: a unit stored under "!!" is found by no lookup."""
    if value is not None and not is_lang_tag(value):
        raise UsageError(f"{param.opts[0]} {quoted(value)} is not a language tag (like id or en-US)")
    return value


def language_options(role: str = "pair", *, deprecated_aliases: bool = False) -> Callable:
    """``--source-lang`` and ``--target-lang`` (parameters ``source_lang``, ``target_lang``).

    ``role`` says what they mean on this command (:data:`LANGUAGE_ROLES`): ``pair`` defaults to
    id -> en; ``file`` and ``filter`` default to None (the file's own; any). With
    ``deprecated_aliases`` the old ``--src``/``--tgt`` are accepted too, hidden from ``--help``."""
    source_help, target_help = _LANGUAGE_HELP[role]
    defaults = (DEFAULT_SRC_LANG, DEFAULT_TGT_LANG) if role == "pair" else (None, None)

    def decorate(f: Callable) -> Callable:
        if deprecated_aliases:
            for alias in ("--tgt", "--src"):
                f = click.option(alias, default=None, hidden=True, expose_value=False, callback=_take_alias)(f)
        for name, default, help_ in (("--target-lang", defaults[1], target_help),
                                     ("--source-lang", defaults[0], source_help)):
            f = click.option(name, cls=LanguageOption, role=role, default=default,
                             show_default=default is not None, metavar="LANG", callback=_check_language,
                             help=help_)(f)
        return f

    return decorate


class RenamedChoice(click.Choice):
    """A choice whose old names still work, with a warning: ``qa --format json`` is ``jsonl``, as
    on every other command that writes one JSON object per line."""

    def __init__(self, choices, renamed: dict[str, str]):
        super().__init__(choices)
        self.renamed = renamed

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value in self.renamed:
            name = param.opts[-1] if param is not None else "the value"
            click.echo(f"warning: {name} {value} is deprecated; use {name} {self.renamed[value]}", err=True)
            value = self.renamed[value]
        return super().convert(value, param, ctx)


def doc_option(help: str = "Document name [default: the most recently translated].", **kwargs) -> Callable:
    """``--doc NAME`` (parameter ``doc_name``): a document stored in the memory."""
    return click.option("--doc", "doc_name", metavar="NAME", help=help, **kwargs)


def author_option(f: Callable) -> Callable:
    """``--author``: who is named on what the command writes (new units, history entries)."""
    return click.option("--author", default=None,
                        help="Your name on what this writes: new units, history [default: your user name].")(f)


def encoding_option(f: Callable) -> Callable:
    """``--encoding``: the input files' encoding, when they do not say it."""
    return click.option(
        "--encoding", default=None,
        help="Input encoding when it is not what the file declares (XML) or UTF-8 (a BOM always wins).",
    )(f)


def engine_options(f: Callable) -> Callable:
    """``--backend`` and ``--device``: the translation engine (translate, align)."""
    f = click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
                     help="Where the model runs.")(f)
    return click.option(
        "--backend", type=click.Choice(["auto", "ct2", "transformers"]), default="auto", show_default=True,
        help="Translation engine; auto is ct2 (CTranslate2) when installed, else transformers.",
    )(f)


def job_options(p: dict, progress=None):
    """The job's :class:`~tmtool.job.JobOptions` from the translate command's parameters: one
    place for one-file, many-file and CAT-file translation."""
    from ..job import JobOptions

    return JobOptions(
        src_lang=p["source_lang"], tgt_lang=p["target_lang"], reuse=not p["no_reuse"],
        fuzzy_reuse=p["fuzzy_reuse"], batch_size=p["batch_size"], max_batch_tokens=p["max_batch_tokens"],
        author=p["author"] or current_user(), progress=progress,
    )
