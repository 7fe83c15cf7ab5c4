"""`framtid project`, `whatittakes`, `levers`, `params`: contracts and bad input, run as a user would."""

from __future__ import annotations

import json

from test_cli import framtid

INDICATOR_KEYS = {"age_67_plus", "age_80_plus", "age_90_plus", "median_age", "aldersbaereevne_67",
                  "aldersbaereevne_80", "children_1_5", "children_6_15", "youth_16_18",
                  "care_users", "care_workers_needed", "care_share_of_workforce", "employed"}


def test_project_json_contract(db_path):
    r = framtid(db_path, "project", "3403", "--lever", "young_adults=25", "--lever",
                "healthy_ageing=1", "--to", "2045", "--json")
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)
    assert p["region"] == {"code": "3403", "name": "Hamar", "level": "kommune"}
    assert p["scenario"]["name"] == "main"
    assert p["scenario"]["levers"]["young_adults"] == 25
    assert p["scenario"]["levers"]["healthy_ageing"] == 1
    assert p["years"][0] == p["base_year"] == 2026 and p["years"][-1] == 2045
    assert set(p["age_groups"]) == {"0-19", "20-66", "67+", "80+"}
    assert len(p["by_age"]["female"][0]) == 106
    assert INDICATOR_KEYS <= set(p["indicators"])
    for key in INDICATOR_KEYS:
        assert len(p["indicators"][key]) == len(p["years"])
    share = p["indicators"]["care_share_of_workforce"]
    assert 0.05 < share[0] < 0.4  # a fraction, not percent


def test_project_with_paths_has_quantiles(db_path):
    r = framtid(db_path, "project", "NO", "--paths", "50", "--to", "2030", "--json")
    assert r.returncode == 0, r.stderr
    q = json.loads(r.stdout)["quantiles"]
    assert set(q) == {"p2_5", "p10", "p50", "p90", "p97_5"}
    assert q["p10"]["total"][-1] <= q["p50"]["total"][-1] <= q["p90"]["total"][-1]


def test_whatittakes_contract(db_path):
    r = framtid(db_path, "whatittakes", "3403", "--indicator", "aldersbaereevne_67", "--lever",
                "young_adults", "--json")
    assert r.returncode == 0, r.stderr
    w = json.loads(r.stdout)
    assert {"indicator", "lever", "target_year", "today_value", "value", "reachable",
            "best_value"} <= set(w)
    assert w["reachable"] and w["value"] > 0 and w["target_year"] == 2040
    # the answer really keeps the indicator at today's level
    r = framtid(db_path, "project", "3403", "--lever", f"young_adults={w['value']}", "--to",
                "2040", "--json")
    got = json.loads(r.stdout)["indicators"]["aldersbaereevne_67"][-1]
    assert abs(got - w["today_value"]) / w["today_value"] < 1e-3


def test_whatittakes_unreachable(db_path):
    r = framtid(db_path, "whatittakes", "3403", "--indicator", "care_share_of_workforce",
                "--lever", "employment_overall", "--year", "2050", "--json")
    assert r.returncode == 0, r.stderr
    w = json.loads(r.stdout)
    assert w["reachable"] is False and w["value"] is None
    assert w["best_value"] == 10.0  # the top of the range comes closest


