"""Net migration by age and sex: residual method, international/internal split, shrinkage.

Convention (half-year exposure): net migrants N of a cohort arrive on average mid-year and face half
the year's mortality, so the survivors on 1 January t+1 are
    P[a+1, t+1] = s_a · P[a, t] + N_{a+1} · (1 + s_a) / 2.
The residual R = P[a+1, t+1] − s_a P[a, t] therefore gives N = 2R / (1 + s_a). Rates are per person
of the cohort on 1 January t ("cohort exposure" X), indexed by age at the end of the step (1..105;
105 = 105+; age 0 has none, see fertility.py).

Split: Norway's net migration (residual of SSB's national series, years with HMD mortality) is the
international part. In history it is distributed to kommuner by the national per-capita rate of
each age and sex times the kommune's own cohort; the rest of each kommune's residual is its internal
part (it sums to ≈ 0 over Norway).

Projection:
- international, in persons: national level(h) = LR + (last − LR) · φ^(h+1), h years after the base,
  with LR the mean since the first HMD year, last the latest year (the national series has no
  sampling noise, so an AR(1) forecast starts there) and φ = 0.5^(1/INTL_HALF_LIFE); times the
  national age-sex profile (last MIG_RECENT_YEARS) times a fixed key: the kommune's share of
  Norway's persons of that age and sex on 1 January of the base year;
- internal, as rates per cohort person: each kommune's pooled rate over the last MIG_RECENT_YEARS
  converges to its rate over all available years with half-life INTERNAL_HALF_LIFE. Both are
  smoothed over age and shrunk toward the BA-region (BA toward fylke) with empirical-Bayes weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inputs import N_AGES, OPEN_AGE, ModelInputs
from .mortality import MortalityModel
from .projection import TimeLinear

MIG_RECENT_YEARS = 5        # pooled window for "current" rates (DOMAIN.md: five years)
MIG_LONG_YEARS = 30         # window for the long-run level (all years we have: HMD from 2000)
INTL_HALF_LIFE = 5.0        # years for the national immigration level to close half its gap to LR
INTERNAL_HALF_LIFE = 5.0    # years for a kommune's internal rate to close half its gap to its LR
SMOOTH_SD = 1.5             # Gaussian kernel sd (years of age) for smoothing counts and exposures
SHRINK_BAND = 5             # ages per band in which shrinkage variances are estimated
MIN_BAND_EXPOSURE = 20.0    # persons: bands smaller than this say nothing about variance
C_FLOOR = 0.01              # min sampling-variance scale c (≈ a 1 % gross move rate per year)
MAX_ABS_RATE = 0.5          # guard: |net migration rate| per cohort person and year
# Share of gross out-moves (the Telemark gross-moves table counts moves abroad too) that are
# moves to another kommune: Bamble 2023–2024 in SSB's tables, internal out 545 of 590 and 599
# of 622 (shared/data/extra/migration/README.md) → 0.92–0.96; we take the lower end.
INTERNAL_SHARE_OF_OUT = 0.92
OUT_RATE_SMOOTH_SD = 1.0    # Gaussian kernel sd (years of age) for the out-migration schedule


def cohort_exposure(pop: np.ndarray) -> np.ndarray:
    """X[..., a'] = persons on 1 January t who will be aged a' on 1 January t+1 (X[..., 0] = 0)."""
    x = np.zeros(pop.shape)
    x[..., 1:OPEN_AGE] = pop[..., :OPEN_AGE - 1]
    x[..., OPEN_AGE] = pop[..., OPEN_AGE - 1] + pop[..., OPEN_AGE]
    return x


def residual_migration(p0: np.ndarray, p1: np.ndarray, sc: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(N, X) for one step: net migrants and cohort exposure, [..., 2, 106], age 0 = 0."""
    x = cohort_exposure(p0)
    r = p1 - sc * x
    n = 2.0 * r / (1.0 + sc)
    n[..., 0] = 0.0
    return n, x


def gaussian_smoother(sd: float, n: int = N_AGES) -> np.ndarray:
    """[n, n] row-normalised kernel matrix over ages 1..105 (age 0 untouched)."""
    a = np.arange(n)
    k = np.exp(-0.5 * ((a[:, None] - a[None, :]) / sd) ** 2)
    k[0, :] = 0.0
    k[:, 0] = 0.0
    k[0, 0] = 1.0
    return k / k.sum(axis=1, keepdims=True)


def shrink_rates(n: np.ndarray, x: np.ndarray, parent: np.ndarray, annual_var: np.ndarray
                 ) -> np.ndarray:
    """EB shrinkage of pooled rates n/x [U, 2, 106] toward parent rates [U, 2, 106].

    The sampling variance of a pooled rate is c/x, with c (per sex and age band) the median over
    units of (year-to-year variance of the annual rate × mean annual exposure), passed in as
    `annual_var`[2, bands]. τ² per sex and band is the exposure-weighted spread of raw rates
    around the parent minus the mean sampling variance.
    """
    raw = n / np.maximum(x, 1e-9)
    bands = np.arange(N_AGES) // SHRINK_BAND
    out = np.empty_like(raw)
    for b in np.unique(bands):
        sel = bands == b
        xb = x[:, :, sel]
        rb = raw[:, :, sel]
        pb = parent[:, :, sel]
        c = annual_var[:, b][None, :, None]
        samp = c / np.maximum(xb, 1e-9)
        wts = xb / np.maximum(xb.sum(axis=(0, 2), keepdims=True), 1e-9)
        spread = (wts * (rb - pb) ** 2).sum(axis=(0, 2), keepdims=True)
        mean_samp = (wts * np.minimum(samp, 1e3)).sum(axis=(0, 2), keepdims=True)
        tau2 = np.maximum(spread - mean_samp, 1e-10)
        w = tau2 / (tau2 + samp)
        out[:, :, sel] = w * rb + (1 - w) * pb
    return out


@dataclass
class History:
    """Residual net migration of every kommune and of Norway, per historical step."""

    steps: np.ndarray       # [H] start years t of steps t -> t+1
    n: np.ndarray           # [H, K, 2, 106] net migrants (NaN-free; 0 where unknown)
    x: np.ndarray           # [H, K, 2, 106] cohort exposure (0 where unknown)
    ok: np.ndarray          # [H, K] step known for the kommune
    nat_steps: np.ndarray   # [Hn] steps with HMD mortality
    nat_n: np.ndarray       # [Hn, 2, 106]
    nat_x: np.ndarray       # [Hn, 2, 106]

    @classmethod
    def build(cls, inp: ModelInputs, mort: MortalityModel) -> "History":
        py = inp.pop_years
        steps = py[:-1]
        sc, _ = mort.survival_for(steps)
        p0, p1 = inp.pop[:-1], inp.pop[1:]
        ok = ~(np.isnan(p0).any(axis=(2, 3)) | np.isnan(p1).any(axis=(2, 3)))
        n, x = residual_migration(np.nan_to_num(p0), np.nan_to_num(p1), sc[:, None])
        n[~ok] = 0.0
        x[~ok] = 0.0
        ny = inp.nat_years
        nat_steps = np.array([t for t in ny[:-1] if t >= mort.obs_years[0]], dtype=int)
        i = np.searchsorted(ny, nat_steps)
        nsc, _ = mort.survival_for(nat_steps)
        nat_n, nat_x = residual_migration(inp.nat_pop[i], inp.nat_pop[i + 1], nsc)
        return cls(steps=steps, n=n, x=x, ok=ok, nat_steps=nat_steps, nat_n=nat_n, nat_x=nat_x)

    def international(self) -> np.ndarray:
        """[H, K, 2, 106] the international part of each kommune's residual (national key)."""
        rate = self.nat_n / np.maximum(self.nat_x, 1e-9)
        idx = np.searchsorted(self.nat_steps, self.steps)
        has = np.isin(self.steps, self.nat_steps)
        r = np.where(has[:, None, None], rate[np.minimum(idx, len(self.nat_steps) - 1)], 0.0)
        return r[:, None] * self.x


@dataclass
class MigrationModel:
    intl_profile: np.ndarray     # [2, 106] national age-sex distribution of net immigration (sum 1)
    intl_last: float           # national net international migrants per year, recent window
    intl_long: float             # same, long-run mean
    intl_key: np.ndarray         # [K, 2, 106] kommune share of Norway's persons of that age, sex
    internal_recent: np.ndarray  # [K, 2, 106] rates per cohort person, smoothed, shrunk
    internal_long: np.ndarray    # [K, 2, 106]
    history: History
    # Bounded internal migration (None: the store has no gross moves → net rates as before).
    out_rate: np.ndarray | None = None    # [K, 2, 106] out-migrants per cohort person
    in_const: np.ndarray | None = None    # [K, 2, 106] in-share numerator, long-run part
    in_slope: np.ndarray | None = None    # [K, 2, 106] in-share numerator, converging part
    in_den: tuple | None = None           # ([2, 106], [2, 106]) Σ_k of the two numerators
    pool_rate: np.ndarray | None = None   # [2, 106] national mean out-rate at the base

    @classmethod
    def fit(cls, inp: ModelInputs, mort: MortalityModel) -> "MigrationModel":
        h = History.build(inp, mort)
        sm = gaussian_smoother(SMOOTH_SD)
        # National (international) net migration: counts per year and a smoothed age profile.
        counts = h.nat_n.sum(axis=(1, 2))
        rec = slice(-MIG_RECENT_YEARS, None)
        profile = h.nat_n[rec].sum(axis=0) @ sm.T
        profile = profile / max(abs(float(profile.sum())), 1e-9)
        base = np.nan_to_num(inp.base_pop)
        bx = cohort_exposure(base)
        key = (bx @ sm.T) / np.maximum((bx.sum(axis=0) @ sm.T)[None], 1e-9)
        # Internal part per kommune.
        internal = h.n - h.international()
        internal_recent = _pooled_shrunk(internal, h.x, inp, sm, MIG_RECENT_YEARS)
        internal_long = _pooled_shrunk(internal, h.x, inp, sm, MIG_LONG_YEARS)
        bounded = {}
        if inp.gross_out_rate is not None:
            bounded = _bounded_internal(inp.gross_out_rate, internal_recent, internal_long, bx)
        # The national level has no sampling noise: the AR(1) forecast starts from the last year.
        return cls(intl_profile=profile, intl_last=float(counts[-1]),
                   intl_long=float(counts[-MIG_LONG_YEARS:].mean()), intl_key=key,
                   internal_recent=internal_recent, internal_long=internal_long, history=h,
                   **bounded)

    @property
    def bounded(self) -> bool:
        return self.out_rate is not None

    def intl_level(self, horizon: np.ndarray) -> np.ndarray:
        """[Y] national net international migrants per year, h = 0, 1, ... after the base."""
        phi = intl_phi()
        # Step h starts h + 1 years after the last observed step (base − 1).
        return self.intl_long + (self.intl_last - self.intl_long) * phi ** (horizon + 1)

    def internal_rates(self, horizon: np.ndarray, k_idx: np.ndarray | slice = slice(None)
                       ) -> TimeLinear:
        """[Y, K, 2, 106] internal net migration rates per cohort person."""
        phi = (0.5 ** (1.0 / INTERNAL_HALF_LIFE)) ** np.asarray(horizon, dtype=float)
        rec, lr = self.internal_recent[k_idx], self.internal_long[k_idx]
        return TimeLinear(lr, rec - lr, phi)

    def intl_counts(self, national_intl: np.ndarray, k_idx: np.ndarray | slice = slice(None)
                    ) -> TimeLinear:
        """[Y, K, 2, 106] international net migrants per kommune, age and sex: Norway's
        migrants of each age and sex (national_intl [Y, 2, 106]) times the kommune's share."""
        return TimeLinear(self.intl_key[k_idx], None, np.zeros(len(national_intl)),
                          national_intl)

    def intl_by_age(self, horizon: np.ndarray) -> np.ndarray:
        """[Y, 2, 106] own-estimate national net immigration: level path × age-sex profile."""
        return self.intl_level(horizon)[:, None, None] * self.intl_profile[None]

    def internal_flows(self, horizon: np.ndarray, national_pop: np.ndarray,
                       k_idx: np.ndarray | slice = slice(None)
                       ) -> tuple[TimeLinear, TimeLinear]:
        """(out-rates, in-migrant counts) [Y, K, 2, 106] of the bounded internal model.

        national_pop [Y(+1), 2, 106]: Norway on 1 January of each step; the pool of movers of
        a step is pool_rate · X_nat(t), shared by the kommuner in proportion to their in-share.
        """
        phi = (0.5 ** (1.0 / INTERNAL_HALF_LIFE)) ** np.asarray(horizon, dtype=float)
        nat_x = cohort_exposure(national_pop[:len(phi)])                    # [Y, 2, 106]
        den = self.in_den[0][None] + self.in_den[1][None] * phi[:, None, None]
        factor = self.pool_rate[None] * nat_x / np.where(np.abs(den) > 1e-9, den, np.inf)
        out = TimeLinear(-self.out_rate[k_idx], None, phi)
        inflow = TimeLinear(self.in_const[k_idx], self.in_slope[k_idx], phi, factor)
        return out, inflow


def intl_phi() -> float:
    """Yearly AR(1) coefficient of the national level implied by INTL_HALF_LIFE."""
    return 0.5 ** (1.0 / INTL_HALF_LIFE)


def _pooled_shrunk(n: np.ndarray, x: np.ndarray, inp: ModelInputs, sm: np.ndarray,
                   years: int) -> np.ndarray:
    """Pool the last `years` steps, smooth over age, shrink kommune → BA → fylke."""
    n_w, x_w = n[-years:], x[-years:]
    ns = n_w.sum(axis=0) @ sm.T
    xs = x_w.sum(axis=0) @ sm.T
    annual_var = _annual_variance(n_w, x_w, sm)
    nf = _group(ns, inp.fylke_index, len(inp.fylke_codes))
    xf = _group(xs, inp.fylke_index, len(inp.fylke_codes))
    nb = _group(ns, inp.ba_index, len(inp.ba_codes))
    xb = _group(xs, inp.ba_index, len(inp.ba_codes))
    fylke_rate = nf / np.maximum(xf, 1e-9)
    fylke_of_ba = np.zeros(len(inp.ba_codes), dtype=np.intp)
    fylke_of_ba[inp.ba_index] = inp.fylke_index
    ba_rate = shrink_rates(nb, xb, fylke_rate[fylke_of_ba], annual_var)
    rate = shrink_rates(ns, xs, ba_rate[inp.ba_index], annual_var)
    return np.clip(rate, -MAX_ABS_RATE, MAX_ABS_RATE)


def _group(a: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n,) + a.shape[1:])
    np.add.at(out, index, a)
    return out


