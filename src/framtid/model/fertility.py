"""Fertility: national age pattern × national TFR path × kommune level factor.

    births_k(t) = f_k · TFR(t) · Σ_a shape_a · W_k,a(t)
W_k,a(t) = ½ (women aged a on 1 January t + women aged a on 1 January t+1) is the mid-year
exposure, shape_a the national ASFR age pattern (mean of the last FERT_SHAPE_YEARS HFD years,
normalised to sum 1), ages 12..55 (12 = "12 or younger", 55 = "55 or older").

"Births" are effective births: f_k is estimated from the number of 0-year-olds on 1 January, so it
includes infants who die (made explicit through s_b) and the net migration of infants born in the
year (which the data cannot separate). Age 0 therefore gets no separate net migration.

Kommune factor: f_k = Σ_t O_k,t / Σ_t E_k,t over the last FERT_FACTOR_YEARS transitions, where O
are the 0-year-olds on 1 January t+1 and E = s_b · Σ_a asfr_a(t) W_k,a(t) the number expected at
national rates. It is shrunk toward its BA-region (and the BA-region toward its fylke) by empirical-Bayes
credibility weights w = τ² / (τ² + f/E): τ² is the between-unit variance left after removing the
Poisson variance f/E; small kommuner (small E) lean on their region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inputs import FEMALE, FERT_AGES, ModelInputs
from .mortality import MortalityModel

FA0, FA1 = int(FERT_AGES[0]), int(FERT_AGES[-1]) + 1
FERT_SHAPE_YEARS = 3       # HFD years averaged into the age pattern
FERT_FACTOR_YEARS = 5      # transitions pooled into each kommune's level factor
NOWCAST_CALIBRATION_YEARS = 5   # years with both HFD and population used to calibrate the nowcast
SEX_RATIO_YEARS = 10       # years of national 0-year-olds used for the share of boys
# Our main assumption (not SSB's: NF2024's fertility path was not found in the stored material,
# see shared/data/extra/README.md). TFR rises linearly from the latest estimate (2022 HFD: 1.41;
# nowcast from the 0-year-olds in the 2023–2026 population) to 1.60 in 2050: a "slow rise",
# between holding today's 1.4–1.45 and NF2022's long-run 1.7.
TFR_TARGET_MAIN = 1.60
TFR_TARGET_YEAR = 2050
TFR_ASSUMPTION_VINTAGE = 2024   # earlier bases (backtests) hold the jump-off TFR instead


def mid_year_women(pop_t: np.ndarray, pop_t1: np.ndarray) -> np.ndarray:
    """[..., 44] mid-year exposure of women aged 12..55.

    HFD divides the open groups "12-" and "55+" by the exposure at exactly 12 and 55, so those
    single ages are the right denominators here too.
    """
    return 0.5 * (pop_t[..., FEMALE, FA0:FA1] + pop_t1[..., FEMALE, FA0:FA1])


def credibility(obs: np.ndarray, exp_: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Empirical-Bayes shrinkage of ratios obs/exp toward `prior` (Poisson sampling variance)."""
    raw = obs / np.maximum(exp_, 1e-9)
    sampling = prior / np.maximum(exp_, 1e-9)
    wts = exp_ / exp_.sum()
    tau2 = max(float(np.sum(wts * (raw - prior) ** 2) - np.sum(wts * sampling)), 1e-6)
    w = tau2 / (tau2 + sampling)
    return w * raw + (1 - w) * prior


