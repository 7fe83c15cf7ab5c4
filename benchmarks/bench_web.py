"""Web benchmarks: figures to report, not timed assertions.

    .venv/bin/python benchmarks/bench_web.py [--db STORE] [--json]

Against a real uvicorn server on 127.0.0.1 (the store: --db, else $FRAMTID_HOME, else a fresh import
of ../shared/data into a temporary folder):
- a lever change through the API for one kommune (Hamar, 3403): server-side time (the app's
  Server-Timing header) and client round trip, p50/p95 over distinct lever values (no cache hits);
- the region page's HTML: the first (cold) request and warm repeats;
- the region page's total transfer, gzip-compressed, with everything it loads (HTML, CSS, JS, the
  Vega bundle), excluding map data (the kommune map is loaded by the national page only).

`--pages`: every page type (home, Norway, fylke, BA, kommune, simulator, compare, method, search,
404, API docs): the first request right after start and warm p50/p95.
`--pages --fresh-import`: first a fresh `data import` of ../shared/data into a temporary folder
(as the CLI does: the aggregate pages rendered before the swap; `--no-import-pages` skips that, as
before), its time reported, then the pages measured on that store: «first start after an import».
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FRAMTID_SHARED_DATA", REPO.parent / "shared" / "data"))
KOMMUNE = "3403"


def _store(db: str | None) -> Path:
    if db:
        return Path(db)
    from framtid import config

    if config.default_db_path().exists() and os.environ.get("FRAMTID_HOME"):
        return config.default_db_path()
    from framtid.pipeline import import_snapshot

    path = Path(tempfile.mkdtemp(prefix="framtid-bench-")) / "framtid.duckdb"
    import_snapshot(SHARED_DATA, path)
    return path


def fresh_import(pages: bool = True) -> tuple[Path, dict]:
    """A fresh import of the shared data into a temporary folder, as `framtid data import`
    does (with `pages`: the aggregate web pages rendered before the swap). Returns (store,
    {"import_s", "pages"})."""
    from framtid.pipeline import import_snapshot

    path = Path(tempfile.mkdtemp(prefix="framtid-bench-import-")) / "framtid.duckdb"
    done = {"pages": 0}

    def count(d: int, total: int, url: str) -> None:
        done["pages"] = d

    t = time.perf_counter()
    import_snapshot(SHARED_DATA, path, pages=count if pages else False)
    return path, {"import_s": time.perf_counter() - t, "pages": done["pages"]}


def _serve(db_path: Path):
    import uvicorn

    from framtid.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(db_path)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    return srv, f"http://127.0.0.1:{port}"


def _server_ms(r: httpx.Response) -> float:
    m = re.search(r"dur=([\d.]+)", r.headers.get("server-timing", ""))
    return float(m.group(1)) if m else float("nan")


def _pct(xs, q) -> float:
    return float(np.percentile(np.asarray(xs, dtype=float), q))


def run(db: str | None = None, n: int = 200) -> dict:
    srv, base = _serve(_store(db))
    out: dict = {"kommune": KOMMUNE}
    try:
        with httpx.Client(base_url=base, timeout=60, headers={"Accept-Encoding": "gzip"}) as c:
            t = time.perf_counter()
            r = c.get(f"/api/regions/{KOMMUNE}/projection")
            out["first_projection_ms_incl_model_fit"] = (time.perf_counter() - t) * 1000
            assert r.status_code == 200, r.text[:300]

            # 1. a lever change through the API (distinct values: every call computes)
            server, client = [], []
            for i in range(n):
                params = {"fertility": round(1.2 + 0.004 * i, 3)} if i % 2 else {
                    "young_adults": 5 * i - 500, "healthy_ageing": round(0.02 * i, 2)}
                t = time.perf_counter()
                r = c.get(f"/api/regions/{KOMMUNE}/projection", params=params)
                client.append((time.perf_counter() - t) * 1000)
                server.append(_server_ms(r))
                assert r.status_code == 200, r.text[:300]
            out["lever_change_projection_api"] = {
                "n": n, "server_p50_ms": _pct(server, 50), "server_p95_ms": _pct(server, 95),
                "client_p50_ms": _pct(client, 50), "client_p95_ms": _pct(client, 95),
                "response_gzip_bytes": r.num_bytes_downloaded}
            # the simulator's own call (formatted numbers and three chart specs)
            sim = []
            for i in range(n // 2):
                r = c.get(f"/api/regions/{KOMMUNE}/simulation",
                          params={"lang": "nb", "healthy_ageing": round(0.03 * i, 2),
                                  "young_adults": 3 * i})
                sim.append(_server_ms(r))
            out["lever_change_simulation_api"] = {
                "n": n // 2, "server_p50_ms": _pct(sim, 50), "server_p95_ms": _pct(sim, 95),
                "response_gzip_bytes": r.num_bytes_downloaded}

            # 2. the region page's HTML
            t = time.perf_counter()
            r = c.get(f"/nb/region/{KOMMUNE}")
            cold = (time.perf_counter() - t) * 1000
            warm_server, warm_client = [], []
            for _ in range(30):
                t = time.perf_counter()
                r = c.get(f"/nb/region/{KOMMUNE}")
                warm_client.append((time.perf_counter() - t) * 1000)
                warm_server.append(_server_ms(r))
            out["region_page_html"] = {
                "cold_ms": cold, "warm_server_p50_ms": _pct(warm_server, 50),
                "warm_server_p95_ms": _pct(warm_server, 95),
                "warm_client_p50_ms": _pct(warm_client, 50)}

            # 3. the region page's total transfer, compressed
            html = r.text
            transfer = {"html": r.num_bytes_downloaded}
            raw = {"html": len(r.content)}
            assets = re.findall(r'(?:src|href)="(/(?:static|assets)/[^"]+)"', html)
            for url in assets:
                if "topo.json" in url:
                    continue
                a = c.get(url)
                name = url.split("?")[0].rsplit("/", 1)[-1]
                transfer[name] = a.num_bytes_downloaded
                raw[name] = len(a.content)
            out["region_page_transfer"] = {
                "total_gzip_bytes": sum(transfer.values()),
                "total_uncompressed_bytes": sum(raw.values()),
                "gzip_bytes": transfer, "uncompressed_bytes": raw}
            r = c.get("/nb/")
            topo = re.search(r'"url":"(/assets/kommuner-[^"]+)"', r.text)
            if topo:
                m = c.get(topo.group(1))
                out["map_data_excluded"] = {"gzip_bytes": m.num_bytes_downloaded,
                                            "uncompressed_bytes": len(m.content)}
    finally:
        srv.should_exit = True
    return out


def _print(res: dict) -> None:
    p = res["lever_change_projection_api"]
    s = res["lever_change_simulation_api"]
    h = res["region_page_html"]
    tr = res["region_page_transfer"]
    print(f"kommune {res['kommune']}")
    print(f"first projection (incl. model fit): {res['first_projection_ms_incl_model_fit']:.0f} ms")
    print(f"lever change, /projection: server p50 {p['server_p50_ms']:.1f} ms, "
          f"p95 {p['server_p95_ms']:.1f} ms (client p95 {p['client_p95_ms']:.1f} ms, n={p['n']}, "
          f"{p['response_gzip_bytes']:,} B gzip)")
    print(f"lever change, /simulation: server p50 {s['server_p50_ms']:.1f} ms, "
          f"p95 {s['server_p95_ms']:.1f} ms ({s['response_gzip_bytes']:,} B gzip)")
    print(f"region page HTML: cold {h['cold_ms']:.0f} ms; warm server p50 "
          f"{h['warm_server_p50_ms']:.1f} ms, p95 {h['warm_server_p95_ms']:.1f} ms")
    print(f"region page transfer (gzip, excl. map data): {tr['total_gzip_bytes']:,} B "
          f"(uncompressed {tr['total_uncompressed_bytes']:,} B)")
    for k, v in tr["gzip_bytes"].items():
        print(f"  {k}: {v:,} B gzip / {tr['uncompressed_bytes'][k]:,} B")
    if "map_data_excluded" in res:
        m = res["map_data_excluded"]
        print(f"(map data, national page only: {m['gzip_bytes']:,} B gzip / "
              f"{m['uncompressed_bytes']:,} B)")


PAGE_TYPES = {"home": "/nb/", "norway": "/nb/region/NO", "fylke": "/nb/region/34",
              "ba": "/nb/region/BA005", "kommune": "/nb/region/3403",
              "simulate": "/nb/region/3403/simulate", "compare": "/nb/compare?r=3403&r=34",
              "method": "/nb/method", "search": "/nb/search?q=sand",
              "not_found": "/nb/region/9999", "api_docs": "/api/docs"}


def run_pages(db: str | None = None, n: int = 20, warm: bool = True) -> dict:
    """Every page type: the first request right after start (cold) and `n` repeats (warm
    p50/p95, client round trip), with the app as `framtid serve` runs it (warming at start,
    pages kept on disk beside the store). Run twice: the first start after an import has an
    empty page cache; a restart finds the pages on disk."""
    import uvicorn

    from framtid.web.app import create_app

    db_path = _store(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        app = create_app(db_path, warm=warm)
    except TypeError:
        app = create_app(db_path)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t0 = time.perf_counter()
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    out: dict = {"started_s": time.perf_counter() - t0, "pages": {}}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as c:
            for kind, url in PAGE_TYPES.items():
                t = time.perf_counter()
                r = c.get(url)
                cold = (time.perf_counter() - t) * 1000
                times = []
                for _ in range(n):
                    t = time.perf_counter()
                    c.get(url)
                    times.append((time.perf_counter() - t) * 1000)
                out["pages"][kind] = {"status": r.status_code, "cold_ms": cold,
                                      "warm_p50_ms": _pct(times, 50),
                                      "warm_p95_ms": _pct(times, 95)}
    finally:
        srv.should_exit = True
    return out


def _print_pages(res: dict) -> None:
    print(f"{'page':10} {'status':>6} {'cold ms':>10} {'warm p50':>9} {'warm p95':>9}")
    for kind, p in res["pages"].items():
        print(f"{kind:10} {p['status']:>6} {p['cold_ms']:>10.0f} {p['warm_p50_ms']:>9.1f} "
              f"{p['warm_p95_ms']:>9.1f}")
    if "load_average" in res:
        print("load average at the end: " + ", ".join(f"{x:.2f}" for x in res["load_average"]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="store file (default: $FRAMTID_HOME or a fresh import)")
    ap.add_argument("--n", type=int, default=200, help="lever changes to time")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--pages", action="store_true",
                    help="every page type: cold first request after start, warm p50/p95")
    ap.add_argument("--fresh-import", action="store_true",
                    help="with --pages: import the shared data first (timed), then measure")
    ap.add_argument("--no-import-pages", action="store_true",
                    help="with --fresh-import: do not render the pages at import")
    args = ap.parse_args(argv)
    if args.pages:
        db, imported = args.db, None
        if args.fresh_import:
            path, imported = fresh_import(pages=not args.no_import_pages)
            db = str(path)
        try:
            res = run_pages(db, n=args.n if args.n != 200 else 20)
        finally:
            if args.fresh_import:
                import shutil

                shutil.rmtree(Path(db).parent, ignore_errors=True)
        if imported is not None:
            res["import"] = imported
            if not args.json:
                print(f"import: {imported['import_s']:.0f} s, {imported['pages']} pages "
                      "rendered before the swap")
        res["load_average"] = os.getloadavg()
        if args.json:
            json.dump(res, sys.stdout, indent=2)
            print()
        else:
            _print_pages(res)
        return
    res = run(args.db, args.n)
    if args.json:
        json.dump(res, sys.stdout, indent=2)
        print()
    else:
        _print(res)


def test_bench_web(capsys):
    """Under pytest (e.g. `pytest benchmarks/bench_web.py -s`): run and print; no timing limits."""
    res = run(n=60)
    _print(res)
    assert res["region_page_transfer"]["total_gzip_bytes"] > 0


if __name__ == "__main__":
    main()
