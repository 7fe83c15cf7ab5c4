"""What a page shows, as plain data: key numbers, lever controls, scenario comparisons and charts.
Shared by the HTML pages and the JSON API so that both say exactly the same thing."""

from __future__ import annotations

import math
import re

from .. import display
from ..errors import FramtidError, UnknownRegion
from ..display import people
from . import i18n
from .charts import ChartPayload, from_chart, line_chart, map_chart
from .services import (INDICATOR_KIND, KEY_INDICATORS, STORY_YEAR, TARGETS, Busy, Services,
                       region_str)

SIM_INDICATORS = ("population", "age_0_19", "age_20_66", "age_67_plus", "age_80_plus",
                  "aldersbaereevne_67", "children_1_5", "children_6_15", "care_users",
                  "care_workers_needed", "care_share_of_workforce", "employed")
COMPARE_INDICATORS = ("population", "share_67_plus", "share_80_plus", "median_age",
                      "aldersbaereevne_67", "children_6_15", "care_share_of_workforce")


def level_label(level: str, lang: str) -> str:
    return i18n.t(f"level.{level}", lang)


def display_name(reg, lang: str = "nb") -> str:
    """The heading name: the official form with Sámi/Kven names; Norway in the page language."""
    if reg.code == "NO":
        return i18n.t("region.norway", lang)
    return reg.official_name if reg.official_name and reg.official_name != reg.name else reg.name


def rname(reg, lang: str) -> str:
    return i18n.t("region.norway", lang) if reg.code == "NO" else reg.name


# --- levers ------------------------------------------------------------------------------------
def nice_step(lo: float, hi: float) -> float:
    span = hi - lo
    if span <= 0:
        return 1.0
    raw = span / 100
    exp = math.floor(math.log10(raw))
    base = raw / 10 ** exp
    step = 1 if base < 1.5 else 2 if base < 3.5 else 5 if base < 7.5 else 10
    return float(step * 10 ** exp)


def unit_label(unit: str, lang: str) -> str:
    key = "unit." + re.sub(r"[^a-z0-9]+", "_", unit.lower()).strip("_")
    return i18n.t(key, lang) if i18n.has(key, lang) else unit


def lever_step(lo: float, hi: float, default: float) -> float:
    """A slider step on whose grid (from `lo`) the default lies, so that an untouched slider
    stays exactly at the default."""
    step = nice_step(lo, hi)
    for _ in range(6):
        k = (default - lo) / step
        if abs(k - round(k)) < 1e-6:
            return step
        step /= 5 if str(step).lstrip("0.").startswith("5") else 2
    return step


def slider_range(meta: dict, population: float | None, value: float) -> tuple[float, float]:
    """The part of a lever's valid range a slider offers: persons-per-year levers are scaled to
    the region (±2 % of its population a year), always including the current value."""
    lo, hi = float(meta["min"]), float(meta["max"])
    if meta["name"] == "young_adults" and population:
        span = nice_step(0, max(20.0, 0.02 * population) * 100)
        lo, hi = max(lo, -span), min(hi, span)
    return min(lo, value), max(hi, value)


# Slider steps and shown decimals in the units people use (no «87,15 år», «0,00 år» or
# «1,00 ganger»): (step, decimals). Values are written without trailing zeros.
LEVER_STEPS = {"fertility": (0.05, 2), "life_expectancy": (0.1, 1), "migration": (0.1, 1),
               "immigration": (0.1, 1), "healthy_ageing": (0.1, 1), "care_productivity": (1, 0),
               "employment_seniors": (0.5, 1), "employment_women": (0.5, 1),
               "employment_overall": (0.5, 1)}


def lever_text(x: float, lang: str, digits: int) -> str:
    """A lever value: at most `digits` decimals, trailing zeros dropped, a true minus sign."""
    s = i18n.fmt_dec(x, lang, digits)
    if digits > 0:
        sep = "." if lang == "en" else ","
        s = s.rstrip("0").rstrip(sep)
    return display.minus(s)


