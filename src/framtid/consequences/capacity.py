"""Capacity in the units a council decides in: places in institutions for people 67+,
kindergarten places, teachers, upper-secondary classes, and the «decide by» year from a lead time.

All from a projected population P[year, sex, age] and the named parameters in `parameters.py`:

    institution places(t) = Σ_a r(a − k·φ(t)) · P[t, a]      (ages 67+, both sexes)
        r(a) = residents in 2010 of a's age group / Norway's 2010 population of the group,
               scaled so that Norway's places in 2022 = institution_recipients_2022 × share 67+
        k = the healthy-ageing lever (years), φ(t) its phase-in (as for care use)
    kindergarten places = children 1–5 × kindergarten_coverage_1_5
    teachers            = children 6–9 / pupils_per_teacher_1_4 + 10–15 / pupils_per_teacher_5_10
    upper-secondary classes = persons 16–18 / upper_secondary_class_size
    decide by = first year need > today × (1 + capacity_margin), minus the lead time
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .indicators import phase_in
from .parameters import Parameter
from .profiles import N_AGES, shift_ages

CAPACITY = ("institution_places", "kindergarten_places", "teachers", "upper_secondary_classes")
_GROUPS = {"67_79": (67, 79), "80_89": (80, 89), "90_plus": (90, N_AGES - 1)}
LEAD_TIMES = {"institution_places": "lead_time_nursing_home", "teachers": "lead_time_school",
              "kindergarten_places": "lead_time_kindergarten", "care_workers_needed":
              "lead_time_nurse", "upper_secondary_classes": "lead_time_school"}


@dataclass(frozen=True)
class CapacityCalibration:
    institution_rates: np.ndarray   # [2, 106] places per person, by sex and age (0 below 67)
    params: dict[str, Parameter]

    @classmethod
    def from_population(cls, pop_2010: np.ndarray, pop_2022: np.ndarray,
                        params: dict[str, Parameter]) -> "CapacityCalibration":
        """`pop_2010`, `pop_2022`: Norway's P[sex, age] on 1 January of those years."""
        by_age = pop_2010.sum(axis=0)
        rates = np.zeros(N_AGES)
        for key, (lo, hi) in _GROUPS.items():
            n = by_age[lo:hi + 1].sum()
            rates[lo:hi + 1] = params[f"institution_residents_2010_{key}"].value / n if n else 0
        residents = sum(params[f"institution_residents_2010_{k}"].value
                        for k in (*_GROUPS, "0_66"))
        elderly_share = 1 - params["institution_residents_2010_0_66"].value / residents
        target = params["institution_recipients_2022"].value * elderly_share
        rates *= target / float((pop_2022.sum(axis=0) * rates).sum())
        return cls(np.stack([rates, rates]), params)


def _band(p: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return p[..., lo:hi + 1].sum(axis=(-1, -2))


def compute(p: np.ndarray, years: np.ndarray, cal: CapacityCalibration,
            healthy_ageing: float = 0.0, full_effect_year: int = 2040) -> dict[str, np.ndarray]:
    """Capacity needs per year for one region, P[year, sex, age]."""
    years = np.asarray(years)
    par = {k: v.value for k, v in cal.params.items()}
    if healthy_ageing:
        phi = phase_in(years, int(years[0]), full_effect_year)
        rates = np.stack([shift_ages(cal.institution_rates, healthy_ageing * f) for f in phi])
    else:
        rates = np.broadcast_to(cal.institution_rates, (len(years), 2, N_AGES))
    return {
        "institution_places": (p * rates).sum(axis=(-1, -2)),
        "kindergarten_places": _band(p, 1, 5) * par["kindergarten_coverage_1_5"],
        "teachers": (_band(p, 6, 9) / par["pupils_per_teacher_1_4"]
                     + _band(p, 10, 15) / par["pupils_per_teacher_5_10"]),
        "upper_secondary_classes": _band(p, 16, 18) / par["upper_secondary_class_size"],
        "age_0_18": _band(p, 0, 18),
    }


def decide_by(need: np.ndarray, years: list[int], lead_time: float, margin: float
              ) -> tuple[int | None, int | None]:
    """(year the need first exceeds today's by more than `margin`, that year − lead time), or
    (None, None) if it never does within `years`. The decision year is never before the base."""
    today = float(need[0])
    over = [y for y, v in zip(years, need) if v > today * (1 + margin) and y > years[0]]
    if not over or today <= 0 and not over:
        return None, None
    first = int(over[0])
    return first, max(int(years[0]), first - int(round(lead_time)))
