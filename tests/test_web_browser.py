"""The web app in a real browser: Chromium (Debian's /usr/bin/chromium) driven by Playwright against
a real uvicorn server on 127.0.0.1 serving the session store.

Every request that is not to 127.0.0.1 is aborted and recorded; each test asserts none was tried.
Accessibility: axe-core (bundled with axe-playwright-python) with the WCAG 2.1 A/AA tags only.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Outside CI a missing browser skips; in CI (which runs ./dev, which installs it) it must fail.
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                reason="/usr/bin/chromium is missing (./dev installs it)")

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-quic", "--disable-dev-shm-usage"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# One page of every type.
PAGE_TYPES = {
    "home": "/nb/",
    "kommune": "/nb/region/5501",
    "ba": "/nn/region/BA005",
    "fylke": "/en/region/34",
    "norway": "/nb/region/NO",
    "simulate": "/nb/region/5501/simulate",
    "compare": "/en/compare?r=5501&r=1804&r=NO",
    "method": "/nn/method",
    "search": "/nb/search?q=sand",
    "not_found": "/nb/region/9999",
}
EXPECTED_STATUS = {"not_found": 404}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(db_path):
    import uvicorn

    from framtid.web.app import create_app

    app = create_app(db_path)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.time() + 30
    while not srv.started:
        assert time.time() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "app": app}
    srv.should_exit = True
    th.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def has_projection(server):
    return server["app"].state.services.has_projection


class Tab:
    """A page that refuses (and remembers) every request leaving 127.0.0.1."""

    def __init__(self, browser, base: str, width: int = 1280, js: bool = True):
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": 900},
                                           java_script_enabled=js)
        self.external: list[str] = []
        self.errors: list[str] = []
        self.context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), self._block)
        self.page = self.context.new_page()
        # a cold session store: the first request fits the model; Norway's first page computes
        # the stochastic projection of every kommune (served warm from the page cache after)
        self.page.set_default_navigation_timeout(120_000)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     and "404" not in m.text else None)

    def _block(self, route):
        self.external.append(route.request.url)
        route.abort()

    def goto(self, path: str, status: int = 200):
        resp = self.page.goto(self.base + path, wait_until="networkidle")
        assert resp is not None and resp.status == status, (path, resp and resp.status)
        return resp

    def wait_for_charts(self):
        n = self.page.locator("figure[data-chart]").count()
        if n:
            self.page.wait_for_function(
                "n => document.querySelectorAll('figure.is-live .chart-view svg').length >= n",
                arg=n, timeout=20_000)
        return n

    def close(self):
        self.context.close()
        assert not self.external, f"requests left 127.0.0.1: {self.external}"
        assert not self.errors, f"page errors: {self.errors}"


@pytest.fixture
def tab(browser, server):
    t = Tab(browser, server["url"])
    yield t
    t.close()


# --- every page type -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_page_type_loads_with_live_charts(tab, kind):
    tab.goto(PAGE_TYPES[kind], EXPECTED_STATUS.get(kind, 200))
    assert tab.page.locator("h1").count() == 1
    tab.wait_for_charts()
    text = tab.page.locator("footer").inner_text()
    assert re.search(r"(Kilde|Kjelde): Statistisk sentralbyrå|Source: Statistics Norway", text)


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_axe_wcag21_aa_has_no_violations(browser, server, kind):
    from axe_playwright_python.sync_playwright import Axe

    t = Tab(browser, server["url"])
    try:
        t.goto(PAGE_TYPES[kind], EXPECTED_STATUS.get(kind, 200))
        t.wait_for_charts()
        # open every table so that axe checks it too
        t.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        res = Axe().run(t.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert res.violations_count == 0, res.generate_report()
    finally:
        t.close()


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_reflow_at_320_px_and_still_accessible(browser, server, kind):
    t = Tab(browser, server["url"], width=320)
    try:
        t.goto(PAGE_TYPES[kind], EXPECTED_STATUS.get(kind, 200))
        t.wait_for_charts()
        width = t.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{kind}: horizontal scroll, scrollWidth {width}"
        # what narrow screens add (charts that scroll sideways) must stay accessible too
        from axe_playwright_python.sync_playwright import Axe

        res = Axe().run(t.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert res.violations_count == 0, res.generate_report()
    finally:
        t.close()


def test_pages_read_without_javascript(browser, server):
    t = Tab(browser, server["url"], js=False)
    try:
        t.goto("/nb/")
        assert t.page.locator("table.data").count() >= 2        # map table and chart table
        t.page.select_option("#map-indicator", "median_age")
        t.page.click("[data-map-submit]")
        t.page.wait_for_url(re.compile(r"indicator=median_age"))
        assert "Medianalder" in t.page.locator(".map-section h3").inner_text()
        t.page.fill("#q-home", "tromso")
        t.page.press("#q-home", "Enter")
        t.page.wait_for_url(re.compile(r"/nb/region/5501$"))
    finally:
        t.close()


# --- tasks a user does ----------------------------------------------------------------------
def test_search_tromso_reaches_tromso(tab):
    tab.goto("/nb/")
    box = tab.page.locator("#q-home")
    box.click()
    box.press_sequentially("tromso", delay=30)
    option = tab.page.locator("[role=option]").first
    option.wait_for()
    assert "Tromsø" in option.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    box.press("Enter")
    tab.page.wait_for_url(re.compile(r"/nb/region/5501$"))
    assert "Tromsø" in tab.page.locator("h1").inner_text()


def test_switch_language(tab):
    tab.goto("/nb/region/5501")
    tab.page.locator("nav.langs a[hreflang=nn]").click()
    tab.page.wait_for_url(re.compile(r"/nn/region/5501$"))
    assert tab.page.evaluate("document.documentElement.lang") == "nn"
    assert "Kjelde: Statistisk sentralbyrå" in tab.page.locator("footer").inner_text()
    tab.page.locator("nav.langs a[hreflang=en]").click()
    tab.page.wait_for_url(re.compile(r"/en/region/5501$"))
    assert "Source: Statistics Norway" in tab.page.locator("footer").inner_text()


def test_slider_by_keyboard_updates_numbers_and_url(tab, has_projection):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    tab.goto("/nb/region/5501/simulate")
    tab.wait_for_charts()
    cell = tab.page.locator('tr[data-ind="care_workers_needed"] [data-cell="scenario"]')
    before = cell.inner_text()
    slider = tab.page.locator("#lv-healthy_ageing")
    slider.focus()
    for _ in range(10):
        slider.press("ArrowRight")
    tab.page.wait_for_function(
        "([sel, old]) => document.querySelector(sel).innerText !== old",
        arg=['tr[data-ind="care_workers_needed"] [data-cell="scenario"]', before],
        timeout=15_000)
    assert cell.inner_text() != before
    tab.page.wait_for_url(re.compile(r"healthy_ageing="))
    assert "healthy_ageing=" in tab.page.locator("[data-sim-share]").get_attribute("href")
    assert tab.page.locator("#lv-healthy_ageing-out").inner_text().strip() != "0"


def test_shared_scenario_url_reloads(tab, has_projection):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    tab.goto("/en/region/5501/simulate?healthy_ageing=2")
    assert tab.page.locator("#lv-healthy_ageing").input_value() == "2"
    row = tab.page.locator('tr[data-ind="care_workers_needed"]')
    assert (row.locator('[data-cell="scenario"]').inner_text()
            != row.locator('[data-cell="baseline"]').inner_text())
    tab.page.reload(wait_until="networkidle")
    assert tab.page.locator("#lv-healthy_ageing").input_value() == "2"


def test_what_it_takes_moves_the_slider(tab, server):
    assert server["app"].state.services.has_what_it_takes, "«what it takes» did not load"
    tab.goto("/nb/region/5501/simulate")
    form = tab.page.locator("[data-wit-form]").filter(
        has=tab.page.locator("option[value='care_share_of_workforce:care_productivity']"))
    form.locator("select").select_option("care_share_of_workforce:care_productivity")
    form.locator("button").click()
    status = tab.page.locator("[data-wit-status]")
    tab.page.wait_for_function("el => el.innerText.length > 40", arg=status.element_handle(),
                               timeout=30_000)
    assert tab.page.locator("#lv-care_productivity").input_value() != "0"
    tab.page.wait_for_url(re.compile(r"care_productivity="))


def test_region_page_shows_ssb_beside_ours_and_stays_accessible(browser, server, has_projection):
    """Skien (Telemark, SSB's 2026 round): the fan chart's legend names SSB's main alternative,
    the sentence under it compares SSB with ours, and axe still finds nothing."""
    from axe_playwright_python.sync_playwright import Axe

    assert has_projection, "the projection engine (framtid.model.service) did not load"
    t = Tab(browser, server["url"])
    try:
        t.goto("/nb/region/4003")
        t.wait_for_charts()
        fan = t.page.locator("figure[data-kind='fan']").first
        note = fan.locator(".chart-note").inner_text()
        assert re.match(r"SSBs hovedalternativ \(framskriving 2026\) gir [\d\u00a0 ]+ "
                        r"innbyggere i 2040; framtid gir [\d\u00a0 ]+\.", note), note
        legend = fan.locator(".chart-view svg").evaluate("s => s.textContent")
        assert "SSB, hovedalternativet (2026)" in legend
        source = fan.locator(".chart-source").inner_text()
        assert "Framskriving: framtid, på data fra SSB" in source
        t.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert "SSB hovedalternativet (2026)" in fan.locator("table").inner_text()
        res = Axe().run(t.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert res.violations_count == 0, res.generate_report()
    finally:
        t.close()
