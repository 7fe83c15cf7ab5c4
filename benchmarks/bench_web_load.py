"""Web load benchmark at full size: 100 simulated visitors for ≥ 60 s against `framtid serve
--workers N` (default: the number of cores), mixed workload (framtid.web.loadtest). Figures to
report in docs/validation.md («Web load test»): throughput, p50/p95/p99, errors, RSS of every
server process, the load average before and after. The issue's bar (p95 ≤ 1 s, 0 errors, RSS ≤
the per-process ceiling) is checked and printed, not asserted.

    .venv/bin/python benchmarks/bench_web_load.py [--store DIR] [--users 100] [--duration 60]
        [--workers N] [--think 1,5] [--json]

The store: --store, else $FRAMTID_HOME, else a fresh import of ../shared/data into a temporary
folder. The same driver runs at CI size in tests/test_load_web.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workshop_load import _store  # noqa: E402  (the same store lookup)

BAR = {"users": 100, "duration_s": 60.0, "p95_ms": 1000.0}


def main(argv: list[str] | None = None) -> dict:
    from framtid.web.loadtest import RSS_CEILING_MB, measure, report

    ap = argparse.ArgumentParser(description="Web load benchmark")
    ap.add_argument("--store")
    ap.add_argument("--users", type=int, default=BAR["users"])
    ap.add_argument("--duration", type=float, default=BAR["duration_s"])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--think", default="1,5", help="think time between clicks, MIN,MAX seconds")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    think = tuple(float(x) for x in args.think.split(","))
    fig = measure(_store(args.store), args.users, args.duration, args.workers, think_s=think)
    out = report(fig)
    out["think_s"] = list(think)
    out["meets_bar"] = (fig.n_errors == 0 and fig.p95_ms <= BAR["p95_ms"]
                        and fig.rss_worker_peak_mb <= RSS_CEILING_MB)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{fig.users} visitors, {fig.workers} workers, {fig.duration_s:.0f} s (think "
              f"{think[0]:g}–{think[1]:g} s): {fig.requests} requests, "
              f"{fig.throughput_rps:.1f}/s; p50 {fig.p50_ms:.0f} ms, p95 {fig.p95_ms:.0f} ms, "
              f"p99 {fig.p99_ms:.0f} ms, max {fig.max_ms:.0f} ms; errors {fig.n_errors} "
              f"{fig.errors}")
        print(f"RSS peak per process (MB): {fig.rss_peak_mb}; ceiling {RSS_CEILING_MB} MB")
        print(f"load average before {fig.load_before}, after {fig.load_after}")
        for kind, v in fig.by_kind.items():
            print(f"  {kind:15} n={v['n']:5}  p50 {v['p50_ms']:8.0f} ms  p95 {v['p95_ms']:8.0f} ms")
        print(f"bar met (p95 ≤ {BAR['p95_ms']:.0f} ms, 0 errors, RSS ≤ ceiling): "
              f"{out['meets_bar']}")
    return out


def test_bench_web_load():
    """Under pytest (`pytest benchmarks/bench_web_load.py -s`): run and print; no limits."""
    out = main([])
    assert out["requests"] > 0


if __name__ == "__main__":
    main()
