"""Load test of the web app: U simulated visitors (asyncio + httpx) against `framtid serve`.

The server is the real one, started as a user starts it (`framtid serve --workers N`: uvicorn in
its own process group, N worker processes). Each visitor waits a think time, then asks for one
thing from a mixed workload, over and over for the duration:

  home pages, kommune / fylke / BA-region / Norway pages in nb, nn and en, the simulator with
  lever changes (page and API), compare, method, search (page and API), the projection JSON (with
  and without levers) and a few addresses that must answer 404.

Every answer is checked against the status it must have (200, or 404 for the wrong addresses);
anything else — 5xx (503 included), a timeout, a broken connection, a wrong status — is an error.
Reported: throughput, p50/p95/p99/max latency (overall and per kind), errors by kind, and the
resident memory of every server process (sampled from /proc each second: peak and end).

    python -m framtid.web.loadtest --store DIR [--users 100] [--duration 60] [--workers 2]

tests/test_load_web.py runs it at CI size (asserting 0 errors and RSS ≤ the ceiling, never a
time); benchmarks/bench_web_load.py runs it at full size (100 users, ≥ 60 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from ..workshop.loadtest import Server, _pct

# Per-process memory ceiling of a web worker (RSS, MB): docs/validation.md, «Memory». The parts:
# the fitted model and store ≈ 0.6 GB, the page cache 96 MB, the result cache 160 MB
# (services.CACHE_BYTES) and the heavy computations at once (one per core, bounded by chunking).
RSS_CEILING_MB = 1280

LANGS = ("nb", "nn", "en")
# Share of requests per kind (sums to 1). Region pages dominate, as they would from search
# engines and shared links; the simulator and the API carry the lever changes.
MIX = {
    "home": 0.08, "kommune": 0.22, "fylke": 0.07, "ba": 0.07, "norway": 0.05,
    "simulate_page": 0.08, "simulate_api": 0.10, "compare": 0.05, "method": 0.03,
    "search_page": 0.03, "search_api": 0.03, "projection_api": 0.09, "not_found": 0.03,
    "region_api": 0.07,
}
SEARCH_WORDS = ("ham", "oslo", "tromsø", "bergen", "lillehammer", "bodø", "molde", "alta",
                "kristiansand", "vik")
LEVER_GRID = 9            # lever values a visitor picks from: 9 evenly spaced over the range


@dataclass
class Figures:
    users: int
    workers: int
    duration_s: float = 0.0
    requests: int = 0
    ok: int = 0
    errors: dict = field(default_factory=dict)
    throughput_rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    by_kind: dict = field(default_factory=dict)      # kind: {n, p50_ms, p95_ms}
    rss_peak_mb: dict = field(default_factory=dict)  # process label: peak RSS
    rss_end_mb: dict = field(default_factory=dict)
    rss_peak_total_mb: float = 0.0
    client_lag_p95_ms: float = 0.0
    load_before: list = field(default_factory=list)  # /proc/loadavg (1, 5, 15 min)
    load_after: list = field(default_factory=list)

    @property
    def n_errors(self) -> int:
        return sum(self.errors.values())

    @property
    def rss_worker_peak_mb(self) -> float:
        return max(self.rss_peak_mb.values(), default=0.0)


class WebServer(Server):
    """`framtid serve --workers N` over the store in `store_dir` (FRAMTID_HOME), as a user runs
    it: the CLI's own checks, its uvicorn options and its worker processes."""

    def __init__(self, store_dir: Path | str, workers: int = 2, port: int | None = None,
                 env: dict | None = None, log: Path | None = None):
        super().__init__(store_dir, None, workers, port, env, log)

    def start(self, timeout: float = 600) -> "WebServer":
        """Up when /healthz answers; each worker fits the model before its first request."""
        super().start(timeout)
        return self

    def command(self) -> list[str]:
        return [sys.executable, "-c", "from framtid.cli import main; main()", "serve",
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]

    def processes(self) -> dict[int, str]:
        """{pid: label} of the server's processes: the CLI process and its descendants."""
        if not self.proc or self.proc.poll() is not None:
            return {}
        return {pid: label for pid, label in _tree(self.proc.pid).items()}

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of every server process now, in MB ({label: MB})."""
        out = {}
        for pid, label in self.processes().items():
            kb = _status_kb(pid, "VmRSS")
            if kb is not None:
                out[label] = kb / 1024
        return out


def _tree(root: int) -> dict[int, str]:
    """root and all its descendants, labelled «main» / «worker-<pid>» / «other-<pid>»."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid != root:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            kind = "worker" if b"spawn_main" in cmd else "other"
            out[pid] = f"{kind}-{pid}"
        else:
            out[pid] = "main"
        todo.extend(children.get(pid, []))
    return out


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


