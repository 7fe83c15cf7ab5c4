"""The national frame (Norway follows SSB's latest round), bounded internal migration, the track
record and the gross-moves table, on the real snapshot."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from framtid.errors import SnapshotError
from framtid.model.fit import FittedModel
from framtid.model.inputs import ModelInputs, parse_age_group
from framtid.model.service import fitted, project_region, run_trackrecord
from framtid.sources.gross_migration import read_gross_migration
from test_cli import framtid

GROUPS = {"0-19": (0, 19), "20-66": (20, 66), "67+": (67, 105), "80+": (80, 105)}


def _ssb_norway(ctx, alternative: str) -> tuple[int, dict]:
    """(round, {year: {group: persons}}) of the latest round for Norway in the store."""
    df = ctx.store.official_projection(["NO"])
    df = df[(df["alternative"] == alternative) & (df["age_group"] != "total")]
    rnd = int(df["round"].max())
    df = df[df["round"] == rnd]
    out: dict = {}
    for year, g in df.groupby("year"):
        bounds = [parse_age_group(a) for a in g["age_group"]]
        persons = g["persons"].to_numpy()
        out[int(year)] = {"total": float(persons.sum())}
        for name, (lo, hi) in GROUPS.items():
            out[int(year)][name] = float(sum(p for (a, b), p in zip(bounds, persons)
                                             if a >= lo and b <= hi))
    return rnd, out


def test_main_scenario_reproduces_ssb_latest_round(ctx):
    rnd, ssb = _ssb_norway(ctx, "MMMM")
    assert rnd == 2026
    p = project_region(ctx, "NO", "main", to_year=2050)
    years = p["years"]
    for year in (2030, 2040, 2050):
        ours = p["total"][years.index(year)]
        assert abs(ours / ssb[year]["total"] - 1) <= 0.01, (year, ours, ssb[year]["total"])
    for group in GROUPS:
        ours = p["age_groups"][group][years.index(2040)]
        assert abs(ours / ssb[2040][group] - 1) <= 0.03, (group, ours, ssb[2040][group])


@pytest.mark.parametrize("scenario,alternative", [("low", "LLML"), ("high", "HHMH")])
def test_low_and_high_follow_ssb_alternatives(ctx, scenario, alternative):
    _, ssb = _ssb_norway(ctx, alternative)
    p = project_region(ctx, "NO", scenario, to_year=2050)
    assert abs(p["total"][-1] / ssb[2050]["total"] - 1) <= 0.02


def test_own_national_estimate_is_a_named_scenario(ctx):
    fm = fitted(ctx)
    assert fm.frame_for("main") == "MMMM" and fm.frame_for("own") is None
    main = project_region(ctx, "NO", "main", to_year=2050)["total"][-1]
    own = project_region(ctx, "NO", "own", to_year=2050)["total"][-1]
    assert abs(own / main - 1) > 0.005     # a different national path, not a relabel


def test_levers_act_on_top_of_the_frame(ctx):
    fm = fitted(ctx)
    base = fm.national(2050, fm.default_assumptions("main"))
    assert base.source == "SSB 2026 MMMM"
    more = fm.national(2050, fm.assumptions(fertility=1.9, life_expectancy=87.15))
    assert np.all(more.tfr >= base.tfr - 1e-12) and more.tfr[-1] > base.tfr[-1] + 0.25
    assert more.pop[-1].sum() > base.pop[-1].sum()
    none = fm.national(2050, fm.assumptions(fertility=1.6, life_expectancy=87.15,
                                            immigration=0.0))
    assert np.abs(none.intl).sum() == 0.0 and none.pop[-1].sum() < base.pop[-1].sum()


def test_kommuner_add_up_to_the_national_frame(ctx):
    """Internal moves sum to ≈ 0 and kommune fertility to the national: the kommune sum stays
    within 0.3 % of the frame's Norway every year."""
    fm = fitted(ctx)
    a = fm.default_assumptions("main")
    total = fm.project(2050, a).pop.sum(axis=(1, 2, 3))
    nat = fm.national(2050, a).pop.sum(axis=(1, 2))
    assert np.max(np.abs(total / nat - 1)) < 0.003


def test_without_ssb_rounds_the_model_uses_its_own_estimate(ctx):
    fm = fitted(ctx)
    bare = FittedModel.fit(dataclasses.replace(fm.inputs, official_nat={}))
    a = bare.default_assumptions("main")
    assert a.frame is None and bare.national(2030, a).source == "framtid"
    assert bare.project(2030, a).pop.sum() > 0


