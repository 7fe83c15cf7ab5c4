"""How data gets into the store: snapshot import, live SSB update, and the status report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd

from . import config
from .errors import FramtidError, SourceError
from .sources.snapshot import SSB_LICENCE, Dataset, Provenance, read_snapshot
from .store import Store, is_ready, merge_tables, write_dataset

Progress = Callable[[str], None]


def import_snapshot(folder: Path | str, db_path: Path, progress: Progress = lambda s: None) -> dict:
    """Validate a snapshot folder completely, then swap it in as the new store."""
    progress(f"Reading and checking {folder}")
    ds = read_snapshot(folder)
    progress("Writing the store (built aside, then swapped in)")
    write_dataset(db_path, ds, origin=f"snapshot {Path(folder).resolve()}")
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


def update_from_ssb(db_path: Path, *, base_url: str | None = None, klass_url: str | None = None,
                    progress: Progress = lambda s: None,
                    projection_table: str = "14288") -> dict:
    """Fetch population (07459), SSB's municipal projection and KLASS 131, then swap atomically.

    Without an existing store the reference tables (mortality, fertility, care, maps) must come
    from a snapshot first: they are not all published in PxWebApi.
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
                             progress=lambda d, t, label: progress(f"{label} {d}/{t}"))
    progress("Fetching population 1 January from SSB table 07459")
    pop = client.fetch_population(sorted(known) + ["0"])
    pop = _check_population(pop, known)
    today = date.today().isoformat()
    ds = Dataset()
    ds.add("population", pop, Provenance(
        "population", "Statistisk sentralbyrå (SSB), PxWebApi v2", "07459", SSB_LICENCE, today,
        note="1 January; fetched live"))
    try:
        progress(f"Fetching SSB's municipal projection (table {projection_table})")
        proj = client.fetch_projection(projection_table, sorted(known),
                                       {"main": "MMMM", "low": "LLML", "high": "HHMH"})
        ds.add("ssb_projection", proj, Provenance(
            "ssb_projection", "Statistisk sentralbyrå (SSB), regional projections", projection_table,
            SSB_LICENCE, today, note="main MMMM, low LLML, high HHMH"))
    except SourceError as exc:  # the projection is shown beside ours; population still counts
        progress(f"SSB projection not updated: {exc}")
    merge_tables(db_path, ds, origin="ssb live update")
    return status(db_path)


def _check_population(pop: pd.DataFrame, known: set[str]) -> pd.DataFrame:
    """A live response must be complete before it may replace the store's population."""
    pop = pop.copy()
    pop["region_code"] = pop["region_code"].replace({"0": "NO"})
    pop["flag"] = ""
    n_years = pop["year"].nunique()
    expected = (len(known) + 1) * 2 * 106 * n_years
    if len(pop) != expected:
        raise SourceError(
            f"SSB population response is incomplete: {len(pop)} cells, expected {expected}"
        )
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
