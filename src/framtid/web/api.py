"""The JSON API (OpenAPI at /openapi.json, docs at /api/docs).

Contracts: GET /api/regions/search?q=TEXT → [{"code","name","level","url"}];
GET /api/regions/{code}/projection?scenario=main&LEVER=VALUE… → the JSON of
`framtid project … --json`. An unknown region is 404; a lever outside its range is 422 naming the
lever and its range; no input gives a 5xx.
"""



from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..errors import FramtidError, UnknownRegion
from ..regions import MAX_QUERY
from . import i18n
from . import views as V
from .services import (
    INDICATOR_KIND,
    MAP_INDICATORS,
    STORY_YEAR,
    TO_YEAR,
    LeverError,
    Services,
    clean,
    region_str,
)

Lang = Literal["nb", "nn", "en"]
Level = Literal["land", "fylke", "ba", "kommune"]
RESERVED = {"scenario", "to_year", "lang", "paths"}
# A region code or name; longer than MAX_QUERY characters is 422 at once (no search is run).
Code = Annotated[str, PathParam(max_length=MAX_QUERY, description=(
    "Region code: NO, a fylke (34), a BA-region (BA005) or a kommune (3403)"),
    examples=["3403"])]


# --- response models (documentation and schema checks) ---------------------------------------
class RegionHit(BaseModel):
    code: str = Field(examples=["5501"])
    name: str = Field(examples=["Tromsø"])
    level: Level
    url: str = Field(description="The region's page", examples=["/region/5501"])


class RegionOut(BaseModel):
    code: str
    name: str
    official_name: str
    level: Level
    fylke: str | None
    ba: str | None
    parent: str | None
    language: Lang = Field(description="The language its page opens in (språkvedtak)")
    url: str
    kommuner: list[str]


class Detail(BaseModel):
    loc: list[str | int]
    msg: str
    type: str
    ctx: dict[str, Any] | None = None


class ValidationProblem(BaseModel):
    detail: list[Detail]


class NotFound(BaseModel):
    detail: str


class Health(BaseModel):
    status: Literal["ok"]
    regions: int
    population_years: list[int]
    projection: bool


class LeverOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    unit: str
    default: float
    min: float
    max: float
    description: str
    label: str
    kind: str | None = None


class IndicatorOut(BaseModel):
    name: str
    kind: str
    label: str


class ProjectionOut(BaseModel):
    """`framtid project … --json`; lists run over `years`."""
    model_config = ConfigDict(extra="allow")
    region: Any
    scenario: dict[str, Any]
    base_year: int
    years: list[int]
    total: list[float | None]
    age_groups: dict[str, list[float | None]]
    by_age: dict[str, Any]
    indicators: dict[str, list[float | None]]
    quantiles: dict[str, Any] | None = None


class HistoryOut(BaseModel):
    region: str
    years: list[int]
    indicators: dict[str, list[float | None]]


class WhatItTakesOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    indicator: str
    lever: str
    target_year: int
    today_value: float | None
    value: float | None
    reachable: bool
    best_value: float | None
    text: str


class ChartOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    title: str
    alt: str
    spec: dict[str, Any]
    table: dict[str, Any]
    source: str


class SimRow(BaseModel):
    indicator: str
    label: str
    today: float | None
    baseline: float | None
    scenario: float | None
    today_text: str
    baseline_text: str
    scenario_text: str
    diff_text: str


class SimulationOut(BaseModel):
    region: dict[str, Any]
    year: int
    base_year: int
    levers: dict[str, float]
    scenario: str = "main"
    url: str
    rows: list[SimRow]
    charts: list[ChartOut]
    summary: str


E404 = {404: {"model": NotFound, "description": "Unknown region"}}
E422 = {422: {"model": ValidationProblem, "description": "Invalid input: the field and its "
                                                         "valid range"}}
E503 = {503: {"model": NotFound, "description": "Busy: too many heavy computations at once; "
              "retry after the seconds in the Retry-After header"}}


def _problem(errors: list[LeverError]) -> JSONResponse:
    return JSONResponse({"detail": [e.as_detail() for e in errors]}, status_code=422)


def _framtid_problem(exc: FramtidError, field: str = "query") -> JSONResponse:
    return JSONResponse({"detail": [{"loc": ["query", field], "msg": str(exc),
                                     "type": "value_error"}]}, status_code=422)


def _not_found(code: str, svc: Services) -> JSONResponse:
    sugg = [f"{r.code} {r.name}" for r in svc.search(code, 3)] if code.strip() else []
    hint = f" Did you mean {', '.join(sugg)}?" if sugg else ""
    return JSONResponse({"detail": f"Unknown region {code[:40]!r}.{hint}"}, status_code=404)


