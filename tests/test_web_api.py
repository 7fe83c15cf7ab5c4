"""The web app without a browser: JSON API contracts, pages in three languages, bad input, catalogs.

Runs against the session store (../shared/data) through FastAPI's TestClient.
"""

from __future__ import annotations

import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from framtid.web import i18n
from framtid.web.app import create_app, rewind_topology
from framtid.web.services import Services

SOURCE = {"nb": "Kilde: Statistisk sentralbyrå", "nn": "Kjelde: Statistisk sentralbyrå",
          "en": "Source: Statistics Norway"}
PAGES = ["/{lang}/", "/{lang}/region/5501", "/{lang}/region/BA005", "/{lang}/region/34",
         "/{lang}/region/NO", "/{lang}/compare?r=5501&r=1804", "/{lang}/method",
         "/{lang}/search?q=tr", "/{lang}/region/5501/simulate"]


@pytest.fixture(scope="module")
def app(ctx):
    return create_app(services=Services(ctx))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def has_projection(app):
    return app.state.services.has_projection


# --- catalogs ------------------------------------------------------------------------------
def test_catalogs_have_the_same_keys():
    keys = {lang: set(i18n.catalog(lang)) for lang in i18n.LANGS}
    assert keys["nb"] == keys["nn"] == keys["en"], {
        lang: sorted(keys[lang] ^ keys["nb"]) for lang in i18n.LANGS}


def test_every_lever_and_indicator_has_text(app):
    from framtid.web.services import INDICATOR_KIND

    for lang in i18n.LANGS:
        for m in app.state.services.levers():
            assert i18n.has(f"lever.{m['name']}.label", lang), (lang, m["name"])
            assert i18n.has(f"lever.{m['name']}.help", lang), (lang, m["name"])
        for ind in INDICATOR_KIND:
            assert i18n.has(f"ind.{ind}", lang), (lang, ind)


def test_norwegian_number_format():
    assert i18n.fmt_int(1234567, "nb") == "1\u00a0234\u00a0567"
    assert i18n.fmt_dec(2.6, "nn") == "2,6"
    assert i18n.fmt_dec(2.6, "en") == "2.6"
    assert i18n.fmt_pct(0.218, "nb") == "21,8\u00a0%"
    assert i18n.fmt_signed_pct(-0.05, "nb") == "−5,0\u00a0%"
    assert i18n.fmt_int(float("nan"), "nb") == "–"


# --- health and OpenAPI --------------------------------------------------------------------
def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["regions"] == 532


def test_openapi_documents_levers_with_ranges(client, app):
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/regions/{code}/projection"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    for m in app.state.services.levers():
        assert params[m["name"]]["schema"]["minimum"] == m["min"]
        assert params[m["name"]]["schema"]["maximum"] == m["max"]
    assert "422" in op["responses"] and "404" in op["responses"]
    assert "/api/regions/search" in spec["paths"]


# --- search (contract) ---------------------------------------------------------------------
@pytest.mark.parametrize("q,code", [("tromso", "5501"), ("Tromsø", "5501"), ("TROMSOE", "5501"),
                                    ("bodo", "1804"), ("Trondhiem", "5001"),
                                    ("kautokeino", "5612"), ("3403", "3403")])
def test_search_forgives(client, q, code):
    r = client.get("/api/regions/search", params={"q": q})
    assert r.status_code == 200
    hits = r.json()
    assert hits and hits[0]["code"] == code, hits[:3]
    assert set(hits[0]) == {"code", "name", "level", "url"}
    assert hits[0]["url"] == f"/region/{code}"


def test_search_url_in_language_and_empty(client):
    assert client.get("/api/regions/search", params={"q": "tromso", "lang": "en"}).json()[0][
        "url"] == "/en/region/5501"
    assert client.get("/api/regions/search", params={"q": ""}).json() == []
    assert client.get("/api/regions/search", params={"q": "zzzzqqq"}).json() == []


