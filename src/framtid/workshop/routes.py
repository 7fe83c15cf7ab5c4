"""The workshop's JSON API (`/api/workshops/…`) and pages (`/{lang}/workshop`,
`/{lang}/w/{code}…`).

`mount(app, db_path)` is the only thing the web app calls: it opens the database (migrating it),
adds the routes, the static files and the error handler. Routes are thin: they check limits,
keys and forms, then call `WorkshopService`.

Security in one place:
- the facilitator key travels in the `X-Facilitator-Key` header (API), in a form body or an
  HttpOnly, SameSite=Strict cookie (pages); never in a URL the server sees (the link carries it
  after `#`), never in a participant's page, never logged; compared in constant time;
- page forms carry a CSRF token (double submit: a random cookie and a hidden field, compared in
  constant time); JSON calls from a browser must come from the same origin;
- per-client rate limits (`limits.py`), no IP address or other personal data stored;
- every user text is escaped by Jinja2 autoescape and by `textContent` in the scripts.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Header, Path as PathParam, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt
from starlette.concurrency import run_in_threadpool

from . import texts
from .db import Database, default_url, redact
from .limits import RateLimiter
from .qr import svg as qr_svg
from .service import (IDEA_MAX, SCENARIO_STEP, Forbidden, Invalid, NotFound,
                      WorkshopError, WorkshopService, normalise_code)

log = logging.getLogger("framtid.workshop")
HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
CSRF_COOKIE = "ws_csrf"
PICTURE_YEAR = 2040
PICTURE_INDICATORS = ("population", "aldersbaereevne_67", "share_67_plus",
                      "care_share_of_workforce", "care_workers_needed", "employed",
                      "children_6_15")
SSE_INTERVAL = float(os.environ.get("FRAMTID_WORKSHOP_SSE_INTERVAL", "1.0"))
SSE_MAX_SECONDS = 1800          # a stream ends after 30 min; EventSource reconnects by itself



class Problem(BaseModel):
    """A refusal: a sentence for people and a short code for programs."""
    detail: str
    code: str | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not valid JSON"},
    403: {"model": Problem, "description": "Wrong or missing facilitator key, or a cross-site "
                                           "request"},
    404: {"model": Problem, "description": "Unknown workshop, question, idea or participant"},
    409: {"model": Problem, "description": "The question is not open"},
    410: {"model": Problem, "description": "The workshop is closed or has expired"},
    429: {"model": Problem, "description": "Too many requests from this client; see Retry-After"},
}
api = APIRouter(prefix="/api/workshops", tags=["workshop"], responses=ERRORS)
# _HOT_PATH: joining and answering are one short transaction each (well under a millisecond on
# SQLite, a few round trips on PostgreSQL). They run on the event loop itself: a hop to the
# thread pool costs more than the work, and under CPU pressure threads fighting over the GIL
# turned milliseconds into seconds in the load test. Everything else uses the thread pool.
pages = APIRouter(include_in_schema=False)


# --- set-up --------------------------------------------------------------------------------------
def mount(app: FastAPI, db_path: Path | str | None = None, *, url: str | None = None) -> None:
    """Open the workshop database (migrations run here), add routes, static files, handler."""
    db = Database(url or default_url(db_path))
    svc = app.state.services
    ws = WorkshopService(db, lever_meta=svc.levers())
    try:
        ws.purge_expired()
        if db.dialect == "postgresql":
            db.warm()
    except Exception:  # pragma: no cover - a purge failure must not stop the server
        log.exception("purging expired workshops failed")
    app.state.workshop = ws
    app.state.workshop_limits = RateLimiter()
    app.state.workshop_hub = Hub(ws, svc)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)),
                                         FileSystemLoader(str(HERE.parent / "web" /
                                                              "templates"))])
    from ..web.render import install

    install(templates, app)
    _install_texts(templates, app)
    app.state.workshop_templates = templates
    app.mount("/ws-static", StaticFiles(directory=str(STATIC)), name="ws-static")
    app.include_router(api)
    app.include_router(pages)
    app.add_exception_handler(WorkshopError, _workshop_error)
    log.info("workshop database: %s", redact(db.url))


def _install_texts(templates: Jinja2Templates, app: FastAPI) -> None:
    from jinja2 import pass_context

    def _lang(c) -> str:
        return c.get("lang") or "nb"

    @pass_context
    def t(c, key: str, **kw) -> str:
        return texts.t(key, _lang(c), **kw)

    @pass_context
    def qtext(c, q: dict) -> str:
        return texts.question_text(q, _lang(c))

    @pass_context
    def step_title(c, step: str) -> str:
        return texts.step_title(step, _lang(c))

    import hashlib

    h = hashlib.sha1()
    for p in sorted(STATIC.rglob("*")):
        if p.is_file():
            h.update(p.read_bytes())
    version = h.hexdigest()[:10]

    @pass_context
    def has_t(c, key: str) -> bool:
        return texts.has(key, _lang(c))

    from ..web import i18n as web_i18n

    @pass_context
    def num(c, x) -> str:
        return web_i18n.fmt_int(x, _lang(c))

    @pass_context
    def dec(c, x, digits: int = 1) -> str:
        return web_i18n.fmt_dec(x, _lang(c), digits)

    templates.env.globals.update(t=t, has_t=has_t, num=num, dec=dec, qtext=qtext,
                                 step_title=step_title,
                                 ws_static=lambda p: f"/ws-static/{p}?v={version}",
                                 IDEA_MAX=IDEA_MAX)


def _svc(request: Request) -> WorkshopService:
    return request.app.state.workshop


def _limit(request: Request, kind: str, who: str | None = None) -> None:
    lim: RateLimiter = request.app.state.workshop_limits
    if who is None:
        who = lim.client_key(request.client.host if request.client else None)
    wait = lim.hit(kind, who)
    if wait:
        raise RateLimited(wait)


class RateLimited(WorkshopError):
    status = 429

    def __init__(self, wait: float):
        super().__init__("error.rate")
        self.wait = wait


def _same_origin(request: Request) -> None:
    """A browser's cross-site request carries a foreign Origin: refuse it (CSRF on the API).
    Only the host is compared (a TLS proxy in front may change the scheme); requests without
    an Origin (scripts, curl, the load test) pass."""
    from urllib.parse import urlsplit

    origin = request.headers.get("origin")
    if origin is None:
        return
    allowed = {request.headers.get("host", "")}
    public = os.environ.get("FRAMTID_PUBLIC_URL", "").strip()
    if public:
        allowed.add(urlsplit(public).netloc)
    if origin == "null" or urlsplit(origin).netloc not in allowed:
        raise Forbidden("error.origin")


def _lang_of(request: Request) -> str:
    parts = request.url.path.split("/")
    if len(parts) > 1 and parts[1] in texts.LANGS:
        return parts[1]
    q = request.query_params.get("lang")
    return q if q in texts.LANGS else "nb"


async def _workshop_error(request: Request, exc: WorkshopError):
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)) if exc.wait < 1e6 else 3600)
    if request.url.path.startswith("/api/"):
        msg = texts.t(exc.key, "en", **exc.fmt)
        if exc.status == 422:
            body: Any = {"detail": [{"loc": ["body", exc.field or "value"], "msg": msg,
                                     "type": exc.key}]}
        else:
            body = {"detail": msg, "code": exc.key.removeprefix("error.")}
        return JSONResponse(body, status_code=exc.status, headers=headers)
    lang = _lang_of(request)
    return _message_page(request, lang, exc.status, exc.key, headers=headers, **exc.fmt)


def _message_page(request: Request, lang: str, status: int, key: str, headers=None,
                  **fmt) -> HTMLResponse:
    title_key = {404: "page.not_found", 410: "page.gone", 403: "page.forbidden",
                 429: "page.rate", 409: "page.conflict"}.get(status, "page.error")
    return _render(request, "ws_message.html", lang, texts.t(title_key, lang), status=status,
                   message=texts.t(key, lang, **fmt), headers=headers)


def _render(request: Request, name: str, lang: str, title: str, status: int = 200,
            headers=None, **ctx) -> HTMLResponse:
    svc = request.app.state.services
    token = _csrf_token(request)
    base = {"lang": lang, "page": "workshop", "title": title, "data_date": svc.store_date(),
            "csrf": token, "has_projection": svc.has_projection, "q": ""}
    resp = request.app.state.workshop_templates.TemplateResponse(
        request, name, {**base, **ctx}, status_code=status, headers=headers)
    resp.headers["Cache-Control"] = "no-store"
    if request.cookies.get(CSRF_COOKIE) != token:
        resp.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return resp


def _csrf_token(request: Request) -> str:
    tok = request.cookies.get(CSRF_COOKIE, "")
    if len(tok) < 20 or len(tok) > 64:
        tok = getattr(request.state, "ws_csrf", None) or secrets.token_urlsafe(24)
        request.state.ws_csrf = tok
    return tok


MAX_FORM = 64 * 1024


async def _form(request: Request) -> dict[str, str]:
    """An url-encoded form (the only kind our pages send), read without python-multipart."""
    from urllib.parse import parse_qsl

    body = await request.body()
    if len(body) > MAX_FORM:
        raise Invalid("error.action", "form")
    ctype = request.headers.get("content-type", "")
    if body and not ctype.startswith("application/x-www-form-urlencoded"):
        raise Invalid("error.action", "form")
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def _int(form: dict, name: str) -> int:
    """A whole number from a form field, in the range a database id can hold."""
    try:
        v = int(str(form.get(name, "")).strip())
    except ValueError:
        raise Invalid("error.action", name) from None
    if not 0 <= v <= 2_147_483_647:
        raise Invalid("error.action", name)
    return v


def _check_csrf(request: Request, form) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrf", ""))
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise Forbidden("error.csrf")


def _host_cookie(code: str) -> str:
    return f"ws_h_{normalise_code(code)}"


def _part_cookie(code: str) -> str:
    return f"ws_p_{normalise_code(code)}"


def public_base(request: Request) -> str:
    env = os.environ.get("FRAMTID_PUBLIC_URL", "").strip().rstrip("/")
    return env or str(request.base_url).rstrip("/")


def _region_lang(request: Request, region: str) -> str:
    try:
        return request.app.state.services.default_lang(region)
    except Exception:
        return "nb"


def _population(request: Request, region: str) -> float | None:
    try:
        return float(request.app.state.services.history(region)["indicators"]["population"][-1])
    except Exception:
        return None


def _beats(request: Request, region: str, lang: str) -> list[dict]:
    svc = request.app.state.services
    if not svc.has_story:
        return []
    try:
        return svc.story(region, lang)["beats"]
    except Exception:
        log.exception("story failed for %s", region)
        return []


def _questions_out(info: dict, lang: str) -> list[dict]:
    return [{"id": q["id"], "kind": q["kind"], "text": texts.question_text(q, lang),
             "min": q["min"], "max": q["max"], "step": q["step"], "lever": q["lever"],
             "step_size": q["step_size"], "default": q["default"], "open": q["open"]}
            for q in info["questions"]]


def _find_region(svc, text: str):
    """A region by code, else by its exact name (kommune first), else None."""
    text = (text or "").strip()[:60]
    if not text:
        return None
    try:
        return svc.region(text)
    except Exception:
        pass
    try:
        return svc.ctx.regions.resolve(text)
    except Exception:
        return None


def create_workshop(request: Request, region_code: str, lang: str | None,
                    days: int | None) -> tuple[str, str, str]:
    svc = request.app.state.services
    reg = _find_region(svc, region_code)
    if reg is None:
        raise Invalid("error.region", "region", code=str(region_code)[:20])
    lang = lang if lang in texts.LANGS else _region_lang(request, reg.code)
    beats = [b["id"] for b in _beats(request, reg.code, lang)]
    code, key = _svc(request).create(reg.code, lang, beats, _population(request, reg.code),
                                     days)
    return code, key, lang


# --- JSON API ------------------------------------------------------------------------------------
class CreateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str = Field(min_length=1, max_length=40, description="Region code, e.g. 3403")
    lang: str | None = Field(None, description="nb | nn | en (default: the region's)")
    days: int | None = Field(None, ge=1, le=365, description="Days until it expires (30)")


class ParticipantBody(BaseModel):
    participant_id: str = Field(min_length=1, max_length=64)


class AnswerBody(ParticipantBody):
    value: StrictInt | StrictFloat


class IdeaBody(ParticipantBody):
    text: str = Field(max_length=4000)


class AdvanceBody(BaseModel):
    to: int | None = None


class QuestionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern="^(statement|lever)$")
    text: str | None = Field(None, max_length=2000)
    lever: str | None = None
    step: str | None = None


class QuestionEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=2000)
    open: bool | None = None
    step: str | None = None


class OrderBody(BaseModel):
    ids: list[int]


Key = Annotated[str | None, Header(alias="X-Facilitator-Key")]
Id = Annotated[int, PathParam(ge=1, le=2_147_483_647)]


@api.post("", status_code=201)
def api_create(request: Request, body: CreateBody):
    """Create a workshop for a region. The facilitator key is shown once: keep it."""
    _same_origin(request)
    _limit(request, "create")
    code, key, lang = create_workshop(request, body.region, body.lang, body.days)
    base = public_base(request)
    return {"code": code, "facilitator_key": key, "join_url": f"{base}/w/{code}",
            "facilitator_url": f"{base}/{lang}/w/{code}/host#key={key}",
            "qr_url": f"{base}/api/workshops/{code}/qr.svg"}


@api.get("/{code}")
def api_info(request: Request, code: str, lang: str | None = None):
    """The workshop as a participant sees it: region, state, current step and questions."""
    ws = _svc(request).info(code)
    lang = lang if lang in texts.LANGS else ws["lang"]
    return {"code": ws["code"], "region": ws["region"], "state": ws["state"],
            "step": ws["step"], "current": ws["current"], "steps": ws["steps"],
            "expires_at": ws["expires_at"], "questions": _questions_out(ws, lang)}


@api.post("/{code}/participants", status_code=201)
async def api_join(request: Request, code: str):
    """Join without an account: a random participant id, nothing else, is stored."""
    _same_origin(request)
    _limit(request, "join")
    pid = _svc(request).join(code)         # short: on the loop (see _HOT_PATH)
    return JSONResponse({"participant_id": pid}, status_code=201)


@api.put("/{code}/answers/{question_id}")
async def api_answer(request: Request, code: str, question_id: Id, body: AnswerBody):
    """Answer (or change the answer to) an open question; the last answer counts."""
    _same_origin(request)
    _limit(request, "post")
    _limit(request, "answer", body.participant_id)
    v = _svc(request).answer(code, question_id, body.participant_id, body.value)   # _HOT_PATH
    return JSONResponse({"question_id": question_id, "value": v})


@api.post("/{code}/ideas", status_code=201)
async def api_idea(request: Request, code: str, body: IdeaBody):
    """A short idea (1–280 characters) for the room."""
    _same_origin(request)
    _limit(request, "post")
    _limit(request, "idea", body.participant_id)
    idea = await run_in_threadpool(_svc(request).add_idea, code, body.participant_id, body.text)
    return JSONResponse(idea, status_code=201)


@api.post("/{code}/ideas/{idea_id}/votes")
async def api_vote(request: Request, code: str, idea_id: Id, body: ParticipantBody):
    """Upvote an idea (once per participant; again changes nothing)."""
    _same_origin(request)
    _limit(request, "post")
    _limit(request, "vote", body.participant_id)
    n = await run_in_threadpool(_svc(request).vote, code, idea_id, body.participant_id)
    return JSONResponse({"idea_id": idea_id, "votes": n})


@api.get("/{code}/results")
async def api_results(request: Request, code: str):
    """Participants, answer distributions, the room's scenario (medians) and the top ideas."""
    return JSONResponse(await run_in_threadpool(_svc(request).results, code))


