"""Thin web routes for exports, mounted by the web app (`install(app)`, one line in web/app.py):

    GET /export/{lang}/{region}.{pdf|pptx|csv|xlsx}?scenario=…&name=…&LEVER=VALUE…
    GET /export/{lang}/{region}/chart/{chart}.{png|svg}?…      chart: a framtid.charts kind,
        «population» (the region page's line) or «scenario-INDICATOR» (the simulator's lines)
    GET /export/{lang}/{region}/compare/{indicator}.{png|svg}?s=QUERY&s=QUERY
        several named scenarios on one chart (each `s` one scenario's URL-encoded query)
    GET /export/{lang}/compare/regions.{csv|xlsx}?r=CODE&r=CODE   the compare page's regions
    GET /export/{lang}/compare/{chart}.{png|svg}?r=CODE&r=CODE    its charts (COMPARE_CHARTS)
    GET /embed/{lang}/{region}/{chart}?…                        a minimal page for an iframe
    GET /export/static/export.js                                keeps links in step (simulator)
    GET /export/static/embed.js                                 puts the site's address in the
        embed code (the page carries only the path, unless FRAMTID_PUBLIC_URL is set)

Only /embed/ may be framed by other sites (CSP `frame-ancestors *`); every other page keeps the
app's `frame-ancestors 'self'`. Bad input answers 404 (unknown language, region, format, chart)
or 422 (scenario or lever), with a message naming the valid choices.

`install` also gives the page templates four functions (used with one line each in
region.html, simulate.html and _macros.html): export_downloads(), export_chart_links(ch),
export_name_field(), export_print_block().
"""

from __future__ import annotations

import html
import itertools
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup

from ..errors import FramtidError, UnknownRegion
from ..i18n import LANGS
from .scenario import Scenario
from .text import t

HERE = Path(__file__).parent
DOC_FORMATS = {"pdf": "application/pdf",
               "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
               "csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
EMBED_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
             "frame-ancestors *; base-uri 'none'; form-action 'none'")
SIM_CHARTS = ("population", "aldersbaereevne_67", "care_share_of_workforce")
SIM_VARIANTS = ("main", "low", "high")     # the simulator's choice of model variant
SCRIPTS = ("export.js", "embed.js")
COMPARE_CHARTS = ("population-index", "aldersbaereevne_67")   # web.views.compare_view's order
COMPARE_DATA = "regions"
_uid = itertools.count(1)


def public_url() -> str:
    """The site's public address from FRAMTID_PUBLIC_URL (e.g. https://framtid.example.no),
    without a trailing slash; "" when not set."""
    import os

    return os.environ.get("FRAMTID_PUBLIC_URL", "").strip().rstrip("/")


def chart_names() -> tuple[str, ...]:
    from ..charts import KINDS

    return (*KINDS, "population", *(f"scenario-{i}" for i in SIM_CHARTS))


class _Cache:
    """Small LRU of generated files, emptied when the store is swapped."""

    def __init__(self, size: int = 24):
        self.size, self.data, self.lock, self.version = size, OrderedDict(), threading.Lock(), None

    def get(self, version, key):
        with self.lock:
            if version != self.version:
                self.data.clear()
                self.version = version
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        return None

    def put(self, key, value):
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


_cache = _Cache()


def _problem(status: int, msg: str) -> JSONResponse:
    return JSONResponse({"detail": msg}, status_code=status)


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise _Bad(404, f"Unknown language {lang!r}; choose one of {', '.join(LANGS)}.")
    return lang


class _Bad(Exception):
    def __init__(self, status: int, msg: str):
        self.status, self.msg = status, msg


def _scenario(request: Request, ignore: tuple[str, ...] = ("lang",)) -> Scenario:
    try:
        return Scenario.from_query(list(request.query_params.multi_items()), ignore=ignore)
    except FramtidError as exc:
        raise _Bad(422, str(exc)) from None


MAP_PARAMS = ("lang", "indicator", "year")


def _map_params(request: Request) -> dict:
    """`indicator` and `year` of a map chart (?indicator=share_67_plus&year=2040)."""
    q = request.query_params
    out: dict = {}
    if "indicator" in q:
        out["indicator"] = q["indicator"]
    if "year" in q:
        try:
            out["year"] = int(q["year"])
        except ValueError:
            raise _Bad(422, f"year takes a whole year, got {q['year'][:20]!r}") from None
    return out


