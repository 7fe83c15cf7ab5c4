"""JSON-shaped functions shared by the CLI and the web app: projection + indicators, «what it
takes», lever metadata. They call the engine (framtid.model.service) and add the consequences."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import FramtidError
from . import levers as clevers
from .indicators import INDICATORS, Calibration, compute
from .parameters import resolve
from .whatittakes import solve

# Which lever can move which indicator. Population levers move everything; the consequence
# levers move only the care and workforce indicators they act on.
CARE_USE = {"care_users", "care_workers_needed", "care_share_of_workforce"}
CARE_WORKERS = {"care_workers_needed", "care_share_of_workforce"}
WORKFORCE = {"employed", "care_share_of_workforce"}
CONSEQUENCE_REACH = {
    "healthy_ageing": CARE_USE,
    "care_productivity": CARE_WORKERS,
    "employment_seniors": WORKFORCE,
    "employment_women": WORKFORCE,
    "employment_overall": WORKFORCE,
}
# Indicators that fall when things get harder (so «keep at today's level» means «not below»).
HIGHER_IS_BETTER = {"aldersbaereevne_67", "aldersbaereevne_80", "employed", "population",
                    "age_20_66", "children_1_5", "children_6_15", "youth_16_18"}


def engine_levers() -> list[dict]:
    from ..model.scenarios import LEVERS

    return [dict(m.as_dict(), kind="population") for m in LEVERS.values()]


def all_levers() -> list[dict]:
    return engine_levers() + clevers.lever_meta()


def split_levers(values: dict[str, float] | None) -> tuple[dict[str, float], dict[str, float]]:
    values = dict(values or {})
    engine_names = {m["name"] for m in engine_levers()}
    cons_names = set(clevers.ConsequenceLevers.model_fields)
    unknown = set(values) - engine_names - cons_names
    if unknown:
        raise FramtidError(
            f"Unknown lever {', '.join(sorted(unknown))}; choose from "
            f"{', '.join(sorted(engine_names | cons_names))}"
        )
    return ({k: v for k, v in values.items() if k in engine_names},
            {k: v for k, v in values.items() if k in cons_names})


def calibration(ctx, params: dict[str, float] | None = None) -> Calibration:
    key = tuple(sorted((params or {}).items()))
    return _calibration(ctx, ctx.store.version(), key)


@lru_cache(maxsize=16)
def _calibration(ctx, version: int, key: tuple) -> Calibration:
    p = resolve(dict(key))
    year = int(p["care_calibration_year"].value)
    return Calibration.from_tables(ctx.store.table("care_use"), ctx.store.table("employment_rates"),
                                   ctx.regions.population("NO", year), p)


def _by_age(proj: dict) -> np.ndarray:
    return np.stack([np.asarray(proj["by_age"]["female"]), np.asarray(proj["by_age"]["male"])],
                    axis=1)


def indicators_of(ctx, proj: dict, cons: dict[str, float] | None = None,
                  params: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    cal = calibration(ctx, params)
    return compute(_by_age(proj), np.asarray(proj["years"]), cal, clevers.parse(cons or {}))


def _clean(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else float(v) for v in values]


def project_with_indicators(ctx, region: str, scenario: str = "main",
                            levers: dict[str, float] | None = None, to_year: int = 2050,
                            paths: int | None = None, params: dict[str, float] | None = None
                            ) -> dict:
    """`framtid project … --json`: the engine's projection plus `indicators` (lists over years)."""
    from ..model.service import project_region

    eng, cons = split_levers(levers)
    cons_model = clevers.parse(cons)  # validate before the (longer) projection runs
    resolve(params)
    proj = project_region(ctx, region, scenario, eng, to_year, paths)
    ind = indicators_of(ctx, proj, cons, params)
    proj["indicators"] = {k: _clean(v) for k, v in ind.items()}
    proj["scenario"]["levers"].update(cons_model.model_dump())
    if params:
        proj["parameters"] = dict(params)
    return proj


# Life expectancy is an assumption about the future, not something a kommune can choose: it can be
# simulated, but «what it takes» never answers «shorter lives».
NOT_POLICY_LEVERS = {"life_expectancy"}