@dataclass
class FertilityModel:
    shape: np.ndarray             # [44] sums to 1
    factor: np.ndarray            # [K] kommune level factors (1 = national rates)
    factor_raw: np.ndarray        # [K] unshrunk observed/expected
    expected_births: np.ndarray   # [K] Σ E over the factor window (credibility weight)
    tfr_years: np.ndarray         # years with a TFR (observed or nowcast)
    tfr: np.ndarray               # national TFR in those years
    tfr_nowcast_from: int | None  # first year that is a nowcast
    jump_off_year: int
    jump_off_tfr: float
    default_target: float
    target_source: str
    share_male: float
    annual_obs: np.ndarray        # [T, K] 0-year-olds on 1 January t+1, every step with a TFR
    annual_exp: np.ndarray        # [T, K] expected at national rates
    annual_ok: np.ndarray         # [T, K]

    @classmethod
    def fit(cls, inp: ModelInputs, mort: MortalityModel) -> "FertilityModel":
        shape = inp.asfr[-FERT_SHAPE_YEARS:].mean(axis=0)
        shape = shape / shape.sum()
        tfr_years, tfr, nowcast_from = _national_tfr(inp, mort, shape)

        # Observed and expected 0-year-olds per step with a national TFR (annual series kept
        # for the stochastic model); factors pool the last FERT_FACTOR_YEARS of them.
        py = inp.pop_years
        steps = np.array([t for t in py[:-1] if t in tfr_years], dtype=int)
        obs_a = np.zeros((len(steps), inp.n_kommuner))
        exp_a = np.zeros((len(steps), inp.n_kommuner))
        ok_a = np.zeros((len(steps), inp.n_kommuner), dtype=bool)
        if len(steps):
            _, sb = mort.survival_for(steps)
        for j, t in enumerate(steps):
            i = int(np.searchsorted(py, t))
            p0, p1 = inp.pop[i], inp.pop[i + 1]
            ok_a[j] = ~(np.isnan(p0).any(axis=(1, 2)) | np.isnan(p1).any(axis=(1, 2)))
            rate = shape * tfr[np.searchsorted(tfr_years, t)]
            e = sb[j].mean() * (mid_year_women(np.nan_to_num(p0), np.nan_to_num(p1)) @ rate)
            obs_a[j] = np.where(ok_a[j], np.nan_to_num(p1[:, :, 0]).sum(axis=1), 0.0)
            exp_a[j] = np.where(ok_a[j], e, 0.0)
        obs = obs_a[-FERT_FACTOR_YEARS:].sum(axis=0)
        exp_ = exp_a[-FERT_FACTOR_YEARS:].sum(axis=0)
        raw = obs / np.maximum(exp_, 1e-9)
        nat = obs.sum() / exp_.sum()
        fyl_o = np.bincount(inp.fylke_index, obs)
        fyl_e = np.bincount(inp.fylke_index, exp_)
        ba_o = np.bincount(inp.ba_index, obs)
        ba_e = np.bincount(inp.ba_index, exp_)
        fylke_of_ba = np.zeros(len(ba_o), dtype=np.intp)
        fylke_of_ba[inp.ba_index] = inp.fylke_index     # a BA-region's main fylke (last wins)
        fyl = credibility(fyl_o, fyl_e, np.full(len(fyl_o), nat))
        ba = credibility(ba_o, ba_e, fyl[fylke_of_ba])
        factor = credibility(obs, exp_, ba[inp.ba_index])

        # Share of boys among 0-year-olds, national, recent years.
        n0 = inp.nat_pop[-SEX_RATIO_YEARS:, :, 0].sum(axis=0)
        share_male = float(n0[1] / n0.sum())

        jy, jt = int(tfr_years[-1]), float(tfr[-1])
        if inp.base_year >= TFR_ASSUMPTION_VINTAGE:
            target, source = TFR_TARGET_MAIN, "framtid assumption (slow rise, see docs/method.md)"
        else:
            target, source = jt, f"jump-off TFR {jy} held (backtest: no later assumption known)"
        return cls(shape=shape, factor=factor, factor_raw=raw, expected_births=exp_,
                   tfr_years=tfr_years, tfr=tfr, tfr_nowcast_from=nowcast_from,
                   jump_off_year=jy, jump_off_tfr=jt, default_target=float(target),
                   target_source=source, share_male=share_male, annual_obs=obs_a,
                   annual_exp=exp_a, annual_ok=ok_a)

    def tfr_path(self, years: np.ndarray, target: float) -> np.ndarray:
        """[Y] national TFR: observed/nowcast where known, else linear to target, flat after."""
        years = np.asarray(years)
        frac = np.clip((years - self.jump_off_year) / (TFR_TARGET_YEAR - self.jump_off_year),
                       0.0, 1.0)
        path = self.jump_off_tfr + frac * (target - self.jump_off_tfr)
        known = np.isin(years, self.tfr_years)
        path[known] = self.tfr[np.searchsorted(self.tfr_years, years[known])]
        return path

    def asfr_path(self, years: np.ndarray, target: float) -> np.ndarray:
        """[Y, 44] national ASFR per year."""
        return self.tfr_path(years, target)[:, None] * self.shape[None, :]


def _national_tfr(inp: ModelInputs, mort: MortalityModel, shape: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, int | None]:
    """HFD TFR, extended past the last HFD year by a nowcast from national 0-year-olds.

    For HFD years the ratio c_t = 0-year-olds(t+1) / expected(t) measures infant migration and
    timing; its mean over the last NOWCAST_CALIBRATION_YEARS calibrates the nowcast
    TFR_t = 0-year-olds(t+1) / (c · s_b · Σ shape_a W_a(t)).
    """
    years = inp.fert_years.copy()
    tfr = inp.asfr.sum(axis=1)
    ny, npop = inp.nat_years, inp.nat_pop

    def expected_per_tfr(t: int) -> float:
        i = int(np.searchsorted(ny, t))
        _, sb = mort.survival_for(np.array([t]))
        return float(sb[0].mean() * (mid_year_women(npop[i], npop[i + 1]) @ shape))

    cal = [t for t in years[-NOWCAST_CALIBRATION_YEARS:] if t + 1 in ny]
    if not cal:
        return years, tfr, None
    c = np.mean([npop[int(np.searchsorted(ny, t + 1)), :, 0].sum()
                 / (expected_per_tfr(t) * tfr[np.searchsorted(years, t)]) for t in cal])
    extra = [t for t in range(int(years[-1]) + 1, inp.base_year) if t in ny and t + 1 in ny]
    if not extra:
        return years, tfr, None
    now = [npop[int(np.searchsorted(ny, t + 1)), :, 0].sum() / (c * expected_per_tfr(t))
           for t in extra]
    return (np.concatenate([years, extra]).astype(int), np.concatenate([tfr, now]), extra[0])
