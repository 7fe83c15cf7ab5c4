"""The numbers behind a region's future as data files: CSV (tidy, one row per value) and XLSX
(one sheet per table, real numbers with Norwegian number formats, and a metadata sheet).

Tables (every value is exactly what `framtid project … --json` gives for the same scenario):
    population   year × sex × age: persons (framtid's projection; the base year is registered)
    age_groups   year × group: persons
    indicators   year × indicator: value (shares as 0..1)
    quantiles    year × quantile × group: persons (where uncertainty is computed: --paths)
    ssb          SSB's own projection (the `official` block) where the store holds it
    metadata     sources, licence, scenario, levers, base year, framtid version, date

CSV columns: table, region_code, region, year, sex, age, group, measure, value. Metadata comes
first as «# key: value» lines (pandas: `read_csv(path, comment="#")`).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .. import __version__
from ..errors import FramtidError
from .files import aside
from .scenario import Scenario

FORMATS = ("csv", "xlsx")
CSV_COLUMNS = ("table", "region_code", "region", "year", "sex", "age", "group", "measure",
               "value")
LICENCE = "NLOD 2.0 / CC BY 4.0"
SSB_SOURCE = "Statistisk sentralbyrå (SSB), https://www.ssb.no"


@dataclass
class RegionData:
    code: str
    name: str
    level: str
    proj: dict                             # project_with_indicators(...) as JSON

    @property
    def rows(self) -> Iterator[tuple]:
        """Every value as a CSV row (see CSV_COLUMNS), generated on demand."""
        return iter_rows(self.code, self.name, self.proj)


def metadata(ctx, scenario: Scenario, regions: list[str], base_year: int, lang: str = "en",
             paths: int | None = None) -> list[tuple[str, str]]:
    meta = ctx.store.meta()
    levers = "; ".join(f"{k}={v:g}" for k, v in scenario.levers.items()) or "-"
    changed = "; ".join(f"{k}={v:g}" for k, v in scenario.changed().items()) or "-"
    return [
        ("title", "framtid: population projection by year, sex and age, with indicators"),
        ("regions", ", ".join(regions) if len(regions) <= 20 else f"{len(regions)} regions"),
        ("scenario_name", scenario.name or "-"),
        ("scenario_variant", scenario.variant),
        ("levers_changed", changed),
        ("levers_all", levers),
        ("base_year", str(base_year)),
        ("projection", "Projection: framtid, based on data from SSB (not SSB's projection)"),
        ("ssb_projection", "Tables «ssb»: SSB's own regional projection, labelled as SSB's"),
        ("source", f"Kilde: {SSB_SOURCE}; population 1 January, imported "
                   f"{str(meta.get('imported_at', ''))[:10]}"),
        ("licence", f"{LICENCE} (SSB's data); framtid's projection: same licence"),
        ("uncertainty", f"quantiles from {paths} simulated futures" if paths else
                        "not computed (use --paths)"),
        ("framtid_version", __version__),
        ("created", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("units", "persons; shares as fractions 0..1; aldersbaereevne as persons 20-66 per 67+"),
    ]


def iter_rows(c: str, n: str, proj: dict, population: bool = True) -> Iterator[tuple]:
    years = proj["years"]
    for sex in ("female", "male") if population else ():
        for i, y in enumerate(years):
            for age, v in enumerate(proj["by_age"][sex][i]):
                yield ("population", c, n, y, sex, age, "", "persons", v)
    for g, vals in proj["age_groups"].items():
        for y, v in zip(years, vals):
            yield ("age_groups", c, n, y, "", "", g, "persons", v)
    for y, v in zip(years, proj["total"]):
        yield ("population_total", c, n, y, "", "", "total", "persons", v)
    for ind, vals in proj["indicators"].items():
        for y, v in zip(years, vals):
            yield ("indicators", c, n, y, "", "", "", ind, v)
    for q, groups in (proj.get("quantiles") or {}).items():
        for g, vals in groups.items():
            for y, v in zip(years, vals):
                yield ("quantiles", c, n, y, "", "", g, q, v)
    off = proj.get("official")
    if off:
        for alt, ser in off["alternatives"].items():
            measure = f"ssb_{off['round']}_{alt}"
            for g, vals in {"total": ser["total"], **(ser.get("age_groups") or {})}.items():
                for y, v in zip(ser["years"], vals):
                    yield ("ssb", c, n, y, "", "", g, measure, v)


def region_rows(ctx, code: str, scenario: Scenario, paths: int | None = None) -> RegionData:
    """One region's projection in the scenario (rows: `RegionData.rows`)."""
    reg = ctx.regions.resolve(code)
    proj = scenario.project(ctx, reg.code, paths)
    return RegionData(reg.code, reg.name, reg.level, proj)


