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

out = Console(soft_wrap=True)
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


# --- data -------------------------------------------------------------------------------------
@data_app.command("import")
def data_import(folder: Path = typer.Argument(..., help="Snapshot folder (layout of shared/data)"),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Load a snapshot folder; the old store stays until the new one is complete."""
    from .pipeline import import_snapshot

    with err.status("Importing snapshot…"):
        st = import_snapshot(folder, state.db, _progress)
    _status_out(st, as_json)


@data_app.command("update")
def data_update(as_json: bool = typer.Option(False, "--json"),
                base_url: Optional[str] = typer.Option(None, help="PxWebApi v2 base URL"),
                klass_url: Optional[str] = typer.Option(None, help="KLASS base URL")) -> None:
    """Fetch population and SSB's projections from SSB live; swap in atomically."""
    from .pipeline import update_from_ssb

    st = update_from_ssb(state.db, base_url=base_url, klass_url=klass_url, progress=_progress)
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
        raise FramtidError(f"No region matches {text!r}")
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
    out.print(f"[bold]{reg.official_name}[/bold] ({reg.level} {reg.code}), 1 January {year}: "
              f"{res['total']:,} (women {res['by_sex']['female']:,}, men {res['by_sex']['male']:,})")


# --- main job ---------------------------------------------------------------------------------
@app.command()
def run(kommune: str = typer.Option("3403", help="Kommune for the summary")) -> None:
    """Set up the store if empty (snapshot or SSB), then print a short summary."""
    from .pipeline import ensure_store

    ensure_store(state.db, _progress)
    ctx = _context()
    for code in ("NO", kommune):
        reg = ctx.regions.resolve(code)
        y = ctx.last_year
        now = ctx.regions.population(reg.code, y).sum()
        then = ctx.regions.population(reg.code, y - 10).sum()
        out.print(f"[bold]{reg.official_name}[/bold]: {now:,.0f} inhabitants 1 January {y} "
                  f"({(now / then - 1) * 100:+.1f} % since {y - 10}). Kilde: Statistisk sentralbyrå")


def main() -> None:
    try:
        app(standalone_mode=False)
    except FramtidError as exc:
        err.print(f"[red]Error:[/red] {exc}")
        sys.exit(2)
    except SystemExit:
        raise
    except Exception as exc:  # click's usage errors come through here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise
    sys.exit(0)


if __name__ == "__main__":
    main()
