"""The records of a CAT document (:class:`CatSegment`, :class:`Fill`, :class:`CatDocument`):
what the PO and XLIFF readers make and ``catdoc.open_document`` returns. A bottom module: the
readers import it, and it imports none of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .xlf import Content


@dataclass
class CatSegment:
    """One source to translate, and where its target goes."""

    unit_id: str  # the unit's id in the file (XLIFF id, PO msgctxt + msgid line)
    content: Content  # the source in the memory's text form, with its codes
    where: str  # file:line, for messages
    segmented: bool = True  # False: the file gives whole paragraphs; tmtool's segmenter may split them
    handle: object = None  # the format's own reference to where the target goes


@dataclass
class Alt:
    """A memory match offered next to the target (XLIFF ``alt-trans`` / 2.x candidate)."""

    score: int
    source: str  # plain text of the memory unit's source
    target: str  # the memory unit's target, markers renumbered to the segment's codes
    origin: str  # who made it: "tmtool-tm" and the unit id


@dataclass
class Fill:
    """The target tmtool found for a segment, and how it found it."""

    text: str  # with markers for the segment's codes
    how: str  # "mt", "exact" (100), "context" (101), "fuzzy", "copy" (nothing to translate)
    score: int | None = None
    status: str | None = None  # the memory unit's status (draft, approved)
    origin: str | None = None  # the memory unit's origin (human, imported, mt ...)
    guessed: bool = False  # a code was placed by guess: review it
    cut: bool = False  # the model stopped at its output limit mid-sentence (issue 14): review it
    model: str | None = None
    tu_id: int | None = None
    alts: list[Alt] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        """Machine output, a fuzzy match, an MT unit reused, or codes placed by guess."""
        if self.how in ("mt", "fuzzy") or self.guessed or self.cut:
            return True
        return self.how in ("exact", "context") and self.origin == "mt" and self.status != "approved"


class CatDocument(Protocol):
    """A CAT file being pre-translated."""

    name: str
    format: str  # "xliff 1.2", "xliff 2.0", "po"
    src_lang: str | None
    tgt_lang: str | None
    segments: list[CatSegment]
    skipped: dict[str, int]
    data: bytes  # the file as read

    def fill(self, segment: CatSegment, fill: Fill) -> None: ...

    def to_bytes(self) -> bytes: ...
