"""Norway map: every kommune coloured by an indicator value.

`values` is {kommune code: value}; `topology` is the kommune TopoJSON (object `Kommuner`,
property `kommunenummer`) as a dict, e.g. `ctx.store.map_content("kommuner")`. Values are put
into at most five classes at rounded quintiles, labelled with locale-formatted numbers; kommuner
without a value stay light grey with a grey outline. The region of the projection (a kommune, or
the kommuner in `highlight`) gets a black outline. Projection: transverse Mercator around 15° E
(UTM zone 33, the usual Norwegian map view).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import FramtidError
from ..i18n import fmt_dec, fmt_int, t
from . import base, geo
from .base import CONTEXT_FILL, CONTEXT_STROKE, SEQUENTIAL, TEXT, Chart

WIDTH, HEIGHT = 480, 600
PROJECTION = {"type": "transverseMercator", "rotate": [-15, 0, 0]}


# --- classes -------------------------------------------------------------------------------
def _round_break(v: float, style: str, digits: int) -> float:
    if style == "pct":
        return round(v * 100, digits) / 100
    if style == "dec":
        return round(v, digits)
    if v == 0:
        return 0.0
    mag = 10 ** max(0, int(math.floor(math.log10(abs(v)))) - 1)
    return float(round(v / mag) * mag)


def class_breaks(values: list[float], style: str, digits: int, n: int = 5) -> list[float]:
    """Rounded quantile breaks strictly inside (min, max); at most n − 1 of them."""
    vals = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if vals.size < 2 or vals.min() == vals.max():
        return []
    raw = np.quantile(vals, [i / n for i in range(1, n)])
    out: list[float] = []
    for b in raw:
        r = _round_break(float(b), style, digits)
        if vals.min() < r <= vals.max() and (not out or r > out[-1]):
            out.append(r)
    return out


def number_and_unit(style: str, digits: int, lang: str):
    """A number formatter without the unit, and the unit suffix (« %» for shares)."""
    if style == "pct":
        unit = "\u00a0%" if lang in ("nb", "nn") else "%"
        return (lambda v: fmt_dec(v * 100, lang, digits)), unit
    if style == "int":
        return (lambda v: fmt_int(v, lang)), ""
    return (lambda v: fmt_dec(v, lang, digits)), ""


def class_labels(breaks: list[float], style: str, digits: int, lang: str) -> list[str]:
    num, unit = number_and_unit(style, digits, lang)
    if not breaks:
        return []
    labels = [f"< {num(breaks[0])}{unit}"]
    for a, b in zip(breaks, breaks[1:]):
        labels.append(f"{num(a)}–{num(b)}{unit}")
    labels.append(f"≥ {num(breaks[-1])}{unit}")
    return labels


def class_of(v: float, breaks: list[float]) -> int:
    k = 0
    while k < len(breaks) and v >= breaks[k]:
        k += 1
    return k


def ramp(k: int) -> list[str]:
    if k <= 1:
        return [SEQUENTIAL[2]]
    idx = [round(i * (len(SEQUENTIAL) - 1) / (k - 1)) for i in range(k)]
    return [SEQUENTIAL[i] for i in idx]


def value_rows(values: dict[str, float], names: dict[str, str], style: str, digits: int,
               lang: str, n_classes: int = 5):
    """Rows for the lookup, the class labels in order and their colours."""
    fmt = base.formatter(style, digits, lang)
    clean = {str(k): float(v) for k, v in values.items()
             if v is not None and math.isfinite(float(v))}
    breaks = class_breaks(list(clean.values()), style, digits, n_classes)
    labels = class_labels(breaks, style, digits, lang)
    if not labels:  # one value only, or all equal
        labels = [fmt(next(iter(clean.values())))] if clean else []
    rows = []
    for code, v in clean.items():
        rows.append({"code": code, "v": v, "label": fmt(v), "nm": names.get(code, code),
                     "cls": labels[class_of(v, breaks)] if breaks else labels[0]})
    return rows, labels, ramp(len(labels))


def geo_data(topo: dict) -> dict:
    return {"values": topo, "format": {"type": "topojson", "feature": geo.object_name(topo)}}


def outline_layers(topo: dict, codes, width: float = 1.8) -> list[dict]:
    """The outer border of a group of kommuner (internal borders left out), black on a white
    halo so that it shows on dark and light fills alike."""
    data = {"values": geo.outline(topo, codes),
            "format": {"type": "topojson", "feature": "Outline"}}
    return [{"data": data,
             "mark": {"type": "geoshape", "filled": False, "fill": None, "stroke": colour,
                      "strokeWidth": w, "strokeJoin": "round", "strokeCap": "round",
                      "clip": True}}
            for colour, w in (("#ffffff", width + 2.4), (TEXT, width))]


def in_codes_expr(codes) -> str:
    codes = sorted(set(codes))
    return f"indexof({_js_list(codes)}, datum.properties.{geo.CODE_PROPERTY}) >= 0"


def _js_list(items) -> str:
    return "[" + ",".join(base.expr_string(str(i)) for i in items) + "]"


def lookup(rows: list[dict]) -> dict:
    return {"lookup": f"properties.{geo.CODE_PROPERTY}",
            "from": {"data": {"values": rows}, "key": "code",
                     "fields": ["v", "label", "nm", "cls"]}}


def colour_encoding(labels: list[str], colours: list[str], title: str, lang: str,
                    orient: str = "bottom-right") -> dict:
    return {"field": "cls", "type": "ordinal",
            "scale": {"domain": labels, "range": colours},
            "legend": {"title": base.wrap(title, 230, 12.5), "orient": orient,
                       "symbolType": "square", "symbolSize": 180, "labelFontSize": 12.5,
                       "fillColor": "#ffffff", "padding": 6}}


def build(projection: dict, lang: str, *, topology: dict | None = None,
          values: dict[str, float] | None = None, indicator: str | None = None,
          year: int | None = None, names: dict[str, str] | None = None,
          highlight: list[str] | None = None, members: list[str] | None = None,
          value_format: tuple[str, int] | None = None, projection_date=None) -> Chart:
    """`highlight` (or `members`, the region's kommuner) get a black outline."""
    if topology is None:
        raise FramtidError("The map needs the kommune TopoJSON (topology=...).")
    if not values:
        raise FramtidError("The map needs values per kommune (values={code: value}).")
    topo = geo.prepare(topology)
    year = base.target_year(projection, year)
    name = base.region_name(projection, lang)
    topo_names = geo.names(topo)
    all_names = {**topo_names, **(names or {})}
    style, digits = value_format or base.indicator_format(indicator, list(values.values()))
    label = base.indicator_label(indicator, lang)
    rows, labels, colours = value_rows(values, all_names, style, digits, lang)
    if not rows:
        raise FramtidError("The map got no finite values.")

    region = projection.get("region", {})
    if highlight is None and members:
        highlight = list(members)
    if highlight is None and region.get("level") == "kommune":
        highlight = [region.get("code")]
    highlight = [c for c in (highlight or []) if c in topo_names]

    title_text = t("map.title", lang, indicator=label, year=year)
    sub = (t("map.subtitle.highlight", lang, region=name) if highlight and
           len(highlight) < len(topo_names)
           else t("map.subtitle", lang))
    pdate = base.resolve_date(projection, projection_date)
    title = base.title_block(title_text, sub, lang, pdate, WIDTH)

    ordered = sorted(rows, key=lambda r: r["v"])
    lo, hi = ordered[0], ordered[-1]
    fmt = base.formatter(style, digits, lang)
    median = float(np.median([r["v"] for r in rows]))
    own = ""
    own_codes = [r for r in rows if r["code"] in highlight]
    if len(own_codes) == 1:
        own = t("map.alt.own", lang, region=own_codes[0]["nm"], value=own_codes[0]["label"])
    alt = t("map.alt", lang, count=fmt_int(len(rows), lang), indicator=base.lower_first(label),
            year=year, min=lo["label"], min_name=lo["nm"], max=hi["label"], max_name=hi["nm"],
            median=fmt(median), own=own)

    spec = base.shell("map", lang, title=title, alt=alt, width=WIDTH, height=HEIGHT)
    spec["data"] = geo_data(topo)
    spec["projection"] = dict(PROJECTION)
    kname = t("table.kommune", lang)
    layers = [
        {"transform": [{"calculate": base.expr_string(t("map.no_data", lang)),
                        "as": "nodata"}],
         "mark": {"type": "geoshape", "fill": CONTEXT_FILL, "stroke": CONTEXT_STROKE,
                  "strokeWidth": 0.3},
         "encoding": {"tooltip": [
             {"field": "properties.kommunenavn", "type": "nominal", "title": kname},
             {"field": "nodata", "type": "nominal", "title": label}]}},
        {"transform": [lookup(rows), {"filter": "isValid(datum.cls)"}],
         "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.3},
         "encoding": {"color": colour_encoding(labels, colours, label, lang),
                      "tooltip": [{"field": "nm", "type": "nominal", "title": kname},
                                  {"field": "label", "type": "nominal", "title": label}]}},
    ]
    if highlight and len(highlight) < len(topo_names):
        layers.extend(outline_layers(topo, highlight))
    spec["layer"] = layers

    table = [[kname, label]]
    for r in sorted(rows, key=lambda r: r["nm"].casefold()):
        table.append([r["nm"], r["label"]])
    return Chart("map", spec, alt, table, title_text, lang,
                 meta={"year": year, "indicator": indicator, "classes": labels})
