"""Charts: every kind builds for a kommune and for Norway in bokmål, nynorsk and English, renders
to SVG and PNG offline, carries the attribution, and says its numbers in the reader's format.

Projection inputs are made by `make_projection` from registered population in the store (a simple
survival-and-births roll-forward), so they are plausible and internally consistent without the
engine.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from framtid.charts import KINDS, PALETTE, build
from framtid.charts import render
from framtid.charts.base import largest_remainder
from framtid.charts.icons import counts
from framtid.errors import FramtidError
from framtid.i18n import LANGS, t

KOMMUNE = "3403"  # Hamar
BA = "BA016"      # Hamar's BA-region
DATE = "2025-11-28"


# --- test input -----------------------------------------------------------------------------
def make_projection(ctx, code: str, *, quantiles: bool = True, start: int | None = None,
                    end: int = 2050) -> dict:
    """A projection-shaped dict rolled forward from the registered population of `code`."""
    start = start or ctx.last_year
    reg = ctx.regions.get(code)
    p = np.asarray(ctx.regions.population(code, start), dtype=float)  # [2, 106]
    ages = np.arange(106)
    q = np.clip(0.00002 * np.exp(0.095 * ages), 0.0001, 0.5)
    q[0] = 0.002
    q = np.vstack([q * 0.8, q])
    mig = np.zeros((2, 106))
    mig[:, 20:35] = 0.004
    cube = [p]
    years = list(range(start, end + 1))
    for _ in years[1:]:
        prev = cube[-1]
        surv = prev * (1 - q)
        nxt = np.zeros_like(prev)
        nxt[:, 1:] = surv[:, :-1]
        nxt[:, 105] += surv[:, 105]
        births = 1.5 / 35 * prev[0, 15:50].sum()
        nxt[0, 0], nxt[1, 0] = births * 0.487, births * 0.513
        nxt = nxt * (1 + mig)
        cube.append(nxt)
    cube = np.array(cube)  # [year, sex, age]
    both = cube.sum(axis=1)
    total = both.sum(axis=1)
    g = {"0-19": both[:, :20].sum(1), "20-66": both[:, 20:67].sum(1),
         "67+": both[:, 67:].sum(1), "80+": both[:, 80:].sum(1)}
    users = 0.126 * both[:, 67:80].sum(1) + 0.447 * both[:, 80:90].sum(1) + \
        0.88 * both[:, 90:].sum(1) + 0.03 * both[:, :67].sum(1)
    employed = 0.78 * g["20-66"]
    care = 0.153 * (users / users[0]) / (employed / employed[0])
    out = {
        "region": {"code": reg.code, "name": reg.name, "level": reg.level},
        "scenario": {"name": "main", "levers": {}},
        "base_year": start, "years": years,
        "total": total.tolist(),
        "age_groups": {k: v.tolist() for k, v in g.items()},
        "by_age": {"female": cube[:, 0].tolist(), "male": cube[:, 1].tolist()},
        "indicators": {"aldersbaereevne_67": (g["20-66"] / g["67+"]).tolist(),
                       "care_share_of_workforce": care.tolist(),
                       "age_80_plus": g["80+"].tolist()},
    }
    if quantiles:
        k = np.arange(len(years))
        z = {"p2_5": -1.96, "p10": -1.2816, "p50": 0.0, "p90": 1.2816, "p97_5": 1.96}
        out["quantiles"] = {
            name: {key: (np.asarray(v) * (1 + zz * s * k)).tolist()
                   for key, v, s in (("total", total, 0.004), ("0-19", g["0-19"], 0.006),
                                     ("20-66", g["20-66"], 0.004), ("67+", g["67+"], 0.004),
                                     ("80+", g["80+"], 0.007))}
            for name, zz in z.items()}
    return out


def support_ratios(ctx, year: int) -> dict[str, float]:
    """Persons 20–66 per person 67+ for every kommune in `year` (registered population)."""
    years, codes, cube = ctx.store.population_cube()
    block = np.nan_to_num(cube[int(np.searchsorted(years, year))]).sum(axis=1)  # [kommune, age]
    work, old = block[:, 20:67].sum(1), block[:, 67:].sum(1)
    return {c: float(w / o) for c, w, o in zip(codes, work, old) if o > 0}


@pytest.fixture(scope="module")
def inputs(ctx):
    topo = ctx.store.map_content("kommuner")
    proj = {code: make_projection(ctx, code) for code in (KOMMUNE, "NO", BA)}
    ratios = support_ratios(ctx, ctx.last_year)
    names = {r.code: r.name for r in ctx.regions.all("kommune")}
    return {"proj": proj, "topo": topo, "ratios": ratios, "names": names,
            "members": {KOMMUNE: [KOMMUNE], "NO": None, BA: ctx.regions.kommuner_in(BA)}}


def extras(inputs, code: str, lang: str) -> dict:
    norway = inputs["proj"]["NO"]["indicators"]["aldersbaereevne_67"]
    ba = inputs["proj"][BA]["indicators"]["aldersbaereevne_67"]
    series = {t("region.norway", lang): norway} if code != "NO" else {}
    if code == KOMMUNE:
        series["Hamar-regionen"] = ba
    return {"series": series, "topology": inputs["topo"], "values": inputs["ratios"],
            "indicator": "aldersbaereevne_67", "names": inputs["names"],
            "members": inputs["members"][code], "projection_date": DATE}


@pytest.fixture(scope="module")
def charts(inputs):
    out = {}
    for code in (KOMMUNE, "NO"):
        for lang in LANGS:
            for kind in KINDS:
                out[(kind, code, lang)] = build(kind, inputs["proj"][code], lang,
                                                **extras(inputs, code, lang))
    return out


# --- building ---------------------------------------------------------------------------------
def test_every_kind_builds_for_kommune_and_norway_in_every_language(charts):
    assert len(charts) == len(KINDS) * 2 * len(LANGS)
    for (kind, code, lang), chart in charts.items():
        assert chart.kind == kind and chart.lang == lang
        assert chart.title and chart.alt and chart.alt.endswith(".")
        assert chart.spec["$schema"].endswith("/v6.json")
        assert chart.spec["description"] == chart.alt
        assert chart.spec["config"]["locale"]["number"]["decimal"] == (
            "." if lang == "en" else ",")
        header, *rows = chart.table
        assert header and rows and all(len(r) == len(header) for r in rows)
        json.dumps(chart.spec)  # plain JSON


def test_specs_are_valid_vega_lite(charts):
    """Against the Vega-Lite v6 JSON schema that Altair ships (one language is enough)."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema import load_schema

    schema = load_schema()
    for (kind, code, lang), chart in charts.items():
        if lang == "nn":
            validate_jsonschema(chart.spec, schema)


