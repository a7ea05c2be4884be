"""`tmtool translate FILE.xlf|.po`: pre-translation from the memory and the real tiny MarianMT,
inline codes kept, states in the format's own terms, hostile files refused (issue 18)."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import ARTICLE_EN_SENTENCES, run_cli
from tmtool.cli import cli
from tmtool.formats.codes import map_target, place_codes
from tmtool.inline import marker
from tmtool.formats.po import po_content
from tmtool.records import TranslationUnit

REFERENCE = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
NS = "urn:oasis:names:tc:xliff:document:1.2"
# Three sentences of the example article (the tiny model translates them exactly), with codes.
SOURCES = [
    'Xi menyatakan bahwa tahun ini menandai peringatan 30 tahun pembentukan hubungan diplomatik '
    'antara <g id="1">China</g> dan Azerbaijan.',
    '<x id="2"/>China mendukung jalur pembangunan Azerbaijan yang dipilih secara independen oleh rakyatnya.',
    'Xi menekankan bahwa situasi internasional saat ini tengah mengalami perubahan yang mendalam dan kompleks.',
]
JOB = f"""<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="{NS}" xmlns:okp="okapi-framework:xliff-extensions">
  <file original="article.html" source-language="id" target-language="en" datatype="html">
    <header><note>Job for the translators.</note></header>
    <body>
      <trans-unit id="1" okp:keep="yes"><source>{SOURCES[0]}</source><note>Heading</note></trans-unit>
      <group id="g1">
        <trans-unit id="2"><source>{SOURCES[1]}</source></trans-unit>
        <trans-unit id="3" translate="no"><source>Jangan diterjemahkan.</source></trans-unit>
      </group>
      <trans-unit id="4"><source>{SOURCES[2]}</source>
        <target state="needs-translation"></target></trans-unit>
      <trans-unit id="5" approved="yes"><source>Sudah.</source><target>Done.</target></trans-unit>
    </body>
  </file>
