"""Count what `translate` writes per segment row and how often it hashes a segment's text
(issue 15): the database work of the pipeline around the model, with an instant fake engine.

Four runs of one document through a new SQLite memory: (1) every segment by the model (its
fuzzy suggestions looked up while it works), (2) the same document again (every segment a
context match), (3) a variant with ``--fuzzy-reuse 80``, (4) another variant whose changed
sentences go to the model, each with a fuzzy suggestion. For each it prints the writes to
``segments`` rows (SQLite triggers count every INSERT and UPDATE of a row), the
transactions that made them (commits and savepoint releases), and the calls of ``text_hash`` on a segment's text.

Usage: ``python scripts/count_writes.py [--sentences 300]``; results in docs/memory.md.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tmtool import SQLiteMemory, translate_document  # noqa: E402
from tmtool.translate import Translator  # noqa: E402

WORDS = ("harga beras naik lima persen di pasar senen pagi ini kata pedagang kepada wartawan "
         "presiden bertemu dengan menteri luar negeri untuk membahas kerja sama ekonomi").split()


class Instant(Translator):
    """An engine that answers at once, so that only tmtool's own work is counted."""

    model_id = "instant"

    def translate_batch(self, texts: list[str]) -> list[str]:
        return [t.upper() for t in texts]


def document(n: int, seed: int = 0) -> str:
    """``n`` sentences, a tenth of them repeated, one paragraph each."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i and i % 10 == 0:
            out.append(out[rng.randrange(len(out))])
            continue
        out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + f" {i}.")
    return "\n\n".join(out) + "\n"


def measure(tm: SQLiteMemory, text: str, name: str, **options) -> dict:
    """Translate ``text`` as ``name`` and count the writes and hashes it took."""
    conn = tm.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS row_writes (n INTEGER)")
    conn.execute("DELETE FROM row_writes")
    for event in ("INSERT", "UPDATE"):
        conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS count_{event.lower()} AFTER {event} ON main.segments "
                     "BEGIN INSERT INTO row_writes VALUES (1); END")
    statements = {"commits": 0, "reads": 0, "writing": False}

    def trace(sql: str) -> None:
        # (Statements themselves are not counted: with a trigger, SQLite traces one several times.)
        # A read snapshot (a plain BEGIN: the store's consistent reads, such as each fuzzy lookup)
        # is counted apart from the write transactions (BEGIN IMMEDIATE) and their savepoints.
        head = sql.lstrip().upper()
        if head.startswith("BEGIN"):
            statements["writing"] = head.startswith("BEGIN IMMEDIATE")
        elif head.startswith("RELEASE") or (head.startswith("COMMIT") and statements["writing"]):
            statements["commits"] += 1
        elif head.startswith("COMMIT"):
            statements["reads"] += 1

    texts = {s for s in text.split("\n") if s.strip()}
    hashes = {"calls": 0}
    original = importlib.import_module("tmtool.memory.normalize").text_hash

    def counted(value: str) -> str:
        hashes["calls"] += value in texts
        return original(value)

    patched = [m for m in list(sys.modules.values())
               if m and m.__name__.startswith("tmtool") and getattr(m, "text_hash", None) is original]
    for m in patched:
        m.text_hash = counted
    conn.set_trace_callback(trace)
    started = time.perf_counter()
    try:
        result = translate_document(text, tm, Instant, name=name, **options)
    finally:
        conn.set_trace_callback(None)
        for m in patched:
            m.text_hash = original
    seconds = time.perf_counter() - started
    writes = conn.execute("SELECT count(*) FROM row_writes").fetchone()[0]
    n = len(result.segments)
    return {"segments": n, "row_writes": writes, "per_row": writes / n,
            "commits": statements["commits"], "reads": statements["reads"], "hashes_per_segment": hashes["calls"] / n, "seconds": seconds,
            "reused": result.reused, "translated": result.translated}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=300)
    args = parser.parse_args(argv)
    text = document(args.sentences)
    variant = text.replace(" 1", " 9")  # many fuzzy matches of the first
    other = text.replace(" 2", " 8")
    with tempfile.TemporaryDirectory() as tmp, SQLiteMemory(Path(tmp) / "tm.sqlite") as tm:
        runs = [("new document, all by the model", measure(tm, text, "a")),
                ("same document again, all reused (101)", measure(tm, text, "a")),
                ("variant with --fuzzy-reuse 80", measure(tm, variant, "b", fuzzy_reuse=80)),
                ("variant, the changed sentences by the model (fuzzy suggestions)", measure(tm, other, "c"))]
    print("| run | segments | reused / model | segment row writes (per row) | "
          "write transactions (and savepoints) committed | read snapshots | text_hash per segment | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for label, r in runs:
        print(f"| {label} | {r['segments']} | {r['reused']} / {r['translated']} | {r['row_writes']} "
              f"({r['per_row']:.2f}) | {r['commits']} | {r['reads']} | {r['hashes_per_segment']:.2f} "
              f"| {r['seconds']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
