"""The `framtid` command line. Thin: every command calls the same functions the web app calls."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from . import config
from .errors import FramtidError

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="framtid: the future picture of every Norwegian kommune, BA-region, "
                       "fylke and Norway.")
data_app = typer.Typer(no_args_is_help=True, help="Import, update and inspect the data store.")
app.add_typer(data_app, name="data")
regions_app = typer.Typer(invoke_without_command=True, help="List and find regions.")
app.add_typer(regions_app, name="regions")
from .workshop.cli import app as workshop_app  # noqa: E402  (Framtidsverksted)

app.add_typer(workshop_app, name="workshop")

# Piped output (files, other programs) gets room for whole tables instead of 80 columns.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)


class State:
    db: Path = config.default_db_path()


state = State()


@app.callback()
def _root(db: Optional[Path] = typer.Option(None, "--db", help="Store file (default: "
                                             "$FRAMTID_HOME/framtid.duckdb).")) -> None:
    if db is not None:
        state.db = db
    else:
        state.db = config.default_db_path()


def _progress(msg: str) -> None:
    err.print(f"[dim]…[/dim] {msg}")


def _emit_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=_json_default) + "\n")


def _json_default(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o)}")


def _context():
    from .context import Context

    return Context(state.db)


def _writable_file(path: Path, option: str) -> Path:
    """Refuse, before any work, a FILE we could not write: a folder, a special file (/proc,
    /dev), a folder without write permission (even for root: no write bit means read-only) or a
    read-only file system. Nothing is left behind by the check."""
    import os
    import stat
    import tempfile

    p = Path(path).expanduser()
    bad = f"{option} {path}"
    if p.is_dir():
        raise FramtidError(f"{bad} is a folder; give a file name")
    if p.exists() and not p.is_file():
        raise FramtidError(f"{bad} is not a regular file")
    resolved = p.resolve()
    if resolved.parts[1:2] in (("proc",), ("sys",), ("dev",)):
        raise FramtidError(f"{bad}: cannot write files under /{resolved.parts[1]}")
    parent = resolved.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FramtidError(f"{bad}: cannot create its folder ({exc.strerror})") from None
    if not parent.is_dir():
        raise FramtidError(f"{bad}: {parent} is not a folder")
    if not os.stat(parent).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or (
            p.exists() and not os.stat(p).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)):
        raise FramtidError(f"{bad}: read-only (no write permission)")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".framtid-probe-"):
            pass
    except OSError as exc:
        raise FramtidError(f"{bad}: cannot write there ({exc.strerror})") from None
    return p


def _check_port(host: str, port: int) -> None:
    """Exit 2 with a suggestion when the port is taken, before anything slow starts."""
    import socket

    def free(p: int) -> bool:
        try:
            infos = socket.getaddrinfo(host, p, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FramtidError(f"--host {host}: cannot resolve ({exc.strerror})") from None
        family, _, _, _, addr = infos[0]
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            try:
                sock.bind(addr)
            except OSError:
                return False
        return True

    if not free(port):
        nxt = next((p for p in range(port + 1, min(port + 50, 65536)) if free(p)), None)
        hint = f"; try --port {nxt}" if nxt else ""
        raise FramtidError(f"port {port} is in use{hint}")


# --- data -------------------------------------------------------------------------------------
PAGES_OPTION = typer.Option(
    True, "--pages/--no-pages", envvar="FRAMTID_IMPORT_PAGES",
    help="Render the web pages of Norway, the fylker, the BA-regions and the kommuner (every "
         "language) for the new store before it is swapped in, so that `serve` answers them at "
         "once (minutes: about 1,600 pages over one process per core; FRAMTID_PAGE_SET="
         "aggregates leaves the kommune pages to the server).")


class _PageBar:
    """A Rich progress bar for the pages rendered before the swap (pipeline `pages` callback);
    it replaces the spinner `status` while it runs."""

    def __init__(self, status=None):
        self.status = status
        self.bar = None
        self.task = None

    def __call__(self, done: int, total: int, url: str) -> None:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn)

        if self.bar is None:
            if self.status is not None:
                self.status.stop()
            self.bar = Progress(TextColumn("Web pages"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("[dim]{task.fields[url]}"),
                                console=err)
            self.bar.start()
            self.task = self.bar.add_task("pages", total=total, url="")
        self.bar.update(self.task, completed=done, url=url)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@data_app.command("import")
def data_import(folder: Path = typer.Argument(..., help="Snapshot folder (layout of shared/data)"),
                as_json: bool = typer.Option(False, "--json"),
                pages: bool = PAGES_OPTION) -> None:
    """Load a snapshot folder; the old store stays until the new one is complete."""
    from .pipeline import import_snapshot

    _writable_file(state.db, "--db")
    with err.status("Importing snapshot…") as status:
        bar = _PageBar(status)
        try:
            st = import_snapshot(folder, state.db, _progress, pages=bar if pages else False)
        finally:
            bar.close()
    _status_out(st, as_json)


@data_app.command("update")
def data_update(as_json: bool = typer.Option(False, "--json"),
                base_url: Optional[str] = typer.Option(None, help="PxWebApi v2 base URL"),
                klass_url: Optional[str] = typer.Option(None, help="KLASS base URL"),
                pages: bool = PAGES_OPTION) -> None:
    """Fetch population and SSB's projections from SSB live; swap in atomically."""
    from .pipeline import update_from_ssb

    _writable_file(state.db, "--db")
    bar = _PageBar()
    try:
        st = update_from_ssb(state.db, base_url=base_url, klass_url=klass_url,
                             progress=_progress, pages=bar if pages else False)
    finally:
        bar.close()
    _status_out(st, as_json)