</xliff>
"""


def units(path):
    root = etree.parse(str(path)).getroot()
    return {tu.get("id"): tu for tu in root.iter(f"{{{NS}}}trans-unit")}


def target_xml(tu) -> str:
    t = tu.find(f"{{{NS}}}target")
    inner = (t.text or "") + "".join(etree.tostring(c, encoding="unicode") for c in t)
    return inner.replace(f' xmlns="{NS}"', "").replace(' xmlns:okp="okapi-framework:xliff-extensions"', "")


def model_says(tiny_model, tmp_path, sentences: list[str]) -> list[str]:
    """What the model makes of ``sentences`` as plain text (the same batch as the job's)."""
    import json

    plain = tmp_path / "plain.txt"
    plain.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")
    r = run_cli("--tm", tmp_path / "plain.sqlite", "translate", plain, "--model", tiny_model, "--format", "jsonl",
                check=False)
    return [json.loads(line)["target"] for line in r.stdout.splitlines()]


def test_xliff_job_is_filled_by_the_model_then_from_the_memory(tm_path, tiny_model, tmp_path, tmtool):
    job, out = tmp_path / "job.xlf", tmp_path / "job.out.xlf"
    plain = [etree.fromstring(f"<s>{s}</s>").xpath("string()") for s in SOURCES]
    mt = model_says(tiny_model, tmp_path, plain)
    assert "China" in mt[0] and mt[1:] == [REFERENCE[2], REFERENCE[4]]
    job.write_text(JOB, encoding="utf-8")
    r = tmtool("--tm", tm_path, "translate", job, "--model", tiny_model, "-o", out, check=False)
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("job.xlf: xliff 1.2, 3 segments filled: 0 from the TM, 3 by the model")
    assert "left alone: 1 marked translate=\"no\", 1 approved" in r.stderr
    got = units(out)
    # The model saw no markup; the codes came back around the same words.
    assert target_xml(got["1"]) == mt[0].replace("China", '<g id="1">China</g>')
    assert target_xml(got["2"]) == '<x id="2"/>' + mt[1]
    assert target_xml(got["4"]) == mt[2]
    for i in "124":
        t = got[i].find(f"{{{NS}}}target")
        assert (t.get("state"), t.get("state-qualifier")) == ("needs-review-translation", "leveraged-mt")
    assert got["3"].find(f"{{{NS}}}target") is None and got["5"].find(f"{{{NS}}}target").text == "Done."
    # Everything else is the input's, byte for byte: header, note, group, the other units.
    data = out.read_bytes()
    assert data.startswith(JOB[: JOB.index('<trans-unit id="1"')].encode())
    assert JOB[JOB.index("      <group"):JOB.index('<trans-unit id="2"')].encode() in data
    assert JOB[JOB.index('<trans-unit id="3"'):JOB.index('<trans-unit id="4"')].encode() in data
    assert data.endswith(JOB[JOB.index('      <trans-unit id="5"'):].encode())
    # The memory holds the pairs with their codes.
    con = sqlite3.connect(tm_path)
    assert con.execute("SELECT count(*) FROM units WHERE origin = 'mt'").fetchone()[0] == 3
    r = tmtool("--tm", tm_path, "pairs", "--doc", "job.xlf", "--format", "jsonl", check=False)
    import json

    first = json.loads(r.stdout.splitlines()[0])
    assert "antara ⟨1⟩China⟨/1⟩ dan" in first["source"] and "⟨1⟩China⟨/1⟩" in first["target"]
    # A second run answers everything from the memory and loads no model at all.
    r = tmtool("--tm", tm_path, "translate", job, "--model", tmp_path / "no-such-model", "-o", out, check=False)
    assert r.exit_code == 0, r.output
    assert "3 segments filled: 3 from the TM, 0 by the model" in r.stderr
    got2 = units(out)
    assert [target_xml(got2[i]) for i in "124"] == [target_xml(got[i]) for i in "124"]
    assert got2["1"].find(f"{{{NS}}}target").get("state-qualifier") == "leveraged-tm"
    # Approved in the memory: the next run writes them as final.
    r = tmtool("--tm", tm_path, "pairs", "set-status", "approved", "--doc", "job.xlf", check=False)
    assert r.exit_code == 0, r.output
    tmtool("--tm", tm_path, "translate", job, "--model", tmp_path / "no-such-model", "-o", out, check=False)
    assert {units(out)[i].find(f"{{{NS}}}target").get("state") for i in "124"} == {"final"}


def test_a_tmx_unit_with_bpt_ept_fills_an_xliff_g_exactly(tm_path, tmp_path, tmtool):
    tmx = tmp_path / "mem.tmx"
    tmx.write_text(
        '<?xml version="1.0"?><tmx version="1.4"><header creationtool="x" creationtoolversion="1" '
        'segtype="sentence" o-tmf="x" adminlang="en" srclang="id" datatype="html"/><body><tu>'
        '<tuv xml:lang="id"><seg>Klik <bpt i="1">&lt;b&gt;</bpt>di sini<ept i="1">&lt;/b&gt;</ept>.</seg></tuv>'
        '<tuv xml:lang="en"><seg>Click <bpt i="1">&lt;b&gt;</bpt>here<ept i="1">&lt;/b&gt;</ept>.</seg></tuv>'
        "</tu></body></tmx>", encoding="utf-8")
    assert tmtool("--tm", tm_path, "tm", "import", tmx, "--status", "approved", check=False).exit_code == 0
    job = tmp_path / "job.xlf"
    job.write_text(f'<xliff version="1.2" xmlns="{NS}"><file original="a" source-language="id" '
                   'datatype="html"><body><trans-unit id="a"><source>Klik <g id="7" ctype="bold">di sini</g>.'
                   "</source></trans-unit></body></file></xliff>", encoding="utf-8")
    r = tmtool("--tm", tm_path, "translate", job, "--model", tmp_path / "none", "-o", tmp_path / "out.xlf", check=False)
    assert r.exit_code == 0, r.output
    tu = units(tmp_path / "out.xlf")["a"]
    assert target_xml(tu) == 'Click <g id="7" ctype="bold">here</g>.'
    t = tu.find(f"{{{NS}}}target")
    assert (t.get("state"), t.get("state-qualifier")) == ("final", "exact-match")


PO = """# Indonesian job.
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

#: src/a.c:1
#, c-format
msgctxt "heading"
msgid "Xi menekankan bahwa situasi internasional saat ini tengah mengalami perubahan yang mendalam dan kompleks."
msgstr ""

#. a placeholder the model must not see
msgid "China mendukung jalur pembangunan Azerbaijan yang dipilih secara independen oleh rakyatnya. %s"
msgid_plural "China mendukung jalur pembangunan Azerbaijan yang dipilih secara independen oleh rakyatnya. %s"
msgstr[0] ""
msgstr[1] ""

msgid "Sudah."
msgstr "Done."

#~ msgid "Lama."
#~ msgstr "Old."
"""


def test_po_job_fills_msgstr_marks_fuzzy_and_keeps_every_other_byte(tm_path, tiny_model, tmp_path, tmtool):
    job, out = tmp_path / "job.po", tmp_path / "job.out.po"
    job.write_bytes(PO.replace("\n", "\r\n").encode())
    r = tmtool("--tm", tm_path, "translate", job, "--model", tiny_model, "-o", out, check=False)
    assert r.exit_code == 0, r.output
    # Four sentences and two placeholders alone (copied); the same sentence twice goes to the model once.
    assert "job.po: po, 5 segments filled: 0 from the TM, 3 by the model" in r.stderr
    assert "2 copied (no words to translate); left alone: 1 already translated" in r.stderr
    text = out.read_bytes().decode()
    expected = (PO.replace("#, c-format", "#, c-format, fuzzy")
                .replace('kompleks."\nmsgstr ""', f'kompleks."\nmsgstr "{REFERENCE[4]}"')
                .replace("#. a placeholder the model must not see\n",
                         "#. a placeholder the model must not see\n#, fuzzy\n")
                .replace('msgstr[0] ""\nmsgstr[1] ""', f'msgstr[0] "{REFERENCE[2]} %s"\nmsgstr[1] "{REFERENCE[2]} %s"'))
    assert text == expected.replace("\n", "\r\n")
    from translate.storage import po

    store = po.pofile.parsestring(out.read_bytes())
    live = [u for u in store.units if not u.isheader() and not u.isobsolete()]
    assert len(live) == 3 and all(u.target for u in live)


@pytest.mark.parametrize("name,content,message", [
    ("laughs.xlf", '<?xml version="1.0"?><!DOCTYPE xliff [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
     f'<xliff version="1.2" xmlns="{NS}"><file><body><trans-unit id="1"><source>&b;</source>'
     "</trans-unit></body></file></xliff>", "the DOCTYPE declares entities; refused"),
    ("xxe.xlf", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     f'<xliff version="1.2" xmlns="{NS}"/>', "the DOCTYPE declares entities; refused"),
    ("deep.xlf", f'<xliff version="1.2" xmlns="{NS}"><file><body><trans-unit id="1"><source>'
     + "<g>" * 3000 + "x" + "</g>" * 3000 + "</source></trans-unit></body></file></xliff>",
     "elements nested more than 256 deep; refused (a limit of the safe XML parser)"),
    ("cut.xlf", f'<xliff version="1.2" xmlns="{NS}"><file><body><trans-unit id="1"><source>Ha',
     "not well-formed XML"),
    ("tmx.xlf", '<tmx version="1.4"/>', "root element is <tmx>, not <xliff>"),
    ("garbage.po", 'msgid "a"\nmsgstr ""\nthis is not po\n', "garbage.po:3: not PO syntax"),
    ("binary.po", "msgid \"\x00\"", "a binary file, not PO"),
])
def test_hostile_files_are_refused_in_one_line_and_nothing_is_stored(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    tm = tmp_path / "tm.sqlite"
    r = CliRunner().invoke(cli, ["--tm", str(tm), "translate", str(path), "-o", str(tmp_path / "out")])
    assert r.exit_code == 1, r.output
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not tm.exists() and not (tmp_path / "out").exists()


def test_jsonl_output_is_refused_for_a_cat_file(tm_path, tmp_path):
    job = tmp_path / "job.xlf"
    job.write_text(JOB, encoding="utf-8")
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "translate", str(job), "--format", "jsonl"])
    assert r.exit_code == 2 and "written back as the same format" in r.stderr


