"""Workshop load benchmark at full size: figures to report (docs/validation.md, «Workshop load
test»), with the issue's bar checked and printed, not asserted.

    .venv/bin/python benchmarks/bench_workshop_load.py [--store DIR] [--participants 300]
        [--questions 10] [--backend sqlite|postgresql|both] [--json]

SQLite is served by one uvicorn process, PostgreSQL by four (`uvicorn --workers 4 --factory
framtid.web.app:create_app`); PostgreSQL is a throwaway cluster (tests/workshop_pg.py) unless
FRAMTID_TEST_DATABASE_URL names one. The store: --store, else $FRAMTID_HOME, else a fresh import
of ../shared/data into a temporary folder. The same driver runs at CI size in
tests/test_workshop_load.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
BAR = {"participants": 300, "questions": 10, "duration_s": 60.0, "p95_ms": 200.0}


def _store(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    home = os.environ.get("FRAMTID_HOME")
    if home and (Path(home) / "framtid.duckdb").exists():
        return Path(home)
    from framtid.pipeline import import_snapshot

    folder = Path(tempfile.mkdtemp(prefix="framtid-bench-"))
    data = Path(os.environ.get("FRAMTID_SHARED_DATA", REPO.parent / "shared" / "data"))
    import_snapshot(data, folder / "framtid.duckdb")
    return folder


def run(store: Path, backend: str, participants: int, questions: int) -> dict:
    from framtid.workshop.loadtest import Server, check, prepare, run_load

    pg = None
    if backend == "postgresql":
        from workshop_pg import ThrowawayPostgres, _External

        env = os.environ.get("FRAMTID_TEST_DATABASE_URL")
        pg = _External(env) if env else ThrowawayPostgres()
        url, workers = pg.new_database(), 4
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='framtid-ws-')}/workshop.sqlite"
        workers = 1
    try:
        with Server(store, url, workers) as srv:
            ws = prepare(srv.url, "3403", questions)
            fig, acked = asyncio.run(run_load(srv.url, ws, participants, ramp_s=10.0))
            check(srv.url, ws, fig, acked)
    finally:
        if pg is not None:
            pg.stop()
    out = {"backend": backend, "workers": workers, **asdict(fig)}
    out["meets_bar"] = (fig.lost == 0 and fig.doubled == 0 and not fig.mismatched_questions
                        and fig.duration_s <= BAR["duration_s"] and fig.p95_ms <= BAR["p95_ms"])
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description="Workshop load benchmark")
    ap.add_argument("--store")
    ap.add_argument("--participants", type=int, default=BAR["participants"])
    ap.add_argument("--questions", type=int, default=BAR["questions"])
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    store = _store(args.store)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = [run(store, b, args.participants, args.questions) for b in backends]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            print(f"{r['backend']:>10} ×{r['workers']}: {r['participants']} participants × "
                  f"{r['questions']} questions in {r['duration_s']:.1f} s; answers sent "
                  f"{r['answers_sent']}, counted {r['counted']} of {r['expected']} (lost "
                  f"{r['lost']}, doubled {r['doubled']}); answer p50 {r['p50_ms']:.0f} ms, p95 "
                  f"{r['p95_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, server p95 "
                  f"{r['server_p95_ms']:.0f} ms; join p95 {r['join_p95_ms']:.0f} ms; "
                  f"bar met: {r['meets_bar']}")
    return results


def test_bench_workshop_load(capsys):
    """Under pytest (`pytest benchmarks/bench_workshop_load.py -s`): run and print; no limits."""
    results = main(["--backend", "both"])
    assert all(r["lost"] == 0 and r["doubled"] == 0 for r in results)


if __name__ == "__main__":
    main()
