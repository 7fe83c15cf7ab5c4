"""The web app «Framtidsbilder»: server-rendered pages (nb, nn, en) and a JSON API with OpenAPI.

`create_app(db_path)` builds one app over one store (one `Context` per app); `serve(host, port,
db_path, workers)` runs it with uvicorn (several workers: the `app_from_env` factory). Every page
reads without JavaScript; charts come alive with Vega-Embed, which framtid serves itself (no CDN,
no third-party request).

Middleware, outermost first: security headers (every response, 414s included), URLCap (414 over
8 KB), HeadAsGet (HEAD wherever GET), RelativeRedirects (no host in Location), GZip.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from .. import __version__ as FRAMTID_VERSION
from ..config import cache_dir_for
from ..context import Context
from .services import Busy, Services

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


class Assets:
    """Files made at first use: the Vega bundle (from vl-convert) and the kommune map (from the
    store). Written once to a cache folder beside the store and served with long cache lives."""

    def __init__(self, ctx: Context, cache_dir: Path | None = None):
        self.ctx = ctx
        self.cache_dir = cache_dir or cache_dir_for(ctx.db_path)
        self._lock = threading.Lock()
        self._vega: Path | None = None
        self._map: tuple[int, bytes] | None = None    # (store version, TopoJSON)
        import vl_convert

        self.vega_version = vl_convert.__version__

    @property
    def vega_name(self) -> str:
        return f"vega-bundle-{self.vega_version}.js"

    def vega_path(self) -> Path:
        with self._lock:
            if self._vega is None or not self._vega.exists():
                path = self.cache_dir / self.vega_name
                if not path.exists():
                    import vl_convert

                    tmp = path.with_suffix(".tmp")
                    tmp.write_text(vl_convert.javascript_bundle(), encoding="utf-8")
                    os.replace(tmp, path)
                self._vega = path
            return self._vega

    def kommune_map(self, version: int | None = None) -> bytes:
        """The kommune TopoJSON of store version `version` (read once by the caller): rebuilt
        after a swap, so the new URL never serves the old borders and names."""
        import json

        version = self.ctx.store.version() if version is None else version
        with self._lock:
            if self._map is not None and self._map[0] == version:
                return self._map[1]
            topo = rewind_topology(self.ctx.store.map_content("kommuner"))
            data = json.dumps(topo, separators=(",", ":")).encode()
            if self.ctx.store.version() == version:
                self._map = (version, data)
            return data

    @staticmethod
    def map_version_of(version: int) -> str:
        return hashlib.sha1(str(version).encode()).hexdigest()[:10]

    @property
    def map_version(self) -> str:
        """Part of the map's URL: changes with the store version."""
        return self.map_version_of(self.ctx.store.version())


def rewind_topology(topo: dict) -> dict:
    """Wind rings as d3-geo (Vega) expects: exterior rings clockwise, holes counter-clockwise.

    GeoJSON (RFC 7946) winds the other way; d3 then reads each kommune as «the whole globe except
    the kommune» and paints one big rectangle. A ring is reversed by reversing its arc list and
    complementing each arc index. Arcs must be absolute (no `transform`), as in the store.
    """
    arcs = topo["arcs"]
    if "transform" in topo:
        return topo

    # ~10 m precision is plenty for a national map and halves the file.
    arcs = topo["arcs"] = [[[round(x, 4), round(y, 4), *rest] for x, y, *rest in arc]
                           for arc in arcs]

    def ring_area(ring: list[int]) -> float:
        pts: list = []
        for i in ring:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(a if not pts else a[1:])
        return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in itertools.pairwise(pts))

    def fix(rings: list[list[int]]) -> list[list[int]]:
        out = []
        for k, ring in enumerate(rings):
            area = ring_area(ring)
            want_clockwise = k == 0
            if (area > 0) == want_clockwise:  # counter-clockwise exterior or clockwise hole
                ring = [~i for i in reversed(ring)]
            out.append(ring)
        return out

    for obj in topo.get("objects", {}).values():
        for g in obj.get("geometries", []):
            if g.get("type") == "Polygon":
                g["arcs"] = fix(g["arcs"])
            elif g.get("type") == "MultiPolygon":
                g["arcs"] = [fix(p) for p in g["arcs"]]
    return topo


def _static_version() -> str:
    h = hashlib.sha1()
    for p in sorted(STATIC.rglob("*")):
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()[:10]


CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


MAX_URL_BYTES = 8192   # path + query string; longer requests are refused with 414 before routing