def test_internal_migration_stays_bounded(ctx):
    """The fastest-growing kommune slows down: out-migration grows with its own population,
    in-migration only with Norway's. Net rates on its own population keep compounding."""
    fm = fitted(ctx)
    assert fm.migration.bounded
    a = fm.default_assumptions("main")
    tot = fm.project(2100, a).pop.sum(axis=(2, 3))
    years = list(range(fm.base_year, 2101))
    g1 = tot[years.index(2051)] / tot[0]
    g2 = tot[-1] / tot[years.index(2075)]
    k = int(np.argmax(g1))
    assert g2[k] < g1[k]
    net_model = FittedModel.fit(dataclasses.replace(fm.inputs, gross_out_rate=None))
    assert not net_model.migration.bounded
    old = net_model.project(2100, net_model.default_assumptions("main")).pop.sum(axis=(2, 3))
    assert old[-1, k] > tot[-1, k]
    assert np.all(tot >= 0)


def test_backtest_stands_in_the_round_published_at_its_base(ctx):
    inp = ModelInputs.from_store(ctx.store, ctx.regions, 2010)
    assert max(r for r, _ in inp.official_nat) == 2010
    fm = FittedModel.fit(inp)
    assert fm.national(2026, fm.default_assumptions()).source == "SSB 2010 MMMM"


def test_trackrecord_contract(ctx):
    res = run_trackrecord(ctx, [2016, 2020])
    keys = {"round", "target_year", "horizon", "n_regions", "mape_total_ssb",
            "mape_total_framtid", "mape_80_plus_ssb", "mape_80_plus_framtid"}
    assert res["rounds"] == [2016, 2020]
    assert res["rows"] and all(keys <= set(r) for r in res["rows"])
    for r in res["rows"]:
        assert r["horizon"] == r["target_year"] - r["round"] > 0
        assert r["n_regions"] == 17          # Telemark's kommuner on 2024 borders
        assert 0 <= r["mape_total_ssb"] < 20 and 0 <= r["mape_total_framtid"] < 20
    first = res["rows"][0]
    assert first["round"] == 2016 and first["target_year"] == 2017
    assert abs(first["norway_error_pct_framtid"] - first["norway_error_pct_ssb"]) < 0.5


def test_trackrecord_cli(db_path):
    r = framtid(db_path, "trackrecord", "--rounds", "2024-2024", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["rows"]
    assert [(x["round"], x["target_year"]) for x in rows] == [(2024, 2025), (2024, 2026)]
    r = framtid(db_path, "trackrecord", "--rounds", "1990-1991")
    assert r.returncode == 2 and "no SSB projection round" in r.stderr


def test_gross_moves_table(ctx):
    gm = ctx.store.table("gross_migration")
    assert gm["region_code"].nunique() == 17 and set(gm["region_code"].str[:2]) == {"40"}
    assert gm["year"].min() == 2016 and gm["year"].max() == 2025
    rate = fitted(ctx).inputs.gross_out_rate
    assert 0.12 < np.nanmax(rate[18:30]) < 0.3      # peak mobility in the twenties
    assert np.nanmean(rate[70:80]) < 0.03


@pytest.mark.parametrize("edit,message", [
    (lambda s: s.replace(";Utflytting;", ";Ut;", 1), "missing column"),
    (lambda s: s.replace("2016;Porsgrunn;0 år;11;", "2016;Porsgrunn;0 år;-11;", 1), "line 2"),
    (lambda s: s.replace("2016;Porsgrunn;0 år;", "2016;Atlantis;0 år;", 1), "Atlantis"),
])
def test_malformed_gross_moves_refused(tmp_path, shared_data, edit, message):
    src = shared_data / "extra/migration/telemark_flytting_etter_alder_panda_2016-2025.csv"
    bad = tmp_path / src.name
    shutil.copy(src, bad)
    bad.write_text(edit(bad.read_text(encoding="utf-8-sig")), encoding="utf-8")
    with pytest.raises(SnapshotError, match=message):
        read_gross_migration(bad, {"Porsgrunn": "4001", "Skien": "4003"} | {
            n: "40xx" for n in ("Notodden", "Siljan", "Bamble", "Kragerø", "Drangedal", "Nome",
                                "Midt-Telemark", "Seljord", "Hjartdal", "Tinn", "Kviteseid",
                                "Nissedal", "Fyresdal", "Tokke", "Vinje")})
