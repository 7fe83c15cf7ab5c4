"""Read and validate a snapshot folder in the layout of ../shared/data.

The folder is the offline twin of what `framtid data update` fetches from SSB. Everything is
checked before anything is written: a snapshot that fails a check is refused as a whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import SnapshotError
from ..names import norwegian_form

N_AGES = 106  # 0..105, 105 = 105 or older
SSB_LICENCE = "NLOD 2.0 / CC BY 4.0 (Kilde: Statistisk sentralbyrå)"

# Relative paths of the files framtid reads; those marked required must exist.
FILES = {
    "population": ("ssb/population_by_region_sex_age.csv.gz", True),
    "locations": ("ssb/locations_municipalities_2024.csv", True),
    "code_changes": ("ssb/region_code_changes_to_2024.csv", True),
    "mortality": ("extra/demography/hmd_norway_mx_deaths_1x1_2000_2023.csv", True),
    "fertility": ("extra/demography/hfd_norway_asfr_2000_2022.csv", True),
    "care_use": ("extra/care/care_users_by_age_2022_helsedir.csv", True),
    "care_workforce": ("extra/care/health_care_workforce_key_figures.csv", True),
    "employment_rates": ("extra/employment/employment_rates_by_age_ssb.csv", True),
    "projection_key_figures": ("extra/projections/ssb_projection_2024_key_figures.csv", False),
    "official_totals": ("extra/projections/ssb_regional_projection_2024_kommune_totals_mmmm.csv",
                        False),
    "official_rounds": ("extra/projections/ssb_regional_projection_rounds_telemark_norway.csv.gz",
                        False),
    "centrality": ("extra/classifications/ssb_centrality_klass128_2024.csv", False),
    "language": ("extra/classifications/language_decision_and_sami_area_2024.csv", False),
    "kostra": ("extra/classifications/kostra_groups_2024.csv", False),
    "gross_migration": ("extra/migration/telemark_flytting_etter_alder_panda_2016-2025.csv",
                        False),
    "map_kommuner": ("extra/geo/robhop2024_Kommuner-S.topojson", True),
    "map_fylker": ("extra/geo/robhop2024_Fylker-S.geojson", True),
}


@dataclass
class Provenance:
    table: str
    source: str
    ssb_table: str | None
    licence: str
    retrieved: str
    updated: str | None = None
    note: str = ""
    estimated: str = ""  # which values are estimated rather than published
    file: str = ""  # the snapshot file(s) the table was read from, if any


@dataclass
class Dataset:
    """Everything the store holds, as validated DataFrames plus provenance per table."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    provenance: list[Provenance] = field(default_factory=list)

    def add(self, name: str, df: pd.DataFrame, prov: Provenance) -> None:
        self.tables[name] = df
        self.provenance.append(prov)


