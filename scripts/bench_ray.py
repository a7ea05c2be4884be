"""Benchmark `tmtool translate --ray`: one process against Ray actors on this machine.

It builds (or reuses) the random-weights model of the exact opus-mt-id-en shape
(scripts/build_random_opus_model.py), writes ``--sentences`` distinct sentences of about 35
source tokens across ``--documents`` documents, and translates them three ways, each in a
process of its own with a fresh memory:

* one process, one thread (tmtool without --ray);
* ``--ray local --workers 1``, one thread: Ray's overhead (goal: at most 10% slower);
* ``--ray local --workers 2``, one thread each (goal: at least 1.7x one process on an idle
  2-core machine).

The time is the whole many-document job (the memory lookups, the batches, the commits) once the
engine is up; start-up (the model load, and for Ray its instance and actors) is reported apart.
Output is fixed at ``--output-tokens`` tokens per sentence, greedy, so every run does the same
work. Peak RSS is the driver's and each actor's.

Usage: ``python scripts/bench_ray.py [--sentences 2000] [--documents 100] [--quick] [--json FILE]``
(issue 16; results in docs/cluster.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
sys.path.insert(0, str(SCRIPTS))
from bench_translate import DEFAULT_MODEL, machine, make_sentences  # noqa: E402


def write_corpus(sentences: list[str], documents: int, root: Path) -> list[Path]:
    """The sentences dealt round-robin into ``documents`` files, one sentence per paragraph."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in range(documents):
        path = root / f"doc{d:04d}.id.txt"
        path.write_text("\n\n".join(sentences[d::documents]) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def child(mode: str, workers: int, model: str, corpus: str, out_tokens: int) -> dict:
    """One run, in this (child) process: start the engine, then translate every document."""
    sys.path.insert(0, str(REPO / "src"))
    from tmtool.batch import DocumentInput, read_documents, translate_documents
    from tmtool.memory import open_memory
    from tmtool.segment import Segmenter

    paths = sorted(Path(corpus).iterdir())
    docs, failed = read_documents([DocumentInput(p, p.name) for p in paths], Segmenter())
    assert not failed, failed
    t0 = time.perf_counter()
    if mode == "one":
        from tmtool.translate import get_translator

        engine = get_translator("ct2", model=model, device="cpu", threads=1, beams=1, fixed_output_tokens=out_tokens)
    else:
        from tmtool.translate.ray_backend import RayTranslator

        engine = RayTranslator(model, address="local", workers=workers, threads=1, beams=1,
                               fixed_output_tokens=out_tokens)
    started = time.perf_counter()
    actor_rss: list[int] = []

    def progress(done, total):
        if done == total and mode == "ray":  # before the job closes the actors
            import ray

            actor_rss.extend(ray.get([a.peak_rss.remote() for a in engine.actors]))

    with tempfile.TemporaryDirectory() as tmp, open_memory(Path(tmp) / "tm.sqlite") as tm:
        result = translate_documents(docs, tm, lambda: engine, progress=progress)
    done = time.perf_counter()
    return {"startup_s": started - t0, "translate_s": done - started, "segments": result.translated,
            "driver_rss_gb": _vm_hwm() / 1e9,
            "actor_rss_gb": [r / 1e9 for r in actor_rss], "retried": getattr(engine, "retried", 0)}


def _vm_hwm() -> int:
    """This process's peak RSS in bytes. (getrusage's ru_maxrss would include the parent's from
    before exec: Linux keeps it across exec.)"""
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def run(mode: str, workers: int, model: Path, corpus: Path, out_tokens: int) -> dict:
    argv = [sys.executable, __file__, "--child", mode, "--workers", str(workers), "--model", str(model),
            "--corpus", str(corpus), "--output-tokens", str(out_tokens)]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{mode} x{workers} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def render(report: dict) -> str:
    rows = report["rows"]
    one = rows["one process, 1 thread"]["translate_s"]
    lines = [
        f"{report['sentences']} sentences in {report['documents']} documents, {report['output_tokens']} output "
        f"tokens each, greedy; {report['machine']['cpu']}, {report['machine']['cores']} cores; load average "
        f"before: {report['load_before'][0]:.2f}, after: {report['load_after'][0]:.2f}",
        "",
        "| run | start-up s | translate s | sentences/s | vs one process | peak RSS: driver / each actor (GB) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, r in rows.items():
        actors = ", ".join(f"{x:.2f}" for x in r["actor_rss_gb"]) or "-"
        lines.append(f"| {label} | {r['startup_s']:.1f} | {r['translate_s']:.1f} | "
                     f"{r['segments'] / r['translate_s']:.1f} | {one / r['translate_s']:.2f}x | "
                     f"{r['driver_rss_gb']:.2f} / {actors} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="built here if missing")
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--output-tokens", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="200 sentences in 20 documents, 20 output tokens")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=["one", "ray"], help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.workers, str(args.model), args.corpus, args.output_tokens)))
        return 0
    if args.quick:
        args.sentences, args.documents, args.output_tokens = 200, 20, 20
    if not (args.model / "config.json").is_file():
        print(f"building the random opus-mt-shape model in {args.model} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(SCRIPTS / "build_random_opus_model.py"), str(args.model)], check=True)
    sys.path.insert(0, str(REPO / "src"))
    from tmtool.translate import ct2

    ct2.convert_model(str(args.model), "auto")  # once, outside every timing
    report = {"sentences": args.sentences, "documents": args.documents, "output_tokens": args.output_tokens,
              "machine": machine(), "load_before": os.getloadavg(), "rows": {}}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(make_sentences(args.sentences, args.model), args.documents, corpus)
        for label, mode, workers in [("one process, 1 thread", "one", 1), ("--ray local --workers 1", "ray", 1),
                                     ("--ray local --workers 2", "ray", 2)]:
            report["rows"][label] = run(mode, workers, args.model, corpus, args.output_tokens)
            print(f"{label}: {report['rows'][label]['translate_s']:.1f} s", file=sys.stderr)
    report["load_after"] = os.getloadavg()
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
