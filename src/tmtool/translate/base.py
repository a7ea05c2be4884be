"""The translator interface: a backend implements one batch call, batching lives here."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# Where a too-long sentence may be cut, strongest first: after a semicolon or colon, after a
# comma, then between any two words.
_CUTS = (re.compile(r"(?<=[;:])\s+"), re.compile(r"(?<=,)\s+"), re.compile(r"\s+"))


@dataclass(frozen=True)
class SplitNote:
    """A source longer than the model's input limit, translated in pieces."""

    index: int  # position in the list given to :meth:`Translator.translate_batches`
    tokens: int
    limit: int
    pieces: int


class Translator(ABC):
    """A machine-translation engine.

    Subclasses implement :meth:`translate_batch`; they may override :meth:`count_tokens` and set
    :attr:`max_source_tokens` so that sources longer than the model can read are split rather than
    silently truncated.
    """

    #: The model identifier recorded on every unit this translator produces.
    model_id: str = "unknown"
    #: The most source tokens (end-of-sentence included) the model reads, or None for no limit.
    max_source_tokens: int | None = None

    @abstractmethod
    def translate_batch(self, texts: list[str]) -> list[str]:
        """Translate ``texts`` (one batch, each within the input limit); same order, same length."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Source length of each text in model tokens; words if the backend has no tokenizer."""
        return [len(t.split()) + 1 for t in texts]

    def translate_batches(
        self, texts: Sequence[str], batch_size: int = 16
    ) -> Iterator[tuple[list[tuple[int, str]], list[SplitNote]]]:
        """Translate ``texts`` in batches of similar length, yielding as each batch completes.

        Each item is ``(done, notes)``: ``done`` lists ``(index, translation)`` for every text
        whose translation is complete after that batch, ``notes`` the texts that had to be split.
        Sorting by length keeps padding (wasted work) low.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        pieces, lengths, owner, notes = self._split_long(texts)
        parts_of: dict[int, list[int]] = {}
        for j, o in enumerate(owner):
            parts_of.setdefault(o, []).append(j)
        order = sorted(range(len(pieces)), key=lambda i: (-lengths[i], i))
        outputs: list[str] = [""] * len(pieces)
        remaining = {o: len(js) for o, js in parts_of.items()}
        notes_by_text = {n.index: n for n in notes}
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            results = self.translate_batch([pieces[i] for i in batch])
            if len(results) != len(batch):
                raise RuntimeError("translator returned a different number of translations")
            done, done_notes = [], []
            for i, out in zip(batch, results):
                outputs[i] = out
                o = owner[i]
                remaining[o] -= 1
                if remaining[o] == 0:
                    parts = [outputs[j].strip() for j in parts_of[o]]
                    done.append((o, " ".join(p for p in parts if p)))
                    if o in notes_by_text:
                        done_notes.append(notes_by_text[o])
            yield sorted(done), done_notes

    def translate(self, texts: Sequence[str], batch_size: int = 16) -> list[str]:
        """Translate ``texts`` and return the translations in order."""
        out = [""] * len(texts)
        for done, _ in self.translate_batches(texts, batch_size):
            for i, t in done:
                out[i] = t
        return out

    def _split_long(
        self, texts: Sequence[str]
    ) -> tuple[list[str], list[int], list[int], list[SplitNote]]:
        """Cut every text longer than the limit into pieces that fit, in reading order.

        Returns the pieces, their token counts, the index of the text each belongs to, and a
        note for each text that was cut.
        """
        limit = self.max_source_tokens
        counts = self.count_tokens(texts)
        if limit is None:
            return list(texts), counts, list(range(len(texts))), []
        pieces: list[str] = []
        lengths: list[int] = []
        owner: list[int] = []
        notes: list[SplitNote] = []
        for i, (text, n) in enumerate(zip(texts, counts)):
            if n <= limit:
                parts, plens = [text], [n]
            else:
                parts = self.pieces(text)
                plens = self.count_tokens(parts)
                notes.append(SplitNote(i, n, limit, len(parts)))
            pieces += parts
            lengths += plens
            owner += [i] * len(parts)
        return pieces, lengths, owner, notes

    def pieces(self, text: str) -> list[str]:
        """The consecutive pieces ``text`` is translated in: just ``[text]`` when it fits the model."""
        limit = self.max_source_tokens
        if limit is None or self.count_tokens([text])[0] <= limit:
            return [text]
        return self._cut(text, limit, 0)

    def _cut(self, text: str, limit: int, level: int) -> list[str]:
        """Split ``text`` at the strongest boundary that gives pieces of at most ``limit`` tokens."""
        if self.count_tokens([text])[0] <= limit:
            return [text]
        if level == len(_CUTS):
            # One "word" longer than the limit (a URL, a hash): cut it by characters.
            half = len(text) // 2
            if half == 0:
                return [text]
            return self._cut(text[:half], limit, level) + self._cut(text[half:], limit, level)
        parts = [p for p in _CUTS[level].split(text) if p]
        if len(parts) == 1:
            return self._cut(text, limit, level + 1)
        out: list[str] = []
        for part in self._merge_small(parts, limit):
            out += self._cut(part, limit, level + 1)
        return out

    def _merge_small(self, pieces: list[str], limit: int) -> list[str]:
        """Join neighbouring pieces again while they fit, so the model sees whole clauses."""
        merged: list[str] = []
        for p in pieces:
            if merged and self.count_tokens([merged[-1] + " " + p])[0] <= limit:
                merged[-1] = merged[-1] + " " + p
            else:
                merged.append(p)
        return merged
