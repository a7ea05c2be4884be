"""Language tags compared as languages (BCP 47): case-insensitive, ``_`` as ``-``, old ISO 639
codes as their new ones (``in`` is ``id``), an exact tag ranked above a regional variant."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

# ISO 639 codes that were renamed: files from older tools still use them.
OLD_CODES = {"in": "id", "iw": "he", "ji": "yi", "jw": "jv", "mo": "ro"}


@lru_cache(maxsize=512)
def canonical_lang(code: str) -> str:
    """BCP 47 casing (``id``, ``en-US``, ``zh-Hant-TW``); ``_`` becomes ``-``; ``in`` is ``id``."""
    parts = code.strip().replace("_", "-").split("-")
    out = [OLD_CODES.get(parts[0].lower(), parts[0].lower())]
    for p in parts[1:]:
        if len(p) == 2 and p.isalpha():
            out.append(p.upper())
        elif len(p) == 4 and p.isalpha():
            out.append(p.title())
        else:
            out.append(p.lower())
    return "-".join(out)


def primary_lang(code: str) -> str:
    """The primary subtag: ``id-ID``, ``ID`` and ``in`` are all ``id``."""
    return canonical_lang(code).split("-")[0]


def tag_rank(wanted: str, stored: str) -> int | None:
    """How well a stored tag answers a wanted one: 0 the same tag (``en-us`` for ``en-US``),
    1 a variant of the same language (``en-GB`` or ``en`` for ``en-US``), None another language."""
    if primary_lang(stored) != primary_lang(wanted):
        return None
    return 0 if canonical_lang(stored).lower() == canonical_lang(wanted).lower() else 1


def matching_pairs(
    stored: Iterable[tuple[str, str]], src_lang: str | None, tgt_lang: str | None
) -> list[tuple[str, str, int]]:
    """The stored ``(src, tgt)`` tag pairs that are the wanted languages (None: any), each with
    its rank (0: both tags exact; higher: variants), best first.

    As memoQ and Trados do, a unit in another variant of the language still matches, below one
    in the exact variant.
    """
    out = []
    for src, tgt in stored:
        ranks = [0 if want is None else tag_rank(want, have) for want, have in ((src_lang, src), (tgt_lang, tgt))]
        if None not in ranks:
            out.append((src, tgt, sum(ranks)))
    return sorted(out, key=lambda p: (p[2], p[0], p[1]))
