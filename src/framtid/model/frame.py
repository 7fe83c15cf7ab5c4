"""The national frame: Norway's fertility and net international migration, year by year.

Every kommune projection is run inside a national path, as SSB's regional model is controlled to
its national model and the UK's subnational projections are constrained to the national ones.

Frame mode (the default scenarios main/low/high ↔ SSB's MMMM/LLML/HHMH): the national TFR and the
national net international migration by age and sex are solved, one year at a time, so that a
one-region projection of Norway reproduces SSB's path of persons by age group:
    target_g(t)  = SSB_g(t) · P_g(base) / SSB_g(base)     (SSB's growth from our jump-off)
    age 0:       births(t) = target_0(t+1) / Σ_s split_s · sb_s,
                 TFR(t) = births(t) / (f_nat · Σ_a shape_a · W_a(t+½))
    ages ≥ 1:    N_g = (target_g(t+1) − Σ_{a∈g} s_a X_a) / Σ_{a∈g} ω_a (1 + s_a) / 2,
                 N_a = ω_a N_g, ω the national age-sex profile of net immigration within g
                 (positive part; the population's own shape where a group has none).
Mortality follows the scenario's life-expectancy path, so N absorbs any difference between our
mortality and SSB's at old ages (measured in docs/validation.md). After SSB's last year the last
TFR and the mean of the last FRAME_HOLD_YEARS immigration arrays are held.

Own mode (scenario «own», framtid's own national estimate, and the fallback where the store holds
no SSB round for the base): the TFR path of fertility.py and the immigration level of
migration.py (reverting to the 2000–base mean).

Levers act on top of either: fertility adds (lever − scenario value) on a ramp reaching full
effect in TFR_TARGET_YEAR; immigration multiplies the international part by lever / scenario
value; life expectancy moves mortality (the frame's immigration is kept). The resulting national
population path sets the pool of internal movers (migration.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fertility import TFR_TARGET_YEAR, mid_year_women
from .inputs import NationalPath
from .migration import cohort_exposure

FRAME_HOLD_YEARS = 5   # after SSB's last year: mean immigration of this many last frame years


@dataclass(frozen=True)
class NationalComponents:
    """National inputs for steps base .. base+Y−1 and the national population they give."""

    years: np.ndarray    # [Y] start year of each step
    tfr: np.ndarray      # [Y]
    intl: np.ndarray     # [Y, 2, 106] net international migrants by age at t+1 (age 0 = 0)
    pop: np.ndarray      # [Y+1, 2, 106] Norway (one region)
    source: str          # "SSB 2026 MMMM" or "framtid"


def choose_path(official: dict, alternative: str, base: int) -> NationalPath | None:
    """The latest round with this alternative whose path covers base and base + 1."""
    best = None
    for (rnd, alt), path in official.items():
        if alt != alternative or rnd > base:
            continue
        covers = path.years[0] <= base and path.years[-1] >= base + 1
        if covers and (best is None or rnd > best.round):
            best = path
    return best


def _group_index(groups: tuple[tuple[int, int], ...], n_ages: int) -> np.ndarray:
    idx = np.full(n_ages, -1, dtype=np.intp)
    for g, (lo, hi) in enumerate(groups):
        idx[lo:hi + 1] = g
    return idx


def _step(p: np.ndarray, sc: np.ndarray, n: np.ndarray) -> np.ndarray:
    """One national step as the engine does it (projection.run), for one region, before the
    year's births (age 0 is left at 0 for the caller)."""
    x = cohort_exposure(p)
    n = np.maximum(n, -x * 2.0 * sc / (1.0 + sc))
    end = np.maximum(sc * x + n * (1.0 + sc) / 2.0, 0.0)
    end[:, 0] = 0.0
    return end


