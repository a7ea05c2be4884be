"""Plain records passed between the segmenter, the memory, the translators and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

ORIGINS = ("mt", "human", "imported", "aligned")
STATUSES = ("draft", "approved", "rejected")


@dataclass(frozen=True)
class Segment:
    """One sentence (or stand-alone line) of an input text, with its exact span in that text."""

    index: int  # 0-based position in the document
    start: int  # character offset of the first character in the input
    end: int  # character offset one past the last character
    text: str  # always ``input[start:end]``
    paragraph: int = 0  # 0-based paragraph number; a blank line starts a new paragraph
    line: int = 0  # 0-based line number of ``start`` in the input


@dataclass
class TranslationUnit:
    """A source/target pair in the translation memory, with its provenance."""

    id: int | None
    source: str
    target: str
    src_lang: str = "id"
    tgt_lang: str = "en"
    origin: str = "mt"
    status: str = "draft"
    model: str | None = None
    author: str | None = None
    prev_source: str | None = None
    next_source: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    props: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """A translated document as the memory stores it."""

    id: int
    name: str
    content_hash: str
    src_lang: str
    tgt_lang: str
    segment_count: int
    created_at: str
    updated_at: str


# How pairs, review and the report name a reuse of this document's own earlier machine
# translation, so that nobody reads it as a TM match of other work (issue 14).
OWN_MT = "own earlier MT"


def cut_short(unit: TranslationUnit | None) -> int | None:
    """The output limit (tokens) at which the model stopped this unit's translation before the
    end of its sentence, or None. Only a machine translation carries the mark: a person's edit
    replaces the text the model cut (issue 14)."""
    if unit is None or unit.origin != "mt":
        return None
    mark = (unit.props or {}).get("truncated")
    if isinstance(mark, dict):
        limit = mark.get("limit")
        return limit if isinstance(limit, int) else 0
    return 0 if mark else None


def reusable(unit: TranslationUnit) -> bool:
    """Whether translate may reuse ``unit`` as it is: not rejected, and not a machine draft
    the model cut short (approving one says it is fine as it is)."""
    if unit.status == "rejected":
        return False
    return unit.status == "approved" or cut_short(unit) is None
