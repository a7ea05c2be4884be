"""Hostile and broken input files (issue 5, item 1) for translate, segment, tm import and score.

Every failure is one line that names the file and the problem (and offers --encoding where it
helps), exit code 1 or 2, no traceback, no hang, and the memory's row counts do not move.
The small cases run in-process (the ``tmtool`` fixture); the big ones in a real process with a timeout.
"""

from __future__ import annotations

import codecs
import errno
import io
import json
import random
import time

import pytest
from reliability_support import SEED_PAIRS, assert_refused, check_memory, row_counts, run_tmtool, seed_memory

from tmtool import textio

TEXT = "Selamat pagi.\n"  # in the seeded memory: translate reuses it, no model is loaded
ENGLISH = "Good morning.\n"
RNG_SEED = 20261205


def _binary() -> bytes:
    rng = random.Random(RNG_SEED)
    return bytes(rng.randrange(256) for _ in range(4096)) + b"\x00\x00"


# name -> (bytes, words the message must contain)
BROKEN_TEXT = {
    "empty": (b"", ["empty"]),
    "blank": (b"  \n\n\t \n", ["empty"]),
    "binary": (_binary(), ["NUL", "--encoding"]),
    "nul-bytes": (b"Selamat\x00 pagi.\n", ["NUL"]),
    "invalid-utf8": ("Kafe café di sini.\n".encode("cp1252"), ["not valid utf-8 at byte 8", "--encoding"]),
    "utf16-no-bom": (TEXT.encode("utf-16-le"), ["NUL", "--encoding utf-16-le"]),
    "utf8-bom-lies": (codecs.BOM_UTF8 + "Kafe café.\n".encode("cp1252"), ["byte-order mark", "not valid utf-8"]),
    "utf16-bom-lies": (codecs.BOM_UTF16_LE + b"Selamat pagi semua.\n",
                       ["byte-order mark says utf-16-le", "UTF-8"]),
}
GOOD_ENCODINGS = {
    "utf8": TEXT.encode("utf-8"),
    "utf8-bom": codecs.BOM_UTF8 + TEXT.encode("utf-8"),
    "utf16le-bom": codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    "utf16be-bom": codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    "utf32le-bom": codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
}


@pytest.fixture
def tm_path(memory_location):
    """Every memory of this module is once a SQLite file, once a PostgreSQL server's (issue 15)."""
    return memory_location


@pytest.fixture
def memory(tm_path, tmp_path):
    """A seeded memory and its row counts; every test checks they did not move."""
    counts = seed_memory(tm_path, tmp_path)
    (tmp_path / "ref.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "hyp.txt").write_text(ENGLISH, encoding="utf-8")
    yield tm_path, counts
    assert row_counts(tm_path) == counts, "a refused input changed the memory"
    check_memory(tm_path)


# How each text-reading command takes a file.
TEXT_COMMANDS = {
    "translate": lambda p: ["translate", p, "--model", "no-model-is-needed", "-o", "out.txt"],
    "segment": lambda p: ["segment", p, "-o", "out.txt"],
    "score-hyp": lambda p: ["score", "--hyp", p, "--ref", "ref.txt"],
    "score-ref": lambda p: ["score", "--hyp", "hyp.txt", "--ref", p],
}


@pytest.mark.parametrize("command", TEXT_COMMANDS)
@pytest.mark.parametrize("case", BROKEN_TEXT)
def test_broken_text_files_are_refused_in_one_line(memory, tmp_path, command, case, tmtool):
    tm, _ = memory
    data, words = BROKEN_TEXT[case]
    path = tmp_path / f"{case}.txt"
    path.write_bytes(data)
    message = assert_refused(tmtool("--tm", tm, *TEXT_COMMANDS[command](path), check=False), str(path), *words)
    assert not (tmp_path / "out.txt").exists(), message


@pytest.mark.parametrize("command", TEXT_COMMANDS)
@pytest.mark.parametrize(
    "case, words",
    [("directory", ["is a directory"]), ("missing", ["no such file"]), ("dangling-link", ["no such file"]),
     ("proc-mem", ["cannot read", "Input/output error"]), ("dev-zero", ["is a device"])],
)
def test_paths_that_cannot_be_read(memory, tmp_path, command, case, words, tmtool):
    tm, _ = memory
    path = {
        "directory": tmp_path / "a-directory",
        "missing": tmp_path / "missing.txt",
        "dangling-link": tmp_path / "dangling.txt",
        "proc-mem": "/proc/self/mem",  # exists, but reading it at offset 0 fails (EIO), even as root
        "dev-zero": "/dev/zero",  # would never end
    }[case]
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere")
    assert_refused(tmtool("--tm", tm, *TEXT_COMMANDS[command](path), check=False), str(path), *words)


@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_a_file_that_vanishes_or_turns_unreadable_between_stat_and_read(memory, tmp_path, monkeypatch, command, tmtool):
    # As root chmod cannot make a file unreadable: make open() see it vanish, or be refused.
    tm, _ = memory
    path = tmp_path / "here-then-gone.txt"
    path.write_text(TEXT, encoding="utf-8")

    def vanish(p, *a, **k):
        if str(p) == str(path):
            path.unlink(missing_ok=True)
        return open(p, *a, **k)

    monkeypatch.setattr(textio, "open", vanish, raising=False)
    assert_refused(tmtool("--tm", tm, *TEXT_COMMANDS[command](path), check=False), str(path), "no such file")

    path.write_text(TEXT, encoding="utf-8")

    def denied(p, *a, **k):
        if str(p) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(p))
        return open(p, *a, **k)

    monkeypatch.setattr(textio, "open", denied, raising=False)
    assert_refused(tmtool("--tm", tm, *TEXT_COMMANDS[command](path), check=False), str(path), "permission denied")


