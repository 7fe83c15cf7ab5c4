"""SSB's own projection for one region: the `official` block beside framtid's projection.

The block (a contract; CLI `project --json` and `GET /api/regions/{code}/projection`):

    {"source": "SSB", "table": "14746", "round": 2026,
     "alternatives": {"MMMM": {"years": [...], "total": [...], "age_groups": {"0": [...], ...}},
                      "LLML": {...}, "HHMH": {...}},
     "rounds": [2005, ..., 2026], "note": "..."}

It shows the latest round the store holds for the region. A region's figure in a round is SSB's
own row for it where SSB gives one (Norway, kommuner, the fylke Telemark); otherwise (fylker,
BA-regions, Norway in a round with kommune totals only) it is the sum of the region's kommuner,
and only when every one of them has a figure in that round, year by year. A kommune's total is
SSB's total row where given, else the sum of its age groups; age groups are given only where
every kommune summed has them. No SSB figure at all: no block (the key is absent in JSON).

Speed: the blocks of *every* region are built at once, with a handful of vectorised group-bys
over the whole table (`build_all`, ≈ 1 s), and kept per store version; a region's block is
then a dictionary look-up. A process that asks for only one or two regions (a CLI call) builds
just those, from their own rows (`build_all(only=…)`). (Built one region at a time with pandas it took ≈ 57 ms per region,
half of `export all`.) tests/test_export_official.py checks every region against a plain
one-region-at-a-time reference.
"""

from __future__ import annotations

import copy
import threading

import numpy as np
import pandas as pd

from .regions import Regions
from .sources.official import AGE_GROUPS, TOTAL
from .store import Store

ALTERNATIVE_ORDER = ("MMMM", "LLML", "HHMH")
KEYS = ["region_code", "round", "alternative", "year"]
_lock = threading.Lock()
_cache: dict[tuple, dict[str, dict]] = {}     # (store path, version): every region's block
_singles: dict[tuple, dict[str, dict | None]] = {}   # the same key: blocks built one by one
SINGLES_BEFORE_ALL = 3