@pytest.mark.parametrize("lang", LANGS)
def test_every_spec_renders_to_svg_and_png_with_attribution(charts, lang):
    attribution = t("source.attribution", lang)
    for (kind, code, lg), chart in charts.items():
        if lg != lang:
            continue
        svg = render.to_svg(chart.spec)
        assert svg.startswith("<svg")
        assert attribution in svg.replace("&amp;", "&"), (kind, code)
        assert "framtid" in svg
        if code == KOMMUNE or kind not in ("map", "ba-map"):
            png = render.to_png(chart.spec, scale=1)
            assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_norwegian_numbers_in_svg(charts):
    svg = render.to_svg(charts[("pyramid", "NO", "nb")].spec)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    grouped = [s for s in texts if re.fullmatch(r"[\d\u00a0]+", s) and "\u00a0" in s]
    assert grouped, "axis labels should group thousands with a no-break space"
    assert not any(re.fullmatch(r"\d{1,3}(,\d{3})+", s) for s in texts)
    svg_en = render.to_svg(charts[("pyramid", "NO", "en")].spec)
    assert re.search(r">\d{1,3},\d{3}<", svg_en)


# --- text ---------------------------------------------------------------------------------------
UNGROUPED = re.compile(r"(?<![\d\u00a0.,])\d{4,}(?![\d])")
DOT_DECIMAL = re.compile(r"\d\.\d")


