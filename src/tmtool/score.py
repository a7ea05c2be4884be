"""Scores with sacrebleu: corpus BLEU, chrF and TER, sentence BLEU and chrF, each with its signature.

The corpus figures are sacrebleu's own ``corpus_score`` on the same lines its command line reads,
so they equal ``sacrebleu REF -i HYP -m bleu chrf ter`` to the printed precision (issue 4).
sacrebleu is imported inside the functions: starting the CLI does not load it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, UsageError
from .memory.records import StoredCorpusScore, StoredScore
from .textio import read_text

if TYPE_CHECKING:
    from .memory import TranslationMemory

METRICS = ("bleu", "chrf", "ter")
#: Stored on every scored pair; sentence BLEU uses effective order, as ``sacrebleu -sl`` does.
SENTENCE_METRICS = ("bleu", "chrf")
#: sacrebleu's own default seed for bootstrap resampling (``SACREBLEU_SEED``).
DEFAULT_SEED = 12345
DEFAULT_BOOTSTRAP = 1000
#: The longest line a hypothesis or reference file may have, in characters. A line is one
#: segment: a sentence or a paragraph. TER's shift search grows faster than the line, so a
#: whole document on one line (or a hostile 20 MB one) would run for hours; it is refused.
MAX_LINE_CHARS = 10_000


@dataclass(frozen=True)
class CorpusScore:
    """A corpus score as sacrebleu computed it; :meth:`format` prints it as sacrebleu does."""

    metric: str  # sacrebleu's name: BLEU, chrF2, TER
    score: float
    signature: str
    ci_mean: float | None = None  # bootstrap mean and 95% half-interval (--confidence)
    ci_half: float | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    def format(self, width: int = 1) -> str:
        """``NAME|signature = score ...``, the line ``sacrebleu -f text`` prints."""
        return self.raw.format(width, signature=self.signature)

    def as_dict(self, width: int = 1) -> dict:
        """The object ``sacrebleu`` prints for this metric in its JSON output."""
        return json.loads(self.raw.format(width, signature=self.signature, is_json=True))


@dataclass(frozen=True)
class SentenceScore:
    metric: str
    score: float
    signature: str


@dataclass(frozen=True)
class ScoredSegment:
    """One hypothesis line with its references and sentence scores."""

    index: int  # segment index in the document, or line number - 1 in a file
    hypothesis: str
    refs: tuple[str, ...]
    scores: dict[str, SentenceScore]
    tu_id: int | None = None
    how: str | None = None  # --ref-from-tm: "accepted", "edited" or "tm"

    def score(self, metric: str) -> float | None:
        s = self.scores.get(metric)
        return s.score if s else None


@dataclass
class ScoreResult:
    """Everything one scoring run produced."""

    corpus: list[CorpusScore]
    segments: list[ScoredSegment]
    references: list[str]  # where the references came from (file names, or the memory)
    document: str | None = None
    ref_kind: str = "file"
    unscored: int = 0  # --ref-from-tm: translated segments with no MT text or no approved target

    def worst(self, n: int = 5, metric: str = "BLEU") -> list[ScoredSegment]:
        """The ``n`` segments with the lowest sentence ``metric`` (ties in document order)."""
        ranked = [s for s in self.segments if s.score(metric) is not None]
        return sorted(ranked, key=lambda s: (s.score(metric), s.index))[:n]


def parse_metrics(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"bleu,chrf"`` -> ``("bleu", "chrf")``, checked against :data:`METRICS`."""
    names = text.split(",") if isinstance(text, str) else list(text)
    out = tuple(dict.fromkeys(n.strip().lower() for n in names if n.strip()))
    bad = [n for n in out if n not in METRICS]
    if bad or not out:
        raise UsageError(f"unknown metric {', '.join(bad) or '(none)'}; choose from {','.join(METRICS)}")
    return out


def read_lines(path: str | Path, encoding: str | None = None) -> list[str]:
    """The lines of a hypothesis or reference file, read as the ``sacrebleu`` command reads them:
    split at ``\\n`` only, trailing whitespace (``\\r`` too) removed from each line. An empty
    file, or a line over :data:`MAX_LINE_CHARS`, is an :class:`InputError`."""
    text = read_text(path, encoding)
    if not text.strip():
        raise InputError(f"{path}: empty file, nothing to score")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    lines = [line.rstrip() for line in lines]
    for n, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_CHARS:
            raise InputError(
                f"{path}:{n}: a line of {len(line):,} characters, over the limit of {MAX_LINE_CHARS:,} "
                "for one segment; give one sentence or paragraph per line (`tmtool segment` splits a text)"
            )
    return lines


