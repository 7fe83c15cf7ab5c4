"""HTML pages. Every page is complete without JavaScript; scripts only enhance it.

URL scheme (language first, then what): /{lang}/, /{lang}/region/{code},
/{lang}/region/{code}/simulate?LEVER=VALUE…, /{lang}/compare?r=CODE&r=CODE…, /{lang}/method,
/{lang}/search?q=TEXT. /region/{code} (no language) redirects to the region's own language
(a kommune's språkvedtak: nynorsk → nn, otherwise nb). / is the national page in bokmål.
"""

from __future__ import annotations

import gzip
import logging
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..errors import FramtidError, UnknownRegion
from ..regions import too_long
from . import i18n
from . import views as V
from .charts import from_story
from .services import MAP_INDICATORS, STORY_YEAR, Busy, LeverError, Services, region_str

log = logging.getLogger("framtid.web")
router = APIRouter(include_in_schema=False)


def _svc(request: Request) -> Services:
    return request.app.state.services


def _lang_or_404(lang: str) -> str:
    if lang not in i18n.LANGS:
        raise _NotFound()
    return lang


class _NotFound(Exception):
    pass


def render(request: Request, name: str, lang: str, page: str, title: str, status: int = 200,
           **ctx) -> HTMLResponse:
    svc = _svc(request)
    from .. import i18n as core

    raw_date = svc.store_date()
    try:
        data_date = core.fmt_date(raw_date, lang) if raw_date else ""
    except ValueError:
        data_date = raw_date
    base = {"lang": lang, "page": page, "title": title, "data_date": data_date,
            "has_projection": svc.has_projection, "q": ctx.pop("q", "")}
    return request.app.state.templates.TemplateResponse(request, name, {**base, **ctx},
                                                        status_code=status)


def lang_from_path(request: Request) -> str:
    parts = request.url.path.split("/")
    return parts[1] if len(parts) > 1 and parts[1] in i18n.LANGS else i18n.DEFAULT_LANG


def error_page(request: Request, status: int, lang: str | None = None, *,
               message: str | None = None, suggestions=None, q: str = "") -> Response:
    parts = request.url.path.split("/")
    if status == 404 and len(parts) > 1 and parts[1] != parts[1].lower() \
            and parts[1].lower() in i18n.LANGS:     # /NB/region/3403 → /nb/region/3403
        parts[1] = parts[1].lower()
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse("/".join(parts) + query, status_code=308)
    lang = lang or lang_from_path(request)
    key = {404: "error.404", 422: "error.422", 503: "error.503"}.get(status, "error.500")
    return render(request, "error.html", lang, "error", i18n.t(key + "_title", lang),
                  status=status, status_code=status, message=message or i18n.t(key + "_text",
                                                                               lang),
                  suggestions=suggestions or [], q=q)


def _not_found_region(request: Request, lang: str, code: str) -> Response:
    """An old code or name goes to today's region (one) or lists them (split); else a friendly
    404 with suggestions."""
    from .lookup import successors

    svc = _svc(request)
    new = successors(svc.ctx, code) if code and not too_long(code) else []
    if len(new) == 1:
        from urllib.parse import quote

        return RedirectResponse(f"/{lang}/region/{new[0].code}?fra={quote(code[:40])}",
                                status_code=308)
    if new:
        return render(request, "error.html", lang, "error",
                      i18n.t("lookup.split_title", lang, old=code[:40]),
                      message=i18n.t("lookup.split_text", lang, old=code[:40]),
                      suggestions=new, q="")
    sugg = svc.search(code, 5) if code and not too_long(code) else []
    return error_page(request, 404, lang, message=i18n.t("error.region_text", lang,
                                                              code=code[:40]),
                      suggestions=sugg, q=code[:40])


# --- the national page ---------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def root(request: Request, indicator: str | None = None, year: str | None = None):
    return _home(request, i18n.DEFAULT_LANG, indicator, year)


@router.get("/{lang}", response_class=HTMLResponse)
@router.get("/{lang}/", response_class=HTMLResponse)
def home(request: Request, lang: str, indicator: str | None = None, year: str | None = None):
    if lang not in i18n.LANGS:
        return error_page(request, 404)
    return _home(request, lang, indicator, year)


def map_years(svc: Services) -> list[int]:
    last = svc.ctx.last_year
    return [last, 2030, STORY_YEAR, 2050] if svc.has_projection else [last]


def _home(request: Request, lang: str, indicator: str | None, year: str | None):
    svc = _svc(request)
    years = map_years(svc)
    ind = indicator if indicator in MAP_INDICATORS else "share_67_plus"
    try:
        yr = int(year) if year else (STORY_YEAR if svc.has_projection else years[0])
    except ValueError:
        yr = years[0]
    if yr not in years:
        yr = years[0]
    return cached(request, f"/{lang}/?{ind}&{yr}",
                  lambda: (_home_html(request, lang, ind, yr, years), True))


