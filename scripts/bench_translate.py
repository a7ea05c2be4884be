"""Benchmark translation speed and memory: naive transformers, batched transformers, raw
CTranslate2 and `tmtool translate` with each backend, greedy and with the model's 6 beams.

It builds (or reuses) the random-weights model of the exact opus-mt-id-en shape
(scripts/build_random_opus_model.py), makes N distinct Indonesian-looking sentences of about 35
source tokens, and runs every engine in its own process, so each peak RSS is that engine's
alone. The output is fixed at 40 tokens (``--output-tokens``) in every engine so that they all do
the same work. Everything runs on the CPU with ``--threads`` threads (default 1).

Rates are sentences per second of translation, model load excluded, except the
"end to end" rows, which time the whole `tmtool translate` command. The naive loops and the
transformers rows with beams are slow, so they run on the first ``--naive-sentences`` and
``--slow-sentences`` sentences only; a rate hardly depends on how many (except that an end-to-end
row spreads the model load over fewer sentences, which only makes it look slower).

Usage: ``python scripts/bench_translate.py [--sentences 500] [--quick] [--json FILE]``
(issue 8; results in docs/performance.md). Memory on news-like input (issue 14):
``--varied --out-ratio 1.2 --only tm-ct2-1,tm-ct2-6``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
ARTICLE = REPO / "examples" / "antara-2022-09-15-xi-aliyev.id.txt"
DEFAULT_MODEL = REPO / ".cache" / "models" / "random-opus-mt-id-en-seed0"
OPUS_BEAMS = 6
OPUS_VOCAB = 54796


# ---------------------------------------------------------------- the workload


def make_sentences(n: int, tokenizer_dir: Path, target_tokens: int = 35, seed: int = 0,
                   varied: bool = False) -> list[str]:
    """``n`` distinct sentences of the example article's words, each about ``target_tokens``
    source tokens long (``</s>`` included) with the model's own tokenizer.

    ``varied``: lengths as news sentences have them instead (issue 14): log-normal around 40
    tokens, from 6 to 200, so a document of a few hundred holds some of 120-200 tokens.
    """
    import math

    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(tokenizer_dir / "source.spm"))
    words = [w for w in re.findall(r"[A-Za-z]+", ARTICLE.read_text(encoding="utf-8")) if len(w) > 1]
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        sentence_words: list[str] = []
        text = ""
        goal = max(6, min(200, round(rng.lognormvariate(math.log(40), 0.55)))) if varied else target_tokens
        while len(sp.encode(text)) + 1 < goal:
            sentence_words.append(rng.choice(words).lower())
            text = " ".join(sentence_words).capitalize() + "."
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def write_document(sentences: list[str], path: Path) -> None:
    """One sentence per paragraph, so the segmenter gives exactly one segment each."""
    path.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- workers (child processes)


def _hf_load(model: Path, threads: int):
    import torch
    import transformers
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    torch.set_num_threads(threads)
    transformers.logging.set_verbosity_error()
    tok = AutoTokenizer.from_pretrained(model)
    mt = AutoModelForSeq2SeqLM.from_pretrained(model).eval()
    return torch, tok, mt


def worker_hf(model: Path, sentences: list[str], threads: int, beams: int, batch: int, out_tokens: int) -> dict:
    """transformers as a script would use it: one sentence at a time (batch 1) or sorted batches."""
    t0 = time.perf_counter()
    torch, tok, mt = _hf_load(model, threads)
    loaded = time.perf_counter()
    order = sorted(sentences, key=len, reverse=True) if batch > 1 else sentences
    steps = 0
    with torch.inference_mode():
        for i in range(0, len(order), batch):
            enc = tok(order[i : i + batch], return_tensors="pt", padding=True)
            out = mt.generate(**enc, num_beams=beams, do_sample=False,
                              min_new_tokens=out_tokens, max_new_tokens=out_tokens)
            tok.batch_decode(out, skip_special_tokens=True)
            steps += out.shape[1] - 1
    done = time.perf_counter()
    return {"load_s": loaded - t0, "translate_s": done - loaded, "steps_per_batch": steps / -(-len(order) // batch)}


def worker_ct2(model: Path, sentences: list[str], threads: int, beams: int, batch: int, out_tokens: int,
               compute_type: str, shortlist: str | None = None) -> dict:
    """CTranslate2 driven directly: pre-tokenized input, one translate_batch call (with a
    shortlist: one call per batch, see below)."""
    import sentencepiece

    sys.path.insert(0, str(REPO / "src"))
    from tmtool.translate import ct2, ct2_cache

    converted = ct2.convert_model(str(model), compute_type)  # outside the timing; cached
    if shortlist:
        converted, _ = ct2_cache.shortlist_view(converted, Path(shortlist))
    import ctranslate2

    sp = sentencepiece.SentencePieceProcessor(model_file=str(model / "source.spm"))
    tokens = [sp.encode(s, out_type=str) + ["</s>"] for s in sentences]
    options = {"beam_size": beams, "min_decoding_length": out_tokens, "max_decoding_length": out_tokens}
    t0 = time.perf_counter()
    engine = ctranslate2.Translator(str(converted), device="cpu", compute_type=compute_type,
                                    intra_threads=threads, inter_threads=1)
    loaded = time.perf_counter()
    if not shortlist:
        # Batches of at most `batch` source tokens (padding included), sorted by length: what the
        # tmtool backend does by default, so that both run at the same settings.
        results = engine.translate_batch(tokens, max_batch_size=batch, batch_type="tokens", **options)
    else:
        # CTranslate2 4.x mixes up its word ids when consecutive batches restrict the vocabulary
        # differently (tmtool/translate/ct2.py); a one-step call without the shortlist between
        # batches resets it. CTranslate2's own batching would hit the bug, so batch here, alike.
        from tmtool.translate.base import _batches  # tmtool's own batching by padded tokens

        results = []
        for ids in _batches([len(t) for t in tokens], len(tokens), batch):
            engine.translate_batch([tokens[0][:1]], max_decoding_length=1)
            results += engine.translate_batch([tokens[k] for k in ids], use_vmap=True, **options)
    done = time.perf_counter()
    return {"load_s": loaded - t0, "translate_s": done - loaded,
            "output_tokens": sum(len(r.hypotheses[0]) for r in results) / len(results)}


class _Proportional:
    """A CTranslate2 translator whose every batch decodes exactly ``ratio`` x its longest source
    (at least 8 tokens): a random-weights model never ends a sentence by itself, and a real
    translation is about as long as its source, so memory is measured at realistic lengths."""

    def __init__(self, inner, ratio: float):
        self.inner, self.ratio = inner, ratio

    def translate_batch(self, tokens, **options):
        if options.get("max_decoding_length", 2) > 1:  # (not the shortlist's one-step reset)
            steps = max(8, round(self.ratio * max(map(len, tokens))))
            options.update(min_decoding_length=steps, max_decoding_length=steps)
        return self.inner.translate_batch(tokens, **options)


def worker_tmtool(model: Path, sentences: list[str], threads: int, beams: int, backend: str,
                  out_tokens: int, compute_type: str | None, shortlist: str | None = None,
                  memory: str | None = None, out_ratio: float | None = None,
                  batch_size: int | None = None, max_batch_tokens: int | None = None) -> dict:
    """tmtool as a library: load the engine, then translate_document, timing the engine inside.

    ``out_ratio`` (ct2): outputs as long as ``out_ratio`` x the source instead of ``out_tokens``."""
    sys.path.insert(0, str(REPO / "src"))
    from tmtool import SQLiteMemory
    from tmtool.pipeline import translate_document
    from tmtool.translate import get_translator

    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "bench.id.txt"
        write_document(sentences, doc)
        t0 = time.perf_counter()
        extra = {"shortlist": shortlist} if shortlist else {}
        engine = get_translator(backend, model=str(model), device="cpu", threads=threads, beams=beams,
                                compute_type=compute_type, fixed_output_tokens=out_tokens, **extra)
        loaded = time.perf_counter()
        if out_ratio:
            engine.engine = _Proportional(engine.engine, out_ratio)
        inner = engine.translate_batch_checked  # what the batching calls (issue 14)
        engine_s = [0.0]
        batches = []  # for counting a shortlist's candidates afterwards, outside the timing

        def timed(texts):
            batches.append(texts)
            start = time.perf_counter()
            try:
                return inner(texts)
            finally:
                engine_s[0] += time.perf_counter() - start

        engine.translate_batch_checked = timed
        with SQLiteMemory(memory or Path(tmp) / "tm.sqlite") as tm:
            started = time.perf_counter()
            result = translate_document(doc.read_text(encoding="utf-8"), tm, lambda: engine, name=doc.name,
                                        batch_size=batch_size, max_batch_tokens=max_batch_tokens)
            done = time.perf_counter()
            kinds = _rss_kinds()  # with the memory still open (and mapped)
    if result.translated != len(sentences):
        raise SystemExit(f"expected {len(sentences)} translated segments, got {result.translated}")
    out = {"load_s": loaded - t0, "translate_s": done - started, "engine_s": engine_s[0], **kinds}
    if shortlist:
        table = _read_shortlist(Path(shortlist))
        candidates = [_candidates(table, [engine.tokenizer.encode(t) for t in texts]) for texts in batches]
        out["candidates"] = sum(candidates) / len(candidates)
        out["batches"] = len(candidates)
    return out


def _rss_kinds() -> dict:
    """Resident memory now, split into the process's own (anonymous) pages and file pages (the
    memory-mapped TM, the model file): the kernel can drop the second kind under pressure."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("RssAnon:", "RssFile:")):
                name, value = line.split(":")
                out[name.lower().replace("rss", "rss_") + "_mb"] = int(value.split()[0]) / 1e3
    except OSError:
        pass
    return out