def test_bad_input_exit_2(db_path):
    cases = [
        (["project", "3403", "--lever", "fertility=9"], "fertility"),
        (["project", "3403", "--lever", "bogus=1"], "Unknown lever"),
        (["project", "3403", "--lever", "fertility"], "NAME=VALUE"),
        (["project", "3403", "--scenario", "extreme"], "main, low, high"),
        (["project", "3403", "--to", "2200"], "2100"),
        (["project", "3403", "--paths", "1000000"], "100"),
        (["project", "3403", "--param", "care_share_of_employed_base=0.9"], "0.05–0.4"),
        (["whatittakes", "3403", "--indicator", "nope", "--lever", "young_adults"],
         "aldersbaereevne_67"),
        (["whatittakes", "3403", "--indicator", "aldersbaereevne_67", "--lever",
          "healthy_ageing"], "levers that can: fertility"),
        (["whatittakes", "3403", "--indicator", "employed", "--lever", "nope"], "young_adults"),
    ]
    for args, expect in cases:
        r = framtid(db_path, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert expect in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_levers_and_params_listed(db_path):
    r = framtid(db_path, "levers", "--json")
    names = {m["name"] for m in json.loads(r.stdout)}
    assert {"fertility", "life_expectancy", "migration", "young_adults", "immigration",
            "healthy_ageing", "care_productivity", "employment_seniors", "employment_women",
            "employment_overall"} == names
    r = framtid(db_path, "params", "--json")
    assert any(p["name"] == "care_share_of_employed_base" for p in json.loads(r.stdout))


def test_whatittakes_direction_and_policy_levers(db_path):
    # Oslo grows anyway: nothing is needed, and the answer is not «send people away».
    r = framtid(db_path, "whatittakes", "0301", "--indicator", "population", "--lever",
                "young_adults", "--json")
    w = json.loads(r.stdout)
    assert w["already_met"] is True and w["value"] == w["lever_default"] == 0
    # Shorter lives are never an answer.
    r = framtid(db_path, "whatittakes", "3403", "--indicator", "aldersbaereevne_67", "--lever",
                "life_expectancy")
    assert r.returncode == 2 and "assumption, not a choice" in r.stderr
    # The answer moves the lever in the direction that helps, from its default.
    r = framtid(db_path, "whatittakes", "3403", "--indicator", "care_share_of_workforce",
                "--lever", "healthy_ageing", "--json")
    w = json.loads(r.stdout)
    assert w["reachable"] and w["value"] > w["lever_default"]


# --- SSB's own projection beside ours (the `official` block) --------------------------------
def _ssb_sum(db_path, round_, codes, year, alternative="MMMM"):
    """Independent sum from the store: total rows where given, else the age groups."""
    from framtid.store import Store

    df = Store(db_path).official_projection(codes)
    df = df[(df["round"] == round_) & (df.alternative == alternative) & (df.year == year)]
    out = 0.0
    for _, g in df.groupby("region_code"):
        tot = g[g.age_group == "total"]
        out += float((tot if len(tot) else g)["persons"].sum())
    return out


def test_project_json_official_block_kommune(db_path):
    r = framtid(db_path, "project", "0301", "--json")
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)["official"]
    assert o["source"] == "SSB" and o["table"] == "14288" and o["round"] == 2024
    assert o["rounds"] == [2024]
    assert list(o["alternatives"]) == ["MMMM"]  # 14288 totals: main alternative only
    m = o["alternatives"]["MMMM"]
    assert m["years"] == list(range(2024, 2051))
    assert m["total"][m["years"].index(2050)] == 817_225
    assert m["total"][0] == 717_710
    assert "age_groups" not in m and "Statistisk sentralbyrå" in o["note"]


def test_project_json_official_block_telemark_fylke_sums(db_path):
    r = framtid(db_path, "project", "40", "--json")
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)["official"]
    assert o["table"] == "14746" and o["round"] == 2026
    assert list(o["alternatives"]) == ["MMMM", "LLML", "HHMH"]
    assert o["rounds"][0] == 2005 and o["rounds"][-1] == 2026 and len(o["rounds"]) == 13
    kommuner = [f"40{n:02d}" for n in (1, 3, 5, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30,
                                       32, 34, 36)]
    for alt, block in o["alternatives"].items():
        for year in (2030, 2040, 2050):
            i = block["years"].index(year)
            assert block["total"][i] == _ssb_sum(db_path, 2026, kommuner, year, alt)
            assert block["total"][i] == sum(v[i] for v in block["age_groups"].values())
    low, main, high = (o["alternatives"][a]["total"][-1] for a in ("LLML", "MMMM", "HHMH"))
    assert low < main < high


def test_project_official_block_ba_region_and_norway(ctx, db_path):
    from framtid.model.service import project_region

    ba = project_region(ctx, "BA005")["official"]  # Oslo/Bærum: 2024 kommune totals summed
    kommuner = ctx.regions.kommuner_in("BA005")
    assert ba["round"] == 2024 and ba["table"] == "14288" and "sum of" in ba["note"]
    m = ba["alternatives"]["MMMM"]
    assert m["total"][m["years"].index(2040)] == _ssb_sum(db_path, 2024, kommuner, 2040)
    no = project_region(ctx, "NO")["official"]
    m = no["alternatives"]["MMMM"]
    assert no["round"] == 2026 and no["table"] == "14746"
    assert m["total"][m["years"].index(2040)] == 6_020_359
    assert m["total"][m["years"].index(2050)] == 6_195_859
    assert set(m["age_groups"]) == {"0", "1-5", "6-12", "13-15", "16-19", "20-44", "45-66",
                                    "67-79", "80-89", "90+"}


def test_project_without_ssb_figures_has_no_official_key(ctx, tmp_path, db_path):
    import shutil

    import duckdb

    from framtid.context import Context
    from framtid.model.service import project_region

    path = tmp_path / "old.duckdb"
    shutil.copy(db_path, path)
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM official_projection WHERE region_code <> '4001'")
    con.close()
    old = Context(path)
    assert "official" not in project_region(old, "3403")
    assert "official" not in project_region(old, "40")  # 16 of 17 kommuner lack figures
    assert project_region(old, "4001")["official"]["round"] == 2026
