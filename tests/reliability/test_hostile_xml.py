"""Hostile XML for `tm import` (issue 5, item 2): entity expansion, external entities and DTDs,
deep and wide inline markup, a 50 MB segment, truncated files, an error in the last unit.

A refused file imports nothing (one transaction), the message is one line, and nothing is read
from the disk or the network on the file's behalf.
"""

from __future__ import annotations

import http.server
import random
import threading

import pytest
from conftest import REPO
from reliability_support import (
    assert_refused, check_memory, is_server, peak_rss_mb, row_counts, run_tmtool, seed_memory, unit_sources,
)

HOSTILE = REPO / "tests" / "data" / "hostile"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n{doctype}<tmx version="1.4">\n<header creationtool="t" '
        'creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="id" '
        'datatype="plaintext"/>\n<body>\n')
TU = '<tu><tuv xml:lang="id"><seg>{}</seg></tuv><tuv xml:lang="en"><seg>{}</seg></tuv></tu>\n'
END = "</body>\n</tmx>\n"


def tmx(*pairs, doctype: str = "") -> str:
    return HEAD.format(doctype=doctype) + "".join(TU.format(s, t) for s, t in pairs) + END


GOOD = ("Kalimat yang baik.", "A good sentence.")


@pytest.fixture
def tm_path(memory_location):
    """Every memory of this module is once a SQLite file, once a PostgreSQL server's (issue 15)."""
    return memory_location


@pytest.fixture
def memory(tm_path, tmp_path):
    counts = seed_memory(tm_path, tmp_path)
    yield tm_path, counts
    assert row_counts(tm_path) == counts, "a refused file changed the memory"
    check_memory(tm_path)
    if is_server(tm_path):  # nothing read on the file's behalf
        stored = repr(sorted(unit_sources(tm_path, "%")))
        assert "root:x:0:0" not in stored and "MARKER-FROM-THE-DTD" not in stored
        return
    for f in (tm_path, tm_path.with_name(tm_path.name + "-wal")):
        raw = f.read_bytes() if f.exists() else b""
        assert b"root:x:0:0" not in raw and b"MARKER-FROM-THE-DTD" not in raw


@pytest.mark.parametrize("name, words", [
    ("billion-laughs.tmx", ["DOCTYPE declares entities", "refused"]),
    ("xxe-file.tmx", ["DOCTYPE declares entities"]),
    ("xxe-parameter-entity.tmx", ["DOCTYPE declares entities"]),
    ("parameter-entity-defines-entity.tmx", ["DOCTYPE declares entities"]),
    ("external-dtd-entity.tmx", ["&secret;", "not defined", "loads no DTD"]),
    ("undefined-entity.tmx", ["Entity 'nbsp' not defined"]),
    ("bad-xml-in-last-tu.tmx", ["not well-formed XML"]),
    ("tuv-without-seg-in-last-tu.tmx", ["<tuv> without <seg>"]),
    ("bad-status-in-last-tu.tmx", ["unknown origin or status", "'burned'"]),
    ("truncated-in-last-tu.tmx", ["truncated?"]),
    ("declares-latin1-is-utf8.tmx", ["declares encoding ISO-8859-1", "--encoding utf-8"]),
    ("declares-utf16-is-ascii.tmx", ["declared encoding (UTF-16)", "--encoding"]),
    ("declares-utf8-is-cp1252.tmx", ["declared encoding (UTF-8)", "--encoding"]),
])
def test_committed_hostile_files_are_refused_and_import_nothing(memory, name, words, tmtool):
    tm, _ = memory
    path = HOSTILE / name
    assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False), f"{path}:", *words)


