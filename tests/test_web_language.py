"""Language and numbers on rendered pages (no browser): no English on bokmål and nynorsk pages,
Norwegian dates, true minus signs, and one value per key quantity across page types."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from framtid import display
from framtid.web import i18n
from framtid.web.app import create_app
from framtid.web.services import STORY_YEAR, Services

# Words and phrases that mean English text leaked onto a Norwegian page.
ENGLISH = ["offline snapshot", "treat as approximate", "fraction of", "public documents",
           "register-based", "framtid choice", "persons aged", r"\bthe\b", r"\bwhich\b",
           r"\bbetween\b", r"\bwithout\b", r"\bpeople\b", r"\bShow\b", r"\bSource:",
           r"\bLoading\b", r"\bbaseline\b", r"\bshare of\b",
           r"\byears\b", r"\bmunicipalit"]
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
PAGES = ["/{lang}/", "/{lang}/region/3403", "/{lang}/region/34", "/{lang}/region/BA005",
         "/{lang}/region/3403/simulate", "/{lang}/compare?r=3403&r=34",
         "/{lang}/method", "/{lang}/search?q=sand", "/{lang}/region/9999", "/{lang}/region/54",
         "/{lang}/region/1875", "/{lang}/region/BA131"]   # Hábmer - Hamarøy, kommune and BA


@pytest.fixture(scope="module")
def client(ctx):
    with TestClient(create_app(services=Services(ctx))) as c:
        yield c


def visible_text(html: str) -> str:
    """What a reader sees: no scripts, no SVG internals, no markup; `lang="en"` parts dropped."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    html = re.sub(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text.replace("&nbsp;", " "))


@pytest.fixture(scope="module")
def other_name_orders(ctx) -> set[str]:
    """Every multi-language name («Hábmer - Hamarøy») in an order or spelling that is not the
    official one, so that a page writing it otherwise is caught."""
    from itertools import permutations

    official = {r.official_name for r in ctx.regions.all() if " - " in r.official_name}
    wrong = set()
    for name in official:
        for order in permutations(name.split(" - ")):
            if " - ".join(order) not in official:
                wrong.add(" - ".join(order))
    return wrong


@pytest.mark.parametrize("lang", ["nb", "nn"])
@pytest.mark.parametrize("page", PAGES)
def test_no_english_and_no_iso_dates_on_norwegian_pages(client, lang, page, other_name_orders):
    r = client.get(page.format(lang=lang))
    assert r.status_code in (200, 404), (page, r.status_code)
    text = visible_text(r.text)
    found = [w for w in ENGLISH if re.search(w, text)]
    assert not found, f"{page} ({lang}): English {found}"
    # one written form: «framskriving» in both bokmål and nynorsk, never «fremskriving»
    assert not re.search(r"[Ff]remskr", text), re.search(r".{30}[Ff]remskr.{10}", text)
    # one name form per region: the official order (språkvedtak: Sámi first where it says so)
    wrong = [n for n in other_name_orders if n in text]
    assert not wrong, f"{page} ({lang}): name forms {wrong}"
    assert not ISO_DATE.search(text), f"{page} ({lang}): ISO date {ISO_DATE.search(text)[0]}"
    # negative numbers with a true minus sign, never «-500» or «(-8,0 %)»
    assert not re.search(r"(?<![\w\-–])-\d", text), re.search(r".{30}(?<![\w\-–])-\d.{10}",
                                                              text)


def test_norwegian_link_to_the_other_written_form(client):
    html = client.get("/nn/region/3403").text       # Hamar: bokmål kommune
    assert "Les sida på" in html and ">bokmål</a>" in html


@pytest.mark.parametrize("code", ["3403", "1151", "5612", "34"])
def test_one_quantity_one_value_across_pages(client, ctx, code):
    """Population and persons 80+ in 2040: the region page's card, the simulator (table and
    pinned strip) and the population chart's alt text all show the same number."""
    svc = client.app.state.services
    proj = svc.projection(code)
    i = proj["years"].index(STORY_YEAR)
    for ind in ("population", "age_80_plus"):
        want = display.text(proj["indicators"][ind][i], "count", "nb")
        seen = set()
        region = client.get(f"/nb/region/{code}").text
        cards = re.findall(r'<dd class="key-then">[^<]*<strong>([^<]+)</strong>', region)
        labels = re.findall(r'<div class="key">\s*<dt>([^<]+)</dt>', region)
        card = dict(zip(labels, cards))
        seen.add(card[i18n.t(f"ind.{ind}", "nb")])
        sim = client.get(f"/nb/region/{code}/simulate").text
        row = re.search(rf'<tr data-ind="{ind}">(.*?)</tr>', sim, flags=re.S).group(1)
        seen.update(re.findall(r'data-cell="(?:baseline|scenario)">(?:<strong>)?([^<]+)<', row))
        if ind == "population":
            strip = re.search(r'data-key="population">.*?<strong data-cell="scenario">([^<]+)<',
                              sim, flags=re.S).group(1)
            seen.add(strip)
            alt = re.search(rf"framskrivingen gir ([\d\s\u00a0]+) i {STORY_YEAR}", region)
            seen.add(alt.group(1).strip())
        assert seen == {want}, (code, ind, seen, want)


