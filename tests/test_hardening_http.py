"""Hardening (#12): HTTP details — redirects, headers, HEAD, documented 422 combinations."""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from framtid.web.app import create_app
from framtid.web.services import Services


@pytest.fixture(scope="module")
def app(ctx):
    return create_app(services=Services(ctx))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("path", ["/api/regions/", "/api/levers/", "/api/regions/3403/",
                                  "//evil.example/", "/\\evil.example/", "/nb/method/"])
def test_redirects_never_name_a_host(client, path):
    r = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    if 300 <= r.status_code < 400:
        loc = r.headers["location"]
        assert loc.startswith("/") and not loc.startswith("//") and not loc.startswith("/\\"), loc
        assert "evil.example" not in loc.split("/")[1:2], loc
        assert "://" not in loc


def test_trailing_slash_redirect_is_relative_and_works(client):
    r = client.get("/api/regions/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code in (307, 308) and r.headers["location"] == "/api/regions"
    assert client.get(r.headers["location"]).status_code == 200


@pytest.mark.parametrize("path", ["/nb/", "/api/regions/3403", "/healthz", "/static/app.css"])
def test_security_headers(client, path):
    r = client.get(path)
    assert r.status_code in (200, 404)
    assert "camera=()" in r.headers["permissions-policy"]
    assert r.headers["cross-origin-opener-policy"] == "same-origin"
    assert "server-timing" not in r.headers
    assert "server" not in r.headers


def test_server_timing_only_with_debug(ctx, monkeypatch):
    monkeypatch.setenv("FRAMTID_DEBUG", "1")
    with TestClient(create_app(services=Services(ctx))) as c:
        assert c.get("/healthz").headers["server-timing"].startswith("app;dur=")


def test_uvicorn_sends_no_server_header(monkeypatch):
    import uvicorn

    from framtid.web import app as web_app

    seen = {}
    monkeypatch.setattr(web_app, "create_app", lambda *a, **k: "APP")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    web_app.serve("127.0.0.1", 8123, "unused.duckdb")
    assert seen["server_header"] is False


@pytest.mark.parametrize("path", ["/", "/nb/", "/nb/region/3403", "/api/regions/3403",
                                  "/api/regions/3403/projection", "/healthz", "/openapi.json",
                                  "/api/levers", "/nb/method", "/region/3403",
                                  "/nb/region/9999"])
def test_head_works_wherever_get_does(client, path):
    g = client.get(path, follow_redirects=False)
    h = client.head(path, follow_redirects=False)
    assert h.status_code == g.status_code, (path, h.status_code, g.status_code)
    assert h.content == b""
    assert h.headers.get("content-type") == g.headers.get("content-type")


def test_openapi_documents_what_it_takes_combinations(client, app):
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/regions/{code}/what-it-takes"]["get"]
    reach = op["x-lever-reach"]
    assert reach["care_productivity"] == ["care_share_of_workforce", "care_workers_needed"]
    text = op["responses"]["422"]["description"]
    assert "life_expectancy" in text and "care_productivity" in text
    assert "503" in op["responses"]
    # every documented refusal is a 422 indeed, and a documented allowed one is not
    assert client.get("/api/regions/3403/what-it-takes", params={
        "indicator": "population", "lever": "care_productivity"}).status_code == 422
    assert client.get("/api/regions/3403/what-it-takes", params={
        "indicator": "aldersbaereevne_67", "lever": "life_expectancy"}).status_code == 422
    ok = client.get("/api/regions/3403/what-it-takes", params={
        "indicator": "care_workers_needed", "lever": "care_productivity"})
    assert ok.status_code == 200, ok.text[:300]
