"""Hardening (#12, item 6): stochastic runs in bounded memory, a result cache sized by bytes.

- A run streamed in chunks of paths equals the run in one piece bit for bit (same seed), for a
  kommune and for a fylke built from many kommuner; only the year rows asked for are kept.
- `framtid project 3403 --paths 100000` (the allowed maximum; 16.5 GB before) peaks ≤ 1 GB RSS,
  measured by the kernel for that process (/usr/bin/time -v), never a timing.
- The backtest's path cap keeps its per-kommune paths within the same ceiling (exit 2 beyond).
- The web result cache holds at most its byte budget, and its size estimate is close to what
  Python really allocates (tracemalloc).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from framtid.errors import FramtidError

FRAMTID = [sys.executable, "-c", "from framtid.cli import main; main()"]
CEILING_KB = 1024 * 1024            # «any allowed request ≤ 1 GB» (docs/validation.md, Memory)
TIME = "/usr/bin/time"


@pytest.fixture(scope="module")
def model(ctx):
    from framtid.model import service

    fm, slot = service.fitted_entry(ctx)
    return fm, service._stochastic_params(fm, slot), fm.default_assumptions()


def test_chunked_run_equals_one_piece_for_a_kommune(model):
    from framtid.model.stochastic import quantiles, simulate

    fm, sp, a = model
    k = fm.inputs.kommune_index(["3403"])
    one = simulate(fm, sp, a, 2040, 300, k, np.zeros(1, np.intp), 1, paths_per_chunk=300)
    for chunk in (7, 128):
        part = simulate(fm, sp, a, 2040, 300, k, np.zeros(1, np.intp), 1, paths_per_chunk=chunk)
        assert np.array_equal(one, part)
    q1, q2 = quantiles(one), quantiles(part)
    assert all(np.array_equal(q1[n], q2[n]) for n in q1)
    # Not a constant: the paths do spread, and a different seed gives a different fan.
    assert one[-1, :, 0, 0].std() > 100
    other = simulate(fm, sp, a, 2040, 300, k, np.zeros(1, np.intp), 1, seed=1)
    assert not np.array_equal(one, other)


def test_chunked_run_equals_one_piece_for_a_fylke(ctx, model):
    from framtid.model.stochastic import simulate

    fm, sp, a = model
    k = fm.inputs.kommune_index(ctx.regions.kommuner_in("34"))
    assert len(k) > 10
    zero = np.zeros(len(k), np.intp)
    one = simulate(fm, sp, a, 2035, 90, k, zero, 1, paths_per_chunk=90)
    part = simulate(fm, sp, a, 2035, 90, k, zero, 1, paths_per_chunk=20)
    assert np.array_equal(one, part)
    # A kommune's paths are the same alone and inside its region (per-kommune streams).
    each = simulate(fm, sp, a, 2035, 90, k, np.arange(len(k)), len(k), paths_per_chunk=20)
    assert np.allclose(each.sum(axis=2), one[:, :, 0], rtol=1e-12)


def test_keep_years_keeps_only_the_rows_asked_for(model):
    from framtid.model.stochastic import simulate

    fm, sp, a = model
    k = fm.inputs.kommune_index(["3403"])
    full = simulate(fm, sp, a, 2040, 50, k, np.zeros(1, np.intp), 1)
    last = simulate(fm, sp, a, 2040, 50, k, np.zeros(1, np.intp), 1, keep_years=[-1],
                    paths_per_chunk=16)
    assert last.shape == (1,) + full.shape[1:]
    assert np.array_equal(last[0], full[-1])


def _peak_rss_kb(args: list[str], tmp_path) -> tuple[int, int, str, str]:
    """Run a child under /usr/bin/time -v; its peak RSS (kB, «Maximum resident set size»), exit
    code, stdout, stderr. Not os.wait4 on a child of pytest: Linux keeps the high-water mark of
    the forked copy of this (large) process across exec, which read 960 MB for a 600 MB run."""
    report = tmp_path / "time.txt"
    r = subprocess.run([TIME, "-v", "-o", str(report), *args], capture_output=True, text=True)
    line = next(x for x in report.read_text().splitlines() if "Maximum resident set size" in x)
    return int(line.rsplit(":", 1)[1]), r.returncode, r.stdout, r.stderr


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(TIME), reason="needs GNU time (/usr/bin/time)")
def test_the_largest_allowed_stochastic_run_stays_under_1_gb(db_path, tmp_path):
    peak_kb, code, out, err = _peak_rss_kb([*FRAMTID, "--db", str(db_path), "project", "3403",
                                            "--paths", "100000", "--json"], tmp_path)
    assert code == 0, err[-2000:]
    q = json.loads(out)["quantiles"]
    lo, mid, hi = (q[n]["total"][-1] for n in ("p10", "p50", "p90"))
    assert lo < mid < hi
    print(f"project 3403 --paths 100000: peak RSS {peak_kb / 1024:.0f} MB")
    assert peak_kb <= CEILING_KB, f"peak RSS {peak_kb / 1024:.0f} MB > 1 GB"


def test_backtest_paths_are_capped_before_work(ctx, db_path):
    from framtid.model.service import MAX_BACKTEST_PATHS, run_backtest

    with pytest.raises(FramtidError, match="10,000"):
        run_backtest(ctx, [2014], 10, MAX_BACKTEST_PATHS + 1)
    r = subprocess.run([*FRAMTID, "--db", str(db_path), "backtest", "--base", "2014",
                        "--paths", "100000"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "10,000" in r.stderr + r.stdout
    assert "Traceback" not in r.stderr


def test_result_cache_is_bounded_by_bytes(ctx):
    from framtid.web.services import LRU, Services, approx_bytes

    svc = Services(ctx)
    value = svc.projection("3403", levers={"fertility": 1.5})
    text = json.dumps(value)
    tracemalloc.start()
    fresh = json.loads(text)              # a structure like the one the cache keeps
    real, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    est = approx_bytes(fresh)
    assert 0.8 * real <= est <= 1.25 * real, (est, real)

    budget = 10 * est
    lru = LRU(2048, lambda: 1, max_bytes=budget)
    for i in range(40):                   # 40 lever settings into a budget for ~10
        lru.put(("proj", i), json.loads(text), 1)
        assert lru.bytes <= budget
    assert 8 <= len(lru.data) <= 10
    assert lru.get(("proj", 39), 1) is not None and lru.get(("proj", 0), 1) is None
    # A value larger than the whole budget is answered but not kept.
    small = LRU(2048, lambda: 1, max_bytes=est // 2)
    assert small.put("big", fresh, 1) is fresh and small.get("big", 1) is None
    # The service's own cache has a byte budget.
    assert svc._cache.max_bytes is not None and svc._cache.max_bytes <= 512 * 2 ** 20
