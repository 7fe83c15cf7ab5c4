"""Backtest: stand on 1 January BASE, fit on earlier data only, project H years, compare.

Per base the model is refitted from ModelInputs.from_store(..., base_year=BASE) (population years
<= BASE, mortality and fertility years < BASE) with the assumptions a forecaster would have had then
(held TFR, Lee–Carter mortality drift; see fertility.py and mortality.py), and compared with the
registered population on 1 January BASE+H of every kommune.

Measures (per kommune, then averaged over kommuner; multiple bases: mean over bases):
- MAPE = mean |P̂ − P| / P · 100, MALPE = mean (P̂ − P) / P · 100 (signed; > 0 over-projects),
  for the total and the age groups 0-19, 20-66, 67+, 80+;
- within_5pct: share (0..1) of kommuner with |error| of the total ≤ 5 %;
- coverage80 / coverage95: share (0..1) of kommuner whose registered total lies inside the
  stochastic model's 80 % (p10–p90) and 95 % (p2.5–p97.5) interval;
- by_size: the same per size class of the base-year population (<5k, 5-20k, 20-50k, >50k).
Naive forecasts computed the same way: constant (the base-year population) and trend (the
average yearly change over the five years before the base, extended linearly, floored at 0; where
a kommune has no figure five years back, the earliest year available).
"""

from __future__ import annotations

import numpy as np

from ..regions import Regions
from ..store import Store
from .fit import FittedModel
from .inputs import ModelInputs
from .projection import age_group_totals
from .stochastic import GROUPS, StochasticParams, quantiles, simulate

SIZE_CLASSES = {"<5k": (0, 5_000), "5-20k": (5_000, 20_000), "20-50k": (20_000, 50_000),
                ">50k": (50_000, np.inf)}
TREND_YEARS = 5
GROUP_KEYS = {"total": "total", "0-19": "0_19", "20-66": "20_66", "67+": "67_plus",
              "80+": "80_plus"}


def _groups(pop: np.ndarray) -> dict[str, np.ndarray]:
    return {"total": pop.sum(axis=(-1, -2)), **age_group_totals(pop)}


def _measures(pred: dict[str, np.ndarray], obs: dict[str, np.ndarray], mask: np.ndarray
              ) -> dict[str, float]:
    out: dict[str, float] = {}
    for g, key in GROUP_KEYS.items():
        o = obs[g][mask]
        ok = o > 0
        pe = (pred[g][mask][ok] - o[ok]) / o[ok] * 100.0
        out[f"mape_{key}"] = float(np.abs(pe).mean()) if pe.size else float("nan")
        out[f"malpe_{key}"] = float(pe.mean()) if pe.size else float("nan")
    ape = np.abs(pred["total"][mask] - obs["total"][mask]) / obs["total"][mask]
    out["within_5pct"] = float((ape <= 0.05).mean()) if ape.size else float("nan")
    out["n_kommuner"] = int(mask.sum())
    return out


def _with_sizes(pred, obs, size: np.ndarray, valid: np.ndarray, extra=None) -> dict:
    res = _measures(pred, obs, valid)
    if extra is not None:
        res.update(extra(valid))
    res["by_size"] = {}
    for name, (lo, hi) in SIZE_CLASSES.items():
        m = valid & (size >= lo) & (size < hi)
        r = _measures(pred, obs, m)
        if extra is not None:
            r.update(extra(m))
        res["by_size"][name] = r
    return res


def backtest_base(store: Store, regions: Regions, base: int, horizon: int, paths: int,
                  seed: int | None = None) -> dict:
    years, _, cube = store.population_cube()
    years = list(years)
    target = base + horizon
    if target not in years:
        raise ValueError(f"No registered population for {target} (base {base} + {horizon}).")
    inp = ModelInputs.from_store(store, regions, base)
    fm = FittedModel.fit(inp)
    proj = fm.project(target)
    obs_pop = cube[years.index(target)]
    base_pop = cube[years.index(base)]
    valid = ~(np.isnan(obs_pop).any(axis=(1, 2)) | np.isnan(base_pop).any(axis=(1, 2)))
    obs = _groups(np.nan_to_num(obs_pop))
    size = np.nan_to_num(base_pop).sum(axis=(1, 2))

    model = _groups(proj.pop[-1])
    extra = None
    if paths > 0:
        sp = StochasticParams.fit(fm)
        k = np.arange(inp.n_kommuner)
        kw = {} if seed is None else {"seed": seed}
        sim = simulate(fm, sp, fm.default_assumptions(), target, paths, k, k, len(k),
                       keep_years=[-1], **kw)       # the target year only: memory ∝ kommuner
        q = quantiles(sim)
        tot = GROUPS.index("total")
        lo80, hi80 = q["p10"][0, :, tot], q["p90"][0, :, tot]
        lo95, hi95 = q["p2_5"][0, :, tot], q["p97_5"][0, :, tot]
        o = obs["total"]
        in80 = (o >= lo80) & (o <= hi80)
        in95 = (o >= lo95) & (o <= hi95)

        def extra(m: np.ndarray) -> dict[str, float]:
            return {"coverage80": float(in80[m].mean()) if m.any() else float("nan"),
                    "coverage95": float(in95[m].mean()) if m.any() else float("nan")}

    constant = _groups(np.nan_to_num(base_pop))
    trend = _trend(cube, years, base, horizon)
    return {
        "base": base,
        "model": _with_sizes(model, obs, size, valid, extra),
        "constant": _with_sizes(constant, obs, size, valid),
        "trend": _with_sizes(trend, obs, size, valid),
    }


