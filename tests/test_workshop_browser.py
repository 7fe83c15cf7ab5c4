"""The workshop in a real browser (Debian's Chromium via Playwright, the fixtures of
test_web_browser.py): every page passes axe WCAG 2.1 AA at 390 px and at laptop width, reflows
without sideways scrolling on a phone, works in nb/nn/en, and a whole meeting runs: the host
creates, a phone joins by code, answers, sends an idea (an XSS payload shows as text), votes,
and the big screen updates live without a reload."""

from __future__ import annotations

import re

import pytest
from test_web_browser import WCAG_TAGS, Tab, browser, pytestmark  # noqa: F401

XSS = '<img src=x onerror="window.__pwned=1">"><script>window.__pwned=1</script>'
PHONE, LAPTOP = 390, 1280


@pytest.fixture(scope="module")
def server(db_path, tmp_path_factory):
    import os
    import socket
    import threading
    import time

    import uvicorn

    from framtid.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('wsb') / 'workshop.sqlite'}"
    old = os.environ.get("FRAMTID_DATABASE_URL")
    os.environ["FRAMTID_DATABASE_URL"] = url
    try:
        app = create_app(db_path)
    finally:
        if old is None:
            os.environ.pop("FRAMTID_DATABASE_URL", None)
        else:
            os.environ["FRAMTID_DATABASE_URL"] = old
    app.state.workshop_hub.interval = 0.3
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
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
def room(server):
    """A workshop with a participant, an answer and an idea, made through the service."""
    import httpx

    base = server["url"]
    d = httpx.post(f"{base}/api/workshops", json={"region": "5501"}, timeout=120).json()
    code, key = d["code"], d["facilitator_key"]
    p = httpx.post(f"{base}/api/workshops/{code}/participants").json()["participant_id"]
    q = next(q for q in httpx.get(f"{base}/api/workshops/{code}").json()["questions"]
             if q["open"])
    httpx.put(f"{base}/api/workshops/{code}/answers/{q['id']}",
              json={"participant_id": p, "value": 4})
    httpx.post(f"{base}/api/workshops/{code}/ideas",
               json={"participant_id": p, "text": "Flere boliger for unge i sentrum"})
    return {"code": code, "key": key}


def _host_tab(browser, server, room, width=LAPTOP):
    t = Tab(browser, server["url"], width=width)
    t.goto(f"/nb/w/{room['code']}/host#key={room['key']}")
    t.page.wait_for_url(re.compile(rf"/nb/w/{room['code']}/host$"))
    t.page.wait_for_selector("[data-participants]")
    return t


