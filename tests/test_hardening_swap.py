"""Hardening (#12): a store swapped under load never gives a 5xx, and every cache follows it."""

from __future__ import annotations

import os
import shutil
import threading
import warnings
from collections import Counter

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from framtid.context import Context
from framtid.model import service as model_service
from framtid.pipeline import import_snapshot
from framtid.store import connect


@pytest.fixture()
def store_copy(tmp_path, db_path):
    path = tmp_path / "framtid.duckdb"
    shutil.copy(db_path, path)
    return path


def test_projection_with_paths_survives_a_swap_while_fitting(store_copy, monkeypatch):
    """Before: KeyError (db, mtime, year) in _stochastic_params, whose cache key was re-read after
    the file had been swapped (here: the store's version changes each time the model reads it)."""
    from framtid.model.inputs import ModelInputs

    ctx = Context(store_copy)
    model_service.clear_cache()
    read = ModelInputs.from_store.__func__
    tick = iter(range(10**9, 2 * 10**9))

    def from_store_then_swap(cls, *args, **kwargs):
        out = read(cls, *args, **kwargs)
        ns = next(tick) * 1000
        os.utime(store_copy, ns=(ns, ns))   # «swapped» while the model was being fitted
        return out

    monkeypatch.setattr(ModelInputs, "from_store", classmethod(from_store_then_swap))
    res = model_service.project_region(ctx, "3403", paths=20, to_year=2030)
    assert "quantiles" in res and res["years"][-1] == 2030
    model_service.clear_cache()


def test_connect_sees_the_new_file_while_the_old_one_is_open(store_copy, tmp_path):
    """DuckDB shares one instance per path in a process: a plain duckdb.connect(path) keeps
    returning the old store as long as any connection to it is open."""
    import duckdb

    new = tmp_path / "other.duckdb"
    con = duckdb.connect(str(new))
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('origin', 'the new one')")
    con.close()
    with connect(store_copy) as held:
        held.execute("SELECT count(*) FROM population").fetchone()
        os.replace(new, store_copy)
        with connect(store_copy) as fresh:
            assert fresh.execute("SELECT value FROM meta WHERE key = 'origin'").fetchone()[0] == \
                "the new one"


def test_lru_never_keeps_a_value_of_an_old_version():
    from framtid.web.services import LRU

    now = {"v": 1}
    lru = LRU(8, lambda: now["v"])
    v = 1                                  # a request reads the version once …
    assert lru.get("k", v) is None
    now["v"] = 2                           # … the store is swapped while it computes …
    assert lru.get("k", 2) is None         # (another request sees the new version)
    assert lru.put("k", "old", v) == "old"  # … its old answer is returned but not kept
    assert lru.get("k", 2) is None
    lru.put("k", "new", 2)
    assert lru.get("k", 2) == "new"


def _swap_in_other_names(store_copy, tmp_path, shared_data):
    """Import a snapshot whose kommune map names 3403 differently."""
    from test_store_import import _linked_copy

    snap = _linked_copy(shared_data, tmp_path / "snap")
    topo = snap / "extra/geo/robhop2024_Kommuner-S.topojson"
    text = topo.read_text(encoding="utf-8")
    assert '"Hamar"' in text
    topo.unlink()
    topo.write_text(text.replace('"Hamar"', '"Hamar Renamed"'), encoding="utf-8")
    import_snapshot(snap, store_copy)


def test_map_topojson_and_backtest_follow_the_store(store_copy, tmp_path, shared_data):
    from framtid.web.app import create_app

    app = create_app(store_copy)
    assets = app.state.assets
    with TestClient(app) as client:
        old_url = f"/assets/kommuner-{assets.map_version}.topo.json"
        old = client.get(old_url)
        assert old.status_code == 200 and b"Hamar Renamed" not in old.content
        svc = app.state.services
        svc._backtest = (app.state.ctx.store.version(), {"marker": "old"})
        assert svc.backtest() == {"marker": "old"}
        _swap_in_other_names(store_copy, tmp_path, shared_data)
        new_url = f"/assets/kommuner-{assets.map_version}.topo.json"
        assert new_url != old_url
        new = client.get(new_url)
        assert new.status_code == 200 and b"Hamar Renamed" in new.content
        assert client.get(old_url).status_code == 404
        # the old backtest is not shown for the new store (None: being computed)
        import framtid.model.service as ms

        calls = []
        orig = ms.run_backtest
        ms.run_backtest = lambda *a, **k: calls.append(a) or {"marker": "new"}
        try:
            first = svc.backtest(wait=5)
        finally:
            ms.run_backtest = orig
        assert first in (None, {"marker": "new"}) and calls
        assert svc.backtest() == {"marker": "new"}
        assert svc.region("3403").name == "Hamar Renamed"


def test_ten_imports_under_load_give_no_errors(store_copy, shared_data):
    """`data import` 10 times while threads ask for projections with paths and region pages.
    (The heavy-work cap is opened wide here: this test is about the swap, not about 503s.)"""
    from framtid.web.app import create_app
    from framtid.web.services import Services

    app = create_app(services=Services(Context(store_copy), heavy_slots=8, heavy_wait=120))
    urls = ["/api/regions/3403/projection?paths=50", "/nb/region/3403", "/api/regions/3403",
            "/healthz", "/api/regions/3403/history"]
    statuses: Counter = Counter()
    failures: list[str] = []
    stop = threading.Event()

    def hammer(offset: int) -> None:
        i = offset
        while not stop.is_set():
            url = urls[i % len(urls)]
            i += 1
            try:
                r = client.get(url)
            except Exception as exc:  # noqa: BLE001 - any escape is a failure to report
                statuses["exception"] += 1
                failures.append(f"{url} → {exc!r}")
                continue
            statuses[r.status_code] += 1
            if not 200 <= r.status_code < 300:
                failures.append(f"{url} → {r.status_code}: {r.text[:200]}")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get(urls[0]).status_code == 200
        threads = [threading.Thread(target=hammer, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        try:
            for _ in range(10):
                import_snapshot(shared_data, store_copy)
        finally:
            stop.set()
            for t in threads:
                t.join(120)
        versions = app.state.ctx.store.version()
        assert client.get("/healthz").status_code == 200
    print("swap under load:", dict(statuses))
    assert not failures, (dict(statuses), failures[:5])
    assert sum(statuses.values()) > 20, statuses
    assert versions == os.stat(store_copy).st_mtime_ns
