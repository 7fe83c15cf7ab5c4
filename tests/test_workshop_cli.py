"""`framtid workshop …` run as a user would (subprocess), against the session store and a
SQLite file of its own: create (JSON contract, QR file), export, delete, purge, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def framtid(db_path, *args, url):
    cmd = [sys.executable, "-m", "framtid.cli", "--db", str(db_path), *args]
    env = dict(os.environ, FRAMTID_DATABASE_URL=url)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def test_workshop_create_export_delete(db_path, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    qr = tmp_path / "join.svg"
    r = framtid(db_path, "workshop", "create", "Bergen", "--json", "--qr", str(qr),
                "--base-url", "https://verksted.example", url=url)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["region"] == "4601" and d["lang"] == "nn"          # Bergen writes nynorsk
    assert d["join_url"] == f"https://verksted.example/w/{d['code']}"
    assert d["facilitator_url"].endswith(f"/nn/w/{d['code']}/host#key={d['facilitator_key']}")
    assert qr.read_text().startswith("<svg") and "verksted.example" not in qr.read_text()

    r = framtid(db_path, "workshop", "export", d["code"], "--key", d["facilitator_key"], url=url)
    assert r.returncode == 0 and r.stdout.startswith("workshop,region,state,participants")
    assert "Vi bør" in r.stdout                                   # nynorsk statements

    r = framtid(db_path, "workshop", "delete", d["code"], "--key", "wrong", url=url)
    assert r.returncode == 2 and "key" in r.stderr
    r = framtid(db_path, "workshop", "delete", d["code"], "--key", d["facilitator_key"], url=url)
    assert r.returncode == 0
    r = framtid(db_path, "workshop", "export", d["code"], "--key", d["facilitator_key"], url=url)
    assert r.returncode == 2 and "no workshop" in r.stderr
    r = framtid(db_path, "workshop", "purge", url=url)
    assert r.returncode == 0


def test_workshop_create_bad_input_exits_2(db_path, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    r = framtid(db_path, "workshop", "create", "Atlantis", url=url)
    assert r.returncode == 2
    r = framtid(db_path, "workshop", "create", "3403", "--lang", "de", url=url)
    assert r.returncode == 2 and "language" in r.stderr
    r = framtid(db_path, "workshop", "create", "3403", "--days", "0", url=url)
    assert r.returncode == 2 and "days" in r.stderr
