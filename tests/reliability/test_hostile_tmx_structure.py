"""Hostile TMX structure (issue 14, item 4): attributes missing, empty, repeated or not what they
claim; elements out of order, repeated or missing.

A language that is missing, empty or not a language tag is refused with one line naming the file
and line (a unit whose language is unknown cannot be put on either side, and guessing would
store it on the wrong one). The fuzz run mutates the structure of the real sample files; every
case ends in a clean import or one line and exit 1/2, with the memory unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from conftest import REPO
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from reliability_support import assert_refused, check_memory, row_counts, seed_memory

from tmtool.inline import escape_attr, escape_text
from tmtool.formats import is_lang_tag

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n<header creationtool="t" '
        'creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="{src}" '
        'datatype="plaintext"/>\n<body>\n')
GOOD_TU = '<tu><tuv xml:lang="id"><seg>Kalimat yang baik.</seg></tuv><tuv xml:lang="en"><seg>A good one.</seg></tuv></tu>\n'


def tmx(*tus: str, src: str = "id") -> str:
    return HEAD.format(src=src) + GOOD_TU + "".join(tus) + "</body>\n</tmx>\n"


@pytest.fixture
def tm_path(memory_location):
    """Every memory of this module is once a SQLite file, once a PostgreSQL server's (issue 15)."""
    return memory_location


@pytest.fixture
def memory(tm_path, tmp_path):
    counts = seed_memory(tm_path, tmp_path)
    yield tm_path
    assert row_counts(tm_path) == counts, "a refused file changed the memory"
    check_memory(tm_path)


@pytest.mark.parametrize("tuv, words", [
    ('<tuv xml:lang=""><seg>Hello.</seg></tuv>', ["bad.tmx:8:", "<tuv> with an empty xml:lang"]),
    ('<tuv xml:lang="  "><seg>Hello.</seg></tuv>', ["bad.tmx:8:", "<tuv> with an empty xml:lang"]),
    ('<tuv><seg>Hello.</seg></tuv>', ["bad.tmx:8:", "no xml:lang (or TMX 1.1 lang)"]),
    ('<tuv lang=""><seg>Hello.</seg></tuv>', ["bad.tmx:8:", "empty xml:lang"]),
    ('<tuv xml:lang="!!"><seg>Hello.</seg></tuv>', ["bad.tmx:8:", "'!!' is not a language tag"]),
    ('<tuv xml:lang="123"><seg>Hello.</seg></tuv>', ["bad.tmx:8:", "'123' is not a language tag"]),
    ('<tuv xml:lang="en US"><seg>Hello.</seg></tuv>', ["'en US' is not a language tag"]),
    ('<tuv xml:lang="en" xml:lang="fr"><seg>Hello.</seg></tuv>', ["bad.tmx:8", "Attribute xml:lang redefined"]),
])
def test_a_tuv_without_a_language_tag_is_one_line(memory, tmp_path, tuv, words, tmtool):
    # Before issue 14 the first four ended in AttributeError in canonical_lang; the others were
    # stored under the language "!!" or "123".
    path = tmp_path / "bad.tmx"
    path.write_text(tmx(f'<tu>\n<tuv xml:lang="id"><seg>Halo.</seg></tuv>\n{tuv}</tu>\n'), encoding="utf-8")
    assert_refused(tmtool("--tm", memory, "tm", "import", path, check=False), *words)


@pytest.mark.parametrize("doc, words", [
    (tmx(src="<>".replace("<>", "&lt;x&gt;")), ["bad.tmx:3:", "header's srclang '<x>' is not a language tag"]),
    (tmx('<tu srclang="??"><tuv xml:lang="id"><seg>a</seg></tuv><tuv xml:lang="en"><seg>b</seg></tuv></tu>'),
     ["bad.tmx:6:", "<tu> srclang '??'"]),
    (tmx(src="x" * 5000), ["is not a language tag"]),
])
def test_a_header_or_tu_srclang_that_is_not_a_tag_is_one_line(memory, tmp_path, doc, words, tmtool):
    path = tmp_path / "bad.tmx"
    path.write_text(doc, encoding="utf-8")
    message = assert_refused(tmtool("--tm", memory, "tm", "import", path, check=False), *words)
    assert len(message) < 300  # a hostile value is cut short in the message


def test_tmx_1_1_lang_and_the_usual_tag_shapes_still_import(tm_path, tmp_path, tmtool):
    path = tmp_path / "ok.tmx"
    path.write_text(tmx('<tu><tuv lang="ID"><seg>Satu.</seg></tuv><tuv lang="en_US"><seg>One.</seg></tuv></tu>\n',
                        '<tu><tuv xml:lang="in"><seg>Dua.</seg></tuv><tuv xml:lang="en-Latn-GB"><seg>Two.</seg></tuv></tu>\n',
                        '<tu srclang="*all*"><tuv lang="" xml:lang="id"><seg>Tiga.</seg></tuv>'
                        '<tuv xml:lang="x-klingon"><seg>Three?</seg></tuv><tuv xml:lang="en"><seg>Three.</seg></tuv></tu>\n'),
                    encoding="utf-8")
    r = tmtool("--tm", tm_path, "tm", "import", path, check=False)
    assert r.exit_code == 0, r.output
    assert "4 units (id->en), 4 added" in r.output


@pytest.mark.parametrize("tag, ok", [("id", True), ("en-US", True), ("zh_Hant_TW", True), ("x-tmtool", True),
                                     ("i-klingon", True), ("", False), ("e", False), ("en-", False),
                                     ("en--US", False), ("*all*", False), ("en-abcdefghi", False)])
