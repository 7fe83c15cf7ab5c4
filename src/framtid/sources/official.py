"""SSB's own regional population projections as data: read, check and recode to 2024 codes.

Two snapshot files feed the store table `official_projection` (one row per source, round,
alternative, region, year and age group; `persons` as float):

* `extra/projections/ssb_regional_projection_2024_kommune_totals_mmmm.csv` — SSB table 14288
  (2024 round), main alternative MMMM, totals for all 357 kommuner 2024–2050, wide (one column
  per year). Stored long with age_group "total".
* `extra/projections/ssb_regional_projection_rounds_telemark_norway.csv.gz` — every regional
  round 2005–2026 for Norway and Telemark with its kommuner, MMMM/LLML/HHMH, by SSB's age
  groups, long. Codes are those valid when the round was published (08xx before 2020, 38xx
  2020–2023); they are recoded to 2024 codes with the snapshot's code-change table (only 1:1
  or merge mappings, weight 1.0) and merged kommuner are summed (Midt-Telemark 4020 = Bø 0821 +
  Sauherad 0822). «Hele landet» is `NO`. A region SSB published whose borders were split later
  (the fylke Vestfold og Telemark, 38, in the 2020 and 2022 rounds) has no 2024 equivalent
  and is left out; the fylke Telemark is then the sum of its kommuner.

Every check names the file and the first bad line (1-based, the header is line 1), so a broken
download is refused before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SnapshotError

COLUMNS = ["source", "ssb_table", "round", "alternative", "region_code", "year", "age_group",
           "persons"]
KEY = ["source", "round", "alternative", "region_code", "year", "age_group"]
ALTERNATIVES = ("MMMM", "LLML", "HHMH")
# SSB's age groups in the regional tables (20-66 in rounds before 2014, 20-44 + 45-66 after).
AGE_GROUPS = ("0", "1-5", "6-12", "13-15", "16-19", "20-44", "45-66", "20-66", "67-79",
              "80-89", "90+")
TOTAL = "total"
# The groups of the current tables, as (first age, last age); 90+ runs to the open 105+.
CURRENT_GROUPS = (("0", 0, 0), ("1-5", 1, 5), ("6-12", 6, 12), ("13-15", 13, 15),
                  ("16-19", 16, 19), ("20-44", 20, 44), ("45-66", 45, 66), ("67-79", 67, 79),
                  ("80-89", 80, 89), ("90+", 90, 150))
# The regional projection table of each round (PxWebApi ids).
ROUND_TABLES = {2005: "05904", 2008: "06917", 2009: "07268", 2010: "08109", 2011: "08825",
                2012: "09482", 2014: "10213", 2016: "11168", 2018: "11668", 2020: "12882",
                2022: "13600", 2024: "14288", 2026: "14746"}
TOTALS_TABLE, TOTALS_ROUND = "14288", 2024


def empty() -> pd.DataFrame:
    """The table's columns and types with no rows (an old store without the table)."""
    return pd.DataFrame({
        "source": pd.Series(dtype=object), "ssb_table": pd.Series(dtype=object),
        "round": pd.Series(dtype="int64"), "alternative": pd.Series(dtype=object),
        "region_code": pd.Series(dtype=object), "year": pd.Series(dtype="int64"),
        "age_group": pd.Series(dtype=object), "persons": pd.Series(dtype="float64"),
    })


def age_group_of(age: int) -> str:
    for name, lo, hi in CURRENT_GROUPS:
        if lo <= age <= hi:
            return name
    raise ValueError(f"age {age} is outside every SSB age group")


def _fail(path: Path, line: int, what: str) -> SnapshotError:
    return SnapshotError(f"official projection {path.name}, line {line}: {what}")


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many kinds; the user needs the file and reason
        raise SnapshotError(f"official projection: cannot read {path}: {exc}") from exc


def _require(df: pd.DataFrame, cols: list[str], path: Path) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise _fail(path, 1, f"missing column(s) {', '.join(missing)}")


def _numbers(values: pd.Series, path: Path, what: str, *, whole: bool) -> pd.Series:
    """Parsed numbers; the first blank, non-numeric, negative (or, if `whole`, fractional)
    value is refused with its line number."""
    num = pd.to_numeric(values.str.strip(), errors="coerce")
    bad = num.isna() | ~np.isfinite(num)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _fail(path, i + 2, f"{what} {values.iloc[i]!r} is not a number")
    neg = num < 0
    if neg.any():
        i = int(np.flatnonzero(neg.to_numpy())[0])
        raise _fail(path, i + 2, f"{what} {values.iloc[i]} is negative")
    if whole:
        frac = num != np.round(num)
        if frac.any():
            i = int(np.flatnonzero(frac.to_numpy())[0])
            raise _fail(path, i + 2, f"{what} {values.iloc[i]} is not a whole number")
        return num.astype("int64")
    return num.astype("float64")


