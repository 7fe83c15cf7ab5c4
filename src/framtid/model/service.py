"""JSON-shaped entry points used by the CLI and the web app (the keys are a contract).

The fitted model (all rates) and its stochastic parameters are cached together in memory per
(store file, store version, base year), the version read once per call and passed down: a call
with new levers only re-runs the projection, and only for the kommuner of the region asked for
(kommuner are projected independently, so this equals slicing the all-kommuner run).
The fitted model is also kept on disk beside the store (model/fitcache.py), so that the next
process on the same store version — a CLI call, a server worker, a page-build worker — loads it
instead of reading the store and fitting again.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import FramtidError
from ..official import block as official_block
from . import backtest as bt
from .fit import FittedModel
from .fitcache import saved_fit
from .inputs import SEXES, ModelInputs
from .projection import age_group_totals
from .scenarios import LEVERS, resolve
from .stochastic import GROUPS, StochasticParams, quantiles, simulate

if TYPE_CHECKING:
    from ..context import Context

MAX_YEAR = 2100
MAX_PATHS = 100_000
# The backtest keeps every path of every kommune for its target year (357 × paths × 5 numbers):
# 14 KB per path, so 10,000 paths stay within the per-process memory ceiling (docs/validation.md,
# «Memory»). Its Monte-Carlo error of a 10 % quantile is then ≈ 0.7 % of the 80 % interval's width.
MAX_BACKTEST_PATHS = 10_000
_lock = threading.Lock()        # guards _cache
_fit_lock = threading.Lock()    # one fit (model or stochastic) at a time
_cache: dict[tuple, tuple[FittedModel, list]] = {}   # value: (model, [StochasticParams | None])


def fitted(ctx: "Context", base_year: int | None = None, *,
           version: int | None = None) -> FittedModel:
    """The fitted model for this store and base (estimated once per process and store version)."""
    return fitted_entry(ctx, base_year, version=version)[0]


def fitted_entry(ctx: "Context", base_year: int | None = None, *,
                 version: int | None = None) -> tuple[FittedModel, list]:
    """The fitted model and its stochastic slot together, cached under the store version it was
    actually fitted from. `version` is the one the caller read at the start of its request or job
    (read once and passed down) and is looked up first; the slot is never looked up again by a
    re-read key, so a store swapped in the middle of a request cannot make the lookup fail."""
    path = str(Path(ctx.db_path).resolve())
    v = ctx.store.version() if version is None else version
    base = ctx.last_year if base_year is None else int(base_year)
    with _lock:
        hit = _cache.get((path, v, base))
    if hit is not None:
        return hit
    for _ in range(5):
        with _fit_lock:        # one fit at a time; cached lookups (above) never wait for it
            v = ctx.store.version()            # the version this fit actually opens
            base = ctx.last_year if base_year is None else int(base_year)
            key = (path, v, base)
            with _lock:
                hit = _cache.get(key)
            if hit is not None:
                return hit
            saved = saved_fit(ctx.db_path, v, base)
            fm = saved.load() if saved is not None else None
            fresh = fm is None
            if fresh:
                fm = FittedModel.fit(ModelInputs.from_store(ctx.store, ctx.regions, base))
            hit = (fm, [None])
        if ctx.store.version() != v:   # swapped while fitting: fit again from the file as it is
            continue
        if saved is not None and fresh:
            saved.save(fm)             # for the next process on this store version
        with _lock:
            for k in [k for k in _cache if k[0] == path and k[1] != v]:
                del _cache[k]  # the store was replaced: drop its stale models
            return _cache.setdefault(key, hit)
    return hit                 # swapped on every try: a valid model, not cached


def _stochastic_params(fm: FittedModel, slot: list) -> StochasticParams:
    """The stochastic parameters of `fm`, fitted once into its cache slot."""
    with _fit_lock:
        if slot[0] is None:
            slot[0] = StochasticParams.fit(fm)
        return slot[0]


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _floats(a: np.ndarray) -> list:
    return np.asarray(a, dtype=float).tolist()


def _check_to_year(to_year, base: int) -> None:
    if isinstance(to_year, bool) or not isinstance(to_year, (int, np.integer)):
        raise FramtidError(f"to_year must be a whole year between {base + 1} and {MAX_YEAR}.")
    if not base < int(to_year) <= MAX_YEAR:
        raise FramtidError(f"to_year must be between {base + 1} and {MAX_YEAR}; got {to_year}.")


def project_region(ctx: "Context", region_code: str, scenario: str = "main",
                   levers: dict[str, float] | None = None, to_year: int = 2050,
                   paths: int | None = None) -> dict:
    """Projection of one region (kommune, BA-region, fylke or Norway) as plain JSON data."""
    lv = resolve(scenario, levers)
    region = ctx.regions.resolve(region_code)
    # Cheap checks before the expensive fit: the base is the store's last year.
    _check_to_year(to_year, ctx.last_year)
    if paths is not None and (isinstance(paths, bool) or not isinstance(paths, (int, np.integer))
                              or not 1 <= paths <= MAX_PATHS):
        raise FramtidError(f"paths must be a whole number between 1 and {MAX_PATHS:,}; "
                           f"got {paths!r}.")
    fm, slot = fitted_entry(ctx, version=ctx.store.version())
    base = fm.base_year
    _check_to_year(to_year, base)
    to_year = int(to_year)
    k_idx = fm.inputs.kommune_index(ctx.regions.kommuner_in(region.code))
    base_tot = np.nan_to_num(fm.inputs.base_pop[k_idx]).sum(axis=(1, 2))
    weights = base_tot / base_tot.sum() if base_tot.sum() > 0 else None
    a = fm.assumptions(scenario=scenario, **lv.model_dump())
    proj = fm.project(to_year, a, k_idx, weights).aggregate(np.arange(len(k_idx)), region.code)
    pop = proj.pop[:, 0]                                   # [Y+1, 2, 106]
    groups = age_group_totals(pop)
    out = {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "scenario": {"name": scenario, "levers": lv.model_dump()},
        "base_year": base,
        "years": [int(y) for y in proj.years],
        "total": _floats(pop.sum(axis=(1, 2))),
        "age_groups": {g: _floats(v) for g, v in groups.items()},
        "by_age": {sex: _floats(pop[:, i]) for i, sex in enumerate(SEXES)},
    }
    out.update(official_block(ctx.store, ctx.regions, region.code))  # SSB's own, if held
    if paths is not None:
        sp = _stochastic_params(fm, slot)
        sim = simulate(fm, sp, a, to_year, int(paths), k_idx, np.zeros(len(k_idx), np.intp), 1,
                       weights)
        q = quantiles(sim)
        out["quantiles"] = {name: {g: _floats(v[:, 0, j]) for j, g in enumerate(GROUPS)}
                            for name, v in q.items()}
    return out


def run_backtest(ctx: "Context", bases: list[int], horizon: int, paths: int = 500) -> dict:
    """Backtest summary (see backtest.py). Percent numbers as percent; shares as 0..1."""
    years = ctx.store.population_cube()[0]
    first, last = int(years[0]), int(years[-1])
    if not bases:
        raise FramtidError("Give at least one base year.")
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise FramtidError(f"horizon must be a whole number of years ≥ 1; got {horizon!r}.")
    for b in bases:
        if not first + 3 <= b or b + horizon > last:
            raise FramtidError(
                f"Base {b} with horizon {horizon} needs population {b - 3}–{b + horizon}; the "
                f"store has {first}–{last} (bases {first + 3}–{last - horizon}).")
    if not 0 <= paths <= MAX_BACKTEST_PATHS:
        raise FramtidError(f"paths must be between 0 and {MAX_BACKTEST_PATHS:,}; got {paths}.")
    res = bt.run(ctx.store, ctx.regions, [int(b) for b in bases], int(horizon), int(paths))
    res["units"] = {"mape_*, malpe_*": "percent", "within_5pct, coverage80, coverage95":
                    "share of kommuner, 0..1"}
    return res


def run_bench(ctx: "Context | None" = None, repeats: int = 20) -> dict:
    """Timings (ms) of the engine, the stochastic model and the pandas reference."""
    from .. import config
    from ..context import Context
    from .reference_pandas import project_pandas

    ctx = ctx or Context(config.default_db_path())
    t0 = time.perf_counter()
    inp = ModelInputs.from_store(ctx.store, ctx.regions)
    fm = FittedModel.fit(inp)
    fit_ms = (time.perf_counter() - t0) * 1000
    a = fm.default_assumptions()
    fm.project(2050, a)                                   # warm the mortality cache
    det = []
    for _ in range(repeats):
        t = time.perf_counter()
        proj = fm.project(2050, a)
        det.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    ref = project_pandas(fm, 2050, a)
    pandas_ms = (time.perf_counter() - t) * 1000
    diff = float(np.abs(ref - proj.pop).max())
    sp = StochasticParams.fit(fm)
    one = fm.inputs.kommune_index(["3403"]) if "3403" in fm.inputs.codes else np.array([0])
    simulate(fm, sp, a, 2050, 1000, one, np.zeros(1, np.intp), 1)
    one_ms = []
    for _ in range(5):
        t = time.perf_counter()
        simulate(fm, sp, a, 2050, 1000, one, np.zeros(1, np.intp), 1)
        one_ms.append((time.perf_counter() - t) * 1000)
    every = np.arange(inp.n_kommuner)
    t = time.perf_counter()
    simulate(fm, sp, a, 2050, 1000, every, every, len(every))
    all_ms = (time.perf_counter() - t) * 1000
    fitted(ctx)
    svc = []
    for i in range(repeats):
        t = time.perf_counter()
        project_region(ctx, "3403", levers={"fertility": 1.4 + 0.01 * i})
        svc.append((time.perf_counter() - t) * 1000)
    det_ms = float(np.median(det))
    return {
        "fit_ms": fit_ms,
        "deterministic_all_kommuner_2050_ms": det_ms,
        "stochastic_1000_paths_one_kommune_ms": float(np.median(one_ms)),
        "stochastic_1000_paths_all_kommuner_ms": all_ms,
        "pandas_reference_all_kommuner_2050_ms": pandas_ms,
        "speedup_vs_pandas": pandas_ms / det_ms,
        "max_abs_diff_vs_pandas": diff,
        "service_one_kommune_p95_ms": float(np.percentile(svc, 95)),
        "kommuner": inp.n_kommuner, "base_year": fm.base_year,
        "levers": list(LEVERS),
    }


def run_trackrecord(ctx: "Context", rounds: list[int] | None = None, progress=None) -> dict:
    """SSB's rounds and framtid from the same base against the registered population."""
    from . import trackrecord

    res = trackrecord.run(ctx.store, ctx.regions, rounds, progress)
    if not res["rounds"]:
        raise FramtidError("The store holds no SSB projection round with registered years after "
                           "it; import a snapshot with SSB's projections or run `data update`.")
    res["units"] = {"mape_*": "percent", "norway_error_pct_*": "percent, signed"}
    return res
