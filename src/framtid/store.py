"""The embedded DuckDB store. The only module that knows SQL.

Writes are atomic: a new store is built beside the old one (`<db>.new`), checkpointed, closed and
then moved over it with os.replace, so a failed import or update leaves the previous store as it was.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb
import numpy as np
import pandas as pd

from .errors import FramtidError, StoreEmpty
from .sources.snapshot import N_AGES, Dataset

SCHEMA_VERSION = "1"
SEXES = ("female", "male")  # axis order used by every array in framtid
# Tables whose key is enforced by the store itself (a unique index).
UNIQUE_KEYS = {
    "official_projection": ("source", "round", "alternative", "region_code", "year", "age_group"),
}


def write_dataset(db_path: Path, ds: Dataset, *, origin: str) -> None:
    """Build the store aside from `ds` and swap it in atomically."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(db_path.name + ".new")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for name, df in ds.tables.items():
            con.register("_df", df)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _df')
            con.unregister("_df")
            if name in UNIQUE_KEYS:
                cols = ", ".join(f'"{c}"' for c in UNIQUE_KEYS[name])
                con.execute(f'CREATE UNIQUE INDEX "{name}_key" ON "{name}" ({cols})')
        prov = pd.DataFrame([asdict(p) for p in ds.provenance])
        prov["rows"] = [len(ds.tables[p.table]) for p in ds.provenance]
        con.register("_df", prov)
        con.execute('CREATE TABLE provenance AS SELECT * FROM _df')
        con.unregister("_df")
        meta = {
            "schema_version": SCHEMA_VERSION,
            "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "origin": origin,
        }
        con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, db_path)


def merge_tables(db_path: Path, new_tables: Dataset, *, origin: str) -> None:
    """Replace some tables (e.g. after `data update`) keeping the rest, atomically."""
    old = read_all(db_path) if Path(db_path).exists() else Dataset()
    by_name = {p.table: p for p in old.provenance}
    for p in new_tables.provenance:
        by_name[p.table] = p
    merged = Dataset(tables={**old.tables, **new_tables.tables}, provenance=list(by_name.values()))
    write_dataset(db_path, merged, origin=origin)


def read_all(db_path: Path) -> Dataset:
    from .sources.snapshot import Provenance

    with connect(db_path) as con:
        prov = con.execute("SELECT * FROM provenance").df()
        ds = Dataset()
        for rec in prov.to_dict("records"):
            rec.pop("rows", None)
            p = Provenance(**rec)
            ds.add(p.table, con.execute(f'SELECT * FROM "{p.table}"').df(), p)
    return ds


@contextmanager
def connect(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    db_path = Path(db_path)
    if not db_path.exists():
        raise StoreEmpty(
            f"No data store at {db_path}. Run `framtid data import DIR` or `framtid data update`."
        )
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise FramtidError(f"Cannot open the data store {db_path}: {exc}") from exc
    try:
        yield con
    finally:
        con.close()


def is_ready(db_path: Path) -> bool:
    try:
        with connect(db_path) as con:
            return con.execute("SELECT count(*) FROM population").fetchone()[0] > 0
    except (FramtidError, duckdb.Error):
        return False


class Store:
    """Read-only access to one store file; caches what the model reads often."""

    def __init__(self, db_path: Path):
        self.path = Path(db_path)
        self._stamp: int | None = None
        self._reset()

    def _reset(self) -> None:
        self._cube: tuple[np.ndarray, list[str], np.ndarray] | None = None
        self._nation: tuple[np.ndarray, np.ndarray] | None = None
        self._regions: pd.DataFrame | None = None
        self._official: pd.DataFrame | None = None
        self.__dict__.pop("_meta", None)

    def version(self) -> int:
        """Changes whenever the store file is swapped (import, update): caches follow it, so a
        running server never mixes an old population with a new one."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = 0
        if stamp != self._stamp:
            self._stamp = stamp
            self._reset()
        return stamp

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with connect(self.path) as con:
            return con.execute(sql, params or []).df()

    def has_table(self, name: str) -> bool:
        with connect(self.path) as con:
            return bool(con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            ).fetchone()[0])

    def meta(self) -> dict[str, str]:
        self.version()
        if not hasattr(self, "_meta"):
            self._meta = dict(self.query("SELECT key, value FROM meta").values.tolist())
        return self._meta

    def regions(self) -> pd.DataFrame:
        self.version()
        if self._regions is None:
            self._regions = self.query("SELECT * FROM regions")
        return self._regions

    def provenance(self) -> pd.DataFrame:
        return self.query("SELECT * FROM provenance ORDER BY \"table\"")

    def population_cube(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(years, kommune codes, P[year, kommune, sex, age]) as float64; NaN where missing."""
        self.version()
        if self._cube is None:
            df = self.query(
                "SELECT year, region_code, sex, age, population FROM population "
                "WHERE region_code <> 'NO'"
            )
            years = np.sort(df["year"].unique())
            codes = sorted(df["region_code"].unique())
            cube = np.full((len(years), len(codes), 2, N_AGES), np.nan)
            yi = np.searchsorted(years, df["year"].to_numpy())
            ki = np.searchsorted(np.array(codes), df["region_code"].to_numpy())
            si = (df["sex"].to_numpy() == "male").astype(int)
            cube[yi, ki, si, df["age"].to_numpy()] = df["population"].to_numpy()
            self._cube = (years, codes, cube)
        return self._cube

    def nation_series(self) -> tuple[np.ndarray, np.ndarray]:
        """(years, P[year, sex, age]) for Norway: SSB's national series, not a sum."""
        self.version()
        if self._nation is None:
            df = self.query(
                "SELECT year, sex, age, population FROM population WHERE region_code = 'NO'"
            )
            years = np.sort(df["year"].unique())
            arr = np.zeros((len(years), 2, N_AGES))
            arr[np.searchsorted(years, df["year"].to_numpy()),
                (df["sex"].to_numpy() == "male").astype(int), df["age"].to_numpy()] = (
                df["population"].to_numpy())
            self._nation = (years, arr)
        return self._nation

    def official_projection(self, region_codes: list[str] | None = None) -> pd.DataFrame:
        """SSB's regional projections (table `official_projection`): source, ssb_table, round,
        alternative, region_code, year, age_group, persons; rows of `region_codes` only if
        given. An old store without the table gives an empty frame with these columns."""
        from .sources import official

        self.version()
        if self._official is None:
            if self.has_table("official_projection"):
                df = self.query(
                    "SELECT source, ssb_table, round, alternative, region_code, year, age_group, "
                    "persons FROM official_projection ORDER BY source, round, alternative, "
                    "region_code, year, age_group")
                self._official = df.astype({"round": "int64", "year": "int64",
                                            "persons": "float64"})
            else:
                self._official = official.empty()
        df = self._official
        if region_codes is not None:
            df = df[df["region_code"].isin(list(region_codes))]
        return df.reset_index(drop=True)

    def official_rounds(self) -> list[int]:
        """The rounds (years of publication) of SSB's regional projections in the store."""
        return sorted(int(r) for r in self.official_projection()["round"].unique())

    def table(self, name: str) -> pd.DataFrame:
        return self.query(f'SELECT * FROM "{name}"')

    def optional_table(self, name: str) -> pd.DataFrame | None:
        """The table, or None where an older store or a smaller snapshot has none."""
        return self.table(name) if self.has_table(name) else None

    def map_content(self, name: str) -> dict:
        df = self.query("SELECT content FROM maps WHERE name = ?", [name])
        if df.empty:
            raise FramtidError(f"No map {name!r} in the store")
        return json.loads(df["content"].iloc[0])
