"""Benchmark `tmtool model shortlist`'s counting: pairs per second and peak memory.

It makes N sentence pairs of the example article's words (about 20 source and 22 target words each)
and counts them with the random-weights opus-mt-id-en-shaped model's tokenizer
(scripts/build_random_opus_model.py builds it if missing). Its SentencePiece models know only the
article's pieces, so each sentence is cut into many short pieces: more keys per pair than a real
model's tokenizer gives, so a real memory counts at least as fast.

Usage: ``python scripts/bench_shortlist.py [--pairs 100000]`` (issue 8; results in docs/performance.md).
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
DEFAULT_MODEL = REPO / ".cache" / "models" / "random-opus-mt-id-en-seed0"
ARTICLE = REPO / "examples" / "antara-2022-09-15-xi-aliyev"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="built here if missing")
    args = parser.parse_args(argv)
    if not (args.model / "config.json").is_file():
        subprocess.run([sys.executable, str(REPO / "scripts" / "build_random_opus_model.py"), str(args.model)],
                       check=True)
    from tmtool.translate.shortlist import build_shortlist

    source_words = re.findall(r"[A-Za-z]+", (ARTICLE.with_suffix(".id.txt")).read_text(encoding="utf-8"))
    target_words = re.findall(r"[A-Za-z]+", (ARTICLE.with_suffix(".en.txt")).read_text(encoding="utf-8"))
    rng = random.Random(0)
    pairs = [(" ".join(rng.choices(source_words, k=20)) + ".", " ".join(rng.choices(target_words, k=22)) + ".")
             for _ in range(args.pairs)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        info = build_shortlist(pairs, args.model, Path(tmp) / "bench.vmap")
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{args.pairs:,} pairs in {seconds:.1f} s: {args.pairs / seconds:,.0f} pairs/s; peak RSS {peak / 1e3:.0f} MB "
          f"({before / 1e3:.0f} MB before counting); {info.source_tokens} source tokens, "
          f"{info.mean_candidates} candidates each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
