"""`data update` end to end against a local fake SSB serving the store's own real figures:
success keeps the numbers; outages, 429 storms and truncated bodies leave the store untouched.

The fake projection table 14746 (2026 round) is laid out as SSB's (Region, Alder by single year,
ContentsCode naming the alternative in its label, Tid; no Kjonn) and filled from the snapshot's
own SSB figures: Norway and Telemark's kommuner from the 2026 round's age groups, spread evenly
over the single ages of each group; every other kommune from the 2024 round's MMMM total,
scaled by Norway's LLML/HHMH ratio for the other alternatives and spread over ages by the
kommune's registered 2026 age structure (integer counts that add up exactly)."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from fake_ssb import FakeDim, FakeSsb, FakeTable, Fault, network_guard
from framtid.errors import FramtidError, SourceError
from framtid.pipeline import update_from_ssb
from framtid.store import Store

FAST = {"backoff_s": 0.01, "max_retries": 2, "sleep": lambda s: None}
LIVE_YEARS = (2024, 2025, 2026)


def _digest(p) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _real_07459(store: Store) -> FakeTable:
    """07459 as SSB lays it out, with the store's registered values for 2024–2026."""
    df = store.query("SELECT year, region_code, sex, age, population FROM population "
                     "WHERE year >= 2024")
    values = {(str(r.year), "0" if r.region_code == "NO" else r.region_code,
               "2" if r.sex == "female" else "1", r.age): int(r.population)
              for r in df.itertuples(index=False)}
    regs = store.regions()
    kommuner = [(c, n) for c, n in zip(regs.code, regs.official_name) if len(c) == 4]
    ages = [(f"{a:03d}", f"{a} years") for a in range(105)] + [("105+", "105 years or older")]
    dims = [
        FakeDim("Region", "region", [("0", "The whole country")] + sorted(kommuner), True),
        FakeDim("Kjonn", "sex", [("1", "Males"), ("2", "Females")], True),
        FakeDim("Alder", "age", ages),
        FakeDim("ContentsCode", "contents", [("Personer1", "Persons")]),
        FakeDim("Tid", "year", [(str(y), str(y)) for y in LIVE_YEARS], show="code"),
    ]

    def value(k):
        age = 105 if k["Alder"] == "105+" else int(k["Alder"])
        return values.get((k["Tid"], k["Region"], k["Kjonn"], age))

    return FakeTable("07459", "07459: Population (real values from the snapshot)", dims, value)


PROJ_YEARS = list(range(2026, 2051))
PROJ_CONTENTS = [("Personer", "Hovedalternativet (MMMM)"),
                 ("PersonerLLML", "Lav nasjonal vekst (LLML)"),
                 ("PersonerHHMH", "Høy nasjonal vekst (HHMH)"),
                 ("PersonerMMM0", "Ingen nettoinnvandring (MMM0)")]
GROUP_AGES = {"0": (0, 0), "1-5": (1, 5), "6-12": (6, 12), "13-15": (13, 15), "16-19": (16, 19),
              "20-44": (20, 44), "45-66": (45, 66), "67-79": (67, 79), "80-89": (80, 89),
              "90+": (90, 105)}


