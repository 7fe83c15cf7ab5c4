"""The embedded DuckDB store. The only module that knows SQL.

Writes are atomic: a new store is built beside the old one (`<db>.new`), checkpointed, closed and
then moved over it with os.replace, so a failed import or update leaves the previous store as it was.
One import or update runs at a time (`import_lock`: a non-blocking flock on `<db>.lock`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

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


class ImportRunning(FramtidError):
    """Another `data import` or `data update` holds the store's lock file."""


_held: dict[str, int] = {}          # lock files this process holds, with their nesting depth
_held_lock = threading.Lock()


def lock_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".lock")


@contextmanager
def import_lock(db_path: Path) -> Iterator[Path]:
    """One import or update at a time per store: an exclusive, non-blocking `flock` on
    `<db>.lock` beside the store. A second one fails at once with ImportRunning (exit code 2)
    instead of racing for `<db>.new`. The kernel drops the lock when the process dies, so a
    crashed import never leaves the store locked. Re-entrant within one process."""
    import fcntl

    path = lock_path(db_path)
    key = str(path.resolve())
    with _held_lock:
        if _held.get(key):
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield path
        finally:
            with _held_lock:
                _held[key] -= 1
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise FramtidError(f"Cannot create the lock file {path}: {exc.strerror or exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImportRunning(f"another import is running (lock {path})") from None
        with _held_lock:
            _held[key] = 1
        try:
            yield path
        finally:
            with _held_lock:
                _held.pop(key, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def write_dataset(db_path: Path, ds: Dataset, *, origin: str,
                  before_swap: Callable[[Path], None] | None = None) -> None:
    """Build the store aside from `ds` and swap it in atomically. `before_swap(new_file)` runs
    once the new file is complete and closed, before it replaces the old one (the web pages are
    rendered for it there: web/prebuild.py); if it fails, nothing is swapped."""
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
        con.close()                       # moved into place only once closed and on disk
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if before_swap is not None:
            before_swap(tmp)
        os.replace(tmp, db_path)
    except BaseException:
        con.close()
        for p in (tmp, Path(str(tmp) + ".wal")):
            p.unlink(missing_ok=True)
        raise


def merge_tables(db_path: Path, new_tables: Dataset, *, origin: str,
                 before_swap: Callable[[Path], None] | None = None) -> None:
    """Replace some tables (e.g. after `data update`) keeping the rest, atomically."""
    old = read_all(db_path) if Path(db_path).exists() else Dataset()
    by_name = {p.table: p for p in old.provenance}
    for p in new_tables.provenance:
        by_name[p.table] = p
    merged = Dataset(tables={**old.tables, **new_tables.tables}, provenance=list(by_name.values()))
    write_dataset(db_path, merged, origin=origin, before_swap=before_swap)


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


# A reader that opens the store while `data import` swaps it may meet a lock or a half-visible
# file for a moment: such opens are retried briefly, never shown to the user.
OPEN_RETRIES = 8
OPEN_RETRY_SLEEP = 0.025


def _transient(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, (duckdb.IOException, OSError)) and (
        "lock" in text or "no such file" in text or "resource temporarily unavailable" in text)


@contextmanager
def connect(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the store file as it is now.

    The file is ATTACHed to a fresh in-memory DuckDB instance instead of `duckdb.connect(path)`:
    DuckDB shares one instance per path inside a process, so while any connection to the old
    file is still open, `connect(path)` would keep returning the *old* store after a swap.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        raise StoreEmpty(
            f"No data store at {db_path}. Run `framtid data import DIR` or `framtid data update`."
        )
    quoted = str(db_path).replace("'", "''")
    for attempt in range(OPEN_RETRIES):
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"ATTACH '{quoted}' AS store (READ_ONLY)")
            con.execute("USE store")
            break
        except duckdb.Error as exc:
            con.close()
            if _transient(exc) and attempt < OPEN_RETRIES - 1:
                time.sleep(OPEN_RETRY_SLEEP * (attempt + 1))
                continue
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
    """Read-only access to one store file; caches what the model reads often.

    Every cached value is kept with the store version it was read from, and only when the file
    did not change while it was read (the version before and after agree), so a swap under a
    running server never leaves old data labelled with the new version. Thread-safe.
    """

    def __init__(self, db_path: Path):
        self.path = Path(db_path)
        self._lock = threading.Lock()
        self._memo: dict[str, tuple[int, object]] = {}

    def version(self) -> int:
        """Changes whenever the store file is swapped (import, update): caches follow it, so a
        running server never mixes an old population with a new one. Read it once per request
        or job and pass it down."""
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def cached(self, name: str, load, tries: int = 5):
        """`load()` memoised per store version (see the class docstring)."""
        value = None
        for _ in range(tries):
            v = self.version()
            with self._lock:
                hit = self._memo.get(name)
            if hit is not None and hit[0] == v:
                return hit[1]
            value = load()
            if self.version() == v:
                with self._lock:
                    self._memo[name] = (v, value)
                return value
        return value  # swapped on every try: correct for some recent version, not cached

    def is_cached(self, name: str) -> bool:
        """Whether `cached(name, …)` holds a value for the current store version."""
        with self._lock:
            hit = self._memo.get(name)
        return hit is not None and hit[0] == self.version()

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with connect(self.path) as con:
            return con.execute(sql, params or []).df()

    def has_table(self, name: str) -> bool:
        with connect(self.path) as con:
            return bool(con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            ).fetchone()[0])

    def meta(self) -> dict[str, str]:
        return self.cached("meta", lambda: dict(
            self.query("SELECT key, value FROM meta").values.tolist()))

    def regions(self) -> pd.DataFrame:
        return self.cached("regions", lambda: self.query("SELECT * FROM regions"))

    def provenance(self) -> pd.DataFrame:
        """Read once per store version (every page shows the data's date): do not modify."""
        return self.cached("provenance", lambda: self.query(
            "SELECT * FROM provenance ORDER BY \"table\""))

    def population_cube(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(years, kommune codes, P[year, kommune, sex, age]) as float64; NaN where missing."""
        return self.cached("cube", self._load_cube)

    def _load_cube(self) -> tuple[np.ndarray, list[str], np.ndarray]:
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
        return years, codes, cube

    def nation_series(self) -> tuple[np.ndarray, np.ndarray]:
        """(years, P[year, sex, age]) for Norway: SSB's national series, not a sum."""
        return self.cached("nation", self._load_nation)

    def _load_nation(self) -> tuple[np.ndarray, np.ndarray]:
        df = self.query(
            "SELECT year, sex, age, population FROM population WHERE region_code = 'NO'"
        )
        years = np.sort(df["year"].unique())
        arr = np.zeros((len(years), 2, N_AGES))
        arr[np.searchsorted(years, df["year"].to_numpy()),
            (df["sex"].to_numpy() == "male").astype(int), df["age"].to_numpy()] = (
            df["population"].to_numpy())
        return years, arr

    def official_projection(self, region_codes: list[str] | None = None) -> pd.DataFrame:
        """SSB's regional projections (table `official_projection`): source, ssb_table, round,
        alternative, region_code, year, age_group, persons; rows of `region_codes` only if
        given. An old store without the table gives an empty frame with these columns."""
        if region_codes is not None and not self.is_cached("official"):
            return self._read_official(list(region_codes))   # a few regions: read only theirs
        df = self.cached("official", self._read_official)
        if region_codes is not None:
            df = df[df["region_code"].isin(list(region_codes))]
        return df.reset_index(drop=True)

    def _read_official(self, codes: list[str] | None = None) -> pd.DataFrame:
        """The table's rows (of `codes` only, if given), in key order."""
        from .sources import official

        if not self.has_table("official_projection"):
            return official.empty()
        where = " WHERE list_contains(?, region_code)" if codes is not None else ""
        df = self.query(
            "SELECT source, ssb_table, round, alternative, region_code, year, age_group, "
            f"persons FROM official_projection{where} ORDER BY source, round, alternative, "
            "region_code, year, age_group", [codes] if codes is not None else None)
        return df.astype({"round": "int64", "year": "int64", "persons": "float64"})

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
