"""Gross moves in and out by single age (Telemark's kommuner, SSB via Telemark fylkeskommune).

The only gross (not net) migration by age in the offline snapshot. The model uses it for the age
shape and level of the out-migration intensity (model/migration.py); all-kommune gross flows come
from SSB when online. File layout: `År;Region;Alder;Utflytting;Innflytting;Nettoflytting`,
UTF-8 with BOM, names only (2025 spells Kragerø «Kragerå»), ages «0 år» … «99 år», blank = 0.
Counts include moves to and from abroad (see the folder's README).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import SnapshotError

COLUMNS = ["År", "Region", "Alder", "Utflytting", "Innflytting", "Nettoflytting"]
NAME_FIXES = {"Kragerå": "Kragerø"}   # a typo in the 2025 rows of the source file


def read_gross_migration(path: Path, kommune_codes: dict[str, str]) -> pd.DataFrame:
    """Tidy rows (year, region_code, age, out_moves, in_moves); kommune_codes maps name → code.

    Refuses the file (SnapshotError naming file and line) on a missing column, an unknown
    kommune name, a non-numeric or negative count, an age that is not «N år», or a duplicate.
    """
    what = f"gross migration ({path.name})"
    try:
        df = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except Exception as exc:
        raise SnapshotError(f"{what}: cannot read {path}: {exc}") from exc
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SnapshotError(f"{what}: missing column(s) {', '.join(missing)}")

    def bad(i: int, msg: str) -> SnapshotError:
        return SnapshotError(f"{what}, line {i + 2}: {msg}")   # header is line 1

    names = df["Region"].str.strip().replace(NAME_FIXES)
    codes = names.map(kommune_codes)
    if codes.isna().any():
        i = int(codes.isna().to_numpy().argmax())
        raise bad(i, f"unknown kommune name {df['Region'].iloc[i]!r}")
    age_txt = df["Alder"].str.strip().str.replace(" år", "", regex=False)
    out = pd.DataFrame({"region_code": codes})
    for col, src in (("year", df["År"]), ("age", age_txt),
                     ("out_moves", df["Utflytting"]), ("in_moves", df["Innflytting"])):
        vals = pd.to_numeric(src.str.strip().replace("", "0"), errors="coerce")
        wrong = vals.isna() | (vals < 0) | (vals != vals.round())
        if wrong.any():
            i = int(wrong.to_numpy().argmax())
            raise bad(i, f"{col}: {src.iloc[i]!r} is not a whole number ≥ 0")
        out[col] = vals.astype("int64")
    dup = out.duplicated(["region_code", "year", "age"])
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise bad(i, "duplicate kommune, year and age")
    return out.sort_values(["year", "region_code", "age"]).reset_index(drop=True)
