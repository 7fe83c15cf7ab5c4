"""`framtid site --out DIR`: the public site as static files any web server can host.

The pages are the web app's own, rendered in-process (no server, no network) — or read from the
page cache on disk where `data import` already rendered them for this store — and written as
`{lang}/region/{code}/index.html`, `{lang}/index.html`, `{lang}/method/index.html`, with the
assets they use (`/static/…`, `/assets/…`: styles, scripts, the Vega bundle, the kommune map)
and the downloads: CSV and XLSX per region (always, once under `/data/`: the numbers are the same
in every language), chart images PNG/SVG (`--images`), PDF and PPTX per region and language
(`--documents`, slow).

Links are rewritten for static hosting: a page link points at its folder («/nb/region/3403/»);
what needs the server (simulator, comparison, search, API, a download or page not in this copy)
points at `/{lang}/needs-server/`, a page that says so plainly. The site is built in `DIR.new`
and swapped in when complete. `link_check(DIR)` lists every internal link without a file.

Parallel (`--jobs N`, default: the cores this process may use): the regions are shared out over
N worker processes (spawned, each with its own store connection and app), one region — its pages
in every language and its downloads — per task, while this process writes the home and method
pages and keeps the progress bar; the workers write into the same `DIR.new`, so the swap stays
atomic. `--jobs 1` builds everything in this process.
"""

from __future__ import annotations

import html as htmlmod
import multiprocessing
import os
import re
import shutil
import time
import warnings
from pathlib import Path
from typing import Iterable

from ..errors import FramtidError
from .scenario import Scenario
from .text import t

ATTR = re.compile(r'(\s(?:href|src|action))="([^"]*)"')
ASSET = re.compile(r'(/(?:static|assets|export/static)/[A-Za-z0-9._\-/]+)')
ASSET_DIRS = ("/static/", "/assets/", "/export/static/")
NOTICE = "needs-server"
DATA_LINK = re.compile(r"^/export/(?:nb|nn|en)/([^/]+\.(?:csv|xlsx))$")


def _key(path: str) -> str:
    """A URL path as a key: no trailing slash (except the root)."""
    return path.rstrip("/") or "/"


def _file_for(key: str) -> str:
    """Where a URL path's content is written, relative to the site root."""
    last = key.rsplit("/", 1)[-1]
    if key == "/":
        return "index.html"
    if "." in last:
        return key.lstrip("/")
    return key.lstrip("/") + "/index.html"


