"""Exchange formats for translation units, behind one registry (:data:`REGISTRY`): TMX, TSV and
JSONL read as streams; XLIFF and PO (issue 18) read whole.

Adding a format is one :class:`Format` entry here, naming a reader class and a writer function
in the format's own module; ``tmtool.exchange`` (``tm import``/``tm export``), the shortlist
builder and the CLI's ``--format`` choices all take it from the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import IO, Any, TextIO

from ..errors import UsageError
from .checks import MAX_SEGMENT_CHARS, check_lang, check_length, is_lang_tag, quoted  # noqa: F401  (the readers' API)

@dataclass(frozen=True)
class Format:
    """One exchange format: the names that mean it, its reader and its writer.

    ``reader`` and ``writer`` are ``"module:name"`` in this package, imported on first use (the
    CLI starts without lxml). A reader is called as ``reader(stream, name, **options)`` and
    yields ``(line, TranslationUnit)``, counting what it leaves out in ``skipped`` (and, if it
    finds them, setting ``src_lang``/``tgt_lang``); a writer as ``writer(out, units, **options)``
    and returns how many units it wrote. Each gets only the options it names.
    """

    name: str
    extensions: tuple[str, ...]  # suffixes that mean this format; the first is the one it writes
    reader: str
    writer: str
    read_options: tuple[str, ...] = ("src_lang", "tgt_lang", "encoding")  # and "fmt": this name
    write_options: tuple[str, ...] = ()  # of "src_lang", "tgt_lang", "version"
    # The file does not name its languages: a unit is --source-lang -> --target-lang, else id -> en.
    default_langs: bool = False

    def open_reader(self, stream: IO[bytes], name: str, src_lang: str | None, tgt_lang: str | None,
                    encoding: str | None = None) -> Any:
        """This format's reader over ``stream`` (``name``: the file, for messages)."""
        if self.default_langs:
            from ..config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG

            src_lang, tgt_lang = src_lang or DEFAULT_SRC_LANG, tgt_lang or DEFAULT_TGT_LANG
        given = {"src_lang": src_lang, "tgt_lang": tgt_lang, "encoding": encoding, "fmt": self.name}
        return _load(self.reader)(stream, name, **{k: given[k] for k in self.read_options})

    def write(self, out: TextIO, units: Iterable, **options: Any) -> int:
        """Write ``units`` to ``out``; ``options`` this format does not take are left out."""
        return _load(self.writer)(out, units, **{k: v for k, v in options.items() if k in self.write_options})


#: Every exchange format, in the order messages and ``--format`` list them.
REGISTRY: tuple[Format, ...] = (
    Format("tmx", (".tmx",), "tmx:TmxReader", "tmx:write_tmx", write_options=("src_lang", "version")),
    Format("tsv", (".tsv", ".tab", ".txt"), "tsv:TsvReader", "tsv:write_tsv", default_langs=True),
    Format("jsonl", (".jsonl", ".ndjson"), "jsonl:JsonlReader", "jsonl:write_jsonl", default_langs=True),
    # issue 18: the translated segments of a CAT file
    Format("xliff", (".xlf", ".xliff", ".sdlxliff", ".mqxliff"), "catunits:CatUnitReader", "catunits:write_xliff",
           read_options=("fmt", "src_lang", "tgt_lang", "encoding"),
           write_options=("src_lang", "tgt_lang", "version")),
    Format("po", (".po",), "catunits:CatUnitReader", "catunits:write_po",
           read_options=("fmt", "src_lang", "tgt_lang", "encoding"), write_options=("version",)),
)
FORMATS = tuple(f.name for f in REGISTRY)
def get_format(name: str) -> Format:
    """The format called ``name``; :class:`UsageError` if there is none."""
    for f in REGISTRY:
        if f.name == name:
            return f
    raise UsageError(f"unknown format {name!r} (one of {', '.join(FORMATS)})")


def detect_format(path: str | Path, given: str | None = None) -> str:
    """``given`` if set, else the format its suffix names; :class:`UsageError` if unknown."""
    if given:
        return given
    suffix = Path(str(path)).suffix.lower()
    for f in REGISTRY:
        if suffix in f.extensions:
            return f.name
    raise UsageError(f"cannot tell the format of {path} from its name; pass --format {'|'.join(FORMATS)}")


def output_format(path: str | Path) -> str | None:
    """The format an export to ``path`` is written in, if its suffix is a format's name or the
    suffix that format writes (``.xlf``); a ``.txt`` or an ``.ndjson`` is not guessed."""
    suffix = Path(str(path)).suffix.lower()
    for f in REGISTRY:
        if suffix in (f".{f.name}", f.extensions[0]):
            return f.name
    return None


def unit_reader(
    stream: IO[bytes], fmt: str, name: str, src_lang: str | None, tgt_lang: str | None,
    encoding: str | None = None,
):
    """A reader over ``stream`` that yields ``(line, TranslationUnit)`` and counts what it skips.

    ``encoding`` overrides what the file declares (TMX) or UTF-8 (TSV, JSONL); a BOM still wins.
    """
    for option, lang in (("--source-lang", src_lang), ("--target-lang", tgt_lang)):
        if lang is not None and not is_lang_tag(lang):
            raise UsageError(f"{option} {quoted(lang)} is not a language tag (like id or en-US)")
    return get_format(fmt).open_reader(stream, name, src_lang, tgt_lang, encoding)


def _load(ref: str) -> Any:
    module, name = ref.split(":")
    return getattr(import_module(f".{module}", __name__), name)


__all__ = ["FORMATS", "MAX_SEGMENT_CHARS", "REGISTRY", "Format", "check_lang", "check_length", "detect_format",
           "get_format", "is_lang_tag", "output_format", "unit_reader"]
