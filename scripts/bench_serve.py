"""How fast `tmtool serve` opens a big document and answers a decision (issue 19).

Builds a SQLite memory with one document of N segments (default 5,000; the example article's
sentences, numbered so that each is its own unit), every segment translated by "the model" and
scored (sentence BLEU and chrF, as `tmtool score` stores them) and given a fuzzy suggestion,
then starts the real server
(werkzeug, threaded, on a free loopback port) and measures over HTTP, with a cookie-keeping
client as a browser would:

* the document list, and the document's first page (100 rows), the worst-BLEU-first order and a
  text search, each the median and worst of several loads (each load re-reads the document);
* decisions: accept, then edit, of distinct pairs, one POST each (a transaction with its history
  row), median, 95th percentile and worst.

    python scripts/bench_serve.py --segments 5000 --workdir /tmp/servebench

Prints JSON; docs/review-and-score.md keeps the figures.
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import json
import re
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
ARTICLE = REPO / "examples" / "antara-2022-09-15-xi-aliyev.id.txt"
ROW = re.compile(r'data-seg="(\d+)" data-tu="(\d+)" data-target="([^"]*)" data-status="(\w+)" '
                 r'data-origin="(\w+)" data-updated="([^"]+)"')


def build(path: Path, n: int) -> str:
    """A memory at ``path`` with one scored document of ``n`` segments; returns its name."""
    from tmtool import segment_text
    from tmtool.memory import open_memory
    from tmtool.memory.core import now
    from tmtool.memory.records import StoredCorpusScore, StoredScore
    from tmtool.records import TranslationUnit

    base = [s.text for s in segment_text(ARTICLE.read_text(encoding="utf-8"))]
    lines = [f"Kalimat {i + 1}: {base[i % len(base)]}" for i in range(n)]
    text = "\n\n".join(lines) + "\n"
    name = f"bench-{n}.txt"
    segments = segment_text(text)
    assert len(segments) == n, len(segments)
    with open_memory(path) as tm:
        doc_id = tm.save_document(name, text, segments, "id", "en")
        ids = tm.add_units(TranslationUnit(None, s.text, f"Sentence {s.index + 1} in English.", model="bench-mt")
                           for s in segments)
        tm.link_segments(doc_id, dict(enumerate(ids)), {i: 0 for i in range(n)})
        # Every segment has a recorded fuzzy suggestion (the unit of the segment before it).
        tm.record_suggestions(doc_id, {i: (ids[i - 1], 80) for i in range(1, n)})
        stamp = now()
        sentences = [
            (s.index, StoredScore(metric, (s.index * 37) % 100 + 0.5, f"{metric}|bench", f"Sentence {s.index + 1} in English.",
                                  ("A reference.",), "file", stamp))
            for s in segments for metric in ("BLEU", "chrF2")
        ]
        corpus = [StoredCorpusScore("BLEU", 50.0, "BLEU|bench", "BLEU = 50.0", None, None, n, "file", stamp)]
        tm.save_scores(name, corpus, sentences)
    return name


def timed(opener, request) -> tuple[float, bytes, int]:
    started = time.perf_counter()
    try:
        with opener.open(request) as r:
            body, code = r.read(), r.status
    except urllib.error.HTTPError as e:
        body, code = e.read(), e.code
    return (time.perf_counter() - started) * 1000, body, code


def summary(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[max(0, int(len(ms) * 0.95) - 1)], 1), "max_ms": round(ms[-1], 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--segments", type=int, default=5000)
    ap.add_argument("--loads", type=int, default=7, help="page loads per measure")
    ap.add_argument("--decisions", type=int, default=80, help="decisions: 3 accepts to 1 edit")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/servebench"))
    args = ap.parse_args()
    from tmtool.memory import open_memory
    from tmtool.serve.server import make_server

    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"serve-{args.segments}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    name = build(path, args.segments)
    built_s = time.perf_counter() - started

    tm = open_memory(path)
    server = make_server(tm, port=0, author="bench")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def page(**query) -> tuple[float, str]:
        ms, body, code = timed(opener, f"{base}/doc?{urllib.parse.urlencode({'name': name, **query})}")
        assert code == 200, body[:300]
        return ms, body.decode()

    results: dict = {"segments": args.segments, "build_s": round(built_s, 1)}
    results["list"] = summary([timed(opener, base + "/")[0] for _ in range(args.loads)])
    loads = [page() for _ in range(args.loads)]
    results["open_first_page"] = summary([ms for ms, _ in loads])
    results["page_bytes"] = len(loads[-1][1].encode())
    results["worst_bleu_first"] = summary([page(order="worst-bleu")[0] for _ in range(args.loads)])
    results["search"] = summary([page(q="Aliyev")[0] for _ in range(args.loads)])
    results["last_page"] = summary([page(page=str(args.segments // 100))[0] for _ in range(args.loads)])

    accepts, edits = [], []
    for number in range(1, args.decisions // 100 + 2):
        _, text = page(page=str(number), status="draft")
        csrf = re.search(r'name="csrf-token" content="([0-9a-f]+)"', text).group(1)
        for m in ROW.finditer(text):
            if len(accepts) + len(edits) >= args.decisions:
                break
            seg, tu, target, status, origin, updated = m.groups()
            form = {"name": name, "seg": seg, "tu": tu, "target": html.unescape(target), "status": status,
                    "origin": origin, "updated": updated}
            edit = (len(accepts) + len(edits)) % 4 == 3
            form.update({"action": "edit", "text": f"Edited sentence {seg}."} if edit else {"action": "accept"})
            request = urllib.request.Request(f"{base}/decide", data=urllib.parse.urlencode(form).encode(),
                                             headers={"X-CSRF-Token": csrf})
            ms, body, code = timed(opener, request)
            assert code == 200, body[:300]
            (edits if edit else accepts).append(ms)
    results["accept"] = summary(accepts)
    results["edit"] = summary(edits)
    server.shutdown()
    server.server_close()
    with open_memory(path) as check:  # every decision is in the memory, with its history
        rows = check.conn.execute("SELECT action, count(*) FROM history GROUP BY action").fetchall()
        results["history_rows"] = {r[0]: r[1] for r in rows}
    tm.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