def what_it_takes(ctx, region: str, indicator: str, lever: str, year: int = 2040,
                  scenario: str = "main", params: dict[str, float] | None = None) -> dict:
    """The smallest move of `lever` away from its default, in the direction that helps, that
    keeps `indicator` at today's (base-year) value in `year`.

    «Helps» follows the indicator: more is better for aldersbæreevne, employed, children …; less
    is better for care users, care workers and the care share. If the indicator already holds
    without any change, the answer is the default (`already_met`). If no value in the helpful
    half of the range reaches it, `reachable` is false and `best_value` is the end of that half.
    """
    from ..model.service import project_region

    if indicator not in INDICATORS:
        raise FramtidError(f"Unknown indicator {indicator!r}; choose one of {', '.join(INDICATORS)}")
    meta = {m["name"]: m for m in all_levers()}
    usable = [n for n in meta if n not in NOT_POLICY_LEVERS]
    if lever not in meta:
        raise FramtidError(f"Unknown lever {lever!r}; choose one of {', '.join(usable)}")
    if lever in NOT_POLICY_LEVERS:
        raise FramtidError(f"Lever {lever} is an assumption, not a choice; «what it takes» uses "
                           f"{', '.join(usable)}")
    kind = meta[lever]["kind"]
    if kind == "consequence" and indicator not in CONSEQUENCE_REACH[lever]:
        movable = sorted(n for n, reach in CONSEQUENCE_REACH.items() if indicator in reach)
        pop_levers = [m["name"] for m in engine_levers() if m["name"] not in NOT_POLICY_LEVERS]
        raise FramtidError(
            f"Lever {lever} cannot influence {indicator}; levers that can: "
            f"{', '.join(pop_levers + movable)}"
        )
    base = project_region(ctx, region, scenario, {}, max(year, 2027), None)
    years = list(base["years"])
    if year not in years or year == years[0]:
        raise FramtidError(f"Target year must be after the base year {years[0]} and ≤ 2100")
    t = years.index(year)
    today = float(indicators_of(ctx, base, {}, params)[indicator][0])
    default = float(base["scenario"]["levers"].get(lever, meta[lever]["default"])
                    if kind == "population" else meta[lever]["default"])
    lo, hi = float(meta[lever]["min"]), float(meta[lever]["max"])

    if kind == "consequence":
        def evaluate(x: float) -> float:
            return float(indicators_of(ctx, base, {lever: x}, params)[indicator][t])
    else:
        def evaluate(x: float) -> float:
            proj = project_region(ctx, region, scenario, {lever: x}, year, None)
            return float(indicators_of(ctx, proj, {}, params)[indicator][t])

    higher_better = indicator in HIGHER_IS_BETTER
    without = evaluate(default)
    result = {
        "region": base["region"], "indicator": indicator, "lever": lever,
        "unit": meta[lever]["unit"], "target_year": year, "today_value": today,
        "default_value": without, "lever_default": default, "range": [lo, hi],
        "higher_is_better": higher_better,
    }
    if (without >= today) if higher_better else (without <= today):
        return {**result, "value": default, "reachable": True, "best_value": default,
                "best_indicator": without, "already_met": True}
    # Which way helps? Probe a small step up from the default.
    step = (hi - lo) / 100
    up = evaluate(min(default + step, hi)) if default < hi else without
    helps_up = (up > without) == higher_better
    end = hi if helps_up else lo
    sol = solve(evaluate, today, *sorted((default, end)), prefer=default)
    return {**result, "value": sol.value, "reachable": sol.reachable,
            "best_value": sol.best_value if sol.reachable else end,
            "best_indicator": sol.best_indicator if sol.reachable else evaluate(end),
            "already_met": False}


def indicator_by_kommune(ctx, indicator: str, year: int = 2040, scenario: str = "main",
                         params: dict[str, float] | None = None) -> dict[str, float | None]:
    """One indicator in one year for every kommune: one vectorised run (for maps)."""
    from ..model.scenarios import resolve as resolve_levers
    from ..model.service import fitted

    if indicator not in INDICATORS:
        raise FramtidError(f"Unknown indicator {indicator!r}; choose one of {', '.join(INDICATORS)}")
    fm = fitted(ctx)
    if not fm.base_year <= year <= 2100:
        raise FramtidError(f"Year must be between {fm.base_year} and 2100")
    proj = fm.project(max(year, fm.base_year + 1),
                      fm.assumptions(scenario=scenario,
                                     **resolve_levers(scenario).model_dump()))
    ind = compute(proj.pop, np.asarray(proj.years), calibration(ctx, params))
    row = ind[indicator][list(proj.years).index(year)]
    return dict(zip(proj.codes, _clean(row)))


def registered_indicator_by_kommune(ctx, indicator: str, year: int,
                                    params: dict[str, float] | None = None
                                    ) -> dict[str, float | None]:
    """One indicator for every kommune on 1 January of a registered year (from the store)."""
    if indicator not in INDICATORS:
        raise FramtidError(f"Unknown indicator {indicator!r}; choose one of {', '.join(INDICATORS)}")
    years, codes, cube = ctx.store.population_cube()
    if year not in years:
        raise FramtidError(f"No registered population for {year}: {years[0]}–{years[-1]}")
    i = int(np.searchsorted(years, year))
    p = np.nan_to_num(cube[i:i + 1])  # [1, K, 2, 106]
    ind = compute(p, np.asarray([year]), calibration(ctx, params))
    return dict(zip(codes, _clean(ind[indicator][0])))
