"""Consequence indicators on real registered populations (no projection needed)."""

from __future__ import annotations

import numpy as np
import pytest

from framtid.consequences.indicators import Calibration, compute, median_age
from framtid.consequences.levers import ConsequenceLevers, parse
from framtid.consequences.parameters import resolve
from framtid.consequences.whatittakes import solve
from framtid.errors import FramtidError

YEARS = np.arange(2016, 2027)


@pytest.fixture(scope="module")
def cal(ctx):
    params = resolve()
    return Calibration.from_tables(ctx.store.table("care_use"),
                                   ctx.store.table("employment_rates"),
                                   ctx.regions.population("NO", 2025), params)


def history(ctx, code):
    return np.stack([ctx.regions.population(code, int(y)) for y in YEARS])


def test_norway_calibrated_to_real_care_share(ctx, cal):
    ind = compute(history(ctx, "NO"), YEARS, cal)
    i2025 = list(YEARS).index(2025)
    assert ind["care_share_of_workforce"][i2025] == pytest.approx(0.15, rel=1e-9)
    assert ind["employed"][i2025] == pytest.approx(2_863_317, rel=0.02)  # 15–74 calibrated
    # «about 3.6 in 2024» (DOMAIN.md, quoting a regional portal); registered: 3.70 (2024), 3.57 (2026)
    assert 3.5 < ind["aldersbaereevne_67"][list(YEARS).index(2024)] < 3.75


def test_counts_and_shares_are_consistent(ctx, cal):
    p = history(ctx, "3403")
    ind = compute(p, YEARS, cal)
    np.testing.assert_allclose(ind["population"], p.sum(axis=(1, 2)))
    np.testing.assert_allclose(ind["share_67_plus"] * ind["population"], ind["age_67_plus"])
    assert (ind["age_90_plus"] <= ind["age_80_plus"]).all()
    assert (ind["age_80_plus"] <= ind["age_67_plus"]).all()
    assert ((ind["median_age"] > 30) & (ind["median_age"] < 60)).all()


def test_median_age_simple():
    p = np.zeros((1, 2, 106))
    p[0, 0, 10] = 50
    p[0, 1, 30] = 50
    assert median_age(p)[0] == pytest.approx(11.0)


def test_levers_move_indicators_the_right_way(ctx, cal):
    p = history(ctx, "NO")
    base = compute(p, YEARS, cal)
    healthy = compute(p, YEARS, cal, ConsequenceLevers(healthy_ageing=2))
    prod = compute(p, YEARS, cal, ConsequenceLevers(care_productivity=10))
    work = compute(p, YEARS, cal, ConsequenceLevers(employment_seniors=5, employment_women=2))
    assert healthy["care_users"][-1] < base["care_users"][-1]
    assert healthy["care_users"][0] == base["care_users"][0]  # phased in from the base year
    assert prod["care_workers_needed"][-1] < base["care_workers_needed"][-1]
    assert work["employed"][-1] > base["employed"][-1]
    assert work["care_share_of_workforce"][-1] < base["care_share_of_workforce"][-1]


def test_lever_out_of_range_names_range():
    with pytest.raises(FramtidError, match=r"healthy_ageing=9.0 is out of range: 0–5 years"):
        parse({"healthy_ageing": 9.0})
    with pytest.raises(FramtidError, match="unknown lever 'bogus'"):
        parse({"bogus": 1})


def test_parameter_override_validated():
    assert resolve({"care_share_of_employed_base": 0.16})["care_share_of_employed_base"].value == 0.16
    with pytest.raises(FramtidError, match="out of range: 0.05–0.4"):
        resolve({"care_share_of_employed_base": 0.9})
    with pytest.raises(FramtidError, match="Unknown parameter"):
        resolve({"nope": 1})


def test_solve_productivity_keeps_care_share(ctx, cal):
    """The productivity gain that would have kept Hamar's 2016 care share in 2026."""
    p = history(ctx, "3403")
    share = lambda lev: compute(p, YEARS, cal, ConsequenceLevers(care_productivity=lev))[
        "care_share_of_workforce"]
    today = share(0)[0]
    sol = solve(lambda x: float(share(x)[-1]), today, -20, 50)
    assert sol.reachable
    assert share(sol.value)[-1] == pytest.approx(today, rel=1e-3)


def test_solve_unreachable_reports_best():
    sol = solve(lambda x: 10 + x, target=0.0, lo=0.0, hi=5.0)
    assert not sol.reachable and sol.value is None and sol.best_value == 0.0


def test_method_doc_carries_the_parameter_table():
    from pathlib import Path

    from framtid.consequences.parameters import markdown_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "method.md").read_text()
    assert markdown_table() in doc, "docs/method.md: paste `framtid params --markdown` again"
