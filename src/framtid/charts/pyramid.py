"""Population pyramid: bars for the chosen year (2040 by default), a black step outline for today.

Women to the left, men to the right, bars coloured by the four age groups used everywhere. The
spec carries every projected year and a `pyramid_year` parameter bound to a range input, so in a
browser the pyramid animates as the slider moves; static renderings show the default year.
"""

from __future__ import annotations

from ..i18n import fmt_approx, fmt_int, t
from . import base
from .base import AGE_COLOURS, AGE_GROUPS, TEXT, TEXT_MUTED, Chart

WIDTH, HEIGHT = 640, 500
PARAM = "pyramid_year"


def _five_year_rows(female, male):
    out = []
    for lo in range(0, 90, 5):
        out.append((f"{lo}–{lo + 4}", sum(female[lo:lo + 5]), sum(male[lo:lo + 5])))
    out.append(("90+", sum(female[90:]), sum(male[90:])))
    return out


def build(projection: dict, lang: str, *, year: int | None = None, projection_date=None) -> Chart:
    ys = base.years(projection)
    y0 = base.base_year(projection)
    year = base.target_year(projection, year)
    name = base.region_name(projection, lang)
    fem = projection["by_age"]["female"]
    mal = projection["by_age"]["male"]
    i0, i1 = ys.index(y0), ys.index(year)

    bars = []
    peak = 1.0
    for yi, yv in enumerate(ys):
        for sex, arr, sign in (("f", fem, -1), ("m", mal, 1)):
            for age, v in enumerate(arr[yi]):
                v = float(v)
                peak = max(peak, v)
                bars.append({"year": yv, "age": age, "x": round(sign * v, 1)})
    outline = []
    order = 0
    for sex, arr, sign in (("f", fem, -1), ("m", mal, 1)):
        for age, v in enumerate(arr[i0]):
            for edge in (age, age + 1):
                outline.append({"sex": sex, "age": edge, "x": round(sign * float(v), 2),
                                "o": order})
                order += 1
    lim = peak * 1.08

    group_labels = [t(f"age.{g}", lang) for g in AGE_GROUPS]
    # The title follows the slider: a Vega expression with the year parameter in it.
    marker = "\u0000"
    head, _, tail = t("pyramid.title", lang, region=name, year=marker).partition(marker)
    title_expr = f"{base.expr_string(head)} + {PARAM} + {base.expr_string(tail)}"

    title_text = t("pyramid.title", lang, region=name, year=year)
    pdate = base.resolve_date(projection, projection_date)
    title = base.title_block(title_text, t("pyramid.subtitle", lang, base_year=y0), lang,
                             pdate, WIDTH)

    # Registered numbers (the base year) exact, projected ones without false precision.
    approx = fmt_int if year == y0 else fmt_approx
    tot0 = sum(map(float, fem[i0])) + sum(map(float, mal[i0]))
    tot1 = sum(map(float, fem[i1])) + sum(map(float, mal[i1]))
    old0 = sum(map(float, fem[i0][80:])) + sum(map(float, mal[i0][80:]))
    old1 = sum(map(float, fem[i1][80:])) + sum(map(float, mal[i1][80:]))
    yng0 = sum(map(float, fem[i0][:20])) + sum(map(float, mal[i0][:20]))
    yng1 = sum(map(float, fem[i1][:20])) + sum(map(float, mal[i1][:20]))
    alt = t("pyramid.alt", lang, region=name, base_year=y0, year=year,
            total_base=fmt_int(tot0, lang), total_year=approx(tot1, lang),
            old_base=fmt_int(old0, lang), old_year=approx(old1, lang),
            young_base=fmt_int(yng0, lang), young_year=approx(yng1, lang))

    spec = base.shell("pyramid", lang, title=title, alt=alt, width=WIDTH, height=HEIGHT)
    spec["title"]["text"] = {"expr": title_expr}
    spec["params"] = [{
        "name": PARAM, "value": year,
        "bind": {"input": "range", "min": ys[0], "max": ys[-1], "step": 1,
                 "name": t("pyramid.slider", lang) + " "},
    }]
    legend = {"title": None, "orient": "bottom", "direction": "horizontal", "symbolType": "square",
              "symbolSize": 160, "labelFontSize": 12.5, "columnPadding": 18}
    x_axis = {"title": t("axis.persons", lang), "labelExpr": "format(abs(datum.value), ',')",
              "tickCount": 6, "grid": True}
    x_scale = {"domain": [-lim, lim], "nice": False}
    y_enc = {"field": "age", "type": "quantitative",
             "scale": {"domain": [0, 106], "nice": False, "zero": True},
             "axis": {"title": t("axis.age", lang), "values": list(range(0, 101, 10)),
                      "grid": False}}
    spec["layer"] = [
        {
            "data": {"values": bars},
            "transform": [
                {"filter": f"datum.year == {PARAM}"},
                {"calculate": "datum.age + 1", "as": "top"},
                {"calculate": "abs(datum.x)", "as": "v"},
                {"calculate": group_expr(lang), "as": "g"},
                {"calculate": f"datum.x < 0 ? {base.expr_string(t('sex.female', lang))} : "
                              f"{base.expr_string(t('sex.male', lang))}", "as": "sx"},
            ],
            # A hairline in the bar's own colour closes the anti-aliasing seams between ages.
            "mark": {"type": "bar", "orient": "horizontal", "strokeWidth": 0.6},
            "encoding": {
                "y": y_enc, "y2": {"field": "top"},
                "x": {"field": "x", "type": "quantitative", "scale": x_scale, "axis": x_axis},
                "x2": {"datum": 0},
                "color": {"field": "g", "type": "nominal",
                          "scale": {"domain": group_labels,
                                    "range": [AGE_COLOURS[g] for g in AGE_GROUPS]},
                          "legend": legend},
                "stroke": {"field": "g", "type": "nominal", "legend": legend,
                           "scale": {"domain": group_labels,
                                     "range": [AGE_COLOURS[g] for g in AGE_GROUPS]}},
                "tooltip": [
                    {"field": "year", "type": "ordinal", "title": t("axis.year", lang)},
                    {"field": "sx", "type": "nominal", "title": " "},
                    {"field": "age", "type": "quantitative", "title": t("axis.age", lang)},
                    {"field": "v", "type": "quantitative", "format": ",.0f",
                     "title": t("axis.persons", lang)},
                ],
            },
        },
        {
            "data": {"values": outline},
            "mark": {"type": "line", "color": TEXT, "strokeWidth": 1.4,
                     "interpolate": "linear"},
            "encoding": {
                "x": {"field": "x", "type": "quantitative", "scale": x_scale},
                "y": {"field": "age", "type": "quantitative"},
                "detail": {"field": "sex"},
                "order": {"field": "o", "type": "quantitative"},
            },
        },
        *[{
            "data": {"values": [{"x": sign * lim * 0.98, "age": 103, "s": label}]},
            "mark": {"type": "text", "baseline": "middle", "fontSize": 15,
                     "fontWeight": "bold", "color": TEXT, "align": align},
            "encoding": {"x": {"field": "x", "type": "quantitative", "scale": x_scale},
                         "y": {"field": "age", "type": "quantitative"},
                         "text": {"field": "s"}},
        } for sign, label, align in ((-1, t("sex.female", lang), "left"),
                                     (1, t("sex.male", lang), "right"))],
        {
            "data": {"values": [{"x": -lim * 0.98, "age": 94}]},
            "mark": {"type": "text", "align": "left", "baseline": "middle", "fontSize": 30,
                     "fontWeight": "bold", "color": TEXT_MUTED, "text": {"expr": PARAM}},
            "encoding": {"x": {"field": "x", "type": "quantitative", "scale": x_scale},
                         "y": {"field": "age", "type": "quantitative"}},
        },
    ]

    head_row = [t("table.age", lang),
                t("pyramid.table.female", lang, year=y0), t("pyramid.table.male", lang, year=y0),
                t("pyramid.table.female", lang, year=year),
                t("pyramid.table.male", lang, year=year)]
    r0 = _five_year_rows(list(map(float, fem[i0])), list(map(float, mal[i0])))
    r1 = _five_year_rows(list(map(float, fem[i1])), list(map(float, mal[i1])))
    table = [head_row] + [[a, fmt_int(f0, lang), fmt_int(m0, lang), fmt_int(f1, lang),
                           fmt_int(m1, lang)] for (a, f0, m0), (_, f1, m1) in zip(r0, r1)]
    return Chart("pyramid", spec, alt, table, title_text, lang,
                 meta={"year": year, "base_year": y0})


def group_expr(lang: str) -> str:
    """A Vega expression giving the age-group label of `datum.age`."""
    a, b, c, d = (base.expr_string(t(f"age.{g}", lang)) for g in AGE_GROUPS)
    return f"datum.age < 20 ? {a} : datum.age < 67 ? {b} : datum.age < 80 ? {c} : {d}"
