"""Single-year age profiles (ages 0..105, female/male) built from the grouped source tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import FramtidError

N_AGES = 106
AGES = np.arange(N_AGES)


def _span(group: str) -> tuple[int, int]:
    """'67-79' → (67, 79); '90+' → (90, 105)."""
    if group.endswith("+"):
        return int(group[:-1]), N_AGES - 1
    lo, hi = group.split("-")
    return int(lo), int(hi)


def care_use_rates(care_use: pd.DataFrame, year: int = 2022) -> np.ndarray:
    """Share of each single age receiving municipal health and care services, [2, 106]."""
    df = care_use[(care_use["year"].astype(str) == str(year)) & (care_use["age_group"] != "total")]
    rates = np.full((2, N_AGES), np.nan)
    for s, sex in enumerate(("female", "male")):
        for row in df[df["sex"] == sex].itertuples(index=False):
            lo, hi = _span(row.age_group)
            rates[s, lo:hi + 1] = float(row.share_of_population_pct) / 100
    if np.isnan(rates).any():
        raise FramtidError(f"care_use table does not cover all ages for {year}")
    return rates


def employment_rates(emp: pd.DataFrame) -> np.ndarray:
    """Employment rate by single age and sex, [2, 106], before level calibration.

    Age pattern: register-based rates Q4 2006 (both sexes). Sex pattern: AKU 2016 labour-force
    participation of each sex relative to both sexes, in the overlapping age group.
    """
    reg = emp[emp["measure"] == "employment_rate_register"]
    aku = emp[emp["measure"] == "labour_force_participation_AKU"]
    both = np.zeros(N_AGES)
    for row in reg.itertuples(index=False):
        if row.age_group in ("15-74", "20-66"):
            continue
        lo, hi = _span(row.age_group)
        both[lo:hi + 1] = float(row.value_pct) / 100
    ratio = np.ones((2, N_AGES))
    lfp = {(r.age_group, r.sex): float(r.value_pct) for r in aku.itertuples(index=False)}
    for (group, sex), value in lfp.items():
        if group == "15-74" or sex == "both":
            continue
        lo, hi = _span(group)
        ratio[0 if sex == "female" else 1, lo:hi + 1] = value / lfp[(group, "both")]
    rates = both[None, :] * ratio
    if rates.max() <= 0:
        raise FramtidError("employment_rates table has no register-based rates by age")
    return rates


def shift_ages(rates: np.ndarray, years: float) -> np.ndarray:
    """Healthy ageing: the use at age a becomes today's use at age a − years (linear in between)."""
    if years == 0:
        return rates
    return np.stack([np.interp(AGES - years, AGES, r) for r in rates])
