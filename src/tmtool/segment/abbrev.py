"""Indonesian abbreviations by class, and the word lists the boundary rules consult.

The data lives in ``abbreviations.tsv`` and ``words.txt`` next to this module so that a
linguist can extend it without reading code; users add their own with ``--abbrev FILE``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import SegmentationError

#: What a class's full stop can mean (issue 3: abbreviation classes, not single sentences).
PREFIX = "prefix"  # always followed by more of the sentence (a name, a number): never a break
NUMERIC = "numeric"  # no break before a number, a break before a capitalised word
FINAL = "final"  # may end a sentence: a break before a capitalised word that is not itself an abbreviation

CLASSES: dict[str, str] = {
    "title": PREFIX,
    "honorific": PREFIX,
    "name": PREFIX,
    "place": PREFIX,
    "company-prefix": PREFIX,
    "reference": PREFIX,
    "connective": PREFIX,
    "prefix": PREFIX,
    "month": NUMERIC,
    "numeric": NUMERIC,
    "degree": FINAL,
    "company": FINAL,
    "final": FINAL,
}

#: The class an abbreviation gets when a user gives none (``Kpt.`` in ``--abbrev``): never a break.
DEFAULT_CLASS = "prefix"


@dataclass(frozen=True)
class Abbreviations:
    """Abbreviation bodies (without the final full stop) mapped to their behaviour.

    Each entry of three letters or more (no inner full stop) also stands for its all-caps and
    capitalised spellings (`KAB.`, `DLL.`, `Dll.`), unless those are listed themselves.
    """

    exact: dict[str, str] = field(default_factory=dict)

    def kind(self, body: str) -> str | None:
        """The behaviour of ``body + '.'`` (PREFIX, NUMERIC, FINAL) or None if it is no abbreviation."""
        return self.exact.get(body)

    def extended(self, entries: Iterable[tuple[str, str]]) -> Abbreviations:
        """A copy with more ``(abbreviation, class)`` entries; later entries win."""
        exact = dict(self.exact)
        variants: dict[str, str] = {}
        for abbr, cls in entries:
            body = _body(abbr)
            exact[body] = CLASSES[cls]
            if len(body) >= 3 and body.isalpha():
                for variant in (body.upper(), body[0].upper() + body[1:]):
                    variants.setdefault(variant, CLASSES[cls])
        for variant, kind in variants.items():
            exact.setdefault(variant, kind)
        return Abbreviations(exact)


def _body(abbr: str) -> str:
    return abbr.removesuffix(".")


def parse_entries(text: str, source: str) -> list[tuple[str, str]]:
    """Parse ``ABBREVIATION [CLASS]`` lines (tab or space separated, ``#`` comments).

    Raises SegmentationError naming ``source`` and the line for an unknown class or a bad entry.
    """
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) > 2:
            raise SegmentationError(f"{source}:{number}: expected 'ABBREVIATION [CLASS]', got {raw.strip()!r}")
        abbr, cls = parts[0], (parts[1] if len(parts) == 2 else DEFAULT_CLASS)
        if cls not in CLASSES:
            known = ", ".join(sorted(CLASSES))
            raise SegmentationError(f"{source}:{number}: unknown abbreviation class {cls!r} (known: {known})")
        if not _body(abbr) or any(ch.isspace() for ch in abbr):
            raise SegmentationError(f"{source}:{number}: bad abbreviation {abbr!r}")
        entries.append((abbr, cls))
    return entries


def read_abbreviation_file(path: str | Path) -> list[tuple[str, str]]:
    """Read a user abbreviation file (UTF-8, one ``ABBREVIATION [CLASS]`` per line)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SegmentationError(f"{path}: no such abbreviation file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SegmentationError(f"{path}: cannot read abbreviation file ({exc.__class__.__name__})") from None
    return parse_entries(text, str(path))


def _data(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def builtin_abbreviations() -> Abbreviations:
    """The built-in Indonesian abbreviations from ``abbreviations.tsv``."""
    return Abbreviations().extended(parse_entries(_data("abbreviations.tsv"), "abbreviations.tsv"))


@lru_cache(maxsize=1)
def word_lists() -> dict[str, frozenset[str]]:
    """The ``[section]`` word lists of ``words.txt``: ``starters`` (``Ia``, ``Namun``) and ``labels``."""
    lists: dict[str, list[str]] = {}
    current: list[str] = []
    for line in _data("words.txt").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = lists.setdefault(line[1:-1], [])
        else:
            current.extend(line.split())
    return {name: frozenset(words) for name, words in lists.items()}
