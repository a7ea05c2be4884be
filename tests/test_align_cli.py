"""tmtool align: dry run, storing, formats, the MT-assisted path with the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ARTICLE

from tmtool.align import parse_beads
from tmtool.cli import cli
from tmtool.memory import SQLiteMemory

EDITED = Path(__file__).parent / "data" / "align" / "article-edited.en.txt"
GOLD = parse_beads((Path(__file__).parent / "data" / "align" / "article-edited.gold").read_text(encoding="utf-8"))


def test_dry_run_prints_a_table_and_stores_nothing(tm_path, tmtool):
    result = tmtool("--tm", tm_path, "align", ARTICLE, EDITED, "--no-model", "--dry-run", check=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split("│")[0].strip() == "source" and "bead" in lines[0] and "conf" in lines[0]
    assert "Samarkand (ANTARA) - Presiden China Xi" in result.stdout
    assert "2-1" in result.stdout and "1-2" in result.stdout
    assert "20 source and 19 target sentences" in result.stderr and "nothing stored" in result.stderr
    assert not tm_path.exists()


def test_align_stores_pairs_that_tmtool_pairs_shows(tm_path, tmtool):
    result = tmtool("--tm", tm_path, "align", ARTICLE, EDITED, "--no-model", "--doc", "xi", "--author", "ana",
                    check=False)
    assert result.exit_code == 0, result.output
    assert "pairs stored as aligned drafts" in result.stderr
    assert result.stdout == ""
    with SQLiteMemory(tm_path) as tm:
        pairs = tm.pairs("xi")
    assert len(pairs) == 20
    units = [p.unit for p in pairs if p.unit]
    assert {(u.origin, u.status, u.author) for u in units} == {("aligned", "draft", "ana")}
    shown = CliRunner().invoke(cli, ["--tm", str(tm_path), "pairs", "--doc", "xi", "--format", "jsonl"])
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    assert rows[0]["origin"] == "aligned" and rows[0]["target"].startswith("Samarkand (ANTARA) - Chinese")


def test_formats_jsonl_and_beads(tm_path, tmtool):
    result = tmtool("--tm", tm_path, "align", ARTICLE, EDITED, "--no-model", "--dry-run", "--format", "jsonl",
                    check=False)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert set(records[0]) == {"bead", "src", "tgt", "source", "target", "confidence"}
    assert sum(len(r["src"]) for r in records) == 20 and sum(len(r["tgt"]) for r in records) == 19
    beads = tmtool("--tm", tm_path, "align", ARTICLE, EDITED, "--no-model", "--dry-run", "--format", "beads",
                   check=False).stdout
    assert [b.kind for b in parse_beads(beads)] == [r["bead"] for r in records]


def test_lines_mode_takes_one_sentence_per_line(tmp_path, tm_path, tmtool):
    src, tgt = tmp_path / "s.txt", tmp_path / "t.txt"
    src.write_text("Satu. Dua.\nTiga.\n", encoding="utf-8")
    tgt.write_text("One. Two.\nThree.\n", encoding="utf-8")
    out = tmtool("--tm", tm_path, "align", src, tgt, "--lines", "--no-model", "--dry-run", "--format", "beads",
                 check=False)
    assert out.stdout == "[0]:[0]\n[1]:[1]\n"


def test_without_a_downloaded_model_it_falls_back_to_length(tm_path, tmtool):
    result = tmtool("--tm", tm_path, "align", ARTICLE, EDITED, "--dry-run", "--format", "beads", check=False)
    assert result.exit_code == 0
    assert "is not downloaded; aligned by length" in result.stderr


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--model", "x", "--no-model"], 2, "do not go together"),
        (["--min-confidence", "2"], 2, "--min-confidence"),
    ],
)
def test_usage_errors(tm_path, args, code, message, tmtool):
    result = tmtool("--tm", tm_path, "align", ARTICLE, EDITED, *args, check=False)
    assert result.exit_code == code and message in result.output


def test_missing_file_is_a_one_line_error(tm_path, tmtool):
    result = tmtool("--tm", tm_path, "align", ARTICLE, "nope.en.txt", "--no-model", check=False)
    assert result.exit_code == 1 and "nope.en.txt" in result.output and "Traceback" not in result.output
    assert not tm_path.exists()


def test_help_has_an_example():
    out = CliRunner().invoke(cli, ["align", "--help"]).output
    assert "Example:" in out and "--min-confidence" in out and "--dry-run" in out


@pytest.mark.slow
def test_mt_assisted_alignment_with_the_tiny_model(tm_path, tiny_model, tmtool):
    """The tiny model translates the article exactly: with it every bead is right."""
    result = tmtool("--tm", tm_path, "align", ARTICLE, EDITED, "--model", tiny_model, "--device", "cpu", "--format",
                    "beads", check=False)
    assert result.exit_code == 0, result.output
    assert parse_beads(result.stdout) == [b for b in GOLD]
    assert f"MT ({tiny_model})" in result.stderr
    with SQLiteMemory(tm_path) as tm:
        units = [p.unit for p in tm.pairs(ARTICLE.name) if p.unit]
    assert all(u.props["x-align-scorer"] == f"mt:{tiny_model}" for u in units)
