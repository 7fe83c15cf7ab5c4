"""What the workshop's API and pages share: refusals as problems, rate limits, origin and
CSRF checks, forms, cookies, rendering a page and reading the region a workshop is about."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from . import texts
from .limits import RateLimiter
from .service import (
    Forbidden,
    Invalid,
    NotFound,
    WorkshopError,
    WorkshopService,
    normalise_code,
)

log = logging.getLogger("framtid.workshop")
HERE = Path(__file__).parent
CSRF_COOKIE = "ws_csrf"


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


async def hot(request: Request, fn, *args):
    """Joining and answering: one short transaction each. With SQLite (in-process, well under a
    millisecond) it runs on the event loop itself: a hop to the thread pool costs more than the
    work, and under CPU pressure threads fighting over the GIL turned milliseconds into seconds
    in the load test. With PostgreSQL it waits on another process, so it goes to the thread pool
    and the loop keeps serving."""
    if workshops(request).db.dialect == "sqlite":
        return fn(*args)
    return await run_in_threadpool(fn, *args)


def workshops(request: Request) -> WorkshopService:
    return request.app.state.workshop


def limit(request: Request, kind: str, who: str | None = None) -> None:
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


def same_origin(request: Request) -> None:
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


def lang_of(request: Request) -> str:
    parts = request.url.path.split("/")
    if len(parts) > 1 and parts[1] in texts.LANGS:
        return parts[1]
    q = request.query_params.get("lang")
    return q if q in texts.LANGS else "nb"


async def workshop_error(request: Request, exc: WorkshopError):
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
    lang = lang_of(request)
    return message_page(request, lang, exc.status, exc.key, headers=headers, **exc.fmt)


def message_page(request: Request, lang: str, status: int, key: str, headers=None,
                  **fmt) -> HTMLResponse:
    title_key = {404: "page.not_found", 410: "page.gone", 403: "page.forbidden",
                 429: "page.rate", 409: "page.conflict"}.get(status, "page.error")
    return render(request, "ws_message.html", lang, texts.t(title_key, lang), status=status,
                   message=texts.t(key, lang, **fmt), headers=headers)


def render(request: Request, name: str, lang: str, title: str, status: int = 200,
            headers=None, **ctx) -> HTMLResponse:
    svc = request.app.state.services
    token = csrf_token(request)
    base = {"lang": lang, "page": "workshop", "title": title, "data_date": svc.store_date(),
            "csrf": token, "has_projection": svc.has_projection, "q": ""}
    resp = request.app.state.workshop_templates.TemplateResponse(
        request, name, {**base, **ctx}, status_code=status, headers=headers)
    resp.headers["Cache-Control"] = "no-store"
    if request.cookies.get(CSRF_COOKIE) != token:
        resp.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return resp


def csrf_token(request: Request) -> str:
    tok = request.cookies.get(CSRF_COOKIE, "")
    if len(tok) < 20 or len(tok) > 64:
        tok = getattr(request.state, "ws_csrf", None) or secrets.token_urlsafe(24)
        request.state.ws_csrf = tok
    return tok


MAX_FORM = 64 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """An url-encoded form (the only kind our pages send), read without python-multipart."""
    from urllib.parse import parse_qsl

    body = await request.body()
    if len(body) > MAX_FORM:
        raise Invalid("error.action", "form")
    ctype = request.headers.get("content-type", "")
    if body and not ctype.startswith("application/x-www-form-urlencoded"):
        raise Invalid("error.action", "form")
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def form_int(form: dict, name: str) -> int:
    """A whole number from a form field, in the range a database id can hold."""
    try:
        v = int(str(form.get(name, "")).strip())
    except ValueError:
        raise Invalid("error.action", name) from None
    if not 0 <= v <= 2_147_483_647:
        raise Invalid("error.action", name)
    return v


def check_csrf(request: Request, form) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrf", ""))
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise Forbidden("error.csrf")


def host_cookie(code: str) -> str:
    return f"ws_h_{normalise_code(code)}"


def part_cookie(code: str) -> str:
    return f"ws_p_{normalise_code(code)}"


def public_base(request: Request) -> str:
    env = os.environ.get("FRAMTID_PUBLIC_URL", "").strip().rstrip("/")
    return env or str(request.base_url).rstrip("/")


def region_lang(request: Request, region: str) -> str:
    try:
        return request.app.state.services.default_lang(region)
    except Exception:
        return "nb"


def region_population(request: Request, region: str) -> float | None:
    try:
        return float(request.app.state.services.history(region)["indicators"]["population"][-1])
    except Exception:
        return None


def story_beats(request: Request, region: str, lang: str) -> list[dict]:
    svc = request.app.state.services
    if not svc.has_story:
        return []
    try:
        return svc.story(region, lang)["beats"]
    except Exception:
        log.exception("story failed for %s", region)
        return []


def questions_out(info: dict, lang: str) -> list[dict]:
    return [{"id": q["id"], "kind": q["kind"], "text": texts.question_text(q, lang),
             "min": q["min"], "max": q["max"], "step": q["step"], "lever": q["lever"],
             "step_size": q["step_size"], "default": q["default"], "open": q["open"]}
            for q in info["questions"]]


def find_region(svc, text: str):
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
    reg = find_region(svc, region_code)
    if reg is None:
        raise Invalid("error.region", "region", code=str(region_code)[:20])
    lang = lang if lang in texts.LANGS else region_lang(request, reg.code)
    beats = [b["id"] for b in story_beats(request, reg.code, lang)]
    code, key = workshops(request).create(reg.code, lang, beats, region_population(request, reg.code),
                                     days)
    return code, key, lang


def require_lang(lang: str) -> None:
    if lang not in texts.LANGS:
        raise NotFound("error.no_page")

