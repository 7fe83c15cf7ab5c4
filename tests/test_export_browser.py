"""Exports in a real browser (Chromium via Playwright, as in test_web_browser): an embed can be
framed by another origin while a region page cannot; the simulator's scenario name travels into
the download links and its print layout shows the assumptions and the full URL."""

from __future__ import annotations

import pytest

from test_web_browser import CHROMIUM, Tab, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")

@pytest.fixture
def other_origin(server):  # noqa: F811
    """A second local server (another port: another origin) whose page frames two of ours."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    base = server["url"]
    host = (f'<!doctype html><html lang="en"><title>host</title>'
            f'<iframe id="ok" title="embed" src="{base}/embed/nb/3403/pyramid"></iframe>'
            f'<iframe id="no" title="page" src="{base}/nb/region/3403"></iframe></html>').encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(host)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    th = threading.Thread(target=httpd.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_embed_frames_from_another_origin_region_page_does_not(browser, server,  # noqa: F811
                                                                other_origin):
    t = Tab(browser, server["url"])
    failed: list[str] = []
    t.page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    try:
        t.page.goto(f"{other_origin}/host.html", wait_until="load")
        embed = t.page.frame_locator("#ok")
        embed.locator("svg").first.wait_for(timeout=60_000)          # the chart is framed
        assert "Kilde: Statistisk sentralbyrå" in embed.locator("body").inner_text()
        t.page.wait_for_load_state("networkidle", timeout=60_000)
        frame = next(f for f in t.page.frames if f.name == "no")      # name falls back to id
        assert frame.url.startswith("chrome-error:"), (frame.url, failed)   # refused by CSP
        # Why it was refused: the page's CSP names only itself as an ancestor. (Chromium's
        # console message about it arrives late or not at all on a loaded machine: CI saw none
        # once, so it is not waited for.)
        csp = t.page.request.get(f"{server['url']}/nb/region/3403").headers[
            "content-security-policy"]
        assert "frame-ancestors 'self'" in csp, csp
        embed_csp = t.page.request.get(f"{server['url']}/embed/nb/3403/pyramid").headers[
            "content-security-policy"]
        assert "frame-ancestors *" in embed_csp, embed_csp
    finally:
        t.errors = [e for e in t.errors if "frame" not in e.lower()]
        t.close()


def test_simulator_name_travels_and_prints(browser, server):  # noqa: F811
    t = Tab(browser, server["url"])
    try:
        t.goto("/nn/region/3403/simulate")
        t.page.fill("#sim-name", "Formannskapets alternativ")
        slider = t.page.locator("#lv-healthy_ageing")
        slider.focus()
        for _ in range(5):
            slider.press("ArrowRight")
        t.page.wait_for_function(
            "() => [...document.querySelectorAll('a[data-export-base]')].some(a => "
            "a.href.includes('name=Formannskapets') && a.href.includes('healthy_ageing='))",
            timeout=15_000)
        pdf = t.page.locator('a[data-export-base$=".pdf"]').first.get_attribute("href")
        assert "name=Formannskapets+alternativ" in pdf and "healthy_ageing=" in pdf
        t.page.wait_for_timeout(800)
        assert "name=Formannskapets" in t.page.url
        t.page.emulate_media(media="print")
        block = t.page.locator("aside.export-print")
        assert block.is_visible()
        text = block.inner_text()
        assert "Formannskapets alternativ" in text and "Friskare eldre" in text
        assert "http://127.0.0.1" in text and "name=Formannskapets" in text
        assert not t.page.locator("form.levers").is_visible()
    finally:
        t.close()


def test_simulator_computes_and_carries_the_chosen_variant(browser, server):  # noqa: F811
    """Choosing «Låg vekst» recomputes the page in that variant (through the API), names it on
    the chart, and puts scenario=low into the address, the share link and the downloads."""
    t = Tab(browser, server["url"])
    try:
        t.goto("/nn/region/3403/simulate")
        before = t.page.locator('[data-key="population"] [data-cell="scenario"]').inner_text()
        with t.page.expect_response(lambda r: "/simulation?" in r.url and "scenario=low" in r.url
                                    and r.status == 200, timeout=60_000):
            t.page.select_option("#sim-variant", "low")
        t.page.wait_for_function("() => location.search.includes('scenario=low')",
                                 timeout=15_000)
        after = t.page.locator('[data-key="population"] [data-cell="scenario"]').inner_text()
        assert after != before                      # Hamar grows less in the low variant
        share = t.page.locator("[data-sim-share]").first.get_attribute("href")
        assert "scenario=low" in share
        t.page.wait_for_function(
            "() => [...document.querySelectorAll('a[data-export-base]')].every(a => "
            "a.href.includes('scenario=low'))", timeout=15_000)
        legend = t.page.locator('[data-slot="population"] figure').inner_text()
        spec = t.page.locator('[data-slot="population"] script.chart-spec').first
        assert "Scenarioet ditt (låg vekst)" in legend + (spec.text_content() or "")
        api = t.page.evaluate("async () => (await (await fetch("
                              "'/api/regions/3403/simulation?lang=nn&scenario=low')).json())"
                              ".rows.find(r => r.indicator === 'population').scenario_text")
        assert api == after                         # the page shows what the API computes
    finally:
        t.close()


def test_embed_code_gets_the_browsers_origin(browser, server):  # noqa: F811
    t = Tab(browser, server["url"])
    try:
        t.goto("/nb/region/3403")
        box = t.page.locator("textarea[data-embed-path]").first
        t.page.wait_for_function(
            "() => document.querySelector('textarea[data-embed-path]').dataset.embedOrigin",
            timeout=15_000)
        assert box.input_value().startswith(f'<iframe src="{server["url"]}/embed/nb/3403/')
        note = t.page.locator("textarea[data-embed-path] + p.hint").first
        assert note.get_attribute("hidden") is not None
    finally:
        t.close()
    nojs = Tab(browser, server["url"], js=False)
    try:
        nojs.goto("/nb/region/3403")
        box = nojs.page.locator("textarea[data-embed-path]").first
        assert box.input_value().startswith('<iframe src="/embed/nb/3403/')
        nojs.page.locator("details.embed-code summary").first.click()
        assert nojs.page.locator("textarea[data-embed-path] + p.hint").first.is_visible()
    finally:
        nojs.close()
