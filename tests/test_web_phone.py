"""Phone first, in a real browser: every page type fits 390 px and 1366 px without sideways
scrolling (the page and every chart in it), the simulator keeps a result in view while a lever
moves, charts are there without JavaScript, and /api/docs works offline and passes axe.

Runs against its own uvicorn server (fixtures from test_web_browser). Kept small for CI: every
page type at both widths in bokmål, a subset in nynorsk and English at phone width.
"""

from __future__ import annotations

import pytest
from test_web_browser import (  # noqa: F401 - fixtures used by name
    CHROMIUM,
    WCAG_TAGS,
    Tab,
    browser,
    has_projection,
    server,
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")

NB_PAGES = {
    "home": "/nb/", "kommune": "/nb/region/3403", "ba": "/nb/region/BA005",
    "fylke": "/nb/region/34", "norway": "/nb/region/NO", "simulate": "/nb/region/3403/simulate",
    "compare": "/nb/compare?r=3403&r=34&r=NO", "method": "/nb/method",
    "search": "/nb/search?q=sand", "not_found": "/nb/region/9999", "split": "/nb/region/54",
    "api_docs": "/api/docs",
}
OTHER_PAGES = ["/nn/region/NO", "/nn/region/5612/simulate", "/en/region/1151",
               "/en/method"]
STATUS = {"not_found": 404}
CASES = ([(k, u, w) for k, u in NB_PAGES.items() for w in (390, 1366)]
         + [(u.split("/")[1], u, 390) for u in OTHER_PAGES])


class PhoneTab(Tab):
    def __init__(self, browser, base, width, js=True):
        super().__init__(browser, base, width=width, js=js)
        self.page.set_viewport_size({"width": width, "height": 844 if width < 500 else 768})


@pytest.mark.parametrize("kind,url,width", CASES, ids=[f"{u}@{w}" for _, u, w in CASES])
def test_no_sideways_scrolling(browser, server, kind, url, width):
    t = PhoneTab(browser, server["url"], width)
    try:
        t.goto(url, STATUS.get(kind, 200))
        t.wait_for_charts()
        page_w, inner = t.page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert page_w <= inner, f"{url} at {width}: page scrollWidth {page_w} > {inner}"
        wide = t.page.evaluate("""() => [...document.querySelectorAll('.chart-view')]
            .filter(v => v.scrollWidth > v.clientWidth + 1)
            .map(v => v.id + ': ' + v.scrollWidth + ' > ' + v.clientWidth)""")
        assert not wide, f"{url} at {width}: charts scroll sideways: {wide}"
    finally:
        t.close()


def test_simulator_result_stays_in_view_on_a_phone(browser, server, has_projection):  # noqa: F811
    assert has_projection
    t = PhoneTab(browser, server["url"], 390)
    try:
        t.goto("/nb/region/3403/simulate")
        t.wait_for_charts()
        slider = t.page.locator("#lv-young_adults")
        slider.scroll_into_view_if_needed()
        strip = '[data-key="population"] [data-cell="scenario"]'
        before = t.page.locator(strip).inner_text()
        slider.focus()
        for _ in range(8):
            slider.press("ArrowRight")
        t.page.wait_for_function("([sel, old]) => document.querySelector(sel).innerText !== old",
                                 arg=[strip, before], timeout=20_000)
        box = t.page.locator(strip).bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 844, box
        # the lever that was moved is in view too
        lever = slider.bounding_box()
        assert lever is not None and 0 <= lever["y"] <= 844
    finally:
        t.close()


def test_simulator_population_chart_has_an_uncertainty_band(browser, server):
    t = PhoneTab(browser, server["url"], 1366)
    try:
        t.goto("/nb/region/3403/simulate")
        t.wait_for_charts()
        assert "80" in t.page.locator('[data-slot="population"] .chart-subtitle').inner_text()
        assert t.page.locator('[data-slot="population"] .chart-view svg path[aria-roledescription="area mark"], '
                              '[data-slot="population"] .chart-view svg .mark-area path').count() >= 1
    finally:
        t.close()


def test_charts_are_pictures_without_javascript(browser, server):
    t = PhoneTab(browser, server["url"], 390, js=False)
    try:
        t.goto("/nb/region/3403")
        figures = t.page.locator("figure[data-chart]").count()
        pictures = t.page.locator("figure[data-chart] .chart-static svg").count()
        assert figures >= 3 and pictures == figures
        assert t.page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    finally:
        t.close()


def test_simulator_with_levers_shows_pictures_without_javascript(browser, server):
    """A lever combination's page is not kept, so its pictures are <noscript> images of the
    charts' own SVG downloads: loaded by a browser without JavaScript, by no other."""
    t = PhoneTab(browser, server["url"], 390, js=False)
    try:
        t.goto("/nb/region/3403/simulate?fertility=1.6&name=Formannskapet")
        figures = t.page.locator("figure[data-chart]").count()
        imgs = t.page.locator("figure[data-chart] .chart-static img")
        assert figures == 3 and imgs.count() == figures
        t.page.wait_for_function("[...document.querySelectorAll('.chart-static img')]"
                                 ".every(i => i.complete && i.naturalWidth > 0)")
        src = imgs.first.get_attribute("src")
        assert "fertility=1.6" in src and "name=Formannskapet" in src
        t.goto("/nb/compare?r=3403&r=3405")             # a comparison is not kept either
        assert t.page.locator("figure[data-chart] .chart-static img").count() == \
            t.page.locator("figure[data-chart]").count() >= 2
        t.page.wait_for_function("[...document.querySelectorAll('.chart-static img')]"
                                 ".every(i => i.complete && i.naturalWidth > 0)")
    finally:
        t.close()
    t = PhoneTab(browser, server["url"], 390)
    try:
        seen = []
        t.page.on("request", lambda r: seen.append(r.url))
        t.goto("/nb/region/3403/simulate?fertility=1.6")
        t.wait_for_charts()
        assert not [u for u in seen if "/chart/scenario-" in u]   # JavaScript: never loaded
    finally:
        t.close()


def test_api_docs_offline_and_accessible(browser, server):
    from axe_playwright_python.sync_playwright import Axe

    t = PhoneTab(browser, server["url"], 1366)
    try:
        t.goto("/api/docs")
        assert t.page.locator("h1").inner_text().startswith("framtid API")
        assert t.page.locator("section.api-op").count() >= 10
        res = Axe().run(t.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert res.violations_count == 0, res.generate_report()
    finally:
        t.close()      # asserts that no request left 127.0.0.1


def test_map_click_opens_the_kommune(browser, server):
    t = PhoneTab(browser, server["url"], 1366)
    try:
        t.goto("/nb/")
        t.wait_for_charts()
        svg = t.page.locator('[data-kind="map"] .chart-view svg')
        svg.scroll_into_view_if_needed()
        box = svg.bounding_box()
        # click southern Norway (the map's lower left) until a kommune is hit
        for fx, fy in ((0.35, 0.8), (0.38, 0.75), (0.33, 0.85), (0.42, 0.7)):
            t.page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            try:
                t.page.wait_for_url("**/nb/region/*", timeout=5000, wait_until="commit")
                break
            except Exception:  # noqa: BLE001 - sea or a border: try another point
                continue
        assert "/nb/region/" in t.page.url
    finally:
        t.close()


def test_map_enter_on_a_focused_kommune_opens_it(browser, server):
    """Keyboard: Tab reaches the map's kommuner (one tab stop), the arrow keys move between
    them, Enter opens the focused kommune's page; the map stays free of axe violations."""
    from axe_playwright_python.sync_playwright import Axe

    t = PhoneTab(browser, server["url"], 1366)
    try:
        t.goto("/nb/")
        t.wait_for_charts()
        links = t.page.locator('[data-kind="map"] .chart-view svg path[role="link"]')
        assert links.count() == len(server["app"].state.ctx.regions.all("kommune"))
        res = Axe().run(t.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert res.violations_count == 0, res.generate_report()
        on_map = "() => document.activeElement?.closest?.('[data-kind=map]') !== null"
        for _ in range(200):                     # Tab through the page until the map
            t.page.keyboard.press("Tab")
            if t.page.evaluate(on_map):
                break
        assert t.page.evaluate(on_map), "Tab never reached the map"
        first = t.page.evaluate("() => document.activeElement.dataset.code")
        t.page.keyboard.press("ArrowRight")
        code = t.page.evaluate("() => document.activeElement.dataset.code")
        assert code and code != first
        name = t.page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        t.page.keyboard.press("Enter")
        t.page.wait_for_url(f"**/nb/region/{code}", wait_until="commit")
        t.page.wait_for_load_state()
        assert name.split(" (")[0] in t.page.locator("h1").inner_text()
    finally:
        t.close()