def _spread(total: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Whole numbers over the last axis proportional to `shares`, adding up to `total`."""
    raw = total[..., None] * shares
    out = np.floor(raw)
    left = (total - out.sum(-1)).round().astype(int)
    order = np.argsort(-(raw - out), axis=-1, kind="stable")
    rank = np.argsort(order, axis=-1, kind="stable")
    return out + (rank < left[..., None])


class VectorTable(FakeTable):
    """A FakeTable answering from a numpy cube (millions of cells without a Python loop)."""

    def __init__(self, *args, cube: np.ndarray, **kw):
        super().__init__(*args, **kw)
        self.cube = cube

    def data(self, selection, index_style):
        chosen, eliminated = self._resolve(selection)
        assert not eliminated
        idx = [[dim.codes.index(c) for c, _ in cats] for dim, cats in chosen]
        values = self.cube[np.ix_(*idx)].ravel().tolist()
        return self._dataset(chosen, values, index_style)


def _real_14746(store: Store) -> FakeTable:
    """SSB's 2026-round table as SSB lays it out, with the snapshot's own SSB figures."""
    regs = store.regions()
    kommuner = sorted((c, n) for c, n in zip(regs.code, regs.official_name) if len(c) == 4)
    regions = [("0", "Hele landet")] + kommuner
    ages = [(f"{a:03d}", f"{a} år") for a in range(105)] + [("105+", "105 år eller eldre")]
    alts = ["MMMM", "LLML", "HHMH", "MMM0"]
    off = store.official_projection()
    r26 = off[off["round"] == 2026]
    cube = np.zeros((len(regions), 106, len(alts), len(PROJ_YEARS)))
    # Norway's alternatives relative to MMMM (MMM0: three quarters of the way to LLML)
    no = r26[r26.region_code == "NO"].groupby(["alternative", "year"])["persons"].sum()
    ratio = {a: np.array([no[(a, y)] / no[("MMMM", y)] for y in PROJ_YEARS])
             for a in ("MMMM", "LLML", "HHMH")}
    ratio["MMM0"] = 1 + 0.75 * (ratio["LLML"] - 1)
    # every kommune: 2024-round total × ratio, spread by its registered 2026 age structure
    tot24 = off[(off["round"] == 2024) & (off.age_group == "total")].pivot(
        index="region_code", columns="year", values="persons")
    pop = store.query("SELECT region_code, age, sum(population) p FROM population "
                      "WHERE year = 2026 AND region_code <> 'NO' GROUP BY ALL")
    shares = pop.pivot(index="region_code", columns="age", values="p").fillna(0)
    shares = shares.div(shares.sum(axis=1), axis=0)
    codes = [c for c, _ in kommuner]
    for k, alt in enumerate(alts):
        totals = np.round(tot24.loc[codes, PROJ_YEARS].to_numpy() * ratio[alt])  # [K, Y]
        spread = _spread(totals, shares.loc[codes].to_numpy()[:, None, :])       # [K, Y, 106]
        cube[1:, :, k, :] = spread.transpose(0, 2, 1)
    # Norway and Telemark: the 2026 round's age groups, spread evenly over single ages
    pos = {c: i for i, (c, _) in enumerate(regions)}
    held = r26[r26.age_group != "total"]
    for (code, alt, group), g in held.groupby(["region_code", "alternative", "age_group"]):
        code = "0" if code == "NO" else code
        if code not in pos:
            continue  # the fylke 40 is not asked for
        lo, hi = GROUP_AGES[group]
        n = hi - lo + 1
        values = g.set_index("year")["persons"].reindex(PROJ_YEARS).to_numpy()
        even = _spread(values, np.full(n, 1 / n))                                  # [Y, n]
        cube[pos[code], lo:hi + 1, alts.index(alt), :] = even.T
    dims = [
        FakeDim("Region", "region", regions, True, "code_value"),
        FakeDim("Alder", "alder", ages),
        FakeDim("ContentsCode", "statistikkvariabel", PROJ_CONTENTS),
        FakeDim("Tid", "år", [(str(y), str(y)) for y in PROJ_YEARS], show="code"),
    ]
    return VectorTable("14746", "14746: Framskrevet folkemengde 1. januar, etter region, alder, "
                       "statistikkvariabel og år (snapshot figures)", dims, lambda k: None,
                       cube=cube.astype(np.int64))


@pytest.fixture(scope="module")
def table_14746(ctx):
    return _real_14746(ctx.store)


@pytest.fixture
def fake(ctx, monkeypatch, table_14746):
    network_guard(monkeypatch)
    regs = ctx.store.regions()
    codes = [{"code": c, "name": n, "level": "1", "parentCode": None}
             for c, n in zip(regs.code, regs.official_name) if len(c) == 4]
    server = FakeSsb()
    server.tables["07459"] = _real_07459(ctx.store)
    server.tables["14746"] = table_14746
    server._klass = lambda route: (200, {"codes": codes})  # KLASS 131 with the 2024 structure
    with server:
        yield server


@pytest.fixture
def store_copy(tmp_path, db_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(db_path, path)
    return path


def _update(path, fake, **kw):
    return update_from_ssb(path, base_url=fake.base_url, klass_url=fake.klass_base_url,
                           client_options=FAST, **kw)


def test_update_succeeds_and_keeps_history(store_copy, fake, db_path):
    before = Store(db_path).query("SELECT year, sum(population) s FROM population GROUP BY year "
                                  "ORDER BY year")
    st = _update(store_copy, fake)
    assert st["regions"]["kommune"] == 357
    assert st["population_years"] == [2005, 2026]
    after = Store(store_copy)
    now = after.query("SELECT year, sum(population) s FROM population GROUP BY year "
                      "ORDER BY year")
    assert now["year"].tolist() == before["year"].tolist()
    assert now["s"].tolist() == before["s"].tolist()
    prov = after.provenance().set_index("table")
    assert "PxWebApi" in prov.loc["population", "source"]
    assert "2024-2026 fetched live" in prov.loc["population", "note"]
    assert len(fake.requests_to("/tables/07459/data")) >= 1


@pytest.mark.parametrize("fault", [
    Fault.http(503, path="/tables/07459/data"),                   # outage
    Fault.http(429, retry_after="0", path="/tables/07459/data"),  # 429 storm
    Fault("truncate", path="/tables/07459/data"),                 # truncated body
])
def test_faults_leave_store_unchanged(store_copy, fake, fault):
    before = _digest(store_copy)
    fake.inject(*[fault] * 10)  # more faults than retries
    with pytest.raises(SourceError):
        _update(store_copy, fake)
    assert _digest(store_copy) == before
    assert not store_copy.with_name(store_copy.name + ".new").exists()


def test_old_kommune_structure_refused(store_copy, fake, monkeypatch):
    from fake_ssb import KLASS_131_SAMPLE, load_sample

    fake._klass = lambda route: (200, load_sample(KLASS_131_SAMPLE))  # 2023: 356 kommuner
    before = _digest(store_copy)
    with pytest.raises(SourceError, match="kommune structure different"):
        _update(store_copy, fake)
    assert _digest(store_copy) == before


def test_update_needs_a_store_first(tmp_path, fake):
    with pytest.raises(FramtidError, match="Import a snapshot first"):
        _update(tmp_path / "empty.duckdb", fake)


def test_open_context_sees_a_swapped_store(store_copy, tmp_path, shared_data):
    """A running server's Context must not mix the old population with the new one."""
    import os

    from framtid.context import Context
    from framtid.pipeline import import_snapshot

    ctx = Context(store_copy)
    before = ctx.regions.population("3403", 2026).sum()
    ctx.store.population_cube()
    # Swap in a store whose newest year is different (2025 dropped from a filtered copy is heavy;
    # instead re-import and touch: the version must change and caches must be rebuilt).
    import_snapshot(shared_data, store_copy)
    os.utime(store_copy, ns=(1, 1))
    assert ctx.store.version() == 1
    assert ctx.store._memo["cube"][0] != 1  # the cached cube belongs to the old version
    assert ctx.regions.population("3403", 2026).sum() == before
    assert ctx.store._memo["cube"][0] == 1  # read again for the new one


def test_update_fetches_ssb_projection_into_official_table(store_copy, fake, db_path, ctx):
    from framtid.official import build

    before = Store(db_path).official_projection()
    _update(store_copy, fake)
    after = Store(store_copy)
    df = after.official_projection()
    r26 = df[df["round"] == 2026]
    assert set(r26["ssb_table"]) == {"14746"}
    assert r26["region_code"].nunique() == 357 + 2  # every kommune, Norway and (kept) fylke 40
    assert set(r26["alternative"]) == {"MMMM", "LLML", "HHMH"}  # MMM0 not asked for
    assert set(r26["age_group"]) == set(GROUP_AGES)
    assert len(r26[r26.region_code != "40"]) == 358 * 3 * 25 * 10

    def total(frame, **where):
        for k, v in where.items():
            frame = frame[frame[k] == v]
        return float(frame["persons"].sum())

    # Norway and Telemark: the snapshot's 2026 figures back through single ages, unchanged
    assert total(r26, region_code="NO", alternative="MMMM", year=2040) == 6_020_359
    assert total(r26, region_code="NO", alternative="MMMM", year=2050) == 6_195_859
    skien_old = before[(before["round"] == 2026) & (before.region_code == "4003")]
    skien_new = r26[r26.region_code == "4003"]
    keys = ["alternative", "year", "age_group"]
    assert skien_new.set_index(keys)["persons"].sort_index().equals(
        skien_old.set_index(keys)["persons"].sort_index())
    # other kommuner: the fake's 2024-based totals, now as the 2026 round by age group
    assert total(r26, region_code="0301", alternative="MMMM", year=2050) == 817_225
    # earlier rounds kept
    r24 = df[(df["round"] == 2024) & (df.age_group == "total") & (df.year == 2050)]
    assert len(r24) == 357 and r24["persons"].sum() == 6_114_899
    assert len(df[df["round"] < 2026]) == len(before[before["round"] < 2026])
    prov = after.provenance().set_index("table").loc["official_projection"]
    assert "14746" in prov["ssb_table"] and "fetched live" in prov["note"]
    assert "NLOD" in prov["licence"]
    assert len(fake.requests_to("/tables/14746/data")) >= 4  # split below 800,000 cells
    # the block now shows the 2026 round for Oslo with all three alternatives
    from framtid.context import Context

    new = Context(store_copy)
    block = build(new.store, new.regions, "0301")
    assert block["round"] == 2026 and list(block["alternatives"]) == ["MMMM", "LLML", "HHMH"]
    assert block["rounds"] == [2024, 2026]


@pytest.mark.parametrize("fault", [
    Fault.http(503, path="/tables/14746/data"),
    Fault("truncate", path="/tables/14746/data"),
])
def test_projection_outage_leaves_store_unchanged(store_copy, fake, fault):
    before = _digest(store_copy)
    fake.inject(*[fault] * 10)
    with pytest.raises(SourceError, match="14746"):
        _update(store_copy, fake)
    assert _digest(store_copy) == before
    assert not store_copy.with_name(store_copy.name + ".new").exists()
