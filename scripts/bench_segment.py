#!/usr/bin/env python
"""Score and time sentence segmenters on the UD Indonesian data (issue 3).

Metric (tests/data/ud-id/README.md): boundary precision, recall and F1, micro-averaged over
documents. A boundary is the offset just after a sentence's last character; the end of each
document is not counted, and the offsets in a document's ``optional`` list count either way.

    python scripts/bench_segment.py                  # tmtool on test + dev splits, with timing
    python scripts/bench_segment.py --anchors        # also pysbd, sentencex, blingfire if installed
    python scripts/bench_segment.py --errors 30 --splits gsd-dev csui-train
    python scripts/bench_segment.py --srx rules.srx  # score an SRX rule file
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "ud-id"
TEST_SPLITS = ("gsd-test", "csui-test")
DEV_SPLITS = ("gsd-dev", "csui-train")

Spans = list[tuple[int, int]]
SegmentFn = Callable[[str], Spans]


@dataclass
class Doc:
    """One UD window: running text, gold sentence-end offsets, optional offsets."""

    doc_id: str
    text: str
    gold: set[int]
    optional: set[int]
    sentences: int


@dataclass
class Score:
    """Micro-averaged boundary counts, plus the errors for inspection."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    docs: int = 0
    perfect: int = 0
    errors: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, doc_id, offset)

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.docs += other.docs
        self.perfect += other.perfect
        self.errors += other.errors

    @property
    def precision(self) -> float:
        return 100.0 * self.tp / (self.tp + self.fp) if self.tp + self.fp else 100.0

    @property
    def recall(self) -> float:
        return 100.0 * self.tp / (self.tp + self.fn) if self.tp + self.fn else 100.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_split(data: Path, name: str) -> list[Doc]:
    """Read ``NAME.jsonl``; the gold boundaries are the ends of all sentences but the last."""
    docs = []
    with open(data / f"{name}.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            text = d["text"]
            gold = gold_ends(text, d["sentences"])
            docs.append(Doc(d["doc_id"], text, gold, set(d.get("optional", ())), len(d["sentences"])))
    return docs


def gold_ends(text: str, sentences: Sequence[str]) -> set[int]:
    """Offsets just after each gold sentence, found in order, without the end of the document."""
    ends, pos = set(), 0
    for sentence in sentences:
        pos = text.index(sentence, pos) + len(sentence)
        ends.add(pos)
    ends.discard(len(text.rstrip()))
    return ends


def score_docs(docs: Sequence[Doc], segment: SegmentFn) -> Score:
    """Compare predicted sentence ends with the gold ones, document by document."""
    total = Score()
    for doc in docs:
        end_of_doc = len(doc.text.rstrip())
        predicted = {end for _, end in segment(doc.text) if end < end_of_doc} - doc.optional
        gold = doc.gold - doc.optional
        s = Score(len(predicted & gold), len(predicted - gold), len(gold - predicted), 1)
        s.perfect = int(s.fp == s.fn == 0)
        s.errors = [("FP", doc.doc_id, o) for o in sorted(predicted - gold)]
        s.errors += [("FN", doc.doc_id, o) for o in sorted(gold - predicted)]
        total.add(s)
    return total


def spans_from_strings(text: str, sentences: Sequence[str]) -> Spans:
    """Map a segmenter's sentence strings back to offsets (they may be stripped or re-spaced)."""
    spans, pos = [], 0
    for sentence in sentences:
        s = sentence.strip()
        if not s:
            continue
        start = text.find(s, pos)
        if start < 0:  # the segmenter changed the text: keep the boundary where the length says
            start = pos
        spans.append((start, start + len(s)))
        pos = start + len(s)
    return spans


def tmtool_segmenter(srx: str | None = None, abbrev: str | None = None) -> SegmentFn:
    from tmtool.segment import Segmenter

    seg = Segmenter(srx_path=srx, abbrev_path=abbrev)
    return lambda text: [(s.start, s.end) for s in seg.segment(text)]


def anchor_segmenters() -> dict[str, SegmentFn]:
    """The public segmenters the issue compares against, for those that are installed."""
    found: dict[str, SegmentFn] = {}
    try:
        import pysbd

        sbd = pysbd.Segmenter(language="en", clean=False, char_span=False)
        found["pysbd (en)"] = lambda t: spans_from_strings(t, sbd.segment(t))
    except ImportError:
        pass
    try:
        import sentencex

        found["sentencex (id)"] = lambda t: spans_from_strings(t, list(sentencex.segment("id", t)))
    except ImportError:
        pass
    try:
        import blingfire

        found["blingfire"] = lambda t: spans_from_strings(t, blingfire.text_to_sentences(t).split("\n"))
    except ImportError:
        pass
    return found


def function_segmenter(spec: str) -> SegmentFn:
    """``module:function`` returning sentence strings or objects with ``start``/``end``."""
    module, _, name = spec.partition(":")
    fn = getattr(importlib.import_module(module), name)

    def run(text: str) -> Spans:
        out = list(fn(text))
        if out and hasattr(out[0], "start"):
            return [(s.start, s.end) for s in out]
        return spans_from_strings(text, out)

    return run


def time_segmenter(docs: Sequence[Doc], segment: SegmentFn, seconds: float = 2.0) -> tuple[float, float]:
    """Gold sentences per second and MB of text per second, best of repeated passes."""
    sentences = sum(d.sentences for d in docs)
    chars = sum(len(d.text) for d in docs)
    best, spent = float("inf"), 0.0
    while spent < seconds:
        t0 = time.perf_counter()
        for d in docs:
            segment(d.text)
        elapsed = time.perf_counter() - t0
        best, spent = min(best, elapsed), spent + elapsed
    return sentences / best, chars / best / 1e6


def show_errors(docs: Sequence[Doc], score: Score, limit: int) -> None:
    texts = {d.doc_id: d.text for d in docs}
    for kind, doc_id, offset in score.errors[:limit]:
        t = texts[doc_id]
        print(f"{kind} {doc_id}@{offset}: {t[max(0, offset - 60):offset]!r} | {t[offset:offset + 40]!r}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA, help="folder with NAME.jsonl (default: %(default)s)")
    ap.add_argument("--splits", nargs="+", default=list(TEST_SPLITS + DEV_SPLITS))
    ap.add_argument("--srx", help="score the rules of this SRX file instead of the built-in ones")
    ap.add_argument("--abbrev", help="extra abbreviation file for tmtool")
    ap.add_argument("--segmenter", action="append", default=[], help="also score module:function")
    ap.add_argument("--anchors", action="store_true", help="also score pysbd, sentencex, blingfire if installed")
    ap.add_argument("--errors", type=int, default=0, help="print up to N errors of the first segmenter")
    ap.add_argument("--no-timing", action="store_true")
    args = ap.parse_args(argv)

    splits = {name: load_split(args.data, name) for name in args.splits}
    segmenters: dict[str, SegmentFn] = {"tmtool": tmtool_segmenter(args.srx, args.abbrev)}
    segmenters.update({spec: function_segmenter(spec) for spec in args.segmenter})
    if args.anchors:
        segmenters.update(anchor_segmenters())

    groups = [(n, [n]) for n in args.splits]
    for label, members in (("pooled test", TEST_SPLITS), ("pooled dev", DEV_SPLITS)):
        if all(m in splits for m in members):
            groups.append((label, list(members)))

    print(f"{'segmenter':<16} {'split':<12} {'P':>6} {'R':>6} {'F1':>6} {'perfect docs':>13} {'FP':>4} {'FN':>4}")
    for i, (name, fn) in enumerate(segmenters.items()):
        for label, members in groups:
            docs = [d for m in members for d in splits[m]]
            s = score_docs(docs, fn)
            share = f"{s.perfect}/{s.docs}"
            prf = f"{s.precision:6.2f} {s.recall:6.2f} {s.f1:6.2f}"
            print(f"{name:<16} {label:<12} {prf} {share:>13} {s.fp:4} {s.fn:4}")
            if i == 0 and args.errors and label in splits:
                show_errors(docs, s, args.errors)
    if not args.no_timing:
        docs = [d for ds in splits.values() for d in ds]
        for name, fn in segmenters.items():
            rate, mbs = time_segmenter(docs, fn)
            print(f"speed {name}: {rate:,.0f} sentences/s ({mbs:.1f} MB/s of text, one core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
