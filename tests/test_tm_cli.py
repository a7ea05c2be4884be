"""tmtool tm import | export | search | stats, and translate's jsonl `fuzzy` field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from tmtool.cli import cli

DATA = Path(__file__).parent / "data" / "tmx"


@pytest.fixture
def tm_path(memory_location):
    """Every test of this module runs on both back ends (SQLite file, PostgreSQL server)."""
    return memory_location


def test_import_reports_each_file_and_stats_sum_up(tm_path, tmtool):
    r = tmtool("--tm", tm_path, "tm", "import", str(DATA / "sdlstudio-status.tmx"),
               str(DATA / "okapi-potest.po.empty.tmx"))
    lines = r.output.splitlines()
    assert lines[0].endswith("sdlstudio-status.tmx: 14 units (en->de), 14 added, 0 merged, " + lines[0].split(", ")[-1])
    assert "skipped 12 with an empty target" in lines[1]
    stats = json.loads(tmtool("--tm", tm_path, "tm", "stats", "--json").output)
    assert (stats["units"], stats["pairs"], stats["statuses"]) == (
        14, [{"src_lang": "en", "tgt_lang": "de", "units": 14}], {"draft": 14})
    assert "en->de: 14 units" in tmtool("--tm", tm_path, "tm", "stats").output


def test_import_with_languages_and_status(tm_path, tmtool):
    r = tmtool("--tm", tm_path, "tm", "import", str(DATA / "omegat-test-multiple-tuv.tmx"), "--source-lang", "EN-us", "--target-lang",
               "de", "--status", "approved")
    assert "2 units (en-US->de)" in r.output
    stats = json.loads(tmtool("--tm", tm_path, "tm", "stats", "--json").output)
    assert stats["statuses"] == {"approved": 2}


def test_a_hostile_or_broken_file_is_one_line_and_exit_1(tm_path, tmp_path, tmtool):
    evil = tmp_path / "evil.tmx"
    evil.write_text('<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<tmx version="1.4"><header srclang="id"/><body/></tmx>', encoding="utf-8")
    r = tmtool("--tm", tm_path, "tm", "import", str(evil), check=False)
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "DOCTYPE declares entities" in r.output
    r = tmtool("--tm", tm_path, "tm", "import", str(tmp_path / "missing.tmx"), check=False)
    assert (r.exit_code, r.output.strip()) == (1, f"Error: {tmp_path / 'missing.tmx'}: no such file")
    r = tmtool("--tm", tm_path, "tm", "import", str(DATA / "README.md"), check=False)
    assert r.exit_code == 2 and "pass --format" in r.output


def test_export_formats_and_filters(tm_path, tmp_path, tmtool):
    tmtool("--tm", tm_path, "tm", "import", str(DATA / "lisa-ImportTest2A.tmx"))
    out = tmp_path / "out.tmx"
    r = tmtool("--tm", tm_path, "tm", "export", "-o", str(out))
    assert "7 units (tmx)" in r.output
    assert etree.DTD(str(DATA / "tmx14.dtd")).validate(etree.parse(str(out)))
    assert '<bpt i="1" x="1" type="bold">&lt;b&gt;</bpt>black<ept i="1">&lt;/b&gt;</ept>' in out.read_text()
    lines = tmtool("--tm", tm_path, "tm", "export", "--format", "jsonl").output.splitlines()
    first = json.loads(lines[0])
    assert first["source"] == "The big <b>black</b> <u>cat</u> sleeps."
    assert first["source_tmx"].startswith('The big <bpt i="1" x="1" type="bold">')
    tsv = tmtool("--tm", tm_path, "tm", "export", "-o", str(tmp_path / "out.tsv")).output
    assert "7 units (tsv)" in tsv
    assert tmtool("--tm", tm_path, "tm", "export", "--status", "approved", "--format", "tsv").output.count("\n") == 1


def test_search_fuzzy_text_and_json_and_concordance(tm_path, tmp_path, tmtool):
    tsv = tmp_path / "units.tsv"
    tsv.write_text("source\ttarget\nIlham Aliyev tiba di Jakarta pada hari Senin.\tIlham Aliyev arrived in "
                   "Jakarta on Monday.\nHujan turun di Bandung.\tIt rained in Bandung.\n", encoding="utf-8")
    tmtool("--tm", tm_path, "tm", "import", str(tsv))
    r = tmtool("--tm", tm_path, "tm", "search", "Ilham Aliyev tiba di Bandung pada hari Senin.")
    assert r.output.startswith(" 86%  tu 1 · imported · draft\n")
    assert "diff: Ilham Aliyev tiba di [-Jakarta-]{+Bandung+} pada hari Senin." in r.output
    row = json.loads(tmtool("--tm", tm_path, "tm", "search", "Hujan turun di Bandung!", "--json").output)
    assert (row["score"], row["tu_id"], row["target"]) == (99, 2, "It rained in Bandung.")
    conc = tmtool("--tm", tm_path, "tm", "search", "bandung", "--concordance", "--json").output.splitlines()
    assert [json.loads(c)["tu_id"] for c in conc] == [2]
    none = tmtool("--tm", tm_path, "tm", "search", "Sesuatu yang lain sama sekali.")
    assert none.output.strip() == "no match"


def test_translate_jsonl_has_fuzzy_for_every_segment(tm_path):
    from tmtool import TranslationUnit, translate_document
    from tmtool.memory import open_memory
    from tmtool.cli.translate import render
    from tmtool.translate import Translator

    class Echo(Translator):
        model_id = "echo"

        def translate_batch(self, texts):
            return [f"MT {t}" for t in texts]

    with open_memory(tm_path) as tm:
        tm.add_units([TranslationUnit(None, "Hujan turun di Bandung.", "It rained in Bandung.")])
        result = translate_document("Hujan turun di Bandung. Hujan turun di Bandung tadi. Saya lapar.\n", tm, Echo,
                                    name="d")
    rows = [json.loads(line) for line in render(result, "jsonl").splitlines()]
    assert [r["fuzzy"] for r in rows] == [{"score": 100, "tu_id": 1}, {"score": 82, "tu_id": 1}, None]


def test_help_of_every_tm_command_has_an_example(tm_path, tmtool):
    for command in ("import", "export", "search", "stats", "copy"):
        out = tmtool("--tm", tm_path, "tm", command, "--help").output
        assert "Example:" in out