@data_app.command("status")
def data_status(as_json: bool = typer.Option(False, "--json")) -> None:
    """Tables, years, regions per level, sources, licence, retrieval dates, estimated values."""
    from .pipeline import status

    _status_out(status(state.db), as_json)


def _status_out(st: dict, as_json: bool) -> None:
    if as_json:
        _emit_json(st)
        return
    out.print(f"[bold]Store[/bold] {st['db']} (imported {st['imported_at']}, from {st['origin']})")
    y0, y1 = st["population_years"]
    out.print(f"Population 1 January {y0}–{y1}; regions: " +
              ", ".join(f"{v} {k}" for k, v in st["regions"].items()))
    t = Table("table", "rows", "source", "SSB table", "licence", "retrieved", "estimated values")
    for r in st["tables"]:
        t.add_row(r["table"], f"{r['rows']:,}", r["source"], r["ssb_table"] or "",
                  r["licence"], r["retrieved"], r["estimated"] or "")
    out.print(t)


# --- regions ----------------------------------------------------------------------------------
@regions_app.callback()
def regions_list(ctx: typer.Context,
                 level: Optional[str] = typer.Option(None, help="land | fylke | ba | kommune"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """List regions (all levels, or one)."""
    if ctx.invoked_subcommand:
        return
    from .regions import LEVELS

    if level is not None and level not in LEVELS:
        raise FramtidError(f"Unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    regs = _context().regions.all(level)
    if as_json:
        _emit_json([r.as_dict() for r in regs])
        return
    t = Table("code", "name", "level", "fylke", "BA-region")
    for r in regs:
        t.add_row(r.code, r.official_name if r.official_name != r.name else r.name, r.level,
                  r.fylke or "", r.ba or "")
    out.print(t)


@regions_app.command("find")
def regions_find(text: str, as_json: bool = typer.Option(False, "--json"),
                 limit: int = typer.Option(10, min=1, max=100)) -> None:
    """Find regions by name or code, forgiving case, diacritics and typos."""
    hits = _context().regions.find(text, limit)
    if as_json:
        _emit_json([r.as_dict() for r in hits])
        return
    if not hits:
        shown = text if len(text) <= 60 else f"{text[:40]}… ({len(text):,} characters)"
        raise FramtidError(f"No region matches {shown!r}")
    for r in hits:
        out.print(f"{r.code:6} {r.official_name}  [dim]({r.level})[/dim]")


# --- population -------------------------------------------------------------------------------
@app.command()
def population(region: str, year: Optional[int] = typer.Option(None, help="1 January of year"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Registered population of a region on 1 January, by sex and age."""
    ctx = _context()
    reg = ctx.regions.resolve(region)
    if year is None:
        year = ctx.last_year
    arr = ctx.regions.population(reg.code, year)
    res = {
        "code": reg.code, "name": reg.name, "level": reg.level, "year": year,
        "total": int(round(arr.sum())),
        "by_sex": {"female": int(round(arr[0].sum())), "male": int(round(arr[1].sum()))},
        "by_age": [int(round(x)) for x in arr.sum(axis=0)],
    }
    if as_json:
        _emit_json(res)
        return
    out.print(f"[bold]{_display_name(reg)}[/bold] ({reg.level} {reg.code}), 1 January {year}: "
              f"{res['total']:,} (women {res['by_sex']['female']:,}, men {res['by_sex']['male']:,})")


# --- projection and consequences -----------------------------------------------------------
def _pairs(items: list[str] | None, what: str) -> dict[str, float]:
    """['fertility=1.6', …] → {'fertility': 1.6}; a malformed item is a usage error (exit 2)."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value.replace(",", "."))
        except ValueError:
            raise FramtidError(f"--{what} takes NAME=VALUE with a number, got {item!r}") from None
    return out


@app.command()
def project(region: str,
            scenario: str = typer.Option("main", help="main | low | high | own"),
            lever: Optional[list[str]] = typer.Option(None, "--lever", help="NAME=VALUE, repeatable"),
            param: Optional[list[str]] = typer.Option(None, "--param",
                                                       help="Override a parameter: NAME=VALUE"),
            to: int = typer.Option(2050, "--to", help="Last year of the projection"),
            paths: Optional[int] = typer.Option(None, help="Simulated futures for uncertainty"),
            as_json: bool = typer.Option(False, "--json")) -> None:
    """Project a region's population by sex and age, with indicators."""
    from .consequences.service import project_with_indicators

    ctx = _context()
    reg = ctx.regions.resolve(region)
    with err.status("Projecting…"):
        res = project_with_indicators(ctx, reg.code, scenario, _pairs(lever, "lever"), to, paths,
                                      _pairs(param, "param") or None)
    if as_json:
        _emit_json(res)
        return
    ind = res["indicators"]
    official = res.get("official") or {}
    ssb_main = (official.get("alternatives") or {}).get("MMMM")
    ssb_at = dict(zip(ssb_main["years"], ssb_main["total"])) if ssb_main else {}
    cols = ["year", "population", "0–19", "20–66", "67+", "80+", "20–66 per 67+", "care share"]
    if ssb_at:
        cols.insert(2, f"SSB {official.get('round')} MMMM")
    t = Table(*cols, title=f"{reg.official_name} — scenario {res['scenario']['name']}")
    for i, y in enumerate(res["years"]):
        if y % 5 and i not in (0, len(res["years"]) - 1):
            continue
        share = ind["care_share_of_workforce"][i]
        ssb_cell = ([f"{ssb_at[y]:,.0f}" if y in ssb_at else "–"] if ssb_at else [])
        t.add_row(str(y), f"{res['total'][i]:,.0f}", *ssb_cell,
                  f"{res['age_groups']['0-19'][i]:,.0f}",
                  f"{res['age_groups']['20-66'][i]:,.0f}", f"{res['age_groups']['67+'][i]:,.0f}",
                  f"{res['age_groups']['80+'][i]:,.0f}",
                  f"{ind['aldersbaereevne_67'][i]:.2f}" if ind["aldersbaereevne_67"][i] else "–",
                  f"{share * 100:.1f} %" if share else "–")
    out.print(t)
    out.print("Kilde: Statistisk sentralbyrå · Framskriving: framtid, på data fra SSB"
              + (f" · SSB {official.get('round')} MMMM: SSB's own projection" if ssb_at else "")
              + ". Care share and employment use OLD SSB employment rates by age (2006/2016) "
              "scaled to 2024 (framtid params).")


@app.command()
def whatittakes(region: str,
                indicator: str = typer.Option(..., help="e.g. aldersbaereevne_67"),
                lever: str = typer.Option(..., help="e.g. young_adults"),
                year: int = typer.Option(2040, help="Target year"),
                scenario: str = typer.Option("main"),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """«Dette må til»: the lever value that keeps an indicator at today's level."""
    from .consequences.service import what_it_takes

    ctx = _context()
    reg = ctx.regions.resolve(region)
    with err.status("Solving…"):
        res = what_it_takes(ctx, reg.code, indicator, lever, year, scenario)
    if as_json:
        _emit_json(res)
        return
    show = _indicator_formatter(indicator)
    name = _display_name(reg)
    if res.get("already_met"):
        out.print(f"{name}: {indicator} is {show(res['default_value'])} in {year} without any "
                  f"change (today {show(res['today_value'])}): nothing more is needed.")
    elif res["reachable"]:
        out.print(f"{name}: {lever} = {res['value']:,.2f} {res['unit']} (default "
                  f"{res['lever_default']:g}) keeps {indicator} at today's "
                  f"{show(res['today_value'])} in {year}; without it: "
                  f"{show(res['default_value'])}.")
    else:
        out.print(f"{name}: no value of {lever} within {res['range'][0]:g}–{res['range'][1]:g} "
                  f"{res['unit']} keeps {indicator} at today's {show(res['today_value'])} in "
                  f"{year}; the most it can do is {lever} = {res['best_value']:,.2f}, giving "
                  f"{show(res['best_indicator'])} (without it: {show(res['default_value'])}).")


def _indicator_formatter(indicator: str):
    """How a number of this indicator reads: a share as percent, a ratio with decimals, a count
    rounded (a projection has no precision to the person)."""
    if "share" in indicator:
        return lambda v: f"{v * 100:.1f} %"
    if indicator.startswith("aldersbaereevne") or indicator == "median_age":
        return lambda v: f"{v:.2f}"
    return lambda v: f"{float(f'{v:.3g}'):,.0f}" if abs(v) >= 1000 else f"{v:,.0f}"


def _display_name(reg) -> str:
    """The official name, or the plain one where the plain one is the more precise
    («Herøy (Nordland)» over «Herøy»)."""
    return reg.name if "(" in reg.name else reg.official_name


@app.command()
def levers(as_json: bool = typer.Option(False, "--json")) -> None:
    """All levers with unit, default and valid range."""
    from .consequences.service import all_levers

    rows = all_levers()
    if as_json:
        _emit_json(rows)
        return
    t = Table("lever", "unit", "default", "range", "acts on", "description")
    for m in rows:
        t.add_row(m["name"], m["unit"], f"{m['default']:g}", f"{m['min']:g}–{m['max']:g}",
                  m["kind"], m["description"])
    out.print(t)


@app.command()
def params(markdown: bool = typer.Option(False, "--markdown"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """The documented parameter table of the consequences (overridable with --param)."""
    from dataclasses import asdict

    from .consequences.parameters import DEFAULTS, markdown_table

    if as_json:
        _emit_json([asdict(p) for p in DEFAULTS.values()])
    elif markdown:
        sys.stdout.write(markdown_table() + "\n")
    else:
        t = Table("name", "value", "unit", "range", "source", "year")
        for p in DEFAULTS.values():
            t.add_row(p.name, f"{p.value:g}", p.unit, f"{p.min:g}–{p.max:g}", p.source, p.year)
        out.print(t)


def _parse_bases(base: Optional[int], bases: Optional[str]) -> list[int]:
    if bases:
        try:
            lo, _, hi = bases.partition("-")
            return list(range(int(lo), int(hi or lo) + 1))
        except ValueError:
            raise FramtidError(f"--bases takes FIRST-LAST, e.g. 2010-2016, got {bases!r}") from None
    return [base if base is not None else 2015]


@app.command()
def backtest(base: Optional[int] = typer.Option(None, help="Stand on 1 January of this year"),
             bases: Optional[str] = typer.Option(None, help="Several bases, e.g. 2010-2016"),
             horizon: int = typer.Option(10, help="Years projected"),
             paths: int = typer.Option(500, help="Simulated futures for interval coverage"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Project from an earlier year and compare with what happened, against naive forecasts."""
    from .model.service import run_backtest

    ctx = _context()
    with err.status("Backtesting…"):
        res = run_backtest(ctx, _parse_bases(base, bases), horizon, paths)
    if as_json:
        _emit_json(res)
        return
    from .model.backtest import format_table

    out.print(format_table(res))


@app.command()
def trackrecord(rounds: Optional[str] = typer.Option(
                    None, help="Only these SSB rounds, e.g. 2010-2016 or 2012"),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """SSB's published projections and framtid from the same base, against what happened."""
    from .model.service import run_trackrecord

    ctx = _context()
    wanted = _parse_bases(None, rounds) if rounds else None
    with err.status("Track record…") as status:
        res = run_trackrecord(ctx, wanted, lambda m: status.update(m))
    if as_json:
        _emit_json(res)
        return
    from .model.trackrecord import format_table

    out.print(format_table(res))


@app.command()
def bench(as_json: bool = typer.Option(False, "--json")) -> None:
    """Measure the engine: all kommuner, stochastic runs, and the pandas reference (ratio)."""
    from .consequences.bench import run as run_consequences_bench
    from .model.service import run_bench

    ctx = _context()
    with err.status("Benchmarking…"):
        res = {**run_bench(ctx), **run_consequences_bench(ctx)}
    if as_json:
        _emit_json(res)
        return
    for k, v in res.items():
        out.print(f"{k:40} {v}")


@app.command()
def serve(host: str = typer.Option("127.0.0.1"),
          port: int = typer.Option(8000, min=1, max=65535),
          workers: Optional[int] = typer.Option(
              None, min=1, max=64, help="Worker processes (default: the number of cores)")
          ) -> None:
    """Start the web app (Framtidsbilder); GET /healthz answers 200 when ready."""
    from .pipeline import ensure_store
    from .web.app import default_workers
    from .web.app import serve as serve_app

    _check_port(host, port)
    ensure_store(state.db, _progress)
    serve_app(host, port, state.db, workers or default_workers())


# --- story and charts ------------------------------------------------------------------------
@app.command()
def story(region: str, lang: str = typer.Option("nb", help="nb | nn | en"),
          fmt: str = typer.Option("md", "--format", help="md | html | json")) -> None:
    """The region's generated future story, with a chart and «what we can do» for each beat."""
    from .story.render import FORMATS, LANGS, StoryTeller, to_html, to_markdown

    if lang not in LANGS:
        raise FramtidError(f"Unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    if fmt not in FORMATS:
        raise FramtidError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    ctx = _context()
    reg = ctx.regions.resolve(region)
    with err.status("Writing the story…"):
        st = StoryTeller(ctx, charts=(fmt == "json")).story(reg.code, lang)
    if fmt == "json":
        _emit_json(st)
    else:
        sys.stdout.write(to_markdown(st) if fmt == "md" else to_html(st))


@app.command()
def chart(region: str, kind: str, out_path: Path = typer.Option(..., "--out",
          help="FILE.svg, FILE.png or FILE.json"),
          lang: str = typer.Option("nb", help="nb | nn | en"),
          indicator: str = typer.Option("aldersbaereevne_67", help="Indicator for map kinds"),
          year: int = typer.Option(2040, help="Year for map kinds")) -> None:
    """Draw one chart for a region (pyramid, fan, icons, dependency, care, map, ba-map)."""
    from .charts import KINDS
    from .charts.render import write
    from .story.charts_for import chart_for

    if kind not in KINDS:
        raise FramtidError(f"Unknown chart kind {kind!r}; choose one of {', '.join(KINDS)}")
    if out_path.suffix not in (".svg", ".png", ".json"):
        raise FramtidError("--out must end in .svg, .png or .json")
    _writable_file(out_path, "--out")
    ctx = _context()
    reg = ctx.regions.resolve(region)
    with err.status("Drawing…"):
        c = chart_for(ctx, reg.code, kind, lang, indicator=indicator, year=year)
        write(c, out_path)
    err.print(f"Wrote {out_path}")


# --- report, deck, data files, static site (framtid.export) ----------------------------------
from .export.cli import register as _register_export  # noqa: E402

_register_export(app, _context, err)


# --- main job ---------------------------------------------------------------------------------
@app.command()
def run(kommune: str = typer.Option("3403", help="Kommune for the summary"),
        serve_app: bool = typer.Option(True, "--serve/--no-serve", help="Start the web app after"),
        host: str = typer.Option("127.0.0.1"),
        port: int = typer.Option(8000, min=1, max=65535)) -> None:
    """Set up the store if empty (snapshot or SSB), print a short summary, serve the web app."""
    from .pipeline import ensure_store

    if serve_app:
        _check_port(host, port)
    ensure_store(state.db, _progress)
    ctx = _context()
    for code in ("NO", kommune):
        reg = ctx.regions.resolve(code)
        y = ctx.last_year
        now = ctx.regions.population(reg.code, y).sum()
        then = ctx.regions.population(reg.code, y - 10).sum()
        out.print(f"[bold]{reg.official_name}[/bold]: {now:,.0f} inhabitants 1 January {y} "
                  f"({(now / then - 1) * 100:+.1f} % since {y - 10}). Kilde: Statistisk sentralbyrå")
    if serve_app:
        from .web.app import serve as start

        out.print(f"Framtidsbilder: http://{host}:{port}/  (Ctrl+C stops)")
        start(host, port, state.db)


def main() -> None:
    """Exit codes: 0 done, 2 bad input or environment (one line on stderr, no traceback),
    1 interrupted; anything else is a bug and keeps its traceback."""
    import click
    from typer import exceptions as typer_exc

    # typer ≥ 0.20 vendors click: its usage errors derive from typer's TyperException, not from
    # click.ClickException, so both families are handled here.
    usage_errors = (typer_exc.TyperException, click.exceptions.ClickException)
    try:
        app(standalone_mode=False)
    except FramtidError as exc:
        _fail(str(exc))
    except SystemExit:
        raise
    except usage_errors as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":   # `framtid` alone: the help text
            exc.show()
            sys.exit(2)
        text = "; ".join(ln.strip() for ln in exc.format_message().splitlines() if ln.strip())
        _fail(text or type(exc).__name__, getattr(exc, "exit_code", 2) or 2)
    except (typer_exc.Abort, click.exceptions.Abort, KeyboardInterrupt):
        err.print("Aborted.")
        sys.exit(1)
    except (typer_exc.Exit, click.exceptions.Exit) as exc:
        sys.exit(exc.exit_code)
    except OSError as exc:     # the environment: a file or folder we cannot use
        where = f" {exc.filename}" if exc.filename else ""
        _fail(f"{exc.strerror or exc}:{where}" if where else str(exc))
    sys.exit(0)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]Error:[/red] {message}", highlight=False, markup=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
