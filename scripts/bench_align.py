"""Sentence-alignment quality and speed (issue 6).

    python scripts/bench_align.py                 # P/R/F1 per data set, length and MT scorers
    python scripts/bench_align.py --speed 10000   # and the time to align 10,000 sentences a side
    python scripts/bench_align.py --model DIR     # MT from a real model instead of NAME.mt.txt
    python scripts/bench_align.py build           # rebuild tests/data/align from its sources

A data set is ``NAME.src.txt`` and ``NAME.tgt.txt`` (one sentence a line), ``NAME.gold`` (Vecalign
bead lines) and ``NAME.mt.txt`` (a machine translation of each source line). Scores are strict:
a bead counts only if the gold has exactly that bead, omissions (1-0, 0-1) included.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from tmtool.align import align_sentences
from tmtool.align.beads import (
    Bead,
    check_beads,
    format_beads,
    parse_beads,
    strict_scores,
)

DATA = REPO / "tests" / "data" / "align"
TMX_DIR = REPO.parent / "shared" / "data" / "tmx-samples"
ARTICLE = REPO / "examples" / "antara-2022-09-15-xi-aliyev"


# -- reading data sets -------------------------------------------------------------------


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def datasets(names: list[str] | None = None) -> list[str]:
    found = sorted(p.name[: -len(".gold")] for p in DATA.glob("*.gold"))
    return [n for n in found if not names or n in names]


def load(name: str) -> dict:
    d = {
        "src": read_lines(DATA / f"{name}.src.txt"),
        "tgt": read_lines(DATA / f"{name}.tgt.txt"),
        "gold": parse_beads((DATA / f"{name}.gold").read_text(encoding="utf-8"), name),
    }
    mt = DATA / f"{name}.mt.txt"
    d["mt"] = read_lines(mt) if mt.exists() else None
    return d


# -- evaluation ------------------------------------------------------------------------------


def evaluate(names: list[str] | None, translator=None, **options) -> list[dict]:
    rows = []
    for name in datasets(names):
        d = load(name)
        mt = d["mt"]
        if translator is not None:
            mt = translator.translate(d["src"])
        non11 = sum(b.kind != "1-1" for b in d["gold"]) / len(d["gold"])
        for scorer in ("length", "mt"):
            if scorer == "mt" and mt is None:
                continue
            started = time.perf_counter()
            result = align_sentences(d["src"], d["tgt"], translations=mt if scorer == "mt" else None, **options)
            seconds = time.perf_counter() - started
            q = strict_scores(result.beads, d["gold"])
            rows.append({"data": name, "scorer": scorer, "beads": len(d["gold"]), "non11": non11, "p": q.precision,
                             "r": q.recall, "f1": q.f1, "seconds": seconds})
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"{'data set':<24} {'beads':>5} {'non-1-1':>7}  {'scorer':<6} {'P':>6} {'R':>6} {'F1':>6} {'time':>7}")
    for r in rows:
        print(f"{r['data']:<24} {r['beads']:>5} {r['non11']:>7.0%}  {r['scorer']:<6} {r['p']:>6.3f} {r['r']:>6.3f} "
              f"{r['f1']:>6.3f} {r['seconds']:>6.2f}s")


def speed(n: int, with_mt: bool = True) -> None:
    """Align ``n`` sentences a side: all data sets' 'hard' variants repeated, so a fifth of the
    beads are merges or omissions, and check the result against the repeated gold."""
    src, tgt, mt, gold = [], [], [], []
    names = [x for x in datasets() if x.endswith("-hard")]
    while len(src) < n:
        for name in names:
            d = load(name)
            for b in d["gold"]:
                gold.append(Bead(tuple(len(src) + i - b.src[0] for i in b.src) if b.src else (),
                                 tuple(len(tgt) + j - b.tgt[0] for j in b.tgt) if b.tgt else ()))
                src += [d["src"][i] for i in b.src]
                tgt += [d["tgt"][j] for j in b.tgt]
                mt += [d["mt"][i] for i in b.src]
    print(f"\n{len(src)} source and {len(tgt)} target sentences ({len(gold)} beads):")
    for label, translations in (("length", None), ("mt", mt)):
        if label == "mt" and not with_mt:
            continue
        started = time.perf_counter()
        result = align_sentences(src, tgt, translations=translations)
        seconds = time.perf_counter() - started
        q = strict_scores(result.beads, gold)
        print(f"  {label:<6} {seconds:6.1f} s   F1 {q.f1:.3f}")


# -- building the data sets ------------------------------------------------------------------


def noisy_translation(sentence: str, rng: random.Random, vocabulary: list[str]) -> str:
    """A stand-in for machine translation of a source sentence: its human translation with
    words replaced (15%), dropped (10%) and swapped with a neighbour (15%)."""
    out = []
    for w in sentence.split():
        r = rng.random()
        if r < 0.15:
            out.append(rng.choice(vocabulary))
        elif r >= 0.25:
            out.append(w)
    for k in range(len(out) - 1):
        if rng.random() < 0.15:
            out[k], out[k + 1] = out[k + 1], out[k]
    return " ".join(out) or sentence


def perturb(src: list[str], tgt: list[str], rate: float, seed: int) -> dict:
    """Make merges (2-1, 1-2) and omissions (1-0, 0-1) in about ``rate`` of the beads of a 1-1
    parallel text. The machine translation of each remaining source sentence is a noisy copy of
    its original translation, whether or not the target kept it."""
    rng = random.Random(seed)
    vocabulary = sorted({w for t in tgt for w in t.split()})
    mt_of = [noisy_translation(t, rng, vocabulary) for t in tgt]
    out_src, out_tgt, out_mt, gold = [], [], [], []
    i = 0
    while i < len(src):
        kind = "1-1"
        if rng.random() < rate:
            kind = rng.choice(["2-1", "1-2", "1-0", "0-1"])
            if kind in ("2-1", "1-2") and i + 1 >= len(src):
                kind = "1-1"
        s0, t0 = len(out_src), len(out_tgt)
        if kind == "1-1":
            out_src.append(src[i]); out_tgt.append(tgt[i]); out_mt.append(mt_of[i]); step = 1
        elif kind == "2-1":
            out_src += src[i : i + 2]; out_mt += mt_of[i : i + 2]
            out_tgt.append(tgt[i] + " " + tgt[i + 1]); step = 2
        elif kind == "1-2":
            out_src.append(src[i] + " " + src[i + 1]); out_mt.append(mt_of[i] + " " + mt_of[i + 1])
            out_tgt += tgt[i : i + 2]; step = 2
        elif kind == "1-0":
            out_src.append(src[i]); out_mt.append(mt_of[i]); step = 1
        else:
            out_tgt.append(tgt[i]); step = 1
        gold.append(Bead(tuple(range(s0, len(out_src))), tuple(range(t0, len(out_tgt)))))
        i += step
    check_beads(gold, len(out_src), len(out_tgt))
    return {"src": out_src, "tgt": out_tgt, "mt": out_mt, "gold": gold}


def write_set(name: str, d: dict) -> None:
    for key, suffix in (("src", ".src.txt"), ("tgt", ".tgt.txt"), ("mt", ".mt.txt")):
        text = "".join(line + "\n" for line in d[key])
        (DATA / f"{name}{suffix}").write_text(text, encoding="utf-8")
    (DATA / f"{name}.gold").write_text(format_beads(d["gold"]), encoding="utf-8")
    non11 = sum(b.kind != "1-1" for b in d["gold"])
    print(f"{name}: {len(d['src'])} source, {len(d['tgt'])} target sentences, {len(d['gold'])} beads, "
          f"{non11} not 1-1")


def tmx_pairs(filename: str, swap: bool = False) -> list[tuple[str, str]]:
    """Consecutive units of a TMX sample as plain text (inline codes dropped), in file order."""
    from tmtool.inline import strip_markers
    from tmtool.formats.tmx import TmxReader

    with open(TMX_DIR / filename, "rb") as f:
        units = [u for _, u in TmxReader(f, filename)]
    pairs = []
    for u in units:
        s, t = (clean(strip_markers(u.source)), clean(strip_markers(u.target)))
        if s and t:
            pairs.append((t, s) if swap else (s, t))
    return pairs


def clean(text: str) -> str:
    # The Trados test export appends the test marker "Aded Text" to many Welsh segments.
    text = re.sub(r"\s*Aded Text$", "", text)
    return " ".join(text.split())


def build() -> None:
    from tmtool.align.english import segment_english
    from tmtool.segment import segment_text

    corpora = {
        "news-id-en": _ours(),
        "cy-en-trados": tmx_pairs("sdlstudio-export-cy-GB.tmx"),
        "es-en-openxliff": tmx_pairs("openxliff-tmxeditor_es.ditamap.tmx", swap=True),
    }
    for seed, (name, pairs) in enumerate(corpora.items(), 1):
        src, tgt = [p[0] for p in pairs], [p[1] for p in pairs]
        write_set(name, perturb(src, tgt, 0.06, seed))
        write_set(f"{name}-hard", perturb(src, tgt, 0.2, seed + 100))

    # The example article: our reference as it is (all 1-1), and edited by hand.
    id_segments = [s.text for s in segment_text((ARTICLE.with_suffix(".id.txt")).read_text(encoding="utf-8"))]
    reference = read_lines(ARTICLE.with_suffix(".en.sentences.txt"))
    write_set("article", {"src": id_segments, "tgt": reference, "mt": reference,
                          "gold": [Bead((k,), (k,)) for k in range(len(reference))]})
    edited = [s.text for s in segment_english((DATA / "article-edited.en.txt").read_text(encoding="utf-8"))]
    gold = parse_beads((DATA / "article-edited.gold").read_text(encoding="utf-8"))
    check_beads(gold, len(id_segments), len(edited))
    write_set("article-edited", {"src": id_segments, "tgt": edited, "mt": reference, "gold": gold})


def _ours() -> list[tuple[str, str]]:
    pairs = []
    for id_path in sorted((DATA / "originals").glob("*.id.txt")):
        src = read_lines(id_path)
        tgt = read_lines(id_path.with_name(id_path.name.replace(".id.", ".en.")))
        assert len(src) == len(tgt), id_path
        pairs += list(zip(src, tgt))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=["run", "build"], default="run")
    parser.add_argument("--data", action="append", help="Only this data set (repeatable).")
    parser.add_argument("--speed", type=int, default=0, help="Also time this many sentences a side.")
    parser.add_argument("--model", help="Translate the source with this model instead of NAME.mt.txt.")
    parser.add_argument("--no-anchors", action="store_true", help="Length scorer without shared tokens.")
    args = parser.parse_args()
    if args.command == "build":
        build()
        return
    translator = None
    if args.model:
        from tmtool.translate import get_translator

        translator = get_translator("transformers", model=args.model, device="cpu")
    print_table(evaluate(args.data, translator, use_anchors=not args.no_anchors))
    if args.speed:
        speed(args.speed)


if __name__ == "__main__":
    main()