def test_the_same_files_in_a_real_process(memory):
    # The process-level contract once, for the attacks: stderr is one line, exit code 1.
    tm, _ = memory
    for name in ("billion-laughs.tmx", "xxe-file.tmx", "external-dtd-entity.tmx"):
        r = run_tmtool(tm, "tm", "import", HOSTILE / name, timeout=60)
        assert r.returncode == 1
        assert_refused(r, name)


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        _Recorder.requests.append(self.path)
        body = b'<!ENTITY evil "MARKER-FROM-THE-DTD"><!ENTITY % x "">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def dtd_server():
    """An HTTP server on this machine that records every request (none may come)."""
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_dtds_and_entities_are_never_fetched(memory, tmp_path, dtd_server, tmtool):
    tm, _ = memory
    local_dtd = tmp_path / "local.dtd"
    local_dtd.write_text('<!ENTITY evil "MARKER-FROM-THE-DTD">', encoding="utf-8")
    cases = {
        "dtd-by-url.tmx": tmx(GOOD, ("&evil;", "x"), doctype=f'<!DOCTYPE tmx SYSTEM "{dtd_server}/tmx.dtd">\n'),
        "public-dtd-by-url.tmx": tmx(GOOD, ("&evil;", "x"),
                                     doctype=f'<!DOCTYPE tmx PUBLIC "-//X//Y" "{dtd_server}/p.dtd">\n'),
        "dtd-by-file.tmx": tmx(GOOD, ("&evil;", "x"), doctype=f'<!DOCTYPE tmx SYSTEM "{local_dtd.as_uri()}">\n'),
        "entity-by-url.tmx": tmx(GOOD, ("&evil;", "x"),
                                 doctype=f'<!DOCTYPE tmx [<!ENTITY evil SYSTEM "{dtd_server}/e.txt">]>\n'),
        "parameter-entity-by-url.tmx": tmx(
            GOOD, doctype=f'<!DOCTYPE tmx [<!ENTITY % p SYSTEM "{dtd_server}/p.ent"> %p;]>\n'),
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False), str(path))
    assert _Recorder.requests == []  # the network was never reached


def test_an_external_dtd_that_defines_nothing_used_is_harmless(tm_path, tmp_path, dtd_server, tmtool):
    # Real TMX files name tmx14.dtd; not loading it changes nothing for them.
    path = tmp_path / "named-dtd.tmx"
    path.write_text(tmx(GOOD, doctype=f'<!DOCTYPE tmx SYSTEM "{dtd_server}/tmx14.dtd">\n'), encoding="utf-8")
    r = tmtool("--tm", tm_path, "tm", "import", path, check=False)
    assert r.exit_code == 0 and "1 added" in r.stdout, r.output
    assert _Recorder.requests == []


@pytest.mark.parametrize("depth", [300, 100_000])
def test_deeply_nested_inline_tags_are_refused(memory, tmp_path, depth, tmtool):
    tm, _ = memory
    path = tmp_path / "nested.tmx"
    path.write_text(tmx(GOOD, ("<hi>" * depth + "dalam" + "</hi>" * depth, "deep")), encoding="utf-8")
    assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False),
                   f"{path}:", "nested more than 256 deep", "refused")


def test_nesting_within_the_limit_is_kept(tm_path, tmp_path, tmtool):
    path = tmp_path / "nested.tmx"
    path.write_text(tmx(("<hi>" * 200 + "dalam" + "</hi>" * 200, "deep")), encoding="utf-8")
    r = tmtool("--tm", tm_path, "tm", "import", path, check=False)
    assert r.exit_code == 0 and "1 added" in r.stdout, r.output


