"""The Marian tokenizer rebuilt on sentencepiece alone, so the CTranslate2 path never imports
transformers (4.8 s of start-up, issue 8).

It reproduces what transformers 5's ``MarianTokenizer`` does with the same files, token for
token: special tokens written in the text stay whole, a leading ``>>xx<<`` language code is
kept as one token, the rest goes through the source SentencePiece model, pieces missing from
``vocab.json`` become ``<unk>``, and ``</s>`` ends the sequence. Decoding drops the special
tokens and joins the pieces with the SentencePiece model transformers uses for it (the source
one when the vocabulary is shared). transformers 5 never calls the tokenizer's Moses punctuation
normaliser, so neither do we: the two backends must see the same tokens.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import sentencepiece

from ..errors import ModelError

# The files a Marian tokenizer is made of; a converted model keeps copies of them.
TOKENIZER_FILES = (
    "source.spm",
    "target.spm",
    "vocab.json",
    "target_vocab.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)
_SPIECE_UNDERLINE = "▁"


class SpmTokenizer:
    """Text to Marian tokens and back, from a Marian model directory's tokenizer files."""

    def __init__(self, directory: Path):
        directory = Path(directory)
        config = _read_json(directory / "tokenizer_config.json", default={})
        special_map = _read_json(directory / "special_tokens_map.json", default={})
        self.eos = _content(config.get("eos_token") or special_map.get("eos_token") or "</s>")
        self.unk = _content(config.get("unk_token") or special_map.get("unk_token") or "<unk>")
        self.pad = _content(config.get("pad_token") or special_map.get("pad_token") or "<pad>")
        extra = config.get("additional_special_tokens") or special_map.get("additional_special_tokens") or []
        self.special = {self.eos, self.unk, self.pad, *(_content(t) for t in extra)}
        self.separate_vocabs = bool(config.get("separate_vocabs", False))
        self.clean_up_spaces = bool(config.get("clean_up_tokenization_spaces", False))
        self.vocab = set(_read_json(directory / "vocab.json"))
        if self.unk not in self.vocab:
            raise ModelError(f"{directory}: vocab.json has no {self.unk} token")
        self.source = _load_spm(directory / "source.spm")
        self._target: sentencepiece.SentencePieceProcessor | None = None
        self._target_path = directory / "target.spm"
        # transformers decodes with the source model unless the vocabularies are separate.
        self.detok = _load_spm(directory / "target.spm") if self.separate_vocabs else self.source
        self._split = re.compile("(" + "|".join(map(re.escape, sorted(self.special, key=len, reverse=True))) + ")")

    def encode(self, text: str) -> list[str]:
        """The source tokens of ``text``, ``</s>`` included, as the model reads them."""
        tokens: list[str] = []
        for chunk in self._split.split(text):
            if not chunk:
                continue
            if chunk in self.special:
                tokens.append(chunk)
                continue
            pieces = []
            if chunk.startswith(">>") and (end := chunk.find("<<")) != -1:
                pieces.append(chunk[: end + 2])
                chunk = chunk[end + 2 :]
            pieces += self.source.encode(chunk, out_type=str)
            tokens += [p if p in self.vocab else self.unk for p in pieces]
        tokens.append(self.eos)
        return tokens

    def encode_target(self, text: str) -> list[str]:
        """The target tokens of ``text`` as the model would produce them (no ``</s>``): pieces of
        the target SentencePiece model, ``<unk>`` for those outside the vocabulary."""
        if self._target is None:
            self._target = _load_spm(self._target_path)
        return [p if p in self.vocab else self.unk for p in self._target.encode(text, out_type=str)]

    def count(self, texts: Sequence[str]) -> list[int]:
        return [len(self.encode(t)) for t in texts]

    def decode(self, tokens: Sequence[str]) -> str:
        """The text of output ``tokens``, special tokens dropped (``skip_special_tokens``)."""
        text = self.detok.decode_pieces([t for t in tokens if t not in self.special])
        text = text.replace(_SPIECE_UNDERLINE, " ").strip()
        if self.clean_up_spaces:
            for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                         (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
                text = text.replace(a, b)
        return text


def _content(token) -> str:
    # tokenizer_config.json writes a special token as a string or as {"content": ...}.
    return token["content"] if isinstance(token, dict) else str(token)


def _read_json(path: Path, default=None):
    if not path.is_file():
        if default is not None:
            return default
        raise ModelError(f"{path.parent}: the tokenizer file {path.name} is missing")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot read {path}: {e}") from None


def _load_spm(path: Path) -> sentencepiece.SentencePieceProcessor:
    if not path.is_file():
        raise ModelError(f"{path.parent}: the tokenizer file {path.name} is missing")
    processor = sentencepiece.SentencePieceProcessor()
    try:
        processor.Load(str(path))
    except (OSError, RuntimeError) as e:
        raise ModelError(f"cannot read {path}: {e}") from None
    return processor