def _axe(t):
    from axe_playwright_python.sync_playwright import Axe

    t.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    res = Axe().run(t.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert res.violations_count == 0, res.generate_report()


PAGES = {
    "start": ("/nb/workshop?region=5501", 200),
    "participant_nn": ("/nn/w/{code}", 200),
    "participant_en": ("/en/w/{code}", 200),
    "host_key_form": ("/nb/w/{code}/host", 200),
    "not_found": ("/nb/w/NOSUCH", 404),
}


@pytest.mark.parametrize("width", [PHONE, LAPTOP])
@pytest.mark.parametrize("kind", PAGES)
def test_pages_pass_axe_and_reflow(browser, server, room, kind, width):
    path, status = PAGES[kind]
    t = Tab(browser, server["url"], width=width)
    try:
        t.goto(path.format(code=room["code"]), status)
        assert t.page.locator("h1").count() == 1
        if width == PHONE:
            assert t.page.evaluate("document.documentElement.scrollWidth") <= PHONE
        _axe(t)
    finally:
        t.close()


@pytest.mark.parametrize("width", [PHONE, LAPTOP])
def test_joined_phone_and_host_pages_pass_axe(browser, server, room, width):
    phone = Tab(browser, server["url"], width=width)
    try:
        phone.goto(f"/nb/w/{room['code']}")
        phone.page.get_by_role("button", name="Bli med i verkstedet").click()
        phone.page.wait_for_selector(".ws-question")
        if width == PHONE:
            assert phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE
        _axe(phone)
    finally:
        phone.close()
    host = _host_tab(browser, server, room, width)
    try:
        if width == PHONE:
            assert host.page.evaluate("document.documentElement.scrollWidth") <= PHONE
        _axe(host)
        host.goto(f"/nb/w/{room['code']}/host/questions")
        _axe(host)
    finally:
        host.close()


def test_a_meeting_from_create_to_live_results(browser, server):
    host = Tab(browser, server["url"], width=LAPTOP)
    phone = Tab(browser, server["url"], width=PHONE)
    try:
        # the facilitator creates a workshop from the web (no account)
        host.goto("/nb/workshop")
        host.page.fill("#region", "Tromsø")
        host.page.get_by_role("button", name="Lag verksted").click()
        host.page.wait_for_url(re.compile(r"/nb/w/[A-Z0-9]{6}/host\?new=1$"), timeout=120_000)
        link = host.page.locator("#fac-link").input_value()
        code = re.search(r"/w/([A-Z0-9]{6})/host#key=", link).group(1)
        assert host.page.locator(".qr svg").count() == 1
        assert host.page.locator(".join-code strong").inner_text() == code

        # a participant types the code on a phone and joins
        phone.goto("/nb/workshop")
        phone.page.fill("#code", code.lower())
        phone.page.get_by_role("button", name="Bli med", exact=True).click()
        phone.page.wait_for_url(re.compile(rf"/nb/w/{code}$"))
        phone.page.get_by_role("button", name="Bli med i verkstedet").click()
        phone.page.wait_for_selector(".ws-question")
        assert link.split("#key=")[1] not in phone.page.content()   # the key stays with the host

        # answering by radio saves in the background (JS) and the big screen counts it live
        count = host.page.locator("[data-participants]")
        host.page.wait_for_function("el => el.textContent.trim() === '1'",
                                    arg=count.element_handle(), timeout=15_000)
        phone.page.locator(".scale-option").nth(4).click()
        phone.page.wait_for_function(
            "() => document.querySelector('[data-saved]').textContent.includes('lagret')",
            timeout=10_000)
        qid = phone.page.locator(".ws-question").first.get_attribute("data-question")
        host.page.wait_for_function(
            "q => document.querySelector(`[data-count='${q}']`).textContent.trim() === '1'",
            arg=qid, timeout=15_000)

        # an XSS payload as an idea shows as text everywhere and runs nowhere
        phone.page.fill("#idea-text", XSS)
        phone.page.get_by_role("button", name="Send idé").click()
        phone.page.wait_for_function(
            "() => document.querySelector('[data-idea-status]').textContent.includes('sendt')")
        host.page.wait_for_function(
            "() => [...document.querySelectorAll('.ideas-live .idea-text')].some("
            "e => e.textContent.includes('onerror'))", timeout=15_000)
        assert host.page.evaluate("window.__pwned") is None
        phone.page.reload()
        assert phone.page.locator(".ideas .idea-text").first.inner_text() == XSS
        assert phone.page.evaluate("window.__pwned") is None

        # vote, then the host moves on: the phone follows to the next beat
        phone.page.locator("form[data-vote] button").first.click()
        phone.page.wait_for_function(
            "() => document.querySelector('form[data-vote] button').disabled")
        host.page.get_by_role("button", name="Neste steg").click()
        host.page.wait_for_load_state("networkidle")
        assert "STEG 2 AV" in host.page.locator(".kicker").first.inner_text().upper()
        phone.page.wait_for_function(
            f"() => document.querySelector('.ws-question') && "
            f"document.querySelector('.ws-question').dataset.question !== '{qid}'",
            timeout=15_000)

        # the facilitator hides the idea: it leaves the screen, and stays in the log
        host.page.locator(".ideas-live button[value=hide]").first.click()
        host.page.wait_for_load_state("networkidle")
        assert "onerror" not in host.page.locator(".ideas-live ol.ideas").inner_text()
        assert host.page.locator(".hidden-ideas").count() == 1
    finally:
        phone.close()
        host.close()


def test_participant_page_works_without_javascript(browser, server, room):
    t = Tab(browser, server["url"], width=PHONE, js=False)
    try:
        t.goto(f"/en/w/{room['code']}")
        t.page.get_by_role("button", name="Join the workshop").click()
        t.page.wait_for_selector(".ws-question")
        t.page.locator(".scale-option").nth(0).click()
        t.page.locator(".ws-question button[type=submit]").first.click()
        t.page.wait_for_url(re.compile(r"saved="))
        assert "Your answer is saved." in t.page.content()
    finally:
        t.close()
