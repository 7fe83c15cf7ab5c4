"""Benchmarks of the consequences layer (pytest-benchmark; not a timed test).

Targets (issue «linked future picture»): projection + indicators for all 357 kommuner ≤ 30 ms;
one «what it takes» for one kommune ≤ 0.2 s. The plain reference computes one kommune at a time.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def parts(ctx):
    from framtid.consequences.service import calibration
    from framtid.model.service import fitted

    fm = fitted(ctx)
    return fm, calibration(ctx), fm.project(2050)


def test_projection_plus_indicators_all_kommuner(benchmark, parts):
    from framtid.consequences.indicators import compute

    fm, cal, _ = parts

    def run():
        p = fm.project(2050)
        return compute(p.pop, p.years, cal)

    ind = benchmark(run)
    assert ind["care_share_of_workforce"].shape[1] == 357


def test_indicators_plain_loop_reference(benchmark, parts):
    from framtid.consequences.indicators import compute

    _, cal, proj = parts
    benchmark(lambda: [compute(proj.pop[:, k], proj.years, cal) for k in range(357)])


def test_whatittakes_one_kommune(benchmark, ctx):
    from framtid.consequences.service import what_it_takes

    res = benchmark(lambda: what_it_takes(ctx, "3403", "aldersbaereevne_67", "young_adults"))
    assert res["reachable"]
