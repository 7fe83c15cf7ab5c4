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
    assert "&lt;iframe src=&#34;http://testserver/embed/nb/3403/" in html


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