def _what_it_takes_422(svc: Services) -> dict:
    """Which indicator × lever combinations «what it takes» refuses (422), from the same tables
    the solver checks, so the schema and the answers cannot drift apart."""
    from ..consequences.service import NOT_POLICY_LEVERS

    limited = {n: sorted(r) for n, r in svc.lever_reach().items() if r is not None}
    text = ("Invalid input, or a combination without an answer: "
            + ", ".join(f"`{n}`" for n in sorted(NOT_POLICY_LEVERS))
            + " is an assumption, not a choice (always 422); a consequence lever answers only "
              "for the indicators it can move (`x-lever-reach`), any other indicator is 422: "
            + "; ".join(f"`{n}` → {', '.join(r)}" for n, r in limited.items())
            + ". Population levers answer for every indicator.")
    return {422: {"model": ValidationProblem, "description": text}}


def _lever_params(svc: Services) -> list[dict]:
    out = []
    for m in svc.levers():
        out.append({
            "name": m["name"], "in": "query", "required": False,
            "description": f"{m.get('description', '')} ({m['unit']}; default {m['default']:g})",
            "schema": {"type": "number", "minimum": float(m["min"]), "maximum": float(m["max"]),
                       "default": float(m["default"])},
        })
    return out


def _lever_query(request: Request, svc: Services) -> tuple[dict[str, float], list[LeverError]]:
    q = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    return svc.parse_levers(q)


# Answered by the URL cap in front of every route (web/app.py), so every operation can give it.
E414 = {414: {"model": NotFound, "description": "Request target longer than 8 KB"}}


def build_router(svc: Services) -> APIRouter:
    router = APIRouter(responses=E414)
    lever_params = _lever_params(svc)
    scenarios = svc.scenarios()
    Scenario = Literal[tuple(scenarios)]  # type: ignore[valid-type]

    @router.get("/healthz", response_model=Health, tags=["meta"])
    def healthz(request: Request):
        """200 when the store is open and the app can answer."""
        years = svc.history("NO")["years"]
        return {"status": "ok", "regions": len(svc.ctx.regions.all()),
                "population_years": [years[0], years[-1]], "projection": svc.has_projection}

    @router.get("/api/regions/search", response_model=list[RegionHit], tags=["regions"])
    def search(q: Annotated[str, Query(max_length=200, description=(
                   "Name or code; forgives case, missing æ/ø/å and small typos"))] = "",
               limit: Annotated[int, Query(ge=1, le=50)] = 10,
               lang: Annotated[Lang | None, Query(description=(
                   "Language of the page URLs; default: the region's own"))] = None):
        hits = svc.search(q, limit)
        return [{"code": r.code, "name": r.name, "level": r.level,
                 "url": f"/{lang}/region/{r.code}" if lang else f"/region/{r.code}"}
                for r in hits]

    @router.get("/api/regions", response_model=list[RegionHit], tags=["regions"])
    def regions(level: Level | None = None, lang: Lang | None = None):
        return [{"code": r.code, "name": r.name, "level": r.level,
                 "url": f"/{lang}/region/{r.code}" if lang else f"/region/{r.code}"}
                for r in svc.ctx.regions.all(level)]

    @router.get("/api/regions/{code}", response_model=RegionOut, responses=E404,
                tags=["regions"])
    def region(code: Code):
        try:
            reg = svc.region(code)
        except UnknownRegion:
            return _not_found(code, svc)
        return {"code": reg.code, "name": reg.name, "official_name": reg.official_name,
                "level": reg.level, "fylke": region_str(reg.fylke), "ba": region_str(reg.ba),
                "parent": region_str(reg.parent), "language": svc.default_lang(reg.code),
                "url": f"/region/{reg.code}", "kommuner": svc.ctx.regions.kommuner_in(reg.code)}

    @router.get("/api/regions/{code}/history", response_model=HistoryOut, responses=E404,
                tags=["regions"])
    def history(code: Code):
        """Registered population and indicators per year (1 January) from the store."""
        try:
            reg = svc.region(code)
        except UnknownRegion:
            return _not_found(code, svc)
        h = svc.history(reg.code)
        return clean({"region": reg.code, "years": h["years"], "indicators": h["indicators"]})

    @router.get("/api/levers", response_model=list[LeverOut], tags=["model"])
    def levers(lang: Lang = "en"):
        out = []
        for m in svc.levers():
            lv = V.lever_view(m, lang)
            out.append({**m, "label": lv["label"]})
        return clean(out)

    @router.get("/api/indicators", response_model=list[IndicatorOut], tags=["model"])
    def indicators(lang: Lang = "en"):
        return [{"name": k, "kind": v, "label": i18n.t(f"ind.{k}", lang)}
                for k, v in INDICATOR_KIND.items()]

    if not svc.has_projection:   # the engine is missing: the model routes do not exist
        _add_map(router, svc)
        return router

    @router.get("/api/regions/{code}/projection", response_model=None,
                responses={200: {"model": ProjectionOut}, **E404, **E422, **E503},
                openapi_extra={"parameters": lever_params}, tags=["model"])
    def projection(request: Request, code: Code, scenario: Scenario = "main",  # type: ignore
                   to_year: Annotated[int, Query(ge=2030, le=2075)] = TO_YEAR):
        """The projection of `framtid project CODE --json`: population by sex and age, totals,
        age groups and indicators per year; levers as query parameters (e.g.
        `?healthy_ageing=2`)."""
        try:
            reg = svc.region(code)
        except UnknownRegion:
            return _not_found(code, svc)
        lv, errors = _lever_query(request, svc)
        if errors:
            return _problem(errors)
        try:
            return JSONResponse(svc.projection(reg.code, scenario, lv, to_year))
        except UnknownRegion:
            return _not_found(code, svc)
        except FramtidError as exc:
            return _framtid_problem(exc)

    @router.get("/api/regions/{code}/simulation", response_model=None,
                responses={200: {"model": SimulationOut}, **E404, **E422, **E503},
                openapi_extra={"parameters": lever_params}, tags=["model"])
    def simulation(request: Request, code: Code, lang: Lang = "nb",
                   scenario: Scenario = "main"):  # type: ignore
        """What the simulation page shows for these lever values in the model variant
        `scenario`: baseline (main) and scenario in 2040 (numbers and text formatted for
        `lang`), charts, the URL to share."""
        try:
            reg = svc.region(code)
        except UnknownRegion:
            return _not_found(code, svc)
        lv, errors = _lever_query(request, svc)
        if errors:
            return _problem(errors)
        try:
            return JSONResponse(clean(V.simulation(svc, reg.code, lv, lang,
                                                   scenario=scenario)))
        except FramtidError as exc:
            return _framtid_problem(exc)

    if not svc.has_what_it_takes:
        return _story_routes(router, svc)

    lever_names = [m["name"] for m in svc.levers()] or ["none"]
    LeverName = Literal[tuple(lever_names)]  # type: ignore[valid-type]
    IndName = Literal[tuple(INDICATOR_KIND)]  # type: ignore[valid-type]

    @router.get("/api/regions/{code}/what-it-takes", response_model=WhatItTakesOut,
                responses={**E404, **_what_it_takes_422(svc), **E503}, tags=["model"],
                openapi_extra={"x-lever-reach": {n: sorted(r) for n, r in
                                                 svc.lever_reach().items() if r is not None}})
    def what_it_takes(code: Code, indicator: IndName, lever: LeverName,  # type: ignore
                      year: Annotated[int, Query(ge=2030, le=2050)] = STORY_YEAR,
                      scenario: Scenario = "main", lang: Lang = "nb"):  # type: ignore
        """«Dette må til»: the lever value that keeps an indicator at today's level in `year`."""
        try:
            reg = svc.region(code)
        except UnknownRegion:
            return _not_found(code, svc)
        try:
            res = svc.what_it_takes(reg.code, indicator, lever, year, scenario)
        except FramtidError as exc:
            return _framtid_problem(exc, "lever")
        return clean({**res, "text": V.what_it_takes_text(res, lang)})

    _add_map(router, svc)

    chart_kinds = [k for k in ("pyramid", "fan", "icons", "dependency", "care")]
    ChartKind = Literal[tuple(chart_kinds)]  # type: ignore[valid-type]

    @router.get("/api/regions/{code}/charts/{kind}", response_model=ChartOut,
                responses={**E404, **E422, **E503}, tags=["charts"])
    def region_chart(code: Code, kind: ChartKind, lang: Lang = "nb"):  # type: ignore
        """One chart of a region's main projection (framtid.charts): Vega-Lite spec, text
        alternative and data table. The kommune map is /api/map."""
        try:
            reg = svc.region(code)
        except UnknownRegion:
            return _not_found(code, svc)
        proj = svc.projection(reg.code, paths=V.STORY_PATHS)
        charts = V.region_charts(svc, reg, proj, lang, kinds=(kind,))
        if not charts:
            return JSONResponse({"detail": [{"loc": ["path", "kind"],
                                             "msg": f"no {kind} chart for {reg.code}",
                                             "type": "value_error"}]}, status_code=422)
        return clean(charts[0].as_dict())

    return _story_routes(router, svc)


