"""Chart payloads for pages: a Vega-Lite spec plus everything that makes it accessible without
JavaScript (title, text alternative, data table) and the source line.

Story charts come from framtid.charts (through the story module); this file builds the few the
web app needs on its own: the national map, line charts over years (history and scenarios).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from .. import display
from . import i18n
from .services import INDICATOR_KIND

_ids = itertools.count(1)

# Colours with at least 3:1 contrast against white for lines and marks (WCAG 1.4.11).
PALETTE = ["#1f4e79", "#b8420f", "#2e7d32", "#6a3d9a", "#8a6d00"]
MAP_SCHEME = "blues"


@dataclass
class ChartPayload:
    id: str
    kind: str
    title: str
    alt: str
    spec: dict
    table: dict                      # {"caption", "columns", "rows"}; rows[i][0] is a row header
    source: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)
    subtitle: str = ""               # what bands, outlines and lines mean (shown under the title)
    # Pages that are not kept (a lever combination, a comparison): the chart's own image for
    # browsers without JavaScript, in <noscript>, instead of an SVG drawn into every page.
    static_url: str = ""

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "title": self.title, "alt": self.alt,
                "spec": self.spec, "table": self.table, "source": self.source, "note": self.note,
                "subtitle": self.subtitle}


def new_id(kind: str) -> str:
    return f"ch-{kind}-{next(_ids)}"


def _base(spec: dict, title: str, alt: str, lang: str) -> dict:
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", **spec}
    spec["description"] = alt
    spec.setdefault("width", "container")
    spec.setdefault("config", {})
    spec["config"].update({
        "font": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
                "sans-serif",
        "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#222",
                 "titleColor": "#222", "gridColor": "#e4e4e4"},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom",
                   "labelColor": "#222", "titleColor": "#222", "labelLimit": 260},
        "view": {"stroke": None},
        "background": "white",
    })
    return spec


def line_chart(series: list[dict], *, title: str, alt: str, y_title: str, indicator: str,
               lang: str, base_year: int | None = None, table_caption: str = "",
               x_title: str = "", height: int = 260, projected: bool = False,
               band: dict | None = None, subtitle: str = "") -> ChartPayload:
    """Lines over years. series: [{"name", "years", "values", "dash": bool}]. `projected`:
    a line is framtid's projection, so the source line credits it (never as SSB's)."""
    kind = INDICATOR_KIND.get(indicator, indicator if indicator == "index" else "number")
    rows = []
    for s in series:
        for y, v in zip(s["years"], s["values"]):
            if v is None:
                continue
            rows.append({"year": int(y), "value": float(v), "series": s["name"],
                         "p": bool(s.get("projected")) and (base_year is None or y > base_year)})
    y_format = {"count": ",.0f", "share": ".0%", "ratio": ",.1f", "age": ",.0f",
                "index": ",.0f"}.get(kind, ",.1f")
    tooltip_format = {"count": ",.0f", "share": ".1%", "ratio": ",.2f", "age": ",.1f"}.get(
        kind, ",.1f")
    names = [s["name"] for s in series]
    dashed = [s["name"] for s in series if s.get("dash")]
    enc = {
        "x": {"field": "year", "type": "quantitative", "title": x_title or None,
              "axis": {"format": "d", "tickMinStep": 5, "labelOverlap": True},
              "scale": {"nice": False, "zero": False}},
        "y": {"field": "value", "type": "quantitative", "title": None,
              "axis": {"format": y_format}, "scale": {"zero": False}},
        "tooltip": [{"field": "series", "type": "nominal", "title": " "},
                    {"field": "year", "type": "quantitative", "format": "d", "title": " "},
                    {"field": "shown", "type": "quantitative", "format": tooltip_format,
                     "title": y_title}],
    }
    if len(names) > 1:
        legend = {"orient": "bottom", "direction": "vertical", "title": None,
                  "symbolStrokeWidth": 2.5, "symbolSize": 300, "symbolType": "stroke"}
        enc["color"] = {"field": "series", "type": "nominal", "legend": legend,
                        "scale": {"domain": names, "range": PALETTE[:len(names)]}}
        enc["strokeDash"] = {"field": "series", "type": "nominal", "legend": legend,
                             "scale": {"domain": names, "range": [
                                 [6, 4] if n in dashed else [1, 0] for n in names]}}
    else:
        enc["color"] = {"value": PALETTE[0]}
    # Tooltips show a projected count as everywhere else (framtid.display), the line stays smooth.
    shown = display.vega_round("datum.value") if kind == "count" else "datum.value"
    layers = [{"transform": [{"calculate": f"datum.p ? {shown} : datum.value", "as": "shown"}],
               "mark": {"type": "line", "strokeWidth": 2.5}, "encoding": enc}]
    if band is not None:    # the uncertainty band under the lines
        band_rows = [{"year": int(y), "lo": float(a), "hi": float(b)}
                     for y, a, b in zip(band["years"], band["lo"], band["hi"])
                     if a is not None and b is not None]
        layers.insert(0, {"data": {"values": band_rows},
                          "mark": {"type": "area", "color": "#9cc3e6", "opacity": 0.55},
                          "encoding": {"x": {"field": "year", "type": "quantitative"},
                                       "y": {"field": "lo", "type": "quantitative"},
                                       "y2": {"field": "hi"}}})
    if base_year is not None:
        layers.append({"data": {"values": [{"year": base_year}]},
                       "mark": {"type": "rule", "color": "#666", "strokeDash": [2, 2]},
                       "encoding": {"x": {"field": "year", "type": "quantitative"}}})
    spec = _base({"data": {"values": rows}, "height": height, "layer": layers}, title, alt, lang)
    # The table: one row per year, one column per series.
    years = sorted({r["year"] for r in rows})
    by = {(r["series"], r["year"]): r["value"] for r in rows}
    proj = {s["name"] for s in series if s.get("projected")}
    table_rows = [[str(y)] + [i18n.fmt_value(by.get((n, y)), kind, lang,
                                             projected=n in proj and (base_year is None or
                                                                      y > base_year))
                              for n in names] for y in years]
    table = {"caption": table_caption or title,
             "columns": [i18n.t("chart.year", lang)] + names, "rows": table_rows}
    return ChartPayload(new_id("line"), "line", title, alt, spec, table,
                        source=i18n.t("site.source_projection" if projected else "site.source",
                                      lang), subtitle=subtitle)


def map_chart(values: dict[str, float | None], names: dict[str, str], *, indicator: str,
              year: int, lang: str, topo_url: str, title: str, alt: str,
              table_caption: str, height: int = 620, projected: bool = False) -> ChartPayload:
    """Kommuner coloured by an indicator; the borders come from `topo_url` (same origin).
    `projected`: the values come from framtid's projection (a year after the last registered)."""
    kind = "share" if indicator == "population_change" else INDICATOR_KIND.get(indicator,
                                                                               "number")
    rows = [{"code": c, "name": names.get(c, c), "value": v} for c, v in values.items()
            if v is not None]
    legend_format = {"count": ",.0f", "share": ".0%", "ratio": ",.1f", "age": ",.0f"}.get(
        kind, ",.1f")
    tip_format = {"count": ",.0f", "share": ".1%", "ratio": ",.2f", "age": ",.1f"}.get(
        kind, ",.1f")
    label = i18n.t(f"ind.{indicator}", lang)
    scheme = {"scheme": "redblue", "domainMid": 0} if indicator == "population_change" else {
        "scheme": MAP_SCHEME}
    spec = _base({
        "height": height,
        "data": {"url": topo_url, "format": {"type": "topojson", "feature": "Kommuner"}},
        "transform": [{"lookup": "properties.kommunenummer",
                       "from": {"data": {"values": rows}, "key": "code",
                                "fields": ["name", "value"]}}],
        "projection": {"type": "transverseMercator", "rotate": [-15, 0, 0]},
        "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.3},
        "encoding": {
            "color": {"field": "value", "type": "quantitative", "title": label,
                      "scale": {**scheme, "type": "quantile" if indicator == "population"
                                else "linear"},
                      "legend": {"format": legend_format, "orient": "top-left",
                                 "direction": "vertical", "gradientLength": 180,
                                 "titleLimit": 1000, "titleFontSize": 13,
                                 "labelFontSize": 12, "padding": 6,
                                 "fillColor": "rgba(255,255,255,0.85)"}},
            "tooltip": [{"field": "name", "type": "nominal", "title": " "},
                        {"field": "value", "type": "quantitative", "format": tip_format,
                         "title": label}],
        },
    }, title, alt, lang)
    ranked = sorted(rows, key=lambda r: (-r["value"], r["name"]))
    table_rows = [[r["name"], i18n.fmt_value(r["value"], kind, lang), r["code"]]
                  for r in ranked]
    table = {"caption": table_caption,
             "columns": [i18n.t("chart.kommune", lang), label, i18n.t("chart.code", lang)],
             "rows": table_rows, "links": [r["code"] for r in ranked]}
    return ChartPayload(new_id("map"), "map", title, alt, spec, table,
                        source=i18n.t("site.source_projection" if projected else "site.source",
                                      lang))