def test_search_url_leads_to_the_page(client):
    hit = client.get("/api/regions/search", params={"q": "tromso"}).json()[0]
    r = client.get(hit["url"])
    assert r.status_code == 200 and "Tromsø" in r.text


def test_search_page_without_js_redirects_on_one_match(client):
    r = client.get("/nb/search", params={"q": "tromso"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/nb/region/5501"
    r = client.get("/nb/search", params={"q": "tr"})
    assert r.status_code == 200 and "/nb/region/5501" in r.text


# --- pages ---------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_every_language(client, lang, path):
    r = client.get(path.format(lang=lang))
    assert r.status_code == 200, r.text[:500]
    html = r.text
    assert f'<html lang="{lang}">' in html
    assert SOURCE[lang] in html
    for other in i18n.LANGS:  # language switch on every page
        assert f'hreflang="{other}"' in html
    # no third-party resource: every src/href is local
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/", "#")), url
    assert r.headers["content-security-policy"].startswith("default-src 'self'")


def test_numbers_on_pages_use_locale(client):
    nb = client.get("/nb/region/NO").text
    en = client.get("/en/region/NO").text
    assert re.search(r"\d\u00a0\d{3}\u00a0\d{3}", nb)        # 5 627 400 with no-break spaces
    assert re.search(r"\d,\d{3},\d{3}", en)


def test_root_is_norway_2040_in_bokmal(client):
    r = client.get("/")
    assert r.status_code == 200 and "Norge 2040" in r.text and 'lang="nb"' in r.text


def test_region_defaults_to_its_language_decision(client, ctx):
    df = ctx.store.regions()
    nynorsk = df[df.language_decision == "nynorsk"].code.iloc[0]
    bokmal = df[df.language_decision == "bokmål"].code.iloc[0]
    r = client.get(f"/region/{nynorsk}", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == f"/nn/region/{nynorsk}"
    r = client.get(f"/region/{bokmal}", follow_redirects=False)
    assert r.headers["location"] == f"/nb/region/{bokmal}"
    r = client.get("/region/BA005", follow_redirects=False)
    assert r.headers["location"] == "/nb/region/BA005"


def test_map_choice_without_js(client):
    r = client.get("/en/", params={"indicator": "median_age"})
    assert r.status_code == 200
    assert "Median age" in r.text and "<table" in r.text
    # a bad choice falls back to the default instead of failing
    assert client.get("/en/", params={"indicator": "nope", "year": "x"}).status_code == 200


def test_compare_page(client):
    r = client.get("/nb/compare", params=[("r", "tromso"), ("r", "Bodø"), ("r", "NO")])
    assert r.status_code == 200
    assert "Tromsø" in r.text and "Bodø" in r.text and "Norge" in r.text
    r = client.get("/nb/compare", params=[("r", "5501"), ("r", "qqqqzzz")])
    assert r.status_code == 422 and "Fant ikke «qqqqzzz»" in r.text


def test_method_page_lists_sources_with_dates(client, ctx):
    html = client.get("/nn/method").text
    prov = ctx.store.provenance()
    from framtid.i18n import fmt_date

    for date in prov["retrieved"].astype(str).unique():
        assert fmt_date(date, "nn") in html        # «2. desember 2026», never an ISO date
        assert date not in html
    assert "07459" in html


def test_method_page_shows_backtest_accuracy(client, app, has_projection):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    assert app.state.services.backtest(app.state.assets.cache_dir, wait=300) is not None
    html = client.get("/en/method").text
    assert "Straight line" in html and "Unchanged population" in html
    assert re.search(r"framtid – all municipalities</th>\s*<td>\d+\.\d%</td>", html)


# --- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang,text", [("nb", "Fant ikke siden"), ("nn", "Fann ikkje sida"),
                                       ("en", "Page not found")])
def test_unknown_region_page_is_404_in_language_with_search(client, lang, text):
    r = client.get(f"/{lang}/region/9999")
    assert r.status_code == 404
    assert text in r.text and f'lang="{lang}"' in r.text
    assert 'role="search"' in r.text and 'name="q"' in r.text


def test_unknown_path_is_404_page(client):
    r = client.get("/en/nowhere/at/all")
    assert r.status_code == 404 and "Page not found" in r.text
    r = client.get("/xx/region/5501")
    assert r.status_code == 404


def test_unknown_region_api_is_404(client):
    for path in ("/api/regions/9999", "/api/regions/9999/projection",
                 "/api/regions/9999/history", "/api/regions/9999/simulation"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "9999" in r.json()["detail"]


def test_lever_out_of_range_is_422_naming_field_and_range(client, app):
    m = app.state.services.levers()[0]
    r = client.get("/api/regions/5501/projection", params={m["name"]: m["max"] + 100})
    assert r.status_code == 422
    d = r.json()["detail"][0]
    assert d["loc"] == ["query", m["name"]]
    assert m["name"] in d["msg"] and f"{m['min']:g}" in d["msg"] and f"{m['max']:g}" in d["msg"]
    assert d["ctx"]["min"] == m["min"] and d["ctx"]["max"] == m["max"]
    r = client.get("/api/regions/5501/projection", params={m["name"]: "abc"})
    assert r.status_code == 422 and "number" in r.json()["detail"][0]["msg"]
    r = client.get("/api/regions/5501/projection", params={m["name"]: "nan"})
    assert r.status_code == 422
    r = client.get("/api/regions/5501/projection", params={"no_such_lever": 1})
    assert r.status_code == 422 and "no_such_lever" in r.json()["detail"][0]["msg"]


def test_lever_out_of_range_page_shows_message(client, app, has_projection):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    m = app.state.services.levers()[0]
    r = client.get("/nb/region/5501/simulate", params={m["name"]: m["max"] + 100})
    assert r.status_code == 422
    assert 'role="alert"' in r.text and "må være mellom" in r.text


def test_bad_query_values_never_500(client):
    for path in ("/api/regions/search?q=" + "x" * 300, "/api/regions/search?limit=0",
                 "/api/map?indicator=zzz", "/api/map?year=abc", "/nb/search?q=%00",
                 "/nb/compare?r=&r=&r=&r=&r=", "/api/regions/%20/projection",
                 "/nb/region/%2e%2e", "/api/regions/5501/what-it-takes?indicator=x&lever=y"):
        r = client.get(path)
        assert r.status_code < 500, path


# --- assets ---------------------------------------------------------------------------------
def test_vega_bundle_and_map_served_locally_and_compressed(client, app):
    assets = app.state.assets
    r = client.get(f"/assets/{assets.vega_name}", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and "vegaEmbed" in r.text
    assert r.headers["content-encoding"] == "gzip"
    assert "immutable" in r.headers["cache-control"]
    r = client.get(f"/assets/kommuner-{assets.map_version}.topo.json")
    assert r.status_code == 200 and r.json()["type"] == "Topology"


def test_rewind_makes_exterior_rings_clockwise():
    ccw = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    topo = {"type": "Topology", "arcs": [ccw],
            "objects": {"K": {"type": "GeometryCollection",
                              "geometries": [{"type": "Polygon", "arcs": [[0]]}]}}}
    assert rewind_topology(topo)["objects"]["K"]["geometries"][0]["arcs"] == [[~0]]


# --- projection-driven (wait for the engine) --------------------------------------------------
def test_projection_contract(client, has_projection, ctx):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    from framtid.consequences.service import project_with_indicators
    from framtid.web.services import clean

    r = client.get("/api/regions/5501/projection", params={"scenario": "main"})
    assert r.status_code == 200
    body = r.json()
    assert {"region", "scenario", "base_year", "years", "total", "age_groups", "by_age",
            "indicators"} <= set(body)
    assert body == clean(project_with_indicators(ctx, "5501", "main", {}, 2050, None))


def test_projection_api_official_block(client, has_projection):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    o = client.get("/api/regions/4003/projection").json()["official"]  # Skien
    assert {"source", "table", "round", "alternatives", "rounds", "note"} <= set(o)
    assert (o["source"], o["table"], o["round"]) == ("SSB", "14746", 2026)
    assert set(o["alternatives"]) == {"MMMM", "LLML", "HHMH"}
    for alt in o["alternatives"].values():
        assert len(alt["years"]) == len(alt["total"]) == 25 and alt["years"][0] == 2026
    o = client.get("/api/regions/5501/projection").json()["official"]  # Tromsø: 2024 totals
    assert (o["table"], o["round"], list(o["alternatives"])) == ("14288", 2024, ["MMMM"])


@pytest.mark.parametrize("url,sentence,credit", [
    ("/nb/region/4003", "SSBs hovedalternativ (framskriving 2026) gir ",
     "Framskriving: framtid, på data fra SSB"),
    ("/nn/region/4003", "SSB sitt hovudalternativ (framskriving 2026) gjev ",
     "Framskriving: framtid, på data frå SSB"),
    ("/en/region/0301", "SSB&#39;s main alternative (2024 projection) gives ",
     "Projection: framtid, based on data from SSB"),
])
def test_region_page_compares_with_ssb(client, has_projection, url, sentence, credit):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    html = client.get(url).text
    note = re.search(r'<p class="chart-note">([^<]*)</p>', html)
    assert note and note.group(1).startswith(sentence)
    assert credit in html


def test_projection_levers_change_the_result(client, has_projection, app):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    base = client.get("/api/regions/5501/projection").json()
    r = client.get("/api/regions/5501/projection", params={"healthy_ageing": 3})
    assert r.status_code == 200
    moved = r.json()
    i = moved["years"].index(2040)
    assert moved["indicators"]["care_users"][i] < base["indicators"]["care_users"][i]
    assert moved["scenario"]["levers"]["healthy_ageing"] == 3


def test_simulation_api_formats_for_language(client, has_projection):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    r = client.get("/api/regions/5501/simulation", params={"lang": "nb", "healthy_ageing": 2})
    assert r.status_code == 200
    sim = r.json()
    assert sim["url"] == "/nb/region/5501/simulate?healthy_ageing=2"
    pop = next(x for x in sim["rows"] if x["indicator"] == "population")
    assert "\u00a0" in pop["scenario_text"]
    assert len(sim["charts"]) == 3 and all(c["alt"] and c["table"]["rows"] for c in sim["charts"])


def test_what_it_takes_api(client, app):
    assert app.state.services.has_what_it_takes, "«what it takes» did not load"
    r = client.get("/api/regions/5501/what-it-takes",
                   params={"indicator": "care_share_of_workforce", "lever": "care_productivity",
                           "lang": "en"})
    assert r.status_code == 200
    res = r.json()
    assert {"indicator", "lever", "target_year", "today_value", "value", "reachable",
            "best_value", "text"} <= set(res)
    assert res["text"]
    r = client.get("/api/regions/5501/what-it-takes",
                   params={"indicator": "children_1_5", "lever": "care_productivity"})
    assert r.status_code == 422


def test_shared_scenario_url_reloads(client, has_projection):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    r = client.get("/en/region/5501/simulate", params={"healthy_ageing": "2"})
    assert r.status_code == 200
    assert re.search(r'id="lv-healthy_ageing"[^>]*value="2.0"', r.text)


def test_region_chart_api(client, has_projection):
    assert has_projection, "the projection engine (framtid.model.service) did not load"
    r = client.get("/api/regions/5501/charts/pyramid", params={"lang": "nn"})
    assert r.status_code == 200
    ch = r.json()
    assert ch["spec"] and ch["alt"] and ch["table"]["rows"] and ch["source"].startswith("Kjelde")
    assert client.get("/api/regions/5501/charts/nope").status_code == 422
    assert client.get("/api/regions/9999/charts/fan").status_code == 404
