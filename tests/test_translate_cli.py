"""End to end: `tmtool translate` with a real (tiny, locally trained) MarianMT model."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import ARTICLE, ARTICLE_EN, ARTICLE_EN_SENTENCES, REPO
from tmtool.cli import cli

SEGMENTS = 20
REFERENCE = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
TINY_EXTRA = REPO / "tests" / "data" / "tiny-extra.tsv"


def jsonl(text):
    return [json.loads(line) for line in text.splitlines()]


def test_translates_the_example_article_with_its_structure(tm_path, tiny_model, tmp_path, tmtool):
    out = tmp_path / "article.en.txt"
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, "-o", out, check=False)
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == ARTICLE_EN.read_text(encoding="utf-8")
    assert r.stderr.startswith(
        "antara-2022-09-15-xi-aliyev.id.txt: 20 segments, 0 reused from the TM, 20 translated by the model"
    )


def test_jsonl_then_second_run_reuses_everything_without_loading_a_model(tm_path, tiny_model, tmtool):
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, "--format", "jsonl", check=False)
    first = jsonl(r.stdout)
    assert [o["index"] for o in first] == list(range(SEGMENTS))
    assert [o["target"] for o in first] == REFERENCE
    assert {(o["origin"], o["match"], o["model"], o["status"]) for o in first} == {
        ("mt", None, str(tiny_model), "draft")
    }
    assert first[0]["source"].startswith("Samarkand (ANTARA) - Presiden China Xi Jinping")
    assert first[-1]["source"] == "Copyright © ANTARA 2022"
    # A model that cannot load proves the second run never tries to.
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", "/no/such/model", "--format", "jsonl", check=False)
    assert r.exit_code == 0, r.output
    second = jsonl(r.stdout)
    # The same document again: every segment is in its stored context, a 101 match (issue 9).
    assert [(o["origin"], o["match"]) for o in second] == [("tm", 101)] * SEGMENTS
    assert [o["tu_id"] for o in second] == [o["tu_id"] for o in first]
    assert [o["target"] for o in second] == REFERENCE
    assert ("20 reused from the TM (20 of them this document's own earlier machine translation), "
            "0 translated by the model") in r.stderr


def test_pairs_are_stored_with_provenance(tm_path, tiny_model, tmtool):
    tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, "--author", "ayu", check=False)
    db = sqlite3.connect(tm_path)
    rows = db.execute("SELECT origin, model, status, author, src_lang, tgt_lang FROM units").fetchall()
    assert len(rows) == SEGMENTS
    assert set(rows) == {("mt", str(tiny_model), "draft", "ayu", "id", "en")}
    ctx = db.execute(
        "SELECT prev_source, next_source FROM units WHERE source = 'Penerjemah: Xinhua'"
    ).fetchone()
    assert ctx == ("Ding Xuexiang, Yang Jiechi, Wang Yi, He Lifeng, dan sejumlah pejabat lainnya turut "
                   "menghadiri pertemuan itu.", "Editor: Atman Ahdiat")
    (doc, paragraphs) = db.execute(
        "SELECT d.name, count(DISTINCT s.paragraph) FROM documents d JOIN segments s ON s.doc_id = d.id"
    ).fetchone()
    assert (doc, paragraphs) == ("antara-2022-09-15-xi-aliyev.id.txt", 13)
    r = tmtool("--tm", tm_path, "pairs", "--format", "jsonl", check=False)
    pairs = jsonl(r.stdout)
    assert [p["target"] for p in pairs] == REFERENCE
    assert [p["paragraph"] for p in pairs[:6]] == [0, 1, 1, 2, 3, 3]


def test_tsv_format_and_stdin_to_stdout(tm_path, tiny_model, tmtool):
    text = ARTICLE.read_text(encoding="utf-8")
    r = tmtool("--tm", tm_path, "translate", "-", "--model", tiny_model, "--format", "tsv", input=text, check=False)
    lines = r.stdout.splitlines()
    assert lines[0] == ("index\tparagraph\tsource\ttarget\torigin\tmatch\ttu_id\tstatus\tmodel\t"
                        "fuzzy_score\tfuzzy_tu_id\town_mt\ttruncated")
    assert len(lines) == SEGMENTS + 1
    assert lines[19].split("\t")[3:6] == ["Editor: Atman Ahdiat", "mt", ""]
    r = tmtool("--tm", tm_path, "translate", "-", "--model", tiny_model, input=text, check=False)
    assert r.stdout == ARTICLE_EN.read_text(encoding="utf-8")
    assert r.stderr.startswith("stdin: 20 segments, 20 reused from the TM")


def test_no_reuse_sends_everything_to_the_model(tm_path, tiny_model, tmtool):
    tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, check=False)
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, "--no-reuse", "-f", "jsonl", check=False)
    assert {o["origin"] for o in jsonl(r.stdout)} == {"mt"}
    assert sqlite3.connect(tm_path).execute("SELECT count(*) FROM units").fetchone()[0] == SEGMENTS


def test_repeated_sentences_go_to_the_model_once(tm_path, tiny_model, tmp_path, tmtool):
    doc = tmp_path / "repeat.txt"
    doc.write_text("Selamat pagi. Selamat pagi.\n\nSelamat  pagi.\n", encoding="utf-8")
    r = tmtool("--tm", tm_path, "translate", doc, "--model", tiny_model, "-f", "jsonl", check=False)
    rows = jsonl(r.stdout)
    assert len(rows) == 3 and len({o["tu_id"] for o in rows}) == 1
    assert "3 translated by the model (1 distinct)" in r.stderr


def test_a_sentence_longer_than_the_model_limit_is_split_not_truncated(
    tm_path, tiny_model, tiny_translator, tmp_path, tmtool
):
    clause = "Xi menekankan bahwa situasi internasional saat ini tengah mengalami perubahan"
    long = ", ".join([clause] * 40) + "."
    doc = tmp_path / "long.txt"
    doc.write_text(long + "\n", encoding="utf-8")
    pieces = tiny_translator.pieces(long)
    assert len(pieces) > 1 and " ".join(pieces) == long  # cut between clauses, nothing lost
    assert max(tiny_translator.count_tokens(pieces)) <= tiny_translator.max_source_tokens == 256
    # The transformers backend, as the expected translation comes from it (test_ct2.py does ct2).
    r = tmtool("--tm", tm_path, "translate", doc, "--model", tiny_model, "-f", "jsonl", "--backend", "transformers",
               check=False)
    assert r.exit_code == 0, r.output
    tokens = tiny_translator.count_tokens([long])[0]
    assert f"note: segment 1 has {tokens} tokens, more than the model's limit of 256: " \
        f"translated in {len(pieces)} pieces" in r.stderr
    (row,) = jsonl(r.stdout)
    assert row["target"] == " ".join(t.strip() for t in tiny_translator.translate(pieces))


def test_missing_model_directory_is_one_clear_line(tm_path, tmp_path, tiny_model, tmtool):
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tmp_path / "nope", check=False)
    assert r.exit_code == 1
    assert r.output == f"Error: model directory {tmp_path / 'nope'} does not exist\n"
    # The model is loaded before anything is stored: not even an empty memory is left behind
    # (issue 20), so the next command says there is none.
    assert not tm_path.exists() and not tm_path.parent.exists()
    r = tmtool("--tm", tm_path, "docs", check=False)
    assert r.exit_code == 1 and r.output.startswith(f"Error: no translation memory at {tm_path}")
    # With a memory already there, the model is still loaded before anything is stored: no
    # units, and no document of untranslated segments.
    assert tmtool("--tm", tm_path, "tm", "import", TINY_EXTRA, check=False).exit_code == 0
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tmp_path / "nope", check=False)
    assert r.exit_code == 1
    db = sqlite3.connect(tm_path)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0


def test_uncached_hub_model_offline_says_how_to_fix_it(tm_path, tmtool):
    r = tmtool("--tm", tm_path, "translate", ARTICLE, check=False)
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "Traceback" not in r.output
    assert "model 'Helsinki-NLP/opus-mt-id-en' is not in the local Hugging Face cache" in r.output
    assert "--model DIR" in r.output and "tmtool model fetch Helsinki-NLP/opus-mt-id-en" in r.output
    assert "HF_HUB_OFFLINE" in r.output


def test_unreachable_hub_fails_fast_without_retries(tm_path, monkeypatch, tmtool):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    r = tmtool("--tm", tm_path, "translate", ARTICLE, check=False)
    assert r.exit_code == 1
    assert "the hub cannot be reached" in r.output


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, "is not a model directory (it has no config.json)"),
        ({"config.json": '{"model_type": "bert"}'}, "is a 'bert' model, not MarianMT"),
        ({"config.json": "{not json"}, "cannot read the model config"),
    ],
)
def test_bad_model_directories(tm_path, tmp_path, files, message, tmtool):
    d = tmp_path / "model"
    d.mkdir()
    for name, content in files.items():
        (d / name).write_text(content)
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", d, check=False)
    assert r.exit_code == 1
    assert message in r.output and r.output.count("\n") == 1


def test_input_errors_exit_1_and_leave_the_tm_alone(tm_path, tmp_path, tmtool):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 di Jakarta.")
    r = tmtool("--tm", tm_path, "translate", bad, check=False)
    assert r.exit_code == 1
    assert r.output == f"Error: {bad}: not valid utf-8 at byte 3; pass --encoding (for example --encoding cp1252)\n"
    r = tmtool("--tm", tm_path, "translate", tmp_path / "missing.txt", check=False)
    assert r.exit_code == 1 and "no such file" in r.output
    assert not tm_path.exists()


@pytest.mark.parametrize("content", [b"", b"\n\n  \t\n", "\u00a0\n".encode()])
def test_empty_input_is_refused_before_the_memory_is_touched(tm_path, tmp_path, content, tmtool):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(content)
    r = tmtool("--tm", tm_path, "translate", empty, check=False)
    assert r.exit_code == 1
    assert r.output == f"Error: {empty}: nothing to translate (the input is empty or only whitespace)\n"
    assert not tm_path.exists()


def test_crlf_input_keeps_its_line_ends(tm_path, tiny_model, tmp_path, tmtool):
    doc = tmp_path / "crlf.txt"
    doc.write_bytes(b"Selamat pagi.\r\n\r\nApa kabar?\r\n")
    r = tmtool("--tm", tm_path, "translate", doc, "--model", tiny_model, "-o", tmp_path / "out.txt", check=False)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out.txt").read_bytes() == b"Good morning.\r\n\r\nHow are you?\r\n"


def test_read_only_commands_need_an_existing_memory(tm_path, tmtool):
    r = tmtool("--tm", tm_path, "pairs", check=False)
    assert r.exit_code == 1
    assert r.output == f"Error: no translation memory at {tm_path} (run `tmtool translate` to create one, or pass --tm PATH)\n"
    assert not tm_path.exists()


def test_default_tm_location_and_env_override(tiny_model, tmp_path, monkeypatch, tmtool):
    r = tmtool("translate", ARTICLE, "--model", tiny_model, check=False)
    assert r.exit_code == 0
    assert (tmp_path / "memory" / "tm.sqlite").is_file()
    monkeypatch.setenv("TMTOOL_TM", str(tmp_path / "elsewhere.sqlite"))
    r = tmtool("docs", check=False)
    assert r.exit_code == 1 and "elsewhere.sqlite" in r.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["translate"], "Error: Missing argument 'INPUT...'; see 'cli translate --help'"),
        (["translate", "x.txt", "--beams", "0"],
         "Error: Invalid value for '--beams': 0 is not in the range 1<=x<=64; see 'cli translate --help'"),
        (["nosuch"], "Error: No such command 'nosuch'; see 'cli --help'"),
    ],
)
def test_command_line_mistakes_are_one_line_with_exit_2(args, message, tmtool):
    r = tmtool(*args, check=False)
    assert r.exit_code == 2
    assert r.output == message + "\n"


@pytest.mark.parametrize("codec, bom", [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
                                        ("utf-16-be", b"\xfe\xff")])
def test_the_output_keeps_the_inputs_byte_order_mark(tm_path, tiny_model, tmp_path, codec, bom, tmtool):
    """Issue 20: the English document is written as the original was, BOM and encoding."""
    doc = tmp_path / "bom.txt"
    doc.write_bytes(bom + "Selamat pagi.\r\n\r\nApa kabar?\r\n".encode(codec))
    out = tmp_path / "out.txt"
    r = tmtool("--tm", tm_path, "translate", doc, "--model", tiny_model, "-o", out, check=False)
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == bom + "Good morning.\r\n\r\nHow are you?\r\n".encode(codec)
    r = tmtool("--tm", tm_path, "translate", doc, check=False)  # to stdout, from the memory
    assert r.stdout_bytes == bom + "Good morning.\r\n\r\nHow are you?\r\n".encode(codec)
    r = tmtool("--tm", tm_path, "translate", doc, "--format", "jsonl", check=False)  # records: always plain UTF-8
    assert not r.stdout_bytes.startswith((b"\xef", b"\xff", b"\xfe"))
    assert [row["target"] for row in jsonl(r.stdout)] == ["Good morning.", "How are you?"]


def test_input_read_with_encoding_gives_utf8_output(tm_path, tiny_model, tmp_path, tmtool):
    doc = tmp_path / "latin1.txt"
    doc.write_bytes("Selamat pagi.\n".encode("cp1252"))
    out = tmp_path / "out.txt"
    r = tmtool("--tm", tm_path, "translate", doc, "--model", tiny_model, "--encoding", "cp1252", "-o", out,
               check=False)
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == b"Good morning.\n"