@dataclass
class Catalogue:
    """What the visitors can ask for: region codes by level and the levers' ranges."""
    kommuner: list[str]
    fylker: list[str]
    ba: list[str]
    levers: list[dict]

    @classmethod
    def load(cls, base: str) -> "Catalogue":
        with httpx.Client(base_url=base, timeout=120) as c:
            regions = c.get("/api/regions").json()
            levers = c.get("/api/levers").json()
        by = {}
        for r in regions:
            by.setdefault(r["level"], []).append(r["code"])
        return cls(sorted(by.get("kommune", [])), sorted(by.get("fylke", [])),
                   sorted(by.get("ba", [])), levers)


def _lever_query(cat: Catalogue, rnd: random.Random, n: int = 1) -> dict[str, str]:
    out = {}
    for m in rnd.sample(cat.levers, min(n, len(cat.levers))):
        lo, hi = float(m["min"]), float(m["max"])
        out[m["name"]] = f"{lo + (hi - lo) * rnd.randint(0, LEVER_GRID - 1) / (LEVER_GRID - 1):g}"
    return out


def pick(cat: Catalogue, rnd: random.Random) -> tuple[str, str, dict, int]:
    """(kind, path, query, expected status) of one request of the mixed workload."""
    kind = rnd.choices(list(MIX), weights=list(MIX.values()))[0]
    lang = rnd.choice(LANGS)
    kommune = rnd.choice(cat.kommuner)
    if kind == "home":
        return kind, f"/{lang}/", {}, 200
    if kind == "kommune":
        return kind, f"/{lang}/region/{kommune}", {}, 200
    if kind == "fylke":
        return kind, f"/{lang}/region/{rnd.choice(cat.fylker)}", {}, 200
    if kind == "ba":
        return kind, f"/{lang}/region/{rnd.choice(cat.ba)}", {}, 200
    if kind == "norway":
        return kind, f"/{lang}/region/NO", {}, 200
    if kind == "simulate_page":
        return kind, f"/{lang}/region/{kommune}/simulate", _lever_query(cat, rnd), 200
    if kind == "simulate_api":
        q = {**_lever_query(cat, rnd, rnd.randint(1, 2)), "lang": lang}
        return kind, f"/api/regions/{kommune}/simulation", q, 200
    if kind == "compare":
        return kind, f"/{lang}/compare", {"r": rnd.sample(cat.kommuner, 2)}, 200
    if kind == "method":
        return kind, f"/{lang}/method", {}, 200
    if kind == "search_page":
        return kind, f"/{lang}/search", {"q": rnd.choice(SEARCH_WORDS)}, 200
    if kind == "search_api":
        return kind, "/api/regions/search", {"q": rnd.choice(SEARCH_WORDS)}, 200
    if kind == "projection_api":
        q = _lever_query(cat, rnd) if rnd.random() < 0.5 else {}
        return kind, f"/api/regions/{kommune}/projection", q, 200
    if kind == "region_api":
        return kind, f"/api/regions/{kommune}", {}, 200
    wrong = rnd.choice([f"/{lang}/region/9999", "/api/regions/ZZ99", f"/{lang}/no-such-page",
                        "/api/regions/9999/projection"])
    return "not_found", wrong, {}, 404


