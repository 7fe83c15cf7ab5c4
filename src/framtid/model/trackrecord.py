"""Track record: SSB's published rounds and framtid's method from the same base, both against
what was registered.

For every round R of SSB's regional projections held in the store (official_projection, main
alternative MMMM) whose jump-off R leaves at least three years of population history before it
and one registered year after it:
- framtid stands on 1 January R (ModelInputs.from_store(base_year=R): nothing later is used;
  the national frame is SSB's round R itself, the information SSB had), projects its default
  (main) scenario and, for comparison, its own national estimate («own»);
- both are compared with the registered population on 1 January of every later year T ≤ the last
  registered year, over the regions SSB published in that round (kommuner on today's borders;
  kommuner merged since are summed by the import), for the total and for 80+.

MAPE = mean over regions of |P̂ − P| / P · 100. Norway's own error is reported beside it.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..regions import Regions
from ..store import Store
from .fit import FittedModel
from .inputs import ModelInputs, parse_age_group

ALTERNATIVE = "MMMM"
MIN_HISTORY = 3


def _ssb_by_region(df, codes: list[str]) -> dict[str, dict[int, tuple[float, float | None]]]:
    """{code: {year: (total, 80+ or None)}} from one round's rows."""
    out: dict[str, dict[int, tuple[float, float | None]]] = {}
    for (code, year), g in df.groupby(["region_code", "year"]):
        if code not in codes and code != "NO":
            continue
        groups = g[g["age_group"] != "total"]
        if len(groups):
            bounds = [parse_age_group(a) for a in groups["age_group"]]
            persons = groups["persons"].to_numpy(dtype=float)
            total = float(persons.sum())
            old = [p for b, p in zip(bounds, persons) if b and b[0] >= 80]
            old80 = float(sum(old)) if old else None
        else:
            total, old80 = float(g["persons"].sum()), None
        out.setdefault(code, {})[int(year)] = (total, old80)
    return out


def _mape(pred: np.ndarray, obs: np.ndarray) -> float:
    ok = obs > 0
    return float(np.mean(np.abs(pred[ok] - obs[ok]) / obs[ok]) * 100.0) if ok.any() else float("nan")


def run(store: Store, regions: Regions, rounds: list[int] | None = None,
        progress: Callable[[str], None] | None = None) -> dict:
    official = store.official_projection()
    official = official[official["alternative"] == ALTERNATIVE]
    years, codes, cube = store.population_cube()
    first, last = int(years[0]), int(years[-1])
    held = sorted(int(r) for r in official["round"].unique())
    usable = [r for r in held if first + MIN_HISTORY <= r < last]
    if rounds is not None:
        usable = [r for r in usable if r in set(rounds)]
    nat_years, nat = store.nation_series()
    rows = []
    for rnd in usable:
        if progress:
            progress(f"Round {rnd}: framtid stands on 1 January {rnd}")
        ssb = _ssb_by_region(official[official["round"] == rnd], codes)
        kom = sorted(c for c in ssb if c != "NO")
        if not kom:
            continue
        fm = FittedModel.fit(ModelInputs.from_store(store, regions, rnd))
        k_idx = fm.inputs.kommune_index(kom)
        a_main, a_own = fm.default_assumptions("main"), fm.default_assumptions("own")
        main = fm.project(last, a_main, k_idx)
        own = fm.project(last, a_own, k_idx)
        nat_main = fm.national(last, a_main).pop.sum(axis=(1, 2))
        nat_own = fm.national(last, a_own).pop.sum(axis=(1, 2))
        for target in range(rnd + 1, last + 1):
            have = [c for c in kom if target in ssb[c]]
            if not have:
                continue
            ti = list(years).index(target)
            obs_pop = cube[ti][[codes.index(c) for c in have]]
            if np.isnan(obs_pop).any():
                continue
            obs_tot = obs_pop.sum(axis=(1, 2))
            obs_80 = obs_pop[:, :, 80:].sum(axis=(1, 2))
            sel = [kom.index(c) for c in have]
            j = target - rnd
            fw_tot = main.pop[j][sel].sum(axis=(1, 2))
            fw_80 = main.pop[j][sel][:, :, 80:].sum(axis=(1, 2))
            own_tot = own.pop[j][sel].sum(axis=(1, 2))
            ssb_tot = np.array([ssb[c][target][0] for c in have])
            ssb_80 = [ssb[c][target][1] for c in have]
            row = {
                "round": rnd, "target_year": target, "horizon": j, "n_regions": len(have),
                "mape_total_ssb": _mape(ssb_tot, obs_tot),
                "mape_total_framtid": _mape(fw_tot, obs_tot),
                "mape_80_plus_ssb": (_mape(np.array(ssb_80, dtype=float), obs_80)
                                     if None not in ssb_80 else None),
                "mape_80_plus_framtid": _mape(fw_80, obs_80),
                "mape_total_framtid_own": _mape(own_tot, obs_tot),
            }
            if target in nat_years:
                reg_no = float(nat[list(nat_years).index(target)].sum())
                row["norway_registered"] = reg_no
                if "NO" in ssb and target in ssb["NO"]:
                    row["norway_error_pct_ssb"] = (ssb["NO"][target][0] / reg_no - 1) * 100
                row["norway_error_pct_framtid"] = (float(nat_main[j]) / reg_no - 1) * 100
                row["norway_error_pct_framtid_own"] = (float(nat_own[j]) / reg_no - 1) * 100
            rows.append(row)
    return {"alternative": ALTERNATIVE, "rounds": usable, "last_registered_year": last,
            "rows": rows, "summary": summarise(rows)}


