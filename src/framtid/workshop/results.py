"""What a workshop produced: the room's 2040 beside the baseline and SSB, the CSV export
and the printable (HTML/PDF) summary."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from . import texts
from .http import public_base, workshops
from .service import (
    NotFound,
    normalise_code,
)

log = logging.getLogger("framtid.workshop")
STATIC = Path(__file__).parent / "static"
PICTURE_YEAR = 2040
PICTURE_INDICATORS = ("population", "aldersbaereevne_67", "share_67_plus",
                      "care_share_of_workforce", "care_workers_needed", "employed",
                      "children_6_15")


# --- the room's 2040 -----------------------------------------------------------------------------
def picture(request: Request, region: str, scenario: dict, lang: str) -> dict | None:
    """Indicators in 2040 without and with the room's levers, and SSB's figure (main
    alternative) for the population; None while the projection engine is unavailable."""
    from ..web.render import simulate_url

    svc = request.app.state.services
    if not svc.has_projection:
        return None
    defaults = {m["name"]: float(m["default"]) for m in svc.levers()}
    levers = {k: float(v) for k, v in scenario.items()   # only what the room moved
              if v is not None and abs(float(v) - defaults.get(k, 0.0)) > 1e-9}
    base = svc.projection(region)
    room = svc.projection(region, levers=levers)
    years = base["years"]
    if PICTURE_YEAR not in years:
        return None
    i = years.index(PICTURE_YEAR)
    rows = []
    for name in PICTURE_INDICATORS:
        b, r = base["indicators"][name][i], room["indicators"][name][i]
        rows.append({"indicator": name, "baseline": b, "room": r, "today": base[
            "indicators"][name][0]})
    official = None
    block = base.get("official") or {}
    main = (block.get("alternatives") or {}).get("MMMM")
    if main and PICTURE_YEAR in main.get("years", []):
        official = {"round": block.get("round"),
                    "population": main["total"][main["years"].index(PICTURE_YEAR)]}
    return {"year": PICTURE_YEAR, "base_year": years[0], "levers": levers, "rows": rows,
            "official": official, "simulate_url": simulate_url(lang, region, levers)}


def csv_response(request: Request, code: str, key: str | None) -> Response:
    ws = workshops(request)
    lang = ws.info(code)["lang"]
    body = ws.export_csv(code, key, lambda q: texts.question_text(q, lang))
    return Response("\ufeff" + body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="workshop-{normalise_code(code)}.csv"',
        "Cache-Control": "no-store"})


def summary_response(request: Request, code: str, key: str | None, fmt: str,
                      lang: str | None = None) -> Response:
    ws = workshops(request)
    ws.authorise(code, key)
    info = ws.info(code)
    lang = lang or info["lang"]
    res = ws.results(code, top=0)
    reg = request.app.state.services.region(info["region"])
    html = request.app.state.workshop_templates.get_template("ws_summary.html").render(
        _summary_context(request, info, res, reg, lang, ws.moderation_log(code, key)))
    if fmt == "pdf":
        try:
            import weasyprint  # optional: another part of framtid may add it
        except ImportError:
            raise NotFound("error.no_pdf") from None
        pdf = weasyprint.HTML(string=html, base_url=str(STATIC)).write_pdf()
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="workshop-{info["code"]}.pdf"',
            "Cache-Control": "no-store"})
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def has_pdf() -> bool:
    try:
        import weasyprint  # noqa: F401
    except Exception:
        return False
    return True


def _summary_context(request, info, res, reg, lang, modlog) -> dict:
    from ..web.render import simulate_url

    svc = request.app.state.services
    pic = picture(request, info["region"], res["scenario"], lang)
    return {"lang": lang, "info": info, "res": res, "reg": reg, "picture": pic,
            "questions": info["questions"], "modlog": modlog,
            "sim_url": public_base(request) + simulate_url(lang, info["region"],
                                                           res["scenario"]),
            "data_date": svc.store_date(), "css": (STATIC / "summary.css").read_text(),
            "t": lambda k, **kw: texts.t(k, lang, **kw),
            "qtext": lambda q: texts.question_text(q, lang),
            "step_title": lambda s: texts.step_title(s, lang), "fmt": _formatter(lang)}


def _formatter(lang: str):
    from ..web import i18n

    class F:
        @staticmethod
        def num(x):
            return i18n.fmt_int(x, lang)

        @staticmethod
        def dec(x, d=1):
            return i18n.fmt_dec(x, lang, d)

        @staticmethod
        def ind(x, name):
            from ..web.services import INDICATOR_KIND

            return i18n.fmt_value(x, INDICATOR_KIND.get(name, "number"), lang)
    return F