# -- placing codes ---------------------------------------------------------------------------

def _show(text: str) -> str:
    return "".join(f"{{{ord(c) - 0xF0000}}}" if 0xF0000 <= ord(c) <= 0xFFFFD else c for c in text)


def test_codes_at_the_edges_and_around_words_found_in_the_translation():
    c = po_content('Buka <a href="x">Jakarta</a> sekarang %s.')
    placed = place_codes(c.text, "Open Jakarta now.", c.codes)
    assert _show(placed.text) == "Open {0}Jakarta{1} now {2}." or placed.guessed


def test_a_pair_not_found_is_placed_by_guess_and_flagged_never_dropped():
    from tmtool.formats.xlf import XLIFF12, read_inline

    el = etree.fromstring(f'<source xmlns="{NS}">Saya <g id="1">sangat</g> senang<x id="2"/> sekali.</source>')
    c = read_inline(el, XLIFF12, "t")
    placed = place_codes(c.text, "I am very happy.", c.codes)
    assert placed.guessed
    assert sorted(_show(placed.text).count(f"{{{k}}}") for k in range(3)) == [1, 1, 1]
    assert _show(placed.text).index("{0}") < _show(placed.text).index("{1}")


def test_a_memory_unit_with_other_code_numbers_is_renumbered_to_the_segment():
    unit = TranslationUnit(None, f"A {marker(0)}b{marker(1)} c.", f"X {marker(0)}y{marker(1)} z.", props={
        "codes": {"source": [{"tag": "bpt", "attrs": {"i": "4"}, "xml": "&lt;b&gt;"},
                             {"tag": "ept", "attrs": {"i": "4"}, "xml": "&lt;/b&gt;"}],
                  "target": [{"tag": "bpt", "attrs": {"i": "4"}, "xml": "&lt;b&gt;"},
                             {"tag": "ept", "attrs": {"i": "4"}, "xml": "&lt;/b&gt;"}]}})
    ours = [{"tag": "bpt", "kind": "open", "pair": "0", "xlf": '<g id="9">'},
            {"tag": "ept", "kind": "close", "pair": "0", "xlf": "</g>"}]
    placed = map_target(unit, f"A {marker(0)}b{marker(1)} c.", ours)
    assert not placed.guessed and _show(placed.text) == "X {0}y{1} z."