def _home_html(request: Request, lang: str, ind: str, yr: int, years: list[int]):
    svc = _svc(request)
    proj = svc.projection("NO") if svc.has_projection else None
    keys = V.key_numbers(svc, "NO", lang, proj)
    topo = f"/assets/kommuner-{request.app.state.assets.map_version}.topo.json"
    chart = V.map_view(svc, ind, yr, lang, topo)
    fylker = [(r, svc.history(r.code)["indicators"]["population"][-1])
              for r in svc.ctx.regions.all("fylke")]
    pop_chart = V.population_chart(svc, "NO", i18n.t("region.norway", lang), lang, proj)
    return render(request, "home.html", lang, "home", i18n.t("home.title", lang), keys=keys,
                  map=chart, map_indicators=MAP_INDICATORS, map_indicator=ind, map_year=yr,
                  map_years=years, fylker=fylker, pop_chart=pop_chart,
                  today_year=svc.ctx.last_year, year=STORY_YEAR, sid="home")


# --- search ---------------------------------------------------------------------------------
@router.get("/{lang}/search", response_class=HTMLResponse)
def search_page(request: Request, lang: str, q: str = ""):
    if lang not in i18n.LANGS:
        return error_page(request, 404)
    svc = _svc(request)
    q = q.strip()[:100]
    hits = svc.search(q, 20) if q else []
    if q:
        from .lookup import resolve, successors

        try:
            target = svc.ctx.regions.resolve(q)   # a code or an exact name (kommune first)
        except FramtidError:
            target = resolve(svc.ctx, q) or (hits[0] if len(hits) == 1 else None)
        if target is None:
            new = successors(svc.ctx, q)
            if len(new) == 1:
                from urllib.parse import quote

                return RedirectResponse(f"/{lang}/region/{new[0].code}?fra={quote(q)}",
                                        status_code=303)
        if target is not None:
            return RedirectResponse(f"/{lang}/region/{target.code}", status_code=303)
    return render(request, "search.html", lang, "search", i18n.t("search.results_title", lang),
                  q=q, hits=hits, sid="page")


# --- regions --------------------------------------------------------------------------------
@router.get("/region/{code}")
def region_default_lang(request: Request, code: str):
    svc = _svc(request)
    try:
        reg = svc.region(code)
    except UnknownRegion:
        return _not_found_region(request, i18n.DEFAULT_LANG, code)
    return RedirectResponse(f"/{svc.default_lang(reg.code)}/region/{reg.code}", status_code=307)


@router.get("/{lang}/region/{code}", response_class=HTMLResponse)
def region_page(request: Request, lang: str, code: str):
    if lang not in i18n.LANGS:
        return error_page(request, 404)
    svc = _svc(request)
    try:
        reg = svc.region(code)
    except UnknownRegion:
        return _not_found_region(request, lang, code)
    if reg.code != code:
        return RedirectResponse(f"/{lang}/region/{reg.code}", status_code=308)
    page = cached(request, f"/{lang}/region/{reg.code}",
                  lambda: (_region_html(request, lang, reg), True))
    old = request.query_params.get("fra", "")
    if old and not too_long(old):   # came from an old code or name: say so in one line
        from markupsafe import escape

        from .lookup import successors

        if any(r.code == reg.code for r in successors(svc.ctx, old)):
            note = i18n.t("lookup.moved", lang, old=escape(old[:40]),
                          name=escape(V.display_name(reg, lang)), code=reg.code)
            page = HTMLResponse(page.body.replace(
                b"<!--region-note-->", f'<p class="notice" role="status">{note}</p>'.encode()))
    return page


