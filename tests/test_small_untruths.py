"""What tmtool prints is what is true (issue 14, item 6): TSV columns, model info and fetch
offline, the score hint, plurals, tm stats in a user's words, and the search diff's spacing."""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO
from test_review import DOC, translate_example

from tmtool.memory.fuzzy import word_diff
from tmtool.terminal import plural


@pytest.fixture
def one_pair(tm_path, tmp_path, tmtool):
    """A memory holding one pair, and a one-sentence document translated from it (no model)."""
    (tmp_path / "one.tsv").write_text("Xi bertemu Aliyev di Samarkand.\tXi met Aliyev in Samarkand.\n",
                                      encoding="utf-8")
    (tmp_path / "one.txt").write_text("Xi bertemu Aliyev di Samarkand.\n", encoding="utf-8")
    tmtool("--tm", tm_path, "tm", "import", tmp_path / "one.tsv")
    return tm_path, tmp_path / "one.txt"


def test_translate_tsv_has_the_jsonl_columns(one_pair, tmtool):
    tm, doc = one_pair
    record = json.loads(tmtool("--tm", tm, "translate", doc, "--format", "jsonl").stdout)
    header, row = tmtool("--tm", tm, "translate", doc, "--format", "tsv").stdout.splitlines()
    keys = [k for k in record if k != "fuzzy"]
    keys[keys.index("model") + 1:keys.index("model") + 1] = ["fuzzy_score", "fuzzy_tu_id"]
    assert header.split("\t") == keys  # it lacked paragraph, status and model
    assert {"paragraph", "status", "model"} <= set(header.split("\t"))
    cells = dict(zip(header.split("\t"), row.split("\t")))
    assert (cells["status"], cells["origin"], cells["target"]) == ("draft", "tm", "Xi met Aliyev in Samarkand.")


def test_counts_of_one_are_singular(one_pair, tmtool):
    tm, doc = one_pair
    assert tmtool("--tm", tm, "translate", doc, "-o", doc.with_suffix(".en.txt")).stderr.startswith(
        "one.txt: 1 segment, 1 reused from the TM")
    assert tmtool("--tm", tm, "pairs").output.startswith("one.txt: 1 segment\n")
    stats = tmtool("--tm", tm, "tm", "stats").output
    assert ": 1 unit, 1 document (1 segment), " in stats
    assert "  id->en: 1 unit\n" in stats
    assert "(0 extra units)" in stats
    assert "1 pair to review" in tmtool("--tm", tm, "review", input="q\n").output
    assert "1 unit (tsv)" in tmtool("--tm", tm, "tm", "export", "-o", doc.with_suffix(".tsv")).stderr
    assert "one.txt: 1 pair set to approved" in tmtool("--tm", tm, "pairs", "set-status", "approved",
                                                       "--doc", "one.txt").output
    assert [plural(n, "entry") for n in (0, 1, 2)] == ["0 entries", "1 entry", "2 entries"]


def test_no_count_of_one_takes_a_plural_noun_in_the_sources():
    # A guard for new messages: "{n} segments" with a bare count is how "1 segments" happened.
    bare = re.compile(r"\{[^{}]*\} (segments|units|documents|pairs|sentences|copies)\b")
    found = [f"{p.relative_to(REPO)}: {m.group()}" for p in sorted((REPO / "src" / "tmtool").rglob("*.py"))
             for m in bare.finditer(p.read_text(encoding="utf-8"))]
    assert found == []


def test_tm_stats_says_the_fuzzy_index_state_in_words(one_pair, tmtool):
    tm, doc = one_pair
    assert "  fuzzy index: up to date (1 unit)\n" in tmtool("--tm", tm, "tm", "stats").output
    translate_example(tm)  # MT units are stored without folding them into the index
    out = tmtool("--tm", tm, "tm", "stats").output
    line = next(x for x in out.splitlines() if "fuzzy index" in x)
    assert "units up to id" not in line
    assert re.fullmatch(r"  fuzzy index: 1 of \d+ units indexed; searches read the other \d+ one by one "
                        r"\(complete, a little slower\) until 1,000 are waiting or the next tm import indexes them",
                        line), line


def test_search_diff_keeps_the_sentence_spacing(tm_path, tmp_path, tmtool):
    assert word_diff("Presiden tiba di Azerbaijan.", "Presiden tiba di Uzbekistan.") == (
        ("=", "Presiden tiba di"), ("-", "Azerbaijan"), ("+", "Uzbekistan"), ("=", "."))
    (tmp_path / "p.tsv").write_text("Xi tiba di Azerbaijan (Baku), kemarin.\tXi arrived in Azerbaijan.\n",
                                    encoding="utf-8")
    tmtool("--tm", tm_path, "tm", "import", tmp_path / "p.tsv")
    out = tmtool("--tm", tm_path, "tm", "search", "Xi tiba di Uzbekistan (Tashkent), kemarin.", "--min", "50").output
    assert "  diff: Xi tiba di [-Azerbaijan-]{+Uzbekistan+} ([-Baku-]{+Tashkent+}), kemarin.\n" in out


def test_score_with_a_whole_article_as_reference_mentions_align(tm_path, tmp_path, tmtool):
    translate_example(tm_path)
    ref = tmp_path / "article.en.txt"
    ref.write_text("One paragraph. Of the whole article.\n\nAnother one.\n", encoding="utf-8")
    r = tmtool("--tm", tm_path, "score", "--doc", DOC, "--ref", ref, code=1)
    assert "has 3 lines but document" in r.stderr
    assert "add --align to align its sentences to the segments" in r.stderr


def test_model_fetch_offline_is_one_tmtool_line(monkeypatch, tmtool):
    r = tmtool("model", "fetch", "someone/not-here", code=1)  # HF_HUB_OFFLINE=1 (conftest)
    assert r.stderr == "Error: cannot download 'someone/not-here': HF_HUB_OFFLINE is set; unset it on a connected machine\n"
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: as offline as it gets
    r = tmtool("model", "fetch", "someone/not-here", code=1)
    assert r.stderr.startswith("Error: cannot download 'someone/not-here': 127.0.0.1 cannot be reached from "
                               "this machine; run `tmtool model fetch` on a connected machine")
    assert "ConnectError" not in r.stderr and "Errno" not in r.stderr and len(r.stderr.splitlines()) == 1


def test_model_info_for_a_model_not_cached_does_what_the_readme_says(tmtool):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "A model that is not\n  cached gets the same one line as `translate`" in readme
    r = tmtool("model", "info", "someone/not-here", code=1)
    assert r.stderr.startswith("Error: model 'someone/not-here' is not in the local Hugging Face cache")
    assert len(r.stderr.splitlines()) == 1
