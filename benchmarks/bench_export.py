"""Benchmarks of framtid.export (pytest-benchmark; figures to report, not timed tests).

Run: ./dev bench -k export   (or .venv/bin/python -m pytest benchmarks/bench_export.py
     -o python_files="bench_*.py" --benchmark-only)
Targets (issue #13): one region's PDF ≤ 5 s and PPTX ≤ 3 s warm; `export all --format csv`
≤ 30 s; the static site for 532 regions × 3 languages is measured on a sample and extrapolated
(`extra_info`: seconds per region and the estimate for the full site).
"""

from __future__ import annotations

import os
import time

import pytest

SAMPLE = ("3403", "5501", "BA016", "34", "1804", "4601")


@pytest.fixture(scope="module")
def warm(ctx):
    """The fitted model, the story machinery and vl-convert warmed once."""
    from framtid.export.deck import deck
    from framtid.export.report import report
    from framtid.export.scenario import Scenario

    report(ctx, "3403", "nb", Scenario())
    deck(ctx, "3403", "nb", Scenario())
    return ctx


def _scenario():
    from framtid.export.scenario import Scenario

    return Scenario.from_pairs("main", ["young_adults=25", "healthy_ageing=1"],
                               "Formannskapets alternativ")


def _cold_charts():
    """Empty the rendered-chart cache: every round renders its charts anew (warm means: model
    fitted, vl-convert and WeasyPrint loaded)."""
    from framtid.export import charts

    charts._svgs.clear()
    return (), {}


def _timed(fn, ctx):
    return lambda: fn(ctx, "3403", "nn", _scenario())


def test_pdf_one_region_warm(benchmark, warm):
    from framtid.export.report import report

    data = benchmark.pedantic(_timed(report, warm), setup=_cold_charts, rounds=3, iterations=1)
    assert data[:4] == b"%PDF"


def test_pptx_one_region_warm(benchmark, warm):
    from framtid.export.deck import deck

    data = benchmark.pedantic(_timed(deck, warm), setup=_cold_charts, rounds=3, iterations=1)
    assert data[:2] == b"PK"


def test_pptx_after_pdf_same_scenario(benchmark, warm):
    """The usual web case: the PDF was just made, now the deck (charts rendered once)."""
    from framtid.export.deck import deck
    from framtid.export.report import report

    def setup():
        _cold_charts()
        report(warm, "3403", "nn", _scenario())
        return (), {}

    data = benchmark.pedantic(_timed(deck, warm), setup=setup, rounds=2, iterations=1)
    assert data[:2] == b"PK"


def test_export_all_csv(benchmark, warm, tmp_path):
    from framtid.export.data import export
    from framtid.export.scenario import Scenario

    out = tmp_path / "all.csv"
    benchmark.pedantic(export, args=(warm, "all", "csv", out, Scenario()), rounds=1,
                       iterations=1)
    benchmark.extra_info["bytes"] = out.stat().st_size
    assert out.stat().st_size > 10_000_000


def test_static_site_sample_extrapolated(benchmark, warm, tmp_path):
    from framtid.export.site import build_site, link_check

    build_site(warm, tmp_path / "warm", ["nb"], ["3403"])       # backtest, assets, bundle
    timings = {}

    def run():
        t = time.perf_counter()
        res = build_site(warm, tmp_path / "www", ["nb", "nn", "en"], list(SAMPLE))
        timings["s"] = time.perf_counter() - t
        return res

    res = benchmark.pedantic(run, rounds=1, iterations=1)
    per_region = timings["s"] / len(SAMPLE)
    cpu_per_region = res["cpu_seconds"] / len(SAMPLE)
    benchmark.extra_info.update({
        "regions": len(SAMPLE), "languages": 3, "pages": res["pages"], "jobs": res["jobs"],
        "seconds_per_region_3_languages": round(per_region, 2),
        "cpu_seconds_per_region_3_languages": round(cpu_per_region, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "estimate_full_site_minutes": round(per_region * 532 / 60, 1),
        # the load-independent figure: CPU time shared out over the cores
        "estimate_full_site_minutes_idle_cpus": round(cpu_per_region * 532 / res["jobs"] / 60,
                                                       1)})
    assert link_check(tmp_path / "www") == []


def test_official_blocks_all_regions(benchmark, warm):
    """SSB's `official` block for all 532 regions at once (was ≈ 57 ms per region, one at a
    time with pandas: ≈ 30 s for `export all`)."""
    from framtid.official import build_all

    blocks = benchmark.pedantic(build_all, args=(warm.store, warm.regions), rounds=3,
                                iterations=1)
    assert len(blocks) == 532