def solve_frame(path: NationalPath, pop0: np.ndarray, years: np.ndarray, sc: np.ndarray,
                sb: np.ndarray, shape: np.ndarray, f_nat: float, share_male: float,
                profile: np.ndarray) -> NationalComponents:
    """Fertility and immigration that make Norway follow `path` (see the module docstring)."""
    n_ages = pop0.shape[-1]
    gi = _group_index(path.groups, n_ages)
    split = np.array([1.0 - share_male, share_male])
    sums = np.array([pop0.sum(axis=0)[gi == g].sum() for g in range(len(path.groups))])
    base_i = int(np.searchsorted(path.years, years[0]))
    scale = sums / np.maximum(path.persons[base_i], 1e-9)
    omega_raw = np.maximum(profile, 0.0)
    p = pop0.copy()
    pops, tfrs, intls = [p], [], []
    for j, t in enumerate(years):
        if t + 1 > path.years[-1]:
            tfr = tfrs[-1]
            n = np.mean(intls[-FRAME_HOLD_YEARS:], axis=0)
        else:
            target = path.persons[int(np.searchsorted(path.years, t + 1))] * scale
            x = cohort_exposure(p)
            surv = sc[j] * x
            half = (1.0 + sc[j]) / 2.0
            n = np.zeros_like(p)
            for g, (lo, hi) in enumerate(path.groups):
                lo = max(lo, 1)
                if lo > hi:
                    continue
                w = omega_raw[:, lo:hi + 1]
                if w.sum() <= 1e-9 * max(omega_raw.sum(), 1e-9):
                    w = x[:, lo:hi + 1]
                w = w / max(w.sum(), 1e-12)
                need = target[g] - surv[:, lo:hi + 1].sum()
                n[:, lo:hi + 1] = w * need / max((w * half[:, lo:hi + 1]).sum(), 1e-12)
        end = _step(p, sc[j], n)       # everyone but the year's births
        per_tfr = f_nat * float(mid_year_women(p, end) @ shape)
        if t + 1 <= path.years[-1]:
            if path.groups[gi[0]] == (0, 0):
                births_needed = target[gi[0]] / float(split @ sb[j])
            else:   # no separate 0-year group: keep SSB's sum of the group holding age 0
                rest = end.sum(axis=0)[gi == gi[0]].sum()
                births_needed = max(target[gi[0]] - rest, 0.0) / float(split @ sb[j])
            tfr = births_needed / max(per_tfr, 1e-9)
        end[:, 0] = tfr * per_tfr * split * sb[j]
        n[:, 0] = 0.0
        tfrs.append(float(tfr))
        intls.append(n)
        pops.append(end)
        p = end
    return NationalComponents(years=np.asarray(years), tfr=np.array(tfrs), intl=np.stack(intls),
                              pop=np.stack(pops),
                              source=f"SSB {path.round} {path.alternative}")


def run_national(pop0: np.ndarray, years: np.ndarray, sc: np.ndarray, sb: np.ndarray,
                 shape: np.ndarray, f_nat: float, share_male: float, tfr: np.ndarray,
                 intl: np.ndarray, source: str) -> NationalComponents:
    """Norway as one region with given TFR and international migration (no internal net)."""
    split = np.array([1.0 - share_male, share_male])
    p = pop0.copy()
    pops = [p]
    for j in range(len(years)):
        end = _step(p, sc[j], intl[j])
        end[:, 0] = tfr[j] * f_nat * float(mid_year_women(p, end) @ shape) * split * sb[j]
        pops.append(end)
        p = end
    return NationalComponents(years=np.asarray(years), tfr=np.asarray(tfr, dtype=float),
                              intl=np.asarray(intl), pop=np.stack(pops), source=source)


def tfr_ramp(years: np.ndarray, base: int) -> np.ndarray:
    """[Y] 0 at the base, 1 from TFR_TARGET_YEAR: how much of a fertility lever has arrived."""
    span = max(TFR_TARGET_YEAR - base, 1)
    return np.clip((np.asarray(years) - base + 1) / span, 0.0, 1.0)

