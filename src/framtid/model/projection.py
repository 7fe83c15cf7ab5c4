"""The vectorised cohort-component engine: all kommuner (and, for the stochastic model, all paths)
in one numpy run, one loop iteration per projected year.

One step, 1 January t → 1 January t+1, for every batch row (a kommune, or a kommune in one path):
    X      = cohort exposure (persons who will be aged a' on 1 January t+1; 105 = 104 + 105+)
    N      = X · rate + count + in + extra                net migrants, by age at t+1
             (rate: internal out-migration, or net rates in the own-estimate model; count:
              international; in: internal in-migrants as a share of the national pool)
    N      = max(N, −X · 2s/(1+s))                        no cohort can lose more than it has;
                                                          the clip is booked as migration
    P'     = s · X + N · (1+s)/2                          half-year exposure of migrants
    B      = Σ_a asfr_a · ½ (W_a(t) + W'_a(t+1))          mid-year exposure of women 12–55
    P'_0   = s_b · B, split by the national share of boys
    D      = X + N − P'   (D_0 = B − P'_0)                deaths: the identity holds by construction
so P(t+1) = P(t) + B − D + N for every row, sex and year, and sums of rows keep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .fertility import FA0, FA1
from .inputs import FEMALE, OPEN_AGE

AGE_GROUPS: dict[str, tuple[int, int]] = {   # inclusive age bounds; 105 = 105+
    "0-19": (0, 19), "20-66": (20, 66), "67+": (67, OPEN_AGE), "80+": (80, OPEN_AGE),
}


@dataclass
class TimeLinear:
    """A [Y, ...] series (const + slope · weight[j]) · factor[j] that is never materialised
    (saves memory traffic: the rates of all kommuner for 25 years would be tens of MB per call).
    factor[j] (optional, [2, 106]) is a national per-year array shared by every row."""

    const: np.ndarray            # [...]
    slope: np.ndarray | None     # [...] or None (constant over time)
    weight: np.ndarray           # [Y]
    factor: np.ndarray | None = None   # [Y, 2, 106] or None

    def __getitem__(self, j: int) -> np.ndarray:
        v = self.const if self.slope is None else self.const + self.slope * self.weight[j]
        return v if self.factor is None else v * self.factor[j]

    def __len__(self) -> int:
        return len(self.weight)

    def map(self, fn: Callable[[np.ndarray], np.ndarray], dtype=None) -> "TimeLinear":
        """Apply fn to the non-time parts (e.g. select kommuner, add a path axis)."""
        w = self.weight if dtype is None else self.weight.astype(dtype)
        f = self.factor if (self.factor is None or dtype is None) else self.factor.astype(dtype)
        return TimeLinear(fn(self.const), None if self.slope is None else fn(self.slope), w, f)


@dataclass
class StepInputs:
    """Rates for Y steps; every array broadcasts against the batch shape of the population.

    The optional multipliers and shocks are the stochastic model's hooks (None: deterministic).
    """

    years: np.ndarray        # [Y] start year of each step
    sc: np.ndarray           # [Y, ..., 2, 106] cohort survival by age at t+1 (sc[..., 0] unused)
    sb: np.ndarray           # [Y, ..., 2] survival of the year's births to 1 January
    asfr: np.ndarray         # [Y, ..., 44] births per woman-year at 12..55 (kommune factor in)
    mig_rate: TimeLinear     # [Y, ..., 2, 106] net migrants per cohort person (age 0 = 0)
    mig_count: TimeLinear | None  # [Y, ..., 2, 106] net migrants in persons (international)
    mig_extra: TimeLinear | None  # [Y, ..., 2, 106] lever additions in persons (never scaled)
    share_male: float
    mig_in: TimeLinear | None = None  # [Y, ..., 2, 106] internal in-migrants in persons
    births_mult: np.ndarray | None = None   # [Y, ...batch] factor on births
    count_mult: np.ndarray | None = None    # [Y, ...batch] factor on mig_count
    rate_shock: np.ndarray | None = None    # [Y, ...batch] additive net migration rate level
    shock_shape: np.ndarray | None = None   # [2, 106] age-sex shape of rate_shock (mean 1)


@dataclass
class Projection:
    years: np.ndarray        # [Y+1] 1 January of base .. to_year
    codes: list[str]         # K row labels (kommune codes, or one aggregated region)
    pop: np.ndarray          # [Y+1, K, 2, 106]
    births: np.ndarray       # [Y, K, 2]   effective births in year t (see fertility.py)
    deaths: np.ndarray       # [Y, K, 2, 106] deaths in step t, by age at t+1 of the cohort
    netmig: np.ndarray       # [Y, K, 2, 106] net migration incl. clip adjustments
    clip: np.ndarray         # [Y, K, 2] part of netmig that is the non-negativity adjustment

    def aggregate(self, idx: np.ndarray | list[int], code: str = "agg") -> "Projection":
        """Sum rows `idx` into one region (row order irrelevant)."""
        idx = np.asarray(idx, dtype=np.intp)
        return Projection(
            years=self.years, codes=[code],
            pop=self.pop[:, idx].sum(axis=1, keepdims=True),
            births=self.births[:, idx].sum(axis=1, keepdims=True),
            deaths=self.deaths[:, idx].sum(axis=1, keepdims=True),
            netmig=self.netmig[:, idx].sum(axis=1, keepdims=True),
            clip=self.clip[:, idx].sum(axis=1, keepdims=True),
        )

    def total(self) -> np.ndarray:
        """[Y+1, K] persons."""
        return self.pop.sum(axis=(2, 3))

    def age_groups(self) -> dict[str, np.ndarray]:
        return age_group_totals(self.pop)


def age_group_totals(pop: np.ndarray) -> dict[str, np.ndarray]:
    """{group: pop summed over sex and ages of the group}; pop [..., 2, 106]."""
    by_age = pop.sum(axis=-2)
    return {g: by_age[..., lo:hi + 1].sum(axis=-1) for g, (lo, hi) in AGE_GROUPS.items()}


def run(pop0: np.ndarray, si: StepInputs, keep_flows: bool = True,
        codes: list[str] | None = None,
        observe: Callable[[np.ndarray], np.ndarray] | None = None
        ) -> Projection | np.ndarray:
    """Project pop0 [..., 2, 106] through all steps of `si`.

    With keep_flows a Projection (batch must be [K]). Without, the population array
    [Y+1, ..., 2, 106], or with `observe` only observe(pop) per year stacked [Y+1, ...]
    (the stochastic model's memory-light mode).
    """
    n_steps = len(si.years)
    batch = pop0.shape[:-2]
    dt = pop0.dtype
    out = np.empty((n_steps + 1,) + pop0.shape, dtype=dt) if observe is None else None
    obs = [observe(pop0)] if observe is not None else None
    if out is not None:
        out[0] = pop0
    if keep_flows:
        births = np.empty((n_steps,) + batch + (2,))
        deaths = np.empty((n_steps,) + pop0.shape)
        netmig = np.empty((n_steps,) + pop0.shape)
        clip = np.empty((n_steps,) + batch + (2,))
    sex_split = np.array([1.0 - si.share_male, si.share_male], dtype=dt)
    floor_f = -2.0 * si.sc / (1.0 + si.sc)   # migrants can take at most the whole cohort
    half_f = 0.5 + 0.5 * si.sc                # half-year exposure of migrants
    # Work buffers, reused every year (the loop allocates almost nothing).
    x = np.zeros(pop0.shape, dtype=dt)
    tmp = np.empty(pop0.shape, dtype=dt)
    n_buf = np.empty(pop0.shape, dtype=dt)
    ends = (np.empty(pop0.shape, dtype=dt), np.empty(pop0.shape, dtype=dt))
    p = pop0
    for j in range(n_steps):
        # Cohort exposure: who will be aged a' next 1 January.
        x[..., 1:OPEN_AGE] = p[..., :OPEN_AGE - 1]
        np.add(p[..., OPEN_AGE - 1], p[..., OPEN_AGE], out=x[..., OPEN_AGE])
        n = netmig[j] if keep_flows else n_buf
        np.multiply(x, si.mig_rate[j], out=n)
        if si.rate_shock is not None:
            np.multiply(si.rate_shock[j][..., None, None], si.shock_shape, out=tmp)
            tmp *= x
            n += tmp
        if si.mig_count is not None:
            if si.count_mult is None:
                n += si.mig_count[j]
            else:
                np.multiply(si.mig_count[j], si.count_mult[j][..., None, None], out=tmp)
                n += tmp
        if si.mig_in is not None:
            n += si.mig_in[j]
        if si.mig_extra is not None:
            n += si.mig_extra[j]
        np.multiply(x, floor_f[j], out=tmp)
        clipped = keep_flows and bool((n < tmp).any())
        if clipped:
            raw = n.sum(axis=-1)
        np.maximum(n, tmp, out=n)
        end = out[j + 1] if out is not None else ends[j & 1]
        np.multiply(x, si.sc[j], out=end)
        np.multiply(n, half_f[j], out=tmp)
        end += tmp
        np.maximum(end, 0.0, out=end)            # float rounding only
        # Births from the mid-year exposure of women.
        w = p[..., FEMALE, FA0:FA1] + end[..., FEMALE, FA0:FA1]
        w *= si.asfr[j]
        b = w.sum(axis=-1) * 0.5
        if si.births_mult is not None:
            b *= si.births_mult[j]
        b_sex = b[..., None] * sex_split
        end[..., 0] = b_sex * si.sb[j]
        if out is None:
            obs.append(observe(end))   # memory-light: only the current state is kept
        if keep_flows:
            d = deaths[j]
            np.add(x, n, out=d)
            d -= end
            d[..., 0] += b_sex
            births[j] = b_sex
            clip[j] = n.sum(axis=-1) - raw if clipped else 0.0
        p = end
    if observe is not None:
        return np.stack(obs)
    if not keep_flows:
        return out
    years = np.append(si.years, si.years[-1] + 1) if n_steps else np.array([])
    return Projection(years=years, codes=list(codes or []), pop=out, births=births,
                      deaths=deaths, netmig=netmig, clip=clip)

