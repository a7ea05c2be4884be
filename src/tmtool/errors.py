"""The errors tmtool raises. The CLI turns each into a one-line message and an exit code."""

from __future__ import annotations


class TmtoolError(Exception):
    """Base class of every expected tmtool failure."""

    exit_code = 1


class InputError(TmtoolError):
    """An input file is missing, unreadable, binary or not in the expected encoding."""


class UsageError(TmtoolError):
    """The arguments given do not make sense together."""

    exit_code = 2


class TMError(TmtoolError):
    """The translation memory cannot be opened, read or written."""


class MemoryNotFound(TMError):
    """A command that only reads a translation memory found none at the given path."""


class Conflict(TMError):
    """Another writer changed what this write was based on; nothing was saved."""


class ModelError(TmtoolError):
    """A translation model cannot be found, loaded or run."""


class BackendNotAvailable(ModelError):
    """A translation backend's optional dependency is not installed."""


class SegmentationError(TmtoolError):
    """Segmentation rules (SRX, abbreviation lists) cannot be read."""


class FormatError(TmtoolError):
    """A file in an exchange format (TMX, TSV, JSONL) is malformed."""


class EditorError(TmtoolError):
    """The text editor ($VISUAL, $EDITOR) could not be started or failed; nothing was edited."""


class NotFound(TmtoolError):
    """A document or translation unit that was asked for does not exist."""