def _annual_variance(n_w: np.ndarray, x_w: np.ndarray, sm: np.ndarray) -> np.ndarray:
    """[2, bands] c with Var(annual rate) ≈ c / exposure, median over kommuner."""
    bands = np.arange(N_AGES) // SHRINK_BAND
    n_sm, x_sm = n_w @ sm.T, x_w @ sm.T        # smoothed once, not once per band
    nb_ = np.stack([n_sm[..., bands == b].sum(axis=-1) for b in np.unique(bands)], -1)
    xb_ = np.stack([x_sm[..., bands == b].sum(axis=-1) for b in np.unique(bands)], -1)
    valid = (xb_ >= MIN_BAND_EXPOSURE).all(axis=0)          # [K, 2, bands], all years known
    rate = nb_ / np.maximum(xb_, 1e-9)
    var = rate.var(axis=0, ddof=1) if len(rate) > 1 else np.zeros(rate.shape[1:])
    c = np.where(valid, var * xb_.mean(axis=0), np.nan)
    c = np.nanmedian(np.where(valid.any(axis=0), c, C_FLOOR), axis=0)   # [2, bands]
    # With similar dispersion at each age, c is the same for one age: Var = c / x_age.
    # Floor: net-count variance is at least a small gross flow (Var(N) ≈ gross moves).
    return np.maximum(np.nan_to_num(c, nan=C_FLOOR), C_FLOOR)


