"""XLIFF and PO into and out of the memory (issue 18): `tm import` maps states to statuses and
keeps the file's tool, date and ids; `tm export -f xliff|po` writes files other tools read;
an XLIFF export re-imports to the very same units; pre-translation reuses what was imported.
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from tmtool.cli import cli
from tmtool.formats.catdoc import open_document
from tmtool.memory import open_memory
from tmtool.pretranslate import pretranslate
from tmtool.translate.base import Translator

DATA = Path(__file__).parent / "data" / "xliff"
SAMPLES = ["swordfish-javapm-alttrans-approved.xlf", "okapi-docx-segmented-8files-seg-source.xlf",
           "trados-confirmation-levels-repetitions.sdlxliff", "memsource-xliff20-multiseg-ar-ph.xlf",
           "okapi-xliff11-cp1252-comments-pi-bpt-ept.xlf", "pootle-af-plurals-obsolete.po"]


@pytest.fixture
def tm_path(memory_location):
    return memory_location


def units(location) -> list:
    with open_memory(location, create=False) as tm:
        return list(tm.iter_units())


def test_import_maps_states_and_keeps_the_files_tool(tm_path, tmtool):
    r = tmtool("--tm", tm_path, "tm", "import", DATA / "swordfish-javapm-alttrans-approved.xlf", check=False)
    assert r.exit_code == 0, r.output
    assert "swordfish-javapm-alttrans-approved.xlf: 90 units (en->es), 79 added, 11 merged" in r.output
    assert "skipped 8 without a target" in r.output
    got = units(tm_path)
    assert {u.status for u in got} == {"approved"} and {u.origin for u in got} == {"imported"}
    first = got[0]
    assert (first.source, first.target) == ("About...", "Acerca de...")
    assert first.props["file"] == {"format": "xliff 1.2", "tool": "Maxprograms JavaPM", "id": "About.0",
                                   "original": "/home/rmraya/workspace/SRXEditor/src/com/maxprograms/"
                                               "srxeditor/srxeditor.properties"}
    assert first.next_source == "SRXEditor"  # the neighbouring segment: context for 101 matches


def test_import_trados_confirmation_levels(tm_path, tmtool):
    r = tmtool("--tm", tm_path, "tm", "import", DATA / "trados-confirmation-levels-repetitions.sdlxliff", check=False)
    assert r.exit_code == 0, r.output
    got = units(tm_path)
    by_status = {}
    for u in got:
        by_status.setdefault(u.status, []).append(u.source)
    # ApprovedSignOff/ApprovedTranslation -> approved, Rejected* -> rejected, Draft/Translated/none -> draft
    assert sorted(by_status) == ["approved", "draft", "rejected"]
    assert len(got) == 7 and all(u.src_lang == "it" and u.tgt_lang == "en" for u in got)


def test_import_po_skips_fuzzy_and_untranslated(tm_path, tmtool):
    r = tmtool("--tm", tm_path, "tm", "import", DATA / "kbabel-mc-be-cp1251-fuzzy-obsolete.po", "--source-lang", "en",
               "--target-lang", "be", check=False)
    assert r.exit_code == 0, r.output
    assert "882 units (en->be)" in r.output and "skipped 52 fuzzy" in r.output
    got = units(tm_path)
    assert any(u.target.startswith("Мэню") or "Памылка" in u.target for u in got)
    assert got[0].props["file"]["tool"] == "KBabel 0.9.5"


def test_xliff_export_reimports_to_the_same_units(tm_path, new_memory_location, tmp_path, tmtool):
    for name in SAMPLES:
        assert tmtool("--tm", tm_path, "tm", "import", DATA / name, check=False).exit_code == 0
    out = tmp_path / "memory.xlf"
    r = tmtool("--tm", tm_path, "tm", "export", "-o", out, check=False)
    assert r.exit_code == 0, r.output
    xsd = etree.XMLSchema(etree.parse(str(DATA / "schemas" / "xliff12" / "xliff-core-1.2-transitional.xsd")))
    assert xsd.validate(etree.parse(str(out))), xsd.error_log.last_error
    from translate.storage import po, xliff

    before = units(tm_path)
    assert len(xliff.xlifffile.parsefile(str(out)).units) == len(before)
    other = new_memory_location("reimported")
    assert tmtool("--tm", other, "tm", "import", out, check=False).exit_code == 0
    after = units(other)
    strip = lambda u: {k: v for k, v in vars(u).items() if k != "id"}  # noqa: E731
    assert [strip(u) for u in after] == [strip(u) for u in before]
    pofile = tmp_path / "memory.po"
    assert tmtool("--tm", tm_path, "tm", "export", "-f", "po", "-o", pofile, check=False).exit_code == 0
    live = [u for u in po.pofile.parsefile(str(pofile)).units if not u.isheader()]
    assert len(live) == len(before) and all(u.target for u in live)


class Refuses(Translator):
    model_id = "never"

    def translate_batch(self, texts):
        raise AssertionError("the memory should have answered")


def test_pretranslation_reuses_imported_xliff_units(tm_path, tmtool):
    """A translator's finished file goes into the memory; the next job with the same segments
    (here: the same file with its targets emptied) is answered from it, codes included."""
    path = DATA / "okapi-docx-segmented-8files-seg-source.xlf"
    assert tmtool("--tm", tm_path, "tm", "import", path, "--status", "approved", check=False).exit_code == 0
    data = path.read_bytes()
    root = etree.fromstring(data)
    for t in root.iter("{*}target"):
        t.getparent().remove(t)
    job = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    with open_memory(tm_path) as tm:
        doc = open_document(job, "job.xlf", "xliff")
        result = pretranslate(doc, tm, Refuses, src_lang="en", tgt_lang="fr")
    assert result.translated == 0 and result.reused == result.segments - result.copied > 0
    out = etree.fromstring(result.data)
    targets = [t for t in out.iter("{*}target")]
    assert targets and all(t.get("state") == "final" for t in targets)
    # The targets are the file's own translations, inline codes and all.
    want = {tu.get("id") + tu.getparent().getparent().get("original"):
            etree.tostring(tu.find("{*}target"), encoding="unicode")
            for tu in etree.fromstring(data).iter("{*}trans-unit") if tu.find("{*}target") is not None}
    got = {tu.get("id") + tu.getparent().getparent().get("original"):
           etree.tostring(tu.find("{*}target"), encoding="unicode")
           for tu in out.iter("{*}trans-unit") if tu.find("{*}target") is not None}
    same = [k for k in got if k in want and _words(got[k]) == _words(want[k])]
    assert len(same) == len(got) == 25, json.dumps({k: (got[k], want.get(k)) for k in got if k not in same})[:2000]


def _words(xml: str) -> str:
    el = etree.fromstring(xml)
    return "".join(el.itertext()) + "|" + ",".join(sorted(etree.QName(c).localname + (c.get("id") or "")
                                                          for c in el.iter() if c is not el and c.get("mtype") != "seg"))


def test_a_hostile_xliff_imports_nothing(tm_path, tmp_path, tmtool):
    assert tmtool("--tm", tm_path, "tm", "import", DATA / "xcode-2files-notes.xliff", check=False).exit_code == 0
    before = len(units(tm_path))
    bad = tmp_path / "laughs.xlf"
    bad.write_text('<?xml version="1.0"?><!DOCTYPE xliff [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                   '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>'
                   "<trans-unit id='1'><source>&b;</source><target>&b;</target></trans-unit>"
                   "</body></file></xliff>", encoding="utf-8")
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "tm", "import", str(bad)])
    assert r.exit_code == 1 and "the DOCTYPE declares entities; refused" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert len(units(tm_path)) == before
