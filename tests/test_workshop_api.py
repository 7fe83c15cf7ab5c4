"""The workshop's JSON API (the contract in issue #14) and its pages, through the real web app
(create_app), against SQLite and PostgreSQL: status codes, bad input, facilitator key, CSRF,
escaping, rate limits, no personal data, exports, the room's 2040 and the region page link."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import warnings
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text, update

warnings.filterwarnings("ignore", message=".*httpx.*")

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@contextlib.contextmanager
def _env(**values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _app(db_path, url: str, limits: str | None = None):
    from framtid.web.app import create_app

    with _env(FRAMTID_DATABASE_URL=url, FRAMTID_WORKSHOP_LIMITS=limits):
        return create_app(db_path)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, db_path, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('ws') / 'workshop.sqlite'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    return _app(db_path, url)


@pytest.fixture(scope="module")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def made(client):
    """One workshop for the read-mostly tests: (code, key)."""
    r = client.post("/api/workshops", json={"region": "3403"})
    assert r.status_code == 201, r.text
    d = r.json()
    return d["code"], d["facilitator_key"]


def _new(client, region="3403"):
    d = client.post("/api/workshops", json={"region": region}).json()
    return d["code"], d["facilitator_key"]


def _join(client, code):
    r = client.post(f"/api/workshops/{code}/participants")
    assert r.status_code == 201, r.text
    return r.json()["participant_id"]


def _open_statement(client, code):
    return next(q for q in client.get(f"/api/workshops/{code}").json()["questions"]
                if q["kind"] == "statement" and q["open"])


def _field(r) -> str:
    return r.json()["detail"][0]["loc"][-1]


# --- the contract ------------------------------------------------------------------------------
def test_create_returns_code_key_and_join_url(client, made):
    code, key = made
    r = client.post("/api/workshops", json={"region": "3403"})
    d = r.json()
    assert r.status_code == 201 and set(d) >= {"code", "facilitator_key", "join_url"}
    assert d["join_url"].endswith(f"/w/{d['code']}")
    assert d["facilitator_key"] not in d["join_url"]
    assert d["facilitator_url"].split("#", 1)[1] == f"key={d['facilitator_key']}"


def test_create_unknown_region_is_422_naming_region(client):
    r = client.post("/api/workshops", json={"region": "9999"})
    assert r.status_code == 422 and _field(r) == "region"
    r = client.post("/api/workshops", json={})
    assert r.status_code == 422 and _field(r) == "region"


def test_get_workshop_contract(client, made):
    code, _ = made
    d = client.get(f"/api/workshops/{code}").json()
    assert d["region"] == "3403" and d["state"] == "open"
    kinds = {q["kind"] for q in d["questions"]}
    assert kinds == {"statement", "lever"}
    for q in d["questions"]:
        assert {"id", "kind", "text", "min", "max"} <= set(q) and q["text"]
    st = [q for q in d["questions"] if q["kind"] == "statement"]
    assert len(st) >= 6 and all(q["min"] == 1 and q["max"] == 5 for q in st)
    levers = {q["lever"] for q in d["questions"] if q["kind"] == "lever"}
    assert levers == {"young_adults", "healthy_ageing", "care_productivity",
                      "employment_seniors", "employment_women", "employment_overall"}
    en = client.get(f"/api/workshops/{code}?lang=en").json()["questions"][0]["text"]
    assert en != d["questions"][0]["text"] and en.startswith("We should")
    assert client.get(f"/api/workshops/{code.lower()}").status_code == 200   # codes forgive case


def test_join_answer_change_and_results(client):
    code, _ = _new(client)
    p = _join(client, code)
    q = _open_statement(client, code)
    for v in (2, 4):
        r = client.put(f"/api/workshops/{code}/answers/{q['id']}",
                       json={"participant_id": p, "value": v})
        assert r.status_code in (200, 204)
    res = client.get(f"/api/workshops/{code}/results").json()
    assert set(res) >= {"participants", "answers", "scenario", "ideas"}
    a = res["answers"][str(q["id"])]
    assert res["participants"] == 1 and a["count"] == 1 and a["distribution"]["4"] == 1
    assert set(res["scenario"]) == {"young_adults", "healthy_ageing", "care_productivity",
                                    "employment_seniors", "employment_women",
                                    "employment_overall"}


@pytest.mark.parametrize("value", [0, 6, 2.5, -1, 1e9])
def test_answer_out_of_range_is_422_naming_value(client, made, value):
    code, _ = made
    p = _join(client, code)
    q = _open_statement(client, code)
    r = client.put(f"/api/workshops/{code}/answers/{q['id']}",
                   json={"participant_id": p, "value": value})
    assert r.status_code == 422 and _field(r) == "value", r.text
    assert "value" in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize("body, field", [({"value": 3}, "participant_id"),
                                         ({"participant_id": "x"}, "value"),
                                         ({"participant_id": "x", "value": "3"}, "value"),
                                         ({"participant_id": "x", "value": True}, "value")])
def test_answer_bad_body_is_422_naming_the_field(client, made, body, field):
    code, _ = made
    q = _open_statement(client, code)
    r = client.put(f"/api/workshops/{code}/answers/{q['id']}", json=body)
    assert r.status_code == 422
    assert field in r.json()["detail"][0]["loc"]


def test_lever_out_of_range_is_422(client):
    code, key = _new(client)
    steps = client.get(f"/api/workshops/{code}").json()["steps"]
    client.post(f"/api/workshops/{code}/advance", json={"to": len(steps) - 1},
                headers={"X-Facilitator-Key": key})
    lever = next(q for q in client.get(f"/api/workshops/{code}").json()["questions"]
                 if q["lever"] == "care_productivity")
    p = _join(client, code)
    ok = client.put(f"/api/workshops/{code}/answers/{lever['id']}",
                    json={"participant_id": p, "value": lever["max"]})
    assert ok.status_code == 200
    r = client.put(f"/api/workshops/{code}/answers/{lever['id']}",
                   json={"participant_id": p, "value": lever["max"] + 1})
    assert r.status_code == 422 and _field(r) == "value"
    assert client.get(f"/api/workshops/{code}/results").json()["scenario"][
        "care_productivity"] == lever["max"]


def test_unknown_question_participant_and_closed_question(client, made):
    code, _ = made
    p = _join(client, code)
    assert client.put(f"/api/workshops/{code}/answers/999999",
                      json={"participant_id": p, "value": 3}).status_code == 404
    q = _open_statement(client, code)
    r = client.put(f"/api/workshops/{code}/answers/{q['id']}",
                   json={"participant_id": "nobody", "value": 3})
    assert r.status_code == 404
    closed = next(q for q in client.get(f"/api/workshops/{code}").json()["questions"]
                  if not q["open"])
    r = client.put(f"/api/workshops/{code}/answers/{closed['id']}",
                   json={"participant_id": p, "value": 3})
    assert r.status_code == 409


def test_ideas_and_votes(client, made):
    code, _ = made
    p1, p2 = _join(client, code), _join(client, code)
    for bad in ("", "   ", "x" * 281):
        r = client.post(f"/api/workshops/{code}/ideas", json={"participant_id": p1, "text": bad})
        assert r.status_code == 422 and _field(r) == "text", r.text
    r = client.post(f"/api/workshops/{code}/ideas", json={"participant_id": p1,
                                                          "text": "x" * 280})
    assert r.status_code == 201
    idea = client.post(f"/api/workshops/{code}/ideas",
                       json={"participant_id": p1, "text": "Flere lærlingplasser"}).json()
    for p, n in ((p2, 1), (p2, 1), (p1, 2)):
        r = client.post(f"/api/workshops/{code}/ideas/{idea['id']}/votes",
                        json={"participant_id": p})
        assert r.status_code == 200 and r.json()["votes"] == n
    top = client.get(f"/api/workshops/{code}/results").json()["ideas"][0]
    assert top["id"] == idea["id"] and top["votes"] == 2


# --- the facilitator ---------------------------------------------------------------------------
@pytest.mark.parametrize("method, path, body", [
    ("post", "advance", None), ("post", "close", None), ("delete", "", None),
    ("post", "questions", {"kind": "statement", "text": "Ny"}),
    ("put", "questions/order", {"ids": []}),
    ("get", "export.csv", None), ("get", "summary", None), ("get", "moderation", None)])
def test_facilitator_actions_need_the_key(client, made, method, path, body):
    code, key = made
    url = f"/api/workshops/{code}" + (f"/{path}" if path else "")
    kw = {"json": body} if body is not None else {}
    assert client.request(method, url, **kw).status_code == 403
    r = client.request(method, url, headers={"X-Facilitator-Key": key + "x"}, **kw)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_advance_close_and_delete_with_the_key(client):
    code, key = _new(client)
    h = {"X-Facilitator-Key": key}
    r = client.post(f"/api/workshops/{code}/advance", headers=h)
    assert r.status_code == 200 and r.json()["step"] == 1
    p = _join(client, code)
    assert client.post(f"/api/workshops/{code}/close", headers=h).status_code in (200, 204)
    info = client.get(f"/api/workshops/{code}").json()
    assert info["state"] == "closed"
    r = client.post(f"/api/workshops/{code}/participants")
    assert r.status_code == 410 and "ended" in r.json()["detail"]
    q = info["questions"][0]
    r = client.put(f"/api/workshops/{code}/answers/{q['id']}",
                   json={"participant_id": p, "value": 3})
    assert r.status_code == 410
    assert client.get("/nb/w/" + code).status_code == 410
    assert client.get(f"/api/workshops/{code}/export.csv", headers=h).status_code == 200
    assert client.delete(f"/api/workshops/{code}", headers=h).status_code == 204
    assert client.get(f"/api/workshops/{code}").status_code == 404


def test_edit_questions_through_the_api(client):
    code, key = _new(client)
    h = {"X-Facilitator-Key": key}
    r = client.post(f"/api/workshops/{code}/questions", headers=h,
                    json={"kind": "statement", "text": "Vi bør satse på hurtigbåt"})
    assert r.status_code == 201
    new = r.json()
    assert new["text"] == "Vi bør satse på hurtigbåt" and new["kind"] == "statement"
    r = client.patch(f"/api/workshops/{code}/questions/{new['id']}", headers=h,
                     json={"text": "Vi bør satse på ferje"})
    assert r.json()["text"] == "Vi bør satse på ferje"
    ids = [q["id"] for q in client.get(f"/api/workshops/{code}").json()["questions"]]
    assert client.put(f"/api/workshops/{code}/questions/order", headers=h,
                      json={"ids": [new["id"]]}).status_code == 204
    assert client.get(f"/api/workshops/{code}").json()["questions"][0]["id"] == new["id"]
    assert client.delete(f"/api/workshops/{code}/questions/{new['id']}",
                         headers=h).status_code == 204
    assert [q["id"] for q in client.get(f"/api/workshops/{code}").json()["questions"]] == [
        i for i in ids if i != new["id"]]
    r = client.post(f"/api/workshops/{code}/questions", headers=h, json={"kind": "x"})
    assert r.status_code == 422


def test_hide_an_idea_is_logged_not_deleted(client):
    code, key = _new(client)
    h = {"X-Facilitator-Key": key}
    p = _join(client, code)
    idea = client.post(f"/api/workshops/{code}/ideas",
                       json={"participant_id": p, "text": "Noe upassende"}).json()
    assert client.post(f"/api/workshops/{code}/ideas/{idea['id']}/hide").status_code == 403
    assert client.post(f"/api/workshops/{code}/ideas/{idea['id']}/hide",
                       headers=h).status_code == 204
    assert client.get(f"/api/workshops/{code}/results").json()["ideas"] == []
    log = client.get(f"/api/workshops/{code}/moderation", headers=h).json()["log"]
    assert [(e["idea_id"], e["action"]) for e in log] == [(idea["id"], "hide")]
    csv_text = client.get(f"/api/workshops/{code}/export.csv", headers=h).text
    assert "Noe upassende" in csv_text and ",yes," in csv_text


# --- bad input and lifecycle -------------------------------------------------------------------
def test_unknown_code_is_404_json_and_a_friendly_page(client):
    r = client.get("/api/workshops/NOSUCH")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert "no workshop" in r.json()["detail"]
    for lang, words in (("nb", "Fant ikke verkstedet"), ("nn", "Fann ikkje verkstaden"),
                        ("en", "Workshop not found")):
        r = client.get(f"/{lang}/w/NOSUCH")
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert words in r.text and 'name="code"' in r.text and f'lang="{lang}"' in r.text
    assert client.get("/w/NOSUCH").status_code == 404
    assert client.post("/api/workshops/NOSUCH/participants").status_code == 404


def test_expired_workshop_is_410(client, app):
    from framtid.workshop.models import Workshop
    from framtid.workshop.service import now

    code, _ = _new(client)
    with app.state.workshop.db.tx() as s:
        s.execute(update(Workshop).where(Workshop.code == code)
                  .values(expires_at=now() - timedelta(minutes=1)))
    r = client.get(f"/api/workshops/{code}")
    assert r.status_code == 410 and "expired" in r.json()["detail"]
    assert client.post(f"/api/workshops/{code}/participants").status_code == 410
    r = client.get(f"/en/w/{code}")
    assert r.status_code == 410 and "expired" in r.text


def test_cross_site_api_calls_are_refused(client, made):
    code, _ = made
    r = client.post(f"/api/workshops/{code}/participants",
                    headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.post(f"/api/workshops/{code}/participants",
                    headers={"Origin": "http://testserver"})
    assert r.status_code == 201


def test_rate_limits_per_client(db_path, tmp_path):
    from fastapi.testclient import TestClient

    app = _app(db_path, f"sqlite:///{tmp_path / 'w.sqlite'}",
               limits="join=3/0.001,answer=2/0.001,idea=1/0.001")
    with TestClient(app) as c:
        code, _ = _new(c)
        got = [c.post(f"/api/workshops/{code}/participants").status_code for _ in range(4)]
        assert got == [201, 201, 201, 429]
        r = c.post(f"/api/workshops/{code}/participants")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert "Too many" in r.json()["detail"]
        # posting is limited per participant as well
        p = app.state.workshop.join(code)
        q = _open_statement(c, code)
        codes = [c.put(f"/api/workshops/{code}/answers/{q['id']}",
                       json={"participant_id": p, "value": 3}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        ideas = [c.post(f"/api/workshops/{code}/ideas", json={"participant_id": p,
                                                               "text": "a"}).status_code
                 for _ in range(2)]
        assert ideas == [201, 429]


# --- pages: forms, CSRF, escaping, secrets -------------------------------------------------------
def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_participant_flow_without_javascript(client, made):
    code, _ = made
    from fastapi.testclient import TestClient

    with TestClient(client.app) as c:
        page = c.get(f"/nb/w/{code}")
        assert page.status_code == 200 and "Bli med i verkstedet" in page.text
        token = _csrf(page.text)
        r = c.post(f"/nb/w/{code}/join", data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 303
        page = c.get(f"/nb/w/{code}")
        assert "Hva mener du?" in page.text
        q = _open_statement(c, code)
        r = c.post(f"/nb/w/{code}/answer/{q['id']}", data={"csrf": token, "value": "5"},
                   follow_redirects=False)
        assert r.status_code == 303
        assert "Svaret er lagret." in c.get(r.headers["location"]).text
        bad = c.post(f"/nb/w/{code}/answer/{q['id']}", data={"csrf": token, "value": "7"})
        assert bad.status_code == 422 and "mellom 1 og 5" in bad.text
        r = c.post(f"/nb/w/{code}/ideas", data={"csrf": token, "text": XSS},
                   follow_redirects=False)
        assert r.status_code == 303
        html = c.get(f"/nb/w/{code}").text
        assert "<script>alert" not in html and "onerror=alert(1)>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        long = c.post(f"/nb/w/{code}/ideas", data={"csrf": token, "text": "x" * 281})
        assert long.status_code == 422


def test_forms_need_the_csrf_token(client, made):
    code, _ = made
    from fastapi.testclient import TestClient

    with TestClient(client.app) as c:
        c.get(f"/nb/w/{code}")
        assert c.post(f"/nb/w/{code}/join", data={}).status_code == 403
        assert c.post(f"/nb/w/{code}/join", data={"csrf": "forged" * 5}).status_code == 403
        assert c.post("/nb/workshop", data={"region": "3403"}).status_code == 403


def test_facilitator_pages_and_the_key_never_reaches_participants(client, caplog):
    from fastapi.testclient import TestClient

    caplog.set_level(logging.DEBUG)
    with TestClient(client.app) as host, TestClient(client.app) as phone:
        start = host.get("/nb/workshop?region=3403")
        assert start.status_code == 200 and "Hamar" in start.text
        r = host.post("/nb/workshop", data={"csrf": _csrf(start.text), "region": "Hamar"},
                      follow_redirects=False)
        assert r.status_code == 303
        code = r.headers["location"].split("/")[3]
        key = host.cookies.get(f"ws_h_{code}")
        assert key and key not in r.headers["location"]
        page = host.get(r.headers["location"])
        assert page.status_code == 200 and f"#key={key}" in page.text   # shown once, to the host
        assert "<svg" in page.text and "Neste steg" in page.text
        token = _csrf(page.text)
        r = host.post(f"/nb/w/{code}/host/action", data={"csrf": token, "action": "advance"},
                      follow_redirects=False)
        assert r.status_code == 303
        assert host.get(f"/api/workshops/{code}").json()["step"] == 1
        r = host.post(f"/nb/w/{code}/host/questions",
                      data={"csrf": token, "action": "add", "kind": "statement",
                            "text": "Vi bør bygge gang- og sykkelveier"}, follow_redirects=False)
        assert r.status_code == 303
        assert "gang- og sykkelveier" in host.get(f"/nb/w/{code}/host/questions").text
        assert host.get(f"/nb/w/{code}/export.csv").status_code == 200
        summary = host.get(f"/nb/w/{code}/summary")
        assert summary.status_code == 200 and "Statistisk sentralbyrå" in summary.text

        # the participant side never shows the key, not even in the page's data
        pages = [phone.get(f"/nb/w/{code}").text, phone.get(f"/w/{code}").text,
                 phone.get(f"/api/workshops/{code}").text,
                 phone.get(f"/api/workshops/{code}/results").text]
        phone.post(f"/nb/w/{code}/join", data={"csrf": _csrf(pages[0])})
        pages.append(phone.get(f"/nb/w/{code}").text)
        assert all(key not in p for p in pages)
        # a participant (or anyone without the key) gets the key form, not the controls
        hp = phone.get(f"/nb/w/{code}/host")
        assert hp.status_code == 200 and 'name="key"' in hp.text and key not in hp.text
        assert phone.get(f"/nb/w/{code}/export.csv").status_code == 403
        assert phone.post(f"/nb/w/{code}/host/action",
                          data={"csrf": _csrf(hp.text), "action": "close"}).status_code == 403
        # wrong key: back to the form; right key: in
        r = phone.post(f"/nb/w/{code}/host/key", data={"csrf": _csrf(hp.text), "key": "nope"},
                       follow_redirects=False)
        assert r.headers["location"].endswith("?bad=1")
    assert key not in caplog.text


def test_xss_in_ideas_is_text_on_the_big_screen_and_in_exports(client):
    code, key = _new(client)
    p = _join(client, code)
    client.post(f"/api/workshops/{code}/ideas", json={"participant_id": p, "text": XSS})
    client.cookies.set(f"ws_h_{code}", key)
    try:
        for path in (f"/nb/w/{code}/host", f"/nb/w/{code}/summary"):
            html = client.get(path).text
            assert "<script>alert" not in html and "<img src=x" not in html, path
            assert "&lt;script&gt;" in html, path
    finally:
        client.cookies.delete(f"ws_h_{code}")


def test_no_ip_address_or_client_data_is_stored(client, app):
    code, _ = _new(client)
    p = _join(client, code)
    client.post(f"/api/workshops/{code}/ideas", json={"participant_id": p, "text": "idé"},
                headers={"User-Agent": "Phone/1.0 (secret-agent)"})
    eng = app.state.workshop.db.engine
    dump = []
    with eng.connect() as con:
        for table in inspect(eng).get_table_names():
            dump += [str(tuple(row)) for row in con.execute(text(f"SELECT * FROM {table}"))]
    blob = "\n".join(dump)
    for needle in ("127.0.0.1", "testclient", "testserver", "secret-agent", "Phone/1.0"):
        assert needle not in blob


# --- exports, QR, the room's 2040, links ---------------------------------------------------------
def test_exports_qr_and_picture(client):
    code, key = _new(client)
    h = {"X-Facilitator-Key": key}
    p = _join(client, code)
    q = _open_statement(client, code)
    client.put(f"/api/workshops/{code}/answers/{q['id']}", json={"participant_id": p,
                                                                 "value": 4})
    r = client.get(f"/api/workshops/{code}/export.csv", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "question_id,kind,step,text" in r.text and p not in r.text
    r = client.get(f"/api/workshops/{code}/summary", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    pdf = client.get(f"/api/workshops/{code}/summary?format=pdf", headers=h)
    try:
        import weasyprint  # noqa: F401
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    except ImportError:
        assert pdf.status_code == 404
    r = client.get(f"/api/workshops/{code}/qr.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg") and "http" not in r.text.split("xmlns", 1)[0]
    assert "href" not in r.text
    pic = client.get(f"/api/workshops/{code}/picture").json()
    assert pic["year"] == 2040
    rows = {row["indicator"]: row for row in pic["rows"]}
    assert rows["population"]["baseline"] == pytest.approx(rows["population"]["room"])
    assert pic["simulate_url"] == "/nb/region/3403/simulate"


def test_the_rooms_scenario_opens_in_the_simulator(client):
    code, key = _new(client)
    steps = client.get(f"/api/workshops/{code}").json()["steps"]
    client.post(f"/api/workshops/{code}/advance", json={"to": len(steps) - 1},
                headers={"X-Facilitator-Key": key})
    qs = {q["lever"]: q for q in client.get(f"/api/workshops/{code}").json()["questions"]
          if q["kind"] == "lever"}
    for v in (1, 2, 3):
        p = _join(client, code)
        client.put(f"/api/workshops/{code}/answers/{qs['healthy_ageing']['id']}",
                   json={"participant_id": p, "value": v})
    pic = client.get(f"/api/workshops/{code}/picture?lang=en").json()
    assert "healthy_ageing=2" in pic["simulate_url"] and pic["simulate_url"].startswith("/en/")
    rows = {row["indicator"]: row for row in pic["rows"]}
    assert rows["care_workers_needed"]["room"] < rows["care_workers_needed"]["baseline"]
    sim = client.get(pic["simulate_url"])
    assert sim.status_code == 200
    assert re.search(r'id="lv-healthy_ageing"[^>]*value="2(\.0)?"', sim.text)


def test_region_page_links_to_the_workshop(client):
    for lang, label in (("nb", "Framtidsverksted"), ("nn", "Framtidsverkstad"),
                        ("en", "Framtidsverksted")):
        html = client.get(f"/{lang}/region/3403").text
        assert f'href="/{lang}/workshop?region=3403"' in html and label in html


def test_catalogues_have_the_same_keys_and_pages_speak_each_language(client, made):
    from framtid.workshop import texts

    keys = {lang: set(texts.catalog(lang)) for lang in texts.LANGS}
    assert keys["nb"] == keys["nn"] == keys["en"]
    code, _ = made
    for lang, words in (("nb", "Bli med"), ("nn", "Bli med i verkstaden"),
                        ("en", "Join the workshop")):
        html = client.get(f"/{lang}/w/{code}").text
        assert words in html and f'<html lang="{lang}">' in html
        assert ("Kilde: Statistisk sentralbyrå" in html or "Kjelde: Statistisk sentralbyrå"
                in html or "Source: Statistics Norway" in html)


def test_openapi_documents_the_workshop_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/workshops", "/api/workshops/{code}", "/api/workshops/{code}/participants",
              "/api/workshops/{code}/answers/{question_id}", "/api/workshops/{code}/ideas",
              "/api/workshops/{code}/ideas/{idea_id}/votes", "/api/workshops/{code}/results",
              "/api/workshops/{code}/advance", "/api/workshops/{code}/close"):
        assert p in paths, p


def test_host_page_at_the_scenario_step_shows_the_rooms_2040(client):
    code, key = _new(client)
    h = {"X-Facilitator-Key": key}
    steps = client.get(f"/api/workshops/{code}").json()["steps"]
    client.post(f"/api/workshops/{code}/advance", json={"to": len(steps) - 1}, headers=h)
    lever = next(q for q in client.get(f"/api/workshops/{code}").json()["questions"]
                 if q["lever"] == "healthy_ageing")
    client.put(f"/api/workshops/{code}/answers/{lever['id']}",
               json={"participant_id": _join(client, code), "value": 2})
    client.cookies.set(f"ws_h_{code}", key)
    try:
        html = client.get(f"/nb/w/{code}/host").text
    finally:
        client.cookies.delete(f"ws_h_{code}")
    assert "Åpne rommets scenario i simulatoren" in html
    assert "/nb/region/3403/simulate?healthy_ageing=2" in html
    assert "Uten endring (2040)" in html and "Rommets valg (2040)" in html
