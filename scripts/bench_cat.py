"""How fast a CAT file is pre-translated when the memory answers all of it (issue 18).

Makes an XLIFF 1.2 file of N distinct Indonesian-looking sentences (N = 10,000 by default; a
third with a ``<g>`` pair, a third with an ``<x/>``), then

1. pre-translates it with a stand-in model that returns its input upper-cased (no real model:
   this times tmtool's own work, which is all that is left when the memory has everything) and
   stores the N units, as a first ``tmtool translate job.xlf`` would;
2. pre-translates it again: every segment from the memory, no model loaded (the figure asked
   for);
3. imports the filled file with ``tm import`` into a fresh memory, and exports it as XLIFF.

Each step reads and writes real files on disk and uses a SQLite memory. Prints seconds and
segments per second for each. Usage: ``python scripts/bench_cat.py [--units 10000]``.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from tmtool.exchange import export, import_file  # noqa: E402
from tmtool.formats.catdoc import open_document  # noqa: E402
from tmtool.memory import SQLiteMemory  # noqa: E402
from tmtool.pretranslate import pretranslate  # noqa: E402
from tmtool.translate.base import Translator  # noqa: E402

WORDS = ("presiden pemerintah kerja sama negara bilateral pembangunan ekonomi masyarakat hubungan "
         "internasional strategis kompleks situasi perdagangan investasi budaya pendidikan kesehatan "
         "teknologi infrastruktur energi pariwisata keamanan global inisiatif").split()


class Upper(Translator):
    model_id = "bench-upper"
    default_batch_size = 256

    def translate_batch(self, texts):
        return [t.upper() for t in texts]


class Refuses(Translator):
    model_id = "never"

    def translate_batch(self, texts):
        raise AssertionError("the memory should have answered every segment")


def make_job(n: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    units = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
        words[0] = words[0].capitalize()
        if i % 3 == 1:
            k = rng.randrange(1, len(words) - 1)
            words[k] = f'<g id="1">{words[k]}</g>'
        elif i % 3 == 2:
            words.insert(rng.randrange(1, len(words)), '<x id="2"/>')
        units.append(f'<trans-unit id="u{i}"><source>{" ".join(words)} {i}.</source></trans-unit>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" '
            'xmlns="urn:oasis:names:tc:xliff:document:1.2">\n<file original="bench.html" '
            'source-language="id" target-language="en" datatype="html"><body>\n'
            + "\n".join(units) + "\n</body></file></xliff>\n").encode()


def timed(label: str, n: int, fn):
    started = time.perf_counter()
    out = fn()
    s = time.perf_counter() - started
    print(f"{label:<58} {s:7.2f} s  {n / s:9,.0f} segments/s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    args = ap.parse_args()
    n = args.units
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, {n:,} units")
    with tempfile.TemporaryDirectory() as d:
        job = Path(d) / "job.xlf"
        job.write_bytes(make_job(n))
        tm_path = Path(d) / "tm.sqlite"

        def run(translator):
            with SQLiteMemory(tm_path) as tm:
                doc = open_document(job.read_bytes(), job.name, "xliff")
                result = pretranslate(doc, tm, translator)
            (Path(d) / "job.out.xlf").write_bytes(result.data)
            return result

        first = timed("1. pre-translate, stand-in model, store every unit", n, lambda: run(Upper))
        second = timed("2. pre-translate again: all from the memory, no model", n, lambda: run(Refuses))
        assert second.reused == n and second.translated == 0, second
        assert first.translated == n
        other = Path(d) / "imported.sqlite"

        def imp():
            with SQLiteMemory(other) as tm:
                return import_file(tm, Path(d) / "job.out.xlf")

        report = timed("3. tm import of the filled file (fresh memory)", n, imp)
        assert report.read == n, report

        def exp():
            with SQLiteMemory(other) as tm, open(Path(d) / "export.xlf", "w", encoding="utf-8") as f:
                return export(tm, f, "xliff")

        timed("4. tm export -f xliff", n, exp)


if __name__ == "__main__":
    main()
