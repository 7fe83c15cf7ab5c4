"""How data gets into the store: snapshot import, live SSB update, and the status report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd

from . import config
from .errors import FramtidError, SourceError
from .sources.snapshot import SSB_LICENCE, Dataset, Provenance, read_snapshot
from .store import Store, import_lock, is_ready, merge_tables, write_dataset

Progress = Callable[[str], None]
# pages(done, total, url): the web pages rendered for the new store before the swap.
PageProgress = Callable[[int, int, str], None]


def _pages_hook(pages: bool | PageProgress, progress: Progress):
    """`before_swap` for write_dataset: render the aggregate web pages (Norway, fylker,
    BA-regions, home and method, every language) for the new store file, so that the first
    visitor after the swap is served from the page cache (web/prebuild.py). A failure there is
    reported and does not stop the import: the server then computes the pages on demand."""
    if not pages:
        return None

    def build(new_file: Path) -> None:
        from .web.prebuild import build_pages

        progress("Rendering the web pages for Norway, the fylker, the BA-regions and the kommuner")
        try:
            res = build_pages(new_file, None if pages is True else pages)
        except Exception as exc:  # noqa: BLE001 - pages are a convenience, the data is not
            progress(f"Web pages not prebuilt ({type(exc).__name__}: {exc}); the server "
                     "renders them on first request")
            return
        progress(f"{res['pages']} web pages ready in {res['seconds']:.0f} s"
                 + (f"; {len(res['failed'])} left for the server" if res["failed"] else ""))

    return build


def _one_at_a_time(fn):
    """Run `fn` holding the store's import lock (a second import exits at once, code 2)."""
    import functools
    import inspect

    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def locked(*args, **kwargs):
        with import_lock(sig.bind(*args, **kwargs).arguments["db_path"]):
            return fn(*args, **kwargs)

    return locked


@_one_at_a_time
def import_snapshot(folder: Path | str, db_path: Path, progress: Progress = lambda s: None,
                    pages: bool | PageProgress = False) -> dict:
    """Validate a snapshot folder completely, then swap it in as the new store. `pages` (True or
    a progress callback): render the aggregate web pages for it before the swap."""
    progress(f"Reading and checking {folder}")
    ds = read_snapshot(folder)
    progress("Writing the store (built aside, then swapped in)")
    write_dataset(db_path, ds, origin=f"snapshot {Path(folder).resolve()}",
                  before_swap=_pages_hook(pages, progress))
    return status(db_path)


def ensure_store(db_path: Path, progress: Progress = lambda s: None) -> None:
    """Make sure the store has data: the FRAMTID_SNAPSHOT folder if set, else SSB live."""
    if is_ready(db_path):
        return
    snap = config.snapshot_dir()
    if snap is not None:
        import_snapshot(snap, db_path, progress)
    else:
        update_from_ssb(db_path, progress=progress)


@_one_at_a_time
def update_from_ssb(db_path: Path, *, base_url: str | None = None, klass_url: str | None = None,
                    progress: Progress = lambda s: None, projection_table: str = "14746",
                    client_options: dict | None = None,
                    pages: bool | PageProgress = False) -> dict:
    """Fetch population (07459), SSB's latest regional projection and KLASS 131; swap atomically.

    07459 is asked for today's kommune codes (KLASS) and Norway, all years the table has. SSB
    gives no figures for a code in the years before it existed; those years keep the store's
    history, which the snapshot recoded to today's borders. Every (kommune, year) SSB does give
    must be complete (106 ages × 2 sexes), and the latest year must cover every kommune.
    The projection table (14746 = the 2026 round; 14288 and 13600 were the 2024 and 2022
    rounds) is asked for every kommune and Norway, alternatives MMMM, LLML and HHMH, all ages
    and years; ages are summed into SSB's age groups (and sexes, if the table has them) and
    replace that round's rows in `official_projection`, keeping the other rounds. Both are
    written in one swap: if either fails, the store stays as it was. `pages`: as for
    `import_snapshot`, the aggregate web pages are rendered for the new store before the swap.
    Reference tables (mortality, fertility, care, maps) come from a snapshot first.
    """
    from .sources import klass_client, pxweb

    if not is_ready(db_path):
        raise FramtidError(
            "The store is empty. Import a snapshot first (`framtid data import DIR`, or set "
            "FRAMTID_SNAPSHOT); `data update` then refreshes population and projections from SSB."
        )
    store = Store(db_path)
    progress("Fetching kommuner valid today from KLASS (classification 131)")
    kommuner = klass_client.fetch_kommuner(date.today(), base_url=klass_url)
    known = set(store.regions().query("level == 'kommune'")["code"])
    fetched = set(kommuner["code"])
    if fetched != known:
        raise SourceError(
            "KLASS lists a kommune structure different from the store's "
            f"(new: {sorted(fetched - known)[:5]}, gone: {sorted(known - fetched)[:5]}); "
            "a new region table is needed before population can be updated."
        )
    client = pxweb.SsbClient(base_url or pxweb.DEFAULT_BASE,
                             progress=lambda d, t, label: progress(f"{label} {d}/{t}"),
                             **(client_options or {}))
    progress("Fetching population 1 January from SSB table 07459")
    fresh = _check_population(client.fetch_population(sorted(known) + ["0"]), known)
    old = store.table("population")
    replaced = set(zip(fresh["year"], fresh["region_code"]))
    keep = old[[(y, r) not in replaced for y, r in zip(old["year"], old["region_code"])]]
    pop = pd.concat([keep, fresh], ignore_index=True).sort_values(
        ["year", "region_code", "sex", "age"], ignore_index=True)
    today = date.today().isoformat()
    years = sorted(fresh["year"].unique())
    ds = Dataset()
    ds.add("population", pop, Provenance(
        "population", "Statistisk sentralbyrå (SSB), PxWebApi v2; earlier years from the "
        "snapshot, recoded to 2024 borders", "07459", SSB_LICENCE, today,
        note=f"1 January; {years[0]}-{years[-1]} fetched live for today's codes",
        estimated="; ".join(f"{f}: {n} rows" for f, n in
                            keep.loc[keep.flag != "", "flag"].value_counts().items())))
    progress(f"Fetching SSB's regional projection (table {projection_table})")
    ds.add("official_projection", *_official_update(store, client, projection_table, known,
                                                    today))
    merge_tables(db_path, ds, origin="ssb live update", before_swap=_pages_hook(pages, progress))
    return status(db_path)