def out_rate_schedule(gross_out_rate: np.ndarray) -> np.ndarray:
    """[2, 106] internal out-migration per cohort person, both sexes alike: the gross-moves
    schedule smoothed over age, its oldest unknown ages held at the last known value, times
    INTERNAL_SHARE_OF_OUT."""
    r = np.asarray(gross_out_rate, dtype=float).copy()
    known = np.isfinite(r)
    last = int(np.nonzero(known)[0][-1])
    r[last + 1:] = r[last]
    r = np.nan_to_num(r)
    sm = gaussian_smoother(OUT_RATE_SMOOTH_SD, len(r))
    r = sm @ r
    r[0] = 0.0
    return np.broadcast_to(r * INTERNAL_SHARE_OF_OUT, (2, len(r))).copy()


def _bounded_internal(gross_out_rate: np.ndarray, recent: np.ndarray, long: np.ndarray,
                      base_x: np.ndarray) -> dict:
    """Out-rates and in-shares reproducing each kommune's net rate at the base.

    o_k = max(o, −r_recent, −r_long) so that in-flows are never negative; in-share numerator
    (r_k(h) + o_k) · X_k(base) with r_k(h) = long + (recent − long) · φ^h.
    """
    o = out_rate_schedule(gross_out_rate)[None]
    o_k = np.maximum(np.maximum(o, -recent), -long)
    o_k[..., 0] = 0.0
    in_const = (long + o_k) * base_x
    in_slope = (recent - long) * base_x
    nat_x = base_x.sum(axis=0)
    pool_rate = (o_k * base_x).sum(axis=0) / np.maximum(nat_x, 1e-9)
    return dict(out_rate=o_k, in_const=in_const, in_slope=in_slope,
                in_den=(in_const.sum(axis=0), in_slope.sum(axis=0)), pool_rate=pool_rate)