def lever_view(meta: dict, lang: str, value: float | None = None,
               population: float | None = None) -> dict:
    name = meta["name"]
    default = float(meta["default"])
    v = default if value is None else float(value)
    lo, hi = slider_range(meta, population, v)
    if meta.get("step"):
        step = float(meta["step"])
    elif name in LEVER_STEPS:
        step = float(LEVER_STEPS[name][0])
    else:       # persons: whole people, scaled to the region
        step = max(1.0, float(round(lever_step(lo, hi, default))))
    digits = LEVER_STEPS[name][1] if name in LEVER_STEPS else (
        0 if step >= 1 else max(0, -math.floor(math.log10(step) + 1e-9)))
    key = f"lever.{name}"
    label = i18n.t(key + ".label", lang) if i18n.has(key + ".label", lang) else name
    help_ = (i18n.t(key + ".help", lang) if i18n.has(key + ".help", lang)
             else meta.get("description", ""))
    unit = unit_label(meta.get("unit", ""), lang)
    return {
        "name": name, "label": label, "help": help_, "unit": unit, "kind": meta.get("kind", ""),
        "min": lo, "max": hi, "step": step, "default": default, "value": v, "digits": digits,
        "valid_min": float(meta["min"]), "valid_max": float(meta["max"]),
        "changed": abs(v - default) > 1e-12,
        "value_text": lever_text(v, lang, digits), "min_text": lever_text(lo, lang, digits),
        "max_text": lever_text(hi, lang, digits),
        "default_text": lever_text(default, lang, digits),
    }


def lever_error_text(err, lang: str) -> str:
    meta = {"field": err.field, "value": err.value}
    if err.min is not None:
        digits = 0 if (err.min == int(err.min) and err.max == int(err.max)) else 2
        meta.update(min=i18n.fmt_dec(err.min, lang, digits), max=i18n.fmt_dec(err.max, lang,
                                                                                  digits),
                    unit=unit_label(err.unit or "", lang))
    key = f"lever.{err.field}.label"
    meta["label"] = i18n.t(key, lang) if i18n.has(key, lang) else err.field
    return i18n.t(err.message_key, lang, **meta)


# --- key numbers -------------------------------------------------------------------------------
def key_numbers(svc: Services, code: str, lang: str, proj: dict | None = None,
                year: int = STORY_YEAR, indicators=KEY_INDICATORS) -> list[dict]:
    hist = svc.history(code)
    last = hist["years"][-1]
    out = []
    for ind in indicators:
        today = hist["indicators"][ind][-1]
        item = {"indicator": ind, "label": i18n.t(f"ind.{ind}", lang),
                "help": i18n.t(f"ind_help.{ind}", lang), "today": today,
                "today_text": i18n.fmt_value(today, INDICATOR_KIND[ind], lang),
                "today_year": last, "year": year, "then": None, "then_text": None,
                "change_text": None}
        if proj is not None:
            vals = proj["indicators"][ind]
            then = vals[proj["years"].index(year)]
            item["then"] = then
            kind = INDICATOR_KIND[ind]
            # One display layer: projected counts without false precision, the change in
            # percent computed from the numbers as shown.
            item["then_text"] = i18n.fmt_value(then, kind, lang, projected=True)
            if then is not None and today and kind == "count":
                item["change_text"] = display.change(then, today, lang)
            elif then is not None and kind == "share":
                item["change_text"] = i18n.t("unit.pp_change", lang, value=display.difference(
                    then, today, "share", lang))
        out.append(item)
    return out