def _story_routes(router: APIRouter, svc: Services) -> APIRouter:
    if not svc.has_story:
        return router

    @router.get("/api/regions/{code}/story", response_model=None,
                responses={**E404, **E503}, tags=["charts"])
    def story(code: Code, lang: Lang = "nb"):
        """The generated story (beats with text, measured actions and chart specs)."""
        try:
            reg = svc.region(code)
        except UnknownRegion:
            return _not_found(code, svc)
        try:
            return JSONResponse(clean(svc.story(reg.code, lang)))
        except FramtidError as exc:
            return _framtid_problem(exc)

    return router


def _add_map(router: APIRouter, svc: Services) -> None:
    @router.get("/api/map", response_model=ChartOut, responses=E503, tags=["charts"])
    def map_chart(request: Request, indicator: Literal[MAP_INDICATORS] = "share_67_plus",  # type: ignore
                  year: Annotated[int | None, Query(ge=2005, le=2050)] = None,
                  lang: Lang = "nb"):
        """The kommune map coloured by an indicator: Vega-Lite spec, text alternative, table."""
        # Any year: registered years come from the store, later ones from the projection.
        yr = year if year is not None else svc.ctx.last_year
        topo = f"/assets/kommuner-{request.app.state.assets.map_version}.topo.json"
        return clean(V.map_view(svc, indicator, yr, lang, topo).as_dict())

