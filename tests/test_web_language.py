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
         "/{lang}/method", "/{lang}/search?q=sand", "/{lang}/region/9999", "/{lang}/region/54"]


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


@pytest.mark.parametrize("lang", ["nb", "nn"])
@pytest.mark.parametrize("page", PAGES)
def test_no_english_and_no_iso_dates_on_norwegian_pages(client, lang, page):
    r = client.get(page.format(lang=lang))
    assert r.status_code in (200, 404), (page, r.status_code)
    text = visible_text(r.text)
    found = [w for w in ENGLISH if re.search(w, text)]
    assert not found, f"{page} ({lang}): English {found}"
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