# --- charts ------------------------------------------------------------------------------------
def population_chart(svc: Services, code: str, name: str, lang: str,
                     proj: dict | None = None) -> ChartPayload:
    hist = svc.history(code)
    series = [{"name": i18n.t("chart.registered", lang), "years": hist["years"],
               "values": list(hist["indicators"]["population"])}]
    if proj is not None:
        series.append({"name": i18n.t("chart.projected", lang), "years": proj["years"],
                       "values": proj["indicators"]["population"], "dash": True,
                       "projected": True})
    first, last = hist["indicators"]["population"][0], hist["indicators"]["population"][-1]
    fmt = {"name": name, "y0": hist["years"][0], "y1": hist["years"][-1],
           "v0": i18n.fmt_int(first, lang), "v1": i18n.fmt_int(last, lang)}
    if proj is not None:
        y2 = STORY_YEAR
        fmt.update(y2=y2, v2=i18n.fmt_int(people(proj["indicators"]["population"][
            proj["years"].index(y2)]), lang))
        alt = i18n.t("chart.population_alt_proj", lang, **fmt)
    else:
        alt = i18n.t("chart.population_alt", lang, **fmt)
    title = i18n.t("chart.population_title", lang, name=name)
    return line_chart(series, title=title, alt=alt, y_title=i18n.t("ind.population", lang),
                      indicator="population", lang=lang, base_year=hist["years"][-1],
                      projected=proj is not None)


def yours_label(scenario: str, lang: str) -> str | None:
    """The user's line's label in a model variant other than the main one («Ditt scenario (lav
    vekst)»); None for the main one (the plain «Ditt scenario»)."""
    if scenario == "main":
        return None
    from ..export.text import t as export_t

    return export_t("scenario.chart_yours", lang,
                    variant=export_t(f"scenario.variant.{scenario}", lang).lower())


def scenario_chart(indicator: str, base: dict, scen: dict | None, name: str, lang: str,
                   hist: dict | None = None, uncertain: dict | None = None,
                   yours: str | None = None) -> ChartPayload:
    """Baseline (main scenario) beside the user's scenario for one indicator; `yours`: the
    user's line's label (default «Ditt scenario»; with a model variant it names it)."""
    label = i18n.t(f"ind.{indicator}", lang)
    kind = INDICATOR_KIND[indicator]
    series = []
    if hist is not None:
        series.append({"name": i18n.t("chart.registered", lang), "years": hist["years"],
                       "values": list(hist["indicators"][indicator])})
    series.append({"name": i18n.t("sim.baseline", lang), "years": base["years"],
                   "values": base["indicators"][indicator], "dash": True, "projected": True})
    if scen is not None:
        series.append({"name": yours or i18n.t("sim.yours", lang), "years": scen["years"],
                       "values": scen["indicators"][indicator], "projected": True})
    band, subtitle = None, ""
    q = (uncertain or {}).get("quantiles") or {}
    if indicator == "population" and q.get("p10") and q.get("p90"):
        band = {"years": uncertain["years"], "lo": q["p10"]["total"], "hi": q["p90"]["total"]}
        subtitle = i18n.t("chart.band_80", lang)
    y = STORY_YEAR
    b = base["indicators"][indicator][base["years"].index(y)]
    s = scen["indicators"][indicator][scen["years"].index(y)] if scen else b
    alt = i18n.t("chart.scenario_alt", lang, indicator=i18n.lc_first(label), name=name, year=y,
                 base=i18n.fmt_value(b, kind, lang, projected=True),
                 yours=i18n.fmt_value(s, kind, lang, projected=True))
    return line_chart(series, title=i18n.t("chart.scenario_title", lang, indicator=label,
                                           name=name),
                      alt=alt, y_title=label, indicator=indicator, lang=lang,
                      base_year=base["years"][0], height=220, projected=True, band=band,
                      subtitle=subtitle)


