"""What every reader checks in a unit it reads: lengths and language tags, and how a message
quotes a value from a file. A bottom module of ``formats/``: the readers import it, and it
imports none of them (``formats/__init__`` re-exports it)."""

from __future__ import annotations

import re

from ..errors import FormatError

#: The longest source or target an import takes, in characters. A unit is a sentence or a
#: paragraph; a bigger "segment" is a broken or hostile file, and would cost memory out of all
#: proportion (the fuzzy index keeps every trigram of a source).
MAX_SEGMENT_CHARS = 1_000_000
# A BCP 47 tag's shape (RFC 5646 section 2.1, loosely): a primary subtag of letters (``i``/``x``
# for the old irregular and private-use tags), then subtags of 1-8 letters or digits; ``_`` is
# accepted because older tools write ``en_US``.
_LANG_TAG = re.compile(r"^(?:[A-Za-z]{2,8}|[iIxX])(?:[-_][A-Za-z0-9]{1,8})*$")


def check_length(text: str, where: str, side: str) -> None:
    """Refuse a ``side`` (source or target) longer than :data:`MAX_SEGMENT_CHARS`."""
    if len(text) > MAX_SEGMENT_CHARS:
        raise FormatError(
            f"{where}: a {side} of {len(text):,} characters, over the limit of "
            f"{MAX_SEGMENT_CHARS:,} for one translation unit; refused"
        )


def is_lang_tag(code: str | None) -> bool:
    """Whether ``code`` has the shape of a language tag (``id``, ``en-US``, ``zh_Hant``)."""
    return bool(code) and _LANG_TAG.match(code.strip()) is not None


def check_lang(code: str | None, where: str, what: str) -> None:
    """Refuse a language (``what``: where it was found) that is not a language tag: a unit stored
    under "!!" is found by no lookup and exported as a broken file (issue 14)."""
    if code is not None and not is_lang_tag(code):
        raise FormatError(f"{where}: {what} {quoted(code)} is not a language tag (like id or en-US)")


def quoted(value: str) -> str:
    """A value from a file as a message quotes it: escaped, and cut short if long."""
    return repr(value[:40] + "..." if len(value) > 40 else value)
