"""Stochastic projection: N simulated futures around the deterministic path, vectorised over paths.

Every component gets a "local level" (random walk plus noise) deviation, the simplest model whose
forecast variance grows with the horizon as observed level shifts do:
    y_h = μ_h + e_h,   μ_h = μ_{h−1} + η_h,   e ~ N(0, σ²_e),  η ~ N(0, σ²_η),  μ_{−1} = 0.
Its variances come from the empirical variogram of the component's own history,
    ½ E[(y_t − y_{t−d})²] = σ²_e + d · σ²_η / 2,   d = 1..MAX_LAG,
fitted by least squares over all kommuner with a size term (σ² = a + b / size, sampling noise
falls with size) and then scaled by each kommune's own variogram level, shrunk toward 1 with
credibility n / (n + VARIANCE_PRIOR_N) (n = number of differences it has).

Components and what the deviation acts on:
- fertility, kommune: log(observed / expected 0-year-olds) per year → factor exp(y) on births;
- fertility, Norway: log TFR (random walk only, HFD years) → common factor on births;
- net migration, kommune: internal net migration per person per year → added rate, spread over
  age and sex by the national age profile of internal mobility (shock_shape, mean 1);
- international migration, Norway: net migrants per year (persons), AR(1) around the long-run
  level with the deterministic model's φ (innovation variance from the national residuals)
  → common factor on the international part;
- mortality, Norway: Lee–Carter κ random walk (sd of the yearly κ changes) → survival
  s' = s^exp(−b_x δ), the first-order effect of m' = m · exp(−b_x δ).
National deviations are shared by every kommune in a path (so regions add up coherently);
kommune deviations are independent between kommuner. Births, deaths and migration are not drawn
as individual events: the annual noise term carries that variation as it was observed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fit import Assumptions, FittedModel
from .inputs import N_AGES
from .migration import intl_phi
from .projection import AGE_GROUPS, StepInputs, run

QUANTILES = {"p2_5": 0.025, "p10": 0.10, "p50": 0.50, "p90": 0.90, "p97_5": 0.975}
GROUPS = ("total", *AGE_GROUPS)        # observed per path: total, 0-19, 20-66, 67+, 80+
MAX_LAG = 4                             # variogram lags (years)
VARIANCE_PRIOR_N = 8.0                  # credibility of the pooled variance model, in differences
CELLS_PER_CHUNK = 1_000_000             # batch cells (paths × kommuner × 212) per engine run
PATHS_PER_CHUNK = 1_000                 # paths projected at once (memory ∝ this, not the total)
DRAW_CACHE_BYTES = 128 * 2 ** 20        # kommune draws kept across path chunks up to this size
DEFAULT_SEED = 20240605                 # fixed: the same request gives the same fan
SHAPE_PEAK_AGES = slice(15, 40)
MIG_NOISE_INFLATION = 5.0               # factors on the fitted σ²_e, σ²_η of internal migration:
# calibrated on the backtest bases 2010–2016, horizon 10 (80 % coverage ≈ 0.8), checked on
# 2017–2021, horizon 5; see docs/method.md «Uncertainty» for why the bounded model needs it
MIG_DRIFT_INFLATION = 1.0         # the internal-mobility shock is capped at its peak here


def fit_local_level(y: np.ndarray, ok: np.ndarray, size: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(σ²_e[U], σ²_η[U]) of series y[T, U] (ok marks usable values)."""
    t, u = y.shape
    inv = np.zeros(u) if size is None else 1.0 / np.maximum(size, 1e-9)
    rows, target, weight, gam = [], [], [], []
    for d in range(1, min(MAX_LAG, t - 1) + 1):
        valid = ok[d:] & ok[:-d]
        n = valid.sum(axis=0)
        g = 0.5 * np.where(valid, (y[d:] - y[:-d]) ** 2, 0.0).sum(axis=0) / np.maximum(n, 1)
        has = n > 0
        gam.append((d, g, n, has))
        rows.append(np.stack([np.ones(u), inv, np.full(u, d / 2), inv * d / 2], axis=1)[has])
        target.append(g[has])
        weight.append(n[has].astype(float))
    if not rows:
        return np.zeros(u), np.zeros(u)
    a = np.concatenate(rows)
    if size is None:
        a = a[:, [0, 2]]
    coef = _nnls(a, np.concatenate(target), np.concatenate(weight))
    if size is None:
        coef = np.array([coef[0], 0.0, coef[1], 0.0])
    fit_e = coef[0] + coef[1] * inv
    fit_eta = coef[2] + coef[3] * inv
    # Each unit's own variogram level relative to the pooled model, shrunk toward 1.
    obs_sum, fit_sum, n_sum = np.zeros(u), np.zeros(u), np.zeros(u)
    for d, g, n, _ in gam:
        obs_sum += g * n
        fit_sum += (fit_e + d / 2 * fit_eta) * n
        n_sum += n
    rho = np.where(fit_sum > 0, obs_sum / np.maximum(fit_sum, 1e-300), 1.0)
    rho = (n_sum * rho + VARIANCE_PRIOR_N) / (n_sum + VARIANCE_PRIOR_N)
    return rho * fit_e, rho * fit_eta