def _unformatted(text: str, years: set[int]) -> list[str]:
    return [m.group() for m in UNGROUPED.finditer(text)
            if not (len(m.group()) == 4 and int(m.group()) in years)]


def test_alt_text_numbers_are_formatted(charts, inputs):
    years = set(inputs["proj"]["NO"]["years"])
    for (kind, code, lang), chart in charts.items():
        texts = [chart.alt] + [cell for row in chart.table[1:] for cell in row]
        for text in texts:
            if lang in ("nb", "nn"):
                assert not _unformatted(text, years), (kind, code, lang, text)
                assert not DOT_DECIMAL.search(text), (kind, code, lang, text)
            else:
                assert not re.search(r"\d,\d(?!\d\d)", text), (kind, code, lang, text)


def test_alt_text_has_the_key_numbers(charts, inputs):
    from framtid.i18n import fmt_approx, fmt_int

    proj = inputs["proj"]["NO"]
    i40 = proj["years"].index(2040)
    chart = charts[("fan", "NO", "nb")]
    assert fmt_int(proj["total"][0], "nb") in chart.alt
    assert fmt_approx(proj["total"][i40], "nb") in chart.alt
    assert "\u00a0" in chart.alt
    assert "Noreg" in charts[("dependency", "NO", "nn")].alt
    assert "Norway" in charts[("pyramid", "NO", "en")].alt


def test_fan_line_is_the_main_projection_not_the_median(inputs):
    """One number, one value: the line, the marked 2040 value, the alt text and the table are
    the main projection; a simulated median 10 % higher shows nowhere."""
    import copy

    from framtid.charts import build
    from framtid.i18n import fmt_approx

    proj = copy.deepcopy(inputs["proj"][KOMMUNE])
    for key in ("total", "80+"):
        proj["quantiles"]["p50"][key] = [v * 1.1 for v in proj["quantiles"]["p50"][key]]
    chart = build("fan", proj, "nb")
    i40 = proj["years"].index(2040)
    main, median = proj["total"][i40], proj["quantiles"]["p50"]["total"][i40]
    row = [r for r in chart.spec["hconcat"][0]["data"]["values"] if r["year"] == 2040][0]
    assert row["mid"] == round(main, 1)
    assert fmt_approx(main, "nb") in chart.alt and fmt_approx(median, "nb") not in chart.alt
    table_row = [r for r in chart.table if r[0] == "2040"][0]
    assert table_row[1] == fmt_approx(main, "nb")


def test_nynorsk_is_its_own_language(charts):
    nn = " ".join(c.alt + " " + c.title for (k, code, lang), c in charts.items() if lang == "nn")
    nb = " ".join(c.alt + " " + c.title for (k, code, lang), c in charts.items() if lang == "nb")
    for word in ("innbyggjarar", "folketal", "kvar", "frå"):
        assert word in nn
    for word in ("innbyggere", "hver", "fra"):
        assert word in nb
    assert "innbyggere" not in nn and "innbyggjarar" not in nb


# --- icons and care -------------------------------------------------------------------------
def test_icon_array_sums_to_100(charts, inputs):
    for code in (KOMMUNE, "NO"):
        chart = charts[("icons", code, "nb")]
        n = chart.meta["counts"]
        assert sum(n.values()) == 100
        assert len(chart.spec["data"]["values"]) == 100
        assert sum(int(r[2]) for r in chart.table[1:]) == 100
        for year in inputs["proj"][code]["years"]:
            assert sum(counts(inputs["proj"][code], year).values()) == 100


def test_largest_remainder():
    assert largest_remainder([1, 1, 1]) == [34, 33, 33]
    assert largest_remainder([22.4, 55.4, 13.3, 8.9]) == [23, 55, 13, 9]  # tie: first wins
    assert largest_remainder([22.2, 55.6, 13.3, 8.9]) == [22, 56, 13, 9]
    assert sum(largest_remainder([0.001, 5, 7.77, 1e6])) == 100
    assert largest_remainder([0, 3, 0, 1]) == [0, 75, 0, 25]


