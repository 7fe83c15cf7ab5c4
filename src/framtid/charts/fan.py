"""Fan charts: total population and persons 80+: the main projection's line with the 80 % and
95 % bands of the simulated futures around it.

The line is the deterministic main projection, the one figure every page shows (cards, story,
pyramid, simulator: docs/method.md, «One number, one value»); the bands come from
`projection["quantiles"]` (p2_5, p10, p90, p97_5); without quantiles the chart says that
uncertainty was not computed. The tinted
bands are decorative: their edges are drawn as thin lines in the series colour (3:1 or more),
and the table carries every number.

SSB's own main alternative (`projection["official"]`, MMMM of the latest round held) is drawn
beside ours as a dark grey dashed line (4:1 or more on white and on both band tints), named in
the legend and the table, and compared in one sentence (`meta["ssb_note"]`): SSB's figure in the
target year, ours, and, when SSB's figure lies outside our 80 % interval, the age group with the
largest difference (ours − SSB) and the component that mostly drives it. SSB's 80+ line is
80-89 + 90+ where SSB gives age groups.
"""

from __future__ import annotations

from ..i18n import fmt_approx, fmt_int, fmt_pct, t
from . import base
from .base import Chart

PANEL_W, PANEL_H = 330, 260
COLOURS = {"total": "#0072B2", "80+": "#882255"}
TINTS = {"total": ("#cfe3f1", "#9cc5e2"), "80+": ("#ecd2de", "#d4a3bb")}
QKEYS = ("p2_5", "p10", "p50", "p90", "p97_5")
SSB_COLOUR = "#4d4d4d"     # 8.5:1 on white, ≥ 3.9:1 on the band tints
SSB_DASH = [7, 4]
# Which component mostly drives an SSB age group in 2040 (born after the base year → births;
# working ages → migration; the old → mortality). Documented in docs/method.md.
COMPONENT = {"0": "fertility", "1-5": "fertility", "6-12": "fertility", "13-15": "fertility",
             "16-19": "migration", "20-44": "migration", "45-66": "migration",
             "20-66": "migration", "67-79": "mortality", "80-89": "mortality",
             "90+": "mortality"}
GROUP_AGES = {"0": (0, 0), "1-5": (1, 5), "6-12": (6, 12), "13-15": (13, 15),
              "16-19": (16, 19), "20-44": (20, 44), "45-66": (45, 66), "20-66": (20, 66),
              "67-79": (67, 79), "80-89": (80, 89), "90+": (90, 105)}


def ssb_main(projection: dict) -> dict | None:
    """SSB's main alternative as {"round", "years", "total", "80+" (or None), "age_groups"}."""
    off = projection.get("official") or {}
    main = (off.get("alternatives") or {}).get("MMMM")
    if not main or not main.get("years"):
        return None
    groups = main.get("age_groups") or {}
    old = ([float(a) + float(b) for a, b in zip(groups["80-89"], groups["90+"])]
           if "80-89" in groups and "90+" in groups else None)
    return {"round": int(off["round"]), "years": [int(y) for y in main["years"]],
            "total": [float(v) for v in main["total"]], "80+": old, "age_groups": groups}


def _ssb_at(ssb: dict, key: str, year: int) -> float | None:
    values = ssb.get(key)
    if values is None or year not in ssb["years"]:
        return None
    return float(values[ssb["years"].index(year)])


def _our_groups(projection: dict, year: int) -> dict[str, float]:
    by_age = projection["by_age"]
    i = base.years(projection).index(year)
    both = [float(f) + float(m) for f, m in zip(by_age["female"][i], by_age["male"][i])]
    return {g: sum(both[lo:hi + 1]) for g, (lo, hi) in GROUP_AGES.items()}


