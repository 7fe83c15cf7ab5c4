"""Hardening (#12): input bounds are checked before any work; heavy work is capped (503)."""

from __future__ import annotations

import subprocess
import sys
import threading
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from framtid.errors import FramtidError, UnknownRegion
from framtid.regions import MAX_QUERY

FRAMTID = [sys.executable, "-c", "from framtid.cli import main; main()"]
LONG = "A" * 60_000


class _NoFuzzy:
    """difflib.SequenceMatcher that fails the test if it is ever built (no fuzzy search)."""

    def __init__(self, *a, **k):
        raise AssertionError("fuzzy search ran on a too-long region text")


def test_long_region_text_is_refused_without_search(ctx, monkeypatch):
    import difflib

    regs = ctx.regions
    monkeypatch.setattr(difflib, "SequenceMatcher", _NoFuzzy)
    assert regs.find(LONG) == []
    for fn in (regs.get, regs.resolve):
        with pytest.raises(UnknownRegion) as info:
            fn(LONG)
        assert len(str(info.value)) < 200          # the message does not repeat the input
    monkeypatch.undo()                             # (before: 17 s of fuzzy search)
    # up to MAX_QUERY characters the forgiving search still runs
    assert regs.find("tromso" + " " * (MAX_QUERY - 6))[0].code == "5501"


def test_cli_population_with_100000_characters_exits_2_fast(db_path):
    r = subprocess.run([*FRAMTID, "--db", str(db_path), "population", "x" * 100_000],
                       capture_output=True, text=True, check=False, timeout=120)
    assert r.returncode == 2, r.stderr[-500:]
    assert "Unknown region" in r.stderr and len(r.stderr) < 500   # (before: 34 s of search)
    r = subprocess.run([*FRAMTID, "--db", str(db_path), "regions", "find", "x" * 100_000],
                       capture_output=True, text=True, check=False, timeout=120)
    assert r.returncode == 2 and "No region matches" in r.stderr and len(r.stderr) < 500


def test_project_refuses_the_year_before_fitting(ctx, monkeypatch):
    from framtid.model import service
    from framtid.model.fit import FittedModel

    service.clear_cache()

    def no_fit(*a, **k):
        raise AssertionError("the model was fitted before the year was checked")

    monkeypatch.setattr(FittedModel, "fit", classmethod(no_fit))
    for bad in (1800, 2026, 3000):
        with pytest.raises(FramtidError, match="to_year must be between"):
            service.project_region(ctx, "3403", to_year=bad)
    with pytest.raises(FramtidError, match="paths must be"):
        service.project_region(ctx, "3403", paths=0)


@pytest.fixture(scope="module")
def client(ctx):
    from framtid.web.app import create_app
    from framtid.web.services import Services

    with TestClient(create_app(services=Services(ctx))) as c:
        yield c


@pytest.mark.parametrize("url,status", [
    (f"/api/regions/{'A' * 101}", 422),
    (f"/api/regions/{'A' * 101}/projection", 422),
    (f"/api/regions/{'A' * 101}/history", 422),
    (f"/api/regions/{'A' * 100}", 404),
    (f"/nb/region/{'A' * 101}", 404),
    (f"/region/{'A' * 101}", 404),
    (f"/api/regions/{LONG}", 414),
    (f"/nb/region/{LONG}", 414),
    (f"/api/regions/search?q={'a' * 9000}", 414),
])
def test_long_urls_and_codes(client, url, status):
    r = client.get(url)
    assert r.status_code == status, r.text[:300]
    if url.startswith("/api/"):
        assert "A" * 101 not in r.text        # the answer does not echo the input back


def test_openapi_documents_the_code_bound(client):
    spec = client.get("/openapi.json").json()
    params = spec["paths"]["/api/regions/{code}"]["get"]["parameters"]
    code = next(p for p in params if p["name"] == "code")
    assert code["schema"]["maxLength"] == MAX_QUERY


def test_heavy_work_beyond_the_cap_is_503_with_retry_after(ctx):
    from framtid.web.app import create_app
    from framtid.web.services import Services

    svc = Services(ctx, heavy_slots=1, heavy_wait=0.05)
    held, release = threading.Event(), threading.Event()

    def occupy():
        with svc.heavy:
            held.set()
            release.wait(30)

    th = threading.Thread(target=occupy)
    th.start()
    held.wait(5)
    try:
        with TestClient(create_app(services=svc)) as c:
            for url in (("/api/regions/3403/what-it-takes?indicator=aldersbaereevne_67"
                         "&lever=young_adults"), "/nb/region/34", "/api/regions/34/projection"):
                r = c.get(url)
                assert r.status_code == 503, (url, r.status_code)
                assert r.headers["retry-after"].isdigit()
            assert c.get("/api/regions/3403").status_code == 200     # light work still served
            assert c.get("/api/regions/3403/projection").status_code == 200
    finally:
        release.set()
        th.join(10)
    with svc.heavy:  # noqa: SIM117 - the slot is free again, and re-entrant in one thread
        with svc.heavy:
            pass