def test_care_counts(charts):
    chart = charts[("care", KOMMUNE, "nb")]
    n0, n1 = chart.meta["of_100"].values()
    assert 10 <= n0 <= 25 and n1 >= n0
    assert f"{n0} av hver 100" in chart.alt


def test_pyramid_has_slider_and_all_years(charts, inputs):
    spec = charts[("pyramid", KOMMUNE, "nb")].spec
    (param,) = spec["params"]
    assert param["bind"]["input"] == "range" and param["value"] == 2040
    years = {r["year"] for r in spec["layer"][0]["data"]["values"]}
    assert years == set(inputs["proj"][KOMMUNE]["years"])


def test_fan_without_quantiles(ctx):
    proj = make_projection(ctx, KOMMUNE, quantiles=False)
    chart = build("fan", proj, "nn", projection_date=DATE)
    assert "Usikkerheita er ikkje rekna ut" in " ".join(chart.spec["title"]["subtitle"])
    assert len(chart.table[0]) == 3
    assert render.to_svg(chart.spec).startswith("<svg")


def test_ba_map_for_a_ba_region(inputs):
    proj = inputs["proj"][BA]
    members = inputs["members"][BA]
    chart = build("ba-map", proj, "nb", topology=inputs["topo"], members=members,
                  names=inputs["names"], projection_date=DATE)
    assert chart.title.startswith("Bo- og arbeidsmarkedsregionen")
    assert len(chart.table) == len(members) + 1
    coloured = build("ba-map", proj, "nn", topology=inputs["topo"], members=members,
                     values=inputs["ratios"], indicator="aldersbaereevne_67",
                     names=inputs["names"], projection_date=DATE)
    assert "aldersberevne" in coloured.alt
    svg = render.to_svg(coloured.spec)
    assert "Hamar" in svg


# --- errors and rendering helpers -------------------------------------------------------------
def test_unknown_kind_or_language(inputs):
    proj = inputs["proj"][KOMMUNE]
    with pytest.raises(FramtidError, match="pyramid"):
        build("piechart", proj, "nb")
    with pytest.raises(FramtidError, match="nn"):
        build("pyramid", proj, "se")
    with pytest.raises(FramtidError):
        build("map", proj, "nb")  # no topology or values


def test_write_and_bundle(tmp_path, charts):
    chart = charts[("icons", KOMMUNE, "nn")]
    for suffix in (".svg", ".png", ".json"):
        path = render.write(chart, tmp_path / f"icons{suffix}")
        assert path.stat().st_size > 100
    assert json.loads((tmp_path / "icons.json").read_text())["$schema"]
    with pytest.raises(FramtidError):
        render.write(chart, tmp_path / "icons.gif")
    bundle = render.javascript_bundle_path(tmp_path / "static")
    assert bundle.stat().st_size > 500_000
    mtime = bundle.stat().st_mtime_ns
    assert render.javascript_bundle_path(tmp_path / "static") == bundle
    assert bundle.stat().st_mtime_ns == mtime


# --- colours ------------------------------------------------------------------------------------
def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str = "#ffffff") -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_palette_contrast_against_white():
    assert contrast("#000000") == pytest.approx(21)
    for name, colour in PALETTE.items():
        assert contrast(colour) >= 3.0, (name, colour, round(contrast(colour), 2))


def test_every_mark_colour_in_specs_has_contrast(charts):
    """Colours of marks, scales and text in the specs: palette colours or declared decoration."""
    from framtid.charts import base, fan

    decorative = {base.CONTEXT_FILL.lower(), base.GRID.lower(), "#ffffff", "transparent"} | {
        c.lower() for pair in fan.TINTS.values() for c in pair}
    found = set()

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", node):
            found.add(node.lower())

    for chart in charts.values():
        walk({k: v for k, v in chart.spec.items() if k not in ("data", "datasets")})
    for colour in found - decorative:
        assert contrast(colour) >= 3.0, colour


# --- SSB's main alternative beside ours (fan) -----------------------------------------------
def _with_official(ctx, code: str) -> dict:
    from framtid.official import block

    proj = make_projection(ctx, code)
    proj.update(block(ctx.store, ctx.regions, code))
    return proj