def _official_update(store: Store, client, table: str, known: set[str], today: str
                     ) -> tuple[pd.DataFrame, Provenance]:
    """SSB's projection `table` for every kommune and Norway in the store's layout, merged with
    the rounds the store already holds; refused (SourceError) unless complete."""
    from .sources import official

    alternatives = {a: a for a in official.ALTERNATIVES}
    frame = client.fetch_projection(table, sorted(known) + ["0"], alternatives)
    if frame.empty:
        raise SourceError(f"SSB table {table} returned no projected population")
    by_table = {t: r for r, t in official.ROUND_TABLES.items()}
    round_ = by_table.get(table, int(frame["year"].min()))  # a new table: its jump-off year
    fresh = official.from_single_ages(frame, round_, table)
    n_groups = len(official.CURRENT_GROUPS)
    cells = fresh.groupby(["alternative", "region_code", "year"]).size()
    if (cells != n_groups).any():
        (alt, code, year), n = cells[cells != n_groups].index[0], cells[cells != n_groups].iloc[0]
        raise SourceError(f"SSB table {table} is incomplete: {code} {alt} {year} has {n} of "
                          f"{n_groups} age groups")
    years = sorted(fresh["year"].unique())
    for alt in official.ALTERNATIVES:
        have = set(fresh.loc[fresh.alternative == alt, "region_code"])
        missing = (known | {"NO"}) - have
        if missing:
            raise SourceError(f"SSB table {table} ({alt}) lacks {len(missing)} regions, e.g. "
                              f"{sorted(missing)[:3]}")
        per_year = fresh[fresh.alternative == alt].groupby("year")["region_code"].nunique()
        if (per_year != len(known) + 1).any() or sorted(per_year.index) != years:
            raise SourceError(f"SSB table {table} ({alt}) does not cover every region in "
                              "every year")
    old = store.official_projection()
    stale = old["round"].eq(round_) & old["region_code"].isin(set(fresh["region_code"]))
    merged = official.combine([official.typed(old[~stale]), fresh])
    tables = ", ".join(sorted(set(merged["ssb_table"])))
    note = (f"round {round_} (table {table}) fetched live for all {len(known)} kommuner and "
            f"Norway, MMMM/LLML/HHMH, {years[0]}-{years[-1]}, single ages summed into SSB's age "
            "groups; other rounds kept from the store (snapshot)")
    return merged, Provenance(
        "official_projection", "Statistisk sentralbyrå (SSB), regional population projections, "
        "PxWebApi v2; earlier rounds from the snapshot", tables, SSB_LICENCE, today, note=note)


def _check_population(pop: pd.DataFrame, known: set[str]) -> pd.DataFrame:
    """A live response must be complete before it may replace anything in the store."""
    pop = pop.copy()
    pop["region_code"] = pop["region_code"].replace({"0": "NO"})
    pop["flag"] = ""
    # A code's years before it existed come back empty (null, dropped) or as zeros: drop both.
    totals = pop.groupby(["year", "region_code"])["population"].transform("sum")
    pop = pop[totals > 0]
    if pop.empty:
        raise SourceError("SSB returned no population figures")
    cells = pop.groupby(["year", "region_code"]).size()
    partial = cells[cells != 212]
    if len(partial):
        (y, r), n = partial.index[0], int(partial.iloc[0])
        raise SourceError(f"SSB population response is incomplete: {r} {y} has {n} of 212 "
                          f"cells ({len(partial)} region-years incomplete)")
    last = int(pop["year"].max())
    have = set(pop.loc[pop.year == last, "region_code"])
    missing = (known | {"NO"}) - have
    if missing:
        raise SourceError(f"SSB population for {last} lacks {len(missing)} regions, e.g. "
                          f"{sorted(missing)[:3]}")
    return pop[["year", "region_code", "sex", "age", "population", "flag"]]


def status(db_path: Path) -> dict:
    """What the store holds: tables, years, regions per level, sources, licence, estimates."""
    store = Store(db_path)
    years = store.query("SELECT min(year) AS a, max(year) AS b FROM population "
                        "WHERE region_code <> 'NO'").iloc[0]
    nat = store.query("SELECT min(year) AS a, max(year) AS b FROM population "
                      "WHERE region_code = 'NO'").iloc[0]
    regions = store.regions()["level"].value_counts().to_dict()
    prov = store.provenance()
    meta = store.meta()
    return {
        "db": str(db_path),
        "imported_at": meta.get("imported_at"),
        "origin": meta.get("origin"),
        "population_years": [int(years["a"]), int(years["b"])],
        "national_population_years": [int(nat["a"]), int(nat["b"])],
        "regions": {lv: int(regions.get(lv, 0)) for lv in ("land", "fylke", "ba", "kommune")},
        "tables": [
            {k: (None if pd.isna(r[k]) else r[k]) for k in
             ("table", "source", "ssb_table", "licence", "retrieved", "note", "estimated")}
            | {"rows": int(r["rows"])}
            for r in prov.to_dict("records")
        ],
    }