def corpus_scores(
    hyps: Sequence[str],
    refs: Sequence[Sequence[str]],
    metrics: Sequence[str] = METRICS,
    *,
    n_bootstrap: int = 1,
    seed: int | None = DEFAULT_SEED,
) -> list[CorpusScore]:
    """Corpus scores of ``hyps`` against the reference streams ``refs`` (one list per reference,
    each as long as ``hyps``). ``n_bootstrap`` > 1 adds sacrebleu's bootstrap 95% confidence
    interval, resampled with ``seed`` (None: ``$SACREBLEU_SEED`` or sacrebleu's default)."""
    _check_streams(hyps, refs)
    out = []
    with _seeded(seed if n_bootstrap > 1 else None):
        for name in parse_metrics(metrics):
            metric = _metric(name)
            raw = metric.corpus_score(list(hyps), [list(r) for r in refs], n_bootstrap=n_bootstrap)
            ci = n_bootstrap > 1
            out.append(CorpusScore(
                raw.name, raw.score, metric.get_signature().format(),
                raw._mean if ci else None, raw._ci if ci else None, raw,
            ))
    return out


def sentence_scores(
    hyps: Sequence[str], refs: Sequence[Sequence[str]], metrics: Sequence[str] = SENTENCE_METRICS
) -> list[dict[str, SentenceScore]]:
    """Sentence-level scores of each hypothesis, by sacrebleu metric name."""
    _check_streams(hyps, refs)
    out: list[dict[str, SentenceScore]] = [{} for _ in hyps]
    for name in parse_metrics(metrics):
        metric = _metric(name, sentence=True)
        for i, hyp in enumerate(hyps):
            s = metric.sentence_score(hyp, [r[i] for r in refs])
            out[i][s.name] = SentenceScore(s.name, s.score, metric.get_signature().format())
    return out


def score_lines(
    hyps: Sequence[str],
    refs: Sequence[Sequence[str]],
    metrics: Sequence[str] = METRICS,
    *,
    n_bootstrap: int = 1,
    seed: int | None = DEFAULT_SEED,
    indices: Sequence[int] | None = None,
) -> tuple[list[CorpusScore], list[ScoredSegment]]:
    """Corpus scores and per-line sentence scores in one call."""
    if not hyps:
        raise InputError("nothing to score: no hypothesis lines")
    corpus = corpus_scores(hyps, refs, metrics, n_bootstrap=n_bootstrap, seed=seed)
    per_line = sentence_scores(hyps, refs)
    segments = [
        ScoredSegment(indices[i] if indices else i, h, tuple(r[i] for r in refs), per_line[i])
        for i, h in enumerate(hyps)
    ]
    return corpus, segments


def score_files(
    hyp_path: str | Path,
    ref_paths: Sequence[str | Path],
    metrics: Sequence[str] = METRICS,
    *,
    n_bootstrap: int = 1,
    seed: int | None = DEFAULT_SEED,
    encoding: str | None = None,
) -> ScoreResult:
    """Score a hypothesis file against reference files, one line per segment each
    (``encoding``: theirs, when not UTF-8 or marked by a byte-order mark)."""
    hyps = read_lines(hyp_path, encoding)
    refs = _read_refs(ref_paths, len(hyps), f"{hyp_path} has {_n(len(hyps), 'line')}", encoding)
    corpus, segments = score_lines(hyps, refs, metrics, n_bootstrap=n_bootstrap, seed=seed)
    return ScoreResult(corpus, segments, [str(p) for p in ref_paths])


def score_document(
    tm: TranslationMemory,
    name: str,
    ref_paths: Sequence[str | Path],
    metrics: Sequence[str] = METRICS,
    *,
    n_bootstrap: int = 1,
    seed: int | None = DEFAULT_SEED,
    width: int = 1,
    align: bool = False,
    encoding: str | None = None,
) -> ScoreResult:
    """Score document ``name``'s current targets against reference files (one line per segment)
    and store the scores on its pairs, replacing the previous run's.

    With ``align`` the one reference is a whole document, not split per segment: its sentences
    are aligned to the targets first (issue 6), and segments left without a reference are not
    scored but counted in ``unscored``.
    """
    pairs = tm.document_pairs(name)
    missing = [p.segment.index + 1 for p in pairs if p.unit is None]
    if missing:
        raise InputError(
            f"document {name!r} has {_n(len(missing), 'untranslated segment')} "
            f"({_first(missing)}); translate it first"
        )
    hyps = [p.unit.target for p in pairs]
    unaligned = 0
    if align:
        pairs, refs, unaligned = _aligned_refs(pairs, hyps, ref_paths, encoding)
        hyps = [p.unit.target for p in pairs]
    else:
        refs = _read_refs(ref_paths, len(hyps), f"document {name!r} has {_n(len(hyps), 'segment')}",
                          encoding, hint="; or, if it is the whole translated article, add --align to "
                          "align its sentences to the segments")
    corpus, segments = score_lines(
        hyps, refs, metrics, n_bootstrap=n_bootstrap, seed=seed, indices=[p.segment.index for p in pairs]
    )
    segments = [_with(s, tu_id=p.unit.id) for s, p in zip(segments, pairs)]
    result = ScoreResult(
        corpus, segments, [str(p) for p in ref_paths], name, "aligned" if align else "file", unaligned
    )
    store_scores(tm, result, width=width)
    return result


