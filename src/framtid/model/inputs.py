"""Everything the projection model reads from the store, as plain numpy arrays.

`ModelInputs.from_store(store, regions, base_year)` is the single place where a backtest's
information set is cut: population years <= base (1 January of the base year is the jump-off),
mortality and fertility years < base (the year before the jump-off is the last one a forecaster
standing on 1 January would know). Nothing downstream may look at the store again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import FramtidError
from ..regions import Regions
from ..store import Store

N_AGES = 106                 # ages 0..105, 105 = 105 or older (SSB table 07459)
OPEN_AGE = N_AGES - 1
FERT_AGES = np.arange(12, 56)  # HFD ASFR ages: 12 = "12 and younger", 55 = "55 and older"
SEXES = ("female", "male")    # axis order of every array (store.SEXES)
FEMALE, MALE = 0, 1


@dataclass(frozen=True)
class ModelInputs:
    """Data known on 1 January `base_year`, nothing later."""

    base_year: int
    codes: list[str]              # K kommune codes (2024 borders), sorted
    names: list[str]              # K kommune names
    ba_index: np.ndarray          # [K] int, index into ba_codes
    ba_codes: list[str]
    fylke_index: np.ndarray       # [K] int, index into fylke_codes
    fylke_codes: list[str]
    pop_years: np.ndarray         # [T] years of 1 January populations, last == base_year
    pop: np.ndarray               # [T, K, 2, 106] persons; NaN where a kommune has no figure
    nat_years: np.ndarray         # [Tn] years of SSB's national series (not a sum), <= base
    nat_pop: np.ndarray           # [Tn, 2, 106]
    mort_years: np.ndarray        # [Tm] HMD years < base
    mx: np.ndarray                # [Tm, 2, 106] central death rates, 105 = 105+ (deaths/exposure)
    deaths: np.ndarray            # [Tm, 2, 106] deaths (same ages)
    fert_years: np.ndarray        # [Tf] HFD years < base
    asfr: np.ndarray              # [Tf, 44] births per woman-year at ages 12..55
    # SSB's national projection paths by age group, rounds <= base: {(round, alternative):
    # NationalPath}. Empty where the store holds none (the model then uses its own estimate).
    official_nat: dict = field(default_factory=dict)
    # Gross out-migration moves per cohort person by age (both sexes), from the gross-moves
    # table; None where the store has none. Structural (an age schedule), so not cut at base.
    gross_out_rate: np.ndarray | None = None

    @property
    def n_kommuner(self) -> int:
        return len(self.codes)

    def kommune_index(self, codes: list[str]) -> np.ndarray:
        pos = {c: i for i, c in enumerate(self.codes)}
        return np.array([pos[c] for c in codes], dtype=np.intp)

    @property
    def base_pop(self) -> np.ndarray:
        """[K, 2, 106] population on 1 January of the base year."""
        return self.pop[-1]

    @classmethod
    def from_store(cls, store: Store, regions: Regions, base_year: int | None = None
                   ) -> "ModelInputs":
        years, codes, cube = store.population_cube()
        base = int(years[-1]) if base_year is None else int(base_year)
        if base not in years:
            raise FramtidError(
                f"Base year {base} is outside the population data ({years[0]}–{years[-1]}).")
        keep = years <= base
        if keep.sum() < 3:
            raise FramtidError(f"Base year {base} leaves fewer than three years of history.")

        kommuner = {r.code: r for r in regions.all("kommune")}
        ba_codes = sorted({kommuner[c].ba for c in codes})
        fylke_codes = sorted({kommuner[c].fylke for c in codes})
        ba_index = np.array([ba_codes.index(kommuner[c].ba) for c in codes], dtype=np.intp)
        fylke_index = np.array([fylke_codes.index(kommuner[c].fylke) for c in codes],
                               dtype=np.intp)

        nat_years, nat = store.nation_series()
        nkeep = nat_years <= base

        mort_years, mx, deaths = _mortality(store, base)
        fert_years, asfr = _fertility(store, base)
        official = _official_national(store, base)
        gross = _gross_out_rate(store, years, codes, cube)
        return cls(
            base_year=base, codes=list(codes), names=[kommuner[c].name for c in codes],
            ba_index=ba_index, ba_codes=ba_codes, fylke_index=fylke_index,
            fylke_codes=fylke_codes,
            pop_years=years[keep].astype(int), pop=cube[keep].copy(),
            nat_years=nat_years[nkeep].astype(int), nat_pop=nat[nkeep].copy(),
            mort_years=mort_years, mx=mx, deaths=deaths, fert_years=fert_years, asfr=asfr,
            official_nat=official, gross_out_rate=gross,
        )


def _mortality(store: Store, base: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HMD mx and deaths for years < base, ages 105..110+ pooled into 105+.

    The pooled rate is Σ deaths / Σ exposure with exposure = deaths / mx (HMD's own exposure);
    cells with mx = 0 or missing carry no exposure information and drop out.
    """
    df = store.table("mortality")
    df = df[(df["sex"] != "total") & (df["year"] < base)]
    if df.empty:
        raise FramtidError(f"No mortality data before {base}.")
    years = np.sort(df["year"].unique()).astype(int)
    raw_m = np.full((len(years), 2, 111), np.nan)
    raw_d = np.zeros((len(years), 2, 111))
    yi = np.searchsorted(years, df["year"].to_numpy())
    si = (df["sex"].to_numpy() == "male").astype(int)
    ai = df["age"].to_numpy()
    raw_m[yi, si, ai] = df["mx"].to_numpy()
    raw_d[yi, si, ai] = df["deaths"].to_numpy()
    mx = raw_m[:, :, :N_AGES].copy()
    deaths = raw_d[:, :, :N_AGES].copy()
    old_m, old_d = raw_m[:, :, OPEN_AGE:], raw_d[:, :, OPEN_AGE:]
    ok = np.isfinite(old_m) & (old_m > 0)
    expo = np.where(ok, old_d / np.where(ok, old_m, 1.0), 0.0)
    deaths[:, :, OPEN_AGE] = np.where(ok, old_d, 0.0).sum(axis=2)
    mx[:, :, OPEN_AGE] = deaths[:, :, OPEN_AGE] / np.maximum(expo.sum(axis=2), 1e-12)
    mx = np.nan_to_num(mx, nan=0.0)
    return years, mx, deaths