@pytest.mark.parametrize("case", GOOD_ENCODINGS)
def test_unicode_files_with_a_byte_order_mark_are_read(memory, tmp_path, case, tmtool):
    tm, counts = memory
    path = tmp_path / f"{case}.txt"
    path.write_bytes(GOOD_ENCODINGS[case])
    r = tmtool("--tm", tm, "segment", path, check=False)
    assert r.exit_code == 0 and r.stdout == "Selamat pagi.\n", r.output
    plain = tmp_path / "plain.txt"
    plain.write_text(TEXT, encoding="utf-8")
    r = tmtool("--tm", tm, "score", "--hyp", path, "--ref", plain, "--metrics", "chrf", check=False)
    assert r.exit_code == 0 and "= 100.0" in r.stdout, r.output
    r = tmtool("--tm", tm, "translate", path, "--doc", "seed-doc.txt", "-o", tmp_path / "out.txt", check=False)
    assert r.exit_code == 0, r.output  # fully reused: no model, no new unit
    # The English document is written as the input was: its byte-order mark and encoding (issue 20).
    codec = {"utf8-bom": "utf-8", "utf16le-bom": "utf-16-le", "utf16be-bom": "utf-16-be",
             "utf32le-bom": "utf-32-le"}.get(case)
    expected = ("\ufeff" + ENGLISH).encode(codec) if codec else ENGLISH.encode("utf-8")
    assert (tmp_path / "out.txt").read_bytes() == expected
    after = row_counts(tm)
    assert after["units"] == counts["units"]
    counts.update(after)  # the document was replaced by its new text: that is what translate does


def test_utf16_without_bom_reads_with_encoding(memory, tmp_path, tmtool):
    tm, _ = memory
    path = tmp_path / "utf16.txt"
    path.write_bytes("Selamat pagi.\r\n".encode("utf-16-le"))
    r = tmtool("--tm", tm, "segment", path, "--encoding", "utf-16-le", check=False)
    assert r.exit_code == 0 and r.stdout == "Selamat pagi.\n", r.output
    r = tmtool("--tm", tm, "score", "--hyp", path, "--ref", path, "--encoding", "utf-16-le", "--metrics", "chrf",
               check=False)
    assert r.exit_code == 0 and "= 100.0" in r.stdout, r.output


@pytest.mark.parametrize("encoding, words", [("klingon", ["unknown encoding 'klingon'"]),
                                             ("base64", ["'base64' is not a text encoding"])])