def test_a_unit_with_too_many_inline_tags_is_refused(memory, tmp_path, tmtool):
    tm, _ = memory
    path = tmp_path / "wide.tmx"
    path.write_text(tmx(GOOD, ('<ph x="1">&lt;br/&gt;</ph>a' * 30_000, "wide")), encoding="utf-8")
    assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False),
                   f"{path}:", "more than 20,000 elements", "refused")


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["one-text", "many-texts", "under-the-xml-limit"])
def test_a_50_mb_segment_is_refused_with_the_limit_and_bounded_memory(memory, tmp_path, shape):
    tm, _ = memory
    words = "kata " * 200  # 1,000 characters
    if shape == "one-text":  # one text node: the XML parser's own limit (10 MB) stops it
        seg, expect = words * 50_000, "more than 10,000,000 characters in one piece"
    elif shape == "many-texts":  # cut by inline tags into 12,500 texts of 4 kB: our <tu> size limit
        seg, expect = ('<ph x="1">&lt;b&gt;</ph>' + words * 4) * 12_500, "a <tu> of more than 16 MB"
    else:  # 8 MB in one text: under every parser limit, over the segment limit
        seg, expect = words * 8_000, "a source of 8,000,000 characters, over the limit of 1,000,000"
    path = tmp_path / "huge.tmx"
    path.write_text(tmx(GOOD, (seg, "big")), encoding="utf-8")
    code, err, peak = peak_rss_mb(tm, "tm", "import", path, timeout=120)
    assert code == 1 and expect in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert peak < 200, f"{peak:.0f} MB of memory for a {path.stat().st_size / 1e6:.0f} MB file"


def _big_tmx(n: int, seed: int) -> str:
    rng = random.Random(seed)
    words = ["rumah", "besar", "presiden", "kota", "makan", "baru", "jalan", "air", "hujan", "pagi"]
    return tmx(*((" ".join(rng.choice(words) for _ in range(8)) + f" {i}.", f"Sentence {i}.")
                 for i in range(n)))


def test_truncated_files_import_nothing(memory, tmp_path, tmtool):
    tm, _ = memory
    data = _big_tmx(400, 7).encode("utf-8")
    rng = random.Random(20261205)
    cuts = sorted(rng.randrange(1, len(data) - 1) for _ in range(12)) + [len(data) - len(END) + 3]
    for cut in cuts:
        path = tmp_path / f"cut-{cut}.tmx"
        path.write_bytes(data[:cut])
        message = assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False), str(path))
        assert "truncated?" in message or "not well-formed" in message, message


@pytest.mark.parametrize("last", [
    ("Ini &amp itu.", "broken reference"),
    ("Terlalu panjang " * 70_000, "over the limit"),
    ("Ada <bpt i='1'>&lt;b&gt;</bpt> kode", "tidak </ept> tertutup"),
], ids=["bad-reference", "over-long", "unbalanced-tags"])
def test_an_error_in_the_last_unit_imports_nothing(memory, tmp_path, last, tmtool):
    tm, _ = memory
    text = _big_tmx(2500, 3)  # more than one insert batch (2,000) before the bad unit
    text = text.replace(END, TU.format(*last) + END)
    path = tmp_path / "last-is-bad.tmx"
    path.write_text(text, encoding="utf-8")
    assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False), f"{path}:")


# -- Entity declarations are refused before any parser reads the file (issue 13) -------------
# Whether libxml2 expands, counts or refuses entities changes between lxml releases (6.2 stops
# billion-laughs with its own amplification limit and a message naming a C function). tmtool reads
# the prolog itself first, so the refusal and its words are the same whatever lxml is installed.


def _wide(text: str, codec: str, bom: bytes = b"") -> bytes:
    return bom + text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode(codec)


