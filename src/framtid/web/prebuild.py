"""Pages built at import: the aggregate pages rendered beside a new store before it is swapped in.

The national, fylke and BA-region pages need the stochastic run of many kommuner (Norway: half a
minute cold), so the first visitor after `data import` or `data update` used to wait for them.
`build_pages(new_store)` renders them through the app itself, over the store file that is about
to be swapped in (`store.write_dataset(…, before_swap=…)`), into the page cache's disk folder
(web/pagecache.py) under that file's version. The swap (`os.replace`) keeps the file's
modification time, which is the store version, so a server that sees the new store finds its
pages already on disk; a running server keeps serving the old store's pages until the swap, and
no old folder is removed here (the server does that when it follows the new version).

Built by page, every language of a page together (the stochastic runs and story facts are
shared between languages), over worker processes (one per core; each fits the model once): the
method page first (its backtest and track record are computed here once and kept on disk as
well), then the home page, Norway, the fylker, the BA-regions and the kommuner
(`FRAMTID_PAGE_SET=aggregates` leaves the kommune pages to the server).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .i18n import LANGS

# progress(done, total, url) after each page; (0, total, "") before the first.
PageProgress = Callable[[int, int, str], None]


def prebuild_urls(regions, langs=("nb", "nn", "en"), kommuner: bool | None = None) -> list[str]:
    """The pages built at import: those `warm_urls` lists (home, Norway, fylker, BA-regions in
    every language), the method page in every language, and — unless `kommuner` is False
    (default: FRAMTID_PAGE_SET is not «aggregates») — every kommune page: with them on disk a
    visitor's first look at any region is read, not computed, which is what lets two workers
    serve a hundred people at once (docs/validation.md, «Memory and capacity»)."""
    from .pagecache import warm_urls

    if kommuner is None:
        kommuner = os.environ.get("FRAMTID_PAGE_SET", "all").strip().lower() != "aggregates"
    urls = warm_urls(regions, langs) + [f"/{lang}/method" for lang in langs]
    if kommuner:
        urls += [f"/{lang}/region/{r.code}" for r in regions.all("kommune") for lang in langs]
    return urls


def page_groups(urls: list[str]) -> list[list[str]]:
    """The URLs grouped by page, every language of a page together (its stochastic run and story
    facts are computed once and shared between languages), in the order of first appearance;
    the method pages first, since their backtest takes longest."""
    groups: dict[str, list[str]] = {}
    for url in urls:
        parts = url.strip("/").split("/", 1)
        key = (parts[1] if len(parts) > 1 else "") if parts[0] in LANGS else url
        groups.setdefault(key, []).append(url)
    return sorted(groups.values(), key=lambda g: not g[0].endswith("/method"))


def default_jobs() -> int:
    """Worker processes for the build: FRAMTID_PAGE_JOBS, else one per core."""
    raw = os.environ.get("FRAMTID_PAGE_JOBS", "").strip()
    return max(1, int(raw)) if raw.isdigit() else max(1, os.cpu_count() or 1)


class _Renderer:
    """The app over one store file, rendering pages into the page cache beside it (one per
    process)."""

    def __init__(self, db_path: Path | str):
        from ..context import Context
        from .app import create_app
        from .pagecache import PageCache
        from .services import Services

        self.ctx = Context(Path(db_path))
        self.svc = Services(self.ctx, heavy_slots=1, heavy_wait=3600)
        self.app = create_app(services=self.svc, disk_cache=True, workshop=False)
        # Never prune: the folders beside this one belong to the store a server may still serve.
        self.app.state.pages = PageCache(self.app.state.assets.cache_dir, self.ctx.store.version,
                                         prune=False)

    def render(self, urls: list[str], each: Callable[[str, bool], None] | None = None
               ) -> list[str]:
        """Render `urls`; returns those that did not answer 200."""
        import httpx

        if any(u.endswith("/method") for u in urls):   # computed once, kept on disk by version
            cache_dir = self.app.state.assets.cache_dir
            self.svc.backtest(cache_dir, wait=24 * 3600)
            self.svc.trackrecord(cache_dir, wait=24 * 3600)

        async def run() -> list[str]:
            failed = []
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://prebuild") as c:
                for url in urls:
                    ok = (await c.get(url)).status_code == 200
                    if not ok:
                        failed.append(url)
                    if each:
                        each(url, ok)
            return failed

        return asyncio.run(run())


_WORKER: _Renderer | None = None


def _worker_init(db_path: str) -> None:
    global _WORKER
    _WORKER = _Renderer(db_path)


def _worker_render(urls: list[str]) -> list[str]:
    assert _WORKER is not None
    return _WORKER.render(urls)


def build_pages(db_path: Path | str, progress: PageProgress | None = None,
                urls: list[str] | None = None, jobs: int | None = None) -> dict:
    """Render `urls` (default: `prebuild_urls`) for the store file `db_path` into the page cache
    beside it, in `jobs` worker processes (default: `default_jobs()`; one renders in this
    process). Returns {"pages", "seconds", "version", "failed", "jobs"}; a page that does not
    render (status ≠ 200) is counted in `failed` and left to the server to compute on demand."""
    from ..context import Context

    t0 = time.perf_counter()
    ctx = Context(Path(db_path))
    version = ctx.store.version()
    urls = urls if urls is not None else prebuild_urls(ctx.regions)
    groups = page_groups(urls)
    jobs = max(1, min(jobs or default_jobs(), len(groups)))
    report = progress or (lambda done, total, url: None)
    report(0, len(urls), "")
    done = 0
    failed: list[str] = []
    if jobs == 1:
        def each(url: str, ok: bool) -> None:
            nonlocal done
            done += 1
            report(done, len(urls), url)

        renderer = _Renderer(db_path)
        for group in groups:
            failed += renderer.render(group, each)
    else:
        # Spawned, not forked: a child must not inherit this process's DuckDB or thread state.
        # Each worker fits the model once and renders whole groups (a page in every language).
        mp = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(jobs, mp_context=mp, initializer=_worker_init,
                                 initargs=(str(db_path),)) as pool:
            futures = {pool.submit(_worker_render, g): g for g in groups}
            for fut in as_completed(futures):
                group = futures[fut]
                failed += fut.result()
                done += len(group)
                report(done, len(urls), group[-1])
    if ctx.store.version() != version:      # the file changed under us: nothing is kept for it
        raise RuntimeError(f"{db_path} changed while its pages were built")
    return {"pages": len(urls) - len(failed), "failed": failed, "version": version,
            "jobs": jobs, "seconds": time.perf_counter() - t0}
