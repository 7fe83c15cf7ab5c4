"""The page cache (web/pagecache.py): one computation per key, kept per store version."""

from __future__ import annotations

import threading
import time

from framtid.web.pagecache import PageCache, SingleFlight, warm_urls


def test_single_flight_computes_once_for_concurrent_callers():
    sf = SingleFlight()
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return b"page"

    out = []
    threads = [threading.Thread(target=lambda: out.append(sf.do("k", slow))) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert out == [b"page"] * 8 and len(calls) == 1


def test_single_flight_passes_the_error_to_every_waiter():
    sf = SingleFlight()
    errors = []

    def fail():
        time.sleep(0.2)
        raise RuntimeError("boom")

    def call():
        try:
            sf.do("k", fail)
        except RuntimeError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == ["boom"] * 4 and sf.computed == 1


def test_page_cache_follows_the_store_version_and_keeps_a_disk_copy(tmp_path):
    version = [1]
    cache = PageCache(tmp_path, lambda: version[0], build="b")
    built = []

    def build(text):
        def f():
            built.append(text)
            return text.encode(), True
        return f

    assert cache.get("/nb/region/NO", 1, build("one")) == b"one"
    assert cache.get("/nb/region/NO", 1, build("again")) == b"one"
    # a new process over the same store reads the page from disk
    other = PageCache(tmp_path, lambda: version[0], build="b")
    assert other.get("/nb/region/NO", 1, build("disk?")) == b"one"
    # a swapped store: the old page is never served, the old folder is removed
    version[0] = 2
    assert cache.get("/nb/region/NO", 2, build("two")) == b"two"
    assert built == ["one", "two"]
    assert [d.name for d in (tmp_path / "pages").iterdir()] == ["b-2"]
    # a page computed for a store that is gone is returned but not kept
    assert cache.get("/nb/region/34", 1, build("stale")) == b"stale"
    assert cache.peek("/nb/region/34", 2) is None


def test_pages_that_must_not_be_kept_are_computed_again(tmp_path):
    cache = PageCache(None, lambda: 1, build="b")
    n = []

    def pending():
        n.append(1)
        return b"pending", False

    cache.get("/nb/method", 1, pending)
    cache.get("/nb/method", 1, pending)
    assert len(n) == 2


def test_warm_urls_start_with_norway(ctx):
    urls = warm_urls(ctx.regions)
    assert urls[1] == "/nb/region/NO"
    assert len(urls) == len(set(urls))
    assert "/nb/region/34" in urls and "/en/region/BA005" in urls


def test_import_renders_pages_beside_the_new_store_before_the_swap(tmp_path, shared_data,
                                                                   monkeypatch):
    """`data import` with pages: the pages are rendered for the new store file before it is
    swapped in, under its version, so a server started afterwards serves them without
    computing anything; a running server's folder is not removed by the build."""
    from fastapi.testclient import TestClient

    from framtid.pipeline import import_snapshot
    from framtid.web import prebuild
    from framtid.web.app import create_app

    urls = ["/nb/region/BA131", "/nn/region/BA131"]   # a small BA-region: a short test
    monkeypatch.setattr(prebuild, "prebuild_urls", lambda regions: urls)
    store = tmp_path / "framtid.duckdb"
    old_folder = tmp_path / "web-cache" / "pages" / "someone-else-1"
    old_folder.mkdir(parents=True)
    seen = []
    import_snapshot(shared_data, store, pages=lambda d, t, url: seen.append((d, t, url)))
    assert seen[0] == (0, 2, "") and seen[-1] == (2, 2, "/nn/region/BA131")
    assert old_folder.exists()                       # not the build's to remove
    assert not (tmp_path / "workshop.sqlite").exists()   # pages only: no workshop opened
    app = create_app(store, disk_cache=True)
    with TestClient(app) as c:
        for url in urls:
            r = c.get(url)
            assert r.status_code == 200 and "Hábmer - Hamarøy" in r.text
        assert app.state.pages.flight.computed == 0      # both read from disk
        assert c.get("/en/region/BA131").status_code == 200
        assert app.state.pages.flight.computed == 1      # not built: computed on demand


def test_page_groups_keep_every_language_of_a_page_together_method_first():
    from framtid.web.prebuild import page_groups

    urls = ["/nb/", "/nb/region/NO", "/nn/region/NO", "/nn/", "/nb/region/34",
            "/nn/region/34", "/nb/method", "/nn/method"]
    assert page_groups(urls) == [["/nb/method", "/nn/method"], ["/nb/", "/nn/"],
                                 ["/nb/region/NO", "/nn/region/NO"],
                                 ["/nb/region/34", "/nn/region/34"]]


def test_pages_built_in_worker_processes_are_served_from_disk(tmp_path, shared_data):
    """The parallel build (two spawned workers) writes the same cache a server reads: a server
    started afterwards computes none of the pages it built."""
    import shutil

    from fastapi.testclient import TestClient

    from framtid.pipeline import import_snapshot
    from framtid.web.app import create_app
    from framtid.web.prebuild import build_pages

    store = tmp_path / "framtid.duckdb"
    import_snapshot(shared_data, store)
    urls = ["/nb/region/BA131", "/en/region/BA131", "/nb/region/5001", "/nn/region/5001"]
    seen = []
    res = build_pages(store, lambda d, t, url: seen.append(d), urls=urls, jobs=2)
    assert res["jobs"] == 2 and res["pages"] == 4 and res["failed"] == []
    assert seen[0] == 0 and seen[-1] == 4
    app = create_app(store, disk_cache=True, workshop=False)
    with TestClient(app) as c:
        for url in urls:
            assert c.get(url).status_code == 200
        assert app.state.pages.flight.computed == 0
    shutil.rmtree(tmp_path / "web-cache", ignore_errors=True)