def _nnls(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least squares with all coefficients ≥ 0 (exhaustive over ≤ 4 columns)."""
    sw = np.sqrt(w)[:, None]
    aw, bw = a * sw, b * sw[:, 0]
    best, best_err = np.zeros(a.shape[1]), float(bw @ bw)
    for mask in range(1, 2 ** a.shape[1]):
        cols = [i for i in range(a.shape[1]) if mask >> i & 1]
        c, *_ = np.linalg.lstsq(aw[:, cols], bw, rcond=None)
        if (c < 0).any():
            continue
        err = float(np.sum((aw[:, cols] @ c - bw) ** 2))
        if err < best_err:
            best_err, best = err, np.zeros(a.shape[1])
            best[cols] = c
    return best


@dataclass
class StochasticParams:
    fert_e: np.ndarray        # [K] σ²_e of log fertility ratio
    fert_eta: np.ndarray      # [K] σ²_η
    mig_e: np.ndarray         # [K] σ²_e of internal net migration rate (per person per year)
    mig_eta: np.ndarray       # [K]
    tfr_eta: float            # σ²_η of national log TFR
    intl_var: float           # innovation variance of the national AR(1) level (persons²)
    kappa_sd: np.ndarray      # [2] Lee–Carter κ random-walk innovation sd
    shock_shape: np.ndarray   # [2, 106] age-sex profile of internal mobility, mean 1
    bx: np.ndarray            # [2, 106] mortality improvement pattern

    @classmethod
    def fit(cls, fm: FittedModel) -> "StochasticParams":
        fert, mig, inp = fm.fertility, fm.migration, fm.inputs
        # Fertility: log observed/expected per kommune and year (½ added against zeros).
        ok = fert.annual_ok & (fert.annual_exp > 0)
        y = np.log((fert.annual_obs + 0.5) / np.maximum(fert.annual_exp, 1e-9) + 1e-12)
        fert_e, fert_eta = fit_local_level(y, ok, fert.expected_births / max(len(y), 1))
        # Internal net migration rate per kommune and year.
        h = mig.history
        internal = h.n - h.international()
        x = h.x.sum(axis=(2, 3))
        rate = internal.sum(axis=(2, 3)) / np.maximum(x, 1e-9)
        mig_e, mig_eta = fit_local_level(rate, h.ok & (x > 0), np.nan_to_num(inp.base_pop).sum(
            axis=(1, 2)))
        mig_e, mig_eta = mig_e * MIG_NOISE_INFLATION, mig_eta * MIG_DRIFT_INFLATION
        # National series (no size term).
        ltfr = np.log(fert.tfr)[:, None]
        tfr_eta = float(np.var(np.diff(ltfr[:, 0]), ddof=1)) if len(ltfr) > 2 else 0.0
        # International level: AR(1) around the long-run mean with the deterministic model's φ,
        # so the fan is centred on, and reverts like, the central path.
        dev = h.nat_n.sum(axis=(1, 2)) - mig.intl_long
        phi = intl_phi()
        resid = dev[1:] - phi * dev[:-1]
        intl_var = float(np.mean(resid ** 2)) if len(resid) else 0.0
        # Shape of internal mobility: national mean |rate| by age and sex, mean 1 over persons.
        absr = np.abs(internal).sum(axis=(0, 1)) / np.maximum(h.x.sum(axis=(0, 1)), 1e-9)
        absr[:, 0] = 0.0
        w = h.x.sum(axis=(0, 1))
        # Mobility peaks in young adulthood; the larger |rates| measured at 90+ come from tiny
        # cohorts (and moves into institutions) and would let a random-walk shock compound into
        # impossible old-age populations. Cap each sex's shape at its peak over ages 15–39.
        absr = np.minimum(absr, absr[:, SHAPE_PEAK_AGES].max(axis=1, keepdims=True))
        shape = absr / max(float((absr * w).sum() / w.sum()), 1e-12)
        return cls(fert_e=fert_e, fert_eta=fert_eta, mig_e=mig_e, mig_eta=mig_eta,
                   tfr_eta=tfr_eta, intl_var=intl_var,
                   kappa_sd=fm.mortality.kappa_sd.copy(), shock_shape=shape,
                   bx=fm.mortality.bx.copy())


def _local_level_draw(rng: np.random.Generator, var_e: float, var_eta: float, y: int, s: int
                      ) -> np.ndarray:
    """[Y, S] one local-level path per column."""
    eta = rng.standard_normal((y, s)) * np.sqrt(var_eta)
    e = rng.standard_normal((y, s)) * np.sqrt(var_e)
    return np.cumsum(eta, axis=0) + e


def _ar1_draw(rng: np.random.Generator, phi: float, var: float, y: int, s: int) -> np.ndarray:
    """[Y, S] AR(1) deviations starting from 0 before the first step."""
    eps = rng.standard_normal((y, s)) * np.sqrt(var)
    out = np.empty((y, s))
    prev = np.zeros(s)
    for j in range(y):
        prev = phi * prev + eps[j]
        out[j] = prev
    return out


def simulate(fm: FittedModel, params: StochasticParams, a: Assumptions, to_year: int,
             paths: int, k_idx: np.ndarray, region_of: np.ndarray, n_regions: int,
             young_weights: np.ndarray | None = None, seed: int = DEFAULT_SEED,
             keep_years: np.ndarray | None = None, paths_per_chunk: int = PATHS_PER_CHUNK
             ) -> np.ndarray:
    """[Y+1, paths, n_regions, len(GROUPS)] persons per path for regions built from kommuner
    (only the year rows `keep_years`, indices into 0..Y, if given).

    region_of[i] is the region (0..n_regions−1) of kommune k_idx[i]. Kommune deviations are
    drawn from a generator seeded by (seed, kommune), so a kommune's paths are the same whether
    it is simulated alone or inside a region.

    Memory is bounded by streaming: paths are projected `paths_per_chunk` at a time and only the
    per-path aggregates the quantiles need ([years, paths, regions, groups]) are kept, never the
    age × sex arrays of more than one chunk. The random draws are made exactly as in one piece
    (every stream is drawn whole and sliced), so the result does not depend on the chunk size.
    """
    k_idx = np.asarray(k_idx, dtype=np.intp)
    det = fm.step_inputs(to_year, a, k_idx, young_weights)
    n_y = len(det.years)
    rows = np.arange(n_y + 1) if keep_years is None else np.asarray(keep_years, dtype=np.intp)
    nat = np.random.default_rng([seed, 1_000_000])
    # National deviations shared by all kommuner of a path ([Y, S], a few MB even at the cap).
    tfr_dev = np.cumsum(nat.standard_normal((n_y, paths)) * np.sqrt(params.tfr_eta), axis=0)
    intl_dev = _ar1_draw(nat, intl_phi(), params.intl_var, n_y, paths)
    level = fm.national(to_year, a).intl.sum(axis=(1, 2))
    count_mult = 1.0 + intl_dev / np.where(np.abs(level) < 1000, 1000.0, level)[:, None]
    kappa_dev = np.cumsum(nat.standard_normal((n_y, paths)), axis=0)[..., None] * params.kappa_sd
    del intl_dev
    # Survival per path: s' = s ** exp(−b δ); b indexed by the age the cohort leaves.
    b_end = np.concatenate([params.bx[:, :1], params.bx[:, :-1]], axis=1)
    b_end[:, -1] = params.bx[:, -1]
    step = max(1, min(int(paths_per_chunk), paths))
    path_chunks = [slice(s, min(s + step, paths)) for s in range(0, paths, step)]
    k_chunk = max(1, CELLS_PER_CHUNK // (step * 2 * N_AGES))
    k_chunks = [slice(s, min(s + k_chunk, len(k_idx))) for s in range(0, len(k_idx), k_chunk)]
    # Kommune deviations are drawn whole (every path) per kommune, so a chunk of paths sees the
    # same numbers as a run in one piece. Kept across path chunks while they fit DRAW_CACHE_BYTES,
    # else drawn again for each chunk of paths (a few % of the engine's time).
    keep_draws = (len(path_chunks) > 1
                  and n_y * paths * len(k_idx) * 2 * 8 <= DRAW_CACHE_BYTES)
    drawn: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def kommune_draws(sel: slice) -> tuple[np.ndarray, np.ndarray]:
        """([Y, paths, kc] fertility, [Y, paths, kc] migration deviations) of k_idx[sel]."""
        if sel.start in drawn:
            return drawn[sel.start]
        kk = k_idx[sel]
        fert_dev = np.empty((n_y, paths, len(kk)))
        mig_dev = np.empty((n_y, paths, len(kk)))
        for i, k in enumerate(kk):
            rng = np.random.default_rng([seed, int(k)])
            fert_dev[:, :, i] = _local_level_draw(rng, params.fert_e[k], params.fert_eta[k],
                                                  n_y, paths)
            mig_dev[:, :, i] = _local_level_draw(rng, params.mig_e[k], params.mig_eta[k],
                                                 n_y, paths)
        if keep_draws:
            drawn[sel.start] = fert_dev, mig_dev
        return fert_dev, mig_dev

    out = np.zeros((len(rows), paths, n_regions, len(GROUPS)))
    pop0 = np.nan_to_num(fm.inputs.base_pop[k_idx])
    for ps in path_chunks:
        n_s = ps.stop - ps.start
        kd = kappa_dev[:, ps]
        factor = np.exp(-b_end[None, None] * kd[..., None])                 # [Y, s, 2, 106]
        # float32: paths only feed quantiles, and halving memory traffic nearly halves the time.
        sc = f32((det.sc[:, 0][:, None] ** factor)[:, :, None])             # [Y, s, 1, 2, 106]
        del factor
        sb = f32((1.0 - (1.0 - det.sb[:, 0][:, None])
                  * np.exp(-params.bx[None, None, :, 0] * kd))[:, :, None])  # [Y, s, 1, 2]
        for sel in k_chunks:
            kc = sel.stop - sel.start
            fert_dev, mig_dev = kommune_draws(sel)
            si = StepInputs(
                years=det.years, sc=sc, sb=sb, asfr=f32(det.asfr[:, None, sel]),
                mig_rate=det.mig_rate.map(lambda v: f32(v[None, sel]), np.float32),
                mig_count=det.mig_count.map(lambda v: f32(v[None, sel]), np.float32),
                mig_extra=None if det.mig_extra is None else det.mig_extra.map(
                    lambda v: f32(v[None, sel]), np.float32),
                mig_in=None if det.mig_in is None else det.mig_in.map(
                    lambda v: f32(v[None, sel]), np.float32),
                share_male=det.share_male,
                births_mult=f32(np.exp(fert_dev[:, ps] + tfr_dev[:, ps, None])),
                count_mult=f32(np.broadcast_to(count_mult[:, ps, None], (n_y, n_s, kc))),
                rate_shock=f32(mig_dev[:, ps]), shock_shape=f32(params.shock_shape),
            )
            batch0 = np.broadcast_to(pop0[sel][None], (n_s,) + pop0[sel].shape)
            obs = run(f32(batch0), si, keep_flows=False, observe=_groups)[rows]
            np.add.at(out, (slice(None), ps, region_of[sel]), obs)     # [rows, s, kc, G]
    return out


def f32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def _groups(pop: np.ndarray) -> np.ndarray:
    """[..., G] total and age-group sums of pop[..., 2, 106], in float64.

    Plain sums along the age axis (not a matrix product, whose rounding can depend on the batch
    size under BLAS): each row's numbers are then the same however paths and kommuner are
    batched, so a chunked run equals a run in one piece bit for bit."""
    s = pop[..., 0, :] + pop[..., 1, :]
    out = np.empty(s.shape[:-1] + (len(GROUPS),))
    out[..., 0] = s.sum(axis=-1)
    for j, (lo, hi) in enumerate(AGE_GROUPS.values(), start=1):
        out[..., j] = s[..., lo:hi + 1].sum(axis=-1)
    return out


def quantiles(sim: np.ndarray) -> dict[str, np.ndarray]:
    """{name: [Y+1, R, G]} from simulate()'s [Y+1, S, R, G]."""
    qs = np.empty((len(QUANTILES), sim.shape[0]) + sim.shape[2:])
    for j in range(sim.shape[0]):        # a year at a time: np.quantile copies what it sorts
        qs[:, j] = np.quantile(sim[j], list(QUANTILES.values()), axis=0)
    return {name: qs[i] for i, name in enumerate(QUANTILES)}
