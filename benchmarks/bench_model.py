"""Benchmarks of the projection model (pytest-benchmark; not a timed test).

Run: .venv/bin/python -m pytest benchmarks/bench_model.py --benchmark-only
Targets (docs/validation.md): all kommuner to 2050 ≤ 20 ms; 1,000 paths for one kommune ≤ 0.5 s;
≥ 100× faster than the plain pandas reference; one service call (slider move) p95 ≤ 50 ms.
"""

from __future__ import annotations

import time

import numpy as np
import pytest


@pytest.fixture(scope="module")
def fm(ctx):
    from framtid.model import service

    model = service.fitted(ctx)
    model.project(2050)          # warm caches (mortality solution for the default levers)
    return model


@pytest.fixture(scope="module")
def sp(fm):
    from framtid.model.stochastic import StochasticParams

    return StochasticParams.fit(fm)


def test_deterministic_all_kommuner_2050(benchmark, fm):
    proj = benchmark(fm.project, 2050)
    assert proj.pop.shape[1] == fm.inputs.n_kommuner


def test_stochastic_1000_paths_one_kommune(benchmark, fm, sp):
    from framtid.model.stochastic import simulate

    k = fm.inputs.kommune_index(["3403"])
    a = fm.default_assumptions()
    sim = benchmark(simulate, fm, sp, a, 2050, 1000, k, np.zeros(1, np.intp), 1)
    assert sim.shape[1] == 1000


def test_stochastic_1000_paths_all_kommuner(benchmark, fm, sp):
    from framtid.model.stochastic import simulate

    k = np.arange(fm.inputs.n_kommuner)
    a = fm.default_assumptions()
    sim = benchmark.pedantic(simulate, args=(fm, sp, a, 2050, 1000, k, k, len(k)), rounds=1,
                             iterations=1)
    assert sim.shape[2] == len(k)


def test_pandas_reference_ratio(benchmark, fm):
    from framtid.model.reference_pandas import project_pandas

    ref = benchmark.pedantic(project_pandas, args=(fm, 2050), rounds=1, iterations=1)
    t = []
    for _ in range(20):
        t0 = time.perf_counter()
        ours = fm.project(2050)
        t.append(time.perf_counter() - t0)
    ratio = benchmark.stats.stats.mean / float(np.median(t))
    benchmark.extra_info["speedup_vs_pandas"] = ratio
    benchmark.extra_info["max_abs_diff"] = float(np.abs(ref - ours.pop).max())
    assert np.abs(ref - ours.pop).max() <= 1e-6


def test_service_one_kommune_slider(benchmark, ctx, fm):
    from framtid.model import service

    values = iter(np.linspace(1.2, 2.2, 10_000))
    res = benchmark(lambda: service.project_region(ctx, "3403",
                                                   levers={"fertility": next(values)}))
    assert res["region"]["code"] == "3403"