@api.get("/{code}/picture")
def api_picture(request: Request, code: str, lang: str | None = None):
    """The room's 2040: its scenario beside the baseline and SSB's main alternative."""
    svc = _svc(request)
    info = svc.info(code)
    res = svc.results(code, top=1)
    return picture(request, info["region"], res["scenario"],
                   lang if lang in texts.LANGS else info["lang"])


@api.get("/{code}/qr.svg", response_class=Response,
         responses={200: {"content": {"image/svg+xml": {}}}})
def api_qr(request: Request, code: str):
    info = _svc(request).info(code)
    url = f"{public_base(request)}/w/{info['code']}"
    return Response(qr_svg(url, texts.t("join.qr_alt", info["lang"], code=info["code"])),
                    media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@api.get("/{code}/events", response_class=Response,
         responses={200: {"content": {"text/event-stream": {}}}})
async def api_events(request: Request, code: str):
    """Server-Sent Events: `results` whenever answers, ideas or the step change."""
    info = await run_in_threadpool(_svc(request).info, code)   # 404 / 410 before streaming
    hub: Hub = request.app.state.workshop_hub
    return _sse(request, hub, info["code"])


@api.post("/{code}/advance")
def api_advance(request: Request, code: str, key: Key = None,
                body: Annotated[AdvanceBody | None, Body()] = None):
    """Next step (or step `to`): questions of the step left close, the new step's open."""
    _same_origin(request)
    return _svc(request).advance(code, key, body.to if body else None)


@api.post("/{code}/close", status_code=204)
def api_close(request: Request, code: str, key: Key = None):
    """End the meeting: no more answers; results and export stay until expiry or deletion."""
    _same_origin(request)
    _svc(request).close(code, key)
    return Response(status_code=204)


@api.post("/{code}/reopen", status_code=204)
def api_reopen(request: Request, code: str, key: Key = None):
    _same_origin(request)
    _svc(request).reopen(code, key)
    return Response(status_code=204)


@api.delete("/{code}", status_code=204)
def api_delete(request: Request, code: str, key: Key = None):
    """Delete the workshop now, with every answer, idea and vote."""
    _same_origin(request)
    _svc(request).delete(code, key)
    return Response(status_code=204)


@api.post("/{code}/questions", status_code=201)
def api_add_question(request: Request, code: str, body: QuestionBody, key: Key = None):
    _same_origin(request)
    ws = _svc(request)
    info = ws.info(code)
    q = ws.add_question(code, key, body.kind, body.text, body.lever, body.step,
                        _population(request, info["region"]))
    return _questions_out({"questions": [q]}, info["lang"])[0]


@api.patch("/{code}/questions/{question_id}")
def api_edit_question(request: Request, code: str, question_id: Id, body: QuestionEdit,
                      key: Key = None):
    _same_origin(request)
    ws = _svc(request)
    q = ws.edit_question(code, key, question_id, text=body.text, is_open=body.open,
                         step=body.step)
    return _questions_out({"questions": [q]}, ws.info(code)["lang"])[0]


@api.delete("/{code}/questions/{question_id}", status_code=204)
def api_remove_question(request: Request, code: str, question_id: Id, key: Key = None):
    _same_origin(request)
    _svc(request).remove_question(code, key, question_id)
    return Response(status_code=204)


@api.put("/{code}/questions/order", status_code=204)
def api_reorder(request: Request, code: str, body: OrderBody, key: Key = None):
    _same_origin(request)
    _svc(request).reorder(code, key, body.ids)
    return Response(status_code=204)


@api.post("/{code}/ideas/{idea_id}/hide", status_code=204)
def api_hide(request: Request, code: str, idea_id: Id, key: Key = None):
    """Moderation: hide an idea from the room (logged, not deleted)."""
    _same_origin(request)
    _svc(request).set_hidden(code, key, idea_id, True)
    return Response(status_code=204)


@api.post("/{code}/ideas/{idea_id}/show", status_code=204)
def api_show(request: Request, code: str, idea_id: Id, key: Key = None):
    _same_origin(request)
    _svc(request).set_hidden(code, key, idea_id, False)
    return Response(status_code=204)


@api.get("/{code}/moderation")
def api_moderation(request: Request, code: str, key: Key = None):
    return {"log": _svc(request).moderation_log(code, key)}


@api.get("/{code}/export.csv", response_class=Response,
         responses={200: {"content": {"text/csv": {}}}})
def api_export_csv(request: Request, code: str, key: Key = None):
    return _csv_response(request, code, key)


@api.get("/{code}/summary", response_class=Response,
         responses={200: {"content": {"text/html": {}, "application/pdf": {}}}})
def api_summary(request: Request, code: str, key: Key = None, format: str = "html"):
    """A summary of the results: HTML printable to PDF, or PDF if WeasyPrint is installed."""
    return _summary_response(request, code, key, format)


def _csv_response(request: Request, code: str, key: str | None) -> Response:
    ws = _svc(request)
    lang = ws.info(code)["lang"]
    body = ws.export_csv(code, key, lambda q: texts.question_text(q, lang))
    return Response("\ufeff" + body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="workshop-{normalise_code(code)}.csv"',
        "Cache-Control": "no-store"})


