"""`framtid site`: a static copy for a handful of regions passes the link check, says plainly
where the server is needed, and carries the downloads."""

from __future__ import annotations

import pytest

from test_cli import framtid

REGIONS = "3403,NO,34,BA016"


@pytest.fixture(scope="module")
def site(db_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "www"
    r = framtid(db_path, "site", "--out", str(out), "--lang", "nb,nn", "--regions", REGIONS)
    assert r.returncode == 0, r.stderr
    assert "no broken internal link" in r.stderr
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