def ssb_note(projection: dict, lang: str, year: int | None = None) -> str:
    """One sentence comparing SSB's main alternative with ours in `year` (default 2040), plus
    why where SSB's figure lies outside our 80 % interval; or that SSB has no figure."""
    year = base.target_year(projection, year)
    name = base.region_name(projection, lang)
    ssb = ssb_main(projection)
    theirs = _ssb_at(ssb, "total", year) if ssb else None
    if theirs is None:
        return t("fan.ssb.none", lang, region=name)
    q = _quantiles(projection, "total")
    i = base.years(projection).index(year)
    ours = _series(projection, "total")[i]
    text = t("fan.ssb.compare", lang, round=ssb["round"], year=year,
             ssb=fmt_approx(theirs, lang), ours=fmt_approx(ours, lang))
    if q is None or q["p10"][i] <= theirs <= q["p90"][i]:
        return text
    fmt = {"p80": fmt_pct(0.8, lang), "lo": fmt_approx(q["p10"][i], lang),
           "hi": fmt_approx(q["p90"][i], lang)}
    groups = {g: _ssb_at({"years": ssb["years"], **{g: v}}, g, year)
              for g, v in ssb["age_groups"].items()}
    groups = {g: v for g, v in groups.items() if v is not None and g in GROUP_AGES}
    if not groups:
        return f"{text} {t('fan.ssb.outside.total', lang, **fmt)}"
    mine = _our_groups(projection, year)
    diff = {g: mine[g] - v for g, v in groups.items()}
    g = max(diff, key=lambda k: abs(diff[k]))
    why = t("fan.ssb.outside.groups", lang, **fmt, group=g.replace("-", "–"),
            diff=fmt_int(abs(diff[g]), lang),
            direction=t("fan.ssb.more" if diff[g] > 0 else "fan.ssb.fewer", lang),
            component=t(f"fan.ssb.component.{COMPONENT[g]}", lang))
    return f"{text} {why}"


def _num(x: float, year: int, ys: list[int], lang: str) -> str:
    """A count as every page writes it: exact in the base year, projected after it
    (framtid.display: one value per quantity)."""
    from ..display import text

    return text(x, "count", lang, projected=year != ys[0])


def _series(projection: dict, key: str) -> list[float]:
    if key == "total":
        return list(map(float, projection["total"]))
    groups = projection.get("age_groups") or {}
    if key in groups:
        return list(map(float, groups[key]))
    return base.age_group_series(projection)["80+"]


def _quantiles(projection: dict, key: str) -> dict[str, list[float]] | None:
    q = projection.get("quantiles") or {}
    if not all(k in q and key in q[k] for k in QKEYS):
        return None
    return {k: list(map(float, q[k][key])) for k in QKEYS}


def year_ticks(ys: list[int]) -> list[int]:
    """The first year and every fifth year after it (2026, 2030, 2035, ...)."""
    return sorted({ys[0], *[y for y in ys if y % 5 == 0 and y - ys[0] >= 3]})


