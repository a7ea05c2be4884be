"""The built-in Indonesian boundary rules: is this full stop (or ``?``, ``!``, ``…``) a sentence end?

Candidates are found by one linear regex: a token ending in terminal punctuation and at most four
closing quotes or brackets, followed by a space and a next token on the same line. Each candidate is
judged by :meth:`IndonesianRules.is_break`, a short decision list over the token, the next token and
the token before. The same list is written out as SRX rules by :func:`srx_rules` (rule numbers
``r1``..``r26`` below), so ``tmtool segment --dump-srx`` gives a file that segments identically.
To keep the two equal, every test here is stateless and looks back at most ``WINDOW`` characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .abbrev import FINAL, NUMERIC, PREFIX, Abbreviations, builtin_abbreviations, word_lists

TERMINALS = ".!?…‼⁇⁈⁉？！"
# Straight quotes close as well as open; GSD's detokenised ``quotes`` use backticks.
CLOSERS = "\"'”’»›)]}"
OPENERS = "\"'“‘«‹([{`"
# A sentence does not begin with these: `...) ,`; a dash continues a dialogue (`kan? - Lihat`).
CONTINUATIONS = ",;:%)]}/-–—"
# Punctuation that introduces a list or separates its items: `yaitu: 1. ...; 2. ...`.
LIST_INTRO = ":;,"
DIGITS = "0123456789"
# What trails a word that is still "the word" (`Ia,` `Dia."`).
TRAILERS = CLOSERS + TERMINALS + ",;:"
# How far back an SRX before-break pattern may look; the built-in rules respect the same limit.
WINDOW = 100


def char_class(chars: str) -> str:
    """A regex character class of ``chars`` that Python, Java and ICU read the same way."""
    return "[" + "".join("\\" + c if c in "\\[]^-&" else c for c in chars) + "]"


OPEN, CLOSE, TERM = char_class(OPENERS), char_class(CLOSERS), char_class(TERMINALS)

# The end of a token: terminal punctuation plus at most four closers, followed by horizontal space
# and a next token (group 1). Starting with a character class lets `re` skip ahead fast; the
# start of the token is found by walking back over it (see token_start). No nested quantifiers,
# and the closers are bounded, so a run of 100,000 periods stays linear.
CANDIDATE = re.compile(TERM + CLOSE + r"{0,4}(?=[^\S\r\n]+(\S+))")


_SPACE = re.compile(r"\s")


def token_start(text: str, line_start: int, pos: int) -> int:
    """Where the token that contains ``text[pos]`` begins (never before ``line_start``)."""
    start = text.rfind(" ", line_start, pos) + 1 or line_start
    if _SPACE.search(text, start, pos):  # a tab or NBSP inside: walk back to the nearest space
        start = pos
        while start > line_start and not text[start - 1].isspace():
            start -= 1
    return start


# Initials: single capitals joined by full stops (`R`, `J.K`); the final full stop is not part of it.
INITIALS_RE = r"[A-Z](?:\.[A-Z])*"
INITIALS = re.compile(INITIALS_RE)
# Numbers of list items (`1.`, `12.`) and letters of lettered lists (`a.`).
LIST_MARKER_RE = r"(?:[0-9]{1,2}|[a-z])"
LIST_MARKER = re.compile(LIST_MARKER_RE)
# A short capitalised word without vowels (`Ph`, `Bl`, `Dsn`) is an abbreviation, not a name.
CONSONANTS_RE = r"[B-DF-HJ-NP-TV-Z][b-df-hj-np-tv-z]{1,3}"
CONSONANTS = re.compile(CONSONANTS_RE)
# A whole bracketed abbreviation in one token: `(Purn.)`, `(Bl.)`.
BRACKETED_RE = r"\([^\s()]*\.\)"
BRACKETED = re.compile(BRACKETED_RE)
ROMAN_LETTERS = frozenset("IVX")
# The last of a list of letters (`terminal B, C dan D.`) is a label, not an initial.
LETTER_LIST_RE = r"(?<!\S)[A-Z],?\s+(?:dan|atau|serta)\s+" + OPEN + r"*[A-Z]\."
LETTER_LIST = re.compile(LETTER_LIST_RE + r"\Z")


def _is_lower(ch: str) -> bool:
    # Unicode category Ll, exactly what `\p{Ll}` means in the exported SRX.
    return unicodedata.category(ch) == "Ll"


class IndonesianRules:
    """Decides whether a candidate token ends a sentence, from abbreviation classes and word shapes."""

    def __init__(self, abbreviations: Abbreviations | None = None) -> None:
        self.abbreviations = abbreviations or builtin_abbreviations()
        words = word_lists()
        self.starters = words["starters"]
        self.labels = frozenset(v for w in words["labels"] for v in (w, w.capitalize(), w.upper()))

    def is_break(self, text: str, line_start: int, start: int, end: int, next_token: str) -> bool:
        """True if the token ``text[start:end]`` ends a sentence before ``next_token``.

        ``line_start`` is where the (stripped) line begins: the rules never look before it.
        """
        nxt = next_token.lstrip(OPENERS)
        if not nxt:
            return True  # r1: a lone opening quote or bracket, then another token
        head = nxt[0]
        if ("a" <= head <= "z") or head in CONTINUATIONS or (head > "\x7f" and _is_lower(head)):
            return False  # r2: sentences begin with a capital or a number: `dll. dan`, `"Apa?" tanya dia`
        if nxt[-1] == "." and self.abbreviations.exact.get(nxt[:-1]) is FINAL:
            return False  # r3: no sentence begins with `Ltd.` or `S.H.`: `Yahoo! Inc.`, `Co. Ltd.`
        token = text[start:end]
        if token[0] == "(" and BRACKETED.fullmatch(token):
            return False  # r4: `Jenderal (Purn.) Luhut`
        core = token.rstrip(CLOSERS)
        body = core.rstrip(TERMINALS)
        if len(core) < len(token) or len(body) + 1 < len(core) or core[-1] != ".":
            return True  # r5: `?`, `!`, `...`, `…` and `."` end a sentence before a capital
        word = body.lstrip(OPENERS)
        if not word or word[-1] in CLOSERS:
            return True  # r6: `"judul".`, `(Maximian ...).`: the full stop follows a quote or bracket
        return self._after_word(text, line_start, start, end, word, next_token, nxt)

    def _after_word(
        self, text: str, line_start: int, start: int, end: int, word: str, next_token: str, nxt: str
    ) -> bool:
        """Judge ``word.`` (a single full stop, no closers) before a capitalised or numeric token."""
        kind = self.abbreviations.exact.get(word)
        if kind is PREFIX:
            # r7, r8: titles, places, `No.` never end a sentence; but an all-caps one is also an
            # acronym (`CV.`, `RS.`) that can, and a function word after it shows it did.
            return word.isupper() and self._is_starter(nxt)
        if kind is NUMERIC:
            return nxt[0] not in DIGITS  # r9, r10: `15 Sept. 2022` versus `... Sept. Ia`
        if kind is FINAL:
            return self._ends_after_abbreviation(next_token, nxt)  # r11, r12
        short = len(word) <= 4  # the word shapes below are short; skip their regexes for long words
        if (short or word[1] == ".") and INITIALS.fullmatch(word):
            # r13..r18: `R. Ahmad`, `J.K. Rowling` are initials of the name that follows.
            return self._is_starter(nxt) or self._initial_ends_sentence(text, line_start, start, end, word)
        if short and LIST_MARKER.fullmatch(word) and self._starts_list_item(text, line_start, start, end):
            return False  # r19: `yaitu: 1. Beras`, `2. Gula` after a sentence
        if word[-1] in DIGITS and nxt[0] in DIGITS:
            return False  # r20: `v9. 1`, `2.904. 678`: a number broken by a space
        if text.find(".", max(start, end - WINDOW), end - 1) >= 0:
            # r21, r22: an unlisted word with inner full stops (`S.Kom`, `a.n`) is an abbreviation.
            return self._ends_after_abbreviation(next_token, nxt)
        if short and CONSONANTS.fullmatch(word):
            # r23..r25: `Ph. D.`, `Bl.`; but a unit after a number (`50 Hz. Ini`) ends a sentence.
            prev = self._previous_token(text, line_start, start, end)
            return self._is_starter(nxt) or (prev is not None and _has_digit(prev))
        return True  # r26: any other word

    def _initial_ends_sentence(self, text: str, line_start: int, start: int, end: int, word: str) -> bool:
        """An initial is a label or numeral when the word before says so."""
        prev = self._previous_token(text, line_start, start, end)
        if prev is None:
            return False
        if _has_digit(prev):
            return True  # r14: `abad ke-6 M.`, `tahun 622 M.`: an era or a unit
        if prev in self.labels:
            return True  # r15: `kumpulan B.`, `golongan A.`: a label
        if word in ROMAN_LETTERS and _is_lower(prev[0]):
            return True  # r16: `seri V.`, `jilid X.`: a roman numeral after a common noun
        # r17: `terminal B, C dan D.`: the same search the SRX engine does, in the same window
        return LETTER_LIST.search(text, max(line_start, end - WINDOW), end) is not None

    def _ends_after_abbreviation(self, next_token: str, nxt: str) -> bool:
        """After a word that may end a sentence (`Tbk.`, `dll.`, `S.H.`), before a capitalised token.

        `Tbk. Direktur` breaks; `Tbk. (BBNI)`, `Co. Ltd.`, `S.H. M.H.` and `Ph.D. A. Rahman` go on.
        """
        if next_token[0] == "(":
            return False
        body = nxt[:-1]
        return nxt[-1] != "." or not (body in self.abbreviations.exact or INITIALS.fullmatch(body))

    def _is_starter(self, nxt: str) -> bool:
        return nxt.rstrip(TRAILERS) in self.starters

    @staticmethod
    def _starts_list_item(text: str, line_start: int, start: int, end: int) -> bool:
        """A list marker first on its line, or after `:`, `;`, `,` or a sentence end."""
        if start == line_start:
            return True
        gap = _gap_start(text, max(line_start, end - WINDOW), start)
        return gap is not None and text[gap - 1] in LIST_INTRO + TERMINALS

    @staticmethod
    def _previous_token(text: str, line_start: int, start: int, end: int) -> str | None:
        """The token before the one at ``start:end`` if all of it lies within ``WINDOW`` of ``end``.

        That is what an SRX before-break pattern (a window of the line ending at ``end``) can see.
        """
        lo = max(line_start, end - WINDOW)
        stop = _gap_start(text, lo, start)
        if stop is None:
            return None
        begin = stop
        while begin > lo and not text[begin - 1].isspace():
            begin -= 1
        if begin == lo and lo > line_start and not text[lo - 1].isspace():
            return None  # the token reaches out of the window
        return text[begin:stop]


def _gap_start(text: str, lo: int, start: int) -> int | None:
    """Where the space before the token at ``start`` begins, if a character precedes it after ``lo``."""
    gap = start
    while gap > lo and text[gap - 1].isspace():
        gap -= 1
    return gap if lo < gap < start else None


def _has_digit(s: str) -> bool:
    return any(ch in DIGITS for ch in s)


@dataclass(frozen=True)
class Rule:
    """One SRX rule: at a position where ``before`` ends and ``after`` begins, break or not."""

    brk: bool
    before: str
    after: str
    comment: str = ""


def _escape(word: str) -> str:
    # Only the characters that are special in Python, Java and ICU regexes alike.
    return "".join("\\" + c if c in "\\.^$|?*+()[]{}" else c for c in word)


def _alt(words: Iterable[str]) -> str:
    """An alternation of literal words, longest first (readable; the order does not change matches)."""
    return "(?:" + "|".join(_escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"


def srx_rules(abbreviations: Abbreviations | None = None) -> list[Rule]:
    """The decision list of :class:`IndonesianRules` as ordered SRX rules (first match wins)."""
    abbreviations = abbreviations or builtin_abbreviations()
    rules = IndonesianRules(abbreviations)
    groups: dict[str, list[str]] = {PREFIX: [], NUMERIC: [], FINAL: []}
    for body, kind in abbreviations.exact.items():
        groups[kind].append(body)
    caps = [w for w in groups[PREFIX] if w.isupper()]
    token_end = TERM + CLOSE + "{0,4}"
    space = r"\s"
    starter = r"\s+" + OPEN + "*" + _alt(rules.starters) + char_class(TRAILERS) + r"*(?!\S)"
    abbreviation_next = r"\s+(?:\(|" + OPEN + "*(?:" + _alt(abbreviations.exact) + "|" + INITIALS_RE + r")\.(?!\S))"
    prev_digit = r"(?<!\S)\S*[0-9]\S*\s+" + OPEN + "*"
    no_dot = char_class(TERMINALS.replace(".", ""))
    # Terminal punctuation other than one bare full stop: `?`, `!?`, `..`, `…`, `."`, `.)`.
    not_one_stop = "(?:" + TERM + "*" + no_dot + TERM + r"*|\.\.)" + CLOSE + "{0,4}|" + TERM + CLOSE + "{1,4}"
    initial = OPEN + "*" + INITIALS_RE + r"\."

    def word(pattern: str) -> str:
        return r"(?<!\S)" + OPEN + "*" + pattern + r"\."

    candidates = [
        Rule(True, token_end, r"\s+" + OPEN + r"+(?!\S)", "r1: a lone opening quote or bracket follows"),
        Rule(False, token_end, r"\s+" + OPEN + r"*(?:\p{Ll}|" + char_class(CONTINUATIONS) + ")", "r2: lower case"),
        Rule(False, token_end, r"\s+" + OPEN + "*" + _alt(groups[FINAL]) + r"\.(?!\S)", "r3: Yahoo! Inc."),
        Rule(False, r"(?<!\S)" + BRACKETED_RE, space, "r4: (Purn.)"),
        Rule(True, not_one_stop, space, "r5: ?!… and a full stop before a closing quote or bracket"),
        Rule(True, r"(?<!\S)" + OPEN + r"*\.|" + CLOSE + r"\.", space, "r6: a full stop after a quote or bracket"),
        Rule(True, word(_alt(caps)), starter, "r7: an all-caps prefix (CV., RS.) ends a sentence"),
        Rule(False, word(_alt(groups[PREFIX])), space, "r8: titles, places, references: Dr. Jl. No."),
        Rule(False, word(_alt(groups[NUMERIC])), r"\s+" + OPEN + "*[0-9]", "r9: 15 Sept. 2022"),
        Rule(True, word(_alt(groups[NUMERIC])), space, "r10: ... Sept. Ia"),
        Rule(False, word(_alt(groups[FINAL])), abbreviation_next, "r11: Co. Ltd., Tbk. (BBNI)"),
        Rule(True, word(_alt(groups[FINAL])), space, "r12: ... dll. Namun"),
        Rule(True, word(INITIALS_RE), starter, "r13: seri V. Dalam"),
        Rule(True, prev_digit + INITIALS_RE + r"\.", space, "r14: abad ke-6 M."),
        Rule(True, r"(?<!\S)" + _alt(rules.labels) + r"\s+" + initial, space, "r15: kumpulan B."),
        Rule(True, r"(?<!\S)\p{Ll}\S*\s+" + OPEN + r"*[IVX]\.", space, "r16: seri V."),
        Rule(True, LETTER_LIST_RE, space, "r17: terminal B, C dan D."),
        Rule(False, word(INITIALS_RE), space, "r18: initials: R. Ahmad, J.K. Rowling"),
        Rule(False, "(?:^|" + char_class(LIST_INTRO + TERMINALS) + r"\s+)" + OPEN + "*" + LIST_MARKER_RE + r"\.", space,
             "r19: list items: yaitu: 1. Beras"),
        Rule(False, r"[0-9]\.", r"\s+" + OPEN + "*[0-9]", "r20: v9. 1"),
        Rule(False, r"\.\S*\.", abbreviation_next, "r21: S.Kom. M.Kom."),
        Rule(True, r"\.\S*\.", space, "r22: an unlisted abbreviation with inner full stops"),
        Rule(True, word(CONSONANTS_RE), starter, "r23: Bl. Ia"),
        Rule(True, prev_digit + CONSONANTS_RE + r"\.", space, "r24: 50 Hz."),
        Rule(False, word(CONSONANTS_RE), space, "r25: Ph. D., Bl."),
        Rule(True, token_end, space, "r26: any other sentence end"),
    ]
    # A class without entries would give an empty alternation `(?:)` that matches anything.
    return [r for r in candidates if "(?:)" not in r.before + r.after]
