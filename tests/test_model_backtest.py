"""Backtest: one base, quickly; contract keys; the model beats the constant forecast."""

from __future__ import annotations

import pytest

from framtid.errors import FramtidError
from framtid.model import service

MEASURES = {"mape_total", "malpe_total", "mape_0_19", "malpe_0_19", "mape_20_66", "malpe_20_66",
            "mape_67_plus", "malpe_67_plus", "mape_80_plus", "malpe_80_plus", "within_5pct"}
SIZES = {"<5k", "5-20k", "20-50k", ">50k"}


@pytest.fixture(scope="module")
def result(ctx):
    return service.run_backtest(ctx, [2014], 10, paths=100)


def test_contract_keys(result):
    assert {"model", "constant", "trend", "bases", "horizon"} <= set(result)
    assert result["bases"] == [2014] and result["horizon"] == 10
    assert MEASURES | {"coverage80", "coverage95", "by_size"} <= set(result["model"])
    for naive in ("constant", "trend"):
        assert MEASURES | {"by_size"} <= set(result[naive])
    assert set(result["model"]["by_size"]) == SIZES
    assert MEASURES <= set(result["model"]["by_size"]["<5k"])


def test_model_beats_naive_forecasts(result):
    m = result["model"]
    assert m["mape_total"] < result["constant"]["mape_total"]
    assert m["mape_total"] < result["trend"]["mape_total"]
    assert m["mape_80_plus"] < result["constant"]["mape_80_plus"]
    assert m["within_5pct"] > result["constant"]["within_5pct"]


def test_units_and_ranges(result):
    m = result["model"]
    assert 0.0 <= m["within_5pct"] <= 1.0
    assert 0.5 <= m["coverage80"] <= m["coverage95"] <= 1.0
    assert 0.5 < m["mape_total"] < 20.0          # percent, not a fraction


def test_bad_bases_are_refused(ctx):
    with pytest.raises(FramtidError, match="Base 2020 with horizon 10"):
        service.run_backtest(ctx, [2020], 10)
    with pytest.raises(FramtidError):
        service.run_backtest(ctx, [], 5)


def test_summary_table_for_the_web(result):
    from framtid.model.backtest import PUBLISHED, summary_table

    for table in (summary_table(), summary_table(result=result)):
        assert table["columns"][0] == "forecast"
        assert [r[0] for r in table["rows"]] == ["model", "trend", "constant"]
        assert all(len(r) == len(table["columns"]) for r in table["rows"])
    assert summary_table()["rows"][0][1] == pytest.approx(PUBLISHED["model"]["mape_total"])


def test_format_table(result):
    from framtid.model.backtest import format_table

    text = format_table(result)
    assert "| model | all |" in text and "| constant | >50k |" in text
