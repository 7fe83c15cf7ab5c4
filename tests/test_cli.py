"""The real `framtid` command, run as a user would (subprocess), against the session store."""

from __future__ import annotations

import json
import subprocess
import sys


def framtid(db_path, *args, env=None):
    cmd = [sys.executable, "-m", "framtid.cli", "--db", str(db_path), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def test_data_status_json(db_path):
    r = framtid(db_path, "data", "status", "--json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["regions"] == {"land": 1, "fylke": 15, "ba": 159, "kommune": 357}
    assert st["population_years"] == [2005, 2026]


def test_regions_kommune_json(db_path):
    r = framtid(db_path, "regions", "--level", "kommune", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 357
    assert {"code", "name", "level", "fylke", "ba"} <= set(rows[0])
    hamar = next(x for x in rows if x["code"] == "3403")
    assert (hamar["name"], hamar["fylke"], hamar["level"]) == ("Hamar", "34", "kommune")


def test_population_json_contract(db_path):
    r = framtid(db_path, "population", "NO", "--year", "2024", "--json")
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)
    assert p["total"] == 5_550_203
    assert len(p["by_age"]) == 106 and sum(p["by_age"]) == p["total"]
    assert p["by_sex"]["female"] + p["by_sex"]["male"] == p["total"]
    for region in ("3403", "34", "BA005", "hamar"):
        r = framtid(db_path, "population", region, "--year", "2025", "--json")
        assert r.returncode == 0, r.stderr
        assert set(json.loads(r.stdout)) >= {"code", "name", "level", "year", "total", "by_sex",
                                             "by_age"}


def test_regions_find(db_path):
    r = framtid(db_path, "regions", "find", "tromso")
    assert r.returncode == 0 and r.stdout.startswith("5501")
    r = framtid(db_path, "regions", "find", "aalesund")
    assert "Ålesund" in r.stdout.splitlines()[0]


def test_unknown_region_exit_2(db_path):
    r = framtid(db_path, "population", "Hamarr")
    assert r.returncode == 2
    assert "Did you mean 3403 Hamar" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_level_and_year_exit_2(db_path):
    assert framtid(db_path, "regions", "--level", "county").returncode == 2
    r = framtid(db_path, "population", "NO", "--year", "1900")
    assert r.returncode == 2 and "2005" in r.stderr or "1986" in r.stderr


def test_import_bad_folder_exit_2(tmp_path, db_path):
    r = framtid(tmp_path / "new.duckdb", "data", "import", str(tmp_path / "missing"))
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert not (tmp_path / "new.duckdb").exists()


def test_no_store_exit_2(tmp_path):
    r = framtid(tmp_path / "none.duckdb", "regions")
    assert r.returncode == 2 and "framtid data import" in r.stderr


def test_run_loads_snapshot_when_empty(tmp_path, shared_data):
    import os

    env = dict(os.environ, FRAMTID_SNAPSHOT=str(shared_data), FRAMTID_HOME=str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "framtid.cli", "run", "--no-serve"], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Hamar" in r.stdout and "Statistisk sentralbyrå" in r.stdout
    assert (tmp_path / "framtid.duckdb").exists()


def test_serve_answers_healthz(db_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "framtid.cli", "--db", str(db_path), "serve",
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    return
            except OSError:
                time.sleep(0.5)
        raise AssertionError("framtid serve did not answer /healthz within 120 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