def _aligned_refs(pairs, hyps: list[str], ref_paths: Sequence[str | Path], encoding: str | None = None):
    """The pairs that the reference document aligns to, their references, and how many are left."""
    from .align.document import align_reference

    if len(ref_paths) != 1:
        raise UsageError("--align takes exactly one reference document (--ref)")
    aligned, unaligned = align_reference(hyps, read_text(ref_paths[0], encoding))
    keep = [i for i, r in enumerate(aligned) if r is not None]
    if not keep:
        raise InputError(f"{ref_paths[0]}: no sentence of it could be aligned to the document's segments")
    return [pairs[i] for i in keep], [[aligned[i] for i in keep]], unaligned


def score_against_tm(
    tm: TranslationMemory,
    name: str,
    metrics: Sequence[str] = METRICS,
    *,
    n_bootstrap: int = 1,
    seed: int | None = DEFAULT_SEED,
    width: int = 1,
) -> ScoreResult:
    """Score what the model said for document ``name`` against the targets people approved.

    The hypothesis of a segment is its model output (kept in the history when a person edited
    it); the reference is its unit's target once approved (``accepted`` as it was, or
    ``edited``), else another approved human unit for the same source (``tm``). Segments with
    no model output or no approved target are left out and counted in ``unscored``.
    """
    doc = tm.get_document(name)
    pairs = [p for p in tm.document_pairs(name) if p.unit is not None]
    machine = tm.machine_targets(p.unit.id for p in pairs)
    pending = [p.segment.text for p in pairs if p.unit.status != "approved"]
    others = tm.approved_targets(pending, doc.src_lang, doc.tgt_lang)
    rows = []
    for p in pairs:
        hyp = machine.get(p.unit.id)
        if hyp is None:
            continue
        if p.unit.status == "approved":
            rows.append((p, hyp, p.unit.target, "accepted" if p.unit.origin == "mt" else "edited"))
        elif p.segment.text in others:
            rows.append((p, hyp, others[p.segment.text].target, "tm"))
    if not rows:
        raise InputError(
            f"no machine-translated pair of {name!r} has an approved target yet; review it first "
            f"(tmtool review --doc {name!r}) or pass --ref"
        )
    corpus, segments = score_lines(
        [r[1] for r in rows], [[r[2] for r in rows]], metrics,
        n_bootstrap=n_bootstrap, seed=seed, indices=[r[0].segment.index for r in rows],
    )
    segments = [_with(s, tu_id=r[0].unit.id, how=r[3]) for s, r in zip(segments, rows)]
    result = ScoreResult(
        corpus, segments, ["approved targets in the translation memory"], name, "tm",
        unscored=len(pairs) - len(rows),
    )
    store_scores(tm, result, width=width)
    return result


def store_scores(tm: TranslationMemory, result: ScoreResult, *, width: int = 1) -> None:
    """Store ``result`` on its document: corpus scores and each pair's sentence scores."""
    from .memory.core import now

    if result.document is None:
        raise UsageError("only the scores of a stored document can be stored")
    stamp = now()
    corpus = [
        StoredCorpusScore(c.metric, c.score, c.signature, c.format(width), c.ci_mean, c.ci_half,
                          len(result.segments), result.ref_kind, stamp)
        for c in result.corpus
    ]
    sentences = [
        (s.index, StoredScore(m.metric, m.score, m.signature, s.hypothesis, s.refs, result.ref_kind, stamp))
        for s in result.segments
        for m in s.scores.values()
    ]
    tm.save_scores(result.document, corpus, sentences)


def _metric(name: str, sentence: bool = False):
    from sacrebleu.metrics import BLEU, CHRF, TER

    if name == "bleu":
        return BLEU(effective_order=sentence)
    return {"chrf": CHRF, "ter": TER}[name]()


@contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    # sacrebleu reads its bootstrap seed only from the environment (significance.py).
    if seed is None:
        yield
        return
    old = os.environ.get("SACREBLEU_SEED")
    os.environ["SACREBLEU_SEED"] = str(seed)
    try:
        yield
    finally:
        if old is None:
            del os.environ["SACREBLEU_SEED"]
        else:
            os.environ["SACREBLEU_SEED"] = old


def _read_refs(
    paths: Sequence[str | Path], expected: int, hyp_side: str, encoding: str | None = None, hint: str = ""
) -> list[list[str]]:
    if not paths:
        raise UsageError("give at least one reference file (--ref), or --ref-from-tm")
    refs = []
    for path in paths:
        lines = read_lines(path, encoding)
        if len(lines) != expected:
            raise InputError(
                f"{path} has {_n(len(lines), 'line')} but {hyp_side}; give one reference line per "
                f"segment, in order{hint}"
            )
        refs.append(lines)
    return refs


def _check_streams(hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> None:
    if not refs:
        raise UsageError("no reference given")
    for i, r in enumerate(refs, 1):
        if len(r) != len(hyps):
            raise InputError(f"reference {i} has {_n(len(r), 'line')} but there are {_n(len(hyps), 'hypothesis')}")


def _with(s: ScoredSegment, **changes) -> ScoredSegment:
    return replace(s, **changes)


def _n(count: int, noun: str) -> str:
    from .terminal import plural

    return plural(count, noun)


def _first(numbers: list[int], k: int = 5) -> str:
    shown = ", ".join(f"#{n}" for n in numbers[:k])
    return shown + (", ..." if len(numbers) > k else "")