def test_an_encoding_that_is_no_text_encoding(memory, tmp_path, encoding, words, tmtool):
    tm, _ = memory
    path = tmp_path / "latin1.txt"
    path.write_bytes("Kafe café.\n".encode("latin-1"))
    for args in (["segment", path], ["translate", path, "--model", "x"],
                 ["score", "--hyp", path, "--ref", path]):
        assert_refused(tmtool("--tm", tm, *args, "--encoding", encoding, check=False), *words)


def test_broken_stdin_is_named_stdin(memory, tmtool):
    tm, _ = memory
    assert_refused(tmtool("--tm", tm, "segment", "-", input=b"Kafe caf\xe9.\n", check=False), "<stdin>", "--encoding")
    assert_refused(tmtool("--tm", tm, "translate", "-", "--model", "x", input=b"\x00\x01\x02", check=False),
                   "<stdin>", "NUL")
    assert_refused(tmtool("--tm", tm, "tm", "import", "-", "-f", "tsv", input=b"a\x00\tb\n", check=False),
                   "<stdin>:1", "NUL")


# -- tm import ----------------------------------------------------------------------------

TMX_HEAD = ('<?xml version="1.0" encoding="{enc}"?>\n<tmx version="1.4"><header creationtool="t" '
            'creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="id" '
            'datatype="plaintext"/><body>\n')
TMX_TU = '<tu><tuv xml:lang="id"><seg>{}</seg></tuv><tuv xml:lang="en"><seg>{}</seg></tuv></tu>\n'
TMX_END = "</body></tmx>\n"


def unit_file(fmt: str, pairs, encoding: str = "utf-8", declared: str = "UTF-8") -> bytes:
    """``pairs`` as a TMX, TSV or JSONL file, encoded as asked (a BOM only if the codec writes one)."""
    if fmt == "tmx":
        text = TMX_HEAD.format(enc=declared) + "".join(TMX_TU.format(s, t) for s, t in pairs) + TMX_END
    elif fmt == "tsv":
        text = "".join(f"{s}\t{t}\n" for s, t in pairs)
    else:
        text = "".join(json.dumps({"source": s, "target": t}, ensure_ascii=False) + "\n" for s, t in pairs)
    return text.encode(encoding)


NEW = [("Kafe itu buka.", "The café is open."), ("Hujan turun.", "It is raining.")]

# name -> (fmt -> bytes, words); None: the format takes it fine (tested below)
BROKEN_UNITS = {
    "empty": ({f: b"" for f in ("tmx", "tsv", "jsonl")}, ["empty file"]),
    "blank": ({f: b"\n  \n\t\n" for f in ("tmx", "tsv", "jsonl")}, ["empty file"]),
    "binary": ({f: _binary() for f in ("tmx", "tsv", "jsonl")}, []),
    "nul": ({"tmx": unit_file("tmx", [("Sela\x00mat.", "x")]), "tsv": b"Sela\x00mat.\tGood.\n",
             "jsonl": b'{"source": "Sela\x00mat.", "target": "x"}\n'}, []),
    "invalid-utf8": ({f: unit_file(f, NEW, "cp1252") for f in ("tmx", "tsv", "jsonl")}, ["--encoding"]),
    "utf16-no-bom": ({f: unit_file(f, NEW, "utf-16-le") for f in ("tsv", "jsonl")},
                     ["NUL", "--encoding utf-16-le"]),
    "declared-latin1-is-utf8": ({"tmx": unit_file("tmx", NEW, "utf-8", "ISO-8859-1")},
                                ["declares encoding ISO-8859-1", "UTF-8", "--encoding utf-8"]),
    "declared-utf16-is-ascii": ({"tmx": unit_file("tmx", NEW, "utf-8", "UTF-16")},
                                ["declared encoding (UTF-16)", "--encoding"]),
    "declared-utf8-is-cp1252": ({"tmx": unit_file("tmx", NEW, "cp1252", "UTF-8")},
                                ["declared encoding (UTF-8)", "--encoding"]),
}
CASES = [(case, fmt) for case, (files, _) in BROKEN_UNITS.items() for fmt in files]


