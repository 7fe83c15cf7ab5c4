"""`framtid site`: a static copy for a handful of regions passes the link check, says plainly
where the server is needed, and carries the downloads."""

from __future__ import annotations

import pytest

from test_cli import framtid


def _site_cli(db_path, *args):
    """`framtid site …` in a subprocess, with time for a fresh store's track record (the
    method page waits for it; computed once per store version under a loaded machine)."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "framtid.cli", "--db", str(db_path), "site", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1800)

REGIONS = "3403,NO,34,BA016"


@pytest.fixture(scope="module")
def site(db_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "www"
    r = _site_cli(db_path, "--out", str(out), "--lang", "nb,nn", "--regions", REGIONS,
                  "--jobs", "2")
    assert r.returncode == 0, r.stderr
    assert "no broken internal link" in r.stderr
    assert "2 processes" in r.stderr
    return out


def test_static_site_link_check(site):
    from framtid.export.site import link_check

    assert link_check(site) == []
    for lang in ("nb", "nn"):
        for code in REGIONS.split(","):
            assert (site / lang / "region" / code / "index.html").is_file()
            assert (site / "data" / f"{code}.csv").is_file()
            assert (site / "data" / f"{code}.xlsx").is_file()
    assert (site / "index.html").is_file() and (site / "nb" / "method" / "index.html").is_file()
    assert any((site / "assets").glob("vega-bundle-*.js"))
    assert (site / "export" / "static" / "embed.js").is_file()   # the embed code's script
    method = (site / "nb" / "method" / "index.html").read_text("utf-8")
    assert "Treffsikkerheten regnes ut akkurat nå" not in method  # backtest and track record
    assert not (site.parent / "www.new").exists()                 # built aside, swapped in


def test_one_process_writes_the_same_site(site, ctx, tmp_path):
    """--jobs 1 (everything in this process) writes the same files as the worker processes,
    and the same data."""
    from framtid.export.site import build_site, link_check

    out = tmp_path / "www1"
    res = build_site(ctx, out, ["nb", "nn"], REGIONS.split(","), jobs=1)
    assert res["jobs"] == 1 and res["cpu_seconds"] > 0
    files = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    assert files == {p.relative_to(site) for p in site.rglob("*") if p.is_file()}
    for code in REGIONS.split(","):
        a = (out / "data" / f"{code}.csv").read_text("utf-8").splitlines()
        b = (site / "data" / f"{code}.csv").read_text("utf-8").splitlines()
        assert [x for x in a if not x.startswith("# created")] == \
            [x for x in b if not x.startswith("# created")]
    assert link_check(out) == []


def test_static_pages_point_server_things_at_a_plain_notice(site):
    page = (site / "nn" / "region" / "3403" / "index.html").read_text("utf-8")
    assert 'href="/nn/region/34/"' in page                  # folder links
    assert "/simulate" not in page.split("<main", 1)[1].split("</main>", 1)[0].replace(
        "needs-server", "")
    assert 'href="/nn/needs-server/"' in page
    assert 'href="/data/3403.xlsx"' in page
    notice = (site / "nn" / "needs-server" / "index.html").read_text("utf-8")
    assert "Simulatoren treng serveren" in notice and "framtid serve" in notice
    assert "Forteljinga om Hamar" in page                   # the story is there, with tables
    assert "<table" in page


def test_site_bad_input(db_path, tmp_path):
    r = framtid(db_path, "site", "--out", str(tmp_path / "x"), "--lang", "nb,de")
    assert r.returncode == 2 and "nb, nn, en" in r.stderr
    r = framtid(db_path, "site", "--out", str(tmp_path / "missing" / "x"), "--regions", "3403")
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = framtid(db_path, "site", "--out", str(tmp_path / "x"), "--jobs", "0")
    assert r.returncode == 2 and "--jobs" in r.stderr and not (tmp_path / "x.new").exists()
