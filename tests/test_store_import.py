"""Snapshot import: real data in, broken snapshots refused with the store left untouched."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from framtid.errors import FramtidError, SnapshotError
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


# --------------------------------------------------------------------------- SSB's projections

ROUNDS_FILE = "extra/projections/ssb_regional_projection_rounds_telemark_norway.csv.gz"
TOTALS_FILE = "extra/projections/ssb_regional_projection_2024_kommune_totals_mmmm.csv"


def _official(store: Store, **where) -> float:
    df = store.official_projection()
    for k, v in where.items():
        df = df[df[k] == v]
    return float(df["persons"].sum())


def test_official_projection_imported(db_path):
    store = Store(db_path)
    df = store.official_projection()
    assert list(df.columns) == ["source", "ssb_table", "round", "alternative", "region_code",
                                "year", "age_group", "persons"]
    assert len(df) == 189_327
    assert store.official_rounds() == [2005, 2008, 2009, 2010, 2011, 2012, 2014, 2016, 2018,
                                       2020, 2022, 2024, 2026]
    assert set(df["alternative"]) == {"MMMM", "LLML", "HHMH"}
    assert set(df["source"]) == {"SSB"}
    no26 = dict(round=2026, alternative="MMMM", region_code="NO")
    assert _official(store, **no26, year=2040) == 6_020_359
    assert _official(store, **no26, year=2050) == 6_195_859
    assert _official(store, round=2024, region_code="0301", year=2050) == 817_225
    totals = df[(df["round"] == 2024) & (df["age_group"] == "total")]
    assert totals["region_code"].nunique() == 357
    assert totals.loc[totals.year == 2050, "persons"].sum() == 6_114_899
    assert set(totals["ssb_table"]) == {"14288"}
    # the regional table's national row equals the kommune sum (README check)
    assert _official(store, round=2024, alternative="MMMM", region_code="NO", year=2050) \
        == 6_114_899


def test_official_projection_recoded_to_2024_codes(db_path):
    store = Store(db_path)
    df = store.official_projection()
    assert not df["region_code"].str.match(r"^(08|38)").any()
    assert "38" not in set(df["region_code"])  # Vestfold og Telemark has no 2024 twin
    # 2014 round: Midt-Telemark 4020 = Bø 0821 + Sauherad 0822, summed
    rows = store.official_projection(["4020"])
    r14 = rows[(rows["round"] == 2014) & (rows.alternative == "MMMM") & (rows.year == 2014)]
    assert len(r14) == 10 and r14["persons"].sum() > 0
    # the old fylke 08 Telemark is today's 40 and equals its kommuner
    tele = store.official_projection()
    tele = tele[(tele["round"] == 2016) & (tele.alternative == "LLML") & (tele.year == 2030)]
    kom = tele[tele.region_code.str.startswith("40") & (tele.region_code.str.len() == 4)]
    assert tele.loc[tele.region_code == "40", "persons"].sum() == kom["persons"].sum()
    assert kom["region_code"].nunique() == 17


def test_official_total_equals_sum_of_age_groups(db_path):
    """2024 round, Telemark: the kommune totals file and the rounds file's age groups agree."""
    df = Store(db_path).official_projection()
    d = df[(df["round"] == 2024) & (df.alternative == "MMMM") & df.region_code.str.startswith("40")
           & (df.region_code.str.len() == 4)]
    tot = d[d.age_group == "total"].set_index(["region_code", "year"])["persons"]
    groups = d[d.age_group != "total"].groupby(["region_code", "year"])["persons"].sum()
    assert len(tot) == 17 * 27
    np.testing.assert_array_equal(tot.sort_index().to_numpy(), groups.sort_index().to_numpy())


def test_official_provenance(db_path):
    st = status(db_path)
    t = {t["table"]: t for t in st["tables"]}["official_projection"]
    assert t["licence"] == "NLOD 2.0 / CC BY 4.0 (Kilde: Statistisk sentralbyrå)"
    assert "14746" in t["ssb_table"] and "14288" in t["ssb_table"]
    prov = Store(db_path).provenance().set_index("table")
    assert "ssb_regional_projection_rounds" in prov.loc["official_projection", "file"]


def test_old_store_without_official_table(tmp_path, db_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    shutil.copy(db_path, path)
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE official_projection")
    con.close()
    store = Store(path)
    df = store.official_projection(["0301"])
    assert df.empty and "persons" in df.columns and "age_group" in df.columns
    assert store.official_rounds() == []


def _rewrite_rounds(snap: Path, edit) -> None:
    p = snap / ROUNDS_FILE
    lines = gzip.decompress(p.read_bytes()).decode().splitlines()
    lines = edit(lines)
    p.unlink()
    p.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1))


def _set_field(line: str, col: int, value: str) -> str:
    parts = line.split(",")
    parts[col] = value
    return ",".join(parts)


# columns: round,ssb_table,region_name,region_code,alternative,year,age_group,persons
OFFICIAL_BREAKERS = {
    "missing column": (lambda ls: [ls[0].replace(",persons", ",people")] + ls[1:],
                       "line 1: missing column(s) persons"),
    "not a number": (lambda ls: ls[:4] + [_set_field(ls[4], 7, "12x")] + ls[5:],
                     "line 5: persons '12x' is not a number"),
    "negative": (lambda ls: ls[:6] + [_set_field(ls[6], 7, "-3")] + ls[7:],
                 "line 7: persons -3 is negative"),
    "duplicate": (lambda ls: ls[:9] + [ls[8]] + ls[10:],
                  "line 10: duplicate row"),
    "alternative": (lambda ls: ls[:2] + [_set_field(ls[2], 4, "MMM0")] + ls[3:],
                    "line 3: unknown alternative 'MMM0'"),
}


@pytest.mark.parametrize("case", list(OFFICIAL_BREAKERS))
def test_malformed_official_projection_refused(tmp_path, shared_data, db_path, case):
    edit, expect = OFFICIAL_BREAKERS[case]
    store = tmp_path / "store.duckdb"
    shutil.copy(db_path, store)
    before = _digest(store)
    snap = _linked_copy(shared_data, tmp_path / "snap")
    _rewrite_rounds(snap, edit)
    with pytest.raises(FramtidError) as info:
        import_snapshot(snap, store)
    message = str(info.value)
    assert "ssb_regional_projection_rounds_telemark_norway.csv.gz" in message
    assert expect in message
    assert _digest(store) == before
    assert not (tmp_path / "store.duckdb.new").exists()


def test_malformed_official_totals_refused(tmp_path, shared_data, db_path):
    store = tmp_path / "store.duckdb"
    shutil.copy(db_path, store)
    before = _digest(store)
    snap = _linked_copy(shared_data, tmp_path / "snap")
    p = snap / TOTALS_FILE
    lines = p.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",", ",-", 3)  # a negative value on line 4
    p.unlink()
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FramtidError, match=r"kommune_totals_mmmm.csv, line 4: .* is negative"):
        import_snapshot(snap, store)
    assert _digest(store) == before
