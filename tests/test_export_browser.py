"""Exports in a real browser (Chromium via Playwright, as in test_web_browser): an embed can be
framed by another origin while a region page cannot; the simulator's scenario name travels into
the download links and its print layout shows the assumptions and the full URL."""

from __future__ import annotations

import pytest

from test_web_browser import CHROMIUM, Tab, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")

OTHER_ORIGIN = "http://127.0.0.1:1"      # a different port is a different origin


def test_embed_frames_from_another_origin_region_page_does_not(browser, server):  # noqa: F811
    t = Tab(browser, server["url"])
    base = server["url"]
    host = (f'<!doctype html><html lang="en"><title>host</title>'
            f'<iframe id="ok" title="embed" src="{base}/embed/nb/3403/pyramid"></iframe>'
            f'<iframe id="no" title="page" src="{base}/nb/region/3403"></iframe></html>')
    t.context.route(f"{OTHER_ORIGIN}/host.html",
                    lambda route: route.fulfill(body=host, content_type="text/html"))
    try:
        t.page.goto(f"{OTHER_ORIGIN}/host.html", wait_until="load")
        t.page.wait_for_timeout(1500)
        frames = {f.name or f.url: f for f in t.page.frames}
        embed = next(f for f in t.page.frames if "/embed/" in f.url)
        assert embed.locator("svg").count() >= 1
        assert "Kilde: Statistisk sentralbyrå" in embed.locator("body").inner_text()
        page_frames = [f for f in t.page.frames if f.url.endswith("/nb/region/3403")]
        assert not page_frames or page_frames[0].locator("h1").count() == 0, frames
    finally:
        t.errors = [e for e in t.errors if "frame-ancestors" not in e and "frame" not in e]
        t.external = [u for u in t.external if not u.startswith(OTHER_ORIGIN)]
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
