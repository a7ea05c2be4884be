"""Peak memory and CPU time of tmtool's ct2 backend for one batching setting (issue 14).

Runs bench_translate.py's tmtool worker (int8, one thread, a fresh memory) in a child process on
sentences of one length, or of news-like varied lengths (``--length 0``), with outputs 1.2x their
source (the random-weights model never ends a sentence itself), and prints one JSON line: the
child's peak RSS and its CPU seconds (user + system, model load included). CPU time rather than
wall time, so that a rate survives a busy machine.

Usage: ``python scripts/bench_batch_memory.py SENTENCES BEAMS LENGTH [--batch-size N]``
e.g. ``128 1 16`` (many short sentences, greedy) against ``128 1 16 --batch-size 128``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_translate as bench  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sentences", type=int)
    parser.add_argument("beams", type=int)
    parser.add_argument("length", type=int, help="source tokens per sentence; 0: varied (6-200)")
    parser.add_argument("--batch-size", type=int, default=None, help="[default: tmtool's]")
    parser.add_argument("--out-ratio", type=float, default=1.2)
    parser.add_argument("--model", type=Path, default=bench.DEFAULT_MODEL)
    args = parser.parse_args(argv)
    if not (args.model / "config.json").is_file():
        subprocess.run([sys.executable, str(bench.SCRIPTS / "build_random_opus_model.py"), str(args.model)], check=True)
    # Converted once outside the measured process (the conversion loads torch).
    code = (f"import sys; sys.path.insert(0, {str(bench.REPO / 'src')!r}); "
            f"from tmtool.translate import ct2; ct2.convert_model({str(args.model)!r}, 'int8')")
    subprocess.run([sys.executable, "-c", code], check=True)
    sentences = (bench.make_sentences(args.sentences, args.model, varied=True) if args.length == 0
                 else bench.make_sentences(args.sentences, args.model, target_tokens=args.length))
    params = {"model": str(args.model), "sentences": sentences, "threads": 1, "beams": args.beams,
              "backend": "ct2", "out_tokens": 40, "compute_type": "int8", "out_ratio": args.out_ratio,
              "batch_size": args.batch_size}
    proc = subprocess.Popen([sys.executable, str(Path(bench.__file__)), "--worker", "tmtool", "--params",
                             json.dumps(params)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"})
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("the worker failed")
    result = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    print(json.dumps({
        "sentences": args.sentences, "beams": args.beams, "length": args.length or "varied",
        "batch_size": args.batch_size or "default", "peak_rss_mb": round(usage.ru_maxrss / 1e3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "engine_wall_s": round(result["engine_s"], 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