class URLCap:
    """ASGI middleware: a request whose target (path and query) exceeds `limit` bytes is answered
    414 at once, before any routing, parsing or search work is done for it."""

    def __init__(self, app, limit: int = MAX_URL_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            size = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(
                scope.get("query_string") or b"")
            if size > self.limit:
                body = b'{"detail":"URI too long"}'
                await send({"type": "http.response.start", "status": 414,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode()),
                                        (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class HeadAsGet:
    """ASGI middleware: HEAD is answered wherever GET is (same status and headers, no body)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class RelativeRedirects:
    """ASGI middleware: a redirect never names a host. Starlette's trailing-slash redirect builds
    an absolute URL from the request's Host header (`Host: evil.example` gave `Location:
    http://evil.example/…`); it becomes a path, with leading slashes collapsed so that it cannot
    turn into a protocol-relative URL (`//evil.example/`)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def relative(message):
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                from urllib.parse import urlsplit

                headers = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"location":
                        url = urlsplit(value.decode("latin-1"))
                        path = "/" + (url.path or "/").lstrip("/\\")
                        value = (path + (f"?{url.query}" if url.query else "")).encode("latin-1")
                    headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, relative)


PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()")


def debug_enabled() -> bool:
    """FRAMTID_DEBUG=1 adds internal timing (Server-Timing) to responses."""
    return os.environ.get("FRAMTID_DEBUG", "").lower() in ("1", "true", "yes", "on")


def create_app(db_path: Path | str | None = None, *, services: Services | None = None,
               warm: bool = False, disk_cache: bool | None = None,
               workshop: bool = True) -> FastAPI:
    """One app over one store. `db_path` defaults to $FRAMTID_HOME/framtid.duckdb.

    `warm`: render the expensive pages in the background at start (Norway first). `disk_cache`
    (default: as `warm`): keep rendered pages on disk beside the store, for the next start.
    `workshop`: mount the Framtidsverksted (False when pages are only rendered, web/prebuild.py:
    its database is not opened)."""
    from .. import config

    ctx = services.ctx if services is not None else Context(Path(db_path or
                                                                 config.default_db_path()))
    svc = services or Services(ctx)
    app = FastAPI(
        title="framtid API",
        version=FRAMTID_VERSION,
        description=(
            "Framtidsbilder: population projections and their consequences for every Norwegian "
            "kommune, BA-region, fylke and Norway. Kilde: Statistisk sentralbyrå (NLOD 2.0 / "
            "CC BY 4.0)."),
        docs_url=None, redoc_url=None,   # /api/docs: our own page (pages.py)
    )
    app.add_middleware(GZipMiddleware, minimum_size=800, compresslevel=6)
    app.add_middleware(RelativeRedirects)
    app.add_middleware(HeadAsGet)
    app.add_middleware(URLCap)   # added last: runs first
    debug = debug_enabled()
    app.state.ctx = ctx
    app.state.services = svc
    app.state.assets = Assets(ctx)
    app.state.static_version = _static_version()
    from .pagecache import PageCache

    disk = warm if disk_cache is None else disk_cache
    app.state.pages = PageCache(app.state.assets.cache_dir if disk else None, ctx.store.version)
    # Compare pages: any combination of up to four regions, so memory only and small.
    app.state.compare_pages = PageCache(None, ctx.store.version, max_bytes=16 * 2**20)

    templates = Jinja2Templates(directory=str(TEMPLATES))
    from .render import install

    install(templates, app)
    app.state.templates = templates

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        t0 = time.perf_counter()
        response = await call_next(request)
        if debug:   # internal timings only when asked for
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    from ..export.routes import install as install_export
    from .api import build_router
    from .pages import router as pages_router

    install_export(app)   # /export/…, /embed/… and the templates' download links
    app.include_router(build_router(svc))
    app.include_router(pages_router)

    if workshop:
        from ..workshop.routes import mount as mount_workshop

        mount_workshop(app, ctx.db_path)   # Framtidsverksted: its own routes, database and pages

    from .pages import error_page

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/") or request.url.path in ("/healthz",
                                                                        "/openapi.json"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        if exc.status_code == 404:
            return error_page(request, 404)
        if exc.status_code == 405:
            return Response(status_code=405, headers=getattr(exc, "headers", None))
        return error_page(request, exc.status_code)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy):
        headers = {"Retry-After": str(exc.retry_after)}
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "busy: too many heavy computations at once; retry "
                                 f"after {exc.retry_after} s"}, status_code=503, headers=headers)
        page = error_page(request, 503)
        page.headers.update(headers)
        return page

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        detail = []
        for e in exc.errors():
            item = {"loc": list(e.get("loc", [])), "msg": e.get("msg", ""),
                    "type": e.get("type", "")}
            if e.get("ctx"):
                item["ctx"] = {k: (v if isinstance(v, (int, float, str, bool)) else str(v))
                               for k, v in e["ctx"].items()}
            detail.append(item)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail}, status_code=422)
        return error_page(request, 422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):  # pragma: no cover - last resort
        import logging

        logging.getLogger("framtid.web").exception("unhandled error on %s", request.url.path)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        return error_page(request, 500)

    if warm:
        # Before the first request: import the engine, story and chart modules and read the
        # regions, so that the first visitor does not pay for them; the rest warms behind.
        try:
            _ = svc.has_projection and svc.has_story and ctx.last_year and ctx.regions
        except Exception:  # pragma: no cover - pages report what is missing themselves
            pass
        _fit_before_serving(ctx)
        threading.Thread(target=_warm, args=(app,), daemon=True).start()
    return app