class Site:
    def __init__(self, ctx, root: Path, langs: list[str], codes: list[str],
                 documents: bool = False, images: bool = False):
        from ..web.app import create_app

        self.ctx, self.root, self.langs, self.codes = ctx, root, langs, codes
        self.documents, self.images = documents, images
        with warnings.catch_warnings():   # starlette's note about httpx: harmless here
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient

            app = create_app(ctx.db_path, disk_cache=True, workshop=False)
        # The pages `data import` rendered for this store (web/prebuild.py) are read from the
        # page cache on disk, not rendered again; a page not there is rendered and kept there
        # for the next site or server. Never pruned here: other folders may be a server's.
        from ..web.pagecache import PageCache

        app.state.pages = PageCache(app.state.assets.cache_dir, ctx.store.version, prune=False)
        self.client = TestClient(app, raise_server_exceptions=True)
        self.files = 0
        self.pages = 0
        self.produced: set[str] = set()
        self.assets: set[str] = set()

    # --- plan --------------------------------------------------------------------------------
    def page_paths(self) -> list[str]:
        out = []
        for lang in self.langs:
            out += [f"/{lang}", f"/{lang}/method", f"/{lang}/{NOTICE}"]
            out += [f"/{lang}/region/{c}" for c in self.codes]
        return out

    def download_paths(self, lang: str, code: str) -> list[str]:
        out = [f"/data/{code}.csv", f"/data/{code}.xlsx"]   # the same in every language
        if self.documents:
            out += [f"/export/{lang}/{code}.pdf", f"/export/{lang}/{code}.pptx"]
        return out

    def plan(self) -> None:
        self.produced = {_key(p) for p in self.page_paths()} | {"/"}
        for lang in self.langs:
            for code in self.codes:
                self.produced.update(self.download_paths(lang, code))
        if self.images:   # chart images are known only from the pages; marked up front
            from .routes import chart_names

            for lang in self.langs:
                for code in self.codes:
                    for chart in chart_names():
                        if not chart.startswith("scenario-"):
                            for fmt in ("png", "svg"):
                                self.produced.add(f"/export/{lang}/{code}/chart/{chart}.{fmt}")

    def region(self, code: str) -> None:
        """One region: its page in every language (with chart images) and its downloads."""
        for lang in self.langs:
            self.page(f"/{lang}/region/{code}", lang)
            if self.images:
                text = (self.root / _file_for(f"/{lang}/region/{code}")).read_text("utf-8")
                self.chart_images(lang, code, text)
        self.downloads(code)

    # --- write -------------------------------------------------------------------------------
    def write(self, key: str, data: bytes) -> None:
        path = self.root / _file_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files += 1

    def rewrite(self, text: str, lang: str) -> str:
        def fix(m: re.Match) -> str:
            attr, raw = m.group(1), htmlmod.unescape(m.group(2))
            if not raw.startswith("/") or raw.startswith("//"):
                return m.group(0)
            path, _, query = raw.partition("?")
            path, _, frag = path.partition("#")
            key = DATA_LINK.sub(r"/data/\1", _key(path))
            if key.startswith(ASSET_DIRS):
                self.assets.add(key)
                return m.group(0)
            if key in self.produced:
                last = key.rsplit("/", 1)[-1]
                new = key if "." in last else (key.rstrip("/") + "/")
                if frag:
                    new += "#" + frag
            else:
                new = f"/{lang}/{NOTICE}/"
            return f'{attr}="{htmlmod.escape(new)}"'

        text = ATTR.sub(fix, text)
        for m in ASSET.finditer(text):
            self.assets.add(m.group(1))
        return text

    def page(self, path: str, lang: str) -> None:
        r = self.client.get(path)
        if r.status_code != 200:
            raise FramtidError(f"{path} answered {r.status_code} while building the site")
        text = self.rewrite(r.text, lang)
        note = t("site.static_note", lang, date=time.strftime("%Y-%m-%d"))
        text = text.replace("</footer>", f'<p class="muted">{htmlmod.escape(note)}</p></footer>', 1)
        self.write(_key(path), text.encode("utf-8"))
        self.pages += 1

    def notice(self, lang: str) -> None:
        title = t("site.needs_server_title", lang)
        body = t("site.needs_server_text", lang)
        back = t("site.back", lang, name="framtid")
        css = next((a for a in sorted(self.assets) if a.startswith("/static/app")), "")
        page = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>{htmlmod.escape(title)}</title>'
                + (f'<link rel="stylesheet" href="{css}">' if css else "") +
                f'</head><body><main id="main"><div class="wrap"><h1>{htmlmod.escape(title)}</h1>'
                f'<p>{htmlmod.escape(body)}</p><p><code>framtid serve</code></p>'
                f'<p><a href="/{lang}/">{htmlmod.escape(back)}</a></p></div></main></body></html>')
        self.write(f"/{lang}/{NOTICE}", page.encode("utf-8"))
        self.pages += 1

    def downloads(self, code: str) -> None:
        from .data import csv_bytes, metadata, region_rows, xlsx_bytes

        sc = Scenario()
        rd = region_rows(self.ctx, code, sc)
        meta = metadata(self.ctx, sc, [rd.code], rd.proj["base_year"])
        self.write(f"/data/{code}.csv", csv_bytes([rd], meta))
        self.write(f"/data/{code}.xlsx", xlsx_bytes([rd], meta, self.langs[0]))
        for lang in self.langs:
            if self.documents:
                for fmt in ("pdf", "pptx"):
                    r = self.client.get(f"/export/{lang}/{code}.{fmt}")
                    self.write(f"/export/{lang}/{code}.{fmt}", r.content)

    def chart_images(self, lang: str, code: str, html_text: str) -> None:
        for m in re.finditer(rf'"(/export/{lang}/{code}/chart/[a-z0-9_\-]+\.(?:png|svg))"',
                             html_text):
            r = self.client.get(m.group(1))
            if r.status_code == 200:
                self.write(m.group(1), r.content)
                self.produced.add(m.group(1))

    def copy_assets(self) -> None:
        for key in sorted(self.assets):
            r = self.client.get(key)
            if r.status_code == 200:
                self.write(key, r.content)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# --- worker processes ------------------------------------------------------------------------
_worker: Site | None = None