def _region(ctx, code: str):
    try:
        return ctx.regions.resolve(code)
    except UnknownRegion as exc:
        raise _Bad(404, str(exc)) from None


def _filename(reg, lang: str, sc: Scenario, ext: str, extra: str = "") -> str:
    from .scenario import Scenario as S

    base = S(name=reg.name).slug() or reg.code.lower()
    parts = [base, reg.code.lower(), "2040", lang] + ([extra] if extra else []) + (
        [sc.slug()] if sc.slug() else [])
    return "-".join(parts) + "." + ext


def _attachment(data: bytes, media: str, filename: str) -> Response:
    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"{filename}\"; "
                               f"filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store"})


def build_document(ctx, code: str | list[str], lang: str, fmt: str, sc: Scenario) -> bytes:
    """A region's PDF, PPTX, CSV or XLSX (several regions' CSV or XLSX for a list of codes)."""
    key = (code if isinstance(code, str) else tuple(code), lang, fmt, sc.variant,
           tuple(sc.levers.items()), sc.name)
    hit = _cache.get(ctx.store.version(), key)
    if hit is not None:
        return hit
    if fmt == "pdf":
        from .report import report

        data = report(ctx, code, lang, sc)
    elif fmt == "pptx":
        from .deck import deck

        data = deck(ctx, code, lang, sc)
    else:
        from .data import data_bytes

        data = data_bytes(ctx, code, fmt, sc, lang=lang)
    return _cache.put(key, data)


def chart_spec(request: Request, reg, chart: str, lang: str, sc: Scenario,
               map_params: dict | None = None) -> tuple[dict, str, str]:
    """(decorated spec, alt text, title) of one chart of a page."""
    from .charts import decorate, region_chart

    ctx = request.app.state.ctx
    date = ctx.store.meta().get("imported_at", "")[:10]
    if chart == "population" or chart.startswith("scenario-"):
        from ..web import views as V

        svc = request.app.state.services
        name = V.rname(reg, lang)
        if chart == "population":
            proj = sc.project(ctx, reg.code) if not sc.is_default else svc.projection(reg.code)
            ch = V.population_chart(svc, reg.code, name, lang, _clean(proj))
        else:
            ind = chart.removeprefix("scenario-")
            base = svc.projection(reg.code)
            scen = _clean(sc.project(ctx, reg.code))
            ch = V.scenario_chart(ind, base, scen, name, lang, svc.history(reg.code),
                                  yours=V.yours_label(sc.variant, lang))
        spec = decorate(ch.spec, lang, sc, title=ch.title, projection_date=date)
        return spec, ch.alt, ch.title
    c = region_chart(ctx, reg.code, chart, lang, sc, **(map_params or {}))
    spec = decorate(c.spec, lang, None if chart in ("map", "ba-map") else sc,
                    projection_date=date)
    return spec, c.alt, c.title