def _panel(projection: dict, key: str, lang: str, label: str, year: int,
           legend: bool = False) -> dict:
    ys = base.years(projection)
    main = _series(projection, key)
    q = _quantiles(projection, key)
    colour = COLOURS[key]
    light, dark = TINTS[key]
    ssb = ssb_main(projection)
    ssb_values = {y: _ssb_at(ssb, key, y) for y in ys} if ssb else {}
    has_ssb = any(v is not None for v in ssb_values.values())
    rows = []
    for i, y in enumerate(ys):
        mid = main[i]
        row = {"year": y, "mid": round(mid, 1), "mid_label": _num(mid, y, ys, lang)}
        if ssb_values.get(y) is not None:
            row["ssb"] = ssb_values[y]
            row["ssb_label"] = fmt_int(ssb_values[y], lang)
        if q:
            row.update({k: round(q[k][i], 1) for k in ("p2_5", "p10", "p90", "p97_5")})
            row["r80"] = f"{_num(q['p10'][i], y, ys, lang)}–{_num(q['p90'][i], y, ys, lang)}"
            row["r95"] = (f"{_num(q['p2_5'][i], y, ys, lang)}–"
                          f"{_num(q['p97_5'][i], y, ys, lang)}")
        rows.append(row)
    x = {"field": "year", "type": "quantitative",
         "scale": {"domain": [ys[0], ys[-1]], "nice": False, "zero": False},
         "axis": {"title": None, "format": "d", "values": year_ticks(ys),
                  "grid": False}}
    y_scale = {"zero": False, "nice": True}
    y_axis = {"title": None, "format": ",.0f", "tickCount": 5}
    layers = []
    if q:
        layers += [
            {"mark": {"type": "area", "color": light, "opacity": 1},
             "encoding": {"x": x, "y": {"field": "p2_5", "type": "quantitative",
                                        "scale": y_scale, "axis": y_axis},
                          "y2": {"field": "p97_5"}}},
            {"mark": {"type": "area", "color": dark, "opacity": 1},
             "encoding": {"x": x, "y": {"field": "p10", "type": "quantitative"},
                          "y2": {"field": "p90"}}},
        ]
        for field, dash in (("p2_5", [2, 2]), ("p97_5", [2, 2]), ("p10", [1, 0]),
                            ("p90", [1, 0])):
            layers.append({"mark": {"type": "line", "color": colour, "strokeWidth": 0.8,
                                    "strokeDash": dash, "opacity": 0.9},
                           "encoding": {"x": x, "y": {"field": field,
                                                      "type": "quantitative"}}})
    main_line = {"mark": {"type": "line", "color": colour, "strokeWidth": 2.5},
                 "encoding": {"x": x, "y": {"field": "mid", "type": "quantitative",
                                            "scale": y_scale, "axis": y_axis, "title": None}}}
    layers.append(main_line)
    if has_ssb:
        ours_label = t("fan.legend.ours" if q else "fan.legend.ours.noq", lang)
        ssb_label = t("fan.legend.ssb", lang, round=ssb["round"])
        names = [ours_label, ssb_label]
        leg = ({"orient": "bottom", "direction": "vertical", "title": None,
                "symbolType": "stroke", "symbolStrokeWidth": 2.5, "symbolSize": 400,
                "labelLimit": 320} if legend else None)
        colour_scale = {"domain": names, "range": [colour, SSB_COLOUR]}
        dash_scale = {"domain": names, "range": [[1, 0], SSB_DASH]}
        del main_line["mark"]["color"]
        main_line["encoding"].update(
            color={"datum": ours_label, "scale": colour_scale, "legend": leg},
            strokeDash={"datum": ours_label, "scale": dash_scale, "legend": leg})
        layers.append({"transform": [{"filter": "isValid(datum.ssb)"}],
                       "mark": {"type": "line", "strokeWidth": 2.2},
                       "encoding": {"x": x, "y": {"field": "ssb", "type": "quantitative"},
                                    "color": {"datum": ssb_label, "scale": colour_scale,
                                              "legend": leg},
                                    "strokeDash": {"datum": ssb_label, "scale": dash_scale,
                                                   "legend": leg}}})
    # The value in the target year, marked and labelled.
    i = ys.index(year)
    mid = rows[i]["mid"]
    point = {"year": year, "mid": mid, "label": f"{year}: {fmt_approx(mid, lang)}"}
    layers.append({"data": {"values": [point]},
                   "mark": {"type": "point", "filled": True, "color": colour, "size": 70,
                            "opacity": 1, "stroke": "#ffffff", "strokeWidth": 1.5},
                   "encoding": {"x": x, "y": {"field": "mid", "type": "quantitative"}}})
    text = {"type": "text", "align": "right", "dx": -9, "dy": -13, "fontSize": 13,
            "fontWeight": "bold"}
    for extra in ({"color": "#ffffff", "stroke": "#ffffff", "strokeWidth": 4,
                   "strokeJoin": "round"}, {"color": colour}):
        layers.append({"data": {"values": [point]}, "mark": {**text, **extra},
                       "encoding": {"x": x, "y": {"field": "mid", "type": "quantitative"},
                                    "text": {"field": "label"}}})
    tooltip = [{"field": "year", "type": "quantitative", "title": t("axis.year", lang),
                "format": "d"},
               {"field": "mid_label", "type": "nominal", "title": label}]
    if q:
        for field, p in (("r80", 0.8), ("r95", 0.95)):
            tooltip.append({"field": field, "type": "nominal",
                            "title": t("fan.table.interval", lang, label=label,
                                       pct=fmt_pct(p, lang))})
    if has_ssb:
        tooltip.append({"field": "ssb_label", "type": "nominal",
                        "title": t("fan.legend.ssb", lang, round=ssb["round"])})
    layers.append({"mark": {"type": "rule", "color": "transparent", "strokeWidth": 8},
                   "encoding": {"x": x, "tooltip": tooltip}})
    return {"width": PANEL_W, "height": PANEL_H, "data": {"values": rows},
            "title": {"text": label, "fontSize": 14, "anchor": "start",
                      "color": base.TEXT, "fontWeight": "bold"},
            "layer": layers}


