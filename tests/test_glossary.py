"""The glossary (issue 17): real TBX, CSV and TSV files from other tools, stored on both back
ends, exported and read back; hostile files refused with nothing stored."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tmtool.cli import cli
from tmtool.errors import FormatError, InputError, UsageError
from tmtool.glossary import export_glossary, import_glossary
from tmtool.glossary.tbx import TbxReader, term_status
from tmtool.memory import open_memory

DATA = Path(__file__).parent / "data"
TBX = DATA / "tbx"
QA = DATA / "qa"


def read(path: Path, **kw):
    from tmtool.glossary import _reader, glossary_format

    with open(path, "rb") as f:
        reader = _reader(f, glossary_format(path), path.name, kw.get("src", "en"), kw.get("tgt", "fr"), None)
        entries = [e for _, e in reader]
    return entries, reader.skipped


# Entries and non-empty terms, as the shared set's MANIFEST counts them.
@pytest.mark.parametrize("name, entries, terms, skipped", [
    ("lisa-tbxbasic-v2-sample-tig-admnsts-xref.tbx", 5, 13, {}),
    ("lisa-ibm-tbx-ntig-repeated-langset-crlf.tbx", 5, 11, {}),
    ("okapi-martif-windows1254-tr.tbx", 1, 2, {}),
    ("lokalize-kde-zhcn-martif-dxfcdv04-137entries.tbx", 137, 289, {"empty term": 2}),
    ("interpretbank-tbx-default-bom-custom-elements.tbx", 4, 13, {"empty term": 3}),
    ("terminator-martif-crossref-admnsts-notes.tbx", 1, 3, {"without a term": 1}),
    ("tbxcore-v3-criti-export-back-refobjects.tbx", 4, 11, {}),
    ("omegat-test-csv-quoting.csv", 7, 14, {}),
    ("omegat-test-utf16le-bom-3col-crlf.txt", 2, 4, {}),
])
def test_real_files_read_every_entry_and_term(name, entries, terms, skipped):
    got, left_out = read(TBX / name)
    assert (len(got), sum(len(e.terms) for e in got), left_out) == (entries, terms, skipped)


def test_tbx_data_categories_statuses_and_languages():
    lisa, _ = read(TBX / "lisa-tbxbasic-v2-sample-tig-admnsts-xref.tbx")
    lens = next(e for e in lisa if e.concept == "c7")  # one entry, five English terms
    assert [(t.text, t.status) for t in lens.in_lang("en")] == [
        ("progressive lens", "preferred"), ("progressive addition lens", "admitted"), ("PAL", "deprecated"),
        ("progressive power lens", "admitted"), ("graduated lens", "superseded")]
    assert [t.text for t in lens.terms if t.lang != "en"] == ["lentille progressive", "Gleitsichtglas"]
    ibm, _ = read(TBX / "lisa-ibm-tbx-ntig-repeated-langset-crlf.tbx")
    c1 = next(e for e in ibm if e.concept == "c1")  # two <langSet xml:lang="en">: both English
    assert [(t.lang, t.text, t.pos) for t in c1.terms] == [
        ("en", "navigation trail", "noun"), ("en", "branch", "noun"), ("fr", "historique de navigation", "nom")]
    assert c1.subject == "Software"
    turkish, _ = read(TBX / "okapi-martif-windows1254-tr.tbx")  # declared windows-1254
    assert [t.text for t in turkish[0].terms] == ["term with: éá and İı", "tr term with: éá and İı"]
    core, _ = read(TBX / "tbxcore-v3-criti-export-back-refobjects.tbx")  # TBX v3, DCA
    assert core[0].concept == "c9680bce6-2c85-47ed-913a-68e64b427708"
    assert {t.lang for e in core for t in e.terms} == {"en", "de", "es", "hu", "ko"}
    terminator, _ = read(TBX / "terminator-martif-crossref-admnsts-notes.tbx")
    assert terminator[0].definition == "A term is a thing that is firm"
    assert terminator[0].terms[0].note == "A translation note"


def test_tbx_v3_dct_namespaced_categories():
    entries, _ = read(QA / "dct-min-sample.tbx")
    first = entries[0]
    assert first.subject == "diplomacy"
    assert [(t.lang, t.text, t.pos, t.status) for t in first.terms] == [
        ("id", "hubungan diplomatik", "noun", None),
        ("en-US", "diplomatic relations", "noun", "preferred"),
        ("en-US", "diplomatic ties", None, "admitted"),
        ("en-US", "diplomatic intercourse", None, "deprecated"),
    ]
    assert first.terms[3].note == "old-fashioned" and not first.terms[3].usable


def test_csv_quoting_utf16_and_header_rows():
    csv_entries, _ = read(TBX / "omegat-test-csv-quoting.csv")
    assert [e.terms[0].text for e in csv_entries] == [
        "kde", "question", "kde; question", "kde, qu", '"kde","q"', '""k', 'zz"zz']
    utf16, _ = read(TBX / "omegat-test-utf16le-bom-3col-crlf.txt")
    assert [(e.terms[0].text, e.terms[1].text, e.note) for e in utf16][0] == (
        "UTF", "Unicode Transformation Format", "Comment #1")
    header, _ = read(QA / "header-crlf.tsv", src="id", tgt="en")
    assert [(e.terms[0].text, e.terms[1].text, e.note) for e in header] == [
        ("kerja sama", "cooperation", None), ("rantai pasokan", "supply chain", 'a "chain" of suppliers')]


def test_term_status_values():
    assert [term_status(v) for v in ("preferredTerm-admn-sts", "admittedTerm", "deprecated",
                                     "supersededTerm-admn-sts", "standardizedTerm", "forbidden", "x", None)] == [
        "preferred", "admitted", "deprecated", "superseded", "preferred", "forbidden", None, None]


def test_import_is_one_transaction_once_per_entry_and_searchable(memory):
    r = import_glossary(memory, QA / "glossary-id-en.tbx")
    assert (r.added, r.duplicates) == (13, 0)
    again = import_glossary(memory, QA / "glossary-id-en.tbx")
    assert (again.added, again.duplicates) == (0, 13)
    assert memory.glossary_size() == (13, 29)
    found = memory.search_glossary("KERJA")
    assert [[t.text for t in e.terms] for e in found] == [
        ["Organisasi Kerja Sama Shanghai", "Shanghai Cooperation Organization", "Shanghai Cooperation Organisation"],
        ["kerja sama", "cooperation"]]
    assert memory.search_glossary("100%") == []  # LIKE wildcards are searched for, not used
    with pytest.raises(UsageError):
        memory.search_glossary("  ")


def test_export_tbx_and_csv_read_back_the_same(memory, new_memory_location, tmp_path):
    import_glossary(memory, QA / "dct-min-sample.tbx")
    import_glossary(memory, TBX / "lisa-tbxbasic-v2-sample-tig-admnsts-xref.tbx")
    out = io.StringIO()
    assert export_glossary(memory, out, "tbx") == 7
    (tmp_path / "back.tbx").write_text(out.getvalue(), encoding="utf-8")
    with open_memory(new_memory_location("back")) as other:
        assert import_glossary(other, tmp_path / "back.tbx").added == 7
        strip = lambda es: [(e.terms, e.definition, e.subject, e.note) for e in es]  # noqa: E731
        assert strip(other.glossary()) == strip(memory.glossary())
    rows = io.StringIO()
    assert export_glossary(memory, rows, "csv") == 3  # usable id -> en pairs: 1 x 2 + 1 x 1
    assert rows.getvalue().splitlines() == [
        "hubungan diplomatik,diplomatic relations,", "hubungan diplomatik,diplomatic ties,",
        "Sabuk dan Jalur Sutra,Belt and Road,"]


HOSTILE = {
    "billion-laughs.tbx": """<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<martif type="TBX"><text><body><termEntry><langSet xml:lang="en"><tig><term>&b;</term></tig></langSet>