@pytest.mark.parametrize("case, fmt", CASES, ids=[f"{c}-{f}" for c, f in CASES])
def test_broken_unit_files_import_nothing(memory, tmp_path, case, fmt, tmtool):
    tm, _ = memory
    files, words = BROKEN_UNITS[case]
    path = tmp_path / f"{case}.{fmt}"
    path.write_bytes(files[fmt])
    assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False), str(path), *words)


@pytest.mark.parametrize(
    "case, words",
    [("directory", ["is a directory"]), ("missing", ["no such file"]), ("dangling-link", ["no such file"]),
     ("proc-mem", ["cannot read", "Input/output error"]), ("dev-zero", ["is a device"])],
)
@pytest.mark.parametrize("fmt", ["tmx", "tsv", "jsonl"])
def test_unit_paths_that_cannot_be_read(memory, tmp_path, case, words, fmt, tmtool):
    tm, _ = memory
    (tmp_path / f"dir.{fmt}").mkdir()
    (tmp_path / f"dangling.{fmt}").symlink_to(tmp_path / "nowhere")
    path = {"directory": tmp_path / f"dir.{fmt}", "missing": tmp_path / f"missing.{fmt}",
            "dangling-link": tmp_path / f"dangling.{fmt}", "proc-mem": "/proc/self/mem",
            "dev-zero": "/dev/zero"}[case]
    assert_refused(tmtool("--tm", tm, "tm", "import", path, "-f", fmt, check=False), str(path), *words)


def test_unreadable_paths_are_named_before_their_format_is_guessed(memory, tmp_path, tmtool):
    tm, _ = memory
    (tmp_path / "plain-dir").mkdir()
    assert_refused(tmtool("--tm", tm, "tm", "import", tmp_path / "plain-dir", check=False),
                   "plain-dir", "is a directory")
    assert_refused(tmtool("--tm", tm, "tm", "import", tmp_path / "no-such", check=False), "no-such", "no such file")


class _FailingRaw(io.FileIO):
    """A file whose reads fail with EIO once ``good`` bytes were read: a disk going bad."""

    good = 40_000

    def readinto(self, b):
        if self.tell() >= self.good:
            raise OSError(errno.EIO, "Input/output error")
        return super().readinto(b)


@pytest.mark.parametrize("fmt", ["tmx", "tsv", "jsonl"])
def test_a_read_error_in_the_middle_of_an_import_imports_nothing(memory, tmp_path, monkeypatch, fmt, tmtool):
    tm, _ = memory
    pairs = [(f"Kalimat nomor {i} dari berkas.", f"Sentence number {i} of the file.") for i in range(3000)]
    path = tmp_path / f"big.{fmt}"
    path.write_bytes(unit_file(fmt, pairs))
    monkeypatch.setattr(textio, "open", lambda p, mode="rb": io.BufferedReader(_FailingRaw(p, "r")),
                        raising=False)
    assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False),
                   str(path), "cannot read", "Input/output error")


@pytest.mark.parametrize("fmt", ["tmx", "tsv", "jsonl"])
def test_a_unit_file_that_vanishes_before_it_is_read(memory, tmp_path, monkeypatch, fmt, tmtool):
    tm, _ = memory
    path = tmp_path / f"gone.{fmt}"
    path.write_bytes(unit_file(fmt, NEW))

    def vanish(p, *a, **k):
        if str(p) == str(path):
            path.unlink(missing_ok=True)
        return open(p, *a, **k)

    monkeypatch.setattr(textio, "open", vanish, raising=False)
    assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False), str(path), "no such file")


@pytest.mark.parametrize("fmt", ["tmx", "tsv", "jsonl"])
@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
                                        (codecs.BOM_UTF8, "utf-8")])
def test_unicode_unit_files_with_a_byte_order_mark_import(tm_path, tmp_path, fmt, bom, codec, tmtool):
    path = tmp_path / f"units.{fmt}"
    path.write_bytes(bom + unit_file(fmt, NEW, codec, "UTF-16" if "16" in codec else "UTF-8"))
    r = tmtool("--tm", tm_path, "tm", "import", path, check=False)
    assert r.exit_code == 0 and "2 added" in r.stdout, r.output
    assert check_memory(tm_path) == 2


