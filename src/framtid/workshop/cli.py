"""`framtid workshop …`: create, export, delete and purge workshops from the command line (the
same service the web routes call). A workshop made here is run at the web app's address."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(no_args_is_help=True,
                  help="Framtidsverksted: dialogue meetings on a region's future.")


def _db_path(ctx: typer.Context) -> Path:
    """The root command's --db, from the command's context (`python -m framtid.cli` runs the
    CLI as __main__, so framtid.cli's module state is not the one that was set)."""
    from .. import config

    db = ctx.find_root().params.get("db")
    return Path(db) if db else config.default_db_path()


def _service(ctx: typer.Context):
    from .db import Database, default_url
    from .service import WorkshopService

    return WorkshopService(Database(default_url(_db_path(ctx))))


def _fail(exc) -> None:
    from ..errors import FramtidError
    from .texts import t

    raise FramtidError(t(exc.key, "en", **exc.fmt)) from None


@app.command("create")
def create(tctx: typer.Context, region: str,
           lang: Optional[str] = typer.Option(None, help="nb | nn | en (default: the region's)"),
           days: int = typer.Option(30, help="Days until the workshop and all its answers are "
                                             "deleted"),
           base_url: str = typer.Option("http://127.0.0.1:8000", help="Where `framtid serve` "
                                        "answers (for the links and the QR code)"),
           qr: Optional[Path] = typer.Option(None, help="Write the join QR code to FILE.svg"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Create a workshop for REGION: prints the join code, the join link and the secret
    facilitator link (shown once; only a hash of the key is stored)."""
    from ..cli import err
    from ..consequences.service import all_levers
    from ..context import Context
    from ..errors import FramtidError
    from ..story.render import StoryTeller
    from .db import Database, default_url
    from .qr import svg
    from .service import WorkshopError, WorkshopService
    from .texts import LANGS, t

    if lang is not None and lang not in LANGS:
        raise FramtidError(f"Unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    ctx = Context(_db_path(tctx))
    reg = ctx.regions.resolve(region)
    if lang is None:
        from ..web.services import region_str

        decision = region_str(ctx.regions.attributes(reg.code).get("language_decision"))
        lang = "nn" if decision == "nynorsk" else "nb"
    with err.status("Telling the region's story (the questions come from its beats)…"):
        _, beats = StoryTeller(ctx, charts=False).beats(reg.code)
    population = float(ctx.regions.population(reg.code, ctx.last_year).sum())
    ws = WorkshopService(Database(default_url(ctx.db_path)), lever_meta=all_levers())
    try:
        code, key = ws.create(reg.code, lang, [b.id for b in beats], population, days)
    except WorkshopError as exc:
        _fail(exc)
    base = base_url.rstrip("/")
    out = {"code": code, "facilitator_key": key, "join_url": f"{base}/w/{code}",
           "facilitator_url": f"{base}/{lang}/w/{code}/host#key={key}", "region": reg.code,
           "lang": lang, "expires_in_days": days}
    if qr is not None:
        qr.write_text(svg(out["join_url"], t("join.qr_alt", lang, code=code)), encoding="utf-8")
        out["qr_file"] = str(qr)
    if as_json:
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(
        f"Workshop for {reg.official_name}: code {code}\n"
        f"Participants join at {out['join_url']}\n"
        f"Facilitator link (secret, shown once): {out['facilitator_url']}\n"
        + (f"QR code written to {qr}\n" if qr else ""))


@app.command("export")
def export(tctx: typer.Context, code: str, key: str = typer.Option(..., "--key", envvar="FRAMTID_FACILITATOR_KEY",
                                               help="The facilitator key"),
           out: Optional[Path] = typer.Option(None, "--out", help="CSV file (default: stdout)")
           ) -> None:
    """All results of a workshop as CSV (counts and medians only; no participant appears)."""
    from .service import WorkshopError
    from .texts import question_text

    ws = _service(tctx)
    try:
        lang = ws.info(code)["lang"]
        text = ws.export_csv(code, key, lambda q: question_text(q, lang))
    except WorkshopError as exc:
        _fail(exc)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


@app.command("delete")
def delete(tctx: typer.Context, code: str, key: str = typer.Option(..., "--key", envvar="FRAMTID_FACILITATOR_KEY",
                                               help="The facilitator key")) -> None:
    """Delete a workshop now, with every answer, idea and vote."""
    from .service import WorkshopError

    try:
        _service(tctx).delete(code, key)
    except WorkshopError as exc:
        _fail(exc)
    sys.stdout.write(f"Deleted workshop {code.upper()}\n")


@app.command("purge")
def purge(tctx: typer.Context) -> None:
    """Delete every expired workshop (the server also does this at start and on create)."""
    n = _service(tctx).purge_expired()
    sys.stdout.write(f"Deleted {n} expired workshop(s)\n")