def _require_columns(df: pd.DataFrame, cols: list[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SnapshotError(f"{what}: missing column(s) {', '.join(missing)}")


def _read_csv(path: Path, what: str, **kw) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)
    except Exception as exc:  # pandas raises many kinds; the user needs the file and reason
        raise SnapshotError(f"{what}: cannot read {path}: {exc}") from exc


def _bad_row(what: str, path: Path | None, column: str, line: int, why: str,
             row: dict | None = None) -> SnapshotError:
    """A refusal that names the file, the column and the first bad row (1 = the header line)."""
    where = f" ({path.name})" if path is not None else ""
    shown = ", ".join(f"{k}={v}" for k, v in (row or {}).items())
    return SnapshotError(f"{what}{where}: column {column}, line {line}: {why}"
                         + (f" [{shown}]" if shown else ""))


def _numeric(df: pd.DataFrame, ints: list[str], floats: list[str], what: str,
             path: Path | None = None) -> pd.DataFrame:
    """Typed columns; integers must be whole numbers, floats may be empty (NaN) where the source
    has no value. The first value that is not a number is named with its column and line."""
    df = df.copy()
    for c in ints + floats:
        raw = df[c].astype(str).str.strip()
        empty = raw == ""
        num = pd.to_numeric(raw.where(~empty, None), errors="coerce")
        bad = (num.isna() & ~empty) if c in floats else num.isna()
        if c in ints:
            bad |= num.notna() & (num != num.round())
        if bad.any():
            i = int(bad.to_numpy().argmax())
            why = "a value is not a whole number" if c in ints else "a value is not a number"
            raise _bad_row(what, path, c, i + 2, f"{why} ({df[c].iloc[i]!r})")
        df[c] = num.astype("int64") if c in ints else num.astype("float64")
    return df


def _first(df: pd.DataFrame, bad: pd.Series, what: str, path: Path, column: str, why: str,
           show: list[str]) -> None:
    """Refuse at the first row where `bad` holds."""
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise _bad_row(what, path, column, i + 2, why,
                       {k: df[k].iloc[i] for k in show})


def _no_duplicates(df: pd.DataFrame, keys: list[str], what: str, path: Path) -> None:
    dup = df.duplicated(keys, keep="first")
    if dup.any():
        i = int(dup.to_numpy().argmax())
        key = {k: df[k].iloc[i] for k in keys}
        first = int(df.index[(df[keys] == pd.Series(key)).all(axis=1)][0]) + 2
        raise _bad_row(what, path, "+".join(keys), i + 2,
                       f"duplicated key (first seen on line {first})", key)


def _paths(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise SnapshotError(f"Snapshot folder {folder} does not exist or is not a folder")
    out, missing = {}, []
    for key, (rel, required) in FILES.items():
        p = folder / rel
        if p.is_file():
            out[key] = p
        elif required:
            missing.append(rel)
    if missing:
        raise SnapshotError(f"Snapshot {folder} is incomplete: missing {', '.join(missing)}")
    return out


def _mtime(p: Path) -> str:
    return date.fromtimestamp(p.stat().st_mtime).isoformat()


def read_population(path: Path) -> pd.DataFrame:
    """Population 1 January by region × sex × age; shape checks run in DuckDB (1.7 M rows).

    Refused, naming the file, column and first bad row: a year, age or population that is not a
    whole non-negative number (`12.7` used to be rounded to 13), an unknown sex, an age outside
    0..105, a duplicated key; then, per region: a (region, year) whose sex × age grid is not
    complete, a missing year between a region's first year and the last year, and a kommune with
    no rows in the last year.
    """
    what = f"population ({path.name})"
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            "CREATE TABLE raw AS SELECT row_number() OVER () + 1 AS _line, * "
            "FROM read_csv(?, header=true, all_varchar=true)",
            [str(path)],
        )
        cols = [r[0] for r in con.execute("DESCRIBE raw").fetchall()]
        missing = [c for c in ("year", "level", "region_code", "sex", "age", "population", "flag")
                   if c not in cols]
        if missing:
            raise SnapshotError(f"population: missing column(s) {', '.join(missing)}")
        show = ("year", "level", "region_code", "sex", "age", "population")

        def first(table: str, where: str, column: str, why: str) -> None:
            row = con.execute(f"SELECT _line, {', '.join(show)} FROM {table} WHERE {where} "
                              "ORDER BY _line LIMIT 1").fetchone()
            if row:
                raise _bad_row("population", path, column, int(row[0]), why,
                               dict(zip(show, row[1:])))

        first("raw", "NOT regexp_full_match(coalesce(trim(year), ''), '[0-9]{4}')", "year",
              "not a year")
        first("raw", "NOT regexp_full_match(coalesce(trim(age), ''), '[0-9]{1,3}')", "age",
              "not a whole number")
        first("raw", "NOT regexp_full_match(coalesce(trim(population), ''), '[0-9]+')",
              "population", "not a whole, non-negative number of persons")
        con.execute(
            "CREATE TABLE pop AS SELECT _line, CAST(year AS INTEGER) AS year, level, "
            "CASE WHEN level = 'nation' THEN 'NO' ELSE region_code END AS region_code, "
            "sex, CAST(age AS INTEGER) AS age, CAST(population AS BIGINT) AS population, "
            "coalesce(flag, '') AS flag FROM raw WHERE level IN ('nation', 'municipality')"
        )
        first("pop", "sex NOT IN ('female', 'male')", "sex", "sex must be 'female' or 'male'")
        first("pop", f"age < 0 OR age > {N_AGES - 1}", "age", f"ages must run 0..{N_AGES - 1}")
        dup = con.execute(
            "SELECT min(_line), max(_line), year, region_code, sex, age FROM pop "
            "GROUP BY year, region_code, sex, age HAVING count(*) > 1 ORDER BY 2 LIMIT 1"
        ).fetchone()
        if dup:
            raise _bad_row("population", path, "year+region_code+sex+age", int(dup[1]),
                           f"duplicated key (first seen on line {dup[0]})",
                           dict(zip(("year", "region_code", "sex", "age"), dup[2:])))
        short = con.execute(
            "SELECT region_code, sex, year, count(*) FROM pop GROUP BY ALL "
            f"HAVING count(*) <> {N_AGES} ORDER BY year, region_code, sex LIMIT 1"
        ).fetchall()
        if short:
            r, s, y, n = short[0]
            raise SnapshotError(f"population: {r} {s} {y} has {n} ages, not {N_AGES} (0..105+)")
        one_sex = con.execute(
            "SELECT region_code, year, min(sex) FROM pop GROUP BY region_code, year "
            "HAVING count(DISTINCT sex) <> 2 ORDER BY year, region_code LIMIT 1").fetchone()
        if one_sex:
            r, y, sx = one_sex
            raise SnapshotError(f"{what}: {r} {y} has only {sx} rows: the sex × age grid must "
                                "be complete for every year present")
        last = con.execute("SELECT max(year) FROM pop WHERE level = 'municipality'").fetchone()[0]
        if last is None:
            raise SnapshotError(f"{what}: no kommune (level 'municipality') rows")
        gone = con.execute(
            "SELECT region_code, max(year) FROM pop GROUP BY region_code "
            "HAVING max(year) < ? ORDER BY region_code LIMIT 1", [last]).fetchone()
        if gone:
            who = "Norway (level 'nation')" if gone[0] == "NO" else f"kommune {gone[0]}"
            raise SnapshotError(f"{what}: {who} has no rows in the last year {last} "
                                f"(its last year is {gone[1]})")
        hole = con.execute(
            "WITH span AS (SELECT region_code, min(year) AS a FROM pop GROUP BY region_code), "
            "want AS (SELECT region_code, unnest(range(a, ? + 1)) AS year FROM span) "
            "SELECT w.region_code, w.year FROM want w ANTI JOIN "
            "(SELECT DISTINCT region_code, year FROM pop) h USING (region_code, year) "
            "ORDER BY w.year, w.region_code LIMIT 1", [last]).fetchone()
        if hole:
            r, y = hole
            who = "Norway (level 'nation')" if r == "NO" else f"kommune {r}"
            raise SnapshotError(f"{what}: {who} has no rows for {y}: a missing year between its "
                                f"first year and {last}")
        return con.execute("SELECT year, region_code, sex, age, population, flag FROM pop "
                           "ORDER BY year, region_code, sex, age").df()
    except duckdb.Error as exc:
        raise SnapshotError(f"population: cannot read {path}: {exc}") from exc
    finally:
        con.close()


def _names_from_map(topo_path: Path) -> dict[str, str]:
    """Official kommune names (with Sámi/Kven forms) as Kartverket writes them."""
    try:
        topo = json.loads(topo_path.read_text(encoding="utf-8"))
        geoms = topo["objects"]["Kommuner"]["geometries"]
        return {g["properties"]["kommunenummer"]: g["properties"]["kommunenavn"] for g in geoms}
    except (KeyError, ValueError, TypeError) as exc:
        raise SnapshotError(f"map {topo_path.name}: not the expected TopoJSON ({exc})") from exc


def _fylke_names(geo_path: Path) -> dict[str, tuple[str, str]]:
    try:
        geo = json.loads(geo_path.read_text(encoding="utf-8"))
        return {
            f["properties"]["fylkesnummer"]: (f["properties"]["name"], f["properties"]["fylkesnavn"])
            for f in geo["features"]
        }
    except (KeyError, ValueError, TypeError) as exc:
        raise SnapshotError(f"map {geo_path.name}: not the expected GeoJSON ({exc})") from exc


def build_regions(loc: pd.DataFrame, kommune_names: dict[str, str],
                  fylke_names: dict[str, tuple[str, str]], extra: dict[str, pd.DataFrame]
                  ) -> pd.DataFrame:
    """One row per region at every level: land, fylke, BA-region, kommune."""
    _require_columns(loc, ["municipality_code", "municipality_name", "county_code", "county_name",
                           "ba_region_code", "ba_region_name"], "locations")
    if loc["municipality_code"].duplicated().any():
        raise SnapshotError("locations: duplicate kommune codes")
    rows = [dict(code="NO", level="land", name="Norge", official_name="Norge", fylke=None,
                 ba=None, parent=None)]
    for code, group in loc.groupby("county_code", sort=True):
        plain, official = fylke_names.get(code, (group["county_name"].iloc[0],) * 2)
        rows.append(dict(code=code, level="fylke", name=plain, official_name=official,
                         fylke=code, ba=None, parent="NO"))
    for bcode, group in loc.groupby("ba_region_code", sort=True):
        fylke = group["county_code"].mode().iloc[0]  # BA-regions may cross fylke borders
        name = group["ba_region_name"].iloc[0]
        # A BA-region named after one of its kommuner carries that kommune's official name:
        # one form per name everywhere («Hábmer - Hamarøy», never also «Hamarøy - Hábmer»;
        # «Fauske - Fuossko», not an older spelling), in the order its språkvedtak gives.
        for k, k_name in zip(group["municipality_code"], group["municipality_name"]):
            k_official = kommune_names.get(k, k_name)
            if " - " in name and norwegian_form(k_official) == norwegian_form(name):
                name = k_official
                break
        rows.append(dict(code=f"BA{bcode}", level="ba", name=norwegian_form(name),
                         official_name=name,
                         fylke=fylke, ba=f"BA{bcode}", parent="NO"))
    for r in loc.itertuples(index=False):
        official = kommune_names.get(r.municipality_code, r.municipality_name)
        rows.append(dict(code=r.municipality_code, level="kommune",
                         name=norwegian_form(official), official_name=official,
                         fylke=r.county_code, ba=f"BA{r.ba_region_code}", parent=r.county_code))
    regions = pd.DataFrame(rows)
    # Kommune attributes used to find «similar kommuner» and the page language.
    attrs = pd.DataFrame({"code": loc["municipality_code"]})
    if "centrality" in extra:
        c = extra["centrality"].rename(columns={"municipality_code": "code"})
        attrs = attrs.merge(c[["code", "centrality_class", "centrality_index"]], on="code",
                            how="left")
    if "language" in extra:
        lang = extra["language"].rename(columns={"municipality_code": "code"})
        attrs = attrs.merge(lang[["code", "language_decision", "sami_language_area"]], on="code",
                            how="left")
    if "kostra" in extra:
        k = extra["kostra"].rename(columns={"municipality_code": "code"})
        attrs = attrs.merge(k[["code", "kostra_group"]], on="code", how="left")
    regions = regions.merge(attrs, on="code", how="left")
    # Same plain name in two kommuner (Våler, Nes, Os …): add the fylke so names stay unique.
    kom = regions["level"] == "kommune"
    dup = regions[kom]["name"].duplicated(keep=False)
    fylke_plain = dict(zip(regions.loc[regions.level == "fylke", "code"],
                           regions.loc[regions.level == "fylke", "name"]))
    for idx in dup[dup].index:
        regions.loc[idx, "name"] = f"{regions.loc[idx, 'name']} ({fylke_plain[regions.loc[idx, 'fylke']]})"
    return regions


def read_snapshot(folder: Path | str) -> Dataset:
    """Read and check a whole snapshot; raise SnapshotError naming what is wrong."""
    folder = Path(folder)
    paths = _paths(folder)
    ds = Dataset()
    src_ssb = "Statistisk sentralbyrå (SSB), offline snapshot"

    pop = read_population(paths["population"])
    loc = _read_csv(paths["locations"], "locations")
    codes = set(loc["municipality_code"])
    pop_codes = set(pop["region_code"].unique()) - {"NO"}
    if pop_codes != codes:
        extra_codes = sorted(pop_codes - codes)[:5]
        missing = sorted(codes - pop_codes)[:5]
        raise SnapshotError(
            f"population and locations disagree on kommune codes (only in population: "
            f"{extra_codes}, only in locations: {missing})"
        )
    if "NO" not in set(pop["region_code"].unique()):
        raise SnapshotError("population: no national (level 'nation') series")
    estimated = (
        pop.loc[pop.flag != "", "flag"].value_counts().rename_axis("flag").reset_index()
    )
    est_text = "; ".join(f"{r.flag}: {r['count']} rows" for _, r in estimated.iterrows())
    ds.add("population", pop, Provenance(
        "population", src_ssb, "07459", SSB_LICENCE, _mtime(paths["population"]),
        note="1 January, 2024 kommune borders; Norway is SSB's national series",
        estimated=est_text))

    extra = {}
    for key in ("centrality", "language", "kostra"):
        if key in paths:
            df = _read_csv(paths[key], key)
            _require_columns(df, ["municipality_code"], key)
            extra[key] = df
    regions = build_regions(loc, _names_from_map(paths["map_kommuner"]),
                            _fylke_names(paths["map_fylker"]), extra)
    counts = regions["level"].value_counts().to_dict()
    ds.add("regions", regions, Provenance(
        "regions", "SSB KLASS 131 (2024 kommuner), NIBR BA-regions 2020 via FHI csdata, "
        "Kartverket names, SSB KLASS 128 centrality", "KLASS 131", SSB_LICENCE,
        _mtime(paths["locations"]), note=json.dumps(counts)))

    changes = _read_csv(paths["code_changes"], "code_changes")
    _require_columns(changes, ["level", "code_original", "code_2024", "year_from", "year_to",
                               "weighting"], "code_changes")
    ds.add("code_changes", changes, Provenance(
        "code_changes", "FHI csdata mapping of historical codes to 2024 codes", None,
        "MIT (FHI csdata)", _mtime(paths["code_changes"])))

    mort = _read_csv(paths["mortality"], "mortality")
    _require_columns(mort, ["year", "age", "sex", "mx", "deaths"], "mortality")
    mort = _numeric(mort, ["year", "age"], ["mx", "deaths"], "mortality", paths["mortality"])
    _check_mortality(mort, paths["mortality"])
    ds.add("mortality", mort, Provenance(
        "mortality", "Human Mortality Database, Norway Mx_1x1/Deaths_1x1 (from SSB registers)",
        None, "CC BY 4.0 (HMD)", _mtime(paths["mortality"]),
        note=f"years {mort.year.min()}-{mort.year.max()}"))

    fert = _read_csv(paths["fertility"], "fertility")
    _require_columns(fert, ["year", "age", "asfr"], "fertility")
    fert["age"] = fert["age"].str.replace("-", "").str.replace("+", "")
    fert = _numeric(fert, ["year", "age"], ["asfr"], "fertility", paths["fertility"])
    _check_fertility(fert, paths["fertility"])
    ds.add("fertility", fert, Provenance(
        "fertility", "Human Fertility Database, NORasfrRR (from SSB registers)", None,
        "CC BY 4.0 (HFD)", _mtime(paths["fertility"]),
        note=f"years {fert.year.min()}-{fert.year.max()}; age 12 = 12 or younger, 55 = 55+"))

    for key, src, note in (
        ("care_use", "Helsedirektoratet, Kommunale helse- og omsorgstjenester 2022, tab. 2.2.1",
         "share of each age group receiving any municipal health and care service"),
        ("care_workforce", "NOU 2023:4; SSB report for Helsepersonellkommisjonen; NAV", ""),
        ("employment_rates", "SSB AKU 2016 and register-based employment Q4 2006",
         "OLD rates: treat as approximate"),
        ("projection_key_figures", "SSB population projections 2024, published key figures", ""),
    ):
        if key in paths:
            ds.add(key, _read_csv(paths[key], key), Provenance(
                key, src, None, "public documents / NLOD", _mtime(paths[key]), note=note))

    if "gross_migration" in paths:
        from .gross_migration import read_gross_migration

        in_telemark = loc[loc["county_code"] == "40"]
        names = dict(zip(in_telemark["municipality_name_short"], in_telemark["municipality_code"]))
        gm = read_gross_migration(paths["gross_migration"], names)
        ds.add("gross_migration", gm, Provenance(
            "gross_migration", "SSB moves in/out by single age, Telemark's kommuner (via Telemark "
            "fylkeskommune, PANDA data)", None, SSB_LICENCE, _mtime(paths["gross_migration"]),
            note=f"years {gm.year.min()}-{gm.year.max()}; includes moves to/from abroad"))

    official = read_official(paths, changes, loc)
    if official is not None:
        ds.add("official_projection", *official)

    for key, check in TABLE_CHECKS.items():
        check(ds.tables[key], paths[key])

    maps = []
    for key, name in (("map_kommuner", "kommuner"), ("map_fylker", "fylker")):
        p = paths[key]
        fmt = "topojson" if p.suffix == ".topojson" else "geojson"
        maps.append(dict(name=name, format=fmt, content=p.read_text(encoding="utf-8")))
    ds.add("maps", pd.DataFrame(maps), Provenance(
        "maps", "Kartverket 2024 borders, simplified (robhop/fylker-og-kommuner)", None,
        "CC BY 4.0 (Kartverket)", _mtime(paths["map_kommuner"])))
    _check_consistency(ds)
    return ds


def read_official(paths: dict[str, Path], changes: pd.DataFrame, loc: pd.DataFrame
                  ) -> tuple[pd.DataFrame, Provenance] | None:
    """SSB's regional projections (official.py): the table and its provenance, or None when
    the snapshot has neither file."""
    from . import official as off

    keys = [k for k in ("official_totals", "official_rounds") if k in paths]
    if not keys:
        return None
    kommuner = set(loc["municipality_code"])
    parts = []
    if "official_totals" in paths:
        parts.append(off.read_kommune_totals(paths["official_totals"], kommuner))
    if "official_rounds" in paths:
        known = kommuner | set(loc["county_code"]) | {"NO"}
        parts.append(off.read_rounds(paths["official_rounds"], changes, known))
    df = off.combine(parts)
    checked = off.check_totals_against_groups(df)
    rounds = sorted(df["round"].unique())
    tables = ", ".join(f"{r}: {t}" for r, t in
                       df.groupby("round")["ssb_table"].first().items())
    note = (f"SSB regional projections, rounds {rounds[0]}-{rounds[-1]} ({tables}); 14288 MMMM "
            "totals for all kommuner (via NINAnor/arealbruksscenarier), every round for Norway "
            "and Telemark by age group, MMMM/LLML/HHMH (via evensrii/Telemark); codes recoded "
            "to 2024 (merged kommuner summed; the fylke Vestfold og Telemark 2020-2023 left "
            f"out); {checked} region-years where SSB gives both a total and age groups agree")
    prov = Provenance(
        "official_projection", "Statistisk sentralbyrå (SSB), regional population projections",
        ", ".join(sorted(set(df["ssb_table"]))), SSB_LICENCE,
        max(_mtime(paths[k]) for k in keys), note=note,
        file="; ".join(FILES[k][0] for k in keys))
    return df, prov


def _check_mortality(mort: pd.DataFrame, path: Path) -> None:
    show = ["year", "age", "sex", "mx"]
    _first(mort, ~mort["sex"].isin(["female", "male", "total"]), "mortality", path, "sex",
           "sex must be 'female', 'male' or 'total'", show)
    _first(mort, mort["mx"] < 0, "mortality", path, "mx", "a death rate below 0", show)
    _first(mort, mort["deaths"] < 0, "mortality", path, "deaths", "deaths below 0", show)
    _no_duplicates(mort, ["year", "age", "sex"], "mortality", path)


def _check_fertility(fert: pd.DataFrame, path: Path) -> None:
    show = ["year", "age", "asfr"]
    _first(fert, fert["asfr"] < 0, "fertility", path, "asfr", "a birth rate below 0", show)
    _first(fert, fert["asfr"] > 0.5, "fertility", path, "asfr",
           "a birth rate above 0.5 per woman and year", show)
    _no_duplicates(fert, ["year", "age"], "fertility", path)


def _check_care_use(df: pd.DataFrame, path: Path) -> None:
    what = f"care_use ({path.name})"
    _require_columns(df, ["age_group", "sex", "users_during_year", "share_of_population_pct",
                          "year"], what)
    num = _numeric(df, ["year"], ["users_during_year", "share_of_population_pct"], "care_use",
                   path)
    show = ["age_group", "sex", "year"]
    _first(num, ~num["share_of_population_pct"].between(0, 100) &
           num["share_of_population_pct"].notna(), "care_use", path, "share_of_population_pct",
           "a share outside 0–100 %", show)
    _first(num, num["users_during_year"] < 0, "care_use", path, "users_during_year",
           "a negative number of users", show)
    _no_duplicates(num, ["age_group", "sex", "year"], "care_use", path)


def _check_care_workforce(df: pd.DataFrame, path: Path) -> None:
    _require_columns(df, ["indicator", "value", "unit", "year"],
                     f"care_workforce ({path.name})")
    _numeric(df, [], ["value"], "care_workforce", path)


def _check_employment(df: pd.DataFrame, path: Path) -> None:
    what = f"employment_rates ({path.name})"
    _require_columns(df, ["measure", "age_group", "sex", "value_pct", "period"], what)
    num = _numeric(df, [], ["value_pct"], "employment_rates", path)
    rate = num["measure"].str.contains("rate|participation")
    _first(num, rate & num["value_pct"].notna() & ~num["value_pct"].between(0, 100),
           "employment_rates", path, "value_pct", "a rate outside 0–100 %",
           ["measure", "age_group", "sex"])
    _no_duplicates(num, ["measure", "age_group", "sex", "period"], "employment_rates", path)


# Checks of the small reference tables, by store table (run on the text as read).
TABLE_CHECKS = {
    "care_use": _check_care_use,
    "care_workforce": _check_care_workforce,
    "employment_rates": _check_employment,
}


def _check_consistency(ds: Dataset) -> None:
    """Cross-table checks a broken snapshot would fail."""
    pop = ds.tables["population"]
    last = pop["year"].max()
    kom = pop[(pop.year == last) & (pop.region_code != "NO")]["population"].sum()
    nat = pop[(pop.year == last) & (pop.region_code == "NO")]["population"].sum()
    if nat == 0 or abs(kom - nat) / nat > 0.01:
        raise SnapshotError(
            f"population {last}: kommuner sum to {kom}, Norway is {nat} (more than 1 % apart)"
        )
    reg = ds.tables["regions"]
    if (reg.level == "kommune").sum() != pop["region_code"].nunique() - 1:
        raise SnapshotError("regions: kommune count differs from population")
