"""`tmtool serve` in a real browser: headless Chromium through WebDriver (issue 19).

The server is the real one (werkzeug on a free port, in a thread) over a real SQLite memory;
Chromium is Debian's (``chromium`` and ``chromium-driver``). Without them the tests are skipped,
except in CI (``CI=true``), where they fail. Screenshots at 1280 and 420 px go to
``$TMTOOL_SCREENSHOTS`` when it is set (CI keeps that folder), else to the test's tmp_path.
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_review import DOC, MT_ERRORS, SOURCES, history, translate_example, unit_ids, units
from test_serve import HOSTILE_DOC, HOSTILE_TMX

pytest.importorskip("flask", reason="tmtool serve needs the serve extra: pip install -e '.[serve]'")

from tmtool.exchange import import_file  # noqa: E402
from tmtool.memory import open_memory  # noqa: E402
from tmtool.serve.server import address, make_server  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage")
WAIT = 10  # seconds: a shared, busy CI machine


def _missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """One headless Chromium for the module (starting one takes seconds)."""
    why = _missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {why}", pytrace=False)
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1280,900")
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()


@contextmanager
def _serving(location, driver):
    """A real server over a memory holding the translated example; yields its address."""
    translate_example(location)
    tm = open_memory(location)
    server = make_server(tm, port=0, author="ayu")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _viewport(driver, 1280)
    try:
        yield address(server)
    finally:
        server.shutdown()
        server.server_close()
        tm.close()


@pytest.fixture
def live(tm_path, driver):
    """The server over a SQLite memory."""
    with _serving(tm_path, driver) as url:
        yield url


@pytest.fixture
def live_any(memory_location, driver):
    """The server over each back end (a SQLite file, a PostgreSQL server)."""
    with _serving(memory_location, driver) as url:
        yield url


def _viewport(driver, width: int, height: int = 900) -> None:
    # The window may not shrink below Chromium's minimum; the emulated viewport does.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 700})


def _open(driver, base: str, name: str = DOC) -> None:
    from urllib.parse import urlencode

    driver.get(f"{base}doc?{urlencode({'name': name})}")
    _wait(driver, lambda d: d.find_elements("css selector", "tr.row.cur"))


def _wait(driver, condition, timeout: float = WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _keys(driver, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def _status(driver) -> str:
    return driver.find_element("id", "status").text


def _wait_status(driver, text: str) -> str:
    _wait(driver, lambda d: text in _status(d))
    return _status(driver)


def _row(driver, seg: int):
    return driver.find_element("css selector", f'tr.row[data-seg="{seg}"]')


def _current(driver) -> int:
    return int(driver.find_element("css selector", "tr.row.cur").get_attribute("data-seg"))


def _shot(driver, tmp_path, name: str, width: int) -> Path:
    folder = Path(os.environ.get("TMTOOL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    _viewport(driver, width)
    path = folder / f"{name}-{width}.png"
    driver.save_screenshot(str(path))
    # The page must fit the width: no sideways scrolling at 420 px either.
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width
    return path


def test_review_a_document_with_the_keyboard(live, driver, tm_path, tmp_path):
    from selenium.webdriver.common.keys import Keys

    ids = unit_ids(tm_path)
    _open(driver, live)
    assert _current(driver) == 0  # the first pair still to decide
    _keys(driver, "a")
    _wait_status(driver, f"unit {ids[0]}: approved")
    assert "status-approved" in _row(driver, 0).get_attribute("class")
    assert _current(driver) == 1  # moved on, as review does
    _keys(driver, "j")
    assert _current(driver) == 2
    _keys(driver, "k")
    _keys(driver, Keys.ARROW_DOWN)
    _keys(driver, "r")
    _wait_status(driver, f"unit {ids[2]}: rejected")
    _keys(driver, "j")  # to pair 5, which the model got wrong
    assert _current(driver) == 4
    _keys(driver, "e")
    area = _wait(driver, lambda d: d.find_element("css selector", 'tr.row[data-seg="4"] .editor textarea'))
    assert area.get_attribute("value") == MT_ERRORS[4]
    assert driver.switch_to.active_element == area
    fixed = "Xi stressed that the current international situation is undergoing profound changes."
    area.clear()
    area.send_keys(fixed + Keys.ENTER)
    _wait_status(driver, f"unit {ids[4]}: edited, saved as a human target, approved")
    assert _row(driver, 4).find_element("css selector", ".text").text == fixed
    _keys(driver, "k")
    _keys(driver, "h")  # the history of pair 5, on demand
    changes = _wait(driver, lambda d: d.find_elements("css selector", 'tr.row[data-seg="4"] .changes li'))
    assert "edit" in changes[0].text and MT_ERRORS[4] in changes[0].text
    keys = driver.find_element("id", "keys").text
    assert "a accept" in keys and "c copy the TM suggestion" in keys
    _shot(driver, tmp_path, "serve-review", 1280)
    _shot(driver, tmp_path, "serve-review", 420)
    assert units(tm_path)[ids[4]] == (fixed, "human", "approved", "ayu")
    assert driver.find_element("id", "n-approved").text == "2"  # the counts follow the decisions
    assert driver.find_element("id", "n-rejected").text == "1"
    assert [(h[0], h[1]) for h in history(tm_path)] == [(ids[0], "approve"), (ids[2], "reject"), (ids[4], "edit")]


def test_the_document_list_opens_a_document(live, driver, tmp_path):
    driver.get(live)
    link = driver.find_element("link text", DOC)
    assert "0/20 decided" in driver.find_element("css selector", "table.docs").text
    _shot(driver, tmp_path, "serve-documents", 1280)
    _shot(driver, tmp_path, "serve-documents", 420)
    link.click()
    _wait(driver, lambda d: d.find_elements("css selector", "tr.row.cur"))
    assert driver.find_element("tag name", "h1").text == DOC


def test_copy_the_tm_suggestion_with_c(live, driver, tm_path):
    from selenium.webdriver.common.keys import Keys

    translate_example(tm_path, text=SOURCES[4].replace("Xi", "Presiden Xi", 1) + "\n", name="b.txt")
    _open(driver, live, "b.txt")
    assert "TM 92%" in _row(driver, 0).text
    _keys(driver, "c")
    area = _wait(driver, lambda d: d.find_element("css selector", ".editor textarea"))
    assert area.get_attribute("value") == MT_ERRORS[4]  # the memory's translation of the near match
    area.send_keys(Keys.ENTER)
    _wait_status(driver, "edited, saved as a human target, approved")
    with open_memory(tm_path) as tm:
        assert tm.pairs("b.txt")[0].unit.target == MT_ERRORS[4]


def test_a_pair_changed_underneath_is_shown_as_a_conflict(live_any, driver, memory_location):
    tm_path = memory_location
    ids = unit_ids(tm_path)
    _open(driver, live_any)
    with open_memory(tm_path) as other:  # another reviewer (on PostgreSQL: another machine)
        other.edit_target(ids[0], "Samarkand: checked by Budi.", author="budi")
    _keys(driver, "a")
    said = _wait_status(driver, "Conflict")
    assert f"unit {ids[0]} was changed by budi" in said and "nothing was saved" in said
    row = _row(driver, 0)
    assert "conflict" in row.get_attribute("class")
    assert row.find_element("css selector", ".text").text == "Samarkand: checked by Budi."  # as it is now
    assert _current(driver) == 0  # still on it, to decide again knowingly
    assert units(tm_path)[ids[0]] == ("Samarkand: checked by Budi.", "human", "approved", "budi")
    _keys(driver, "r")  # seen as it is now, the decision is saved
    _wait_status(driver, f"unit {ids[0]}: rejected")
    assert units(tm_path)[ids[0]][2] == "rejected"


def test_a_hostile_segment_does_not_execute(live, driver, tm_path, tmp_path):
    from selenium.webdriver.common.keys import Keys

    with open_memory(tm_path) as tm:
        import_file(tm, HOSTILE_TMX)
    import html
    import re

    sources = re.findall(r'<tuv xml:lang="id"><seg>(.*?)</seg>', HOSTILE_TMX.read_text("utf-8"))
    translate_example(tm_path, text="\n\n".join(html.unescape(s) for s in sources) + "\n", name=HOSTILE_DOC)
    _open(driver, live, HOSTILE_DOC)
    text = _row(driver, 0).find_element("css selector", ".text").text
    assert text == "Hello <script>window.__pwned=1</script> world."
    assert "U+202E" in _row(driver, 3).find_element("css selector", ".text").text
    # Hover every row, open every editor and history: nothing a payload hides may run.
    from selenium.webdriver.common.action_chains import ActionChains

    for seg in range(5):
        ActionChains(driver).move_to_element(_row(driver, seg)).perform()
    _keys(driver, "e")
    area = _wait(driver, lambda d: d.find_element("css selector", ".editor textarea"))
    area.send_keys(" <img src=x onerror=window.__pwned=6>" + Keys.ENTER)
    _wait_status(driver, "edited")
    _keys(driver, "k")
    _keys(driver, "h")
    _wait(driver, lambda d: d.find_elements("css selector", ".changes li"))
    _shot(driver, tmp_path, "serve-hostile", 1280)
    found = driver.execute_script(
        "return [window.__pwned === undefined, document.querySelectorAll("
        "'main script, main img, [onerror], [onmouseover], a[href^=\"javascript\"]').length]")
    assert found == [True, 0]
