"""Normalisation and hashing of segment text for exact lookup.

Two sources are the same TM key when they are equal after Unicode NFC normalisation and
whitespace folding (any run of Unicode whitespace becomes one space; ends stripped). Case and
punctuation are kept: "Presiden" and "presiden" are different sentences to a translator.
"""

from __future__ import annotations

import hashlib
import unicodedata


def normalize(text: str) -> str:
    """The form of ``text`` that exact matching compares."""
    # str.split() splits at exactly the characters re's \s matches (str.isspace), runs included,
    # and drops the ends: re.sub(r"\s+", " ", t).strip(), twice as fast on a long text.
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_hash(text: str) -> str:
    """A stable 128-bit hex key of the normalised ``text``."""
    return hashlib.blake2b(normalize(text).encode("utf-8"), digest_size=16).hexdigest()


def content_hash(text: str) -> str:
    """Hash of a whole document exactly as given (no normalisation)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