@pytest.mark.parametrize("fmt", ["tsv", "jsonl"])
def test_encoding_option_reads_what_utf8_cannot(tm_path, tmp_path, fmt, tmtool):
    for codec in ("utf-16-le", "cp1252"):
        path = tmp_path / f"units-{codec}.{fmt}"
        path.write_bytes(unit_file(fmt, NEW, codec))
        r = tmtool("--tm", tm_path, "tm", "import", path, "--encoding", codec, check=False)
        assert r.exit_code == 0, r.output
    assert check_memory(tm_path) == 2  # the same two units, read right both times


def test_encoding_option_overrides_a_lying_tmx_declaration(tm_path, tmp_path, tmtool):
    path = tmp_path / "lies.tmx"
    path.write_bytes(unit_file("tmx", NEW, "utf-8", "ISO-8859-1"))
    r = tmtool("--tm", tm_path, "tm", "import", path, "--encoding", "utf-8", check=False)
    assert r.exit_code == 0, r.output
    r = tmtool("--tm", tm_path, "tm", "search", "Kafe itu buka.", "--json", check=False)
    assert json.loads(r.stdout.splitlines()[0])["target"] == "The café is open."


@pytest.mark.parametrize("name, words", [
    ("nul-in-cell.tsv", ["nul-in-cell.tsv:1", "NUL"]),
    ("lone-surrogate.jsonl", ["lone-surrogate.jsonl:1", "surrogate"]),
    ("props-that-break-export.jsonl", ["props.tmx"]),
])
def test_committed_hostile_unit_files(memory, hostile_dir, name, words, tmtool):
    tm, _ = memory
    assert_refused(tmtool("--tm", tm, "tm", "import", hostile_dir / name, check=False), *words)


@pytest.mark.parametrize("name, words", [
    ("utf8-bom-then-cp1252.txt", ["utf-8 byte-order mark", "not valid utf-8 at byte"]),
    ("utf16-bom-then-utf8.txt", ["byte-order mark says utf-16-le", "remove the byte-order mark"]),
])
@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_committed_hostile_text_files(memory, hostile_dir, name, words, command, tmtool):
    tm, _ = memory
    assert_refused(tmtool("--tm", tm, *TEXT_COMMANDS[command](hostile_dir / name), check=False), name, *words)


@pytest.fixture
def hostile_dir():
    from conftest import REPO

    return REPO / "tests" / "data" / "hostile"


# -- big inputs, in real processes with a timeout -------------------------------------------

