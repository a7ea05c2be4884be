"""SRX 2.0 import and export for the segmenter (issue 3, item 3)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmtool.errors import SegmentationError
from tmtool.segment import Segmenter
from tmtool.segment.rules import srx_rules
from tmtool.segment.srx import icu_to_python, parse_srx

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "examples" / "antara-2022-09-15-xi-aliyev.id.txt"
UD = ROOT / "tests" / "data" / "ud-id"
NS = "{http://www.lisa.org/srx20}"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("srx") / "id.srx"
    path.write_text(Segmenter().to_srx(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pair(exported) -> tuple[Segmenter, Segmenter]:
    return Segmenter(), Segmenter.from_srx(exported)


def spans(seg: Segmenter, text: str) -> list[tuple[int, int, int, int]]:
    return [(s.start, s.end, s.paragraph, s.line) for s in seg.segment(text)]


def test_export_is_srx_2_0_with_an_indonesian_language_map():
    root = ET.fromstring(Segmenter().to_srx())
    assert root.tag == NS + "srx" and root.get("version") == "2.0"
    rules = root.findall(f".//{NS}languagerule/{NS}rule")
    assert len(rules) == len(srx_rules())
    assert {r.get("break") for r in rules} == {"yes", "no"}
    lmap = root.find(f".//{NS}languagemap")
    assert lmap is not None
    for code in ("id", "ID", "id-ID", "in"):
        assert re.fullmatch(lmap.get("languagepattern"), code)
    assert not re.fullmatch(lmap.get("languagepattern"), "en")


def test_export_then_import_gives_the_same_rules(exported):
    rules = parse_srx(exported.read_bytes())
    assert [(r.brk, r.before, r.after) for r in rules] == [(r.brk, r.before, r.after) for r in srx_rules()]


def test_round_trip_segments_the_article_identically(pair):
    builtin, imported = pair
    text = ARTICLE.read_text(encoding="utf-8")
    assert [s.text for s in imported.segment(text)] == [s.text for s in builtin.segment(text)]
    assert len(imported.segment(text)) == 20


def test_round_trip_segments_all_ud_documents_identically(pair):
    builtin, imported = pair
    for path in sorted(UD.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            assert spans(imported, text) == spans(builtin, text), text


def test_extra_abbreviations_travel_in_the_export(tmp_path):
    path = tmp_path / "extra.srx"
    path.write_text(Segmenter(extra_abbreviations=["Kom."]).to_srx(), encoding="utf-8")
    text = "Ia bertemu Kom. Budi di kantor. Lalu pulang."
    assert [s.text for s in Segmenter.from_srx(path).segment(text)] == [
        "Ia bertemu Kom. Budi di kantor.",
        "Lalu pulang.",
    ]


# Token soup for the equivalence property: the shapes the rules look at, in any order.
WORDS = [
    "Dr.", "dr.", "Prof.", "PT.", "CV.", "No.", "Jl.", "Tbk.", "Ltd.", "Co.", "Inc.", "dll.", "dll",
    "S.H.", "M.Si.", "Sept.", "s.d.", "A.", "R.", "V.", "M.", "J.K.", "B", "II.", "ke-6", "2010.",
    "2010", "v9.", "1.", "12.", "a.", "3,5", "1.000.000.", "15/9", "Ia", "Dia", "Pada", "kumpulan",
    "seri", "Ph.", "Bl.", "Hz.", "50", "Budi", "budi", "rumah", "(Purn.)", "(BBNI)", "(lihat", "ini.)",
    "www.antaranews.com.", "a@b.co.id.", "Apa?", "Ya!", "tunggu...", "tunggu\u2026", '"Kami', 'siap."',
    "\u201cKami", "siap.\u201d", "perokok.\"", "\"APBNP", "-", ":", "yaitu:", "Rp.", "Rp5.000.", "\u00e9t\u00e9.",
    "\u00c9cole", "\u0441\u043b\u043e\u0432\u043e.", "\u4e2d\u6587", "''", "``", "(", ")", "x.)))))", ".",
]
SPACES = [" ", " ", " ", "  ", "\t", "\u00a0", "\n", "\r\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SPACES)), max_size=30))
def test_imported_rules_segment_like_the_builtin_ones(pair, tokens):
    text = "".join(w + s for w, s in tokens)
    builtin, imported = pair
    assert spans(imported, text) == spans(builtin, text)


# --- reading SRX written by other tools ---------------------------------------------------------

OMEGAT_LIKE = """<?xml version="1.0" encoding="UTF-8"?>
<srx xmlns="http://www.lisa.org/srx20" version="2.0">
  <header segmentsubflows="yes" cascade="{cascade}"/>
  <body>
    <languagerules>
      <languagerule languagerulename="Indonesian">
        <rule break="no"><beforebreak>\\bDr\\.</beforebreak><afterbreak>\\s</afterbreak></rule>
      </languagerule>
      <languagerule languagerulename="Default">
        <rule break="no"><beforebreak>\\bMr\\.</beforebreak><afterbreak>\\s</afterbreak></rule>
        <rule break="yes"><beforebreak>[\\.\\?!]+</beforebreak><afterbreak>\\s+\\p{{Lu}}</afterbreak></rule>
      </languagerule>
    </languagerules>
    <maprules>
      <languagemap languagepattern="ID.*|id.*" languagerulename="Indonesian"/>
      <languagemap languagepattern=".*" languagerulename="Default"/>
    </maprules>
  </body>
