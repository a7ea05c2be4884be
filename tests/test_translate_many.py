"""`tmtool translate` with several files and directories: one job, one memory (issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import ARTICLE, require_ct2

from tmtool.batch import collect_inputs
from tmtool.cli import cli
from tmtool.cli.translate_many import output_name
from tmtool.errors import UsageError
from tmtool.memory import open_memory

require_ct2(allow_module_level=True)
pytestmark = pytest.mark.ct2

ARTICLE_LINES = ARTICLE.read_text(encoding="utf-8").split("\n\n")


def make_corpus(root):
    """Three documents sharing sentences, in a directory tree, plus one outside it."""
    (root / "news" / "2022").mkdir(parents=True)
    (root / "news" / "a.id.txt").write_text("\n\n".join(ARTICLE_LINES[:2]) + "\n", encoding="utf-8")
    (root / "news" / "2022" / "b.txt").write_text("\n\n".join(ARTICLE_LINES[1:4]) + "\n", encoding="utf-8")
    (root / "news" / ".hidden.txt").write_text("Tidak dibaca.\n", encoding="utf-8")
    (root / "c.txt").write_text(ARTICLE_LINES[0] + "\nSelamat pagi.\n", encoding="utf-8")
    return [root / "news", root / "c.txt"]


def test_inputs_are_collected_in_a_stable_order_and_named_by_their_path(tmp_path):
    inputs = make_corpus(tmp_path)
    (tmp_path / "news" / "a.en.txt").write_text("an earlier output\n", encoding="utf-8")
    docs = collect_inputs(inputs, skip_suffix=".en")
    assert [d.name for d in docs] == ["news/2022/b.txt", "news/a.id.txt", "c.txt"]
    assert docs[0].path == tmp_path / "news" / "2022" / "b.txt"
    with pytest.raises(UsageError, match="would both be stored as document 'c.txt'"):
        collect_inputs([tmp_path / "c.txt", tmp_path / "c.txt"])
    assert [output_name(tmp_path / n, "id", "en", f) for n, f in
            [("a.id.txt", "text"), ("b.txt", "text"), ("README", "text"), ("b.txt", "jsonl")]] == \
        ["a.en.txt", "b.en.txt", "README.en.txt", "b.en.jsonl"]


def test_several_documents_are_one_job_and_each_is_stored_as_translate_stores_one(tmp_path, tiny_model,
                                                                                   memory_location, tmtool):
    inputs = make_corpus(tmp_path)
    r = tmtool("--tm", memory_location, "translate", *inputs, "--model", tiny_model, check=False)
    assert r.exit_code == 0, r.output
    outputs = [tmp_path / "news" / "2022" / "b.en.txt", tmp_path / "news" / "a.en.txt", tmp_path / "c.en.txt"]
    # Each document alone, in one process, through its own memory: the same English, byte for byte.
    for n, (doc, out) in enumerate(zip(["news/2022/b.txt", "news/a.id.txt", "c.txt"], outputs)):
        alone = tmtool("--tm", tmp_path / f"alone{n}.sqlite", "translate", tmp_path / doc, "--model", tiny_model, "-o",
                       tmp_path / "x", check=False)
        assert alone.exit_code == 0, alone.output
        assert out.read_text(encoding="utf-8") == (tmp_path / "x").read_text(encoding="utf-8")
    lines = r.stderr.splitlines()
    assert lines[-1].startswith("total: 3 documents, 10 segments, 0 reused from the TM, 10 translated by the "
                                "model (7 distinct)")
    with open_memory(memory_location) as tm:
        assert sorted(d.name for d in tm.documents()) == ["c.txt", "news/2022/b.txt", "news/a.id.txt"]
        units = list(tm.iter_units())
        assert len(units) == len({u.source for u in units}) == 7  # each distinct source once
        pairs = [p for d in tm.documents() for p in tm.pairs(d.name)]
        assert len(pairs) == 10 and all(p.unit is not None and p.unit.source == p.segment.text for p in pairs)
    # A rerun reuses everything and loads no model.
    again = tmtool("--tm", memory_location, "translate", *inputs, "--model", tmp_path / "no-such-model", "-o",
                   tmp_path / "out", check=False)
    assert again.exit_code == 0, again.output
    # Each document's own earlier MT, told apart from other work, per document and in the total (issue 14).
    assert ("news/2022/b.txt: 5 segments, 5 reused from the TM (5 of them this document's own earlier machine "
            "translation), 0 translated by the model") in again.stderr
    assert ("total: 3 documents, 10 segments, 10 reused from the TM (10 of them their document's own earlier "
            "machine translation), 0 translated by the model, ") in again.stderr
    assert (tmp_path / "out" / "news" / "2022" / "b.txt").read_bytes() == outputs[0].read_bytes()
    assert (tmp_path / "out" / "c.txt").read_bytes() == outputs[2].read_bytes()
    # An -o DIR inside an input directory is not read as input the next time.
    inside = tmtool("--tm", memory_location, "translate", tmp_path / "news", "--model", tmp_path / "no-such-model",
                    "-o", tmp_path / "news" / "english", check=False)
    assert inside.exit_code == 0, inside.output
    again = tmtool("--tm", memory_location, "translate", tmp_path / "news", "--model", tmp_path / "no-such-model",
                   "-o", tmp_path / "news" / "english", check=False)
    assert again.exit_code == 0 and "total: 2 documents" in again.stderr, again.output


def test_a_document_that_fails_is_reported_and_the_others_go_on(tmp_path, tiny_model, tm_path, tmtool):
    inputs = make_corpus(tmp_path)
    (tmp_path / "news" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "news" / "latin1.txt").write_bytes("Caf\xe9 di Jakarta.\n".encode("latin-1"))
    r = tmtool("--tm", tm_path, "translate", *inputs, "--model", tiny_model, "--format", "jsonl", "-o",
               tmp_path / "out", check=False)
    assert r.exit_code == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and "image.png" in errors[0] and "latin1.txt" in errors[1]
    assert r.stderr.splitlines()[-1] == ("Error: 2 of 5 documents failed (see the errors above); "
                                         "the others are translated and stored")
    rows = [json.loads(x) for x in (tmp_path / "out" / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["source"] for row in rows][-1] == "Selamat pagi."
    with open_memory(tm_path) as tm:
        assert len(tm.documents()) == 3


def test_usage_errors_are_one_line_and_touch_nothing(tmp_path, tm_path, tmtool):
    inputs = make_corpus(tmp_path)
    cases = [
        ((*inputs, "-o", "-"), "several documents cannot all go to standard output; give -o DIR"),
        ((*inputs, "--doc", "x"), "--doc names one document"),
        ((tmp_path / "c.txt", "--workers", "2"), "--workers needs --ray"),
        ((*inputs, "-o", tmp_path / "c.txt"), "with several inputs -o names a directory"),
        ((tmp_path / "news", "-o", tmp_path), "is an input; it would be overwritten"),
    ]
    for args, message in cases:
        r = tmtool("--tm", tm_path, "translate", *args, check=False)
        assert r.exit_code == 2, r.output
        assert message in r.output and len(r.output.strip().splitlines()) == 1
    assert not tm_path.exists()


def test_ray_is_imported_only_for_ray(tmp_path):
    probe = ("import tmtool.batch, tmtool.cli.translate_many, sys\n"
             "print(any(m.split('.')[0] == 'ray' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_ray_without_ray_installed_says_what_to_install(tmp_path, tm_path, tiny_model, monkeypatch, tmtool):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if not installed
    monkeypatch.delitem(sys.modules, "tmtool.translate.ray_backend", raising=False)
    r = tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, "--ray", "local", check=False)
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        "Error: --ray needs Ray, which is not installed (import of ray halted; None in sys.modules): "
        "pip install 'tmtool[ray]'"
    ]
    monkeypatch.setenv("TMTOOL_RAY", "auto")  # the environment asks for Ray as --ray does
    assert tmtool("--tm", tm_path, "translate", ARTICLE, "--model", tiny_model, check=False).output == r.output
    assert not tm_path.exists()  # refused before the memory is even created


def test_a_cat_file_among_several_inputs_or_with_ray_is_refused_not_read_as_text(tmp_path, tm_path, tmtool):
    """XLIFF and PO files are pre-translated one at a time (issue 18); the many-document job would
    read one as plain text and write its markup back translated."""
    (tmp_path / "a.txt").write_text("Selamat pagi.\n", encoding="utf-8")
    (tmp_path / "job.po").write_text('msgid "Selamat pagi."\nmsgstr ""\n', encoding="utf-8")
    cases = [
        ([tmp_path / "a.txt", tmp_path / "job.po", "-o", tmp_path / "out"], tmp_path / "job.po"),
        ([tmp_path / "job.po", "--ray", "local"], tmp_path / "job.po"),
        ([tmp_path / "a.txt", "--format-in", "po", "--ray", "local"], tmp_path / "a.txt"),
    ]
    for args, cat in cases:
        r = tmtool("--tm", tm_path, "translate", *args, check=False)
        assert r.exit_code == 2, r.output
        assert r.output.strip().splitlines() == [
            f"Error: {cat} is a CAT file; CAT files are translated one at a time and without --ray: "
            "`tmtool translate FILE -o OUT`"]
    assert not tm_path.exists()


def test_several_inputs_keep_each_inputs_byte_order_mark(tm_path, tiny_model, tmp_path):
    """Issue 20 with several inputs: each English document is written as its original was."""
    from click.testing import CliRunner

    from tmtool.cli import cli

    inputs = {"u8.txt": ("utf-8", b"\xef\xbb\xbf"), "u16.txt": ("utf-16-le", b"\xff\xfe"), "plain.txt": ("utf-8", b"")}
    for name, (codec, bom) in inputs.items():
        (tmp_path / name).write_bytes(bom + "Selamat pagi.\n\nApa kabar?\n".encode(codec))
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "translate", *(str(tmp_path / n) for n in inputs),
                                 "--model", str(tiny_model), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    for name, (codec, bom) in inputs.items():
        assert (out / name).read_bytes() == bom + "Good morning.\n\nHow are you?\n".encode(codec)