MEMORY_TSV = ("Presiden Joko Widodo membuka pameran dagang di Jakarta pada hari Senin.\t"
              "President Joko Widodo opened the trade fair in Jakarta on Monday.\n")
FUZZY12 = (f'<xliff version="1.2" xmlns="{NS}"><file original="a" source-language="id" target-language="en" '
           'datatype="plaintext"><body><trans-unit id="1"><source>Presiden <g id="1">Joko Widodo</g> membuka '
           "pameran dagang di Surabaya pada hari Senin.</source></trans-unit></body></file></xliff>")
FUZZY2 = ('<xliff version="2.0" xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="id" trgLang="en">'
          '<file id="f1"><unit id="u1"><segment id="s1"><source>Presiden <pc id="1">Joko Widodo</pc> membuka '
          "pameran dagang di Surabaya pada hari Senin.</source></segment></unit></file></xliff>")


@pytest.mark.parametrize("job,schema", [
    (FUZZY12, "xliff12/xliff-core-1.2-strict.xsd"), (FUZZY2, "xliff20/xliff_core_2.0.xsd")])
def test_fuzzy_reuse_writes_the_match_as_a_candidate_with_its_score(tm_path, tmp_path, job, schema, tmtool):
    from pathlib import Path

    (tmp_path / "m.tsv").write_text(MEMORY_TSV, encoding="utf-8")
    tmtool("--tm", tm_path, "tm", "import", tmp_path / "m.tsv", "--status", "approved")
    path, out = tmp_path / "job.xlf", tmp_path / "out.xlf"
    path.write_text(job, encoding="utf-8")
    r = tmtool("--tm", tm_path, "translate", path, "--fuzzy-reuse", "80", "--model", tmp_path / "none", "-o", out,
               check=False)
    assert r.exit_code == 0, r.output
    assert "1 segment filled: 1 from the TM (1 fuzzy), 0 by the model" in r.stderr
    text = out.read_text(encoding="utf-8")
    target = "President <{0} id=\"1\">Joko Widodo</{0}> opened the trade fair in Jakarta on Monday."
    xsd = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "xliff" / "schemas" / schema)))
    assert xsd.validate(etree.parse(str(out))), xsd.error_log.last_error
    if "1.2" in job:
        assert ('<target state="needs-review-translation" state-qualifier="fuzzy-match">'
                + target.format("g") + "</target>") in text
        assert '<alt-trans match-quality="89" origin="tmtool-tm:1"><source>Presiden Joko Widodo membuka' in text
    else:
        assert '<segment id="s1" state="initial" subState="tmtool:fuzzy">' in text
        assert '<mtc:match ref="#s1" matchQuality="89.0" origin="tmtool-tm:1" type="tm">' in text
        assert text.count(target.format("pc")) == 2  # the target and the candidate's
