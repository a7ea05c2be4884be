#!/usr/bin/env python3
"""Precision and recall of each QA check on the planted-defect set (issue 17; docs/qa.md).

Reads tests/data/qa/planted.jsonl (written by scripts/qa_planted.py) and the glossary
tests/data/qa/glossary-id-en.tbx. The ``pair`` set is checked pair by pair (every check but
consistency); the ``memory`` set is stored in a fresh memory with the article's clean pairs and
checked by ``qa_memory`` for consistency. A pair counts once per check: a true positive when the
check fires on a pair planted with that defect, a false positive when it fires on any other pair,
a false negative when it stays silent on a planted pair. Prints one row per check and the time.

    python scripts/bench_qa.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
DATA = REPO / "tests" / "data" / "qa"


def load(path: Path = DATA / "planted.jsonl") -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def glossary(path: Path = DATA / "glossary-id-en.tbx"):
    from tmtool.glossary.tbx import TbxReader

    with open(path, "rb") as f:
        return [e for _, e in TbxReader(f, path.name)]


def fired_by_pair(rows: list[dict], entries) -> list[set[str]]:
    """The checks that fired on each row, checked on its own."""
    from tmtool.qa import PairText, TermChecker, check_pair

    terms = TermChecker(entries, "id", "en")
    return [{f.check for f in check_pair(PairText(r["source"], r["target"]), terms)} for r in rows]


def fired_in_memory(rows: list[dict]) -> dict[int, set[str]]:
    """Consistency findings of the memory set plus the clean article pairs, by row number."""
    from tmtool import TranslationUnit
    from tmtool.memory import open_memory
    from tmtool.qa import qa_memory

    chosen = [n for n, r in enumerate(rows) if r["set"] == "memory" or (not r["defects"] and n < 20)]
    with tempfile.TemporaryDirectory() as tmp, open_memory(Path(tmp) / "tm.sqlite") as tm:
        ids = tm.add_units([TranslationUnit(None, source=rows[n]["source"], target=rows[n]["target"], src_lang="id",
                                            tgt_lang="en", origin="human") for n in chosen])
        row_of = dict(zip(ids, chosen))
        fired: dict[int, set[str]] = defaultdict(set)
        for f in qa_memory(tm).findings:
            if f.check == "consistency":
                fired[row_of[f.tu_id]].add("consistency")
    return fired


def evaluate(rows: list[dict] | None = None, entries=None) -> dict[str, dict[str, float]]:
    """Per check: planted, found (true positives), false positives, precision, recall."""
    from tmtool.qa import ALL_CHECKS

    rows = rows if rows is not None else load()
    entries = entries if entries is not None else glossary()
    fired = fired_by_pair(rows, entries)
    in_memory = fired_in_memory(rows)
    out = {}
    for check in ALL_CHECKS:
        tp = fp = fn = 0
        for n, r in enumerate(rows):
            hit = check in (in_memory.get(n, set()) if check == "consistency" else fired[n])
            planted = check in r["defects"]
            tp += hit and planted
            fp += hit and not planted
            fn += planted and not hit
        out[check] = {"planted": tp + fn, "found": tp, "false_positives": fp,
                      "precision": tp / (tp + fp) if tp + fp else 1.0,
                      "recall": tp / (tp + fn) if tp + fn else 1.0}
    return out


def misses(rows: list[dict] | None = None, entries=None) -> list[str]:
    """Every row where what fired differs from what was planted (pair checks), for debugging."""
    rows = rows if rows is not None else load()
    fired = fired_by_pair(rows, entries if entries is not None else glossary())
    return [f"{sorted(fired[n])} != {sorted(set(r['defects']) - {'consistency'})}: {r['target']!r}"
            for n, r in enumerate(rows) if fired[n] != set(r["defects"]) - {"consistency"}]


def held_out(entries=None) -> tuple[int, dict[str, int]]:
    """Findings per check on clean pairs nobody wrote for QA: the 1-1 and merged beads of
    tests/data/align/news-id-en (three Indonesian news items and their English, written for
    the alignment work of issue 6). Every finding there is a false alarm, or a glossary term
    the translator put another way."""
    from tmtool.qa import PairText, TermChecker, check_pair

    align = REPO / "tests" / "data" / "align"
    src = (align / "news-id-en.src.txt").read_text(encoding="utf-8").splitlines()
    tgt = (align / "news-id-en.tgt.txt").read_text(encoding="utf-8").splitlines()
    terms = TermChecker(entries if entries is not None else glossary(), "id", "en")
    pairs, by_check = 0, defaultdict(int)
    for line in (align / "news-id-en.gold").read_text(encoding="utf-8").splitlines():
        a, b = (json.loads(side) for side in line.split(":"))
        if a and b:
            pairs += 1
            pair = PairText(" ".join(src[i] for i in a), " ".join(tgt[i] for i in b))
            for f in check_pair(pair, terms):
                by_check[f.check] += 1
    return pairs, dict(by_check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list the rows a check got wrong")
    args = parser.parse_args()
    rows = load()
    start = time.perf_counter()
    result = evaluate(rows)
    seconds = time.perf_counter() - start
    if args.misses:
        print("\n".join(misses(rows)) or "no misses")
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"{len(rows)} pairs ({sum(1 for r in rows if not r['defects'])} clean), {seconds:.1f} s")
    print(f"{'check':<14}{'planted':>8}{'found':>7}{'false +':>9}{'precision':>11}{'recall':>8}")
    for check, r in result.items():
        print(f"{check:<14}{r['planted']:>8}{r['found']:>7}{r['false_positives']:>9}"
              f"{r['precision']:>11.2f}{r['recall']:>8.2f}")
    pairs, findings = held_out()
    print(f"held-out clean pairs (tests/data/align/news-id-en): {pairs} pairs, findings: "
          + (", ".join(f"{c} {n}" for c, n in sorted(findings.items())) or "none"))


if __name__ == "__main__":
    main()