async def run_load(base: str, users: int = 100, duration_s: float = 60.0,
                   think_s: tuple[float, float] = (1.0, 5.0), ramp_s: float = 10.0,
                   seed: int = 2050, timeout_s: float = 30.0, cat: Catalogue | None = None,
                   sample_rss=None) -> Figures:
    """U visitors for `duration_s` after a ramp of `ramp_s` (visitor i starts at i/U · ramp).
    `sample_rss()` ({label: MB}) is called once a second for the memory figures."""
    cat = cat or Catalogue.load(base)
    fig = Figures(users, 0)
    lat: list[float] = []
    kinds: dict[str, list[float]] = {}
    peak: dict[str, float] = {}
    totals: list[float] = []
    limits = httpx.Limits(max_connections=users + 10, max_keepalive_connections=users)
    t0 = time.perf_counter()
    stop_at = t0 + ramp_s + duration_s
    done = asyncio.Event()

    def error(key: str) -> None:
        fig.errors[key] = fig.errors.get(key, 0) + 1

    async with httpx.AsyncClient(base_url=base, timeout=timeout_s, limits=limits,
                                 follow_redirects=True) as client:
        async def visitor(i: int) -> None:
            rnd = random.Random(seed * 10_000 + i)
            await asyncio.sleep(ramp_s * i / max(1, users))
            while True:
                await asyncio.sleep(rnd.uniform(*think_s))
                if time.perf_counter() >= stop_at:
                    return
                kind, path, query, expect = pick(cat, rnd)
                t = time.perf_counter()
                try:
                    r = await client.get(path, params=query)
                except httpx.TimeoutException:
                    error(f"{kind} timeout")
                    continue
                except httpx.HTTPError as exc:
                    error(f"{kind} {type(exc).__name__}")
                    continue
                ms = (time.perf_counter() - t) * 1000
                fig.requests += 1
                lat.append(ms)
                kinds.setdefault(kind, []).append(ms)
                if r.status_code == expect:
                    fig.ok += 1
                else:
                    error(f"{kind} {r.status_code}")

        async def sampler() -> None:
            while not done.is_set():
                if sample_rss is not None:
                    now = sample_rss()
                    for k, v in now.items():
                        peak[k] = max(peak.get(k, 0.0), v)
                    totals.append(sum(now.values()))
                try:
                    await asyncio.wait_for(done.wait(), 1.0)
                except asyncio.TimeoutError:
                    pass

        lags: list[float] = []

        async def ticker() -> None:          # a 50 ms sleep that overshoots = a starved client
            while not done.is_set():
                t1 = time.perf_counter()
                await asyncio.sleep(0.05)
                lags.append(max(0.0, (time.perf_counter() - t1 - 0.05) * 1000))

        side = [asyncio.create_task(sampler()), asyncio.create_task(ticker())]
        await asyncio.gather(*(visitor(i) for i in range(users)))
        done.set()
        await asyncio.gather(*side)
    fig.duration_s = time.perf_counter() - t0
    active = max(1e-9, fig.duration_s - ramp_s / 2)     # the ramp counts half
    fig.throughput_rps = fig.requests / active
    fig.p50_ms, fig.p95_ms, fig.p99_ms = _pct(lat, 50), _pct(lat, 95), _pct(lat, 99)
    fig.max_ms = max(lat, default=0.0)
    fig.by_kind = {k: {"n": len(v), "p50_ms": round(_pct(v, 50), 1),
                       "p95_ms": round(_pct(v, 95), 1)} for k, v in sorted(kinds.items())}
    fig.rss_peak_mb = {k: round(v, 1) for k, v in peak.items()}
    fig.rss_peak_total_mb = round(max(totals, default=0.0), 1)
    fig.client_lag_p95_ms = _pct(lags, 95)
    return fig


def prime(base: str, cat: Catalogue, timeout_s: float = 600.0) -> None:
    """Before measuring: one request of each kind, in turn, so that every worker has loaded the
    model (a server is measured ready, as after its start-up warming), not cold."""
    rnd = random.Random(1)
    seen: set[str] = set()
    with httpx.Client(base_url=base, timeout=timeout_s, follow_redirects=True) as c:
        for _ in range(400):
            kind, path, query, _ = pick(cat, rnd)
            if kind in seen:
                continue
            for _ in range(10):             # retry while the server is still warming (503)
                if c.get(path, params=query).status_code != 503:
                    break
                time.sleep(2)
            seen.add(kind)
            if len(seen) == len(MIX):
                break


def measure(store: Path | str, users: int = 100, duration_s: float = 60.0, workers: int = 2,
            think_s: tuple[float, float] = (1.0, 5.0), ramp_s: float = 10.0,
            log: Path | None = None, env: dict | None = None, timeout_s: float = 30.0
            ) -> Figures:
    """Start the server, prime it, run the load, stop it; the figures."""
    with WebServer(store, workers, env=env, log=log) as srv:
        cat = Catalogue.load(srv.url)
        for _ in range(workers):
            prime(srv.url, cat)
        load_before = _loadavg()
        fig = asyncio.run(run_load(srv.url, users, duration_s, think_s, ramp_s, cat=cat,
                                   timeout_s=timeout_s, sample_rss=srv.rss_mb))
        fig.rss_end_mb = {k: round(v, 1) for k, v in srv.rss_mb().items()}
    fig.workers = workers
    fig.load_before, fig.load_after = load_before, _loadavg()
    return fig


def report(fig: Figures) -> dict:
    return {**asdict(fig), "n_errors": fig.n_errors,
            "rss_worker_peak_mb": round(fig.rss_worker_peak_mb, 1),
            "rss_ceiling_mb": RSS_CEILING_MB}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", required=True, help="folder with framtid.duckdb (FRAMTID_HOME)")
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--ramp", type=float, default=10.0)
    args = ap.parse_args(argv)
    fig = measure(args.store, args.users, args.duration, args.workers, ramp_s=args.ramp)
    print(json.dumps(report(fig), indent=2))
    return 0 if fig.n_errors == 0 and fig.rss_worker_peak_mb <= RSS_CEILING_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