def test_percent_change_is_computed_from_the_shown_values():
    assert display.change(2700, 2935, "nb", now_projected=False) == "\u22128,0\u00a0%"
    # 2 698.6 is shown as 2 700, and the change is that of 2 700 against 2 935
    assert display.change(2698.6, 2935, "nb") == "\u22128,0\u00a0%"
    assert display.text(213.4, "count", "nb") == "210"
    assert display.text(3129, "count", "nb") == "3\u00a0130"
    assert display.text(3129, "count", "nb", projected=False) == "3\u00a0129"
    assert display.text(-500, "count", "nb") == "\u2212500"


# --- one number, one value: every page type ------------------------------------------------
CONSISTENCY = ["3403", "1151", "34", "BA016", "NO"]   # kommune, tiny kommune, fylke, BA, Norway
NUM = r"(\d[\d\u00a0 ]*(?:,\d+\u00a0millioner)?)"


def _number(text: str) -> float:
    """«36 500» → 36500; «5,63 millioner» → 5 630 000 (the story writes millions in words)."""
    text = text.replace("\u00a0", " ").strip()
    if text.endswith("millioner"):
        return float(text.split()[0].replace(",", ".")) * 1e6
    return float(text.replace(" ", ""))


def _figure(html: str, kind: str) -> str | None:
    m = re.search(rf'<figure class="chart chart-{kind}".*?</figure>', html, flags=re.S)
    return m.group(0) if m else None


def _row(table_html: str, head: str) -> list[str]:
    m = re.search(rf'<tr><th scope="row">{re.escape(head)}</th>(.*?)</tr>', table_html,
                  flags=re.S)
    return re.findall(r"<td>([^<]*)</td>", m.group(1))


@pytest.mark.parametrize("code", CONSISTENCY)
def test_one_value_on_every_page_type(client, code):
    """Population and persons 80+ in 2040 are one value each on the region page's cards, the
    fan chart (its table: the main projection, not the simulated median), the pyramid's
    description, the story's text and the compare page; the «hundred» beat's headline is the
    count the icon chart draws."""
    svc = client.app.state.services
    proj = svc.projection(code)
    i = proj["years"].index(STORY_YEAR)
    want = {ind: display.shown(proj["indicators"][ind][i], "count") for ind in
            ("population", "age_80_plus")}
    seen: dict[str, dict[str, float]] = {ind: {} for ind in want}
    region = client.get(f"/nb/region/{code}").text
    cards = re.findall(r'<dd class="key-then">[^<]*<strong>([^<]+)</strong>', region)
    labels = re.findall(r'<div class="key">\s*<dt>([^<]+)</dt>', region)
    card = dict(zip(labels, cards))
    for ind in want:
        seen[ind]["card"] = _number(card[i18n.t(f"ind.{ind}", "nb")])

    fan = _figure(region, "fan")
    assert fan is not None, "the story's fan chart is missing"
    row = _row(fan, str(STORY_YEAR))
    seen["population"]["fan table"] = _number(row[0])
    seen["age_80_plus"]["fan table"] = _number(row[3])

    pyramid = _figure(region, "pyramid")
    if pyramid is not None:
        m = re.search(rf"og {NUM} i {STORY_YEAR}, der antallet som er 80 år eller eldre går "
                      rf"fra {NUM} til {NUM},", pyramid)
        seen["population"]["pyramid"] = _number(m.group(1))
        seen["age_80_plus"]["pyramid"] = _number(m.group(3))

    beat = re.search(r'<article class="beat" aria-labelledby="beat-population">(.*?)</article>',
                     region, flags=re.S)
    assert beat is not None, "the story's population beat is missing"
    m = re.search(rf"om lag {NUM} i {STORY_YEAR}", beat.group(1))
    if m:
        seen["population"]["story"] = _number(m.group(1))

    hundred = _figure(region, "icons")
    if hundred is not None:
        said = re.search(r"<caption>(\d+) av hver 100 innbyggere er 80 år og eldre", hundred)
        from framtid.i18n import t as chart_t

        drawn = _row(hundred, chart_t("age.long.80+", "nb"))[1]
        assert said.group(1) == drawn, (code, "hundred", said.group(1), drawn)

    other = "1151" if code != "1151" else "3403"
    compare = client.get(f"/nb/compare?r={code}&r={other}").text
    m = re.search(rf'<th scope="row">{i18n.t("ind.population", "nb")}</th>\s*<td>[^<]*'
                  r'<span[^>]*>[^<]*</span><span[^>]*>[^<]*</span>\s*<strong>([^<]+)</strong>',
                  compare)
    seen["population"]["compare"] = _number(m.group(1))

    for ind, where in seen.items():
        wrong = {k: v for k, v in where.items() if v != want[ind]}
        assert not wrong, (code, ind, want[ind], where)
