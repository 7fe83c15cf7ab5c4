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


def _band(p: np.ndarray, lo: int, hi: int | None = None) -> np.ndarray:
    """Persons aged lo..hi (inclusive; hi None = open top) per year from P[year, sex, age]."""
    return p[:, :, lo:(N_AGES if hi is None else hi + 1)].sum(axis=(1, 2))


def median_age(p: np.ndarray) -> np.ndarray:
    """Median age per year, assuming birthdays spread evenly within each year of age."""
    by_age = p.sum(axis=1)
    cum = np.cumsum(by_age, axis=1)
    half = cum[:, -1:] / 2
    idx = (cum < half).sum(axis=1)
    before = np.where(idx > 0, np.take_along_axis(cum, np.maximum(idx - 1, 0)[:, None], 1)[:, 0], 0)
    at = np.take_along_axis(by_age, idx[:, None], 1)[:, 0]
    return idx + (half[:, 0] - before) / np.where(at > 0, at, 1)


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
    """All indicators for one region. `p` is P[year, sex, age]; years[0] is the base year."""
    levers = levers or ConsequenceLevers()
    years = np.asarray(years)
    total = p.sum(axis=(1, 2))
    a20_66 = _band(p, 20, 66)
    a67 = _band(p, 67)
    a80 = _band(p, 80)
    care_users = (care_rates_by_year(cal, years, levers) * p).sum(axis=(1, 2))
    phi = phase_in(years, int(years[0]), cal.full_effect_year)
    productivity = 1 - phi * levers.care_productivity / 100
    workers = care_users * cal.workers_per_user * productivity
    employed = (employment_by_year(cal, years, levers) * p).sum(axis=(1, 2))
    safe = lambda x: np.where(x > 0, x, np.nan)  # noqa: E731  (a region with no elderly)
    return {
        "population": total,
        "age_0_19": _band(p, 0, 19),
        "age_20_66": a20_66,
        "age_67_plus": a67,
        "age_80_plus": a80,
        "age_90_plus": _band(p, 90),
        "share_67_plus": a67 / safe(total),
        "share_80_plus": a80 / safe(total),
        "median_age": median_age(p),
        "aldersbaereevne_67": a20_66 / safe(a67),
        "aldersbaereevne_80": a20_66 / safe(a80),
        "children_1_5": _band(p, 1, 5),
        "children_6_15": _band(p, 6, 15),
        "youth_16_18": _band(p, 16, 18),
        "care_users": care_users,
        "care_workers_needed": workers,
        "care_share_of_workforce": workers / safe(employed),
        "employed": employed,
    }