def _summary_response(request: Request, code: str, key: str | None, fmt: str,
                      lang: str | None = None) -> Response:
    ws = _svc(request)
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


# --- live: one poller per workshop and process, fanned out to every stream -----------------------
class _Room:
    def __init__(self):
        self.subscribers = 0
        self.fp: tuple | None = None
        self.data: dict | None = None
        self.version = 0
        self.changed = asyncio.Event()
        self.task: asyncio.Task | None = None

    def bump(self, data: dict) -> None:
        self.data = data
        self.version += 1
        ev, self.changed = self.changed, asyncio.Event()
        ev.set()


class Hub:
    """Polls the database once a second per live workshop (whatever the number of screens and
    phones watching) and wakes every stream when something changed. Works across processes:
    each process polls the shared database."""

    def __init__(self, ws: WorkshopService, services, interval: float = SSE_INTERVAL):
        self.ws, self.services, self.interval = ws, services, interval
        self.rooms: dict[str, _Room] = {}

    def room(self, code: str) -> _Room:
        room = self.rooms.get(code)
        if room is None:
            room = self.rooms[code] = _Room()
        if room.task is None or room.task.done():
            room.task = asyncio.get_running_loop().create_task(self._poll(code, room))
        return room

    def _payload(self, code: str) -> dict:
        return self.ws.results(code, top=10)

    async def _poll(self, code: str, room: _Room) -> None:
        try:
            while room.subscribers > 0 or room.data is None:
                try:
                    fp = await run_in_threadpool(self.ws.fingerprint, code)
                    if fp != room.fp:
                        room.fp = fp
                        room.bump(await run_in_threadpool(self._payload, code))
                except WorkshopError as exc:
                    room.bump({"gone": exc.key.removeprefix("error."), "status": exc.status})
                    break
                except Exception:  # pragma: no cover - a database hiccup: try again
                    log.exception("live poll failed for %s", code)
                await asyncio.sleep(self.interval)
        finally:
            if self.rooms.get(code) is room and room.subscribers <= 0:
                self.rooms.pop(code, None)