def from_story(chart: dict, lang: str, kind: str = "story") -> ChartPayload:
    """A chart built by framtid.charts (directly or through the story): spec, alt, table, title
    and an optional note (the fan chart's comparison with SSB). The title is shown as the
    figure's heading, so it is taken out of the spec. These charts show framtid's projection:
    the source line credits it as ours, on SSB's data."""
    spec = dict(chart.get("spec") or chart.get("chart") or {})
    title = spec.pop("title", None)
    table = normalise_table(chart.get("table"), chart.get("title", ""), lang)
    return ChartPayload(new_id(kind), kind, chart.get("title", ""), chart.get("alt", ""), spec,
                        table, source=i18n.t("site.source_projection", lang),
                        note=chart.get("note") or "", subtitle=subtitle_of(title, lang))


def subtitle_of(title, lang: str) -> str:
    """The explanatory subtitle of a framtid.charts title block (what the bands, the outline
    and the lines mean) as one line of text, without the source lines (the figure's caption
    carries those)."""
    if not isinstance(title, dict):
        return ""
    lines = title.get("subtitle") or []
    lines = [lines] if isinstance(lines, str) else list(lines)
    from .. import i18n as core

    stops = tuple(core.t(k, lang).split("{")[0].strip() for k in ("source.attribution",
                                                                     "source.projection"))
    keep = []
    for line in lines:
        if any(stop and line.startswith(stop) for stop in stops):
            break
        keep.append(line)
    return " ".join(" ".join(keep).split())