def cached(request: Request, key: str, build, cache=None) -> HTMLResponse:
    """A page from the page cache (web/pagecache.py; `cache`: another one, e.g. the compare
    pages' memory cache) under the store version read now; `build` returns (HTMLResponse,
    keep) and runs once for all concurrent requests of the same key."""
    version = _svc(request).ctx.store.version()

    def body():
        resp, keep = build()
        return resp.body, keep and resp.status_code == 200

    gz = (cache or request.app.state.pages).get_gz(key, version, body)
    if accepts_gzip(request):       # kept gzipped: sent as it is (GZipMiddleware lets it pass)
        return Response(gz, media_type="text/html; charset=utf-8",
                        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return HTMLResponse(gzip.decompress(gz))


def accepts_gzip(request: Request) -> bool:
    """Whether the request's Accept-Encoding allows gzip (and does not refuse it with q=0)."""
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.replace(" ", "").removeprefix("q=")
            try:
                return float(q) > 0 if q else True
            except ValueError:
                return True
    return False


def _region_html(request: Request, lang: str, reg) -> HTMLResponse:
    svc = _svc(request)
    proj = svc.projection(reg.code, paths=V.STORY_PATHS) if svc.has_projection else None
    keys = V.key_numbers(svc, reg.code, lang, proj)
    story, story_error = None, None
    if svc.has_story:
        try:
            story = svc.story(reg.code, lang)
            seen: set[str] = set()
            for beat in story["beats"]:
                kind = beat.get("chart_kind", "story")
                if beat.get("chart") and kind not in seen:   # each chart once per page
                    seen.add(kind)
                    beat["figure"] = from_story({"spec": beat["chart"], "alt": beat.get("alt"),
                                                 "table": beat.get("table"), "title": "",
                                                 "note": beat.get("note")}, lang, kind)
                    beat["figure"].table["caption"] = beat["headline"]
        except FramtidError as exc:  # model messages are English: other languages get ours
            story_error = str(exc) if lang == "en" else i18n.t("error.500_text", lang)
        except Busy:      # too many heavy computations: 503 with Retry-After, not a story-less page
            raise
        except Exception:  # a story that fails must not take the page down
            log.exception("story failed for %s", reg.code)
            story = None
    charts = V.region_charts(svc, reg, proj, lang) if (proj is not None and story is None) else []
    members = V.members_table(svc, reg, lang)
    attrs = svc.attributes(reg.code)
    native = svc.default_lang(reg.code) if reg.level == "kommune" else None
    return render(request, "region.html", lang, "region", V.display_name(reg, lang), reg=reg,
                  display_name=V.display_name(reg, lang), level=V.level_label(reg.level, lang),
                  parents=svc.parents(reg), keys=keys, story=story, story_error=story_error,
                  pop_chart=V.population_chart(svc, reg.code, V.rname(reg, lang), lang, proj),
                  members=members, attrs=attrs, native_lang=native, charts=charts,
                  language_decision=region_str(attrs.get("language_decision")),
                  today_year=svc.ctx.last_year, year=STORY_YEAR)


@router.get("/{lang}/region/{code}/simulate", response_class=HTMLResponse)
def simulate_page(request: Request, lang: str, code: str):
    if lang not in i18n.LANGS:
        return error_page(request, 404)
    svc = _svc(request)
    try:
        reg = svc.region(code)
    except UnknownRegion:
        return _not_found_region(request, lang, code)
    if not svc.has_projection:
        return render(request, "simulate.html", lang, "simulate",
                      i18n.t("sim.title", lang, name=V.rname(reg, lang)), reg=reg,
                      unavailable=True,
                      display_name=V.display_name(reg, lang))
    if not request.query_params:            # the untouched simulator: one page per region
        def build():
            page = _simulate_html(request, lang, reg)
            return page, not getattr(page, "degraded", False)

        return cached(request, f"/{lang}/region/{reg.code}/simulate", build)
    return _simulate_html(request, lang, reg)


def _simulate_html(request: Request, lang: str, reg):
    svc = _svc(request)
    params = dict(request.query_params)
    solve = params.pop("solve", None)
    scenario_name = params.pop("name", None)   # the scenario's name travels to the exports
    variant = params.pop("scenario", "main") or "main"   # the model variant: main, low, high
    levers, errors = svc.parse_levers(params)
    if variant not in svc.scenarios():
        errors.append(LeverError("scenario", "error.scenario_unknown", variant[:40]))
        variant = "main"
    wit_message, wit_error = None, None
    if solve and not errors and svc.has_what_it_takes:
        ind, _, lever = solve.partition(":")
        try:
            res = svc.what_it_takes(reg.code, ind, lever, STORY_YEAR, variant)
            wit_message = V.what_it_takes_text(res, lang)
            value = res["value"] if res["reachable"] else res["best_value"]
            if value is not None and not res.get("already_met"):
                levers[lever] = float(value)
        except FramtidError as exc:
            wit_error = str(exc) if lang == "en" else i18n.t("error.422_text", lang)
    status = 422 if errors else 200
    sim_error = None
    try:
        sim = V.simulation(svc, reg.code, levers, lang, compute_band=reg.level == "kommune",
                           scenario=variant)
    except FramtidError as exc:
        sim_error = str(exc) if lang == "en" else i18n.t("error.422_text", lang)
        sim = V.simulation(svc, reg.code, {}, lang)
        status = 422
    share_url = sim["url"] + (("&" if "?" in sim["url"] else "?")
                              + urlencode({"name": scenario_name}) if scenario_name else "")
    if request.query_params:
        # A page for one lever combination is not kept, so its pictures for browsers without
        # JavaScript are not drawn inline (≈ 80 ms each, and every browser with JavaScript
        # replaces them): <noscript> points at the chart's own image, which only such a browser
        # loads.
        query = urlsplit(share_url).query
        for ch in sim["charts"]:
            ch["static_url"] = (f"/export/{lang}/{reg.code}/chart/scenario-{ch['slot']}.svg"
                                + (f"?{query}" if query else ""))
    meta = svc.levers()
    population = svc.history(reg.code)["indicators"]["population"][-1]
    lever_views = [V.lever_view(m, lang, levers.get(m["name"]), population) for m in meta]
    groups = [(kind, [lv for lv in lever_views if lv["kind"] == kind])
              for kind in dict.fromkeys(lv["kind"] for lv in lever_views)]
    page = render(request, "simulate.html", lang, "simulate",
                  i18n.t("sim.title", lang, name=V.rname(reg, lang)), status=status, reg=reg,
                  display_name=V.display_name(reg, lang), unavailable=False, sim=sim,
                  lever_groups=groups, errors=[V.lever_error_text(e, lang) for e in errors],
                  error_fields=[e.field for e in errors], sim_error=sim_error,
                  targets=V.targets(svc, lang) if svc.has_what_it_takes else [],
                  wit_message=wit_message, wit_error=wit_error,
                  solve=solve, year=STORY_YEAR, share_url=share_url)
    page.degraded = bool(sim.get("degraded"))     # busy: no band; not kept in the page cache
    return page


# --- compare --------------------------------------------------------------------------------
@router.get("/{lang}/compare", response_class=HTMLResponse)
def compare_page(request: Request, lang: str):
    if lang not in i18n.LANGS:
        return error_page(request, 404)
    svc = _svc(request)
    raw = request.query_params.getlist("r")[:4]
    regs, fields = V.resolve_inputs(svc, raw)
    status = 422 if any(f["error"] for f in fields) else 200

    def build():
        view = V.compare_view(svc, regs, lang) if len(regs) >= 2 else None
        if view is not None:        # pictures for browsers without JavaScript: see ChartPayload
            from ..export.routes import COMPARE_CHARTS

            query = urlencode([("r", r.code) for r in view["regions"]])
            for name, ch in zip(COMPARE_CHARTS, view["charts"]):
                ch.static_url = f"/export/{lang}/compare/{name}.svg?{query}"
        return render(request, "compare.html", lang, "compare", i18n.t("compare.title", lang),
                      status=status, fields=fields, view=view, asked=bool(raw),
                      year=STORY_YEAR, switch_query=None if status != 200 else urlencode(
                          [("r", f["region"].code if f["region"] else "") for f in fields
                           ][:len(raw)]))

    if status != 200:
        return build()
    # One page per normalised combination («hamar» and «3403» are one region; the order and
    # the empty fields stay as asked), language and store version, in a bounded memory cache.
    key = f"/{lang}/compare?" + ",".join(f["region"].code if f["region"] else "" for f in fields)
    return cached(request, key + f"&asked={int(bool(raw))}", lambda: (build(), True),
                  cache=request.app.state.compare_pages)


# --- method ---------------------------------------------------------------------------------
@router.get("/{lang}/method", response_class=HTMLResponse)
def method_page(request: Request, lang: str):
    if lang not in i18n.LANGS:
        return error_page(request, 404)
    svc = _svc(request)
    cache_dir = request.app.state.assets.cache_dir

    def build():   # never waits: until both are done (import, or start) the page says so
        backtest = svc.backtest(cache_dir)
        trackrecord = svc.trackrecord(cache_dir)
        done = backtest is not None and trackrecord is not None
        return _method_html(request, lang, backtest, trackrecord), done

    return cached(request, f"/{lang}/method", build)


def _method_html(request: Request, lang: str, backtest, trackrecord):
    svc = _svc(request)
    from ..consequences.parameters import DEFAULTS

    return render(request, "method.html", lang, "method", i18n.t("method.title", lang),
                  provenance=svc.provenance(), params=list(DEFAULTS.values()),
                  backtest=V.backtest_table(backtest, lang),
                  trackrecord=V.trackrecord_view(trackrecord, lang),
                  levers=[V.lever_view(m, lang) for m in svc.levers()],
                  meta=svc.ctx.store.meta())


# --- assets ---------------------------------------------------------------------------------
@router.get("/assets/{name}")
def asset(request: Request, name: str):
    assets = request.app.state.assets
    if name == assets.vega_name:
        return Response(assets.vega_path().read_bytes(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})
    version = request.app.state.ctx.store.version()
    if name == f"kommuner-{assets.map_version_of(version)}.topo.json":
        return Response(assets.kommune_map(version), media_type="application/json",
                        headers={"Cache-Control": "public, max-age=86400"})
    return error_page(request, 404)


# --- the API's own documentation (no CDN: rendered here from the OpenAPI schema) ------------
@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    from .apidocs import operations

    def build():
        schema = request.app.openapi()
        return render(request, "api_docs.html", "en", "api", "framtid API", schema=schema,
                      ops=operations(schema)), True

    return cached(request, "/api/docs", build)
