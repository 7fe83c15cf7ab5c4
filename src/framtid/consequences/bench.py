"""Benchmark figures for the consequences layer (`framtid bench`): all kommuner at once against a
plain per-kommune loop, and «what it takes» for one kommune."""

from __future__ import annotations

import time

import numpy as np

from .indicators import compute


def _best_ms(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def run(ctx, repeats: int = 10) -> dict:
    from ..model.service import fitted
    from .service import calibration, what_it_takes

    fm = fitted(ctx)
    cal = calibration(ctx)
    proj = fm.project(2050)

    def vectorised():
        p = fm.project(2050)
        compute(p.pop, p.years, cal)

    def loop():  # the plain way: one kommune at a time
        for k in range(proj.pop.shape[1]):
            compute(proj.pop[:, k], proj.years, cal)

    projection_only = _best_ms(lambda: fm.project(2050), repeats)
    both = _best_ms(vectorised, repeats)
    plain = _best_ms(loop, max(2, repeats // 5))
    indicators_only = _best_ms(lambda: compute(proj.pop, proj.years, cal), repeats)
    wit_pop = _best_ms(lambda: what_it_takes(ctx, "3403", "aldersbaereevne_67", "young_adults"),
                       max(2, repeats // 2))
    wit_care = _best_ms(lambda: what_it_takes(ctx, "3403", "care_share_of_workforce",
                                              "care_productivity"), max(2, repeats // 2))
    return {
        "projection_all_kommuner_ms": round(projection_only, 2),
        "indicators_all_kommuner_ms": round(indicators_only, 2),
        "projection_plus_indicators_all_kommuner_ms": round(both, 2),
        "indicators_plain_loop_ms": round(plain, 2),
        "indicators_speedup_vs_loop": round(plain / indicators_only, 1),
        "whatittakes_young_adults_3403_ms": round(wit_pop, 1),
        "whatittakes_care_productivity_3403_ms": round(wit_care, 1),
        "kommuner": int(proj.pop.shape[1]),
        "numpy": np.__version__,
    }
