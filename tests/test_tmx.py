"""TMX, TSV and JSONL import/export: real files from other tools, the DTD, translate-toolkit."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from lxml import etree

from tmtool.errors import FormatError
from tmtool.exchange import export, import_file
from tmtool.formats.tmx import TmxReader, canonical_lang, iso_to_tmx_date, primary_lang, tmx_date_to_iso
from tmtool.inline import display_text, native_text
from tmtool.memory import SQLiteMemory

DATA = Path(__file__).parent / "data" / "tmx"
DTD = DATA / "tmx14.dtd"

# file -> (src, tgt, units read, skipped, first pair (source, target) as displayed)
SAMPLES = {
    "cafetran-ProjectTM-empty.tmx": ("en", None, 0, {}, None),
    "lisa-ImportTest1A.tmx": ("en", "fr", 2, {}, ("First segment with [\t\t   ]", "Premier segment avec [\t\t   ]")),
    "lisa-ImportTest1B.tmx": ("en", "fr", 1, {}, ("Text of the segment", "Texte du segment")),
    "lisa-ImportTest1C.tmx": ("en", "ja", 3, {}, ("First entry in US English", "First entry in Japanese")),
    "lisa-ImportTest1H.tmx": ("en-US", "en-GB", 3, {}, ("à=agrave, é=eacute, æ=aelig", "à=agrave, é=eacute, æ=aelig")),
    "lisa-ImportTest1L.tmx": ("en", "fr", 1, {}, ("Text of the segment.", "Texte du segment.")),
    "lisa-ImportTest2A.tmx": ("en", "fr", 7, {}, ("The big ⟨1⟩black⟨/1⟩ ⟨2⟩cat⟨/2⟩ sleeps.", "Le gros ⟨2⟩chat⟨/2⟩ ⟨1⟩noir⟨/1⟩ dors.")),
    "okapi-Paragraph_TM.tmx": ("en", "de", 7, {}, None),
    "okapi-potest.po.empty.tmx": ("en", "fr", 0, {"with an empty target": 12}, None),
    "omegat-project_save.tmx": ("en", "fr", 5, {}, ("Apertium", "Apertium")),
    "omegat-test-multiple-tuv.tmx": ("en", "es", 2, {"with no es variant": 1}, ("Hello World!", "¡Hola Mundo!")),
    "omegat-test-omegat-invalid.tmx": ("en", "be", 4, {}, ("entuv", "betuv")),
    "openxliff-tmxeditor_es.ditamap.tmx": ("en", "es", 492, {}, ("Editing an Existing File", "Editar un Archivo Existente")),
    "sdlstudio-export-cy-GB.tmx": ("cy", "en", 118, {}, None),
    "sdlstudio-status.tmx": ("en", "de", 14, {}, ("The Check Spelling Command", "Der Befehl Rechtschreibung")),
    "swordfish-tmxeditor_java_fr.tmx": ("en", "fr", 44, {}, ("No subscription", "Aucun abonnement")),
    "trados7-html_test.tmx": ("en", "fr", 11, {}, None),
    "ttk-test-match-stat-en-ca.tmx": ("en", "ca", 259, {}, None),
    "weblate-memory.tmx": ("de", "en", 1, {}, ("Wenn die Logfunktion installiert ist", "If the log function is installed")),
}


def read(name: str, **kw):
    with open(DATA / name, "rb") as f:
        reader = TmxReader(f, name, **kw)
        units = [u for _, u in reader]
    return reader, units


def shown(u, side: str) -> str:
    return display_text(getattr(u, side), u.props.get("codes", {}).get(side))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_reads_with_the_right_units_and_languages(name):
    src, tgt, count, skipped, first = SAMPLES[name]
    reader, units = read(name)
    assert (reader.src_lang, reader.tgt_lang, len(units), reader.skipped) == (src, tgt, count, skipped)
    assert all(u.src_lang == src and u.tgt_lang == tgt and u.origin == "imported" for u in units)
    if first:
        assert (shown(units[0], "source"), shown(units[0], "target")) == first


def test_the_sample_set_is_complete():
    assert sorted(p.name for p in DATA.glob("*.tmx")) == sorted(SAMPLES)


def test_tmx11_lang_attribute_and_requested_pair_among_many_variants():
    # translate-toolkit takes the first two <tuv>s; we take the requested languages.
    _, units = read("omegat-test-multiple-tuv.tmx", tgt_lang="fr")
    assert [(u.source, u.target) for u in units] == [
        ("Hello World!", "fr Bonjour tout le monde\xa0!"),  # FR itself beats FR-CA for "fr"
        ("Hello Worlds.", "fr 2 Bonjour les mondes."),
    ]
    _, units = read("omegat-test-multiple-tuv.tmx", tgt_lang="fr-ca")
    assert [u.target for u in units] == ["fr_CA Bonjour le monde\xa0!", "fr_FR 2 Bonjour les mondes."]
    assert {u.tgt_lang for u in units} == {"fr-CA"}
    _, units = read("lisa-ImportTest1C.tmx", src_lang="EN-us", tgt_lang="en-gb")
    assert [(u.source, u.target) for u in units][2] == ("Third entry in US English", "Third entry in UK English")
    _, units = read("weblate-memory.tmx", tgt_lang="cs")
    assert units[0].target == "Pokud je nainstalované logování"


def test_mixed_lang_and_xml_lang_in_one_file():
    _, units = read("omegat-test-omegat-invalid.tmx", tgt_lang="es")
    assert [(u.source, u.target) for u in units] == [("lang2", "lang2z"), ("lang3", "lang3z")]


def test_language_codes_compare_by_primary_subtag_and_old_codes():
    assert canonical_lang("in") == "id" and canonical_lang("ID_id") == "id-ID"
    assert canonical_lang("zh-hant-tw") == "zh-Hant-TW"
    assert primary_lang("IN-ID") == primary_lang("id") == "id"
    tmx = _tmx('<tu><tuv xml:lang="IN-ID"><seg>Selamat pagi.</seg></tuv>'
               '<tuv xml:lang="EN-us"><seg>Good morning.</seg></tuv></tu>', srclang="in")
    reader = TmxReader(io.BytesIO(tmx.encode()), "x.tmx")
    assert [(u.src_lang, u.tgt_lang, u.source) for _, u in reader] == [("id", "en", "Selamat pagi.")]


def test_dates_authors_props_and_notes_are_kept():
    _, (unit,) = read("lisa-ImportTest1L.tmx")
    assert (unit.author, unit.created_at, unit.updated_at) == ("ys", "2002-05-23T09:12:00Z", "2002-05-23T09:12:00Z")
    tmx = unit.props["tmx"]
    assert unit.props["tuid"] == "tu001"
    assert tmx["notes"] == ["Text of tu note 1", "Text of tu note 2"]
    assert tmx["props"] == [["myPropeType", "Data", "en-us"]]
    assert tmx["tu"]["usagecount"] == "100"
    assert tmx["src"]["notes"] == ["Text of tuv en note 1", "Text of tuv en note 1"]
    _, units = read("omegat-project_save.tmx")
    assert (units[2].author, units[2].created_at) == ("miurahr", "2025-06-13T06:48:42Z")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-8"])
def test_utf16_and_utf8_with_bom(encoding):
    text = (DATA / "lisa-ImportTest1B.tmx").read_text(encoding="utf-8")
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-8": b"\xef\xbb\xbf"}[encoding]
    reader = TmxReader(io.BytesIO(bom + text.encode(encoding)), "x.tmx")
    assert [(u.source, u.target) for _, u in reader] == [("Text of the segment", "Texte du segment")]


def test_inline_codes_are_placeholders_not_flattened_text():
    _, units = read("lisa-ImportTest2A.tmx")
    first = units[0]
    assert "<b>" not in first.source and "black" in first.source
    assert native_text(first.source, first.props["codes"]["source"]) == "The big <b>black</b> <u>cat</u> sleeps."
    codes = first.props["codes"]["source"]
    assert codes[0] == {"tag": "bpt", "attrs": {"i": "1", "x": "1", "type": "bold"}, "xml": "&lt;b&gt;"}
    hi = units[6]  # <hi> encloses translatable words: two markers around them
    assert shown(hi, "source") == "Some text with ⟨h1⟩a part highlighted⟨/h⟩."


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE tmx [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<tmx version="1.4"><header srclang="id"/><body><tu><tuv xml:lang="id"><seg>&g;</seg></tuv>
<tuv xml:lang="en"><seg>x</seg></tuv></tu></body></tmx>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<tmx version="1.4"><header srclang="id"/><body><tu><tuv xml:lang="id"><seg>&xxe;</seg></tuv>
<tuv xml:lang="en"><seg>x</seg></tuv></tu></body></tmx>
"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_attacks_are_refused_and_nothing_is_imported(doc, tmp_path, tm_path):
    path = tmp_path / "evil.tmx"
    path.write_text(doc, encoding="utf-8")
    with SQLiteMemory(tm_path) as tm:
        with pytest.raises(FormatError, match=r"evil.tmx:\d+: the DOCTYPE declares entities") as e:
            import_file(tm, path)
        assert "\n" not in str(e.value)
        assert tm.count_units() == 0


def test_a_broken_file_imports_nothing_and_names_the_line(tmp_path, tm_path):
    good = "".join(
        f'<tu><tuv xml:lang="id"><seg>Kalimat {i}.</seg></tuv><tuv xml:lang="en"><seg>Sentence {i}.</seg></tuv></tu>\n'
        for i in range(5000)
    )
    path = tmp_path / "broken.tmx"
    path.write_text(_tmx(good + "<tu><tuv xml:lang='id'><seg>oops</tuv></tu>\n", srclang="id"), encoding="utf-8")
    with SQLiteMemory(tm_path) as tm:
        with pytest.raises(FormatError, match=r"broken.tmx:5005: not well-formed XML"):
            import_file(tm, path)
        assert tm.count_units() == 0
        assert tm.fuzzy_index().watermark() == 0


def test_import_merges_duplicates_and_reports(tm_path):
    with SQLiteMemory(tm_path) as tm:
        r = import_file(tm, DATA / "ttk-test-match-stat-en-ca.tmx")
        assert (r.read, r.added, r.merged) == (259, 209, 50)
        again = import_file(tm, DATA / "ttk-test-match-stat-en-ca.tmx")
        assert (again.added, again.merged) == (0, 259)
        assert tm.count_units() == 209


def _all_samples_tm(tm_path) -> SQLiteMemory:
    tm = SQLiteMemory(tm_path)
    for name in sorted(SAMPLES):
        import_file(tm, DATA / name)
    return tm


def _key(u):
    return (u.src_lang, u.tgt_lang, u.source, u.target, u.origin, u.status, u.author, u.created_at,
            u.updated_at, u.model, u.prev_source, u.next_source, json.dumps(u.props, sort_keys=True))


def test_export_is_valid_tmx14_and_reimports_to_the_same_units(tmp_path, tm_path):
    with _all_samples_tm(tm_path) as tm:
        out = tmp_path / "all.tmx"
        with open(out, "w", encoding="utf-8") as f:
            n = export(tm, f, "tmx")
        assert n == tm.count_units() == 860
        dtd = etree.DTD(str(DTD))
        assert dtd.validate(etree.parse(str(out))), dtd.error_log.filter_from_errors()[:3]
        before = sorted(map(_key, tm.iter_units()))
        # A TMX unit has no direction: export each language pair to its own file and read it back.
        with SQLiteMemory(tmp_path / "again.sqlite") as again:
            for src, tgt in sorted({(k[0], k[1]) for k in before}):
                one = tmp_path / f"{src}-{tgt}.tmx"
                with open(one, "w", encoding="utf-8") as f:
                    export(tm, f, "tmx", src_lang=src, tgt_lang=tgt)
                assert dtd.validate(etree.parse(str(one)))
                import_file(again, one, src_lang=src, tgt_lang=tgt)
            assert sorted(map(_key, again.iter_units())) == before


def test_translate_toolkit_reads_our_export_with_the_same_pairs(tmp_path, tm_path):
    from translate.storage import tmx as ttk

    with _all_samples_tm(tm_path) as tm:
        out = tmp_path / "all.tmx"
        with open(out, "w", encoding="utf-8") as f:
            export(tm, f, "tmx")
        ours = [(native_text(u.source, u.props.get("codes", {}).get("source")),
                 native_text(u.target, u.props.get("codes", {}).get("target"))) for u in tm.iter_units()]
    theirs = [(u.source, u.target) for u in ttk.tmxfile.parsefile(str(out)).units]
    assert theirs == ours


def test_export_filters_by_status_and_document(tmp_path, tm_path):
    with _all_samples_tm(tm_path) as tm:
        tm.set_status(1, "approved")
        buf = io.StringIO()
        assert export(tm, buf, "tmx", status=["approved"]) == 1
        assert buf.getvalue().count("<tu ") == 1


@pytest.mark.parametrize("fmt", ["jsonl", "tsv"])
def test_jsonl_and_tsv_round_trip(fmt, tmp_path, tm_path):
    with SQLiteMemory(tm_path) as tm:
        import_file(tm, DATA / "lisa-ImportTest2A.tmx")
        import_file(tm, DATA / "lisa-ImportTest1A.tmx")
        out = tmp_path / f"units.{fmt}"
        with open(out, "w", encoding="utf-8") as f:
            export(tm, f, fmt)
        before = list(tm.iter_units())
    with SQLiteMemory(tmp_path / "b.sqlite") as b:
        report = import_file(b, out)
        assert report.added == len(before) == 9
        after = list(b.iter_units())
    if fmt == "jsonl":  # exact, tags included
        assert [_key(u) for u in after] == [_key(u) for u in before]
    else:  # TSV has no tags: their native code stays as text, tabs survive escaping
        assert [u.source for u in after] == [native_text(u.source, u.props.get("codes", {}).get("source"))
                                             for u in before]
        assert after[-2].source == "First segment with [\t\t   ]"


def test_tsv_and_jsonl_errors_name_the_line(tmp_path, tm_path):
    tsv = tmp_path / "a.tsv"
    tsv.write_text("Satu.\tOne.\nDua tanpa tab\n", encoding="utf-8")
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"source": "Satu.", "target": "One."}\n{"source": "Dua."\n', encoding="utf-8")
    with SQLiteMemory(tm_path) as tm:
        with pytest.raises(FormatError, match=r"a.tsv:2: expected source<TAB>target"):
            import_file(tm, tsv)
        with pytest.raises(FormatError, match=r"a.jsonl:2: not JSON"):
            import_file(tm, jsonl)
        assert tm.count_units() == 0


def test_stats(tm_path):
    with _all_samples_tm(tm_path) as tm:
        s = tm.stats()
    assert s["units"] == 860 and s["origins"] == {"imported": 860}
    assert s["pairs"][0] == {"src_lang": "en", "tgt_lang": "es", "units": 432}
    assert s["fuzzy_index"] == {"indexed_up_to": 860, "pending": 0}


def test_memoq_context_props_become_the_units_context():
    tmx = _tmx('<tu><prop type="x-context-pre">&lt;seg&gt;Ibu bangun pagi.&lt;/seg&gt;</prop>'
               '<prop type="x-context-post">&lt;seg&gt;Dia membeli &amp;amp; sayur.&lt;/seg&gt;</prop>'
               '<tuv xml:lang="id-ID"><seg>Dia pergi ke pasar.</seg></tuv>'
               '<tuv xml:lang="en-US"><seg>She went to the market.</seg></tuv></tu>', srclang="id-ID")
    (_, u), = TmxReader(io.BytesIO(tmx.encode()), "memoq.tmx")
    assert (u.prev_source, u.next_source) == ("Ibu bangun pagi.", "Dia membeli & sayur.")


def test_dates_convert_both_ways():
    assert tmx_date_to_iso("20020523T091200Z") == "2002-05-23T09:12:00Z"
    assert iso_to_tmx_date("2002-05-23T09:12:00Z") == "20020523T091200Z"
    assert tmx_date_to_iso("2002-05-23") is None


def _tmx(body: str, srclang: str = "id") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
        f'<header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" '
        f'srclang="{srclang}" datatype="plaintext"/>\n<body>\n{body}</body>\n</tmx>\n'
    )


def test_pairs_and_pairs_show_print_inline_tags_not_their_markers(tmp_path, tm_path):
    """A fuzzy-reused target keeps the TMX unit's inline codes; people see them as short tags."""
    from click.testing import CliRunner

    from tmtool.cli import cli
    from tmtool.inline import has_markers

    tmx = tmp_path / "tagged.tmx"
    tmx.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header creationtool="t" '
        'creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="id" datatype="plaintext"/>'
        '<body><tu><tuv xml:lang="id"><seg>Presiden <bpt i="1">&lt;b&gt;</bpt>Jokowi<ept i="1">&lt;/b&gt;</ept>'
        ' tiba.</seg></tuv><tuv xml:lang="en"><seg>President <bpt i="1">&lt;b&gt;</bpt>Jokowi<ept i="1">'
        "&lt;/b&gt;</ept> arrived.</seg></tuv></tu></body></tmx>",
        encoding="utf-8",
    )
    doc = tmp_path / "d.id.txt"
    doc.write_text("Presiden Jokowi tiba.\n", encoding="utf-8")

    def run(*args):
        result = CliRunner().invoke(cli, ["--tm", str(tm_path), *map(str, args)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("tm", "import", tmx)
    assert run("translate", doc, "--fuzzy-reuse", 99, "-m", tmp_path / "no-model-needed").startswith(
        "President <b>Jokowi</b> arrived."
    )
    table = run("pairs")
    assert "President ⟨1⟩Jokowi⟨/1⟩ arrived." in table and not has_markers(table)
    record = json.loads(run("pairs", "--format", "jsonl"))
    assert record["target"] == "President ⟨1⟩Jokowi⟨/1⟩ arrived."
    shown = run("pairs", "show", record["tu_id"])
    assert "  target  President ⟨1⟩Jokowi⟨/1⟩ arrived." in shown and not has_markers(shown)