@pytest.mark.parametrize("codec, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_billion_laughs_in_any_encoding_is_refused_by_tmtool_not_the_parser(memory, tmp_path, codec, bom, tmtool):
    tm, _ = memory
    text = (HOSTILE / "billion-laughs.tmx").read_text(encoding="utf-8")
    path = tmp_path / f"laughs-{codec}.tmx"
    path.write_bytes(_wide(text, codec, bom) if codec != "utf-8" else bom + text.encode())
    r = tmtool("--tm", tm, "tm", "import", path, check=False)
    assert_refused(r, f"{path}:2: the DOCTYPE declares entities; refused", "TMX needs none")
    assert "xmlCtxt" not in r.output and "amplification" not in r.output


def test_the_prolog_is_checked_before_the_parser_gets_a_byte():
    import io

    from tmtool.errors import FormatError
    from tmtool.formats.xmlsource import XmlSource

    src = XmlSource(io.BytesIO((HOSTILE / "billion-laughs.tmx").read_bytes()), "b.tmx", True, what="TMX")
    with pytest.raises(FormatError, match=r"^b\.tmx:2: the DOCTYPE declares entities; refused"):
        src.read(64)  # the parser's first read: nothing has been handed over yet
    assert src.bytes == 0


@pytest.mark.parametrize("prolog, refused", [
    ('<!DOCTYPE tmx SYSTEM "tmx14.dtd">', False),
    ('<!-- <!ENTITY x "y"> is only a comment -->\n<!DOCTYPE tmx>', False),
    ('<!DOCTYPE tmx [ <!-- <!ENTITY x "y"> --> <!ELEMENT tmx ANY> ]>', False),
    ('<!DOCTYPE tmx [ <!ATTLIST tmx a CDATA "<!ENTITY in a default"> ]>', False),
    ('<!DOCTYPE tmx [\n<!ENTITY % x SYSTEM "file:///etc/passwd"> %x; ]>', True),
    ('<!DOCTYPE tmx [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>', True),
    ("<!DOCTYPE tmx PUBLIC 'a]' 'b>' [<!ENTITY e 'x'>]>", True),
])
def test_check_prolog_reads_the_doctype_as_xml_does(prolog, refused):
    from tmtool.errors import FormatError
    from tmtool.formats.xmlsource import check_prolog

    data = f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}\n<tmx version="1.4"/>'.encode()
    if refused:
        with pytest.raises(FormatError, match="the DOCTYPE declares entities"):
            check_prolog(data, "p.tmx")
    else:
        assert check_prolog(data, "p.tmx") is True
    # Cut anywhere before the root element, the check asks for more instead of guessing.
    cut = data.index(b"<tmx version")
    for end in (10, cut // 2, cut - 1):
        try:
            assert check_prolog(data[:end], "p.tmx", final=False) is False
        except FormatError:
            assert refused


def test_a_prolog_over_the_limit_is_refused(memory, tmp_path, tmtool):
    tm, _ = memory
    path = tmp_path / "big-prolog.tmx"
    path.write_text(tmx(GOOD, doctype="<!DOCTYPE tmx [" + "<!-- padding -->" * 80_000 + "]>\n"), encoding="utf-8")
    assert_refused(tmtool("--tm", tm, "tm", "import", path, check=False), f"{path}: a prolog", "1 MB", "refused")


def test_parser_limit_errors_are_in_tmtools_words():
    # Each limit message libxml2 has used, mapped to a sentence without its C API names.
    from types import SimpleNamespace

    from tmtool.formats.xmlsource import syntax_error

    src = SimpleNamespace(blank=False, eof=False, declared=None, ends_at=lambda *a: False)
    for msg, words in [
        ("Maximum entity amplification factor exceeded, see xmlCtxtSetMaxAmplification.", "entity references"),
        ("Excessive depth in document: 256 use XML_PARSE_HUGE option", "nested more than 256"),
        ("xmlSAX2Characters: huge text node", "a text of more than"),
        ("AttValue length too long", "attribute value too long"),
        ("Huge input lookup", "size limit of the safe XML parser"),
    ]:
        err = SimpleNamespace(message=msg, line=7, column=1, type_name="ERR_RESOURCE_LIMIT", level_name="FATAL")
        e = syntax_error("x.tmx", SimpleNamespace(msg=msg, lineno=7, position=(7, 1)),
                         SimpleNamespace(error_log=[err]), src, 7)
        text = str(e)
        assert text.startswith("x.tmx:7: ") and words in text, text
        assert "xml" not in text.replace("XML", "").lower() and "HUGE" not in text, text