</termEntry></body></text></martif>""",
    "xxe.tbx": """<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<martif type="TBX"><text><body><termEntry><langSet xml:lang="en"><tig><term>&x;</term></tig></langSet>
</termEntry></body></text></martif>""",
    "undefined-entity.tbx": """<?xml version="1.0"?>
<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">
<martif type="TBX"><text><body><termEntry><langSet xml:lang="en"><tig><term>&nbsp;x</term></tig></langSet>
</termEntry></body></text></martif>""",
    "truncated.tbx": """<?xml version="1.0"?><martif type="TBX"><text><body>
<termEntry><langSet xml:lang="en"><tig><term>first</term></tig></langSet></termEntry>
<termEntry><langSet xml:lang="en"><tig><term>sec""",
    "not-tbx.tbx": """<?xml version="1.0"?><tmx version="1.4"><body/></tmx>""",
    "empty.tbx": "",
    "unterminated-quote.csv": 'kerja sama,cooperation\n"rantai pasokan,supply chain\n',
    "parameter-entity.tbx": """<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY % p SYSTEM "http://example.invalid/evil.dtd"> %p;]>
<martif type="TBX"><text><body/></text></martif>""",
    "deep-nesting.tbx": '<?xml version="1.0"?><martif><text><body><termEntry>' + "<note>" * 300
    + "x" + "</note>" * 300 + "</termEntry></body></text></martif>",
    "element-bomb.tbx": '<?xml version="1.0"?><martif><text><body><termEntry><langSet xml:lang="en">'
    + "<tig><term>t</term></tig>" * 12_000 + "</langSet></termEntry></body></text></martif>",
    "term-too-long.tsv": "kerja sama\t" + "c" * 20_000 + "\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_in_one_line_and_store_nothing(memory, tmp_path, name):
    import_glossary(memory, QA / "glossary-id-en.tbx")
    path = tmp_path / name
    path.write_text(HOSTILE[name], encoding="utf-8")
    with pytest.raises((FormatError, InputError)) as e:
        import_glossary(memory, path)
    assert "\n" not in str(e.value) and name in str(e.value)
    assert memory.glossary_size() == (13, 29)


def test_entity_declarations_are_refused_before_parsing(tmp_path):
    path = tmp_path / "billion-laughs.tbx"
    path.write_text(HOSTILE["billion-laughs.tbx"], encoding="utf-8")
    with open(path, "rb") as f, pytest.raises(FormatError, match="entit"):
        list(TbxReader(f, "billion-laughs.tbx"))


def test_cli_import_list_search_export(tmp_path):
    runner = CliRunner()
    tm = ["--tm", str(tmp_path / "tm.sqlite")]
    r = runner.invoke(cli, [*tm, "glossary", "import", str(QA / "glossary-id-en.tbx"),
                            str(TBX / "interpretbank-tbx-default-bom-custom-elements.tbx")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        f"{QA / 'glossary-id-en.tbx'}: 13 entries added, 0 already in the glossary",
        f"{TBX / 'interpretbank-tbx-default-bom-custom-elements.tbx'}: 4 entries added, 0 already in the "
        "glossary; skipped 3 empty term",
    ]
    r = runner.invoke(cli, [*tm, "glossary", "search", "rantai"], catch_exceptions=False)
    assert r.output.splitlines()[0] == "#11  id: rantai pasokan | en: supply chain (preferred)"
    r = runner.invoke(cli, [*tm, "glossary", "list", "--json"], catch_exceptions=False)
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert len(rows) == 17 and rows[0]["terms"][0] == {
        "lang": "id", "term": "Inisiatif Pembangunan Global", "pos": None, "status": None, "note": None}
    r = runner.invoke(cli, [*tm, "glossary", "export", "-o", str(tmp_path / "out.csv")], catch_exceptions=False)
    assert r.exit_code == 0 and (tmp_path / "out.csv").read_text().splitlines()[0] == (
        "Inisiatif Pembangunan Global,Global Development Initiative,"
        "\"GDI, proposed by China in 2021\"")
    r = runner.invoke(cli, [*tm, "glossary", "import", str(tmp_path / "missing.tbx")])
    assert r.exit_code == 1 and r.output == f"Error: {tmp_path / 'missing.tbx'}: no such file\n"


@pytest.mark.postgres
def test_tm_copy_moves_the_glossary_and_findings_both_ways(tmp_path, pg_location):
    from test_qa import DOC, store_article

    from tmtool.memory.records import Finding
    from tmtool.qa import qa_document

    lite = tmp_path / "tm.sqlite"
    with open_memory(lite) as tm:
        import_glossary(tm, QA / "glossary-id-en.tbx")
        store_article(tm)
        qa_document(tm, DOC)
        tm.save_findings(DOC, [Finding("spaces", "warning", "double space", ({"side": "target", "start": 1, "end": 3},), 4, 5)])
        before = (tm.glossary(), tm.findings(DOC))
    runner = CliRunner()
    assert runner.invoke(cli, ["tm", "copy", str(lite), pg_location], catch_exceptions=False).exit_code == 0
    back = tmp_path / "back.sqlite"
    assert runner.invoke(cli, ["tm", "copy", pg_location, str(back)], catch_exceptions=False).exit_code == 0
    for where in (pg_location, back):
        with open_memory(where) as tm:
            assert (tm.glossary(), tm.findings(DOC)) == before
    with open_memory(pg_location) as pg:  # new entries continue after the copied ids
        r = import_glossary(pg, QA / "dct-min-sample.tbx")
        assert r.added == 2 and [e.id for e in pg.glossary()][-2:] == [14, 15]


def test_tsv_export_reads_back_as_it_was(memory, tmp_path):
    import_glossary(memory, QA / "header-crlf.tsv")
    r = CliRunner().invoke(cli, ["--tm", str(memory.path), "glossary", "export", "-o", str(tmp_path / "g.txt")],
                           catch_exceptions=False) if not str(memory.path).startswith("postgres") else None
    out = io.StringIO()
    export_glossary(memory, out, "tsv")
    assert out.getvalue() == 'kerja sama\tcooperation\t\nrantai pasokan\tsupply chain\ta "chain" of suppliers\n'
    if r is not None:  # -o NAME.txt is TSV, as OmegaT names its glossaries
        assert (tmp_path / "g.txt").read_text(encoding="utf-8") == out.getvalue()