def map_view(svc: Services, indicator: str, year: int, lang: str, topo_url: str
             ) -> ChartPayload:
    values = svc.map_values(indicator, year)
    names = {r.code: r.name for r in svc.ctx.regions.all("kommune")}
    kind = "share" if indicator == "population_change" else INDICATOR_KIND[indicator]
    ranked = sorted(((v, c) for c, v in values.items() if v is not None))
    label = i18n.t(f"ind.{indicator}", lang)
    period = (i18n.t("map.period_change", lang, y0=max(year - 10, 2005), y1=year)
              if indicator == "population_change" and year <= svc.ctx.last_year else
              i18n.t("map.period_change", lang, y0=svc.ctx.last_year, y1=year)
              if indicator == "population_change" else str(year))
    lo, hi = ranked[0], ranked[-1]
    alt = i18n.t("map.alt", lang, indicator=i18n.lc_first(label), period=period,
                 min_name=names[lo[1]], min=i18n.fmt_value(lo[0], kind, lang),
                 max_name=names[hi[1]], max=i18n.fmt_value(hi[0], kind, lang))
    title = i18n.t("map.title_ind", lang, indicator=label, period=period)
    return map_chart(values, names, indicator=indicator, year=year, lang=lang,
                     topo_url=topo_url, title=title, alt=alt,
                     table_caption=i18n.t("map.table_caption", lang, indicator=label,
                                          period=period),
                     projected=year > svc.ctx.last_year)


# --- simulation --------------------------------------------------------------------------------
def simulation(svc: Services, code: str, levers: dict[str, float], lang: str,
               compute_band: bool = False, scenario: str = "main") -> dict:
    """Baseline and the user's scenario side by side, plus charts: the sim page and its API.
    `scenario`: the model variant (main, low, high) the levers apply to; the baseline stays the
    main scenario without levers, and the user's line names the variant."""
    reg = svc.region(code)
    base = svc.projection(reg.code)
    scen = svc.projection(reg.code, scenario, levers) if levers or scenario != "main" else base
    yours = yours_label(scenario, lang)
    hist = svc.history(reg.code)
    y = STORY_YEAR
    i = base["years"].index(y)
    rows = []
    for ind in SIM_INDICATORS:
        kind = INDICATOR_KIND[ind]
        b, s = base["indicators"][ind][i], scen["indicators"][ind][i]
        today = hist["indicators"][ind][-1]
        diff_text = display.difference(s, b, kind, lang)
        if kind == "share" and diff_text != "–":
            diff_text = i18n.t("unit.pp_change", lang, value=diff_text)
        rows.append({"indicator": ind, "label": i18n.t(f"ind.{ind}", lang),
                     "today": today, "today_text": i18n.fmt_value(today, kind, lang),
                     "baseline": b, "scenario": s,
                     "baseline_text": i18n.fmt_value(b, kind, lang, projected=True),
                     "scenario_text": i18n.fmt_value(s, kind, lang, projected=True),
                     "diff_text": diff_text})
    name = rname(reg, lang)
    # The main scenario's 80 % band: the region page's stochastic run. A lever change never
    # starts one (Norway's takes half a minute); the page computes it for a kommune (seconds).
    uncertain = svc.cached_projection(reg.code, STORY_PATHS)
    degraded = uncertain is None
    try:
        if uncertain is None and compute_band:
            uncertain = svc.projection(reg.code, paths=STORY_PATHS)
            degraded = False
    except Busy:
        uncertain, degraded = None, True        # shown without the band, and not cached
    except FramtidError:
        uncertain = None                        # no stochastic run for this region: no band
    charts = [scenario_chart(ind, base, scen, name, lang, hist, uncertain, yours).as_dict()
              for ind in ("population", "aldersbaereevne_67", "care_share_of_workforce")]
    for ch, ind in zip(charts, ("population", "aldersbaereevne_67", "care_share_of_workforce")):
        ch["slot"] = ind
    pop = next(r for r in rows if r["indicator"] == "population")
    ab = next(r for r in rows if r["indicator"] == "aldersbaereevne_67")
    summary = i18n.t("sim.summary", lang, year=y, pop=pop["scenario_text"],
                     pop_base=pop["baseline_text"], ab=ab["scenario_text"],
                     ab_base=ab["baseline_text"])
    from .render import simulate_url

    return {"region": {"code": reg.code, "name": reg.name, "level": reg.level},
            "year": y, "base_year": base["years"][0], "levers": levers, "scenario": scenario,
            "url": simulate_url(lang, reg.code, levers, scenario), "rows": rows,
            "charts": charts,
            "summary": summary, "degraded": degraded}