def _fit_before_serving(ctx: Context) -> None:
    """Fit the model and its stochastic parameters before the worker takes its first request.

    Otherwise the first heavy request (the warming's Norway page or a visitor's) fits them
    inside its heavy-work slot, for seconds, and every other heavy request meanwhile is refused
    with 503 (the load test saw this right after start). A worker that is still fitting does not
    accept connections, so with several workers the others answer meanwhile."""
    try:
        from ..model.service import _stochastic_params, fitted_entry

        from ..official import prepare

        fm, slot = fitted_entry(ctx, version=ctx.store.version())
        _stochastic_params(fm, slot)
        prepare(ctx.store, ctx.regions)          # SSB's figures of every region at once
    except Exception:  # pragma: no cover - no engine or no data yet: pages say what is missing
        pass


def _warm(app: FastAPI) -> None:
    """Fill caches in the background so that the first visitor does not wait."""
    try:
        app.state.assets.vega_path()
        svc: Services = app.state.services
        if svc.has_projection:
            # The model fit and the stochastic parameters, which the first kommune page needs
            # (the aggregate pages may already be on disk: web/prebuild.py); one kommune's run.
            from .views import STORY_PATHS

            svc.projection(svc.ctx.regions.all("kommune")[0].code, paths=STORY_PATHS)
        svc.history("NO")
        svc.backtest(app.state.assets.cache_dir)
        svc.trackrecord(app.state.assets.cache_dir)
        warm_pages(app)
    except Exception:  # pragma: no cover - warming is best effort; pages compute on demand
        import logging

        logging.getLogger("framtid.web").exception("warming the caches failed")


def warm_pages(app: FastAPI, urls: list[str] | None = None) -> int:
    """Render pages through the app itself (in this thread, one at a time) so that they land in
    the page cache: Norway, the fylker and the BA-regions in every language. A page already on
    disk costs a file read. Stops early when the store changes (the next requests start anew)."""
    import asyncio

    import httpx

    from .pagecache import warm_urls

    svc: Services = app.state.services
    urls = urls if urls is not None else warm_urls(svc.ctx.regions)
    version = svc.ctx.store.version()

    async def run() -> int:
        n = 0
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://warm") as client:
            for url in urls:
                if svc.ctx.store.version() != version:
                    break
                for _ in range(600):               # polite: visitors' heavy work goes first
                    if svc.heavy.idle():
                        break
                    await asyncio.sleep(0.1)
                for _ in range(20):               # busy (503): wait for a free slot
                    r = await client.get(url)
                    if r.status_code != 503:
                        break
                    await asyncio.sleep(1)
                n += 1
        return n

    return asyncio.run(run())


def app_from_env() -> FastAPI:
    """App factory for uvicorn's worker processes: the store named by FRAMTID_SERVE_DB."""
    return create_app(os.environ.get("FRAMTID_SERVE_DB") or None, warm=True)


WORKER_HEALTHCHECK_S = 60
# Idle keep-alive connections are kept this long (uvicorn's default is 5 s). A visitor reads a
# page for a few seconds before the next click; with 5 s the server closed connections just as
# clients reused them, and the request in flight failed (a ReadError in the load test). 75 s is
# nginx's default, longer than a browser keeps an idle connection.
KEEP_ALIVE_S = 75


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def serve(host: str = "127.0.0.1", port: int = 8000, db_path: Path | str | None = None,
          workers: int = 1) -> None:
    """Run the web app with uvicorn (`framtid serve [--host] [--port] [--workers]`).

    One worker runs the app in this process; several run `app_from_env` (an app factory) in
    uvicorn worker processes, each with its own caches. The heavy-work cap is shared out: each
    worker gets cores ÷ workers slots (at least two) unless FRAMTID_HEAVY_SLOTS says otherwise.
    """
    import uvicorn

    common = {"host": host, "port": port, "log_level": "info", "proxy_headers": False,
              "server_header": False, "timeout_keep_alive": KEEP_ALIVE_S}
    if workers > 1:
        # uvicorn kills a worker that does not answer its supervisor's ping within this many
        # seconds (default 5) and starts a new one, which fits the model again. On a loaded
        # machine a worker busy with a cold page can miss 5 s: the load test saw 3–7 workers
        # killed per run, each losing its requests and adding a fit. A hung worker is still
        # replaced, after a minute.
        common["timeout_worker_healthcheck"] = WORKER_HEALTHCHECK_S
    if workers <= 1:
        uvicorn.run(create_app(db_path, warm=True), **common)
        return
    from .. import config

    os.environ["FRAMTID_SERVE_DB"] = str(Path(db_path or config.default_db_path()).resolve())
    # Two at least: the start-up warming renders one page at a time in a slot of its own, and
    # with a single slot every visitor's heavy request meanwhile was refused (load test).
    os.environ.setdefault("FRAMTID_HEAVY_SLOTS", str(max(2, default_workers() // workers)))
    uvicorn.run("framtid.web.app:app_from_env", factory=True, workers=workers, **common)
