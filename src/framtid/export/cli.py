"""`framtid report`, `framtid export` and `framtid site`: registered on the main Typer app by
framtid.cli (one line there). Inputs are checked before any work starts (exit code 2 naming the
valid choices); outputs are written aside and renamed, so a failure leaves no partial file."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import typer

from ..errors import FramtidError

REPORT_FORMATS = ("pdf", "pptx")


def _scenario(scenario: str, lever: list[str] | None, name: str | None):
    from .scenario import Scenario

    return Scenario.from_pairs(scenario, lever, name)


def _langs(text: str) -> list[str]:
    from ..i18n import check_lang

    return [check_lang(x.strip()) for x in text.split(",") if x.strip()]


def register(app: typer.Typer, context: Callable, err) -> None:
    @app.command()
    def report(region: str,
               fmt: str = typer.Option("pdf", "--format", help="pdf | pptx"),
               lang: str = typer.Option("nb", help="nb | nn | en"),
               scenario: str = typer.Option("main", help="Model variant: main | low | high"),
               lever: Optional[list[str]] = typer.Option(None, "--lever",
                                                         help="NAME=VALUE, repeatable"),
               name: Optional[str] = typer.Option(None, "--name",
                                                  help="Scenario name, e.g. «Formannskapets "
                                                       "alternativ»"),
               out: Path = typer.Option(..., "--out", help="FILE.pdf or FILE.pptx")) -> None:
        """The region's report (PDF, A4) or slide deck (PowerPoint) in a scenario."""
        from ..i18n import check_lang
        from .files import check_target

        if fmt not in REPORT_FORMATS:
            raise FramtidError(f"Unknown format {fmt!r}; choose one of "
                               f"{', '.join(REPORT_FORMATS)}.")
        check_lang(lang)
        sc = _scenario(scenario, lever, name)
        check_target(out)
        ctx = context()
        reg = ctx.regions.resolve(region)
        with err.status(f"Writing the {fmt.upper()} for {reg.name}…"):
            if fmt == "pdf":
                from .report import report as make
            else:
                from .deck import deck as make
            make(ctx, reg.code, lang, sc, out)
        err.print(f"Wrote {out}")

    @app.command("export")
    def export_data(region: str = typer.Argument(..., help="Region code or name, or «all»"),
                    fmt: str = typer.Option("csv", "--format", help="csv | xlsx"),
                    out: Path = typer.Option(..., "--out", help="FILE.csv or FILE.xlsx"),
                    scenario: str = typer.Option("main", help="main | low | high"),
                    lever: Optional[list[str]] = typer.Option(None, "--lever",
                                                              help="NAME=VALUE, repeatable"),
                    name: Optional[str] = typer.Option(None, "--name", help="Scenario name"),
                    paths: Optional[int] = typer.Option(None, help="Simulated futures for the "
                                                                   "quantiles (one region)"),
                    lang: str = typer.Option("nb", help="Workbook language tag")) -> None:
        """The numbers as data: projection by year, sex and age, age groups, indicators,
        quantiles, SSB's figure and metadata (CSV or XLSX)."""
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeRemainingColumn)

        from ..i18n import check_lang
        from .data import check_format, export
        from .files import check_target

        check_format(fmt)
        check_lang(lang)
        sc = _scenario(scenario, lever, name)
        check_target(out)
        ctx = context()
        if region.strip().lower() != "all":
            ctx.regions.resolve(region)
        elif paths:
            raise FramtidError("--paths works with one region, not «all».")
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeRemainingColumn(), console=err,
                      transient=True) as bar:
            task = bar.add_task("Projecting", total=None)

            def progress(i: int, n: int) -> None:
                bar.update(task, completed=i, total=n)

            export(ctx, region, fmt, out, sc, paths, lang, progress)
        err.print(f"Wrote {out}")

    @app.command()
    def site(out: Path = typer.Option(..., "--out", help="Output folder (created)"),
             lang: str = typer.Option("nb,nn,en", "--lang", help="Languages, comma-separated"),
             regions: Optional[str] = typer.Option(None, "--regions",
                                                   help="CODE,CODE,… (default: every region)"),
             documents: bool = typer.Option(False, "--documents/--no-documents",
                                            help="Also a PDF and a PPTX per region and "
                                                 "language (slow)"),
             images: bool = typer.Option(False, "--images/--no-images",
                                         help="Also PNG and SVG of every chart (slow)"),
             check: bool = typer.Option(True, "--check/--no-check",
                                        help="Check every internal link afterwards"),
             jobs: Optional[int] = typer.Option(None, "--jobs",
                                                help="Worker processes (default: one per "
                                                     "core)")) -> None:
        """The public site as static files: every region in every language, story pages,
        charts with their data tables, downloads."""
        from .site import build_site, link_check

        langs = _langs(lang)
        if not langs:
            raise FramtidError("--lang needs at least one of nb, nn, en.")
        if jobs is not None and jobs < 1:
            raise FramtidError("--jobs needs a whole number of at least 1.")
        ctx = context()
        codes = None
        if regions:
            codes = [ctx.regions.resolve(c.strip()).code for c in regions.split(",") if c.strip()]
        res = build_site(ctx, out, langs, codes, documents=documents, images=images,
                         console=err, jobs=jobs)
        err.print(f"Wrote {res['pages']} pages and {res['files']} files to {out} in "
                  f"{res['seconds']:.1f} s ({res['cpu_seconds']:.1f} s CPU, "
                  f"{res['jobs']} processes)")
        if check:
            broken = link_check(out)
            if broken:
                for src, href in broken[:20]:
                    err.print(f"[red]broken link[/red] {href} in {src}")
                raise FramtidError(f"{len(broken)} broken internal links in {out}")
            err.print("Link check: no broken internal link.")
