"""`framtid story` and `framtid chart` as a user runs them."""

from __future__ import annotations

import json

from test_cli import framtid


def test_story_json_contract(db_path):
    r = framtid(db_path, "story", "3403", "--lang", "nn", "--format", "json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["lang"] == "nn" and st["region"]["code"] == "3403"
    beat = st["beats"][0]
    assert {"id", "headline", "text", "action", "chart", "alt", "table"} <= set(beat)
    assert {"lever", "value", "effect_text"} <= set(beat["action"])
    assert "Kjelde: Statistisk sentralbyrå" in json.dumps(beat["chart"], ensure_ascii=False)


def test_story_markdown_and_html(db_path):
    r = framtid(db_path, "story", "NO", "--lang", "en", "--format", "md")
    assert r.returncode == 0 and r.stdout.startswith("# Norway 2040")
    assert "Source: Statistics Norway" in r.stdout
    r = framtid(db_path, "story", "BA016", "--format", "html")
    assert r.returncode == 0 and "<article lang=\"nb\">" in r.stdout


def test_chart_files(db_path, tmp_path):
    for kind, suffix in (("pyramid", "svg"), ("fan", "png"), ("icons", "json"), ("map", "svg")):
        out = tmp_path / f"{kind}.{suffix}"
        r = framtid(db_path, "chart", "3403", kind, "--out", str(out), "--lang", "nb")
        assert r.returncode == 0, r.stderr
        assert out.stat().st_size > 1000
        if suffix == "svg":
            assert "Statistisk sentralbyrå" in out.read_text()


def test_bad_story_and_chart_input_exit_2(db_path, tmp_path):
    cases = [
        (["story", "3403", "--lang", "se"], "nb, nn, en"),
        (["story", "3403", "--format", "docx"], "md, html, json"),
        (["story", "Atlantis"], "Unknown region"),
        (["chart", "3403", "radar", "--out", str(tmp_path / "x.svg")], "pyramid"),
        (["chart", "3403", "fan", "--out", str(tmp_path / "x.gif")], ".svg, .png or .json"),
    ]
    for args, expect in cases:
        r = framtid(db_path, *args)
        assert r.returncode == 2, (args, r.stderr)
        assert expect in r.stderr, (args, r.stderr)
    assert not (tmp_path / "x.svg").exists() and not (tmp_path / "x.gif").exists()
