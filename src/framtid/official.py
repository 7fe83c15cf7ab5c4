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
"""

from __future__ import annotations

import copy
import threading

import pandas as pd

from .regions import Regions
from .sources.official import AGE_GROUPS, TOTAL
from .store import Store

ALTERNATIVE_ORDER = ("MMMM", "LLML", "HHMH")
_lock = threading.Lock()
_cache: dict[tuple, dict | None] = {}


def _per_region(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(totals, age groups) per round, alternative, region and year; totals from SSB's total
    row where given, else the sum of the groups."""
    keys = ["round", "alternative", "region_code", "year"]
    given = df[df["age_group"] == TOTAL].groupby(keys)["persons"].sum()
    groups = df[df["age_group"] != TOTAL]
    summed = groups.groupby(keys)["persons"].sum()
    total = pd.concat([given, summed[~summed.index.isin(given.index)]]).sort_index()
    return total.rename("persons").reset_index(), groups


def _series(total: pd.DataFrame, groups: pd.DataFrame) -> dict:
    """One alternative of one round: years, total and (if any) age groups, as plain lists."""
    total = total.sort_values("year")
    out = {"years": [int(y) for y in total["year"]],
           "total": [float(v) for v in total["persons"]]}
    if len(groups):
        wide = groups.pivot_table(index="year", columns="age_group", values="persons",
                                  aggfunc="sum").reindex(out["years"])
        if not wide.isna().any().any():
            out["age_groups"] = {g: [float(v) for v in wide[g]] for g in AGE_GROUPS
                                 if g in wide.columns}
    return out


def _aggregate(total: pd.DataFrame, groups: pd.DataFrame, kommuner: list[str]
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sums over `kommuner` per round, alternative and year, kept only where all have a figure."""
    n = len(kommuner)
    t = total[total["region_code"].isin(kommuner)]
    agg = t.groupby(["round", "alternative", "year"]).agg(
        persons=("persons", "sum"), n=("region_code", "nunique")).reset_index()
    agg = agg[agg["n"] == n].drop(columns="n")
    g = groups[groups["region_code"].isin(kommuner)]
    if len(g):
        have = g.groupby(["round", "alternative", "year"])["region_code"].nunique()
        full = have[have == n].index
        g = g.set_index(["round", "alternative", "year"])
        g = g[g.index.isin(full)].reset_index()
        g = g.groupby(["round", "alternative", "year", "age_group"], as_index=False)[
            "persons"].sum()
    return agg, g


def _note(region, round_: int, table: str, summed: bool, n: int) -> str:
    how = (f"sum of SSB's figures for its {n} kommune" + ("r" if n > 1 else "") if summed
           else "SSB's own figures for the region")
    return (f"SSB's regional projection, table {table} ({round_} round): {how}. "
            "Kilde: Statistisk sentralbyrå (NLOD 2.0 / CC BY 4.0). Not framtid's projection.")


def build(store: Store, regions: Regions, code: str) -> dict | None:
    """The `official` block for a region, or None where the store has no SSB figure for it."""
    region = regions.get(code)
    kommuner = [] if region.level == "kommune" else regions.kommuner_in(code)
    df = store.official_projection([code, *kommuner])
    if df.empty:
        return None
    tables = df.groupby("round")["ssb_table"].first().to_dict()
    total, groups = _per_region(df)
    own_t = total[total["region_code"] == code]
    own_g = groups[groups["region_code"] == code]
    own_rounds = set(own_t["round"])
    if kommuner:  # sums only for rounds without SSB's own row for the region
        sum_t, sum_g = _aggregate(total[~total["round"].isin(own_rounds)],
                                  groups[~groups["round"].isin(own_rounds)], kommuner)
    else:
        sum_t = sum_g = total.iloc[0:0]
    rounds = sorted({int(r) for r in own_t["round"]} | {int(r) for r in sum_t["round"]})
    if not rounds:
        return None
    latest = rounds[-1]
    summed = latest not in own_rounds
    src_t, src_g = (sum_t, sum_g) if summed else (own_t, own_g)
    src_t, src_g = src_t[src_t["round"] == latest], src_g[src_g["round"] == latest]
    alternatives = {}
    for alt in ALTERNATIVE_ORDER:
        t = src_t[src_t["alternative"] == alt]
        if len(t):
            alternatives[alt] = _series(t, src_g[src_g["alternative"] == alt])
    return {"source": "SSB", "table": str(tables[latest]), "round": latest,
            "alternatives": alternatives, "rounds": rounds,
            "note": _note(region, latest, str(tables[latest]), summed, len(kommuner))}


def block(store: Store, regions: Regions, code: str) -> dict:
    """{"official": block} or {} (no SSB figure): what the projection service merges in.
    Cached per store version, so a swapped store is never mixed with an old block."""
    key = (str(store.path), store.version(), code)
    with _lock:
        if key in _cache:
            hit = _cache[key]
            return {} if hit is None else {"official": copy.deepcopy(hit)}
    value = build(store, regions, code)
    with _lock:
        for k in [k for k in _cache if k[0] == key[0] and k[1] != key[1]]:
            del _cache[k]
        _cache[key] = value
    return {} if value is None else {"official": copy.deepcopy(value)}