def _init_worker(db_path: str, root: str, langs: list[str], codes: list[str], documents: bool,
                 images: bool) -> None:
    global _worker
    from ..context import Context

    _worker = Site(Context(Path(db_path)), Path(root), langs, codes, documents, images)
    _worker.plan()


def _work(code: str) -> tuple[str, int, int, set[str]]:
    """One region in a worker: (code, pages, files, assets it links to)."""
    site = _worker
    site.pages = site.files = 0
    site.assets = set()
    site.region(code)
    return code, site.pages, site.files, site.assets


def build_site(ctx, out: str | Path, langs: list[str], codes: Iterable[str] | None = None, *,
               documents: bool = False, images: bool = False, console=None,
               jobs: int | None = None) -> dict:
    """Write the static site to `out` (built in `out.new`, then swapped in), with `jobs`
    processes (default: one per core)."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    out = Path(out)
    if not out.parent.is_dir():
        raise FramtidError(f"The folder {str(out.parent)!r} does not exist; create it first.")
    if not os.access(out.parent, os.W_OK):
        raise FramtidError(f"The folder {str(out.parent)!r} is not writable.")
    if out.exists() and not out.is_dir():
        raise FramtidError(f"{str(out)!r} is a file; --out needs a folder.")
    if jobs is not None and jobs < 1:
        raise FramtidError("--jobs needs a whole number of at least 1.")
    codes = list(codes) if codes else [r.code for r in ctx.regions.all()]
    jobs = min(jobs or default_jobs(), len(codes))
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    children0 = _children_cpu()
    tmp = out.with_name(out.name + ".new")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    pool = None
    children_cpu = 0.0
    try:
        site = Site(ctx, tmp, langs, codes, documents, images)
        site.plan()
        if jobs > 1:   # started first: the workers load while this process does the home pages
            pool = multiprocessing.get_context("spawn").Pool(
                jobs, _init_worker, (str(ctx.db_path), str(tmp), langs, codes, documents,
                                     images))
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                      console=console, transient=False, disable=console is None) as bar:
            task = bar.add_task("Static site", total=len(codes) * (len(langs) + 1) +
                                2 * len(langs))
            # The method page shows the backtest and the track record, which the app computes
            # in threads (once per store version, then kept on disk): started now, so that
            # they run while the workers write the regions, and waited for before the method
            # page, so that it is complete and no thread is cut off at exit.
            app = site.client.app
            svc, cache_dir = app.state.services, app.state.assets.cache_dir
            svc.backtest(cache_dir)
            svc.trackrecord(cache_dir)
            for lang in langs:
                site.page(f"/{lang}/", lang)
                bar.advance(task)
            if pool is None:
                for code in codes:
                    bar.update(task, description=f"Static site: {code}")
                    site.region(code)
                    bar.advance(task, len(langs) + 1)
            else:
                for code, pages, files, assets in pool.imap_unordered(_work, codes):
                    bar.update(task, description=f"Static site: {code}")
                    site.pages += pages
                    site.files += files
                    site.assets |= assets
                    bar.advance(task, len(langs) + 1)
                pool.close()
                pool.join()
                children_cpu = _children_cpu() - children0
                pool = None
            svc.backtest(cache_dir, wait=3600)
            svc.trackrecord(cache_dir, wait=3600)
            for lang in langs:
                site.page(f"/{lang}/method", lang)
                bar.advance(task)
                site.notice(lang)
            root_home = tmp / langs[0] / "index.html"
            shutil.copyfile(root_home, tmp / "index.html")
            site.copy_assets()
        # swap in
        old = out.with_name(out.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"pages": site.pages, "files": site.files + 1, "regions": len(codes),
            "langs": langs, "jobs": jobs, "seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - cpu0 + children_cpu}


def _children_cpu() -> float:
    """CPU seconds of the finished worker processes (user + system)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def link_check(root: str | Path) -> list[tuple[str, str]]:
    """(page, link) for every internal link (href, src, action) that has no file."""
    root = Path(root)
    broken = []
    for page in root.rglob("*.html"):
        text = page.read_text("utf-8")
        for m in ATTR.finditer(text):
            raw = htmlmod.unescape(m.group(2))
            if raw.startswith(("http:", "https:", "mailto:", "data:", "#", "//")) or not raw:
                continue
            path = raw.split("#", 1)[0].split("?", 1)[0]
            if not path:
                continue
            if path.startswith("/"):
                target = root / path.lstrip("/")
            else:
                target = page.parent / path
            if path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append((str(page.relative_to(root)), raw))
    return broken
