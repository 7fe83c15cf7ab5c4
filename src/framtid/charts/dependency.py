"""Aldersbæreevne (persons 20–66 per person 67+) over time: the region against comparisons.

`series` adds comparison lines, {label: values over the projection's years} (for instance Norway
and the BA-region). Lines differ by colour and by dash, so they stay apart in grey print too.
"""

from __future__ import annotations

import math

from ..i18n import fmt_dec, fmt_list, t
from . import base
from .base import SERIES_COLOURS, SERIES_DASHES, Chart
from .fan import year_ticks

WIDTH, HEIGHT = 640, 400
INDICATOR = "aldersbaereevne_67"


def _own_series(projection: dict) -> list[float]:
    ind = projection.get("indicators") or {}
    if INDICATOR in ind:
        return list(map(float, ind[INDICATOR]))
    groups = base.age_group_series(projection)
    return [w / (a + b) if (a + b) > 0 else math.nan
            for w, a, b in zip(groups["20-66"], groups["67-79"], groups["80+"])]


def build(projection: dict, lang: str, *, series: dict[str, list[float]] | None = None,
          year: int | None = None, projection_date=None) -> Chart:
    ys = base.years(projection)
    y0 = base.base_year(projection)
    year = base.target_year(projection, year)
    name = base.region_name(projection, lang)
    all_series: dict[str, list[float]] = {name: _own_series(projection)}
    for label, values in (series or {}).items():
        if label == name:
            label = f"{label} "
        all_series[str(label)] = [float(v) if v is not None else math.nan for v in values]
    labels = list(all_series)[:len(SERIES_COLOURS)]

    rows = []
    for label in labels:
        for y, v in zip(ys, all_series[label]):
            if v is not None and math.isfinite(v):
                rows.append({"year": y, "series": label, "v": round(v, 3),
                             "label": fmt_dec(v, lang, 1)})

    def value(label: str, y: int) -> float | None:
        vals = all_series[label]
        i = ys.index(y)
        return vals[i] if i < len(vals) and math.isfinite(vals[i]) else None

    own0, own1 = value(name, y0), value(name, year)
    items = [t("dependency.alt.item", lang, value=fmt_dec(value(lb, year), lang, 1), label=lb)
             for lb in labels[1:] if value(lb, year) is not None]
    comparison = t("dependency.alt.comparison", lang, list=fmt_list(items, lang)) if items else ""
    alt = t("dependency.alt", lang, region=name, base_year=y0, year=year,
            v_base=fmt_dec(own0, lang, 1), v_year=fmt_dec(own1, lang, 1), comparison=comparison)

    title_text = t("dependency.title", lang, region=name)
    pdate = base.resolve_date(projection, projection_date)
    title = base.title_block(title_text, t("dependency.subtitle", lang), lang, pdate, WIDTH)
    spec = base.shell("dependency", lang, title=title, alt=alt, width=WIDTH, height=HEIGHT)
    x = {"field": "year", "type": "quantitative",
         "scale": {"domain": [ys[0], ys[-1]], "nice": False, "zero": False},
         "axis": {"title": None, "format": "d", "values": year_ticks(ys), "grid": False}}
    colour = {"field": "series", "type": "nominal",
              "scale": {"domain": labels, "range": list(SERIES_COLOURS[:len(labels)])},
              "legend": {"title": None, "orient": "top", "direction": "horizontal",
                         "symbolType": "stroke", "symbolStrokeWidth": 3, "symbolSize": 300,
                         "labelFontSize": 13}}
    dash = {"field": "series", "type": "nominal",
            "scale": {"domain": labels, "range": [list(d) for d in SERIES_DASHES[:len(labels)]]},
            "legend": None}
    width_enc = {"condition": {"test": f"datum.series == {base.expr_string(name)}",
                               "value": 3.5}, "value": 2.2}
    marks = [
        {"mark": {"type": "rule", "color": base.CONTEXT_STROKE, "strokeDash": [3, 3],
                  "strokeWidth": 1},
         "data": {"values": [{"year": year}]},
         "encoding": {"x": x}},
        {"mark": {"type": "line", "interpolate": "monotone"},
         "encoding": {"x": x,
                      "y": {"field": "v", "type": "quantitative",
                            "scale": {"zero": False, "nice": True},
                            "axis": {"title": t("dependency.axis", lang), "format": ",.1f",
                                     "tickCount": 6}},
                      "color": colour, "strokeDash": dash, "strokeWidth": width_enc}},
        {"mark": {"type": "point", "filled": True, "size": 80, "opacity": 1,
                  "stroke": "#ffffff", "strokeWidth": 1.5},
         "transform": [{"filter": f"datum.series == {base.expr_string(name)} && "
                                  f"(datum.year == {y0} || datum.year == {year})"}],
         "encoding": {"x": x, "y": {"field": "v", "type": "quantitative"},
                      "color": colour}},
        *[{"mark": {"type": "text", "dy": -15, "fontSize": 14, "fontWeight": "bold",
                    "align": "left" if y == y0 else "center", **halo},
           "transform": [{"filter": f"datum.series == {base.expr_string(name)} && "
                                    f"datum.year == {y}"}],
           "encoding": {"x": x, "y": {"field": "v", "type": "quantitative"},
                        "text": {"field": "label"},
                        **({} if halo else {"color": colour})}}
          for y in (y0, year)
          for halo in ({"color": "#ffffff", "stroke": "#ffffff", "strokeWidth": 4,
                        "strokeJoin": "round"}, {})],
        {"mark": {"type": "rule", "color": "transparent", "strokeWidth": 10},
         "transform": [{"pivot": "series", "value": "label", "groupby": ["year"]}],
         "encoding": {"x": x, "tooltip": [{"field": "year", "type": "quantitative",
                                           "format": "d", "title": t("axis.year", lang)}]
                      + [{"field": lb, "type": "nominal", "title": lb} for lb in labels]}},
    ]
    spec["data"] = {"values": rows}
    spec["layer"] = marks

    table = [[t("table.year", lang), *labels]]
    for y in ys:
        table.append([str(y)] + [fmt_dec(value(lb, y), lang, 1) if value(lb, y) is not None
                                 else "–" for lb in labels])
    return Chart("dependency", spec, alt, table, title_text, lang,
                 meta={"year": year, "series": labels})