def _sse(request: Request, hub: Hub, code: str):
    from fastapi.responses import StreamingResponse

    async def stream():
        room = hub.room(code)
        room.subscribers += 1
        started = time.monotonic()
        last = 0
        try:
            yield f"retry: 3000\n: live {code}\n\n"
            while time.monotonic() - started < SSE_MAX_SECONDS:
                if room.version != last and room.data is not None:
                    last = room.version
                    data = json.dumps(room.data, separators=(",", ":"))
                    yield f"event: results\nid: {last}\ndata: {data}\n\n"
                    if "gone" in room.data:
                        return
                ev = room.changed
                try:
                    await asyncio.wait_for(ev.wait(), timeout=15)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                if await request.is_disconnected():
                    return
                if room.task is None or room.task.done():
                    room = hub.room(code)
        finally:
            room.subscribers -= 1

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# --- pages ---------------------------------------------------------------------------------------
def _lang_ok(lang: str) -> None:
    if lang not in texts.LANGS:
        raise NotFound("error.no_page")


@pages.get("/w/{code}")
def short_join(request: Request, code: str):
    """The short join link (in the QR code): to the workshop in its own language."""
    info = _svc(request).info(code)
    return RedirectResponse(f"/{info['lang']}/w/{info['code']}", status_code=307)