def from_chart(chart, lang: str) -> ChartPayload:
    """A framtid.charts.Chart."""
    return from_story({"spec": chart.spec, "alt": chart.alt, "table": chart.table,
                       "title": chart.title, "note": chart.meta.get("ssb_note")}, lang,
                      chart.kind)


def normalise_table(table, caption: str, lang: str) -> dict:
    """Tables as {"caption", "columns", "rows"} of strings. framtid.charts gives a list of rows
    whose first row holds the headers."""
    if table is None:
        return {"caption": caption, "columns": [], "rows": []}
    if isinstance(table, dict) and "rows" in table:
        cols = [str(c) for c in table.get("columns", [])]
        return {"caption": table.get("caption", caption), "columns": cols,
                "rows": [[_cell(v, lang) for v in row] for row in table["rows"]]}
    if isinstance(table, list) and table and isinstance(table[0], (list, tuple)):
        return {"caption": caption, "columns": [str(c) for c in table[0]],
                "rows": [[_cell(v, lang) for v in row] for row in table[1:]]}
    if isinstance(table, list) and table and isinstance(table[0], dict):
        cols = list(table[0].keys())
        return {"caption": caption, "columns": [str(c) for c in cols],
                "rows": [[_cell(r.get(c), lang) for c in cols] for r in table]}
    if hasattr(table, "to_dict"):  # a DataFrame
        cols = [str(c) for c in table.columns]
        return {"caption": caption, "columns": cols,
                "rows": [[_cell(v, lang) for v in row] for row in table.itertuples(index=False)]}
    return {"caption": caption, "columns": [], "rows": []}


def _cell(v, lang: str) -> str:
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    if isinstance(v, int):
        return str(v) if 1900 <= v <= 2200 else i18n.fmt_int(v, lang)
    if isinstance(v, float):
        return i18n.fmt_dec(v, lang, 1) if abs(v) < 100 else i18n.fmt_int(v, lang)
    return str(v)
