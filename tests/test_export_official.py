"""SSB's `official` block, built for every region at once (framtid.official.build_all), equals
the plain one-region-at-a-time definition below for every one of the 532 regions of the real
store — and the cache follows the store version."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from framtid.official import ALTERNATIVE_ORDER, block, build, build_all
from framtid.sources.official import AGE_GROUPS, TOTAL


# --- the reference: the definition in the module docstring, one region at a time ---------------
def _reference(store, regions, code: str) -> dict | None:
    region = regions.get(code)
    kommuner = [] if region.level == "kommune" else regions.kommuner_in(code)
    df = store.official_projection([code, *kommuner])
    if df.empty:
        return None
    tables = df.groupby("round")["ssb_table"].first().to_dict()
    keys = ["round", "alternative", "region_code", "year"]
    given = df[df["age_group"] == TOTAL].groupby(keys)["persons"].sum()
    groups = df[df["age_group"] != TOTAL]
    summed = groups.groupby(keys)["persons"].sum()
    total = pd.concat([given, summed[~summed.index.isin(given.index)]]).rename(
        "persons").reset_index()
    own_t = total[total["region_code"] == code]
    own_g = groups[groups["region_code"] == code]
    own_rounds = set(own_t["round"])
    sum_t, sum_g = total.iloc[0:0], groups.iloc[0:0]
    if kommuner:
        n = len(kommuner)
        rk = ["round", "alternative", "year"]
        t = total[~total["round"].isin(own_rounds) & total["region_code"].isin(kommuner)]
        sum_t = t.groupby(rk).agg(persons=("persons", "sum"),
                                  n=("region_code", "nunique")).reset_index()
        sum_t = sum_t[sum_t["n"] == n]
        g = groups[~groups["round"].isin(own_rounds) & groups["region_code"].isin(kommuner)]
        if len(g):
            have = g.groupby(rk)["region_code"].nunique()
            g = g.set_index(rk)
            g = g[g.index.isin(have[have == n].index)].reset_index()
            sum_g = g.groupby(rk + ["age_group"], as_index=False)["persons"].sum()
    rounds = sorted({int(r) for r in own_t["round"]} | {int(r) for r in sum_t["round"]})
    if not rounds:
        return None
    latest = rounds[-1]
    is_sum = latest not in own_rounds
    src_t, src_g = (sum_t, sum_g) if is_sum else (own_t, own_g)
    src_t, src_g = src_t[src_t["round"] == latest], src_g[src_g["round"] == latest]
    alternatives = {}
    for alt in ALTERNATIVE_ORDER:
        t = src_t[src_t["alternative"] == alt].sort_values("year")
        if not len(t):
            continue
        g = src_g[src_g["alternative"] == alt]
        out = {"years": [int(y) for y in t["year"]], "total": [float(v) for v in t["persons"]]}
        if len(g):
            wide = g.pivot_table(index="year", columns="age_group", values="persons",
                                 aggfunc="sum").reindex(out["years"])
            if not wide.isna().any().any():
                out["age_groups"] = {a: [float(v) for v in wide[a]] for a in AGE_GROUPS
                                     if a in wide.columns}
        alternatives[alt] = out
    how = (f"sum of SSB's figures for its {len(kommuner)} kommune"
           + ("r" if len(kommuner) > 1 else "") if is_sum else "SSB's own figures for the region")
    table = str(tables[latest])
    return {"source": "SSB", "table": table, "round": latest, "alternatives": alternatives,
            "rounds": rounds,
            "note": f"SSB's regional projection, table {table} ({latest} round): {how}. "
                    "Kilde: Statistisk sentralbyrå (NLOD 2.0 / CC BY 4.0). "
                    "Not framtid's projection."}


def test_every_region_equals_the_one_region_reference(ctx):
    blocks = build_all(ctx.store, ctx.regions)
    regions = ctx.regions.all()
    assert len(regions) == 532
    seen = {"own": 0, "summed": 0, "age_groups": 0, "none": 0}
    for reg in regions:
        want = _reference(ctx.store, ctx.regions, reg.code)
        assert blocks.get(reg.code) == want, reg.code
        if want is None:
            seen["none"] += 1
            continue
        seen["summed" if "sum of" in want["note"] else "own"] += 1
        seen["age_groups"] += "age_groups" in want["alternatives"].get("MMMM", {})
    # the comparison covered both kinds of block, age groups, and the key order
    assert seen["own"] >= 357 and seen["summed"] >= 100 and seen["age_groups"] > 0, seen
    assert list(blocks["NO"]["alternatives"]) == [a for a in ALTERNATIVE_ORDER
                                                  if a in blocks["NO"]["alternatives"]]


def test_block_is_a_copy_and_unknown_code_fails(ctx):
    from framtid.errors import FramtidError

    first = block(ctx.store, ctx.regions, "3403")["official"]
    first["alternatives"]["MMMM"]["total"][0] = -1.0   # a caller may change its copy
    again = build(ctx.store, ctx.regions, "3403")
    assert again["alternatives"]["MMMM"]["total"][0] > 0
    with pytest.raises(FramtidError):
        build(ctx.store, ctx.regions, "9999")


def test_cache_follows_the_store_version(db_path, tmp_path):
    """A store with fewer SSB figures swapped in under the same path: the next block is built
    from the new store, never from the old cache."""
    import duckdb

    from framtid.context import Context

    path = tmp_path / "store.duckdb"
    shutil.copyfile(db_path, path)
    ctx = Context(path)
    assert "official" in block(ctx.store, ctx.regions, "3403")
    other = tmp_path / "other.duckdb"
    shutil.copyfile(db_path, other)
    con = duckdb.connect(str(other))
    con.execute("DELETE FROM official_projection WHERE region_code = '3403'")
    con.close()
    os.replace(other, path)
    os.utime(path, ns=(10**18, 10**18))   # a version the first store never had
    assert block(ctx.store, ctx.regions, "3403") == {}
    assert "official" in block(ctx.store, ctx.regions, "3405")


@pytest.mark.parametrize("code", ["3403", "0301", "34", "40", "BA016", "NO", "5501"])
def test_one_region_alone_equals_every_region_at_once(ctx, code):
    """A CLI call builds only its region's block (`build_all(only=…)`, from its own rows)."""
    from framtid.official import build_all as every

    alone = build_all(ctx.store, ctx.regions, only=code)
    assert alone.get(code) == every(ctx.store, ctx.regions).get(code)
    assert set(alone) <= {code}