@pages.get("/{lang}/workshop", response_class=HTMLResponse)
def start_page(request: Request, lang: str, region: str = "", code: str = ""):
    _lang_ok(lang)
    if code.strip():
        c = normalise_code(code)
        return RedirectResponse(f"/{lang}/w/{c}", status_code=303)
    reg = _find_region(request.app.state.services, region) if region else None
    return _render(request, "ws_start.html", lang, texts.t("start.title", lang), reg=reg,
                   region_value=(reg.code if reg else region[:40]))


@pages.post("/{lang}/workshop", response_class=HTMLResponse)
async def start_create(request: Request, lang: str):
    _lang_ok(lang)
    form = await _form(request)
    _check_csrf(request, form)
    _limit(request, "create")
    region = str(form.get("region", "")).strip()[:40]
    try:
        code, key, ws_lang = await run_in_threadpool(create_workshop, request, region, lang,
                                                     None)
    except Invalid:
        hits = request.app.state.services.search(region, 5) if region else []
        return _render(request, "ws_start.html", lang, texts.t("start.title", lang), status=422,
                       reg=None, region_value=region, region_error=True, hits=hits)
    resp = RedirectResponse(f"/{lang}/w/{code}/host?new=1", status_code=303)
    _set_host_cookie(resp, code, key)
    return resp