def resolve_regions(ctx, which: str) -> list[str]:
    if which.strip().lower() == "all":
        return [r.code for r in ctx.regions.all()]
    return [ctx.regions.resolve(which).code]


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise FramtidError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    return fmt


def collect(ctx, codes: list[str], scenario: Scenario, paths: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> list[RegionData]:
    out = []
    for i, code in enumerate(codes):
        out.append(region_rows(ctx, code, scenario, paths))
        if progress:
            progress(i + 1, len(codes))
    return out


def _csv_value(v) -> str:
    """Full precision (the JSON's own float), whole numbers without «.0», empty for missing."""
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n') else s


def _csv_lines(regions: list[RegionData]) -> Iterator[str]:
    """CSV lines, built by hand for speed (3 million rows for all regions): the population
    table straight from the arrays, the small tables through `iter_rows`."""
    cv = _csv_value
    for rd in regions:
        name = _quote(rd.name)
        p = rd.proj
        for sex in ("female", "male"):
            for i, y in enumerate(p["years"]):
                pre = f"population,{rd.code},{name},{y},{sex},"
                yield "".join([f"{pre}{age},,persons,{cv(v)}\n"
                               for age, v in enumerate(p["by_age"][sex][i])])
        for table, code, _n, year, sex, age, group, measure, value in iter_rows(
                rd.code, rd.name, p, population=False):
            yield (f"{table},{code},{name},{year},{sex},{age},{_quote(group)},{measure},"
                   f"{cv(value)}\n")


def _csv_head(meta: list[tuple[str, str]]) -> str:
    return "".join(f"# {k}: {v}\n" for k, v in meta) + ",".join(CSV_COLUMNS) + "\n"


def write_csv(path: str | Path, regions: list[RegionData], meta: list[tuple[str, str]]) -> Path:
    with aside(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="", buffering=1 << 20) as fh:
            fh.write(_csv_head(meta))
            fh.writelines(_csv_lines(regions))
    return Path(path)


def csv_bytes(regions: list[RegionData], meta: list[tuple[str, str]]) -> bytes:
    return (_csv_head(meta) + "".join(_csv_lines(regions))).encode("utf-8")


# --- XLSX ------------------------------------------------------------------------------------
# Excel number formats; Excel shows them with the reader's own separators (space and comma in a
# Norwegian Excel), so «# ##0» is written the portable way.
FMT_INT = "#,##0"
FMT_DEC = "#,##0.00"
FMT_PCT = "0.0%"
FMT_PERSONS = "#,##0"


def _indicator_format(ind: str) -> str:
    if "share" in ind:
        return FMT_PCT
    if ind.startswith("aldersbaereevne") or ind == "median_age":
        return FMT_DEC
    return FMT_INT


def write_xlsx(path: str | Path, regions: list[RegionData], meta: list[tuple[str, str]],
               lang: str = "nb") -> Path:
    with aside(path) as tmp:
        tmp.write_bytes(xlsx_bytes(regions, meta, lang))
    return Path(path)


def xlsx_bytes(regions: list[RegionData], meta: list[tuple[str, str]], lang: str = "nb"
               ) -> bytes:
    """The workbook: population (ages as columns), age groups, indicators, quantiles, SSB,
    metadata. Numbers are numbers (openpyxl writes floats), formatted, never text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    wb.properties.title = "framtid " + (", ".join(r.code for r in regions[:5])
                                        if len(regions) <= 5 else "all regions")
    wb.properties.creator = f"framtid {__version__}"
    wb.properties.language = {"nb": "nb-NO", "nn": "nn-NO", "en": "en"}.get(lang, "nb-NO")
    bold = Font(bold=True)

    def header(ws, cols):
        cells = []
        for c in cols:
            cell = WriteOnlyCell(ws, value=c)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)

    def num(ws, v, fmt):
        cell = WriteOnlyCell(ws, value=None if v is None else float(v))
        cell.number_format = fmt
        return cell

    ws = wb.create_sheet("population")
    ws.freeze_panes = "E2"
    header(ws, ["region_code", "region", "year", "sex", *[str(a) for a in range(106)]])
    for rd in regions:
        p = rd.proj
        for sex in ("female", "male"):
            for i, y in enumerate(p["years"]):
                ws.append([rd.code, rd.name, y, sex,
                           *[num(ws, v, FMT_PERSONS) for v in p["by_age"][sex][i]]])

    ws = wb.create_sheet("age_groups")
    ws.freeze_panes = "D2"
    groups = list(regions[0].proj["age_groups"]) if regions else []
    header(ws, ["region_code", "region", "year", "total", *groups])
    for rd in regions:
        p = rd.proj
        for i, y in enumerate(p["years"]):
            ws.append([rd.code, rd.name, y, num(ws, p["total"][i], FMT_PERSONS),
                       *[num(ws, p["age_groups"][g][i], FMT_PERSONS) for g in groups]])

    ws = wb.create_sheet("indicators")
    ws.freeze_panes = "D2"
    inds = list(regions[0].proj["indicators"]) if regions else []
    header(ws, ["region_code", "region", "year", *inds])
    for rd in regions:
        p = rd.proj
        for i, y in enumerate(p["years"]):
            ws.append([rd.code, rd.name, y,
                       *[num(ws, p["indicators"][k][i], _indicator_format(k)) for k in inds]])

    if any(rd.proj.get("quantiles") for rd in regions):
        ws = wb.create_sheet("quantiles")
        header(ws, ["region_code", "region", "year", "quantile", "total", "0-19", "20-66",
                    "67+", "80+"])
        for rd in regions:
            for q, gs in (rd.proj.get("quantiles") or {}).items():
                for i, y in enumerate(rd.proj["years"]):
                    ws.append([rd.code, rd.name, y, q,
                               *[num(ws, gs[g][i], FMT_PERSONS) if g in gs else None
                                 for g in ("total", "0-19", "20-66", "67+", "80+")]])

    if any(rd.proj.get("official") for rd in regions):
        ws = wb.create_sheet("ssb")
        header(ws, ["region_code", "region", "round", "alternative", "year", "group", "persons",
                    "source"])
        for rd in regions:
            off = rd.proj.get("official")
            if not off:
                continue
            for alt, s in off["alternatives"].items():
                series = {"total": s["total"], **(s.get("age_groups") or {})}
                for g, vals in series.items():
                    for y, v in zip(s["years"], vals):
                        ws.append([rd.code, rd.name, off["round"], alt, y, g,
                                   num(ws, v, FMT_PERSONS),
                                   f"Kilde: Statistisk sentralbyrå, tabell {off['table']}"])

    ws = wb.create_sheet("metadata")
    header(ws, ["key", "value"])
    for k, v in meta:
        ws.append([k, v])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export(ctx, which: str, fmt: str, out: str | Path, scenario: Scenario,
           paths: int | None = None, lang: str = "nb",
           progress: Callable[[int, int], None] | None = None) -> Path:
    """`framtid export REGION|all --format csv|xlsx --out FILE`."""
    check_format(fmt)
    from .files import check_target

    check_target(out)
    codes = resolve_regions(ctx, which)
    regions = collect(ctx, codes, scenario, paths, progress)
    meta = metadata(ctx, scenario, codes, regions[0].proj["base_year"], lang, paths)
    if fmt == "csv":
        return write_csv(out, regions, meta)
    return write_xlsx(out, regions, meta, lang)


def data_bytes(ctx, code: str | list[str], fmt: str, scenario: Scenario,
               paths: int | None = None, lang: str = "nb") -> bytes:
    """One region's numbers (a code), or several regions' in one file (a list: the compare
    page's download), as CSV or XLSX."""
    check_format(fmt)
    rds = [region_rows(ctx, c, scenario, paths) for c in
           ([code] if isinstance(code, str) else code)]
    meta = metadata(ctx, scenario, [rd.code for rd in rds], rds[0].proj["base_year"], lang,
                    paths)
    return csv_bytes(rds, meta) if fmt == "csv" else xlsx_bytes(rds, meta, lang)