def _first_duplicate(df: pd.DataFrame, cols: list[str], path: Path) -> None:
    dup = df.duplicated(cols, keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        key = ", ".join(f"{c}={df[c].iloc[i]}" for c in cols)
        raise _fail(path, i + 2, f"duplicate row ({key})")


def read_kommune_totals(path: Path, kommuner: set[str]) -> pd.DataFrame:
    """14288 MMMM kommune totals (wide, one column per year) as long rows, age_group 'total'."""
    raw = _read(path)
    _require(raw, ["kommunenummer_2024"], path)
    year_cols = [c for c in raw.columns if c.strip().isdigit()]
    if not year_cols:
        raise _fail(path, 1, "no year columns (2024, 2025, ...)")
    codes = raw["kommunenummer_2024"].str.strip()
    unknown = ~codes.isin(kommuner)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise _fail(path, i + 2, f"{codes.iloc[i]!r} is not a 2024 kommune code")
    _first_duplicate(raw.assign(kommunenummer_2024=codes), ["kommunenummer_2024"], path)
    parts = []
    for col in year_cols:
        persons = _numbers(raw[col], path, f"persons in {col}", whole=False)
        parts.append(pd.DataFrame({"region_code": codes.to_numpy(), "year": int(col),
                                   "persons": persons.to_numpy(), "line": np.arange(len(raw)) + 2}))
    long = pd.concat(parts, ignore_index=True)
    missing = kommuner - set(codes)
    if missing:
        raise _fail(path, len(raw) + 1, f"{len(missing)} kommuner have no row, e.g. "
                    f"{sorted(missing)[:3]}")
    long.insert(0, "source", "SSB")
    long.insert(1, "ssb_table", TOTALS_TABLE)
    long.insert(2, "round", TOTALS_ROUND)
    long.insert(3, "alternative", "MMMM")
    long["age_group"] = TOTAL
    return long[COLUMNS]


def recode_map(code_changes: pd.DataFrame) -> list[tuple[str, str, int, int]]:
    """(old code, 2024 code, first year, last year) for mappings that move whole regions."""
    cc = code_changes
    whole = pd.to_numeric(cc["weighting"], errors="coerce") == 1.0
    rows = cc[whole & (cc["code_original"] != cc["code_2024"])]
    return [(r.code_original, r.code_2024, int(r.year_from), int(r.year_to))
            for r in rows.itertuples(index=False)]


def _partial_codes(code_changes: pd.DataFrame) -> set[str]:
    """Codes that the code-change table only splits by weight (no whole 2024 region)."""
    w = pd.to_numeric(code_changes["weighting"], errors="coerce")
    return set(code_changes.loc[w < 1.0, "code_original"])


def read_rounds(path: Path, code_changes: pd.DataFrame, known: set[str]) -> pd.DataFrame:
    """All rounds for Norway and Telemark, long; codes recoded to 2024, merged kommuner summed.

    `known` holds the 2024 codes (kommuner, fylker and 'NO')."""
    raw = _read(path)
    cols = ["round", "ssb_table", "region_code", "alternative", "year", "age_group", "persons"]
    _require(raw, cols, path)
    rnd = _numbers(raw["round"], path, "round", whole=True)
    year = _numbers(raw["year"], path, "year", whole=True)
    persons = _numbers(raw["persons"], path, "persons", whole=False)
    alt = raw["alternative"].str.strip()
    bad = ~alt.isin(ALTERNATIVES)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _fail(path, i + 2, f"unknown alternative {alt.iloc[i]!r} "
                    f"(expected {', '.join(ALTERNATIVES)})")
    age = raw["age_group"].str.strip()
    bad = ~age.isin(AGE_GROUPS + (TOTAL,))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _fail(path, i + 2, f"unknown age group {age.iloc[i]!r}")
    code = raw["region_code"].str.strip()
    names = raw["region_name"].str.strip() if "region_name" in raw.columns else None
    if names is not None:
        code = code.mask(names.str.lower() == "hele landet", "NO")
    code = code.replace({"0": "NO", "0000": "NO"})
    df = pd.DataFrame({"source": "SSB", "ssb_table": raw["ssb_table"].str.strip(),
                       "round": rnd, "alternative": alt, "region_code": code, "year": year,
                       "age_group": age, "persons": persons})
    _first_duplicate(df, ["round", "alternative", "region_code", "year", "age_group"], path)
    tables = df.groupby("round")["ssb_table"].nunique()
    if (tables > 1).any():
        r = int(tables[tables > 1].index[0])
        i = int(np.flatnonzero((df["round"] == r).to_numpy())[0])
        raise _fail(path, i + 2, f"round {r} names more than one SSB table")

    # Recode to 2024 codes: per round, a code valid in the round's year that maps whole (where
    # mappings overlap, the later one in the table wins). One merge, not a pass per mapping.
    rules = pd.DataFrame(recode_map(code_changes), columns=["old", "new", "first", "last"])
    rows = pd.DataFrame({"row": np.arange(len(df)), "old": df["region_code"].to_numpy(),
                         "round": df["round"].to_numpy()})
    hit = rows.merge(rules.reset_index(names="rule"), on="old")
    hit = hit[(hit["round"] >= hit["first"]) & (hit["round"] <= hit["last"])]
    hit = hit.sort_values("rule").drop_duplicates("row", keep="last")
    codes = df["region_code"].to_numpy(dtype=object, copy=True)
    codes[hit["row"].to_numpy()] = hit["new"].to_numpy()
    new_code = pd.Series(codes, index=df.index, dtype=df["region_code"].dtype)
    partial = _partial_codes(code_changes)
    drop = ~new_code.isin(known) & df["region_code"].isin(partial)
    unknown = ~new_code.isin(known) & ~drop
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise _fail(path, i + 2, f"region code {df['region_code'].iloc[i]!r} in round "
                    f"{df['round'].iloc[i]} has no 2024 equivalent")
    df = df.assign(region_code=new_code)[~drop]
    df = df.groupby(["source", "ssb_table", "round", "alternative", "region_code", "year",
                     "age_group"], as_index=False, sort=False)["persons"].sum()
    return df[COLUMNS]


def check_totals_against_groups(df: pd.DataFrame) -> int:
    """Where a region-year has both SSB's total and its age groups, they must agree exactly.

    Returns the number of region-years checked."""
    tot = df[df["age_group"] == TOTAL]
    if tot.empty:
        return 0
    keys = ["source", "round", "alternative", "region_code", "year"]
    groups = df[df["age_group"] != TOTAL].groupby(keys, as_index=False)["persons"].sum()
    both = tot.merge(groups, on=keys, suffixes=("", "_groups"))
    off = both[(both["persons"] - both["persons_groups"]).abs() > 0.5]
    if len(off):
        r = off.iloc[0]
        raise SnapshotError(
            f"official projection: round {r['round']} {r['alternative']} {r['region_code']} "
            f"{r['year']}: the total {r['persons']:,.0f} differs from the sum of its age groups "
            f"{r['persons_groups']:,.0f} ({len(off)} region-years disagree)")
    return len(both)


def combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    df = pd.concat([p for p in parts if len(p)], ignore_index=True) if parts else empty()
    if df.empty:
        return empty()
    dup = df.duplicated(KEY)
    if dup.any():
        r = df[dup].iloc[0]
        raise SnapshotError(f"official projection: two files give round {r['round']} "
                            f"{r['alternative']} {r['region_code']} {r['year']} "
                            f"{r['age_group']}")
    return typed(df.sort_values(KEY, ignore_index=True))


def typed(df: pd.DataFrame) -> pd.DataFrame:
    """The store's column types: round and year INTEGER, persons DOUBLE, the rest VARCHAR."""
    return df.astype({"source": object, "ssb_table": object, "round": "int32",
                      "alternative": object, "region_code": object, "year": "int32",
                      "age_group": object, "persons": "float64"})[COLUMNS]


def from_single_ages(frame: pd.DataFrame, round_: int, table: str) -> pd.DataFrame:
    """A live answer (year, region_code, age, alternative in SSB codes, population; any sex
    column summed) in the store's layout: SSB's age groups, Norway as 'NO'."""
    f = frame.copy()
    starts = np.array([lo for _, lo, _ in CURRENT_GROUPS])
    names = np.array([name for name, _, _ in CURRENT_GROUPS], dtype=object)
    ages = f["age"].to_numpy().astype(int)
    if (ages < 0).any() or (ages > CURRENT_GROUPS[-1][2]).any():
        raise ValueError("ages outside 0..150 in a projection answer")
    f["age_group"] = names[np.searchsorted(starts, ages, side="right") - 1]
    f["region_code"] = f["region_code"].replace({"0": "NO"})
    out = f.groupby(["alternative", "region_code", "year", "age_group"], as_index=False)[
        "population"].sum()
    out = out.rename(columns={"population": "persons"})
    out["persons"] = out["persons"].astype("float64")
    out.insert(0, "source", "SSB")
    out.insert(1, "ssb_table", table)
    out.insert(2, "round", int(round_))
    return typed(out)
