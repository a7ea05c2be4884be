"""Benchmark the translation memory at scale: TMX import, exact and fuzzy lookup (issue 9).

Generates a TM of realistic Indonesian near-duplicates (sentences from a word-bigram model of
the UD Indonesian text in tests/data/ud-id, half of them variants of earlier ones: a word or
three replaced, inserted or dropped, numbers changed, case or punctuation changed), writes it
as TMX, imports it with `tmtool tm import` in a child process (time and peak memory), then
measures from one open memory:

* exact lookup latency (lookup_exact of one stored source);
* fuzzy lookup latency (search_fuzzy, threshold 75, top 1) for queries that are fresh variants
  of stored units (and a share of unrelated sentences), and recall@1 against a rapidfuzz brute
  force over every source (same score; a tie at the best score counts as found);
* a one-off `tmtool tm search` end to end (a new process: start-up, open, look up, print);
* several concurrent clients (processes, each with its own connection): fuzzy lookups per second
  and their latency, and units added per second by writers adding batches of new units.

Both back ends (issue 7): ``--backend postgres --dsn URL`` runs the same on a PostgreSQL server, in
a schema of its own (``tmbench_<units>``, replaced unless ``--reuse``).

    python scripts/bench_memory.py --units 1000000 --queries 300 --workdir /tmp/tmbench
    python scripts/bench_memory.py --backend postgres --dsn postgresql://postgres@127.0.0.1/bench \
        --units 1000000 --clients 4

Results are printed as JSON (and written to WORKDIR/results.json); docs/memory.md keeps them.
Pinned to one core with `taskset -c 0` when available (the goal is per core).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UD = REPO / "tests" / "data" / "ud-id"


def corpus_sentences() -> list[list[str]]:
    sents = []
    for path in sorted(UD.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("text", "")
            for s in re.split(r"(?<=[.!?])\s+", text):
                words = s.split()
                if 4 <= len(words) <= 40:
                    sents.append(words)
    return sents


class Generator:
    """Sentences from a word-bigram chain, and near-duplicate variants of them."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.next: dict[str, list[str]] = {}
        self.starts: list[str] = []
        self.vocab: list[str] = []
        for words in corpus_sentences():
            self.starts.append(words[0])
            for a, b in zip(words, words[1:]):
                self.next.setdefault(a, []).append(b)
            self.vocab += words

    def sentence(self) -> str:
        rng = self.rng
        w = rng.choice(self.starts)
        out = [w]
        target = rng.choice((6, 9, 12, 15, 18, 22, 28))
        while len(out) < target:
            nxt = self.next.get(w)
            w = rng.choice(nxt) if nxt and rng.random() < 0.9 else rng.choice(self.vocab)
            out.append(w)
        s = " ".join(out).rstrip(",;:")
        return s if s[-1] in ".!?\"”" else s + "."

    def variant(self, s: str) -> str:
        rng = self.rng
        words = s.split()
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            op = rng.random()
            i = rng.randrange(len(words))
            if op < 0.45:
                words[i] = rng.choice(self.vocab)
            elif op < 0.6 and len(words) > 4:
                del words[i]
            elif op < 0.75:
                words.insert(i, rng.choice(self.vocab))
            elif op < 0.9:
                words[i] = str(rng.randint(1, 2030))
            else:
                words[i] = words[i].upper() if rng.random() < 0.5 else words[i].strip(".,") + ","
        return " ".join(words)


