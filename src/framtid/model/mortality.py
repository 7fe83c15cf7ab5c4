"""National mortality: life tables from HMD mx, improvement toward a life-expectancy target.

Model (Lee–Carter-like with a prescribed e0 path):
    m_x(t) = m_x(base) · exp(−b_x · κ_t)
m_x(base) is the mean of the last MORT_JUMP_OFF_YEARS observed years (less noise at old ages),
b_x ≥ 0 the age pattern of the observed log-linear decline over the last MORT_TREND_YEARS years
(smoothed across age, normalised to mean 1), and κ_t is solved per year and sex by bisection so that
e0(t) lies on a straight line from the last observed e0 to the 2050 target, flat after 2050.

Projection survival (1 January to 1 January, Lexis parallelograms):
    persons aged a → a+1:   s_a = L_{a+1} / L_a           (a = 0..103)
    aged 104 and 105+ → 105+: s = T_105 / T_104          (UN convention for the open interval)
    births of the year → age 0 on 1 January: s_b = L_0    (radix 1, births spread evenly)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .inputs import N_AGES, OPEN_AGE, ModelInputs

# SSB, Nasjonale befolkningsframskrivinger 2024, main alternative (NTB/Dagsavisen 2024-06-05,
# shared/data/extra/projections): life expectancy at birth in 2050, [female, male].
SSB2024_E0_2050 = np.array([88.3, 86.0])
SSB_ASSUMPTION_VINTAGE = 2024   # bases before this cannot know NF2024: backtests extrapolate
TARGET_YEAR = 2050              # year in which the e0 target is reached; flat after
MORT_JUMP_OFF_YEARS = 3         # years averaged into the base schedule (HMD noise at 95+)
MORT_TREND_YEARS = 20           # window for the age pattern b_x of improvement
B_SMOOTH = 5                    # moving-average width (ages) for b_x
KAPPA_BOUNDS = (-8.0, 30.0)     # bisection bracket for κ (log-mortality units)


def a0_andreev_kingkade(m0: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Separation factor of infant deaths (Andreev & Kingkade 2015), as in HMD protocol v6."""
    f = np.where(m0 < 0.01724, 0.14903 - 2.05527 * m0,
                 np.where(m0 < 0.06891, 0.04667 + 3.88089 * m0, 0.31411))
    m = np.where(m0 < 0.02300, 0.14929 - 1.99545 * m0,
                 np.where(m0 < 0.08307, 0.02832 + 3.26021 * m0, 0.29915))
    return np.where(male, m, f)


def life_table(mx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L[..., 106], T[..., 106]) for mx[..., 2, 106] (sex axis second to last; radix 1)."""
    male = np.zeros(mx.shape[:-1], dtype=bool)
    male[..., 1] = True
    ax = np.full(mx.shape, 0.5)
    ax[..., 0] = a0_andreev_kingkade(mx[..., 0], male)
    qx = mx / (1.0 + (1.0 - ax) * mx)
    qx = np.clip(qx, 0.0, 1.0)
    qx[..., OPEN_AGE] = 1.0
    lx = np.ones(mx.shape)
    lx[..., 1:] = np.cumprod(1.0 - qx[..., :-1], axis=-1)
    dx = lx * qx
    Lx = np.empty(mx.shape)
    Lx[..., :-1] = lx[..., 1:] + ax[..., :-1] * dx[..., :-1]
    m_open = np.maximum(mx[..., OPEN_AGE], 1e-3)
    Lx[..., OPEN_AGE] = lx[..., OPEN_AGE] / m_open
    Tx = np.cumsum(Lx[..., ::-1], axis=-1)[..., ::-1]
    return Lx, Tx


def e0(mx: np.ndarray) -> np.ndarray:
    return life_table(mx)[1][..., 0]


def survival(mx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cohort survival indexed by age at the END of the step, and s_b.

    Returns (sc[..., 106], sb[...]) where sc[a'] is the share of the cohort that is aged a' on
    1 January t+1 and was alive on 1 January t (a' = 1..105; sc[0] is unused and set to s_b).
    """
    Lx, Tx = life_table(mx)
    sc = np.empty(mx.shape)
    sc[..., 1:OPEN_AGE] = Lx[..., 1:OPEN_AGE] / Lx[..., :OPEN_AGE - 1]
    sc[..., OPEN_AGE] = Tx[..., OPEN_AGE] / Tx[..., OPEN_AGE - 1]
    sb = Lx[..., 0]
    sc[..., 0] = sb
    return sc, sb


def _smooth_ages(x: np.ndarray, width: int) -> np.ndarray:
    kernel = np.ones(width) / width
    pad = width // 2
    xp = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad, pad)], mode="edge")
    return np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="valid"), -1, xp)