def _set_host_cookie(resp: Response, code: str, key: str) -> None:
    resp.set_cookie(_host_cookie(code), key, httponly=True, samesite="strict", path="/",
                    max_age=366 * 86400)


def _participant_ctx(request: Request, lang: str, code: str) -> dict:
    ws = _svc(request)
    info = ws.info(code)
    token = request.cookies.get(_part_cookie(info["code"]))
    joined = ws.is_participant(code, token)
    beats = {b["id"]: b for b in _beats(request, info["region"], lang)}
    mine = ws.my_answers(code, token) if joined else {}
    open_qs = [q for q in info["questions"] if q["open"]]
    res = ws.results(code, top=20)
    reg = request.app.state.services.region(info["region"])
    return {"info": info, "joined": joined, "token": token if joined else None,
            "beat": beats.get(info["current"]), "questions": open_qs, "mine": mine,
            "ideas": res["ideas"], "my_votes": ws.my_votes(code, token) if joined else set(),
            "reg": reg, "participants": res["participants"]}


@pages.get("/{lang}/w/{code}", response_class=HTMLResponse)
def participant_page(request: Request, lang: str, code: str):
    _lang_ok(lang)
    ctx = _participant_ctx(request, lang, code)
    if ctx["info"]["state"] == "closed":
        return _message_page(request, lang, 410, "error.closed")
    if ctx["info"]["code"] != code:
        return RedirectResponse(f"/{lang}/w/{ctx['info']['code']}", status_code=308)
    return _render(request, "ws_participant.html", lang,
                   texts.t("join.title", lang, name=ctx["reg"].name), **ctx,
                   errors=request.query_params.get("error"))


@pages.post("/{lang}/w/{code}/join")
async def participant_join(request: Request, lang: str, code: str):
    _lang_ok(lang)
    form = await _form(request)
    _check_csrf(request, form)
    _limit(request, "join")
    ws = _svc(request)
    token = await run_in_threadpool(ws.join, code)
    code = normalise_code(code)
    resp = RedirectResponse(f"/{lang}/w/{code}", status_code=303)
    resp.set_cookie(_part_cookie(code), token, httponly=True, samesite="lax", path="/",
                    max_age=31 * 86400)
    return resp