def _signed_dec(x: float, lang: str, digits: int = 1) -> str:
    s = i18n.fmt_dec(abs(x), lang, digits)
    if round(x, digits) == 0:
        return s
    return ("+" if x > 0 else "−") + s


WIT_DEFAULT_LEVER = {"aldersbaereevne_67": "young_adults",
                     "care_share_of_workforce": "care_productivity", "population": "young_adults"}


def targets(svc: Services, lang: str) -> list[dict]:
    """The «Dette må til» targets and the levers that can move each one."""
    from ..consequences.service import NOT_POLICY_LEVERS

    reach = svc.lever_reach()
    metas = [m for m in svc.levers() if m["name"] not in NOT_POLICY_LEVERS]
    out = []
    for ind in TARGETS:
        levers = [lever_view(m, lang) for m in metas
                  if reach.get(m["name"]) is None or ind in reach[m["name"]]]
        for lv in levers:
            lv["preferred"] = lv["name"] == WIT_DEFAULT_LEVER.get(ind)
        out.append({"indicator": ind, "label": i18n.t(f"ind.{ind}", lang),
                    "question": i18n.t(f"wit.question.{ind}", lang), "levers": levers})
    return out


def what_it_takes_text(res: dict, lang: str) -> str:
    ind, lever = res["indicator"], res["lever"]
    kind = INDICATOR_KIND[ind]
    lv_key = f"lever.{lever}.label"
    fmt = {
        "indicator": i18n.lc_first(i18n.t(f"ind.{ind}", lang)),
        "lever": i18n.t(lv_key, lang) if i18n.has(lv_key, lang) else lever,
        "year": res["target_year"],
        "today": i18n.fmt_value(res["today_value"], kind, lang),
        "unit": unit_label(res.get("unit", ""), lang),
    }
    if res.get("default_value") is not None:
        fmt["without"] = i18n.fmt_value(res["default_value"], kind, lang, projected=True)
    else:
        fmt["without"] = "–"
    if res.get("already_met"):
        return i18n.t("wit.already", lang, **fmt)
    if res["reachable"] and res["value"] is not None:
        fmt["value"] = i18n.fmt_dec(res["value"], lang, 2 if abs(res["value"]) < 10 else 0)
        return i18n.t("wit.reachable", lang, **fmt)
    fmt["best"] = i18n.fmt_dec(res["best_value"], lang, 2 if abs(res["best_value"]) < 10 else 0)
    fmt["best_indicator"] = i18n.fmt_value(res.get("best_indicator"), kind, lang,
                                           projected=True)
    return i18n.t("wit.unreachable", lang, **fmt)


# --- compare -----------------------------------------------------------------------------------
def resolve_inputs(svc: Services, raw: list[str]) -> tuple[list, list[dict]]:
    regs, fields = [], []
    for text in raw[:4]:
        text = (text or "").strip()[:100]
        f = {"value": text, "error": None, "suggestions": [], "region": None}
        if text:
            try:
                reg = svc.region(text)
            except UnknownRegion:
                try:
                    reg = svc.ctx.regions.resolve(text)
                except FramtidError:
                    reg = None
                    f["error"] = "compare.not_found"
                    f["suggestions"] = svc.search(text, 3)
            if reg is not None:
                if any(r.code == reg.code for r in regs):
                    f["error"] = "compare.duplicate"
                else:
                    regs.append(reg)
                f["region"] = reg
                f["value"] = reg.name if f["error"] is None else text
        fields.append(f)
    while len(fields) < 4:
        fields.append({"value": "", "error": None, "suggestions": [], "region": None})
    return regs, fields


