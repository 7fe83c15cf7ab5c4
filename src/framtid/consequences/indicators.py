"""Indicators per year from a projected population by sex and single age.

Input: P[year, sex, age] (sex 0 = female, 1 = male; ages 0..105+). Output: one array per
indicator over the years. Care and workforce use the national calibration in `Calibration`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .levers import ConsequenceLevers
from .parameters import Parameter
from .profiles import N_AGES, care_use_rates, employment_rates, shift_ages

INDICATORS = (
    "population", "age_0_19", "age_20_66", "age_67_plus", "age_80_plus", "age_90_plus",
    "share_67_plus", "share_80_plus", "median_age", "aldersbaereevne_67", "aldersbaereevne_80",
    "children_1_5", "children_6_15", "youth_16_18", "care_users", "care_workers_needed",
    "care_share_of_workforce", "employed",
)


@dataclass(frozen=True)
class Calibration:
    """National calibration of care and employment, computed once per store and parameters."""

    care_rates: np.ndarray        # [2, 106] share using municipal care services
    employment_rates: np.ndarray  # [2, 106] employed share, level-scaled to the 2024 count
    workers_per_user: float       # care workers per care user that gives Norway its real share
    full_effect_year: int
    max_employment_rate: float

    @classmethod
    def from_tables(cls, care_use, employment, nation_pop: np.ndarray,
                    params: dict[str, Parameter]) -> "Calibration":
        """`nation_pop` is Norway's P[sex, age] on 1 January of the calibration year."""
        care = care_use_rates(care_use, int(params["care_use_year"].value))
        emp = employment_rates(employment)
        employed_raw = float((emp * nation_pop)[:, 15:75].sum())
        emp = emp * (params["employed_persons_2024"].value / employed_raw)
        employed = float((emp * nation_pop).sum())
        users = float((care * nation_pop).sum())
        wpu = params["care_share_of_employed_base"].value * employed / users
        return cls(care, emp, wpu, int(params["lever_full_effect_year"].value),
                   params["max_employment_rate"].value)


def _bands(cum: np.ndarray, lo: int, hi: int | None = None) -> np.ndarray:
    """Persons aged lo..hi (inclusive; hi None = open top) from the cumulative sum over age."""
    top = cum[..., N_AGES - 1 if hi is None else hi]
    return top - cum[..., lo - 1] if lo > 0 else top


def median_age(p: np.ndarray) -> np.ndarray:
    """Median age from P[..., sex, age], birthdays spread evenly within each year of age."""
    return _median_from_cum(np.cumsum(p.sum(axis=-2), axis=-1))


def _median_from_cum(cum: np.ndarray) -> np.ndarray:
    lead = cum.shape[:-1]
    cum = cum.reshape(-1, N_AGES)
    half = cum[:, -1:] / 2
    idx = np.minimum((cum < half).sum(axis=1), N_AGES - 1)
    before = np.where(idx > 0, np.take_along_axis(cum, np.maximum(idx - 1, 0)[:, None], 1)[:, 0], 0)
    at = np.take_along_axis(cum, idx[:, None], 1)[:, 0] - before
    return (idx + (half[:, 0] - before) / np.where(at > 0, at, 1)).reshape(lead)


def _weighted(p: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Σ over sex and age of P × rates, with rates [year, sex, age]; a matrix product per year
    (BLAS) rather than a broadcast product, which matters for all kommuner at once."""
    y = p.shape[0]
    flat = p.reshape(y, -1, 2 * N_AGES)
    out = np.matmul(flat, rates.reshape(y, 2 * N_AGES, 1))[..., 0]
    return out.reshape(p.shape[:-2])


def phase_in(years: np.ndarray, base_year: int, full_year: int) -> np.ndarray:
    span = max(full_year - base_year, 1)
    return np.clip((years - base_year) / span, 0.0, 1.0)


def employment_by_year(cal: Calibration, years: np.ndarray, levers: ConsequenceLevers
                       ) -> np.ndarray:
    """Employment rates [year, sex, age] with the employment levers phased in."""
    phi = phase_in(years, int(years[0]), cal.full_effect_year)[:, None, None]
    add = np.zeros((2, N_AGES))
    add[:, 20:67] += levers.employment_overall / 100
    add[0, 20:67] += levers.employment_women / 100
    add[:, 60:70] += levers.employment_seniors / 100
    base = cal.employment_rates[None]
    lifted = np.clip(base + phi * add[None], 0.0, None)
    # A lever can't push a rate past the ceiling; a rate already above it stays where it is.
    ceiling = np.maximum(cal.max_employment_rate, base)
    return np.minimum(lifted, ceiling)


def care_rates_by_year(cal: Calibration, years: np.ndarray, levers: ConsequenceLevers
                       ) -> np.ndarray:
    phi = phase_in(years, int(years[0]), cal.full_effect_year)
    return np.stack([shift_ages(cal.care_rates, levers.healthy_ageing * f) for f in phi])


def compute(p: np.ndarray, years: np.ndarray, cal: Calibration,
            levers: ConsequenceLevers | None = None) -> dict[str, np.ndarray]:
    """All indicators. `p` is P[year, sex, age] for one region, or P[year, region, sex, age] for
    many at once (then each indicator is [year, region]); years[0] is the base year."""
    levers = levers or ConsequenceLevers()
    years = np.asarray(years)
    cum = np.cumsum(p.sum(axis=-2), axis=-1)   # persons aged ≤ a, [..., age]
    total = cum[..., -1]
    a20_66 = _bands(cum, 20, 66)
    a67 = _bands(cum, 67)
    a80 = _bands(cum, 80)
    care_users = _weighted(p, care_rates_by_year(cal, years, levers))
    employed = _weighted(p, employment_by_year(cal, years, levers))
    phi = phase_in(years, int(years[0]), cal.full_effect_year)
    productivity = (1 - phi * levers.care_productivity / 100).reshape((-1,) + (1,) * (p.ndim - 3))
    workers = care_users * cal.workers_per_user * productivity
    with np.errstate(divide="ignore", invalid="ignore"):  # a region with no elderly → NaN
        safe = lambda x: np.where(x > 0, x, np.nan)  # noqa: E731
        return {
            "population": total,
            "age_0_19": _bands(cum, 0, 19),
            "age_20_66": a20_66,
            "age_67_plus": a67,
            "age_80_plus": a80,
            "age_90_plus": _bands(cum, 90),
            "share_67_plus": a67 / safe(total),
            "share_80_plus": a80 / safe(total),
            "median_age": _median_from_cum(cum),
            "aldersbaereevne_67": a20_66 / safe(a67),
            "aldersbaereevne_80": a20_66 / safe(a80),
            "children_1_5": _bands(cum, 1, 5),
            "children_6_15": _bands(cum, 6, 15),
            "youth_16_18": _bands(cum, 16, 18),
            "care_users": care_users,
            "care_workers_needed": workers,
            "care_share_of_workforce": workers / safe(employed),
            "employed": employed,
        }
