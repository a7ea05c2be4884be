import codecs

import pytest

from tmtool.errors import InputError
from tmtool.textio import read_text

TEXT = "Presiden Jokowi tiba di Jakarta.\nIa disambut hangat.\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf32le-bom"],
)
def test_reads_unicode_encodings(tmp_path, data):
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    assert read_text(path) == TEXT


def test_invalid_utf8_names_file_byte_and_fix(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Café di Jalan Sudirman.".encode("latin-1"))
    with pytest.raises(InputError) as e:
        read_text(path)
    assert str(e.value) == f"{path}: not valid utf-8 at byte 3; pass --encoding (for example --encoding cp1252)"
    assert read_text(path, encoding="latin-1") == "Café di Jalan Sudirman."


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x7fELF\x02\x01\x00\x00binary", "contains NUL bytes"),
        ("Halo".encode("utf-16-le"), "contains NUL bytes"),
    ],
)
def test_binary_and_bomless_utf16_refused(tmp_path, data, message):
    path = tmp_path / "x.bin"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_text(path)


def test_utf16_without_bom_with_explicit_encoding(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes("Halo dunia.".encode("utf-16-le"))
    assert read_text(path, encoding="utf-16-le") == "Halo dunia."


def test_missing_directory_and_unknown_encoding(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_text(tmp_path)
    (tmp_path / "a.txt").write_text("a")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_text(tmp_path / "a.txt", encoding="klingon")


def test_empty_file_is_empty_text(tmp_path):
    (tmp_path / "e.txt").write_bytes(b"")
    assert read_text(tmp_path / "e.txt") == ""


@pytest.mark.parametrize("suffix, body", [
    ("tsv", "Selamat pagi.\tGood morning.\n"),
    ("jsonl", '{"source": "Selamat pagi.", "target": "Good morning."}\n'),
])
def test_utf16_bom_before_utf8_units_says_to_remove_the_bom(tmp_path, suffix, body):
    """The same answer as translate, segment and score give (issue 20): --encoding cannot
    help, because the byte-order mark wins."""
    from click.testing import CliRunner

    from tmtool.cli import cli

    path = tmp_path / f"units.{suffix}"
    path.write_bytes(codecs.BOM_UTF16_LE + body.encode("utf-8") * 3)
    for extra in ([], ["--encoding", "cp1252"]):
        r = CliRunner().invoke(cli, ["--tm", str(tmp_path / "tm.sqlite"), "tm", "import", str(path), *extra])
        assert r.exit_code == 1
        assert r.output == (f"Error: {path}: its byte-order mark says utf-16-le, but the text is UTF-8; "
                            "remove the byte-order mark\n")


def test_a_damaged_file_after_a_bom_does_not_suggest_encoding(tmp_path):
    from tmtool.textio import text_lines

    path = tmp_path / "units.tsv"
    path.write_bytes(codecs.BOM_UTF8 + b"Selamat pagi.\tGood morning.\n" + b"caf\xe9\tx\n")
    with open(path, "rb") as f, pytest.raises(InputError) as e:
        list(text_lines(f, str(path)))
    # (the line is the one the decoder's chunk started at)
    assert str(e.value).startswith(f"{path}:")
    assert str(e.value).endswith(": starts with a utf-8 byte-order mark but is not valid utf-8 "
                                 "(invalid continuation byte): the file is damaged or its byte-order mark is wrong")