def compare_view(svc: Services, regs: list, lang: str) -> dict:
    has_proj = svc.has_projection
    y = STORY_YEAR
    cols = []
    for reg in regs:
        hist = svc.history(reg.code)
        proj = svc.projection(reg.code) if has_proj else None
        cols.append((reg, hist, proj))
    rows = []
    for ind in COMPARE_INDICATORS:
        kind = INDICATOR_KIND[ind]
        cells = []
        for reg, hist, proj in cols:
            cell = {"today": i18n.fmt_value(hist["indicators"][ind][-1], kind, lang)}
            if proj is not None:
                cell["then"] = i18n.fmt_value(proj["indicators"][ind][proj["years"].index(y)],
                                              kind, lang, projected=True)
            cells.append(cell)
        rows.append({"indicator": ind, "label": i18n.t(f"ind.{ind}", lang), "cells": cells})
    charts = []
    # Population as an index (today = 100), so that Oslo and Utsira fit on one chart.
    series = []
    for reg, hist, proj in cols:
        pop_years = list(hist["years"])
        pops = list(hist["indicators"]["population"])
        if proj is not None:
            pop_years += proj["years"][1:]
            pops += proj["indicators"]["population"][1:]
        ref = hist["indicators"]["population"][-1]
        series.append({"name": rname(reg, lang), "years": pop_years,
                       "values": [None if v is None or not ref else 100 * v / ref
                                  for v in pops]})
    last = svc.ctx.last_year
    alt_parts = []
    for s in series:
        end_year = s["years"][-1] if not has_proj else y
        v = s["values"][s["years"].index(end_year)]
        alt_parts.append(i18n.t("compare.alt_part", lang, name=s["name"], year=end_year,
                                value=i18n.fmt_dec(v, lang, 0)))
    ch = line_chart(series, title=i18n.t("compare.index_title", lang, year=last),
                    alt=i18n.t("compare.index_alt", lang, year=last,
                               parts="; ".join(alt_parts)),
                    y_title=i18n.t("compare.index_axis", lang, year=last), indicator="index",
                    lang=lang, base_year=last)
    charts.append(ch)
    if has_proj:
        series = [{"name": rname(reg, lang), "years": proj["years"],
                   "values": proj["indicators"]["aldersbaereevne_67"]} for reg, _, proj in cols]
        parts = "; ".join(i18n.t("compare.alt_part", lang, name=rname(reg, lang), year=y,
                                 value=i18n.fmt_dec(proj["indicators"]["aldersbaereevne_67"][
                                     proj["years"].index(y)], lang, 1))
                          for reg, _, proj in cols)
        label = i18n.t("ind.aldersbaereevne_67", lang)
        charts.append(line_chart(series, title=i18n.t("compare.ab_title", lang),
                                 alt=i18n.t("compare.ab_alt", lang, parts=parts),
                                 y_title=label, indicator="aldersbaereevne_67", lang=lang,
                                 projected=True))
    return {"regions": [c[0] for c in cols], "rows": rows, "charts": charts, "year": y,
            "today_year": last, "has_projection": has_proj}


def members_table(svc: Services, reg, lang: str) -> list[dict]:
    out = []
    for m in svc.members(reg):
        h = svc.history(m.code)
        out.append({"code": m.code, "name": m.name,
                    "population": i18n.fmt_int(h["indicators"]["population"][-1], lang),
                    "share_67_plus": i18n.fmt_pct(h["indicators"]["share_67_plus"][-1], lang),
                    "change": i18n.fmt_signed_pct(
                        h["indicators"]["population"][-1] / h["indicators"]["population"][-11]
                        - 1 if h["indicators"]["population"][-11] else None, lang)})
    return out


def fylke_of(svc: Services, reg):
    f = region_str(reg.fylke)
    return svc.ctx.regions.get(f) if f and reg.level != "fylke" else None


