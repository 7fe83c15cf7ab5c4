"""Export routes in the web app: downloads, chart images, embeds and their headers, the
simulator's scenario name and print block. Through FastAPI's TestClient on the session store."""

from __future__ import annotations

import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from framtid.web.app import create_app
from framtid.web.services import Services

Q = "young_adults=25&name=Formannskapets+alternativ"


@pytest.fixture(scope="module")
def client(ctx):
    with TestClient(create_app(services=Services(ctx))) as c:
        yield c


def _frame_ancestors(resp) -> str:
    csp = resp.headers.get("content-security-policy", "")
    m = re.search(r"frame-ancestors ([^;]+)", csp)
    return m.group(1).strip() if m else ""


def test_embed_can_be_framed_elsewhere_other_pages_cannot(client):
    embed = client.get(f"/embed/nn/3403/pyramid?{Q}")
    assert embed.status_code == 200
    assert _frame_ancestors(embed) == "*"
    assert "x-frame-options" not in embed.headers
    assert "<svg" in embed.text and "Kjelde: Statistisk sentralbyrå" in embed.text
    assert "Formannskapets alternativ" in embed.text
    assert 'href="http://testserver/nn/region/3403/simulate?' in embed.text   # link back
    for path in ("/nn/region/3403", "/nn/region/3403/simulate", "/nn/", "/nn/method"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert _frame_ancestors(page) == "'self'", path


@pytest.mark.parametrize("path, media", [
    ("/export/nn/3403.csv", "text/csv"),
    ("/export/nb/3403.xlsx", "spreadsheetml"),
    ("/export/nb/3403/chart/fan.png", "image/png"),
    ("/export/en/3403/chart/population.svg", "image/svg+xml"),
    ("/export/nb/3403/chart/scenario-aldersbaereevne_67.png", "image/png"),
])
def test_downloads(client, path, media):
    r = client.get(f"{path}?{Q}")
    assert r.status_code == 200, r.text[:200]
    assert media in r.headers["content-type"]
    assert "attachment" in r.headers["content-disposition"]
    assert "formannskapets-alternativ" in r.headers["content-disposition"]


def test_chart_svg_carries_title_source_and_scenario(client):
    svg = client.get(f"/export/nn/3403/chart/dependency.svg?{Q}").text
    for needle in ("Hamar", "Kjelde: Statistisk sentralbyrå", "Formannskapets alternativ"):
        assert needle in svg


def test_pdf_download(client):
    from io import BytesIO

    from pypdf import PdfReader

    r = client.get(f"/export/nn/3403.pdf?{Q}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(r.content)).pages)
    assert "Formannskapets alternativ" in text


@pytest.mark.parametrize("path, status, needle", [
    ("/export/de/3403.pdf", 404, "nb, nn, en"),
    ("/export/nb/9999.pdf", 404, "Unknown region"),
    ("/export/nb/3403.docx", 404, "pdf, pptx, csv, xlsx"),
    ("/export/nb/3403.pdf?nope=1", 422, "young_adults"),
    ("/export/nb/3403.pdf?young_adults=1e9", 422, "between"),
    ("/export/nb/3403/chart/fan.gif", 404, "png, svg"),
    ("/export/nb/3403/chart/nope.png", 404, "pyramid"),
    ("/embed/nb/3403/nope", 404, "pyramid"),
])
def test_bad_input(client, path, status, needle):
    r = client.get(path)
    assert r.status_code == status
    assert needle in r.text


def test_region_page_has_download_buttons_and_embed_code(client):
    html = client.get("/nb/region/3403").text
    for fmt in ("pdf", "pptx", "csv", "xlsx"):
        assert f'href="/export/nb/3403.{fmt}"' in html
    assert 'href="/export/nb/3403/chart/population.png"' in html
    assert 'href="/export/nb/3403/chart/fan.svg"' in html
    # the embed code carries the path; embed.js puts the browser's own origin in front
    assert "&lt;iframe src=&#34;/embed/nb/3403/" in html
    assert 'data-embed-path="/embed/nb/3403/' in html and "testserver" not in html
    assert '<script type="module" src="/export/static/embed.js"></script>' in html


def test_simulator_names_the_scenario_and_prints_the_assumptions(client):
    r = client.get(f"/nn/region/3403/simulate?{Q}")
    assert r.status_code == 200
    html = r.text
    assert 'name="name"' in html and 'value="Formannskapets alternativ"' in html
    assert f'href="/export/nn/3403.pdf?name=Formannskapets+alternativ&amp;young_adults=25"' in html
    block = re.search(r'<aside class="export-print".*?</aside>', html, re.S).group(0)
    assert "Formannskapets alternativ" in block
    assert "Fleire unge vaksne: 25 personar per år" in block
    assert "http://testserver/nn/region/3403/simulate?young_adults=25&amp;name=" in block
    assert "@media print" in html
    assert 'data-sim-share' in html and "name=Formannskapets+alternativ" in html
    js = client.get("/export/static/export.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


def test_several_scenarios_on_one_chart(client):
    from urllib.parse import urlencode

    q = urlencode([("s", "name=Formannskapets alternativ&young_adults=25"),
                   ("s", "scenario=low&name=Rådmannens forslag")])
    r = client.get(f"/export/nn/3403/compare/population.svg?{q}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg")
    for needle in ("Hovudalternativet", "Formannskapets alternativ", "Rådmannens forslag",
                   "Kjelde: Statistisk sentralbyrå"):
        assert needle in r.text
    assert client.get(f"/export/nn/3403/compare/nope.png?{q}").status_code == 404
    assert client.get("/export/nn/3403/compare/population.png?s=nope%3D1").status_code == 422
    sim = client.get(f"/nn/region/3403/simulate?{Q}").text
    assert "/export/nn/3403/compare/population.png?s=" in sim


def test_home_page_charts_have_downloads(client):
    html = client.get("/nn/?indicator=share_67_plus&year=2040").text
    assert 'href="/export/nn/NO/chart/population.png"' in html
    assert 'href="/export/nn/NO/chart/map.svg?indicator=share_67_plus&amp;year=2040"' in html
    r = client.get("/export/nn/NO/chart/map.svg?indicator=share_67_plus&year=2040")
    assert r.status_code == 200 and "<svg" in r.text
    assert client.get("/export/nn/NO/chart/map.svg?indicator=nope").status_code == 422


# --- the embed code does not depend on the request that filled the page cache -----------------
def _embed_codes(html: str) -> list[str]:
    return re.findall(r"<textarea[^>]*>(&lt;iframe[^<]*)</textarea>", html)


def test_embed_code_same_for_two_hosts(ctx, monkeypatch):
    """The region page is cached after its first request; a second Host must not get the
    first one's origin in its embed code."""
    monkeypatch.delenv("FRAMTID_PUBLIC_URL", raising=False)
    with TestClient(create_app(services=Services(ctx))) as fresh:
        first = fresh.get("/nb/region/3405", headers={"Host": "kommune-a.example"})
        second = fresh.get("/nb/region/3405", headers={"Host": "kommune-b.example:8443"})
    assert first.status_code == second.status_code == 200
    codes = _embed_codes(second.text)
    assert codes and codes == _embed_codes(first.text)
    for text in (first.text, second.text):
        assert "kommune-a.example" not in text and "kommune-b.example" not in text
    assert all(c.startswith("&lt;iframe src=&#34;/embed/nb/3405/") for c in codes)
    # without JavaScript a visible note says how to complete the address
    assert "sett adressen til denne nettsiden foran" in second.text


def test_embed_code_uses_the_configured_public_url(ctx, monkeypatch):
    monkeypatch.setenv("FRAMTID_PUBLIC_URL", "https://framtid.example.no/")
    with TestClient(create_app(services=Services(ctx))) as fresh:
        page = fresh.get("/nn/region/3405", headers={"Host": "internal:8000"})
        embed = fresh.get("/embed/nn/3405/pyramid", headers={"Host": "internal:8000"})
    codes = _embed_codes(page.text)
    assert codes and all(c.startswith("&lt;iframe src=&#34;https://framtid.example.no/embed/nn/"
                                      "3405/") for c in codes)
    assert "data-embed-path" not in page.text and "internal:8000" not in page.text
    assert 'href="https://framtid.example.no/nn/region/3405"' in embed.text


def test_embed_script_served_unknown_script_404(client):
    r = client.get("/export/static/embed.js")
    assert r.status_code == 200 and "location.origin" in r.text
    assert "javascript" in r.headers["content-type"]
    r = client.get("/export/static/nope.js")
    assert r.status_code == 404 and "embed.js" in r.json()["detail"]


# --- the simulator in a model variant (scenario=low|high) ----------------------------------------
def _value_2040(proj: dict, ind: str = "population") -> float:
    return proj["indicators"][ind][proj["years"].index(2040)]


def test_simulation_api_computes_the_chosen_variant(client, ctx):
    import json

    from framtid.consequences.service import project_with_indicators

    r = client.get("/api/regions/3403/simulation?scenario=low&young_adults=25&lang=nb")
    assert r.status_code == 200, r.text[:300]
    sim = r.json()
    assert sim["scenario"] == "low"
    assert sim["url"] == "/nb/region/3403/simulate?scenario=low&young_adults=25"
    low = project_with_indicators(ctx, "3403", "low", {"young_adults": 25.0})
    main = project_with_indicators(ctx, "3403", "main", {"young_adults": 25.0})
    row = next(x for x in sim["rows"] if x["indicator"] == "population")
    assert row["scenario"] == pytest.approx(_value_2040(low), abs=1e-6)
    assert row["scenario"] != pytest.approx(_value_2040(main), abs=1.0)   # not the main one
    base = project_with_indicators(ctx, "3403", "main", {})
    assert row["baseline"] == pytest.approx(_value_2040(base), abs=1e-6)  # baseline: main
    charts = json.dumps(sim["charts"], ensure_ascii=False)
    assert "Ditt scenario (lav vekst)" in charts
    high = client.get("/api/regions/3403/simulation?scenario=high&lang=en").json()
    assert "Your scenario (high growth)" in json.dumps(high["charts"])
    assert high["url"] == "/en/region/3403/simulate?scenario=high"
    bad = client.get("/api/regions/3403/simulation?scenario=medium")
    assert bad.status_code == 422 and "scenario" in bad.text and "low" in bad.text
    ops = client.get("/openapi.json").json()["paths"]["/api/regions/{code}/simulation"]["get"]
    assert any(p["name"] == "scenario" for p in ops["parameters"])


def test_simulator_page_shows_and_carries_the_variant(client, ctx):
    from framtid.consequences.service import project_with_indicators
    from framtid.web.i18n import fmt_value
    from framtid.web.services import INDICATOR_KIND

    r = client.get("/nb/region/3403/simulate?scenario=high&young_adults=25&name=Vekst")
    assert r.status_code == 200
    html = r.text
    assert re.search(r'<option value="high" selected>Høy vekst</option>', html)
    assert "Ditt scenario (høy vekst)" in html                  # named on the chart
    high = project_with_indicators(ctx, "3403", "high", {"young_adults": 25.0})
    shown = fmt_value(_value_2040(high), INDICATOR_KIND["population"], "nb", projected=True)
    assert f'<strong data-cell="scenario">{shown}</strong>' in html
    # the share URL and every download carry the variant
    share = re.search(r'href="([^"]*)"[^>]*data-sim-share|data-sim-share[^>]*href="([^"]*)"',
                      html)
    assert share and "scenario=high" in (share.group(1) or share.group(2))
    for fmt in ("pdf", "pptx", "csv", "xlsx"):
        assert re.search(rf'href="/export/nb/3403\.{fmt}\?scenario=high&amp;name=Vekst&amp;'
                         rf'young_adults=25"', html), fmt
    block = re.search(r'<aside class="export-print".*?</aside>', html, re.S).group(0)
    assert "scenario=high" in block
    # the CSV behind the page's link holds the high variant's numbers
    csv = client.get("/export/nb/3403.csv?scenario=high&name=Vekst&young_adults=25").text
    assert "# scenario_variant: high" in csv
    total = sum(float(line.rsplit(",", 1)[1]) for line in csv.splitlines()
                if line.startswith("population,3403,Hamar,2040,"))
    assert total == pytest.approx(_value_2040(high), rel=1e-9)


def test_simulator_page_unknown_variant_is_a_friendly_422(client):
    r = client.get("/nn/region/3403/simulate?scenario=medium")
    assert r.status_code == 422
    assert "«medium» er ikkje eit befolkningsalternativ vi kjenner" in r.text
    assert "<!doctype html>" in r.text.lower()


# --- the compare page's downloads ----------------------------------------------------------------
COMPARED = ("3403", "5501", "34")


def test_compare_page_has_download_buttons(client):
    q = "r=" + "&amp;r=".join(COMPARED)
    html = client.get("/nn/compare?" + "&".join(f"r={c}" for c in COMPARED)).text
    for what in ("regions.csv", "regions.xlsx", "population-index.png", "population-index.svg",
                 "aldersbaereevne_67.png", "aldersbaereevne_67.svg"):
        assert f'href="/export/nn/compare/{what}?{q}"' in html, what
    assert "Last ned tala for Hamar, Tromsø, Innlandet i éi fil" in html


def test_compare_downloads_hold_the_compared_regions(client, ctx):
    import io

    import openpyxl

    from framtid.consequences.service import project_with_indicators

    q = "&".join(f"r={c}" for c in COMPARED)
    csv = client.get(f"/export/nb/compare/regions.csv?{q}")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    for code in COMPARED:
        want = _value_2040(project_with_indicators(ctx, code, "main", {}))
        got = sum(float(line.rsplit(",", 1)[1]) for line in csv.text.splitlines()
                  if line.startswith(f"population,{code},") and f",2040," in line)
        assert got == pytest.approx(want, rel=1e-9), code
    xlsx = client.get(f"/export/en/compare/regions.xlsx?{q}")
    assert xlsx.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert "metadata" in wb.sheetnames
    totals = {row[0]: row[3] for row in wb["age_groups"].iter_rows(min_row=2, values_only=True)
              if row[2] == 2040}
    assert set(totals) == set(COMPARED)
    for code in COMPARED:
        assert isinstance(totals[code], float)         # a number, not text
        want = project_with_indicators(ctx, code, "main", {})
        assert totals[code] == pytest.approx(want["total"][want["years"].index(2040)],
                                             abs=1e-6)
    svg = client.get(f"/export/nn/compare/population-index.svg?{q}")
    assert svg.status_code == 200 and "<svg" in svg.text
    for needle in ("Hamar", "Tromsø", "Kjelde: Statistisk sentralbyrå"):
        assert needle in svg.text
    png = client.get(f"/export/nb/compare/aldersbaereevne_67.png?{q}")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("path, status, needle", [
    ("/export/nb/compare/regions.csv?r=3403", 422, "two to four"),
    ("/export/nb/compare/regions.csv?r=3403&r=3403", 422, "once"),
    ("/export/nb/compare/regions.csv?r=3403&r=9999", 404, "9999"),
    ("/export/nb/compare/regions.pdf?r=3403&r=5501", 404, "csv, xlsx"),
    ("/export/nb/compare/nope.png?r=3403&r=5501", 404, "population-index"),
    ("/export/xx/compare/regions.csv?r=3403&r=5501", 404, "nb, nn, en"),
])
def test_compare_downloads_bad_input(client, path, status, needle):
    r = client.get(path)
    assert r.status_code == status and needle in r.json()["detail"]
