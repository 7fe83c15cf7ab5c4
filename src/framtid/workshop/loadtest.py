"""Load test of a workshop: asyncio + httpx against a real uvicorn on 127.0.0.1.

N participants join (staggered over a ramp), then answer Q open questions each with a think time
between answers; a share of them change one answer afterwards (the last one must count). At the
end the results are compared with what the clients were told was stored: every question's count
and, for statements, its whole distribution must match exactly (0 lost, 0 doubled).

    python -m framtid.workshop.loadtest --store DIR [--participants 300] [--questions 10]
           [--workers 4 --database-url postgresql://…]

`Server` starts `uvicorn --factory framtid.web.app:create_app` in its own process group (so that
`kill()` can take the whole server down hard, as a crash would) and waits for /healthz.
CI runs this at reduced size (tests/test_workshop_load.py); benchmarks/bench_workshop_load.py
runs it at full size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real uvicorn serving the web app (with the workshop) over the store in `store_dir`."""

    def __init__(self, store_dir: Path | str, database_url: str | None = None, workers: int = 1,
                 port: int | None = None, env: dict | None = None, log: Path | None = None,
                 access_log: bool = False):
        self.store_dir = Path(store_dir)
        self.database_url = database_url
        self.workers = workers
        self.port = port or free_port()
        self.extra_env = env or {}
        self.log = log
        self.access_log = access_log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "--factory", "framtid.web.app:create_app",
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
                "--log-level", "info" if self.access_log else "warning",
                "--access-log" if self.access_log else "--no-access-log",
                "--timeout-graceful-shutdown", "5"]

    def start(self, timeout: float = 180) -> "Server":
        env = dict(os.environ, FRAMTID_HOME=str(self.store_dir), **self.extra_env)
        if self.database_url:
            env["FRAMTID_DATABASE_URL"] = self.database_url
        else:
            env.pop("FRAMTID_DATABASE_URL", None)
        cmd = self.command()
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=out,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/healthz", timeout=5).status_code == 200:
                    # every worker must be up (each migrates and opens the store): ask a few times
                    for _ in range(self.workers * 3):
                        httpx.get(self.url + "/healthz", timeout=30)
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.kill()
        raise RuntimeError("uvicorn did not answer /healthz in time")

    def kill(self) -> None:
        """SIGKILL the server's whole process group (master and workers): a crash."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Workshop:
    code: str
    key: str
    questions: list[dict]


def prepare(base: str, region: str = "3403", n_questions: int = 10) -> Workshop:
    """Create a workshop and open its first `n_questions` questions (statements and levers)."""
    with httpx.Client(base_url=base, timeout=300) as c:
        r = c.post("/api/workshops", json={"region": region})
        r.raise_for_status()
        d = r.json()
        info = c.get(f"/api/workshops/{d['code']}").json()
        qs = info["questions"]
        statements = [q for q in qs if q["kind"] == "statement"]
        levers = [q for q in qs if q["kind"] == "lever"]
        chosen = (statements[: max(0, n_questions - min(len(levers), 4))]
                  + levers[:4])[:n_questions]
        if len(chosen) < n_questions:
            chosen = qs[:n_questions]
        for q in chosen:
            c.patch(f"/api/workshops/{d['code']}/questions/{q['id']}", json={"open": True},
                    headers={"X-Facilitator-Key": d["facilitator_key"]}).raise_for_status()
        return Workshop(d["code"], d["facilitator_key"], chosen)


def _value(q: dict, rnd: random.Random) -> float:
    if q["kind"] == "statement":
        return rnd.randint(int(q["min"]), int(q["max"]))
    step = q.get("step_size") or 1.0
    k = int(round((q["max"] - q["min"]) / step))
    return round(q["min"] + rnd.randint(0, k) * step, 6)


@dataclass
class Figures:
    participants: int
    questions: int
    answers_sent: int = 0
    answers_ok: int = 0
    errors: dict = field(default_factory=dict)
    joins_ok: int = 0
    expected: int = 0
    counted: int = 0
    lost: int = 0
    doubled: int = 0
    mismatched_questions: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    join_p95_ms: float = 0.0
    server_p95_ms: float = 0.0      # time inside the app (Server-Timing), without queueing
    client_lag_p95_ms: float = 0.0  # how late the client's own event loop runs (CPU starvation)
    p95_by_10s: list = field(default_factory=list)
    duration_s: float = 0.0


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def run_load(base: str, ws: Workshop, participants: int = 300, ramp_s: float = 10.0,
                   think_s: tuple[float, float] = (0.5, 3.5), change_share: float = 0.1,
                   seed: int = 2040) -> tuple[Figures, dict]:
    """Run the load; returns the figures and the stored values the clients were acknowledged
    ({(participant, question_id): value})."""
    fig = Figures(participants, len(ws.questions))
    acked: dict[tuple[int, int], float] = {}
    lat: list[float] = []
    server: list[float] = []
    timeline: list[tuple[float, float]] = []
    join_lat: list[float] = []
    limits = httpx.Limits(max_connections=participants + 10, max_keepalive_connections=participants)

    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        async def one(i: int) -> None:
            r_local = random.Random(seed * 1000 + i)
            await asyncio.sleep(ramp_s * i / max(1, participants))
            t = time.perf_counter()
            try:
                r = await client.post(f"/api/workshops/{ws.code}/participants")
            except httpx.HTTPError as exc:
                fig.errors[type(exc).__name__] = fig.errors.get(type(exc).__name__, 0) + 1
                return
            join_lat.append((time.perf_counter() - t) * 1000)
            if r.status_code != 201:
                fig.errors[f"join {r.status_code}"] = fig.errors.get(f"join {r.status_code}", 0) + 1
                return
            fig.joins_ok += 1
            pid = r.json()["participant_id"]
            plan = list(ws.questions)
            if r_local.random() < change_share:
                plan.append(r_local.choice(ws.questions))        # change one answer at the end
            for q in plan:
                await asyncio.sleep(r_local.uniform(*think_s))
                value = _value(q, r_local)
                fig.answers_sent += 1
                t = time.perf_counter()
                try:
                    r = await client.put(f"/api/workshops/{ws.code}/answers/{q['id']}",
                                         json={"participant_id": pid, "value": value})
                except httpx.HTTPError as exc:
                    fig.errors[type(exc).__name__] = fig.errors.get(type(exc).__name__, 0) + 1
                    continue
                lat.append((time.perf_counter() - t) * 1000)
                timeline.append((t - t0, lat[-1]))
                st = r.headers.get("server-timing", "")
                if "dur=" in st:
                    server.append(float(st.split("dur=")[1].split(";")[0]))
                if r.status_code == 200:
                    fig.answers_ok += 1
                    acked[(i, q["id"])] = float(value)
                else:
                    key = f"answer {r.status_code}"
                    fig.errors[key] = fig.errors.get(key, 0) + 1

        lags: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:          # a 50 ms sleep that overshoots = a starved client
            while not done.is_set():
                t1 = time.perf_counter()
                await asyncio.sleep(0.05)
                lags.append(max(0.0, (time.perf_counter() - t1 - 0.05) * 1000))

        tick = asyncio.create_task(ticker())
        await asyncio.gather(*(one(i) for i in range(participants)))
        done.set()
        await tick
        fig.duration_s = time.perf_counter() - t0
        fig.client_lag_p95_ms = _pct(lags, 95)

    fig.p50_ms, fig.p95_ms = _pct(lat, 50), _pct(lat, 95)
    fig.p99_ms, fig.max_ms = _pct(lat, 99), max(lat) if lat else 0.0
    fig.join_p95_ms = _pct(join_lat, 95)
    fig.server_p95_ms = _pct(server, 95)
    if timeline:
        buckets: dict[int, list[float]] = {}
        for at, ms in timeline:
            buckets.setdefault(int(at // 10), []).append(ms)
        fig.p95_by_10s = [round(_pct(buckets.get(k, []), 95), 1) for k in range(max(buckets) + 1)]
    return fig, acked


def check(base: str, ws: Workshop, fig: Figures, acked: dict) -> Figures:
    """Compare the server's results with what the clients were acknowledged."""
    res = httpx.get(f"{base}/api/workshops/{ws.code}/results", timeout=60).json()
    expected: dict[int, dict[float, int]] = {}
    for (_, qid), v in acked.items():
        expected.setdefault(qid, {})
        expected[qid][v] = expected[qid].get(v, 0) + 1
    fig.expected = len(acked)
    fig.counted = 0
    fig.lost = fig.doubled = fig.mismatched_questions = 0
    for q in ws.questions:
        a = res["answers"][str(q["id"])]
        exp = expected.get(q["id"], {})
        n_exp = sum(exp.values())
        fig.counted += a["count"]
        fig.lost += max(0, n_exp - a["count"])
        fig.doubled += max(0, a["count"] - n_exp)
        mismatch = a["count"] != n_exp
        if q["kind"] == "statement":
            dist = {float(k): n for k, n in a["distribution"].items() if n}
            mismatch = mismatch or dist != {k: n for k, n in exp.items() if n}
        fig.mismatched_questions += int(mismatch)
    return fig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", required=True, help="folder with framtid.duckdb (FRAMTID_HOME)")
    ap.add_argument("--participants", type=int, default=300)
    ap.add_argument("--questions", type=int, default=10)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    ap.add_argument("--ramp", type=float, default=10.0)
    ap.add_argument("--region", default="3403")
    args = ap.parse_args(argv)
    with Server(args.store, args.database_url, args.workers) as srv:
        ws = prepare(srv.url, args.region, args.questions)
        fig, acked = asyncio.run(run_load(srv.url, ws, args.participants, args.ramp))
        check(srv.url, ws, fig, acked)
    print(json.dumps(asdict(fig), indent=2))
    ok = fig.lost == 0 and fig.doubled == 0 and not fig.mismatched_questions
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