def _one_line_text(size: int) -> str:
    """``size`` characters of Indonesian-looking words on one line, no sentence end in it."""
    rng = random.Random(RNG_SEED)
    words = ["presiden", "jakarta", "rumah", "besar", "makan", "dan", "yang", "kota", "baru"]
    block = " ".join(rng.choice(words) for _ in range(10_007)) + " "
    return (block * (size // len(block) + 1))[:size].rstrip() + "x"


@pytest.mark.slow
def test_a_20_mb_single_line(memory, tmp_path):
    tm, counts = memory
    line = _one_line_text(20_000_000)
    text = tmp_path / "one-line.txt"
    text.write_text(line + "\n", encoding="utf-8")
    started = time.perf_counter()
    r = run_tmtool(tm, "segment", text, "--format", "jsonl", "-o", tmp_path / "seg.jsonl", timeout=60)
    assert r.returncode == 0, r.stderr
    segments = [json.loads(x) for x in (tmp_path / "seg.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(s["start"], s["end"]) for s in segments] == [(0, 20_000_000)]
    seconds = time.perf_counter() - started  # reported, not asserted: CI machines differ
    print(f"segment of a 20 MB line: {seconds:.1f} s")

    for fmt in ("tsv", "jsonl"):  # one unit of 20 MB: refused, with the limit named
        path = tmp_path / f"one-line.{fmt}"
        path.write_bytes(unit_file(fmt, [(line, "x")]))
        assert_refused(run_tmtool(tm, "tm", "import", path, timeout=60), f"{path}:1",
                       "20,000,000 characters", "limit of 1,000,000")
    for option in ("--hyp", "--ref"):
        other = "--ref" if option == "--hyp" else "--hyp"
        assert_refused(run_tmtool(tm, "score", option, text, other, tmp_path / "hyp.txt", timeout=60),
                       f"{text}:1", "20,000,000 characters", "limit of 10,000")

    # A whole 20 MB TMX on one line: 40,000 units, all imported.
    tmx = tmp_path / "one-line.tmx"
    pairs = [(f"{i} {line[i * 240:(i + 1) * 240]}", f"Unit {i}.") for i in range(40_000)]
    data = unit_file("tmx", pairs).replace(b"\n", b"")
    assert len(data) > 10_000_000 and data.count(b"\n") == 0
    tmx.write_bytes(data)
    r = run_tmtool(tm, "tm", "import", tmx, timeout=300)  # a hang guard: 40,000 units on a busy server
    assert r.returncode == 0 and "40000 added" in r.stdout, r.stderr
    assert check_memory(tm) == counts["units"] + 40_000
    counts.update(row_counts(tm))


@pytest.mark.slow
def test_many_tiny_lines(memory, tmp_path):
    tm, counts = memory
    lines = tmp_path / "million.txt"
    lines.write_text("Selamat pagi.\n" * 1_000_000, encoding="utf-8")
    r = run_tmtool(tm, "segment", lines, "-o", tmp_path / "seg.txt", timeout=90)
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "seg.txt", encoding="utf-8") as f:
        assert sum(1 for _ in f) == 1_000_000
    for fmt in ("tsv", "jsonl"):  # 50,000 copies of one pair: one unit (already there), merged
        path = tmp_path / f"many.{fmt}"
        path.write_bytes(unit_file(fmt, [SEED_PAIRS[0]]) * 50_000)
        r = run_tmtool(tm, "tm", "import", path, timeout=90)
        assert r.returncode == 0 and "50000 units (id->en), 0 added, 50000 merged" in r.stdout, r.stderr
    assert row_counts(tm) == counts
    # translate: 100,000 lines of a sentence the memory knows (the million is the lead's, issue 5).
    doc = tmp_path / "many.txt"
    doc.write_text("Selamat pagi.\n" * 100_000, encoding="utf-8")
    r = run_tmtool(tm, "translate", doc, "-o", tmp_path / "many.en.txt", "--model", "not-needed", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "100000 segments, 100000 reused from the TM, 0 translated" in r.stderr
    assert (tmp_path / "many.en.txt").read_text(encoding="utf-8") == "Good morning.\n" * 100_000
    after = row_counts(tm)
    assert after["units"] == counts["units"] and after["documents"] == counts["documents"] + 1
    counts.update(after)


class _Upper:
    """A stand-in engine (the model's work on 20 MB is long by nature): upper-cases its input."""

    def __new__(cls):
        from tmtool.translate.base import Translator

        class Upper(Translator):
            model_id = "upper-stub"
            max_source_tokens = 512

            def count_tokens(self, texts):  # words + end of sentence, as the base class counts, faster
                return [t.count(" ") + 2 for t in texts]

            def translate_batch(self, texts):
                return [t.upper() for t in texts]

        return Upper()


@pytest.mark.slow
def test_translate_a_20_mb_single_line_through_the_library(tmp_path):
    from tmtool import SQLiteMemory, translate_document

    line = _one_line_text(20_000_000)
    tm = tmp_path / "big.sqlite"
    with SQLiteMemory(tm) as memory:
        first = translate_document(line + "\n", memory, _Upper, name="one-line")
        assert len(first.segments) == 1 and first.translated == 1
        assert "translated in" in first.notes[0]  # cut at word boundaries, never truncated
        assert first.text.split() == line.upper().split()
    with SQLiteMemory(tm) as memory:  # the next run finds it whole in the memory
        again = translate_document(line + "\n", memory, _Upper, name="one-line")
        assert (again.reused, again.translated) == (1, 0) and again.text == first.text
    assert check_memory(tm) == 1