def _trend(cube: np.ndarray, years: list[int], base: int, horizon: int) -> dict[str, np.ndarray]:
    now = _groups(np.nan_to_num(cube[years.index(base)]))
    start = np.full(cube.shape[1], np.nan)
    back = {g: np.zeros(cube.shape[1]) for g in now}
    span = np.zeros(cube.shape[1])
    for y in range(max(base - TREND_YEARS, years[0]), base):
        p = cube[years.index(y)]
        have = ~np.isnan(p).any(axis=(1, 2)) & np.isnan(start)
        if have.any():
            g = _groups(np.nan_to_num(p))
            for name in back:
                back[name][have] = g[name][have]
            span[have] = base - y
            start[have] = y
    out = {}
    for name in now:
        slope = np.where(span > 0, (now[name] - back[name]) / np.maximum(span, 1), 0.0)
        out[name] = np.maximum(now[name] + horizon * slope, 0.0)
    return out


def mean_results(per_base: list[dict]) -> dict:
    """Mean over bases of every number, recursively (n_kommuner too)."""
    def avg(items: list):
        first = items[0]
        if isinstance(first, dict):
            return {k: avg([it[k] for it in items]) for k in first}
        return float(np.nanmean([float(v) for v in items]))
    return avg(per_base)


def run(store: Store, regions: Regions, bases: list[int], horizon: int, paths: int = 500,
        seed: int | None = None) -> dict:
    per_base = [backtest_base(store, regions, b, horizon, paths, seed) for b in bases]
    mean = mean_results([{k: r[k] for k in ("model", "constant", "trend")} for r in per_base])
    return {**mean, "bases": list(bases), "horizon": horizon, "paths": paths,
            "per_base": per_base}


def format_table(res: dict) -> str:
    """Markdown table of a run() / service.run_backtest() result (what the CLI prints)."""
    cols = [("MAPE total", "mape_total"), ("MALPE total", "malpe_total"),
            ("MAPE 0-19", "mape_0_19"), ("MAPE 20-66", "mape_20_66"),
            ("MAPE 67+", "mape_67_plus"), ("MAPE 80+", "mape_80_plus"),
            ("MALPE 80+", "malpe_80_plus"), ("within 5 %", "within_5pct"),
            ("cover 80 %", "coverage80"), ("cover 95 %", "coverage95")]

    def cell(d: dict, key: str) -> str:
        v = d.get(key)
        if v is None:
            return "–"
        return f"{v:.2f}" if key.startswith(("mape", "malpe")) else f"{v:.3f}"

    bases = res["bases"]
    span = f"{bases[0]}–{bases[-1]}" if len(bases) > 1 else str(bases[0])
    lines = [f"Bases {span}, horizon {res['horizon']} years, {res.get('paths', '?')} paths "
             "(MAPE/MALPE in percent; shares 0..1)", "",
             "| forecast | size | " + " | ".join(c for c, _ in cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for name in ("model", "trend", "constant"):
        rows = [("all", res[name])] + list(res[name]["by_size"].items())
        for size, d in rows:
            lines.append(f"| {name} | {size} | " + " | ".join(cell(d, k) for _, k in cols) + " |")
    return "\n".join(lines)


# Measured on the shipped snapshot (shared/data, population 2005–2026) with
# service.run_backtest(ctx, range(2010, 2017), 10, paths=500): see docs/validation.md. The web page
# shows these instead of recomputing (a full run takes ~30 s); rerun and update after model changes.
PUBLISHED: dict = {
    "bases": list(range(2010, 2017)), "horizon": 10, "paths": 500,
    "model": {"mape_total": 4.4339, "malpe_total": 2.2741, "mape_0_19": 10.3386,
              "mape_20_66": 4.5797, "mape_67_plus": 3.3337, "mape_80_plus": 5.6897,
              "within_5pct": 0.6587, "coverage80": 0.8231, "coverage95": 0.9552},
    "trend": {"mape_total": 5.1537, "malpe_total": 1.8654, "mape_0_19": 11.5633,
              "mape_20_66": 7.5336, "mape_67_plus": 11.9249, "mape_80_plus": 19.5056,
              "within_5pct": 0.6018},
    "constant": {"mape_total": 6.2422, "malpe_total": -1.5956, "mape_0_19": 14.3081,
              "mape_20_66": 6.7985, "mape_67_plus": 20.6748, "mape_80_plus": 14.5396,
              "within_5pct": 0.4826},
}
SUMMARY_COLUMNS = ("forecast", "mape_total", "malpe_total", "mape_0_19", "mape_20_66",
                   "mape_67_plus", "mape_80_plus", "within_5pct", "coverage80", "coverage95")


def summary_table(ctx=None, result: dict | None = None) -> dict:
    """{caption, columns, rows} for a web table; every number in percent (shares × 100).

    Without `result`, the PUBLISHED run (no recomputation in a web request). Rows are
    model, trend, constant; a naive forecast has no interval, so its coverage cells are «–».
    """
    res = result or PUBLISHED
    rows = []
    for name in ("model", "trend", "constant"):
        d = res[name]
        row: list = [name]
        for col in SUMMARY_COLUMNS[1:]:
            v = d.get(col)
            row.append("–" if v is None else
                       float(v) * (100.0 if col in ("within_5pct", "coverage80", "coverage95")
                                   else 1.0))
        rows.append(row)
    bases = res["bases"]
    caption = (f"Backtest {bases[0]}–{bases[-1]}, {res['horizon']} years ahead, all kommuner: "
               "mean error in percent; within 5 % and coverage as percent of kommuner")
    return {"caption": caption, "columns": list(SUMMARY_COLUMNS), "rows": rows,
            "bases": list(bases), "horizon": res["horizon"]}
