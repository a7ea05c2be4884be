"""`tmtool serve` at the HTTP level: pages, decisions, conflicts, token, CSRF, escaping (issue 19).

Every test runs on both back ends (SQLite file, PostgreSQL server). The example article is
translated by the stand-in model of test_review, so the memory is as `tmtool translate` leaves it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from test_review import DOC, MT_ERRORS, REFERENCE, SOURCES, history, translate_example, unit_ids, units

pytest.importorskip("flask", reason="tmtool serve needs the serve extra: pip install -e '.[serve]'")

from tmtool.exchange import import_file  # noqa: E402
from tmtool.memory import open_memory  # noqa: E402
from tmtool.serve.app import create_app  # noqa: E402
from tmtool.serve.security import Guard  # noqa: E402

HOSTILE_TMX = Path(__file__).parent / "data" / "serve" / "script-in-segments.tmx"
HOSTILE_DOC = "hostile.txt"
ROW = re.compile(
    r'<tr class="row [^"]*" id="seg-\d+" data-seg="(?P<seg>\d+)" data-tu="(?P<tu>\d+)" '
    r'data-target="(?P<target>[^"]*)" data-status="(?P<status>\w+)" data-origin="(?P<origin>\w+)" '
    r'data-updated="(?P<updated>[^"]+)"'
)


@pytest.fixture
def tm_path(memory_location):
    return memory_location


class Browser:
    """A test client that reads the page the way serve.js does: the CSRF token and, for each
    row, the unit as shown (what a decision is based on)."""

    def __init__(self, tm_path, *, author="ayu", guard=None, page_size=100):
        self.tm = open_memory(tm_path)
        self.app = create_app(self.tm, author=author, guard=guard, page_size=page_size)
        self.client = self.app.test_client()
        self.csrf = None
        self.rows: dict[int, dict] = {}

    def open(self, name=DOC, **filters):
        r = self.client.get("/doc", query_string={"name": name, **filters})
        assert r.status_code == 200, r.data
        text = r.data.decode()
        self.csrf = re.search(r'<meta name="csrf-token" content="([0-9a-f]{64})">', text).group(1)
        self.rows = {int(m["seg"]): self._seen(m) for m in ROW.finditer(text)}
        return text

    @staticmethod
    def _seen(m) -> dict:
        return {k: html.unescape(m[k]) for k in ("tu", "target", "status", "origin", "updated")}

    def decide(self, seg, action, name=DOC, csrf=True, **extra):
        form = {"name": name, "seg": str(seg), **self.rows[seg], "action": action, **extra}
        headers = {"X-CSRF-Token": self.csrf} if csrf is True else ({"X-CSRF-Token": csrf} if csrf else {})
        r = self.client.post("/decide", data=form, headers=headers)
        if r.status_code in (200, 409):
            for row in r.json["rows"]:  # the page replaces its rows with these
                m = ROW.search(row["html"])
                self.rows[row["seg"]] = self._seen(m)
        return r

    def close(self):
        self.tm.close()


@pytest.fixture
def browser(tm_path):
    translate_example(tm_path)
    b = Browser(tm_path)
    yield b
    b.close()


def test_the_list_shows_each_document_with_its_progress(browser, tm_path):
    translate_example(tm_path, text="Satu dua tiga.\n", name="short.txt")
    with open_memory(tm_path) as tm:
        tm.set_status(unit_ids(tm_path)[0], "approved", author="x")
    page = browser.client.get("/").data.decode()
    assert page.index("short.txt") < page.index(DOC)  # most recently translated first
    row = page[page.index(f">{DOC}</a>"):].split("</tr>")[0]
    numbers = re.findall(r'<td class="num" data-label="\w+">(\d+)', row)
    assert numbers == ["20", "1", "19", "0"]  # segments, approved, draft, rejected
    assert '<progress max="20" value="1">' in row


def test_the_grid_shows_source_target_status_origin_and_suggestion(browser):
    page = browser.open()
    assert len(browser.rows) == 20
    assert browser.rows[17]["target"] == MT_ERRORS[17] and browser.rows[17]["origin"] == "mt"
    assert '<td class="src" lang="id">Samarkand (ANTARA) - Presiden China Xi Jinping' in page
    assert '<span class="badge origin-mt">mt · example-mt</span>' in page
    assert "20 of 20 segments match · page 1 of 1" in page
    for key in ("<kbd>a</kbd> accept", "<kbd>r</kbd> reject", "<kbd>e</kbd> edit",
                "<kbd>c</kbd> copy the TM suggestion", "<kbd>h</kbd> history"):
        assert key in page


def test_accept_reject_and_edit_are_saved_with_history_as_in_review(browser, tm_path, tmtool):
    ids = unit_ids(tm_path)
    browser.open()
    r = browser.decide(0, "accept")
    assert r.status_code == 200 and r.json["message"] == f"unit {ids[0]}: approved"
    assert 'class="row status-approved"' in r.json["rows"][0]["html"]
    assert r.json["progress"] == {"draft": 19, "approved": 1, "rejected": 0}
    assert browser.decide(2, "reject").json["message"] == f"unit {ids[2]}: rejected"
    fixed = "Xi stressed that the current international situation is undergoing profound changes."
    r = browser.decide(4, "edit", text=f"  {fixed}\n")
    assert r.json["message"] == f"unit {ids[4]}: edited, saved as a human target, approved"
    assert browser.rows[4]["target"] == fixed and browser.rows[4]["origin"] == "human"
    rows = units(tm_path)
    assert rows[ids[0]] == (REFERENCE[0], "mt", "approved", "translator")
    assert rows[ids[2]][2] == "rejected"
    assert rows[ids[4]] == (fixed, "human", "approved", "ayu")
    assert history(tm_path) == [
        (ids[0], "approve", REFERENCE[0], REFERENCE[0], "draft", "approved", "mt", "mt", "ayu"),
        (ids[2], "reject", REFERENCE[2], REFERENCE[2], "draft", "rejected", "mt", "mt", "ayu"),
        (ids[4], "edit", MT_ERRORS[4], fixed, "draft", "approved", "mt", "human", "ayu"),
    ]
    shown = tmtool("--tm", tm_path, "pairs", "show", ids[4]).output  # the CLI sees the same decision
    assert f"edit  draft -> approved  mt -> human\n    - {MT_ERRORS[4]}\n    + {fixed}" in shown


def test_history_on_demand_and_restoring_an_earlier_text(browser, tm_path):
    ids = unit_ids(tm_path)
    browser.open()
    browser.decide(17, "edit", text="Translator: Xinhua")
    changes = browser.client.get("/history", query_string={"tu": ids[17]}).data.decode()
    entry = re.search(r'<li data-history="(\d+)">', changes).group(1)
    assert f"was</span> {MT_ERRORS[17]}" in changes and "now</span> Translator: Xinhua" in changes
    r = browser.decide(17, "revert", history=entry)
    assert r.status_code == 200 and "reverted" in r.json["message"]
    assert units(tm_path)[ids[17]][:3] == (MT_ERRORS[17], "human", "approved")
    assert [h[1:4] for h in history(tm_path)][-1] == ("edit", "Translator: Xinhua", MT_ERRORS[17])


def test_a_change_made_meanwhile_is_a_conflict_and_is_not_overwritten(browser, tm_path):
    ids = unit_ids(tm_path)
    browser.open()
    # Another reviewer (another process; on PostgreSQL another machine) edits pair 18 first.
    with open_memory(tm_path) as other:
        other.edit_target(ids[17], "Translator: Xinhua (checked)", author="budi",
                          expected=other.get_unit(ids[17]))
    before = history(tm_path)
    stale = dict(browser.rows[17])  # the pair as this page showed it
    for action, extra in (("accept", {}), ("reject", {}), ("edit", {"text": "Translator: X"})):
        browser.rows[17] = dict(stale)
        r = browser.decide(17, action, **extra)
        assert r.status_code == 409, r.json
        assert r.json["conflict"].startswith(f"unit {ids[17]} was changed by budi at ")
        assert r.json["conflict"].endswith("since it was read (now human, approved); nothing was saved")
        # The page gets the pair as it is now, to decide again knowingly.
        assert "Translator: Xinhua (checked)" in r.json["rows"][0]["html"]
    assert history(tm_path) == before
    assert units(tm_path)[ids[17]] == ("Translator: Xinhua (checked)", "human", "approved", "budi")
    # Seen as it is now, the decision goes through.
    assert browser.decide(17, "reject").status_code == 200
    assert units(tm_path)[ids[17]][2] == "rejected"


def test_a_decision_from_review_in_the_terminal_meanwhile_is_a_conflict(browser, tm_path, tmtool):
    ids = unit_ids(tm_path)
    browser.open()
    tmtool("--tm", tm_path, "review", "--author", "budi", input="r\nq\n")  # rejects pair 1
    r = browser.decide(0, "accept")
    assert r.status_code == 409 and "changed by budi" in r.json["conflict"]
    assert units(tm_path)[ids[0]][2] == "rejected"


def test_filters_pages_and_worst_first(browser, tm_path):
    ids = unit_ids(tm_path)
    with open_memory(tm_path) as tm:
        tm.set_status(ids[3], "approved", author="x")
        tm.edit_target(ids[5], "A person's text.", author="x")
    browser.open(status="approved")
    assert sorted(browser.rows) == [3, 5]
    browser.open(origin="human")
    assert sorted(browser.rows) == [5]
    browser.open(q="XINHUA")  # any case, source or target
    assert sorted(browser.rows) == [17]
    browser.open(band="none")
    assert len(browser.rows) == 20  # every target came from the model
    assert browser.client.get("/doc", query_string={"name": DOC, "status": "burned"}).status_code == 400
    small = Browser(tm_path, page_size=8)
    page = small.open(page="3")
    assert sorted(small.rows) == [16, 17, 18, 19] and "page 3 of 3" in page
    assert 'id="prev-page" href="/doc?name=' in page and 'id="next-page"' not in page
    small.close()


def test_worst_bleu_first_orders_by_stored_sentence_bleu(browser, tm_path, tmtool):
    reference = Path("ref.txt")
    reference.write_text("\n".join(REFERENCE) + "\n", encoding="utf-8")
    tmtool("--tm", tm_path, "score", "--doc", DOC, "--ref", reference)
    browser.open(order="worst-bleu")
    order = list(browser.rows)
    assert set(order[:2]) == {4, 17}  # the two pairs the model got wrong
    assert order[2:] == sorted(order[2:])  # the rest score 100: document order


# -- security -------------------------------------------------------------------------------


def test_every_write_needs_the_csrf_token_of_its_session(browser, tm_path):
    ids = unit_ids(tm_path)
    browser.open()
    assert browser.decide(0, "accept", csrf=False).status_code == 403
    assert browser.decide(0, "accept", csrf="0" * 64).status_code == 403
    other = Browser(tm_path)  # another browser's token is not this one's
    other.open()
    assert browser.decide(0, "accept", csrf=other.csrf).status_code == 403
    other.close()
    r = browser.client.post("/decide", data={**browser.rows[0], "name": DOC, "seg": "0", "action": "accept",
                                             "csrf": browser.csrf}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert units(tm_path)[ids[0]][2] == "draft" and history(tm_path) == []
    # The form field works as well as the header.
    form = {**browser.rows[0], "name": DOC, "seg": "0", "action": "accept", "csrf": browser.csrf}
    assert browser.client.post("/decide", data=form).status_code == 200


def test_no_state_change_on_get(browser, tm_path):
    browser.open()
    query = {**browser.rows[0], "name": DOC, "seg": "0", "action": "accept", "csrf": browser.csrf}
    assert browser.client.get("/decide", query_string=query).status_code == 405
    for path in ("/", "/doc", "/history"):
        browser.client.get(path, query_string=query)
    assert history(tm_path) == []


def test_loopback_only_answers_loopback_host_names(browser):
    assert browser.client.get("/", headers={"Host": "localhost:8765"}).status_code == 200
    assert browser.client.get("/", headers={"Host": "[::1]:8765"}).status_code == 200
    # DNS rebinding: a page of evil.example resolving to 127.0.0.1 sends its own Host.
    r = browser.client.get("/", headers={"Host": "evil.example:8765"})
    assert r.status_code == 403 and b"loopback" in r.data


def test_another_host_needs_the_token_on_every_request(tm_path):
    translate_example(tm_path)
    b = Browser(tm_path, guard=Guard(token="s3cret-token"))
    c = b.client
    host = {"Host": "203.0.113.5:8765"}
    for path in ("/", f"/doc?name={DOC}", "/static/serve.js", "/history?tu=1"):
        assert c.get(path, headers=host).status_code == 403, path
    assert c.get("/?token=wrong", headers=host).status_code == 403
    assert c.post("/decide", data={"name": DOC}, headers=host).status_code == 403
    r = c.get(f"/doc?name={DOC}&token=s3cret-token", headers=host)
    assert r.status_code == 303 and r.headers["Location"] == f"/doc?name={DOC}"  # token off the URL
    assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Strict" in r.headers["Set-Cookie"]
    assert c.get(f"/doc?name={DOC}", headers=host).status_code == 200  # the cookie carries it now
    fresh = b.app.test_client()
    assert fresh.get("/", headers={**host, "Authorization": "Bearer s3cret-token"}).status_code == 200
    b.close()


def test_hostile_segments_render_as_text(tm_path):
    with open_memory(tm_path) as tm:
        import_file(tm, HOSTILE_TMX)
    sources = [m for m in re.findall(r'<tuv xml:lang="id"><seg>(.*?)</seg>', HOSTILE_TMX.read_text("utf-8"))]
    translate_example(tm_path, text="\n\n".join(html.unescape(s) for s in sources) + "\n", name=HOSTILE_DOC)
    b = Browser(tm_path)
    page = b.open(HOSTILE_DOC)
    assert len(b.rows) == 5 and b.rows[0]["origin"] == "imported"  # the TMX's targets, reused
    assert "<script>window" not in page and "<img src=x" not in page and '<a href="javascript' not in page
    assert "Hello &lt;script&gt;window.__pwned=1&lt;/script&gt; world." in page
    assert "onerror=&#34;window.__pwned=2&#34;" in page
    assert 'data-target="Quote &#34; onmouseover=&#34;window.__pwned=4&#34; x=&#34; done."' in page
    # A direction override is shown as a visible code, in the text and in the history.
    assert 'The price <span class="ctl" title="invisible direction control">U+202E</span>will rise' in page
    assert "\u202e" not in page.replace(b.rows[3]["target"], "")  # only in the data attribute
    assert b.rows[3]["target"] == "The price \u202ewill rise\u202c tomorrow."
    # What the payloads could load or run: nothing but this server's own script and style.
    assert re.findall(r'(?:src|href)="([^"]+)"', page.split("<main")[0]) == [
        "/static/serve.css", "/static/serve.js", "/"]
    assert not re.search(r"https?://", page)
    r = b.client.get("/doc", query_string={"name": HOSTILE_DOC})
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self';")
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Cache-Control"] == "no-store"
    b.close()


def test_serve_command_help_and_errors(tm_path, tmtool):
    out = tmtool("--tm", tm_path, "serve", "--help").output
    assert re.search(r"Example:\n +tmtool serve --open\n", out)
    translate_example(tm_path)
    r = tmtool("--tm", tm_path, "serve", "--doc", "nope.txt", code=1)
    assert r.output.strip().startswith("Error: no document named 'nope.txt'")


def test_a_server_on_another_host_prints_its_token(tm_path):
    from tmtool.serve.server import address, make_server

    translate_example(tm_path)
    with open_memory(tm_path) as tm:
        server = make_server(tm, host="0.0.0.0", port=0)
        token = server.app.extensions["tmtool"]["guard"].token
        assert token and len(token) >= 20
        assert address(server, doc=DOC, token=token) == (
            f"http://127.0.0.1:{server.port}/doc?name={DOC}&token={token}")
        server.server_close()
        local = make_server(tm, port=0)
        assert local.app.extensions["tmtool"]["guard"].token is None
        local.server_close()


def test_the_paged_reads_agree_with_document_pairs(tm_path, tmtool):
    """review_index, review_page and status_counts (the store's reads for a grid page) give what
    document_pairs gives, on both back ends, scores included."""
    translate_example(tm_path)
    reference = Path("ref.txt")
    reference.write_text("\n".join(REFERENCE) + "\n", encoding="utf-8")
    tmtool("--tm", tm_path, "score", "--doc", DOC, "--ref", reference)
    with open_memory(tm_path) as tm:
        tm.set_status(unit_ids(tm_path)[2], "rejected", author="x")
        whole = tm.document_pairs(DOC)
        assert tm.review_page(DOC, [19, 2, 0, 99]) == [whole[19], whole[2], whole[0]]  # 99: none
        index = tm.review_index(DOC)
        assert [(r.index, r.tu_id, r.status, r.origin, r.match, r.source, r.target) for r in index] == [
            (p.segment.index, p.unit.id, p.unit.status, p.unit.origin, p.match, p.segment.text, p.unit.target)
            for p in whole]
        assert [(r.bleu, r.chrf) for r in index] == [(p.score("BLEU"), p.score("chrF2")) for p in whole]
        assert tm.status_counts(DOC) == {"draft": 19, "rejected": 1}
    translate_example(tm_path, text=SOURCES[4].replace("Xi", "Presiden Xi", 1) + "\n", name="b.txt")
    with open_memory(tm_path) as tm:
        whole = tm.suggestions("b.txt")
        assert list(whole) == [0]
        assert tm.page_suggestions("b.txt", [0, 1]) == {0: (whole[0].score, whole[0].unit)}


def test_a_busy_port_is_one_line(tm_path, tmtool):
    import socket

    translate_example(tm_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = tmtool("--tm", tm_path, "serve", "--port", port, code=1)
    assert r.output == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use " \
                       "(another program uses it: choose another --port)\n"
