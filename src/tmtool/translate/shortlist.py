"""A vocabulary shortlist for the ct2 backend: the target tokens each source token may lead to.

At every decoding step a MarianMT model scores all 54,796 words of opus-mt-id-en's vocabulary;
that output projection is more than half of the work, times the number of beams (issue 8).
CTranslate2 can restrict it, batch by batch, to the union of the candidates of the batch's
source tokens (its ``vmap.txt``, "vocabulary mapping"). This module builds that table from
aligned sentence pairs (the translation memory itself, or a TMX/TSV/JSONL file), the way lexical
shortlists are built for Marian, but from co-occurrence rather than a word aligner:

- each source token keeps the ``per_token`` target tokens that co-occur with it most strongly
  (Dice coefficient over sentence pairs, at least ``min_count`` pairs);
- the ``frequent`` most frequent target tokens are always candidates (function words,
  punctuation);
- every source token that is also a target token maps to itself, seen in the data or not: names,
  numbers and codes are copied in translation, and a memory never has them all.

A shortlist can change a translation (a word the table misses cannot be produced), so it is an
option, never the default, and ``tmtool model shortlist --check`` measures how often it does.
Nothing here imports ctranslate2, torch or transformers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError, ModelError
from .ct2_cache import cache_root, model_slug, write_atomic
from .spm import SpmTokenizer

#: What ``build_shortlist`` keeps unless told otherwise.
PER_TOKEN = 50
FREQUENT = 1000
MIN_COUNT = 1
#: The metadata written next to a shortlist file (``<file>.json``).
META_SUFFIX = ".json"


@dataclass
class ShortlistInfo:
    """What a shortlist was built from and how big it is."""

    model: str
    pairs: int
    source_tokens: int  # lines of the table (source tokens with candidates)
    mean_candidates: float  # per source token, itself included
    frequent: int
    per_token: int
    min_count: int
    data: str
    created: str
    sha256: str = ""


def build_shortlist(
    pairs: Iterable[tuple[str, str]],
    tokenizer_dir: Path,
    out: Path,
    *,
    model: str = "",
    data: str = "",
    per_token: int = PER_TOKEN,
    frequent: int = FREQUENT,
    min_count: int = MIN_COUNT,
    max_pairs: int | None = None,
) -> ShortlistInfo:
    """Count ``pairs`` (source, target texts) with the model's tokenizer in ``tokenizer_dir`` and
    write the shortlist to ``out`` (CTranslate2's vmap format), atomically.

    ``max_pairs`` stops reading after that many usable pairs (the counts of a few hundred
    thousand pairs are as good as a million's for this).
    """
    import numpy as np

    if per_token < 0 or frequent < 0 or min_count < 1:
        raise ValueError("per_token and frequent must be >= 0, min_count >= 1")
    tok = SpmTokenizer(tokenizer_dir)
    require_shared_vocabulary(tok, str(tokenizer_dir))
    vocab = sorted(tok.vocab)
    index = {t: i for i, t in enumerate(vocab)}
    size = len(vocab)
    skip = {index[t] for t in tok.special if t in index}

    source_count = np.zeros(size, dtype=np.int64)
    target_count = np.zeros(size, dtype=np.int64)
    pair_keys: list = []  # int64 arrays of source_id * size + target_id, one per pair
    pending = 0
    merged_keys = np.zeros(0, dtype=np.int64)
    merged_counts = np.zeros(0, dtype=np.int64)

    def merge():
        # Sort the new keys and count runs, then fold them into the running (sorted, unique)
        # counts: two sorted runs, which a stable sort merges in about linear time.
        nonlocal merged_keys, merged_counts, pair_keys, pending
        if not pair_keys:
            return
        raw = np.sort(np.concatenate(pair_keys))
        starts = np.flatnonzero(np.r_[True, raw[1:] != raw[:-1]])
        keys = np.concatenate([merged_keys, raw[starts]])
        counts = np.concatenate([merged_counts, np.diff(np.r_[starts, len(raw)])])
        order = np.argsort(keys, kind="stable")
        keys, counts = keys[order], counts[order]
        firsts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        merged_keys, merged_counts = keys[firsts], np.add.reduceat(counts, firsts)
        pair_keys, pending = [], 0

    used = 0
    for source, target in pairs:
        if not source or not target or not source.strip() or not target.strip():
            continue
        s = np.fromiter({index[t] for t in tok.encode(source) if t in index} - skip, dtype=np.int64)
        t = np.fromiter({index[x] for x in tok.encode_target(target) if x in index} - skip, dtype=np.int64)
        if not len(s) or not len(t):
            continue
        source_count[s] += 1
        target_count[t] += 1
        keys = (s[:, None] * size + t[None, :]).ravel()
        pair_keys.append(keys)
        pending += len(keys)
        if pending > 1_000_000:
            merge()
        used += 1
        if max_pairs is not None and used >= max_pairs:
            break
    if used == 0:
        raise InputError("no usable sentence pairs to build a shortlist from")
    merge()

    # Strongest co-occurring targets of each source token, by Dice coefficient.
    src = merged_keys // size
    tgt = merged_keys % size
    keep = merged_counts >= min_count
    src, tgt, counts = src[keep], tgt[keep], merged_counts[keep]
    dice = 2.0 * counts / (source_count[src] + target_count[tgt])
    order = np.lexsort((tgt, -dice, src))  # by source, strongest first, ties by id
    src, tgt = src[order], tgt[order]
    starts = np.searchsorted(src, src, side="left")
    rank = np.arange(len(src)) - starts
    keep = rank < per_token
    src, tgt = src[keep], tgt[keep]

    candidates: dict[int, list[int]] = {}
    bounds = np.flatnonzero(np.diff(src)) + 1
    for group in np.split(np.arange(len(src)), bounds) if len(src) else []:
        candidates[int(src[group[0]])] = tgt[group].tolist()
    # Copies: every source-side piece that the target side can produce maps to itself.
    for piece in _source_pieces(tok):
        i = index.get(piece)
        if i is not None and i not in skip:
            own = candidates.setdefault(i, [])
            candidates[i] = [i] + [j for j in own if j != i]
    top = [int(i) for i in np.argsort(-target_count, kind="stable")[:frequent] if target_count[i] > 0]

    lines = ["\t" + " ".join(vocab[i] for i in top) + "\n"]
    total = 0
    for i in sorted(candidates, key=lambda i: vocab[i]):
        if not _plain(vocab[i]):
            continue
        targets = [vocab[j] for j in candidates[i] if _plain(vocab[j])]
        total += len(targets)
        lines.append(vocab[i] + "\t" + " ".join(targets) + "\n")
    info = ShortlistInfo(
        model=model, pairs=used, source_tokens=len(lines) - 1,
        mean_candidates=round(total / max(1, len(lines) - 1), 2), frequent=len(top), per_token=per_token,
        min_count=min_count, data=data, created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    text = "".join(lines)
    info.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    _write_atomic(out, text)
    _write_atomic(meta_path(out), json.dumps(asdict(info), ensure_ascii=False, indent=1) + "\n")
    return info


def pairs_from_memory(tm, src_lang: str | None = None, tgt_lang: str | None = None):
    """(source, target) of every unit of ``tm`` in that language pair that is not rejected, inline
    tags left out."""
    from ..inline import strip_markers

    for unit in tm.iter_units(src_lang=src_lang, tgt_lang=tgt_lang):
        if unit.status != "rejected":
            yield strip_markers(unit.source), strip_markers(unit.target)


def pairs_from_file(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None,
                    fmt: str | None = None, encoding: str | None = None):
    """(source, target) of every unit a TMX, TSV or JSONL file holds, read as ``tm import`` reads it."""
    from ..formats import detect_format, unit_reader
    from ..inline import strip_markers
    from ..textio import open_binary

    with open_binary(path) as stream:
        reader = unit_reader(stream, detect_format(path, fmt), str(path), src_lang, tgt_lang, encoding)
        for _, unit in reader:
            yield strip_markers(unit.source), strip_markers(unit.target)


@dataclass
class ShortlistCheck:
    """The same sentences translated with and without a shortlist."""

    sentences: int
    same: int
    full_seconds: float
    shortlist_seconds: float
    differences: list[tuple[str, str, str]]  # (source, without, with), the first few


def check_shortlist(model: str, shortlist: Path, sources: list[str], **options) -> ShortlistCheck:
    """Translate ``sources`` with the ct2 backend without and then with ``shortlist``; ``options``
    go to both translators (beams, threads, compute_type, device, ...)."""
    import time

    from . import get_translator

    results, seconds = [], []
    for extra in ({}, {"shortlist": shortlist}):
        engine = get_translator("ct2", model=model, **options, **extra)
        started = time.perf_counter()
        results.append(engine.translate(sources))
        seconds.append(time.perf_counter() - started)
    full, short = results
    differences = [(s, a, b) for s, a, b in zip(sources, full, short) if a != b]
    return ShortlistCheck(len(sources), len(sources) - len(differences), seconds[0], seconds[1], differences[:5])


def meta_path(shortlist: Path) -> Path:
    return shortlist.with_name(shortlist.name + META_SUFFIX)


def read_info(shortlist: Path) -> dict | None:
    try:
        data = json.loads(meta_path(shortlist).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def default_path(model: str) -> Path:
    """Where ``tmtool model shortlist`` writes when no ``-o`` is given: tmtool's cache."""
    return cache_root() / "shortlists" / f"{model_slug(model)}.vmap"


def check_file(path: Path) -> Path:
    """``path`` if it reads as a shortlist (CTranslate2 vmap), else a one-line :class:`ModelError`."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            first = f.readline(1 << 20)
    except (OSError, UnicodeDecodeError) as e:
        raise ModelError(f"cannot read the shortlist {path}: {getattr(e, 'strerror', None) or e}") from None
    if first and "\t" not in first:
        raise ModelError(f"{path} is not a vocabulary shortlist (its lines are SOURCE<TAB>TARGETS ...); "
                         "make one with `tmtool model shortlist`")
    return path


def require_shared_vocabulary(tok: SpmTokenizer, model: str) -> None:
    """Shortlists are built for models whose source and target share one vocabulary (all OPUS-MT
    models tmtool knows, opus-mt-id-en among them); a model with two would need a second table."""
    if tok.separate_vocabs:
        raise ModelError(f"{model} has separate source and target vocabularies; "
                         "vocabulary shortlists support shared ones only")


def check_vocabulary(path: Path, vocabulary: set[str], model: str, sample_bytes: int = 4 << 20) -> None:
    """Refuse a shortlist made for another model: CTranslate2 would quietly map its unknown words
    to ``<unk>`` and the translations would be garbage. Reads at most ``sample_bytes``."""
    known = total = 0
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(sample_bytes)
    except OSError as e:
        raise ModelError(f"cannot read the shortlist {path}: {e.strerror or e}") from None
    for line in text.splitlines()[:2000]:
        for token in line.replace("\t", " ").split():
            total += 1
            known += token in vocabulary
    if total and known / total < 0.5:
        raise ModelError(
            f"the shortlist {path} does not fit {model}: {known / total:.0%} of its words are in the model's "
            "vocabulary; build one for this model with `tmtool model shortlist`"
        )


def _source_pieces(tok: SpmTokenizer) -> list[str]:
    sp = tok.source
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _plain(token: str) -> bool:
    # vmap.txt separates tokens by spaces and sides by a tab; SentencePiece pieces have neither.
    return bool(token) and not any(c.isspace() for c in token)


def _write_atomic(path: Path, text: str) -> None:
    try:
        write_atomic(Path(path), text)
    except OSError as e:
        raise ModelError(f"cannot write {path}: {e.strerror or e}") from None
