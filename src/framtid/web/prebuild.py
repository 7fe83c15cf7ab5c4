"""Pages built at import: the aggregate pages rendered beside a new store before it is swapped in.

The national, fylke and BA-region pages need the stochastic run of many kommuner (Norway: half a
minute cold), so the first visitor after `data import` or `data update` used to wait for them.
`build_pages(new_store)` renders them through the app itself, over the store file that is about
to be swapped in (`store.write_dataset(…, before_swap=…)`), into the page cache's disk folder
(web/pagecache.py) under that file's version. The swap (`os.replace`) keeps the file's
modification time, which is the store version, so a server that sees the new store finds its
pages already on disk; a running server keeps serving the old store's pages until the swap, and
no old folder is removed here (the server does that when it follows the new version).

Built, in this order: the home page, Norway, the fylker and the BA-regions (bokmål, then nynorsk
and English: the stochastic runs and story facts are shared between languages), then the method
page, whose backtest and track record are computed here once and kept on disk as well.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

# progress(done, total, url) after each page; (0, total, "") before the first.
PageProgress = Callable[[int, int, str], None]


def prebuild_urls(regions, langs=("nb", "nn", "en")) -> list[str]:
    """The pages built at import: those `warm_urls` lists (home, Norway, fylker, BA-regions in
    every language) and the method page in every language last."""
    from .pagecache import warm_urls

    return warm_urls(regions, langs) + [f"/{lang}/method" for lang in langs]


def build_pages(db_path: Path | str, progress: PageProgress | None = None,
                urls: list[str] | None = None) -> dict:
    """Render `urls` (default: `prebuild_urls`) for the store file `db_path` into the page cache
    beside it. Returns {"pages", "seconds", "version", "failed"}; a page that does not render
    (status ≠ 200) is counted in `failed` and left to the server to compute on demand."""
    import httpx

    from ..context import Context
    from .app import create_app
    from .pagecache import PageCache
    from .services import Services

    t0 = time.perf_counter()
    ctx = Context(Path(db_path))
    svc = Services(ctx, heavy_slots=1, heavy_wait=3600)
    app = create_app(services=svc, disk_cache=True, workshop=False)
    version = ctx.store.version()
    # Never prune: the folders beside this one belong to the store a server may still be serving.
    app.state.pages = PageCache(app.state.assets.cache_dir, ctx.store.version, prune=False)
    urls = urls if urls is not None else prebuild_urls(ctx.regions)
    report = progress or (lambda done, total, url: None)
    report(0, len(urls), "")
    if any(u.endswith("/method") for u in urls):   # computed once, kept on disk by version
        svc.backtest(app.state.assets.cache_dir, wait=24 * 3600)
        svc.trackrecord(app.state.assets.cache_dir, wait=24 * 3600)

    async def run() -> list[str]:
        failed = []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://prebuild") as client:
            for i, url in enumerate(urls, 1):
                r = await client.get(url)
                if r.status_code != 200:
                    failed.append(url)
                report(i, len(urls), url)
        return failed

    failed = asyncio.run(run())
    if ctx.store.version() != version:      # the file changed under us: nothing is kept for it
        raise RuntimeError(f"{db_path} changed while its pages were built")
    return {"pages": len(urls) - len(failed), "failed": failed, "version": version,
            "seconds": time.perf_counter() - t0}