</srx>
"""


def test_reads_omegat_style_rules_with_cascade(tmp_path):
    path = tmp_path / "omegat.srx"
    path.write_text(OMEGAT_LIKE.format(cascade="yes"), encoding="utf-8")
    seg = Segmenter.from_srx(path)
    text = "Dr. Budi datang. Mr. Smith pergi? \u00c9mile tinggal. Ia diam."
    assert [s.text for s in seg.segment(text)] == [
        "Dr. Budi datang.",
        "Mr. Smith pergi?",
        "\u00c9mile tinggal.",  # \p{Lu} covers more than A-Z
        "Ia diam.",
    ]


def test_without_cascade_only_the_first_matching_map_counts(tmp_path):
    path = tmp_path / "first.srx"
    path.write_text(OMEGAT_LIKE.format(cascade="no"), encoding="utf-8")
    text = "Dr. Budi datang. Ia diam."
    assert [s.text for s in Segmenter.from_srx(path).segment(text)] == [text]


def test_extra_abbreviations_are_added_to_srx_rules(tmp_path):
    path = tmp_path / "omegat.srx"
    path.write_text(OMEGAT_LIKE.format(cascade="yes"), encoding="utf-8")
    seg = Segmenter(extra_abbreviations=["Kom."], srx_path=path)
    assert [s.text for s in seg.segment("Kom. Budi datang. Ia diam.")] == ["Kom. Budi datang.", "Ia diam."]


@pytest.mark.parametrize(
    "icu,python",
    [
        (r"\x{20AC}", "\u20ac"),
        (r"\Qa.b\E", r"a\.b"),
        (r"(?<word>\w+)", r"(?P<word>\w+)"),
        (r"a\z", r"a\Z"),
        (r"(?<=a)(?<!b)", r"(?<=a)(?<!b)"),
    ],
)
def test_icu_constructs_are_translated(icu, python):
    assert icu_to_python(icu) == python


def test_unicode_properties_are_translated():
    upper = re.compile(icu_to_python(r"\p{Lu}"))
    assert upper.fullmatch("\u00c9") and upper.fullmatch("A") and not upper.fullmatch("a")
    in_class = re.compile(icu_to_python(r"[\p{Ll}0-9]+"))
    assert in_class.fullmatch("\u00e9t\u00e92") and not in_class.fullmatch("A")
    assert re.fullmatch(icu_to_python(r"\P{L}"), "1")
    assert re.fullmatch(icu_to_python(r"\h"), "\u00a0")


# --- errors: one line each ---------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE srx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<srx version="2.0"><body/></srx>
"""


def _srx(rules: str, pattern: str = "id") -> str:
    return (
        '<srx xmlns="http://www.lisa.org/srx20" version="2.0"><header cascade="no"/><body><languagerules>'
        f'<languagerule languagerulename="X">{rules}</languagerule></languagerules><maprules>'
        f'<languagemap languagepattern="{pattern}" languagerulename="X"/></maprules></body></srx>'
    )


@pytest.mark.parametrize(
    "content,message",
    [
        ("<srx><body>", "not well-formed XML"),
        (BILLION_LAUGHS, "DTDs and entity declarations are not allowed"),
        ("<tmx/>", "not an SRX file"),
        (_srx("", pattern="en"), "no languagemap matches language 'id'"),
        (_srx('<rule break="yes"><beforebreak>(</beforebreak></rule>'), "rule 1: bad regular expression"),
        (_srx('<rule break="maybe"/>'), "rule break='maybe'"),
        (_srx(r'<rule><beforebreak>\p{Foo}</beforebreak></rule>'), "unsupported Unicode property"),
    ],
)
def test_bad_srx_files_raise_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.srx"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SegmentationError, match=re.escape(message)) as info:
        Segmenter.from_srx(path)
    assert "\n" not in str(info.value)


def test_missing_srx_file(tmp_path):
    with pytest.raises(SegmentationError, match="no such SRX file"):
        Segmenter.from_srx(tmp_path / "missing.srx")


def test_languagemap_naming_an_unknown_rule_set(tmp_path):
    path = tmp_path / "bad.srx"
    path.write_text(_srx("").replace('languagerulename="X"/>', 'languagerulename="Y"/>'), encoding="utf-8")
    with pytest.raises(SegmentationError, match="unknown languagerule 'Y'"):
        Segmenter.from_srx(path)