def summarise(rows: list[dict]) -> dict:
    """Means over all rows, and how often framtid's total MAPE is the smaller."""
    if not rows:
        return {"n_rows": 0}

    def mean(key: str) -> float | None:
        vals = [r[key] for r in rows if r.get(key) is not None]
        return float(np.mean(vals)) if vals else None

    wins = sum(r["mape_total_framtid"] < r["mape_total_ssb"] for r in rows)
    return {"n_rows": len(rows), "mean_mape_total_ssb": mean("mape_total_ssb"),
            "mean_mape_total_framtid": mean("mape_total_framtid"),
            "mean_mape_total_framtid_own": mean("mape_total_framtid_own"),
            "mean_mape_80_plus_ssb": mean("mape_80_plus_ssb"),
            "mean_mape_80_plus_framtid": mean("mape_80_plus_framtid"),
            "framtid_better_total": int(wins)}


def format_table(res: dict) -> str:
    """Markdown table of run() (what the CLI prints)."""
    lines = [f"SSB's rounds ({res['alternative']}) and framtid from the same base, against the "
             f"registered population (MAPE in percent over the regions SSB published)", "",
             "| round | year | horizon | regions | SSB total | framtid total | framtid own "
             "| SSB 80+ | framtid 80+ |", "|---|---|---|---|---|---|---|---|---|"]

    def f(v) -> str:
        return "–" if v is None else f"{v:.2f}"

    for r in res["rows"]:
        lines.append(f"| {r['round']} | {r['target_year']} | {r['horizon']} | {r['n_regions']} | "
                     f"{f(r['mape_total_ssb'])} | {f(r['mape_total_framtid'])} | "
                     f"{f(r['mape_total_framtid_own'])} | {f(r['mape_80_plus_ssb'])} | "
                     f"{f(r['mape_80_plus_framtid'])} |")
    s = res["summary"]
    if s.get("n_rows"):
        lines += ["", f"Mean over {s['n_rows']} rows: SSB {f(s['mean_mape_total_ssb'])}, framtid "
                  f"{f(s['mean_mape_total_framtid'])} (own national estimate "
                  f"{f(s['mean_mape_total_framtid_own'])}); 80+: SSB "
                  f"{f(s['mean_mape_80_plus_ssb'])}, framtid {f(s['mean_mape_80_plus_framtid'])}; "
                  f"framtid's total error is the smaller in {s['framtid_better_total']} rows."]
    return "\n".join(lines)