# ---------------------------------------------------------------- a shortlist of realistic size


def make_shortlist(model: Path, path: Path, per_token: int = 50, frequent: int = 1000, seed: int = 0) -> Path:
    """A vocabulary shortlist for the random-weights model, as big as a real one would be.

    Its SentencePiece models know only the article's few hundred pieces, so a shortlist counted
    from data (``tmtool model shortlist``) would allow only those and make the model look faster
    than a real one could be. This one gives each source piece itself plus ``per_token`` target
    words drawn at random from the whole 54,796-word vocabulary, and ``frequent`` random words to
    every batch: the sizes of ``tmtool model shortlist``'s defaults, with less overlap between
    tokens than real data has, so batches get more candidates than real ones would.
    """
    import sentencepiece

    vocab = json.loads((model / "vocab.json").read_text(encoding="utf-8"))
    specials = {"</s>", "<unk>", "<pad>"}
    words = [w for w in vocab if w not in specials]  # the "<fillerN>" words stand for real ones
    sp = sentencepiece.SentencePieceProcessor(model_file=str(model / "source.spm"))
    rng = random.Random(seed)
    lines = ["\t" + " ".join(rng.sample(words, frequent))]
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        if piece in vocab and piece not in specials:
            lines.append(piece + "\t" + " ".join([piece, *rng.sample(words, per_token)]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read_shortlist(path: Path) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        table.setdefault(source, set()).update(targets.split())
    return table


def _candidates(table: dict[str, set[str]], batch: list[list[str]]) -> int:
    """How many target words the shortlist allows for ``batch`` (CTranslate2 adds 3 specials)."""
    allowed = set(table.get("", ()))
    for tokens in batch:
        for t in tokens:
            allowed |= table.get(t, set())
    return len(allowed) + 3


WORKERS = {"hf": worker_hf, "ct2": worker_ct2, "tmtool": worker_tmtool}


# ---------------------------------------------------------------- the driver


def run_child(argv: list[str], env: dict | None = None) -> tuple[dict | None, float, float]:
    """Run ``argv``; return its last JSON output line (if any), wall seconds and peak RSS in GB.

    The child is reaped with wait4, whose resource usage is that child's alone (RUSAGE_CHILDREN
    would be the largest of every child so far).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])} ... failed:\n{stderr[-2000:]}")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    return (json.loads(lines[-1]) if lines else None), wall, usage.ru_maxrss / 1e6  # kB on Linux


def machine() -> dict:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        flags = next(x for x in Path("/proc/cpuinfo").read_text().splitlines() if x.startswith("flags"))
        simd = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    except (OSError, StopIteration):
        simd = "?"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "simd": simd, "cores": os.cpu_count(), "memory_gb": round(mem, 1),
            "python": platform.python_version(), "load_avg": os.getloadavg()}


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("torch", "transformers", "ctranslate2", "sentencepiece"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="built here if missing")
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--memory", help="tmtool rows translate through this (big) SQLite memory instead of a "
                        "fresh one; the sentences are then new ones at every run (seeded by the clock)")
    parser.add_argument("--naive-sentences", type=int, default=48, help="sentences for the one-at-a-time loops")
    parser.add_argument("--slow-sentences", type=int, default=96,
                        help="sentences for the transformers rows with beams (about 1 sentence/s)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output-tokens", type=int, default=40)
    parser.add_argument("--varied", action="store_true",
                        help="sentences of news-like varied lengths (6-200 tokens) instead of about 35 each")
    parser.add_argument("--out-ratio", type=float, default=None,
                        help="tmtool ct2 rows (excluding load): decode ratio x each batch's longest source "
                        "instead of --output-tokens (memory at realistic output lengths)")
    parser.add_argument("--beams", type=int, default=OPUS_BEAMS, help="the model's default (6 for opus-mt)")
    parser.add_argument("--quick", action="store_true", help="greedy only, 64 sentences (a smoke test)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each row this many times and keep the fastest (on a busy machine)")
    parser.add_argument("--only", help="comma-separated row keys to run (see the table)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:  # a child process: run one engine, print one JSON line
        params = json.loads(args.params)
        params["model"] = Path(params["model"])
        print(json.dumps(WORKERS[args.worker](**params)))
        return 0

    if not (args.model / "config.json").is_file():
        print(f"building the random opus-mt-id-en-shaped model in {args.model} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(SCRIPTS / "build_random_opus_model.py"), str(args.model)], check=True)
    n = min(64, args.sentences) if args.quick else args.sentences
    sentences = make_sentences(n, args.model, varied=args.varied)
    naive = sentences[: min(args.naive_sentences, n)]
    beam_settings = [1] if args.quick else [1, args.beams]
    env = {"OMP_WAIT_POLICY": "PASSIVE"}
    common = {"model": str(args.model), "threads": args.threads, "out_tokens": args.output_tokens}
    tm_rows = {"memory": args.memory} if args.memory else {}

    def row_sentences(key: str, count: int) -> list[str]:
        """The row's sentences: the shared ones, or with --memory new ones for each row (a row
        must not find the previous row's translations in the memory)."""
        if not args.memory:
            return sentences[:count]
        return make_sentences(count, args.model, seed=int(time.time()) + sum(map(ord, key)), varied=args.varied)

    # Convert once up front, so no timed row pays for it.
    for ct in ("int8", "float32"):
        code = (f"import sys; sys.path.insert(0, {str(REPO / 'src')!r}); "
                f"from tmtool.translate import ct2; ct2.convert_model({str(args.model)!r}, {ct!r})")
        run_child([sys.executable, "-c", code])

    shortlist = make_shortlist(args.model, Path(tempfile.mkdtemp(prefix="bench-")) / "random.vmap")
    rows: list[dict] = []
    load_before = os.getloadavg()

    def child(key, label, worker, count, **params):
        if args.only and key not in args.only.split(","):
            return
        data = dict(common, sentences=row_sentences(key, count), **params)
        result, wall, rss = min(
            (run_child([sys.executable, __file__, "--worker", worker, "--params", json.dumps(data)], env)
             for _ in range(args.repeat)),
            key=lambda r: r[0]["translate_s"],
        )
        row = {"key": key, "label": label, "sentences": count, "rss_gb": rss, "wall_s": wall, **result}
        row["rate"] = count / result["translate_s"]
        rows.append(row)
        extra = f"  {result['candidates']:.0f} candidates per batch" if "candidates" in result else ""
        if "rss_anon_mb" in result:
            extra += f"  (after translating: {result['rss_anon_mb']:.0f} MB own, {result['rss_file_mb']:.0f} MB file pages)"
        print(f"{label:60} {row['rate']:7.2f} sent/s  {rss:5.3f} GB{extra}", file=sys.stderr)

    def cli(key, label, backend, beams, count, compute_type=None, shortlist=None):
        if args.only and key not in args.only.split(","):
            return
        with tempfile.TemporaryDirectory() as tmp:
            doc = Path(tmp) / "bench.id.txt"
            write_document(row_sentences(key, count), doc)
            argv = [str(Path(sys.executable).parent / "tmtool"), "--tm", args.memory or str(Path(tmp) / "tm.sqlite"),
                    "translate", str(doc), "-o", str(Path(tmp) / "out.txt"), "--model", str(args.model),
                    "--backend", backend, "--device", "cpu", "--threads", str(args.threads),
                    "--beams", str(beams), "--output-tokens", str(args.output_tokens)]
            if not args.memory:
                argv.append("--no-reuse")  # a repeat must not find the first run's translations
            if compute_type:
                argv += ["--compute-type", compute_type]
            if shortlist:
                argv += ["--shortlist", str(shortlist)]
            _, wall, rss = min((run_child(argv, env) for _ in range(args.repeat)), key=lambda r: r[1])
        rows.append({"key": key, "label": label, "sentences": count, "rss_gb": rss, "wall_s": wall,
                     "translate_s": wall, "rate": count / wall})
        print(f"{label:60} {count / wall:7.2f} sent/s  {rss:5.3f} GB", file=sys.stderr)

    for beams in beam_settings:
        b = "greedy" if beams == 1 else f"beam {beams}"
        hf_batch = 32 if beams == 1 else 16
        # transformers with beams runs at about 1 sentence/s: a rate from fewer sentences.
        hf_n = n if beams == 1 else min(n, args.slow_sentences)
        child(f"naive-{beams}", f"transformers, one sentence at a time, {b}", "hf", len(naive),
              beams=beams, batch=1)
        child(f"hf-{beams}", f"transformers, batch {hf_batch}, {b}", "hf", hf_n, beams=beams, batch=hf_batch)
        ct2_tokens = 2048 // beams  # tmtool's default budget (CT2Translator.BATCH_TOKENS / beams)
        child(f"ct2-int8-{beams}", f"CTranslate2 int8, batches of {ct2_tokens} tokens, {b}", "ct2", n,
              beams=beams, batch=ct2_tokens, compute_type="int8")
        if beams == 1 and (os.cpu_count() or 1) > 1 and args.threads == 1:
            # The threads default (one fewer than the cores) rests on this comparison.
            common["threads"] = 2
            child("ct2-int8-1-2threads", f"CTranslate2 int8, batches of {ct2_tokens} tokens, {b}, 2 threads",
                  "ct2", n, beams=beams, batch=ct2_tokens, compute_type="int8")
            common["threads"] = args.threads
        if beams == 1:
            child(f"ct2-fp32-{beams}", f"CTranslate2 float32, batches of {ct2_tokens} tokens, {b}", "ct2", n,
                  beams=beams, batch=ct2_tokens, compute_type="float32")
        ratio = {"out_ratio": args.out_ratio} if args.out_ratio else {}
        child(f"tm-ct2-{beams}", f"tmtool --backend ct2 (int8), {b}, excluding load", "tmtool", n,
              beams=beams, backend="ct2", compute_type="int8", **tm_rows, **ratio)
        cli(f"cli-ct2-{beams}", f"tmtool translate --backend ct2 (int8), {b}, end to end", "ct2", beams, n,
            "int8")
        # The vocabulary shortlist (tmtool translate --shortlist).
        child(f"ct2-int8-{beams}-sl", f"CTranslate2 int8, {b}, shortlist", "ct2", n,
              beams=beams, batch=ct2_tokens, compute_type="int8", shortlist=str(shortlist))
        child(f"tm-ct2-{beams}-sl", f"tmtool --backend ct2 (int8), {b}, shortlist, excluding load", "tmtool", n,
              beams=beams, backend="ct2", compute_type="int8", shortlist=str(shortlist))
        cli(f"cli-ct2-{beams}-sl", f"tmtool translate --backend ct2 (int8), {b}, shortlist, end to end", "ct2",
            beams, n, "int8", shortlist=shortlist)
        child(f"tm-hf-{beams}", f"tmtool --backend transformers, {b}, excluding load", "tmtool", hf_n,
              beams=beams, backend="transformers", compute_type=None)
        cli(f"cli-hf-{beams}", f"tmtool translate --backend transformers, {b}, end to end", "transformers",
            beams, hf_n)

    startup = []
    if not args.only or "startup" in args.only.split(","):
        tmtool_bin = str(Path(sys.executable).parent / "tmtool")
        walls = sorted(run_child([tmtool_bin, "--help"], env)[1] for _ in range(3))
        startup.append({"label": "tmtool --help", "wall_s": walls[1], "rss_gb": None})
        for backend in ("ct2", "transformers"):
            with tempfile.TemporaryDirectory() as tmp:
                doc = Path(tmp) / "one.id.txt"
                write_document(sentences[:1], doc)
                _, wall, rss = run_child(
                    [tmtool_bin, "--tm", str(Path(tmp) / "tm.sqlite"), "translate", str(doc), "-o",
                     str(Path(tmp) / "out.txt"), "--model", str(args.model), "--backend", backend,
                     "--device", "cpu", "--threads", str(args.threads), "--beams", "1",
                     "--output-tokens", str(args.output_tokens)], env)
            startup.append({"label": f"tmtool translate, one sentence, --backend {backend}", "wall_s": wall,
                            "rss_gb": rss})

    report = {"machine": machine(), "versions": versions(), "load_avg_before": load_before,
              "load_avg_after": os.getloadavg(), "threads": args.threads, "output_tokens": args.output_tokens,
              "sentences": n, "naive_sentences": len(naive), "rows": rows, "startup": startup}
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


def render(report: dict) -> str:
    """The results as Markdown: the table, the goal ratios, the machine."""
    m = report["machine"]
    by = {r["key"]: r for r in report["rows"]}
    lines = [
        f"{m['cpu']} ({m['simd']}), {m['cores']} cores, {m['memory_gb']} GB; "
        f"{report['threads']} thread(s); output fixed at {report['output_tokens']} tokens; "
        f"{report['sentences']} sentences ({report['naive_sentences']} for the one-at-a-time loops); "
        f"load average before {_load(report['load_avg_before'])}, after {_load(report['load_avg_after'])}; "
        + ", ".join(f"{k} {v}" for k, v in report["versions"].items() if v),
        "",
        "| engine and setting | sentences | sentences/s | peak RSS |",
        "|---|---|---|---|",
    ]
    for r in report["rows"]:
        lines.append(f"| {r['label']} | {r['sentences']} | {r['rate']:.1f} | {r['rss_gb']:.3f} GB |")

    def ratio(a, b):
        return by[a]["rate"] / by[b]["rate"] if a in by and b in by else None

    goals = [
        ("tmtool ct2 end to end / naive loop, greedy (goal >= 20)", ratio("cli-ct2-1", "naive-1")),
        ("tmtool transformers end to end / naive loop, greedy (goal >= 6)", ratio("cli-hf-1", "naive-1")),
        (f"tmtool ct2 end to end / naive loop, beam {OPUS_BEAMS} (goal >= 10)",
         ratio(f"cli-ct2-{OPUS_BEAMS}", f"naive-{OPUS_BEAMS}")),
        ("tmtool ct2 (excluding load) / raw CTranslate2, greedy (goal >= 0.9)", ratio("tm-ct2-1", "ct2-int8-1")),
        (f"tmtool ct2 (excluding load) / raw CTranslate2, beam {OPUS_BEAMS} (goal >= 0.9)",
         ratio(f"tm-ct2-{OPUS_BEAMS}", f"ct2-int8-{OPUS_BEAMS}")),
        ("tmtool ct2 end to end / raw CTranslate2, greedy", ratio("cli-ct2-1", "ct2-int8-1")),
        ("tmtool ct2 + shortlist end to end / naive loop, greedy", ratio("cli-ct2-1-sl", "naive-1")),
        (f"tmtool ct2 + shortlist end to end / naive loop, beam {OPUS_BEAMS}",
         ratio(f"cli-ct2-{OPUS_BEAMS}-sl", f"naive-{OPUS_BEAMS}")),
        (f"tmtool ct2 + shortlist (excluding load) / raw CTranslate2 + shortlist, beam {OPUS_BEAMS}",
         ratio(f"tm-ct2-{OPUS_BEAMS}-sl", f"ct2-int8-{OPUS_BEAMS}-sl")),
        (f"shortlist speed-up, tmtool end to end, beam {OPUS_BEAMS}",
         ratio(f"cli-ct2-{OPUS_BEAMS}-sl", f"cli-ct2-{OPUS_BEAMS}")),
        ("shortlist speed-up, tmtool end to end, greedy", ratio("cli-ct2-1-sl", "cli-ct2-1")),
        ("tmtool transformers (excluding load) / raw transformers batched, greedy", ratio("tm-hf-1", "hf-1")),
    ]
    lines += ["", "| ratio | measured |", "|---|---|"]
    lines += [f"| {label} | {value:.2f} |" for label, value in goals if value is not None]
    shortlisted = [r for r in report["rows"] if "candidates" in r]
    if shortlisted:
        lines += ["", "Shortlist: " + "; ".join(
            f"{r['label']}: {r['candidates']:,.0f} candidate words per batch on average ({r['batches']} batches)"
            for r in shortlisted) + f", of {OPUS_VOCAB:,}."]
    overheads = [
        (r["label"], (r["translate_s"] - r["engine_s"]) / r["translate_s"])
        for r in report["rows"] if "engine_s" in r
    ]
    lines += ["", "| tmtool overhead around the engine (segmenting, TM, tokenizing, I/O; goal <= 5%) | share |",
              "|---|---|"]
    lines += [f"| {label} | {share:.1%} |" for label, share in overheads]
    if report.get("startup"):
        lines += ["", "| start-up (whole command, wall clock) | seconds | peak RSS |", "|---|---|---|"]
        lines += [
            f"| {r['label']} | {r['wall_s']:.2f} | " + (f"{r['rss_gb']:.2f} GB |" if r["rss_gb"] else "|")
            for r in report["startup"]
        ]
    return "\n".join(lines)


def _load(avg) -> str:
    return " / ".join(f"{x:.2f}" for x in avg)


if __name__ == "__main__":
    sys.exit(main())