def write_tmx(path: Path, n: int, seed: int) -> list[str]:
    """Write n units; returns a sample of the sources (for queries)."""
    from tmtool.inline import escape_text

    gen = Generator(seed)
    pool: list[str] = []
    sample = []
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n<header creationtool="bench" '
                'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="id" '
                'datatype="plaintext"/>\n<body>\n')
        for i in range(n):
            if pool and gen.rng.random() < 0.5:
                src = gen.variant(gen.rng.choice(pool))
            else:
                src = gen.sentence()
            if len(pool) < 200_000:
                pool.append(src)
            else:
                pool[gen.rng.randrange(len(pool))] = src
            if gen.rng.random() < 0.002:
                sample.append(src)
            f.write(f'<tu><tuv xml:lang="id"><seg>{escape_text(src)}</seg></tuv>'
                    f'<tuv xml:lang="en"><seg>EN {i}</seg></tuv></tu>\n')
        f.write("</body>\n</tmx>\n")
    return sample


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/tmbench"))
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--reuse", action="store_true", help="Keep an existing TM in WORKDIR (or schema).")
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--dsn", help="postgresql:// URL of a database to benchmark in (--backend postgres).")
    ap.add_argument("--clients", type=int, default=4, help="Concurrent clients for the last measure (0: skip).")
    ap.add_argument("--no-pin", action="store_true", help="Do not pin to one core (a local server needs one too).")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    tmx = args.workdir / f"bench-{args.units}.tmx"
    results: dict = {"backend": args.backend, "units": args.units, "cpu": _cpu()}
    tmtool = [sys.executable, "-m", "tmtool"]
    pin = ["taskset", "-c", "0"] if _has("taskset") and not args.no_pin else []
    if args.backend == "postgres":
        if not args.dsn:
            ap.error("--backend postgres needs --dsn postgresql://...")
        tm_path = _pg_schema(args.dsn, f"tmbench_{args.units}", keep=args.reuse)
        exists = _pg_units(tm_path) > 0
    else:
        tm_path = args.workdir / f"bench-{args.units}.sqlite"
        exists = tm_path.exists()

    sample_path = args.workdir / f"sample-{args.units}.json"
    if not (args.reuse and exists and sample_path.exists()):
        t = time.perf_counter()
        if not (tmx.exists() and sample_path.exists()):
            sample = write_tmx(tmx, args.units, args.seed)
            sample_path.write_text(json.dumps(sample, ensure_ascii=False))
            results["generate_s"] = round(time.perf_counter() - t, 1)
        if args.backend == "sqlite":
            for p in (tm_path, Path(f"{tm_path}-wal"), Path(f"{tm_path}-shm")):
                p.unlink(missing_ok=True)
        t = time.perf_counter()
        subprocess.run([*pin, *tmtool, "--tm", str(tm_path), "tm", "import", str(tmx)], check=True)
        results["import_s"] = round(time.perf_counter() - t, 1)
        results["import_units_per_s"] = round(args.units / results["import_s"])
        results["import_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        results["tmx_mb"] = round(tmx.stat().st_size / 1e6)
    sample = json.loads(sample_path.read_text())
    results["tm_mb"] = round(_tm_bytes(tm_path) / 1e6)
    if pin:
        os.sched_setaffinity(0, {0})
    results.update(measure(tm_path, sample, args))
    t = time.perf_counter()
    subprocess.run([*tmtool, "--tm", str(tm_path), "tm", "search", sample[0], "--limit", "1"],
                   check=True, capture_output=True)
    results["one_off_search_s"] = round(time.perf_counter() - t, 2)
    if args.clients:
        if pin:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        results.update(concurrent(tm_path, sample, args))
    print(json.dumps(results, indent=1))
    (args.workdir / f"results-{args.backend}.json").write_text(json.dumps(results, indent=1))


def measure(tm_path: Path, sample: list[str], args) -> dict:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    from tmtool.memory import normalize, open_memory

    gen = Generator(args.seed + 1)
    rng = random.Random(args.seed + 2)
    queries = [gen.variant(rng.choice(sample)) if rng.random() < 0.8 else gen.sentence()
               for _ in range(args.queries)]
    out: dict = {}
    with open_memory(tm_path) as tm:
        t = time.perf_counter()
        tm.search_fuzzy("Pemanasan indeks.")  # first lookup: opens the index, reads what it needs
        out["first_lookup_ms"] = round((time.perf_counter() - t) * 1000, 1)
        exact = []
        for s in sample[:500]:
            t = time.perf_counter()
            tm.lookup_exact([s], "id", "en")
            exact.append((time.perf_counter() - t) * 1000)
        out["exact_p50_ms"], out["exact_p95_ms"] = round(pct(exact, 50), 3), round(pct(exact, 95), 3)
        times, cpu, found = [], [], []
        for q in queries:
            t, c = time.perf_counter(), time.process_time()
            m = tm.search_fuzzy(q, min_score=75, limit=1)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            found.append(m[0].similarity if m else None)
        out["fuzzy_p50_ms"], out["fuzzy_p95_ms"] = round(pct(times, 50), 1), round(pct(times, 95), 1)
        out["fuzzy_max_ms"] = round(max(times), 1)
        # CPU time of this process: what a query costs on one core when no other process
        # competes for it (the wall-clock figures include time the scheduler gave to others).
        out["fuzzy_cpu_p50_ms"], out["fuzzy_cpu_p95_ms"] = round(pct(cpu, 50), 1), round(pct(cpu, 95), 1)
        out["load_average"] = os.getloadavg()[0]
        sources = [normalize(r[0]) for r in tm.conn.execute("SELECT source FROM units")]
    brute_times, hits, relevant = [], 0, 0
    for q, ours in zip(queries, found):
        t = time.perf_counter()
        best = process.extractOne(normalize(q), sources, scorer=Levenshtein.normalized_similarity,
                                  score_cutoff=0.75)
        brute_times.append((time.perf_counter() - t) * 1000)
        if best is None:
            continue
        relevant += 1
        hits += ours is not None and abs(ours - best[1] * 100) < 1e-6
    out["queries"] = len(queries)
    out["queries_with_a_match"] = relevant
    out["recall_at_1"] = round(hits / relevant, 4) if relevant else None
    out["brute_force_p50_ms"] = round(pct(brute_times, 50), 1)
    out["brute_force_p95_ms"] = round(pct(brute_times, 95), 1)
    return out


def _queries(sample: list[str], seed: int, n: int) -> list[str]:
    gen = Generator(seed)
    rng = random.Random(seed + 1)
    return [gen.variant(rng.choice(sample)) if rng.random() < 0.8 else gen.sentence() for _ in range(n)]


def _client(job: tuple) -> dict:
    """One concurrent client (its own process and connection): lookups, or batches of new units."""
    location, kind, seed, n, sample = job
    from tmtool.memory import open_memory
    from tmtool.records import TranslationUnit

    times = []
    with open_memory(location) as tm:
        if kind == "lookup":
            tm.search_fuzzy("Pemanasan indeks.")
            for q in _queries(sample, seed, n):
                t = time.perf_counter()
                tm.search_fuzzy(q, min_score=75, limit=1)
                tm.lookup_exact([q], "id", "en")
                times.append((time.perf_counter() - t) * 1000)
        else:
            gen = Generator(seed)
            for b in range(n):
                batch = [TranslationUnit(None, gen.sentence(), f"NEW {seed} {b} {i}") for i in range(50)]
                t = time.perf_counter()
                tm.add_units(batch)
                times.append((time.perf_counter() - t) * 1000)
    return {"kind": kind, "times": times}


def concurrent(location, sample: list[str], args) -> dict:
    """``--clients`` processes at once, each looking up 100 queries; then as many writers, each
    adding 20 batches of 50 new units (one transaction per batch, as translate does)."""
    from concurrent.futures import ProcessPoolExecutor

    out: dict = {"clients": args.clients}
    for kind, n in (("lookup", 100), ("write", 20)):
        jobs = [(str(location), kind, args.seed + 100 + k, n, sample) for k in range(args.clients)]
        t = time.perf_counter()
        with ProcessPoolExecutor(args.clients) as pool:
            done = list(pool.map(_client, jobs))
        wall = time.perf_counter() - t
        times = [x for d in done for x in d["times"]]
        if kind == "lookup":
            out["concurrent_lookups_per_s"] = round(len(times) / wall, 1)
            out["concurrent_lookup_p50_ms"] = round(pct(times, 50), 1)
            out["concurrent_lookup_p95_ms"] = round(pct(times, 95), 1)
        else:
            out["concurrent_units_added_per_s"] = round(len(times) * 50 / wall)
            out["concurrent_batch_p50_ms"] = round(pct(times, 50), 1)
            out["concurrent_batch_p95_ms"] = round(pct(times, 95), 1)
    return out


def _pg_schema(dsn: str, schema: str, keep: bool) -> str:
    """The URL of a memory in its own schema of the database at ``dsn`` (created afresh)."""
    import psycopg
    from urllib.parse import quote

    with psycopg.connect(dsn, autocommit=True) as conn:
        if not keep:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options={quote(f'-csearch_path={schema}', safe='')}"


def _pg_units(location: str) -> int:
    from tmtool.memory import open_memory

    with open_memory(location) as tm:
        return tm.count_units()


def _tm_bytes(location) -> int:
    from tmtool.memory import open_memory

    if isinstance(location, Path):
        return location.stat().st_size
    with open_memory(location) as tm:
        return tm.stats()["bytes"]


def _cpu() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _has(cmd: str) -> bool:
    from shutil import which

    return which(cmd) is not None


if __name__ == "__main__":
    main()