@dataclass
class MortalityModel:
    base_mx: np.ndarray            # [2, 106]
    bx: np.ndarray                 # [2, 106], mean 1 per sex
    last_year: int                 # last observed year
    e0_last: np.ndarray            # [2] observed e0 in last_year
    e0_target: np.ndarray          # [2] default target in TARGET_YEAR
    target_source: str
    obs_years: np.ndarray          # observed HMD years (< base)
    obs_mx: np.ndarray             # [Tm, 2, 106]
    kappa_obs: np.ndarray | None = None   # [Tm, 2] κ matching each observed year's e0
    kappa_drift: np.ndarray | None = None  # [2] mean yearly change of κ (trend window)
    kappa_sd: np.ndarray | None = None     # [2] sd of yearly changes (random-walk innovation)
    lee_carter: bool = False               # backtest mode: e0 path from the κ drift
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def fit(cls, inp: ModelInputs) -> "MortalityModel":
        years, mx = inp.mort_years, inp.mx
        base_mx = mx[-MORT_JUMP_OFF_YEARS:].mean(axis=0)
        win = slice(max(0, len(years) - MORT_TREND_YEARS), None)
        yy = years[win].astype(float)
        logm = np.log(np.maximum(mx[win], 1e-6))
        yc = yy - yy.mean()
        slope = np.tensordot(yc, logm - logm.mean(axis=0), axes=(0, 0)) / (yc @ yc)
        bx = np.maximum(_smooth_ages(-slope, B_SMOOTH), 0.0)
        bx = bx / np.maximum(bx.mean(axis=-1, keepdims=True), 1e-12)
        e0_obs = e0(mx)
        model = cls(base_mx=base_mx, bx=bx, last_year=int(years[-1]), e0_last=e0_obs[-1],
                    e0_target=SSB2024_E0_2050.copy(), target_source="SSB NF2024 main alternative",
                    obs_years=years, obs_mx=mx)
        # κ of each observed year (its e0 matched exactly) gives the Lee–Carter drift and the
        # random-walk innovation sd used by the stochastic model.
        kappa = model.solve_kappa(e0_obs)
        tw = slice(max(0, len(years) - MORT_TREND_YEARS), None)
        steps = np.diff(kappa[tw], axis=0)
        model.kappa_obs = kappa
        model.kappa_drift = steps.mean(axis=0)
        model.kappa_sd = steps.std(axis=0, ddof=1) if len(steps) > 1 else np.zeros(2)
        if inp.base_year < SSB_ASSUMPTION_VINTAGE:
            # A forecaster standing before NF2024 extrapolates the Lee–Carter drift instead.
            model.lee_carter = True
            model.e0_target = model.e0_path(np.array([TARGET_YEAR]))[0]
            model.target_source = (f"Lee–Carter drift {int(years[tw][0])}–{model.last_year} "
                                   "(backtest: no later assumption known)")
        return model

    def e0_path(self, years: np.ndarray, shift: float = 0.0) -> np.ndarray:
        """[Y, 2] e0 per calendar year: linear to the TARGET_YEAR target (+ shift), flat after.

        Backtest models follow the Lee–Carter path κ_last + drift · (t − last) instead (also
        flat after TARGET_YEAR); the shift is then added linearly in the same way.
        """
        years = np.asarray(years)
        frac = np.clip((years - self.last_year) / (TARGET_YEAR - self.last_year), 0.0, 1.0)
        if self.lee_carter:
            k = self.kappa_obs[-1][None] + self.kappa_drift[None] * (
                np.minimum(years, TARGET_YEAR) - self.last_year)[:, None]
            path = e0(self.base_mx[None] * np.exp(-self.bx[None] * k[..., None]))
            return path + frac[:, None] * shift
        target = self.e0_target + shift
        return self.e0_last[None, :] + frac[:, None] * (target - self.e0_last)[None, :]

    def mx_for(self, years: np.ndarray, shift: float = 0.0) -> np.ndarray:
        """[Y, 2, 106] rates: observed where known, otherwise solved to hit the e0 path."""
        key = (tuple(int(y) for y in years), round(float(shift), 9))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        years = np.asarray(years)
        out = np.empty((len(years), 2, N_AGES))
        known = np.isin(years, self.obs_years)
        if known.any():
            out[known] = self.obs_mx[np.searchsorted(self.obs_years, years[known])]
        if (~known).any():
            kappa = self.solve_kappa(self.e0_path(years[~known], shift))
            out[~known] = self.base_mx[None] * np.exp(-self.bx[None] * kappa[..., None])
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = out
        return out

    def solve_kappa(self, targets: np.ndarray) -> np.ndarray:
        """κ[Y, 2] with e0(base_mx · exp(−b κ)) = targets (bisection, vectorised)."""
        lo = np.full(targets.shape, KAPPA_BOUNDS[0])
        hi = np.full(targets.shape, KAPPA_BOUNDS[1])
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            e = e0(self.base_mx[None] * np.exp(-self.bx[None] * mid[..., None]))
            up = e < targets          # e0 too low: more improvement needed
            lo = np.where(up, mid, lo)
            hi = np.where(up, hi, mid)
        return 0.5 * (lo + hi)

    def survival_for(self, years: np.ndarray, shift: float = 0.0
                     ) -> tuple[np.ndarray, np.ndarray]:
        """(sc[Y, 2, 106], sb[Y, 2]) for the steps starting in `years`."""
        return survival(self.mx_for(np.asarray(years), shift))
