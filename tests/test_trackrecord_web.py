"""The track record on the method page and its chart, in nb/nn/en."""

from __future__ import annotations

import re
import time

import pytest

from framtid.charts import trackrecord as tr_chart
from framtid.model.service import run_trackrecord


@pytest.fixture(scope="module")
def record(ctx):
    return run_trackrecord(ctx)


@pytest.mark.parametrize("lang,word", [("nb", "Hvor treffsikre"), ("nn", "Kor treffsikre"),
                                       ("en", "How accurate")])
def test_chart_has_credit_table_and_alt(record, lang, word):
    ch = tr_chart.build(record, lang)
    assert ch.title.startswith(word)
    subtitle = " ".join(ch.spec["title"]["subtitle"])
    assert "Statistisk sentralbyrå" in subtitle and "framtid" in subtitle
    horizons = [int(r[0]) for r in ch.table[1:]]
    assert horizons == sorted(horizons) and horizons[0] == 1
    n = record["summary"]["n_rows"]
    assert str(n) in ch.alt
    # the table's means are the rows' means
    rows1 = [r for r in record["rows"] if r["horizon"] == 1]
    mean = sum(r["mape_total_ssb"] for r in rows1) / len(rows1)
    sep = "," if lang != "en" else "."
    assert ch.table[1][2] == f"{mean:.1f}".replace(".", sep)


def test_method_page_shows_the_track_record(db_path):
    from fastapi.testclient import TestClient

    from framtid.web.app import create_app

    with TestClient(create_app(db_path)) as client:
        deadline = time.time() + 240
        while True:
            r = client.get("/nn/method")
            assert r.status_code == 200
            if 'id="h-trackrecord"' in r.text and "chart-trackrecord" in r.text:
                break
            assert time.time() < deadline, "track record never appeared on the method page"
            time.sleep(2)
        section = re.search(r'<section id="trackrecord".*?</section>', r.text, re.S).group(0)
        assert "Kor treffsikre er framskrivingane?" in section
        assert re.search(r"framtid trefte betre i \d+ av \d+ samanlikningar", section)
