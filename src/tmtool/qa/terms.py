"""Finding glossary terms in a text, in their inflected forms (issue 17).

A word matches a term's word when they share a *key*: the word itself in lower case, or its
stem (Indonesian) or lemma (English). Indonesian words carry affixes (``mem-bangun-kan``,
``pem-bangun-an-nya``, ``di-``, ``ber-``, ``ter-``, reduplication ``menteri-menteri``): the
Sastrawi stemmer (PySastrawi, the Nazief-Adriani algorithm with its dictionary of root words)
takes them off. English words inflect: simplemma's lemma tables give ``relations`` ->
``relation``, ``met`` -> ``meet``; a small suffix rule covers words the tables lack.

Rules: a term's words must follow one another in the text (multi-word terms); a word written
as an acronym in the glossary (``GDI``, ``COVID-19``: no lower-case letter, two or more
capitals) matches only itself, case and all; overlapping matches are resolved longest first
(``Inisiatif Pembangunan Global`` wins over ``Pembangunan``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..errors import UsageError

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class TermHit:
    """Where a term of ``entry`` was found: characters ``start:end`` of the text."""

    start: int
    end: int
    entry: int  # index of the entry in the matcher's list
    term: str
    words: int


def tokens(text: str) -> list[Token]:
    """The words of ``text`` with their offsets (hyphenated and apostrophe words kept whole)."""
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def is_acronym(word: str) -> bool:
    """``GDI``, ``SCO``, ``COVID-19``: matched case-sensitively."""
    return sum(c.isupper() for c in word) >= 2 and not any(c.islower() for c in word)


@lru_cache(maxsize=1)
def _stemmer():
    try:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    except ImportError:  # pragma: no cover - an install without the qa extra
        raise UsageError("term recognition needs PySastrawi and simplemma: pip install 'tmtool[qa]'") from None
    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def _stem_id(word: str) -> str:
    return _stemmer().stem(word)


@lru_cache(maxsize=200_000)
def _lemma_en(word: str) -> str:
    try:
        import simplemma
    except ImportError:  # pragma: no cover
        raise UsageError("term recognition needs PySastrawi and simplemma: pip install 'tmtool[qa]'") from None
    return simplemma.lemmatize(word, lang="en").lower()


_EN_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ves", "f"), ("sses", "ss"), ("ches", "ch"),
                ("shes", "sh"), ("xes", "x"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


def _strip_en(word: str) -> str:
    """A plain suffix rule for what the lemma tables do not know (``developed``)."""
    for suffix, repl in _EN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


@lru_cache(maxsize=200_000)
def word_keys(word: str, lang: str) -> frozenset[str]:
    """The keys a word matches by: lower case, stem or lemma (and parts of a reduplication)."""
    low = word.lower()
    keys = {low}
    if lang == "id":
        keys.add(_stem_id(low))
        if "-" in low:
            first, _, second = low.partition("-")
            if first == second:  # reduplication as a plural: menteri-menteri
                keys.add(_stem_id(first))
    elif lang == "en":
        lemma = _lemma_en(low)
        keys |= {lemma, _strip_en(low), _strip_en(lemma)}
    return frozenset(k for k in keys if k)


def primary(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


class TermMatcher:
    """Finds the terms of a list in texts of one language. ``terms[i]`` is a list of term
    strings of entry ``i`` (several synonyms allowed)."""

    def __init__(self, terms: Sequence[Iterable[str]], lang: str):
        self.lang = primary(lang)
        self._by_first: dict[str, list[tuple[int, str, list]]] = {}
        for entry, texts in enumerate(terms):
            for text in texts:
                words = [t.text for t in tokens(text)]
                if not words:
                    continue
                pattern = [self._pattern(w) for w in words]
                first = pattern[0]
                for key in ([first[1]] if first[0] else first[1]):
                    self._by_first.setdefault(key, []).append((entry, text, pattern))

    def _pattern(self, word: str) -> tuple[bool, object]:
        """(exact, the word) for an acronym, else (False, its keys)."""
        if is_acronym(word):
            return True, word
        return False, word_keys(word, self.lang)

    def _fits(self, pattern: tuple[bool, object], tok: Token) -> bool:
        exact, value = pattern
        if exact:
            return tok.text == value
        return not word_keys(tok.text, self.lang).isdisjoint(value)  # type: ignore[arg-type]

    def find(self, text: str) -> list[TermHit]:
        """Every term found in ``text``, longest first where they overlap, in text order."""
        toks = tokens(text)
        found: list[TermHit] = []
        for i, tok in enumerate(toks):
            keys = {tok.text} | (word_keys(tok.text, self.lang) if not is_acronym(tok.text) else set())
            seen: set[tuple[int, str]] = set()
            for key in keys:
                for entry, term, pattern in self._by_first.get(key, ()):
                    if (entry, term) in seen or i + len(pattern) > len(toks):
                        continue
                    seen.add((entry, term))
                    if all(self._fits(p, toks[i + k]) for k, p in enumerate(pattern)):
                        last = toks[i + len(pattern) - 1]
                        found.append(TermHit(tok.start, last.end, entry, term, len(pattern)))
        return _longest_first(found)

    def has(self, text: str, entry: int) -> list[TermHit]:
        """The hits of entry ``entry`` in ``text`` (after longest-match resolution)."""
        return [h for h in self.find(text) if h.entry == entry]


def _longest_first(hits: list[TermHit]) -> list[TermHit]:
    chosen: list[TermHit] = []
    taken: list[tuple[int, int]] = []
    for h in sorted(hits, key=lambda h: (-(h.end - h.start), -h.words, h.start, h.entry)):
        if any(h.start < e and s < h.end for s, e in taken):
            continue
        chosen.append(h)
        taken.append((h.start, h.end))
    # Several entries may share the very same span (homographs): keep them all.
    for h in hits:
        if h not in chosen and any(c.start == h.start and c.end == h.end for c in chosen):
            chosen.append(h)
    return sorted(chosen, key=lambda h: (h.start, h.entry))