def build(projection: dict, lang: str, *, year: int | None = None, projection_date=None) -> Chart:
    ys = base.years(projection)
    y0 = base.base_year(projection)
    year = base.target_year(projection, year)
    name = base.region_name(projection, lang)
    has_q = _quantiles(projection, "total") is not None and \
        _quantiles(projection, "80+") is not None
    title_text = t("fan.title", lang, region=name)
    sub = (t("fan.subtitle", lang, p80=fmt_pct(0.8, lang), p95=fmt_pct(0.95, lang)) if has_q
           else t("fan.subtitle.noq", lang))
    pdate = base.resolve_date(projection, projection_date)
    width = 2 * PANEL_W + 90
    title = base.title_block(title_text, sub, lang, pdate, width)

    total, old = _series(projection, "total"), _series(projection, "80+")
    i0, i1 = ys.index(y0), ys.index(year)
    if has_q:
        qt, qo = _quantiles(projection, "total"), _quantiles(projection, "80+")
        alt = t("fan.alt", lang, region=name, base_year=y0, year=year,
                total_base=fmt_int(total[i0], lang), total_mid=fmt_approx(total[i1], lang),
                total_lo=fmt_approx(qt["p10"][i1], lang),
                total_hi=fmt_approx(qt["p90"][i1], lang),
                old_base=fmt_int(old[i0], lang), old_mid=fmt_approx(old[i1], lang),
                old_lo=fmt_approx(qo["p10"][i1], lang), old_hi=fmt_approx(qo["p90"][i1], lang))
    else:
        alt = t("fan.alt.noq", lang, region=name, base_year=y0, year=year,
                total_base=fmt_int(total[i0], lang), total_year=fmt_approx(total[i1], lang),
                old_base=fmt_int(old[i0], lang), old_year=fmt_approx(old[i1], lang))

    spec = base.shell("fan", lang, title=title, alt=alt, fit=False)
    spec["hconcat"] = [_panel(projection, "total", lang, t("fan.panel.total", lang), year,
                              legend=True),
                       _panel(projection, "80+", lang, t("fan.panel.old", lang), year)]
    spec["resolve"] = {"scale": {"y": "independent", "color": "independent",
                                 "strokeDash": "independent"}}

    lt, lo = t("fan.table.total", lang), t("fan.table.old", lang)
    if has_q:
        p80, p95 = fmt_pct(0.8, lang), fmt_pct(0.95, lang)
        header = [t("table.year", lang), lt, t("fan.table.interval", lang, label=lt, pct=p80),
                  t("fan.table.interval", lang, label=lt, pct=p95), lo,
                  t("fan.table.interval", lang, label=lo, pct=p80),
                  t("fan.table.interval", lang, label=lo, pct=p95)]
        rows = []
        for i, y in enumerate(ys):
            def rng(q, a, b):
                return f"{_num(q[a][i], y, ys, lang)}–{_num(q[b][i], y, ys, lang)}"
            rows.append([str(y), _num(total[i], y, ys, lang), rng(qt, "p10", "p90"),
                         rng(qt, "p2_5", "p97_5"), _num(old[i], y, ys, lang),
                         rng(qo, "p10", "p90"), rng(qo, "p2_5", "p97_5")])
    else:
        header = [t("table.year", lang), lt, lo]
        rows = [[str(y), _num(total[i], y, ys, lang), _num(old[i], y, ys, lang)]
                for i, y in enumerate(ys)]
    ssb = ssb_main(projection)
    meta = {"year": year, "base_year": y0, "quantiles": has_q,
            "ssb_note": ssb_note(projection, lang, year)}
    if ssb:  # SSB's own columns, where SSB has figures in our years
        meta["ssb_round"] = ssb["round"]
        for key, label in (("total", lt), ("80+", lo)):
            if ssb[key] is None or not any(y in ssb["years"] for y in ys):
                continue
            header.append(t("fan.table.ssb", lang, label=label, round=ssb["round"]))
            for row, y in zip(rows, ys):
                v = _ssb_at(ssb, key, y)
                row.append("–" if v is None else fmt_int(v, lang))
    return Chart("fan", spec, alt, [header] + rows, title_text, lang, meta=meta)