def _token(request: Request, code: str) -> str:
    tok = request.cookies.get(_part_cookie(code))
    if not tok:
        raise NotFound("error.no_participant")
    return tok


@pages.post("/{lang}/w/{code}/answer/{question_id}")
async def participant_answer(request: Request, lang: str, code: str, question_id: Id):
    _lang_ok(lang)
    form = await _form(request)
    _check_csrf(request, form)
    code = normalise_code(code)
    tok = _token(request, code)
    _limit(request, "post")
    _limit(request, "answer", tok)
    raw = str(form.get("value", "")).replace(",", ".").replace("\u2212", "-").strip()
    try:
        value: float | str = float(raw)
    except ValueError:
        value = raw
    try:
        await run_in_threadpool(_svc(request).answer, code, question_id, tok, value)
    except Invalid as exc:
        return _message_page(request, lang, 422, exc.key, **exc.fmt)
    return RedirectResponse(f"/{lang}/w/{code}?saved={question_id}#q-{question_id}",
                            status_code=303)


@pages.post("/{lang}/w/{code}/ideas")
async def participant_idea(request: Request, lang: str, code: str):
    _lang_ok(lang)
    form = await _form(request)
    _check_csrf(request, form)
    code = normalise_code(code)
    tok = _token(request, code)
    _limit(request, "post")
    _limit(request, "idea", tok)
    try:
        await run_in_threadpool(_svc(request).add_idea, code, tok, str(form.get("text", "")))
    except Invalid as exc:
        return _message_page(request, lang, 422, exc.key, **exc.fmt)
    return RedirectResponse(f"/{lang}/w/{code}?sent=1#ideas", status_code=303)


@pages.post("/{lang}/w/{code}/ideas/{idea_id}/vote")
async def participant_vote(request: Request, lang: str, code: str, idea_id: Id):
    _lang_ok(lang)
    form = await _form(request)
    _check_csrf(request, form)
    code = normalise_code(code)
    tok = _token(request, code)
    _limit(request, "post")
    _limit(request, "vote", tok)
    await run_in_threadpool(_svc(request).vote, code, idea_id, tok)
    return RedirectResponse(f"/{lang}/w/{code}#idea-{idea_id}", status_code=303)


# --- facilitator pages ---------------------------------------------------------------------------
def _host_key(request: Request, code: str) -> str | None:
    return request.cookies.get(_host_cookie(code))


def _is_host(request: Request, code: str) -> bool:
    try:
        _svc(request).authorise(code, _host_key(request, code))
        return True
    except Forbidden:
        return False


@pages.get("/{lang}/w/{code}/host", response_class=HTMLResponse)
def host_page(request: Request, lang: str, code: str):
    _lang_ok(lang)
    ws = _svc(request)
    info = ws.info(code)
    if info["code"] != code:
        return RedirectResponse(f"/{lang}/w/{info['code']}/host", status_code=308)
    reg = request.app.state.services.region(info["region"])
    if not _is_host(request, code):
        return _render(request, "ws_host_key.html", lang, texts.t("host.key_title", lang),
                       info=info, reg=reg, key_error=request.query_params.get("bad") == "1")
    key = _host_key(request, code)
    res = ws.results(code, top=10)
    beats = _beats(request, info["region"], lang)
    beat = next((b for b in beats if b["id"] == info["current"]), None)
    join_url = f"{public_base(request)}/w/{info['code']}"
    pic = None
    if info["current"] == SCENARIO_STEP:
        try:
            pic = picture(request, info["region"], res["scenario"], lang)
        except Exception:
            log.exception("picture failed for %s", info["code"])
    return _render(request, "ws_host.html", lang,
                   texts.t("host.title", lang, name=reg.name), info=info, reg=reg, res=res,
                   beat=beat, beats=beats, join_url=join_url,
                   qr=qr_svg(join_url, texts.t("join.qr_alt", lang, code=info["code"])),
                   facilitator_url=f"{public_base(request)}/{lang}/w/{info['code']}/host#key="
                                   f"{key}",
                   new=request.query_params.get("new") == "1", picture=pic,
                   all_ideas=ws.all_ideas(code, key), has_pdf=has_pdf(),
                   scenario_step=SCENARIO_STEP)


