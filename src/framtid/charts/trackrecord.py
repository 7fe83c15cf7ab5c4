"""«How accurate have the projections been?»: mean error by horizon, SSB's rounds against framtid
from the same base (model/trackrecord.py). Not a projection of a region: it takes the track-record
result instead. Two lines, apart by colour and dash.
"""

from __future__ import annotations

from collections import defaultdict

from ..i18n import fmt_dec, t
from . import base
from .base import SERIES_COLOURS, SERIES_DASHES, Chart

WIDTH, HEIGHT = 640, 360


def by_horizon(result: dict) -> list[dict]:
    """[{horizon, rounds, ssb, framtid}] mean total MAPE over the rounds with that horizon."""
    acc: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for r in result.get("rows", []):
        acc[int(r["horizon"])].append((float(r["mape_total_ssb"]),
                                       float(r["mape_total_framtid"])))
    return [{"horizon": h, "rounds": len(v), "ssb": sum(a for a, _ in v) / len(v),
             "framtid": sum(b for _, b in v) / len(v)} for h, v in sorted(acc.items())]


def build(result: dict, lang: str, projection_date=None) -> Chart:
    rows_h = by_horizon(result)
    labels = [t("trackrecord.ssb", lang), t("trackrecord.framtid", lang)]
    rows = []
    for r in rows_h:
        for label, key in zip(labels, ("ssb", "framtid")):
            rows.append({"horizon": r["horizon"], "series": label, "v": round(r[key], 3),
                         "label": fmt_dec(r[key], lang, 1)})
    summary = result.get("summary") or {}
    alt = t("trackrecord.alt", lang, rounds=len(result.get("rounds", [])),
            ssb=fmt_dec(summary.get("mean_mape_total_ssb") or 0, lang, 1),
            framtid=fmt_dec(summary.get("mean_mape_total_framtid") or 0, lang, 1),
            wins=summary.get("framtid_better_total", 0), n=summary.get("n_rows", 0))
    title_text = t("trackrecord.title", lang)
    pdate = base.resolve_date({}, projection_date)
    title = base.title_block(title_text, t("trackrecord.subtitle", lang), lang, pdate, WIDTH)
    spec = base.shell("trackrecord", lang, title=title, alt=alt, width=WIDTH, height=HEIGHT)
    x = {"field": "horizon", "type": "quantitative",
         "axis": {"title": t("trackrecord.axis_x", lang), "format": "d", "tickMinStep": 1,
                  "grid": False}}
    y = {"field": "v", "type": "quantitative", "scale": {"zero": True},
         "axis": {"title": t("trackrecord.axis_y", lang), "format": ",.0f", "tickCount": 6}}
    colour = {"field": "series", "type": "nominal",
              "scale": {"domain": labels, "range": list(SERIES_COLOURS[:2])},
              "legend": {"title": None, "orient": "top", "direction": "horizontal",
                         "symbolType": "stroke", "symbolStrokeWidth": 3, "symbolSize": 300,
                         "labelFontSize": 13}}
    dash = {"field": "series", "type": "nominal",
            "scale": {"domain": labels, "range": [list(d) for d in SERIES_DASHES[:2]]},
            "legend": None}
    spec["data"] = {"values": rows}
    spec["layer"] = [
        {"mark": {"type": "line", "strokeWidth": 3},
         "encoding": {"x": x, "y": y, "color": colour, "strokeDash": dash}},
        {"mark": {"type": "point", "filled": True, "size": 60},
         "encoding": {"x": x, "y": y, "color": colour, "shape": {"field": "series",
                                                                "legend": None},
                      "tooltip": [{"field": "horizon", "title": t("trackrecord.axis_x", lang)},
                                  {"field": "series", "title": " "},
                                  {"field": "label", "title": t("trackrecord.axis_y", lang)}]}},
    ]
    table = [[t("trackrecord.axis_x", lang), t("trackrecord.col_rounds", lang), *labels]]
    for r in rows_h:
        table.append([str(r["horizon"]), str(r["rounds"]), fmt_dec(r["ssb"], lang, 1),
                      fmt_dec(r["framtid"], lang, 1)])
    return Chart("trackrecord", spec, alt, table, title_text, lang,
                 meta={"rounds": result.get("rounds", [])})
