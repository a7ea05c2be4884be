"""The translator interface: a backend implements one batch call, batching lives here."""

from __future__ import annotations

import json
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class CutNote:
    """A translation that used every output token it was allowed without ending its sentence.

    The text is the model's output up to that point, most likely cut short mid-sentence.
    """

    index: int  # position in the list given to :meth:`Translator.translate_batches`
    limit: int  # the output tokens the model was allowed (end-of-sentence included)


#: transformers' ``max_length`` when a model's configs set none; Marian models saved without
#: one would cut every translation at 19 tokens (issue 14).
TRANSFORMERS_DEFAULT_MAX_LENGTH = 20


#: Most hypotheses (sentences x beams) one batch decodes when the caller does not choose. Each
#: hypothesis holds scores over the whole output vocabulary at every step (54,796 words for
#: opus-mt), whatever its length: with CTranslate2 int8, one thread, 128 short sentences greedy in
#: one batch peaked at 355 MB, 64 at 298 MB, 32 at 222 MB, in the same CPU time (issue 14;
#: docs/performance.md). 64 leaves the usual batches (55 sentences of 37 tokens greedy, 9 with 6
#: beams) as they were and caps the batches of many short sentences the token budget let grow.
BATCH_HYPOTHESES = 64


def default_batch_sentences(most: int, beams: int) -> int:
    """The default batch size of a backend whose own cap is ``most`` sentences, at ``beams``."""
    return max(1, min(most, BATCH_HYPOTHESES // max(1, beams)))


def derived_max_length(source_tokens: int, position_limit: int) -> int:
    """``max_length`` (as transformers counts it: the decoder start token included) for a model
    whose configs set none: room for twice the source plus a margin, within the positions the
    decoder has. An English sentence rarely has more tokens than its Indonesian source; a
    hypothesis that still reaches this limit is reported as cut short, not hidden."""
    return max(2, min(position_limit, 2 * source_tokens + 10))


def configured_max_length(model_dir: Path) -> int | None:
    """The output limit the model's own configs set (``max_length``, the decoder start token
    included), or None when they set none and transformers would fall back to its default of
    20. ``generation_config.json`` wins; older models keep it in ``config.json``."""
    for name in ("generation_config.json", "config.json"):
        try:
            data = json.loads((model_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            if isinstance(data.get("max_new_tokens"), int) and data["max_new_tokens"] > 0:
                return data["max_new_tokens"] + 1
            if isinstance(data.get("max_length"), int) and data["max_length"] > 0:
                return data["max_length"]
        if name == "generation_config.json":
            break  # transformers reads the generation settings from this file alone
    return None


def default_threads() -> int:
    """Threads for the engine when none are asked for: one core fewer than this process may use.

    Issue 8 measured two threads running 10-30x slower than one on a 2-core machine whose other
    core was busy: the workers wait on each other behind the other process. Leaving a core free
    keeps a laptop responsive and that collapse away; beyond 8 threads one batch gains little.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores - 1, 8))


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
    #: Batching when the caller does not choose: at most this many texts in one batch ...
    default_batch_size: int = 16
    #: ... and at most this many source tokens, padding included (None: no token budget).
    default_max_batch_tokens: int | None = None

    @abstractmethod
    def translate_batch(self, texts: list[str]) -> list[str]:
        """Translate ``texts`` (one batch, each within the input limit); same order, same length."""

    def translate_batch_checked(self, texts: list[str]) -> list[tuple[str, int | None]]:
        """:meth:`translate_batch`, with for each translation the output limit it ran into
        (tokens, see :class:`CutNote`), or None when it ended its sentence. Backends that can
        tell override this; the default trusts every translation to be whole."""
        return [(t, None) for t in self.translate_batch(texts)]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Source length of each text in model tokens; words if the backend has no tokenizer."""
        return [len(t.split()) + 1 for t in texts]

    def translate_batches(
        self,
        texts: Sequence[str],
        batch_size: int | None = None,
        max_batch_tokens: int | None = None,
    ) -> Iterator[tuple[list[tuple[int, str]], list[SplitNote | CutNote]]]:
        """Translate ``texts`` in batches of similar length, yielding as each batch completes.

        Each item is ``(done, notes)``: ``done`` lists ``(index, translation)`` for every text
        whose translation is complete after that batch, ``notes`` the texts that had to be split
        (:class:`SplitNote`) and those the model stopped at its output limit (:class:`CutNote`).
        Sorting by length keeps padding (wasted work) low; a batch holds at most ``batch_size``
        texts and ``max_batch_tokens`` padded source tokens (``None``: the backend's defaults).
        A text given more than once is translated once.
        """
        batch_size = batch_size or self.default_batch_size
        max_batch_tokens = max_batch_tokens or self.default_max_batch_tokens
        if batch_size < 1 or (max_batch_tokens is not None and max_batch_tokens < 1):
            raise ValueError("batch_size and max_batch_tokens must be at least 1")
        distinct = list(dict.fromkeys(texts))
        copies: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            copies.setdefault(t, []).append(i)
        pieces, lengths, owner, notes = self._split_long(distinct)
        parts_of: dict[int, list[int]] = {}
        for j, o in enumerate(owner):
            parts_of.setdefault(o, []).append(j)
        outputs: list[str] = [""] * len(pieces)
        cut: dict[int, int] = {}  # piece -> the output limit it ran into
        remaining = {o: len(js) for o, js in parts_of.items()}
        notes_by_text = {n.index: n for n in notes}
        for batch, results in self._run_batches(pieces, _batches(lengths, batch_size, max_batch_tokens)):
            if len(results) != len(batch):
                raise RuntimeError("translator returned a different number of translations")
            done: list[tuple[int, str]] = []
            done_notes: list[SplitNote | CutNote] = []
            for i, (out, limit) in zip(batch, results):
                outputs[i] = out
                if limit is not None:
                    cut[i] = limit
                o = owner[i]
                remaining[o] -= 1
                if remaining[o] == 0:
                    parts = [outputs[j].strip() for j in parts_of[o]]
                    joined = " ".join(p for p in parts if p)
                    first, *others = copies[distinct[o]]
                    done += [(k, joined) for k in (first, *others)]
                    if o in notes_by_text:
                        n = notes_by_text[o]
                        done_notes.append(SplitNote(first, n.tokens, n.limit, n.pieces))
                    limits = [cut[j] for j in parts_of[o] if j in cut]
                    if limits:
                        done_notes.append(CutNote(first, min(limits)))
            yield sorted(done), done_notes

    def _run_batches(
        self, pieces: list[str], batches: Iterator[list[int]]
    ) -> Iterator[tuple[list[int], list[tuple[str, int | None]]]]:
        """``(batch, translate_batch_checked(its pieces))`` for each batch, as it finishes: here
        one after the other; a pool of workers (the Ray backend) finishes them in any order."""
        for batch in batches:
            yield batch, self.translate_batch_checked([pieces[i] for i in batch])

    def translate(
        self, texts: Sequence[str], batch_size: int | None = None, max_batch_tokens: int | None = None
    ) -> list[str]:
        """Translate ``texts`` and return the translations in order."""
        out = [""] * len(texts)
        for done, _ in self.translate_batches(texts, batch_size, max_batch_tokens):
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
        """Split ``text`` at the strongest boundary that gives pieces of at most ``limit`` tokens.

        Token counts of neighbouring parts add up (less one end-of-sentence token each), so parts
        are grouped greedily from one batched count; each group is counted again when it is cut
        further, which keeps the whole cut linear in the length of ``text``.
        """
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
        groups: list[list[str]] = []
        size = 0
        for part, n in zip(parts, self.count_tokens(parts)):
            if groups and size + n - 1 <= limit:
                groups[-1].append(part)
                size += n - 1
            else:
                groups.append([part])
                size = n
        out: list[str] = []
        for group in groups:
            out += self._cut(" ".join(group), limit, level + 1)
        return out


def _batches(lengths: Sequence[int], size: int, max_tokens: int | None) -> Iterator[list[int]]:
    """Indices of ``lengths`` in batches, longest first, within ``size`` items and ``max_tokens``.

    Longest first, so a batch's padded size is its first length times its count; a text longer
    than the budget on its own still gets a batch of its own.
    """
    batch: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)):
        if batch and (
            len(batch) == size or (max_tokens is not None and (len(batch) + 1) * lengths[batch[0]] > max_tokens)
        ):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch
