"""Property tests (issue 5, item 6): the TMX writer and reader, the normaliser, and a bounded
fuzz run of the TMX importer over the sample files.

The segmenter's offsets property lives in tests/test_segment_props.py.

Characters XML 1.0 cannot hold (C0 controls other than tab, LF and CR; U+FFFE and U+FFFF) are
written as U+FFFD: a TMX export keeps every other character exactly (CR included, as &#13;),
and an import reads them back. The marker characters of inline codes (U+F0000-U+FFFFD) are
tmtool's own: text read from a file never holds one (clean_text).
"""

from __future__ import annotations

import io
import itertools
import json
import random
import re
import unicodedata

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import check_memory, one_line_error

from tmtool.errors import TmtoolError
from tmtool.exchange import export, import_file
from tmtool.formats.tmx import TmxReader, write_tmx
from tmtool.inline import marker
from tmtool.memory import open_memory
from tmtool.memory.normalize import normalize, text_hash
from tmtool.records import ORIGINS, STATUSES, TranslationUnit

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
PROFILE = settings(max_examples=150, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])

# Any character but surrogates (a str cannot be written as UTF-8 with them) and tmtool's markers;
# XML's specials and the characters XML 1.0 cannot hold are drawn on purpose.
_chars = st.characters(blacklist_categories=("Cs",), max_codepoint=0xEFFFF)
_text = st.text(
    alphabet=st.one_of(_chars, st.sampled_from('<>&"\'\r\n\t \x00\x01\x0b\x1f\ufffe\uffff]]>')),
    min_size=1, max_size=40,
).filter(lambda t: t.replace("\ufffd", "x").strip() and _NOT_XML.sub("\ufffd", t).strip())
_opt = st.one_of(st.none(), st.text(alphabet=_chars, min_size=1, max_size=20).filter(str.strip))


@st.composite
def units(draw):
    """A unit as the memory holds it; sometimes with inline codes on either side."""
    props = {}
    sides = []
    for side in ("source", "target"):
        parts = draw(st.lists(_text, min_size=1, max_size=3))
        natives = draw(st.lists(st.text(alphabet=_chars, max_size=8), min_size=len(parts) - 1,
                                max_size=len(parts) - 1))
        codes = [{"tag": "ph", "attrs": {"x": str(k + 1)}, "xml": _xml_escape(n)} for k, n in enumerate(natives)]
        text = "".join(p + (marker(k) if k < len(codes) else "") for k, p in enumerate(parts))
        if codes:
            props.setdefault("codes", {})[side] = codes
        sides.append(text)
    return TranslationUnit(
        id=draw(st.integers(1, 10**9)), source=sides[0], target=sides[1], src_lang="id", tgt_lang="en",
        origin=draw(st.sampled_from(ORIGINS)), status=draw(st.sampled_from(STATUSES)),
        model=draw(_opt), author=draw(_opt), prev_source=draw(_opt), next_source=draw(_opt),
        created_at="2024-02-29T23:59:58Z", updated_at="2025-01-01T00:00:00Z", props=props,
    )


def _xml_escape(text: str) -> str:
    from tmtool.inline import escape_text

    return escape_text(text)


def _as_written(text: str | None) -> str | None:
    return None if text is None else _NOT_XML.sub("\ufffd", text)


@PROFILE
@given(st.lists(units(), min_size=1, max_size=5))
def test_tmx_export_then_import_gives_the_same_units(written):
    out = io.StringIO()
    write_tmx(out, written, src_lang="id", version="test")
    reader = TmxReader(io.BytesIO(out.getvalue().encode("utf-8")), "roundtrip.tmx")
    read = [u for _, u in reader]
    assert reader.own and reader.skipped == {}
    assert len(read) == len(written)
    for w, r in zip(written, read):
        assert r.source == _as_written(w.source)
        assert r.target == _as_written(w.target)
        assert (r.origin, r.status, r.src_lang, r.tgt_lang) == (w.origin, w.status, "id", "en")
        assert (r.model, r.author) == (_as_written(w.model), _as_written(w.author))
        assert (r.prev_source, r.next_source) == (_as_written(w.prev_source), _as_written(w.next_source))
        assert (r.created_at, r.updated_at) == (w.created_at, w.updated_at)
        assert r.props.get("codes", {}) == w.props.get("codes", {})


_fresh = itertools.count()


@settings(PROFILE, max_examples=30, suppress_health_check=[HealthCheck.too_slow,
                                                          HealthCheck.function_scoped_fixture])
@given(st.lists(units(), min_size=1, max_size=4))
def test_tmx_export_then_import_through_the_memory(tmp_path_factory, new_memory_location, written):
    """The same through `tm export` and `tm import` of a real memory (each back end): the unit set survives."""
    base = tmp_path_factory.mktemp("rt")
    for u in written:
        u.id = None
    n = next(_fresh)  # a fresh pair of memories for every example
    with open_memory(new_memory_location(f"a{n}")) as a:
        if str(a.path).startswith("postgresql://"):  # a file never brings one (every reader refuses it)
            written = [_without_nul(u) for u in written]
        a.add_units(written)
        path = base / "a.tmx"
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            export(a, f, "tmx")
        before = _unit_set(a)
    with open_memory(new_memory_location(f"b{n}")) as b:
        import_file(b, path)
        assert _unit_set(b) == {_written(u) for u in before}


def _without_nul(unit: TranslationUnit) -> TranslationUnit:
    """The unit with U+FFFD for NUL, which PostgreSQL's text and jsonb cannot hold (the library
    refuses it there in one line; the TMX writer writes U+FFFD for it anyway)."""
    for field in ("source", "target", "model", "author", "prev_source", "next_source"):
        if getattr(unit, field):
            setattr(unit, field, getattr(unit, field).replace("\x00", "\ufffd"))
    unit.props = json.loads(json.dumps(unit.props).replace("\\u0000", "\ufffd"))
    return unit


def _unit_set(tm) -> set:
    return {(u.source, u.target, u.origin, u.status, u.model, u.author, u.prev_source, u.next_source,
             u.created_at, u.updated_at, repr(u.props.get("codes"))) for u in tm.iter_units()}


def _written(row: tuple) -> tuple:
    return tuple(_as_written(x) if i < 8 else x for i, x in enumerate(row))


# -- the normaliser ------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")
_anything = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@PROFILE
@given(_anything)
def test_normalize_is_idempotent_and_the_hash_only_sees_the_normal_form(text):
    n = normalize(text)
    assert normalize(n) == n
    assert text_hash(n) == text_hash(text)
    # The definition (issue 3): NFC, every run of Unicode whitespace one space, ends stripped.
    assert n == _WS_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@PROFILE
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")),
                        min_size=1, max_size=8), min_size=1, max_size=6),
       st.lists(st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u2003", "\r\n", "\u3000"]), min_size=7,
                max_size=7))
def test_the_hash_is_stable_under_whitespace_and_composition(words, spaces):
    plain = " ".join(unicodedata.normalize("NFC", w) for w in words)
    if normalize(plain) != plain:  # a "word" that itself holds whitespace (e.g. U+0085)
        return
    messy = spaces[0] + "".join(unicodedata.normalize("NFD", w) + s for w, s in zip(words, spaces[1:]))
    assert text_hash(messy) == text_hash(plain)


def test_hash_values_do_not_change_between_versions():
    # A memory written by one version is read by the next: the key of a text is fixed forever.
    assert text_hash(" Selamat \t pagi.\n") == "49dcb36020f64a7d100c0e1ef4cab1ac"
    assert text_hash("Caf\u00e9") == text_hash("Cafe\u0301") == "12ae66029b78e945c56d26ad0072fe05"


# -- a bounded fuzz run of the importer ------------------------------------------------------

SAMPLES = sorted((REPO / "tests" / "data" / "tmx").glob("*.tmx"))
_TAG = re.compile(rb"<[A-Za-z][^<>]{0,80}>")
_TEXT = re.compile(rb">([^<>&]{1,200})<")
_ODD = ["é", "\u200b", "\U0001F600", "\u0000", "\ufffe", "]]>", "&", "&#0;", "&#x110000;", "\x85", "\r",
        "\U000F0001", "<", "&amp;", "\ud7ff"]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    texts = list(_TEXT.finditer(data))
    if kind == 5 and texts:  # odd characters into a text: the file often stays well-formed
        m = rng.choice(texts)
        at = rng.randint(m.start(1), m.end(1))
        odd = "".join(rng.choice(_ODD) for _ in range(rng.randint(1, 3))).encode("utf-8", "surrogatepass")
        return data[:at] + odd + data[at:]
    if kind in (0, 5):  # flip a few bytes
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if kind == 1:  # truncate
        return data[: rng.randrange(len(data))]
    tags = list(_TAG.finditer(data))
    if not tags:
        return data[::-1]
    m = rng.choice(tags)
    if kind == 2:  # duplicate a tag
        return data[: m.end()] + m.group() * rng.randint(1, 5) + data[m.end():]
    if kind == 3:  # drop a tag
        return data[: m.start()] + data[m.end():]
    i, j = sorted((rng.randrange(len(data)), rng.randrange(len(data))))  # repeat a slice
    return data[:j] + data[i:j] + data[j:]


@pytest.mark.slow
def test_fuzzed_sample_files_never_crash_and_never_import_half(tmp_path, memory_location):
    rng = random.Random(20261205)
    outcomes = {"imported": 0, "refused": 0}
    with open_memory(memory_location) as tm:
        for i in range(200):
            source = rng.choice(SAMPLES)
            path = tmp_path / f"m{i}.tmx"
            path.write_bytes(_mutate(source.read_bytes(), rng))
            before = tm.count_units()
            try:
                import_file(tm, path, fmt="tmx")
                outcomes["imported"] += 1
            except TmtoolError as e:
                assert tm.count_units() == before, f"{source.name} mutation {i} imported half"
                one_line_error(f"Error: {e}")
                outcomes["refused"] += 1
            path.unlink()
        # What the fuzzed files left in the memory exports and reads back.
        for fmt in ("tmx", "tsv", "jsonl"):
            export(tm, io.StringIO(), fmt)
    assert outcomes["refused"] > 50 and outcomes["imported"] > 10, outcomes
    check_memory(memory_location)  # SQLite's integrity_check; no pair stored twice