def test_is_lang_tag(tag, ok):
    assert is_lang_tag(tag) is ok


# -- a fuzz run over the structure of the real sample files -----------------------------------

SAMPLES = [p for p in sorted((REPO / "tests" / "data" / "tmx").glob("*.tmx")) if p.stat().st_size < 40_000]
XML_NS = "{http://www.w3.org/XML/1998/namespace}"
ODD_VALUES = ["", " ", "!!", "en_US", "*all*", "x-klingon", "in", "id", "en", "ID-id", "0", "a" * 300,
              "\u00e9\u00e9", "en-US-", "20020523T091200Z", "-1", "sentence", "tmtool"]


@dataclass
class Node:
    """An element as text-to-be: attributes as a list so that one can be written twice."""

    tag: str
    attrs: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""
    children: list[Node] = field(default_factory=list)
    tail: str = ""

    def xml(self) -> str:
        attrs = "".join(f' {k}="{escape_attr(v)}"' for k, v in self.attrs)
        inner = escape_text(self.text) + "".join(c.xml() for c in self.children)
        return f"<{self.tag}{attrs}>{inner}</{self.tag}>{escape_text(self.tail)}"

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def _node(el) -> Node:
    attrs = [(k.replace(XML_NS, "xml:"), v) for k, v in el.attrib.items()]
    children = [_node(c) for c in el if isinstance(c.tag, str)]
    return Node(etree.QName(el).localname, attrs, el.text or "", children, el.tail or "")


def _parsed(path) -> Node:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                             remove_pis=True)
    return _node(etree.parse(str(path), parser).getroot())


TREES = {p.name: _parsed(p) for p in SAMPLES}
OPS = ("drop-attr", "empty-attr", "odd-attr", "twice-attr", "add-lang", "shuffle", "repeat", "drop", "move")


def _mutate(root: Node, op: str, rng: random.Random) -> str:
    nodes = list(root.walk())
    el = rng.choice(nodes[1:] or nodes)
    if op in ("drop-attr", "empty-attr", "odd-attr", "twice-attr") and el.attrs:
        i = rng.randrange(len(el.attrs))
        k, v = el.attrs[i]
        if op == "drop-attr":
            del el.attrs[i]
        elif op == "twice-attr":
            el.attrs.append((k, rng.choice([v, *ODD_VALUES])))
        else:
            el.attrs[i] = (k, "" if op == "empty-attr" else rng.choice(ODD_VALUES))
    elif op == "add-lang":  # a TMX 1.1 lang next to (or instead of) xml:lang
        el.attrs.append((rng.choice(["lang", "xml:lang", "srclang"]), rng.choice(ODD_VALUES)))
    elif op == "shuffle":
        rng.shuffle(el.children)
    elif op == "repeat" and el is not root:
        parent = next(n for n in nodes if any(c is el for c in n.children))
        parent.children.insert(rng.randrange(len(parent.children) + 1), el)
    elif op == "drop" and el is not root:
        parent = next(n for n in nodes if any(c is el for c in n.children))
        parent.children = [c for c in parent.children if c is not el]
    elif op == "move" and el is not root:  # an element where it does not belong
        parent = next(n for n in nodes if any(c is el for c in n.children))
        parent.children = [c for c in parent.children if c is not el]
        target = rng.choice([n for n in nodes if el not in list(n.walk())])
        target.children.insert(rng.randrange(len(target.children) + 1), el)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + root.xml()


@pytest.fixture(scope="module")
def fuzz_memory(tmp_path_factory):
    base = tmp_path_factory.mktemp("structure")
    tm = base / "fuzz.sqlite"
    seed_memory(tm, base)
    yield tm, base
    check_memory(tm)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(TREES)), ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=4),
       seed=st.integers(0, 2**32 - 1))
def test_structure_mutations_import_cleanly_or_fail_in_one_line(tmtool, fuzz_memory, name, ops, seed):
    import copy

    tm, base = fuzz_memory
    rng = random.Random(seed)
    root = copy.deepcopy(TREES[name])
    text = ""
    for op in ops:
        text = _mutate(root, op, rng)
    path = base / "mutated.tmx"
    path.write_text(text, encoding="utf-8")
    before = row_counts(tm)
    r = tmtool("--tm", tm, "tm", "import", path, check=False)
    event("imported" if r.exit_code == 0 else "refused")  # --hypothesis-show-statistics: both happen
    if r.exit_code == 0:
        assert r.exception is None and "Traceback" not in r.output, r.output
    else:
        assert_refused(r)
        assert row_counts(tm) == before, f"{name} {ops}: a refused file changed the memory"


@pytest.mark.parametrize("name, text, words", [
    ("bad.tsv", "source\ttarget\tsrc_lang\nSatu.\tOne.\tid\nDua.\tTwo.\t!!\n", ["bad.tsv:3:", "src_lang '!!'"]),
    ("bad.jsonl", '{"source": "Satu.", "target": "One.", "tgt_lang": "en US"}\n', ["bad.jsonl:1:", "tgt_lang 'en US'"]),
])
def test_tsv_and_jsonl_languages_are_checked_too(memory, tmp_path, name, text, words, tmtool):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert_refused(tmtool("--tm", memory, "tm", "import", path, check=False), *words)


def test_a_src_option_that_is_not_a_tag_is_a_usage_error(memory, tmp_path, tmtool):
    path = tmp_path / "ok.tmx"
    path.write_text(tmx(), encoding="utf-8")
    r = tmtool("--tm", memory, "tm", "import", path, "--source-lang", "??", check=False)
    assert r.exit_code == 2 and assert_refused(r, "--source-lang '??' is not a language tag")