# --- region charts (framtid.charts) -------------------------------------------------------------
REGION_CHARTS = ("fan", "pyramid", "dependency", "care", "icons")
STORY_PATHS = 200


def region_charts(svc: Services, reg, proj: dict, lang: str,
                  kinds: tuple[str, ...] = REGION_CHARTS) -> list[ChartPayload]:
    """The region page's charts when there is no story to carry them."""
    build = svc.charts_build
    if build is None:
        return []
    date = svc.ctx.store.meta().get("imported_at", "")[:10]
    series = {}
    if reg.code != "NO":
        series[i18n.t("region.norway", lang)] = svc.projection("NO")["indicators"][
            "aldersbaereevne_67"]
    ba = region_str(reg.ba)
    if reg.level == "kommune" and ba:
        series[i18n.t("region.ba_name", lang, name=svc.region(ba).name)] = svc.projection(ba)[
            "indicators"]["aldersbaereevne_67"]
    out = []
    for kind in kinds:
        try:
            out.append(from_chart(build(kind, proj, lang, projection_date=date, series=series),
                                  lang))
        except FramtidError:
            continue
    return out


# --- track record ------------------------------------------------------------------------------
def trackrecord_view(res: dict | None, lang: str) -> dict | None:
    """The «How accurate have the projections been?» chart and summary for the method page."""
    if not res or not res.get("rows"):
        return None
    from ..charts import trackrecord as tr_chart

    chart = tr_chart.build(res, lang)
    s = res.get("summary") or {}
    return {"chart": from_chart(chart, lang),
            "summary": i18n.t("method.trackrecord_summary", lang,
                              rounds=len(res.get("rounds", [])),
                              first=res["rounds"][0], last=res["rounds"][-1],
                              ssb=i18n.fmt_dec(s.get("mean_mape_total_ssb") or 0, lang, 1),
                              framtid=i18n.fmt_dec(s.get("mean_mape_total_framtid") or 0, lang, 1),
                              wins=s.get("framtid_better_total", 0), n=s.get("n_rows", 0))}


# --- backtest ----------------------------------------------------------------------------------
BT_COLUMNS = ("mape_total", "malpe_total", "mape_0_19", "mape_80_plus", "within_5pct",
              "coverage80")
BT_ROWS = (("model", None), ("model", "<5k"), ("model", "5-20k"), ("model", "20-50k"),
           ("model", ">50k"), ("trend", None), ("constant", None))


def backtest_table(res: dict | None, lang: str) -> dict | None:
    """The accuracy table for the method page: one row per forecast (and size class)."""
    if not res:
        return None
    rows = []
    for forecast, size in BT_ROWS:
        block = res.get(forecast) or {}
        if size is not None:
            block = (block.get("by_size") or {}).get(size) or {}
        if not block:
            continue
        label = i18n.t(f"bt.{forecast}", lang)
        label += " – " + (i18n.t("bt.size_" + re.sub(r"[^a-z0-9]+", "_", size.lower()).strip("_"),
                                 lang) if size else i18n.t("bt.all", lang))
        cells = []
        for col in BT_COLUMNS:
            v = block.get(col)
            if v is None:
                cells.append("–")
            elif col.startswith(("mape", "malpe")):
                text = (_signed_dec(v, lang) if col.startswith("malpe")
                        else i18n.fmt_dec(v, lang, 1))
                cells.append(text + ("%" if lang == "en" else "\u00a0%"))
            else:
                cells.append(i18n.fmt_pct(v, lang, 0))
        rows.append([label] + cells)
    bases = res.get("bases") or []
    return {"caption": i18n.t("method.accuracy_caption", lang, first=bases[0], last=bases[-1],
                              horizon=res.get("horizon")) if bases else "",
            "columns": [i18n.t("bt.forecast", lang)] + [i18n.t(f"bt.{c}", lang)
                                                        for c in BT_COLUMNS],
            "rows": rows}
