"""Snapshot import: real data in, broken snapshots refused with the store left untouched."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from framtid.errors import SnapshotError
from framtid.pipeline import import_snapshot, status
from framtid.sources.snapshot import FILES
from framtid.store import Store


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _linked_copy(src: Path, dst: Path) -> Path:
    """A snapshot folder whose files are symlinks to the real ones (cheap to break one)."""
    for rel, _ in FILES.values():
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if (src / rel).exists():
            target.symlink_to((src / rel).resolve())
    return dst


def test_status_contract(db_path):
    st = status(db_path)
    assert st["regions"] == {"land": 1, "fylke": 15, "ba": 159, "kommune": 357}
    assert st["population_years"] == [2005, 2026]
    tables = {t["table"]: t for t in st["tables"]}
    assert tables["population"]["ssb_table"] == "07459"
    assert "NLOD" in tables["population"]["licence"]
    assert "estimated_sex_split" in tables["population"]["estimated"]
    for t in st["tables"]:  # every table records where it came from
        assert t["source"] and t["licence"] and t["retrieved"]


def test_norway_2024(ctx):
    assert ctx.regions.population("NO", 2024).sum() == 5_550_203
    assert ctx.regions.population("NO", 2025).sum() == 5_594_340


@pytest.mark.parametrize("year", range(2020, 2027))
def test_kommuner_sum_to_norway_exactly(ctx, year):
    kommuner = sum(ctx.regions.population(r.code, year) for r in ctx.regions.all("kommune"))
    np.testing.assert_array_equal(kommuner, ctx.regions.population("NO", year))


def test_fylker_and_ba_are_sums_of_kommuner(ctx):
    fylker = sum(ctx.regions.population(r.code, 2026) for r in ctx.regions.all("fylke"))
    bas = sum(ctx.regions.population(r.code, 2026) for r in ctx.regions.all("ba"))
    np.testing.assert_array_equal(fylker, ctx.regions.population("NO", 2026))
    np.testing.assert_array_equal(bas, ctx.regions.population("NO", 2026))
    assert ctx.regions.population("BA005", 2024).sum() == 1_397_631


def test_import_is_idempotent(tmp_path, shared_data, db_path):
    path = tmp_path / "again.duckdb"
    first = import_snapshot(shared_data, path)
    second = import_snapshot(shared_data, path)
    strip = lambda s: {k: v for k, v in s.items() if k not in ("imported_at", "db")}
    assert strip(first) == strip(second)
    a = Store(path).query("SELECT sum(population) s, count(*) n FROM population")
    b = Store(db_path).query("SELECT sum(population) s, count(*) n FROM population")
    assert a.equals(b)


def _break_missing_file(snap: Path) -> None:
    (snap / "extra/demography/hfd_norway_asfr_2000_2022.csv").unlink()


def _break_corrupt_gzip(snap: Path) -> None:
    p = snap / "ssb/population_by_region_sex_age.csv.gz"
    data = p.read_bytes()
    p.unlink()
    p.write_bytes(data[: len(data) // 3])  # truncated download


def _break_missing_ages(snap: Path) -> None:
    p = snap / "ssb/population_by_region_sex_age.csv.gz"
    lines = gzip.decompress(p.read_bytes()).decode().splitlines()
    keep = [ln for ln in lines if not ln.startswith("2024,municipality,3403,female,17,")]
    p.unlink()
    p.write_bytes(gzip.compress("\n".join(keep).encode(), compresslevel=1))


def _break_wrong_shape(snap: Path) -> None:
    p = snap / "ssb/locations_municipalities_2024.csv"
    text = p.read_text().replace("ba_region_code", "ba_code", 1)
    p.unlink()
    p.write_text(text)


def _break_negative(snap: Path) -> None:
    p = snap / "extra/demography/hmd_norway_mx_deaths_1x1_2000_2023.csv"
    text = p.read_text().replace("2000,0,female,0.003282", "2000,0,female,not-a-number", 1)
    p.unlink()
    p.write_text(text)


@pytest.mark.parametrize("breaker,expect", [
    (_break_missing_file, "missing extra/demography/hfd_norway_asfr_2000_2022.csv"),
    (_break_corrupt_gzip, "population"),
    (_break_missing_ages, "3403 female 2024 has 105 ages"),
    (_break_wrong_shape, "missing column(s) ba_region_code"),
    (_break_negative, "column mx, line 2: a value is not a number ('not-a-number')"),
])
def test_broken_snapshot_refused_and_store_unchanged(tmp_path, shared_data, db_path, breaker,
                                                     expect):
    store = tmp_path / "store.duckdb"
    shutil.copy(db_path, store)
    before = _digest(store)
    snap = _linked_copy(shared_data, tmp_path / "snap")
    breaker(snap)
    with pytest.raises(SnapshotError) as info:
        import_snapshot(snap, store)
    assert expect in str(info.value)
    assert _digest(store) == before
    assert not (tmp_path / "store.duckdb.new").exists()


def test_missing_folder(tmp_path):
    with pytest.raises(SnapshotError, match="does not exist"):
        import_snapshot(tmp_path / "nowhere", tmp_path / "s.duckdb")
    assert not (tmp_path / "s.duckdb").exists()