def _clean(proj: dict) -> dict:
    from ..web.services import clean

    return clean(proj)


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates" / "web"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def _render(template: str, lang: str, **kw) -> Markup:
    page = _env().get_template(template)
    return Markup(page.render(t=lambda key, **k: t(key, lang, **k), lang=lang, **kw))


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/export/static/{name}")
    def export_js(name: str):
        if name not in SCRIPTS:
            return _problem(404, f"Unknown file {name[:40]!r}; choose one of "
                                 f"{', '.join(SCRIPTS)}.")
        return FileResponse(HERE / "static" / name, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/export/{lang}/compare/{filename}")
    def compare_regions_file(request: Request, lang: str, filename: str):
        """The compare page's downloads: its regions' numbers (CSV/XLSX, main scenario) and
        its charts (PNG/SVG); ?r=CODE&r=CODE… as on the page (two to four regions)."""
        try:
            _lang(lang)
            what, _, fmt = filename.rpartition(".")
            names = (COMPARE_DATA, *COMPARE_CHARTS)
            if what not in names:
                raise _Bad(404, f"Unknown download {what!r}; choose one of {', '.join(names)}.")
            kinds = ("csv", "xlsx") if what == COMPARE_DATA else tuple(IMAGE_TYPES)
            if fmt not in kinds:
                raise _Bad(404, f"Unknown format {fmt!r}; choose one of {', '.join(kinds)}.")
            ctx = request.app.state.ctx
            raw = request.query_params.getlist("r")
            if not 2 <= len(raw) <= 4:
                raise _Bad(422, "r: give two to four regions (?r=CODE&r=CODE), as on the "
                                "compare page.")
            regs = [_region(ctx, code) for code in raw]
            if len({r.code for r in regs}) < len(regs):
                raise _Bad(422, "r: each region once.")
            stem = "-".join(r.code.lower() for r in regs) + f"-{lang}"
            if what == COMPARE_DATA:
                data = build_document(ctx, [r.code for r in regs], lang, fmt, Scenario())
                return _attachment(data, DOC_FORMATS[fmt], f"framtid-compare-{stem}.{fmt}")
            from ..web import views as V
            from .charts import decorate, image

            view = V.compare_view(request.app.state.services, regs, lang)
            i = COMPARE_CHARTS.index(what)
            if i >= len(view["charts"]):
                raise _Bad(404, f"No chart {what!r} without a projection in the store.")
            ch = view["charts"][i]
            date = ctx.store.meta().get("imported_at", "")[:10]
            spec = decorate(ch.spec, lang, Scenario(), title=ch.title, projection_date=date)
            data = image(spec, fmt, 2)
        except _Bad as exc:
            return _problem(exc.status, exc.msg)
        except FramtidError as exc:
            return _problem(422, str(exc))
        return _attachment(data, IMAGE_TYPES[fmt], f"framtid-compare-{what}-{stem}.{fmt}")

    @router.get("/export/{lang}/{region}/compare/{filename}")
    def compare_file(request: Request, lang: str, region: str, filename: str):
        """Several scenarios on one chart: ?s=QUERY&s=QUERY… (each a scenario's own query,
        URL-encoded, e.g. s=name%3DA%26young_adults%3D25), one line each beside the main one."""
        from urllib.parse import parse_qsl

        from .charts import image, scenarios_chart

        try:
            _lang(lang)
            indicator, _, fmt = filename.rpartition(".")
            if fmt not in IMAGE_TYPES:
                raise _Bad(404, f"Unknown image format {fmt!r}; choose one of "
                                f"{', '.join(IMAGE_TYPES)}.")
            ctx = request.app.state.ctx
            reg = _region(ctx, region)
            try:
                scs = [Scenario.from_query(parse_qsl(q)) for q in
                       request.query_params.getlist("s")]
            except FramtidError as exc:
                raise _Bad(422, str(exc)) from None
            try:
                spec = scenarios_chart(ctx, reg.code, lang, scs or [Scenario()], indicator)
            except FramtidError as exc:
                raise _Bad(404 if "indicator" in str(exc) else 422, str(exc)) from None
            data = image(spec, fmt, 2)
        except _Bad as exc:
            return _problem(exc.status, exc.msg)
        return _attachment(data, IMAGE_TYPES[fmt],
                           _filename(reg, lang, Scenario(), fmt, f"scenarios-{indicator}"))

    @router.get("/export/{lang}/{region}/chart/{filename}")
    def chart_file(request: Request, lang: str, region: str, filename: str):
        try:
            _lang(lang)
            chart, _, fmt = filename.rpartition(".")
            if fmt not in IMAGE_TYPES:
                raise _Bad(404, f"Unknown image format {fmt!r}; choose one of "
                                f"{', '.join(IMAGE_TYPES)}.")
            if chart not in chart_names():
                raise _Bad(404, f"Unknown chart {chart!r}; choose one of "
                                f"{', '.join(chart_names())}.")
            ctx = request.app.state.ctx
            reg = _region(ctx, region)
            sc = _scenario(request, MAP_PARAMS)
            from .charts import image

            spec, _, _ = chart_spec(request, reg, chart, lang, sc, _map_params(request))
            data = image(spec, fmt, 2)
        except _Bad as exc:
            return _problem(exc.status, exc.msg)
        except FramtidError as exc:
            return _problem(422, str(exc))
        return _attachment(data, IMAGE_TYPES[fmt], _filename(reg, lang, sc, fmt, chart))

    @router.get("/export/{lang}/{filename}")
    def document(request: Request, lang: str, filename: str):
        try:
            _lang(lang)
            region, _, fmt = filename.rpartition(".")
            if fmt not in DOC_FORMATS:
                raise _Bad(404, f"Unknown format {fmt!r}; choose one of "
                                f"{', '.join(DOC_FORMATS)}.")
            ctx = request.app.state.ctx
            reg = _region(ctx, region)
            sc = _scenario(request)
            data = build_document(ctx, reg.code, lang, fmt, sc)
        except _Bad as exc:
            return _problem(exc.status, exc.msg)
        except FramtidError as exc:
            return _problem(422, str(exc))
        return _attachment(data, DOC_FORMATS[fmt], _filename(reg, lang, sc, fmt))

    @router.get("/embed/{lang}/{region}/{chart}", response_class=HTMLResponse)
    def embed(request: Request, lang: str, region: str, chart: str):
        try:
            _lang(lang)
            if chart not in chart_names():
                raise _Bad(404, f"Unknown chart {chart!r}; choose one of "
                                f"{', '.join(chart_names())}.")
            ctx = request.app.state.ctx
            reg = _region(ctx, region)
            sc = _scenario(request, MAP_PARAMS)
            spec, alt, title = chart_spec(request, reg, chart, lang, sc, _map_params(request))
            from ..i18n import fmt_date
            from .charts import svg_of
            from ..i18n import t as core_t

            svg = svg_of(spec)
        except _Bad as exc:
            return HTMLResponse(f"<!doctype html><title>{exc.status}</title><p>"
                                f"{html.escape(exc.msg)}</p>", status_code=exc.status,
                                headers={"Content-Security-Policy": EMBED_CSP})
        except FramtidError as exc:
            return HTMLResponse(f"<!doctype html><title>422</title><p>{html.escape(str(exc))}"
                                "</p>", status_code=422,
                                headers={"Content-Security-Policy": EMBED_CSP})
        back = (public_url() or str(request.base_url).rstrip("/")) + (
            f"/{lang}/region/{reg.code}" if sc.is_default and not sc.name else
            f"/{lang}/region/{reg.code}/simulate?{sc.query()}")
        imported = str(ctx.store.meta().get("imported_at", ""))[:10]
        made = core_t("source.projection", lang, date=fmt_date(imported, lang) if imported else "")
        page = _render("embed.html", lang, title=title or reg.name, alt=alt, svg=Markup(svg),
                       credit=f"{core_t('source.attribution', lang)} · {made}",
                       scenario_line="" if sc.is_default and not sc.name else sc.sentence(lang),
                       back=back, link_text=t("chart.embed_link", lang))
        return HTMLResponse(page, headers={"Content-Security-Policy": EMBED_CSP,
                                           "Cache-Control": "public, max-age=600"})

    return router


# --- the page templates' functions ----------------------------------------------------------
def _page_scenario(c) -> Scenario:
    request = c.get("request")
    if request is None:
        return Scenario()
    try:
        return Scenario.from_query(list(request.query_params.multi_items()),
                                   ignore=("solve", "lang"))
    except FramtidError:
        return Scenario()


def _page_query(sc: Scenario) -> str:
    q = sc.query()
    return f"?{q}" if q else ""


def _compare_query(c) -> str:
    """?r=CODE&r=CODE… of the compare page's regions."""
    from urllib.parse import urlencode

    view = c.get("view") or {}
    return "?" + urlencode([("r", r.code) for r in view.get("regions", [])])


@pass_context
def export_downloads(c) -> Markup:
    reg, lang = c.get("reg"), c.get("lang", "nb")
    if c.get("page") == "compare":      # the compared regions' numbers in one file
        view = c.get("view")
        if not view:
            return Markup("")
        from ..web import views as V

        names = ", ".join(V.rname(r, lang) for r in view["regions"])
        return _render("downloads.html", lang, base=f"/export/{lang}/compare/{COMPARE_DATA}",
                       query=_compare_query(c), name=names,
                       scenario_title=Scenario().title(lang), dynamic=False, compare="",
                       formats=("csv", "xlsx"))
    if reg is None or not c.get("has_projection", True) or c.get("unavailable"):
        return Markup("")
    from ..web import views as V

    sc = _page_scenario(c)
    compare = ""
    if c.get("page") == "simulate" and not sc.is_default:
        from urllib.parse import urlencode

        compare = (f"/export/{lang}/{reg.code}/compare/population.png?"
                   + urlencode({"s": sc.query()}))
    return _render("downloads.html", lang, base=f"/export/{lang}/{reg.code}",
                   query=_page_query(sc), name=V.rname(reg, lang),
                   scenario_title=sc.title(lang), dynamic=c.get("page") == "simulate",
                   compare=compare, formats=("pdf", "pptx", "csv", "xlsx"))


@pass_context
def export_chart_links(c, ch) -> Markup:
    reg, lang, page = c.get("reg"), c.get("lang", "nb"), c.get("page")
    extra = ""
    get = (lambda k: ch.get(k)) if isinstance(ch, dict) else (lambda k: getattr(ch, k, None))
    kind, slot = get("kind"), get("slot")
    if page == "compare":           # the compare page's charts: PNG and SVG, no embed
        view = c.get("view") or {}
        i = next((i for i, x in enumerate(view.get("charts", [])) if x is ch), None)
        if i is None or i >= len(COMPARE_CHARTS):
            return Markup("")
        return _render("chart_links.html", lang,
                       base=f"/export/{lang}/compare/{COMPARE_CHARTS[i]}",
                       query=_compare_query(c), embed="", embed_path="", uid=next(_uid))
    if page == "home":              # Norway's page: the population line and the map
        from urllib.parse import urlencode

        from ..consequences.indicators import INDICATORS

        reg = c["request"].app.state.ctx.regions.get("NO")
        if kind == "map":
            ind, year = c.get("map_indicator"), c.get("map_year")
            if ind not in INDICATORS or not year:
                return Markup("")
            extra = urlencode({"indicator": ind, "year": year})
        elif kind != "line":
            return Markup("")
    if reg is None or page not in ("region", "simulate", "home"):
        return Markup("")
    from ..charts import KINDS

    if page == "simulate" and slot:
        chart = f"scenario-{slot}"
    elif kind in KINDS:
        chart = kind
    elif kind == "line" and page in ("region", "home"):
        chart = "population"
    else:
        return Markup("")
    sc = _page_scenario(c) if page != "home" else Scenario()
    q = _page_query(sc) or (f"?{extra}" if extra else "")
    # The page may be kept in the page cache and served to every Host: the code never names the
    # request's own origin. FRAMTID_PUBLIC_URL, where set, is the address; otherwise the path,
    # which embed.js completes with the browser's location.origin (no JS: a note says how).
    path = f"/embed/{lang}/{reg.code}/{chart}{q}"
    public = public_url()
    embed = (f'<iframe src="{html.escape(public + path)}" '
             f'title="{html.escape(get("title") or reg.name)}" '
             f'width="680" height="520" style="border:0;max-width:100%" loading="lazy"></iframe>')
    return _render("chart_links.html", lang, base=f"/export/{lang}/{reg.code}/chart/{chart}",
                   query=q, embed=embed, embed_path="" if public else html.escape(path),
                   uid=next(_uid))


@pass_context
def export_name_field(c) -> Markup:
    sc = _page_scenario(c)
    return _render("name_field.html", c.get("lang", "nb"), value=sc.name, variant=sc.variant,
                   variants=SIM_VARIANTS + ((sc.variant,) if sc.variant not in SIM_VARIANTS
                                            else ()))


@pass_context
def export_print_block(c) -> Markup:
    lang = c.get("lang", "nb")
    sc = _page_scenario(c)
    request = c.get("request")
    return _render("print_block.html", lang, scenario_title=sc.title(lang), lines=sc.lines(lang),
                   url=str(request.url) if request is not None else "")


def install(app: FastAPI) -> None:
    """Mount the routes and give the page templates their export functions."""
    app.include_router(build_router())
    templates = getattr(app.state, "templates", None)
    if templates is not None:
        templates.env.globals.update(export_downloads=export_downloads,
                                     export_chart_links=export_chart_links,
                                     export_name_field=export_name_field,
                                     export_print_block=export_print_block)