def _fertility(store: Store, base: int) -> tuple[np.ndarray, np.ndarray]:
    df = store.table("fertility")
    df = df[df["year"] < base]
    if df.empty:
        raise FramtidError(f"No fertility data before {base}.")
    years = np.sort(df["year"].unique()).astype(int)
    asfr = np.zeros((len(years), len(FERT_AGES)))
    asfr[np.searchsorted(years, df["year"].to_numpy()),
         df["age"].to_numpy() - FERT_AGES[0]] = df["asfr"].to_numpy()
    return years, asfr



@dataclass(frozen=True)
class NationalPath:
    """One SSB round and alternative for Norway: persons by age group and year."""

    round: int
    alternative: str
    ssb_table: str
    years: np.ndarray                    # [Y] 1 January
    groups: tuple[tuple[int, int], ...]  # inclusive age bounds, 105 = open
    persons: np.ndarray                  # [Y, G]


def parse_age_group(label: str) -> tuple[int, int] | None:
    """SSB's labels: «0», «1-5», «90+» → inclusive bounds; «total» → None."""
    label = str(label).strip()
    if label.endswith("+"):
        return int(label[:-1]), OPEN_AGE
    if "-" in label:
        lo, hi = label.split("-")
        return int(lo), int(hi)
    if label.isdigit():
        return int(label), int(label)
    return None


def _official_national(store: Store, base: int) -> dict:
    """Norway's rows of SSB's projection rounds published for a jump-off <= base."""
    df = store.official_projection(["NO"])
    df = df[(df["round"] <= base) & (df["age_group"] != "total")]
    out = {}
    for (rnd, alt), g in df.groupby(["round", "alternative"]):
        labels = sorted(g["age_group"].unique(), key=lambda s: parse_age_group(s) or (999, 0))
        groups = tuple(parse_age_group(lab) for lab in labels)
        if None in groups:
            continue
        years = np.sort(g["year"].unique()).astype(int)
        piv = g.pivot_table(index="year", columns="age_group", values="persons", aggfunc="sum")
        piv = piv.reindex(index=years, columns=labels)
        if piv.isna().any().any():
            continue        # an incomplete path is no frame
        out[(int(rnd), str(alt))] = NationalPath(
            round=int(rnd), alternative=str(alt), ssb_table=str(g["ssb_table"].iloc[0]),
            years=years, groups=groups, persons=piv.to_numpy(dtype=float))
    return out


def _gross_out_rate(store: Store, years: np.ndarray, codes: list[str], cube: np.ndarray
                    ) -> np.ndarray | None:
    """[106] out-moves per cohort person by age at the end of the year, pooled over the kommuner
    and years of the gross-moves table (moves abroad included, see migration.py)."""
    df = store.optional_table("gross_migration")
    if df is None or df.empty:
        return None
    pos = {c: i for i, c in enumerate(codes)}
    df = df[df["region_code"].isin(pos) & df["year"].isin(years)]
    if df.empty:
        return None
    moves = np.zeros(N_AGES)
    expo = np.zeros(N_AGES)
    for (year, code), g in df.groupby(["year", "region_code"]):
        p = cube[int(np.searchsorted(years, year)), pos[code]].sum(axis=0)   # [106] 1 January
        if np.isnan(p).any():
            continue
        ages = np.minimum(g["age"].to_numpy(), OPEN_AGE)
        np.add.at(moves, ages, g["out_moves"].to_numpy(dtype=float))
        x = np.zeros(N_AGES)
        x[1:OPEN_AGE] = p[:OPEN_AGE - 1]
        x[OPEN_AGE] = p[OPEN_AGE - 1] + p[OPEN_AGE]
        x[0] = p[0]          # babies born in the year and moving: ≈ 0-year-olds' size
        present = np.zeros(N_AGES, dtype=bool)
        present[ages] = True
        expo += np.where(present, x, 0.0)
    return np.where(expo > 0, moves / np.maximum(expo, 1e-9), np.nan)