def _lines(spec: dict) -> list[dict]:
    return [layer for panel in spec["hconcat"] for layer in panel["layer"]
            if layer["mark"]["type"] == "line" and "datum" in layer["encoding"].get("color", {})]


@pytest.mark.parametrize("lang,label", [("nb", "SSB, hovedalternativet (2026)"),
                                        ("nn", "SSB, hovudalternativet (2026)"),
                                        ("en", "SSB, main alternative (2026)")])
def test_fan_shows_ssb_main_alternative(ctx, lang, label):
    proj = _with_official(ctx, "4003")  # Skien: the 2026 round, with age groups
    chart = build("fan", proj, lang, projection_date=DATE)
    ssb = [x for x in _lines(chart.spec) if x["encoding"]["color"]["datum"] == label]
    assert len(ssb) == 2  # total and 80+ (80-89 + 90+)
    line = ssb[0]["encoding"]
    assert line["strokeDash"]["scale"]["range"][1] == [7, 4]  # a non-colour cue
    assert line["color"]["scale"]["range"][1] == "#4d4d4d"
    assert line["color"]["legend"] is not None  # the legend names it
    i = proj["official"]["alternatives"]["MMMM"]["years"].index(2040)
    want = proj["official"]["alternatives"]["MMMM"]["total"][i]
    row = next(r for r in chart.table if r[0] == "2040")
    header = chart.table[0]
    assert any(label.split(", ")[1] in h or "SSB" in h for h in header[-2:])
    from framtid.i18n import fmt_int
    assert fmt_int(want, lang) in row
    from framtid.i18n import fmt_approx
    assert fmt_approx(want, lang) in chart.meta["ssb_note"]   # a projection, rounded
    svg = render.to_svg(chart.spec)
    assert label in svg.replace("&amp;", "&")


def test_fan_sentence_nb_and_missing_ssb(ctx):
    proj = _with_official(ctx, "0301")
    note = build("fan", proj, "nb", projection_date=DATE).meta["ssb_note"]
    assert note.startswith("SSBs hovedalternativ (framskriving 2024) gir 794\u00a0000 "
                           "innbyggere i 2040; framtid gir ")
    proj.pop("official")
    for lang, text in (("nb", "SSB har ikke framskrevet"), ("nn", "SSB har ikkje framskrive"),
                       ("en", "SSB has not published a projection for")):
        chart = build("fan", proj, lang, projection_date=DATE)
        assert chart.meta["ssb_note"].startswith(text)
        assert not _lines(chart.spec)  # no SSB line, no legend


def test_fan_explains_ssb_outside_our_interval(ctx):
    """SSB's 2040 figure moved far above our 80 % band through its 20-44 group: the sentence
    names that group and migration; with totals only it says the difference is in the total."""
    from framtid.charts.fan import ssb_note

    proj = _with_official(ctx, "4003")
    main = proj["official"]["alternatives"]["MMMM"]
    i = main["years"].index(2040)
    j = proj["years"].index(2040)
    extra = proj["quantiles"]["p90"]["total"][j] - main["total"][i] + 5000
    main["age_groups"]["20-44"][i] += extra
    main["total"][i] += extra
    note = ssb_note(proj, "nb")
    assert "utenfor framtids 80\u00a0%-intervall" in note
    assert "aldersgruppen 20–44 år" in note and "færre enn SSB" in note
    assert "flytting og innvandring" in note
    en = ssb_note(proj, "en")
    assert "age group 20–44" in en and "fewer than SSB" in en and "migration" in en
    main.pop("age_groups")
    assert "bare totaltall" in ssb_note(proj, "nb")
    # a low SSB figure driven by the oldest: mortality
    proj = _with_official(ctx, "4003")
    main = proj["official"]["alternatives"]["MMMM"]
    cut = main["total"][i] - proj["quantiles"]["p10"]["total"][j] + 5000
    main["age_groups"]["90+"][i] -= cut
    main["total"][i] -= cut
    assert "dødelighet og levealder" in ssb_note(proj, "nb")
    assert "flere enn SSB" in ssb_note(proj, "nb")
