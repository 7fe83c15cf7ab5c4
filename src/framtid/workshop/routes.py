"""Mounting the workshop on the web app: `mount(app, db_path)` is the only thing the web app
calls. It opens the database (migrating it) and adds the JSON API (`api.py`,
`/api/workshops/…`), the pages (`pages.py`, `/{lang}/workshop`, `/{lang}/w/{code}…`), live
results (`live.py`), the static files, the texts and the error handler. Routes are thin: they
check limits, keys and forms (`http.py`), then call `WorkshopService`.

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

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from . import texts
from .api import api
from .db import Database, default_url, redact
from .http import workshop_error
from .limits import RateLimiter
from .live import Hub
from .pages import pages
from .service import IDEA_MAX, WorkshopError, WorkshopService

log = logging.getLogger("framtid.workshop")
HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


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
    app.add_exception_handler(WorkshopError, workshop_error)
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
