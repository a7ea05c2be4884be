"""The format registry (tmtool.formats.REGISTRY), tmtool.exchange and the store's import_units
(issue 15: formats own exchange; the store only stores)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tmtool import formats
from tmtool.errors import TMError, UsageError
from tmtool.exchange import export, import_file
from tmtool.memory import open_memory
from tmtool.records import TranslationUnit

DATA = Path(__file__).parent / "data" / "tmx"


def _unit(n: int, status: str = "draft") -> TranslationUnit:
    return TranslationUnit(id=None, source=f"Kalimat nomor {n}.", target=f"Sentence number {n}.",
                           src_lang="id", tgt_lang="en", origin="imported", status=status)


@pytest.mark.parametrize(("name", "fmt"), [
    ("a.tmx", "tmx"), ("a.TSV", "tsv"), ("a.tab", "tsv"), ("a.txt", "tsv"), ("a.jsonl", "jsonl"),
    ("a.ndjson", "jsonl"), ("a.xlf", "xliff"), ("a.xliff", "xliff"), ("a.sdlxliff", "xliff"),
    ("a.mqxliff", "xliff"), ("a.po", "po"),
])
def test_a_file_suffix_names_its_format(name, fmt):
    assert formats.detect_format(name) == fmt
    assert formats.detect_format(name, "jsonl") == "jsonl"  # --format wins


def test_an_unknown_suffix_or_format_is_a_usage_error():
    with pytest.raises(UsageError, match=r"cannot tell the format of a\.csv from its name; "
                                         r"pass --format tmx\|tsv\|jsonl\|xliff\|po$"):
        formats.detect_format("a.csv")
    with pytest.raises(UsageError, match=r"unknown format 'csv' \(one of tmx, tsv, jsonl, xliff, po\)"):
        formats.get_format("csv")


@pytest.mark.parametrize(("name", "fmt"), [
    ("m.tmx", "tmx"), ("m.tsv", "tsv"), ("m.jsonl", "jsonl"), ("m.xlf", "xliff"), ("m.xliff", "xliff"),
    ("m.po", "po"), ("m.txt", None), ("m.ndjson", None), ("m.sdlxliff", None), ("-", None),
])
def test_an_export_guesses_only_the_suffix_a_format_writes(name, fmt):
    assert formats.output_format(name) == fmt


def test_a_format_gets_only_the_options_it_names(monkeypatch):
    import tmtool.formats.tsv

    seen = {}

    def writer(out, units, **options):
        seen.update(options)
        return len(list(units))

    monkeypatch.setattr(tmtool.formats.tsv, "write_tsv", writer)
    spec = formats.Format("x", (".x",), "tsv:TsvReader", "tsv:write_tsv", write_options=("version",))
    assert spec.write(io.StringIO(), [_unit(1)], src_lang="id", tgt_lang="en", version="9") == 1
    assert seen == {"version": "9"}


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_every_registered_format_round_trips_through_exchange(fmt, tmp_path):
    path = tmp_path / f"out{formats.get_format(fmt).extensions[0]}"
    with open_memory(tmp_path / "a.sqlite") as a:
        a.add_units([_unit(1, "approved"), _unit(2)])
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            assert export(a, out, fmt) == 2
    with open_memory(tmp_path / "b.sqlite") as b:
        report = import_file(b, path)
        assert (report.format, report.read, report.added, report.merged) == (fmt, 2, 2, 0)
        approved = "draft" if fmt == "po" else "approved"  # a PO entry is translated or fuzzy: draft
        assert sorted((u.source, u.target, u.src_lang, u.tgt_lang, u.status) for u in b.iter_units()) == [
            ("Kalimat nomor 1.", "Sentence number 1.", "id", "en", approved),
            ("Kalimat nomor 2.", "Sentence number 2.", "id", "en", "draft"),
        ]


def test_import_units_merges_overrides_status_and_reports_progress(memory_location):
    seen = []
    with open_memory(memory_location) as tm:
        tm.add_units([_unit(0)])
        read, added = tm.import_units((_unit(n) for n in range(4500)), status="approved", progress=seen.append)
        assert (read, added) == (4500, 4499)
        assert seen == [2000, 4000, 4500]  # after each batch
        statuses = {u.source: u.status for u in tm.iter_units()}
        assert statuses["Kalimat nomor 0."] == "draft"  # a stored unit is left as it was
        assert set(statuses.values()) == {"draft", "approved"} and len(statuses) == 4500
        assert tm.fuzzy_index().pending() == 0  # folded at the end
        with pytest.raises(UsageError, match="unknown status 'final'"):
            tm.import_units([_unit(9000)], status="final")
        assert tm.count_units() == 4500


def test_import_units_is_one_transaction(memory_location):
    def units():
        yield from (_unit(n) for n in range(3000))  # more than one batch went in
        raise TMError("the file broke here")

    with open_memory(memory_location) as tm:
        with pytest.raises(TMError, match="the file broke here"):
            tm.import_units(units())
        assert tm.count_units() == 0
        assert tm.import_units([_unit(1)]) == (1, 1)  # and the memory works on


def test_main_source_language(memory_location):
    with open_memory(memory_location) as tm:
        assert tm.main_source_language() == "id"  # empty: tmtool's default
        tm.add_units([TranslationUnit(id=None, source="Hello.", target="Halo.", src_lang="en", tgt_lang="id",
                                      origin="human")])
        assert tm.main_source_language() == "en"
        tm.add_units([_unit(1)])
        assert tm.main_source_language() == "*all*"  # TMX 1.4b: several source languages


def test_export_writes_the_main_source_language_in_the_tmx_header(tmp_path):
    with open_memory(tmp_path / "tm.sqlite") as tm:
        import_file(tm, DATA / "sdlstudio-status.tmx")
        out = io.StringIO()
        assert export(tm, out, "tmx") == 14
        assert 'srclang="en"' in out.getvalue().split("<body>")[0]


def test_an_unknown_status_imports_nothing_from_a_file(tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("Satu.\tOne.\n", encoding="utf-8")
    with open_memory(tmp_path / "tm.sqlite") as tm:
        with pytest.raises(UsageError, match="unknown status 'final'"):
            import_file(tm, pairs, status="final")
        assert tm.count_units() == 0
        assert import_file(tm, pairs, status="approved").added == 1