def _totals_and_groups(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(totals, age groups) per region, round, alternative and year for every code in the
    table; totals from SSB's total row where given, else the sum of the groups."""
    is_total = (df["age_group"] == TOTAL).to_numpy()
    given = df[is_total].groupby(KEYS, observed=True)["persons"].sum()
    groups = (df[~is_total].groupby(KEYS + ["age_group"], observed=True, as_index=False)
              ["persons"].sum())
    summed = groups.groupby(KEYS, observed=True)["persons"].sum()
    total = pd.concat([given, summed[~summed.index.isin(given.index)]])
    return total.rename("persons").reset_index(), groups


def _membership(regions: Regions, only: str | None = None) -> pd.DataFrame:
    """(region_code = kommune, parent, n): every fylke, BA-region and Norway (or only the region
    `only`) with its kommuner and how many it has."""
    rows = []
    for reg in regions.all() if only is None else [regions.get(only)]:
        if reg.level != "kommune":
            members = regions.kommuner_in(reg.code)
            rows += [(k, reg.code, len(members)) for k in members]
    return pd.DataFrame(rows, columns=["region_code", "parent", "n"])


def _sums(total: pd.DataFrame, groups: pd.DataFrame, members: pd.DataFrame
          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every parent's sums over its kommuner per round, alternative and year, kept only where
    all of them have a figure (totals), resp. all of them have age groups (groups)."""
    keys = ["parent", "round", "alternative", "year"]
    t = total.merge(members, on="region_code")
    agg = t.groupby(keys, observed=True).agg(persons=("persons", "sum"),
                                            k=("region_code", "nunique"),
                                            n=("n", "first")).reset_index()
    agg = agg[agg["k"] == agg["n"]].drop(columns=["k", "n"])
    g = groups.merge(members, on="region_code")
    have = g.groupby(keys, observed=True).agg(k=("region_code", "nunique"),
                                             n=("n", "first")).reset_index()
    full = have.loc[have["k"] == have["n"], keys]
    g = g.merge(full, on=keys)
    g = g.groupby(keys + ["age_group"], observed=True, as_index=False)["persons"].sum()
    return (agg.rename(columns={"parent": "region_code"}),
            g.rename(columns={"parent": "region_code"}))


def _note(round_: int, table: str, summed: bool, n: int) -> str:
    how = (f"sum of SSB's figures for its {n} kommune" + ("r" if n > 1 else "") if summed
           else "SSB's own figures for the region")
    return (f"SSB's regional projection, table {table} ({round_} round): {how}. "
            "Kilde: Statistisk sentralbyrå (NLOD 2.0 / CC BY 4.0). Not framtid's projection.")


def _series(years: np.ndarray, total: np.ndarray, wide: pd.DataFrame | None) -> dict:
    """One alternative of one round: years, total and (if complete) age groups, as lists."""
    out = {"years": [int(y) for y in years], "total": [float(v) for v in total]}
    if wide is not None:
        wide = wide.dropna(axis=1, how="all")   # the groups this series has
        if wide.shape[1] and not wide.isna().any().any():
            out["age_groups"] = {g: [float(v) for v in wide[g]] for g in AGE_GROUPS
                                 if g in wide.columns}
    return out


def build_all(store: Store, regions: Regions, only: str | None = None) -> dict[str, dict]:
    """The `official` block of every region that has one ({code: block}); with `only`, of that
    region alone, from its own rows and its kommuner's (the same block, read from a few
    thousand rows instead of the whole table)."""
    if only is None:
        df = store.official_projection()
        members = _membership(regions)
        codes = {r.code for r in regions.all()}
    else:
        reg = regions.get(only)
        kids = [] if reg.level == "kommune" else regions.kommuner_in(reg.code)
        df = store.official_projection([reg.code, *kids])
        members = _membership(regions, reg.code)
        codes = {reg.code}
    if df.empty:
        return {}
    tables = df.groupby("round")["ssb_table"].first().to_dict()
    total, groups = _totals_and_groups(df)
    sum_t, sum_g = _sums(total, groups, members)
    total = total[total["region_code"].isin(codes)]
    groups = groups[groups["region_code"].isin(codes)]
    # the rounds each region has: its own, and summed ones for rounds without its own row
    own = total[["region_code", "round"]].drop_duplicates().assign(summed=False)
    summed = sum_t[["region_code", "round"]].drop_duplicates().assign(summed=True)
    summed = summed.merge(own[["region_code", "round"]], how="left", indicator=True)
    summed = summed[summed["_merge"] == "left_only"].drop(columns="_merge")
    have = pd.concat([own, summed], ignore_index=True).sort_values(["region_code", "round"])
    rounds = have.groupby("region_code")["round"].agg(list).to_dict()
    latest = have.groupby("region_code").tail(1)           # the latest round per region
    # the figures of each region's latest round, from its own rows or from the sums
    pick = latest[["region_code", "round", "summed"]]
    sel_t = pd.concat([total.assign(summed=False), sum_t.assign(summed=True)]).merge(pick)
    sel_g = pd.concat([groups.assign(summed=False), sum_g.assign(summed=True)]).merge(pick)
    sel_t = sel_t.sort_values(KEYS).reset_index(drop=True)
    if sel_t.empty:                 # (a region alone, with no SSB figure)
        return {}
    wide = (sel_g.pivot_table(index=KEYS, columns="age_group", values="persons",
                              aggfunc="sum", observed=True)
            .reindex(pd.MultiIndex.from_frame(sel_t[KEYS])))
    has_groups = set(map(tuple, sel_g[["region_code", "alternative"]].drop_duplicates()
                         .to_numpy().tolist()))
    n_members = members.groupby("parent")["n"].first().to_dict()
    blocks: dict[str, dict] = {}
    codes_arr = sel_t["region_code"].to_numpy()
    alts_arr = sel_t["alternative"].to_numpy()
    bounds = np.flatnonzero((codes_arr[1:] != codes_arr[:-1]) | (alts_arr[1:] != alts_arr[:-1]))
    starts = np.r_[0, bounds + 1]
    ends = np.r_[bounds + 1, len(sel_t)]
    years = sel_t["year"].to_numpy()
    persons = sel_t["persons"].to_numpy()
    info = latest.set_index("region_code")
    for a, b in zip(starts, ends):
        code, alt = codes_arr[a], alts_arr[a]
        if code not in blocks:
            rnd, is_sum = int(info.at[code, "round"]), bool(info.at[code, "summed"])
            blocks[code] = {"source": "SSB", "table": str(tables[rnd]), "round": rnd,
                            "alternatives": {}, "rounds": [int(r) for r in rounds[code]],
                            "note": _note(rnd, str(tables[rnd]), is_sum,
                                          n_members.get(code, 1))}
        if alt in ALTERNATIVE_ORDER:
            w = wide.iloc[a:b] if (code, alt) in has_groups else None
            blocks[code]["alternatives"][alt] = _series(years[a:b], persons[a:b], w)
    for blk in blocks.values():   # the alternatives in their fixed order
        blk["alternatives"] = {k: blk["alternatives"][k] for k in ALTERNATIVE_ORDER
                               if k in blk["alternatives"]}
    return blocks


def _all(store: Store, regions: Regions) -> dict[str, dict]:
    """`build_all`, kept per store version, so a swapped store is never mixed with old blocks."""
    key = (str(store.path), store.version())
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    value = build_all(store, regions)
    with _lock:
        for k in [k for k in _cache if k[0] == key[0]]:
            del _cache[k]
        _cache[key] = value
    return value


def build(store: Store, regions: Regions, code: str) -> dict | None:
    """The `official` block for a region, or None where the store has no SSB figure for it.

    The first few regions asked for under a store version are built one by one (a CLI call
    asks for one: ≈ 20 ms instead of ≈ 1 s for all); from the fourth on, or once `prepare` has
    run (the server, `export all`, the static site), every region's is built at once."""
    code = regions.get(code).code   # an unknown code fails here, as before
    key = (str(store.path), store.version())
    with _lock:
        every = _cache.get(key)
        ones = _singles.get(key)
        if ones is None:
            _singles.clear()         # one store version's single blocks at a time
            ones = _singles[key] = {}
    if every is None and code in ones:
        hit = ones[code]
    elif every is None and len(ones) < SINGLES_BEFORE_ALL:
        hit = build_all(store, regions, only=code).get(code)
        if store.version() == key[1]:
            with _lock:
                ones[code] = hit
    else:
        hit = _all(store, regions).get(code)
    return None if hit is None else copy.deepcopy(hit)


def prepare(store: Store, regions: Regions) -> None:
    """Build every region's block now (a server warming up, a job over many regions)."""
    _all(store, regions)


def block(store: Store, regions: Regions, code: str) -> dict:
    """{"official": block} or {} (no SSB figure): what the projection service merges in."""
    value = build(store, regions, code)
    return {} if value is None else {"official": value}