@pages.post("/{lang}/w/{code}/host/key")
async def host_login(request: Request, lang: str, code: str):
    _lang_ok(lang)
    form = await _form(request)
    _check_csrf(request, form)
    _limit(request, "join")
    code = normalise_code(code)
    key = str(form.get("key", "")).strip()[:100]
    try:
        await run_in_threadpool(_svc(request).authorise, code, key)
    except Forbidden:
        return RedirectResponse(f"/{lang}/w/{code}/host?bad=1", status_code=303)
    resp = RedirectResponse(f"/{lang}/w/{code}/host", status_code=303)
    _set_host_cookie(resp, code, key)
    return resp


@pages.post("/{lang}/w/{code}/host/action")
async def host_action(request: Request, lang: str, code: str):
    _lang_ok(lang)
    form = await _form(request)
    _check_csrf(request, form)
    code = normalise_code(code)
    key = _host_key(request, code)
    ws = _svc(request)
    action = str(form.get("action", ""))
    target = f"/{lang}/w/{code}/host"

    def run():
        if action == "advance":
            ws.advance(code, key)
        elif action == "back":
            ws.advance(code, key, max(0, ws.info(code)["step"] - 1))
        elif action == "goto":
            ws.advance(code, key, _int(form, "to"))
        elif action == "close":
            ws.close(code, key)
        elif action == "reopen":
            ws.reopen(code, key)
        elif action in ("open_q", "close_q"):
            ws.edit_question(code, key, _int(form, "question"), is_open=action == "open_q")
        elif action in ("hide", "show"):
            ws.set_hidden(code, key, _int(form, "idea"), action == "hide")
        elif action == "delete":
            ws.delete(code, key)
            return f"/{lang}/workshop?deleted=1"
        elif action == "forget":
            return f"/{lang}/workshop"
        else:
            raise Invalid("error.action", "action")
        return None

    try:
        goto = await run_in_threadpool(run)
    except ValueError:
        raise Invalid("error.action", "action") from None
    resp = RedirectResponse(goto or target, status_code=303)
    if goto:
        resp.delete_cookie(_host_cookie(code), path="/")
    return resp


@pages.get("/{lang}/w/{code}/host/questions", response_class=HTMLResponse)
def host_questions(request: Request, lang: str, code: str):
    _lang_ok(lang)
    ws = _svc(request)
    info = ws.info(code)
    if not _is_host(request, code):
        return RedirectResponse(f"/{lang}/w/{info['code']}/host", status_code=303)
    reg = request.app.state.services.region(info["region"])
    used = {q["lever"] for q in info["questions"] if q["kind"] == "lever"}
    from .service import POLICY_LEVERS

    return _render(request, "ws_questions.html", lang, texts.t("edit.title", lang), info=info,
                   reg=reg, levers=[lv for lv in POLICY_LEVERS if lv not in used],
                   error=request.query_params.get("error"))


@pages.post("/{lang}/w/{code}/host/questions")
async def host_questions_post(request: Request, lang: str, code: str):
    _lang_ok(lang)
    form = await _form(request)
    _check_csrf(request, form)
    code = normalise_code(code)
    key = _host_key(request, code)
    ws = _svc(request)
    action = str(form.get("action", ""))
    qid = _int(form, "question") if form.get("question") else None

    def run():
        if action == "add":
            info = ws.info(code)
            kind = str(form.get("kind", "statement"))
            ws.add_question(code, key, kind, str(form.get("text", "")),
                            str(form.get("lever", "")) or None, str(form.get("step", "")) or None,
                            _population(request, info["region"]))
        elif action == "save":
            ws.edit_question(code, key, qid, text=str(form.get("text", "")),
                             step=str(form.get("step", "")) or None)
        elif action == "remove":
            ws.remove_question(code, key, qid)
        elif action in ("up", "down"):
            ws.move(code, key, qid, -1 if action == "up" else 1)
        else:
            raise Invalid("error.action", "action")

    try:
        await run_in_threadpool(run)
    except Invalid as exc:
        return RedirectResponse(f"/{lang}/w/{code}/host/questions?error={exc.key[6:]}",
                                status_code=303)
    except (TypeError, ValueError):
        raise Invalid("error.action", "action") from None
    anchor = f"#q-{qid}" if qid and action in ("up", "down", "save") else ""
    return RedirectResponse(f"/{lang}/w/{code}/host/questions{anchor}", status_code=303)


@pages.get("/{lang}/w/{code}/export.csv")
def host_export_csv(request: Request, lang: str, code: str):
    _lang_ok(lang)
    return _csv_response(request, code, _host_key(request, normalise_code(code)))


@pages.get("/{lang}/w/{code}/summary")
def host_summary(request: Request, lang: str, code: str, format: str = "html"):
    _lang_ok(lang)
    return _summary_response(request, code, _host_key(request, normalise_code(code)), format,
                             lang)
