"""framtid.export: the PDF report, the PowerPoint deck and the data files carry the region, the
scenario and the same numbers as `framtid project … --json`; bad input exits 2 and leaves no file.

Runs the CLI as a user would (subprocess) against the session store (../shared/data).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from test_cli import framtid

LEVERS = ["--lever", "young_adults=25", "--lever", "healthy_ageing=1"]
NAME = "Formannskapets alternativ"


def _plain(s: str) -> str:
    return " ".join(s.replace("\u00a0", " ").replace("\u202f", " ").split())


def _people(x: float) -> float:
    from framtid.story.render import people

    return people(x)


@pytest.fixture(scope="module")
def project_json(db_path) -> dict:
    r = framtid(db_path, "project", "3403", *LEVERS, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("export")


@pytest.fixture(scope="module")
def pdf_path(db_path, out_dir) -> Path:
    path = out_dir / "hamar-nn.pdf"
    r = framtid(db_path, "report", "3403", "--format", "pdf", "--lang", "nn", *LEVERS,
                "--name", NAME, "--out", str(path))
    assert r.returncode == 0, r.stderr
    return path


@pytest.fixture(scope="module")
def pptx_path(db_path, out_dir) -> Path:
    path = out_dir / "hamar-nb.pptx"
    r = framtid(db_path, "report", "3403", "--format", "pptx", "--lang", "nb", *LEVERS,
                "--name", NAME, "--out", str(path))
    assert r.returncode == 0, r.stderr
    return path


# --- scenario ----------------------------------------------------------------------------------
def test_scenario_travels_in_a_query():
    from framtid.export.scenario import Scenario

    sc = Scenario.from_query([("name", "  Formannskapets\talternativ "), ("young_adults", "25"),
                              ("lever", "healthy_ageing=1"), ("scenario", "low")])
    assert sc.name == NAME and sc.variant == "low"
    assert sc.levers == {"healthy_ageing": 1.0, "young_adults": 25.0}
    again = Scenario.from_query([tuple(p.split("=", 1)) for p in sc.query().split("&")])
    assert again.levers == sc.levers or again.changed() == sc.changed()
    assert "name=Formannskapets+alternativ" in sc.query()
    assert sc.slug() == "formannskapets-alternativ"
    nn = sc.sentence("nn")
    assert "Formannskapets alternativ" in nn and "Fleire unge vaksne" in nn


def test_scenario_bad_input_names_the_choices():
    from framtid.errors import FramtidError
    from framtid.export.scenario import Scenario

    with pytest.raises(FramtidError, match="young_adults"):
        Scenario.from_pairs("main", ["nope=1"])
    with pytest.raises(FramtidError, match="main, low, high"):
        Scenario.make("middle")
    with pytest.raises(FramtidError, match="between"):
        Scenario.from_pairs("main", ["young_adults=1e9"])


# --- PDF -------------------------------------------------------------------------------------
def test_pdf_report_region_scenario_and_numbers(pdf_path, project_json):
    from pypdf import PdfReader

    from framtid.i18n import fmt_int

    reader = PdfReader(str(pdf_path))
    assert 6 <= len(reader.pages) <= 12
    text = _plain("\n".join(p.extract_text() for p in reader.pages))
    assert "Hamar 2040" in text
    assert NAME in text
    assert "Fleire unge vaksne: 25 personar per år" in text          # the lever in plain words
    assert "Kjelde: Statistisk sentralbyrå" in text
    assert "Framskriving: framtid, på data frå SSB" in text
    assert "Uvisse" in text and "Slik reknar framtid" in text
    # key figures equal the JSON of `framtid project` for the same scenario (rounded as shown)
    p = project_json
    i = p["years"].index(2040)
    for ind in ("population", "age_80_plus", "age_20_66"):
        shown = _plain(fmt_int(_people(p["indicators"][ind][i]), "nn"))
        assert shown in text, (ind, shown)
    # SSB's figure beside ours, labelled as SSB's
    ssb = p["official"]["alternatives"]["MMMM"]
    assert _plain(fmt_int(ssb["total"][ssb["years"].index(2040)], "nn")) in text
    assert "hovudalternativet" in text


def test_pdf_is_tagged_titled_with_language_and_embedded_fonts(pdf_path):
    from pypdf import PdfReader

    reader = PdfReader(str(pdf_path))
    root = reader.trailer["/Root"]
    assert reader.metadata.title == "Hamar 2040"
    assert str(root.get("/Lang")) == "nn"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    fonts = []
    for page in reader.pages:
        res = page["/Resources"]
        for f in (res.get("/Font") or {}).values():
            f = f.get_object()
            desc = f.get("/FontDescriptor") or (
                f["/DescendantFonts"][0].get_object().get("/FontDescriptor")
                if "/DescendantFonts" in f else None)
            if desc is not None:
                fonts.append(desc.get_object())
    assert fonts
    assert all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in fonts)


def test_pdf_main_scenario_in_english(ctx, tmp_path):
    from pypdf import PdfReader

    from framtid.export.report import report
    from framtid.export.scenario import Scenario

    out = tmp_path / "no.pdf"
    report(ctx, "NO", "en", Scenario(), out)
    text = _plain("\n".join(p.extract_text() for p in PdfReader(str(out)).pages))
    assert "Norway 2040" in text and "Main scenario" in text
    assert "Projection: framtid, based on data from SSB" in text
    assert "No lever changed" in text


# --- PPTX ------------------------------------------------------------------------------------
def test_pptx_deck_slides_notes_and_numbers(pptx_path, project_json):
    from pptx import Presentation

    from framtid.i18n import fmt_int

    prs = Presentation(str(pptx_path))
    slides = list(prs.slides)
    assert 8 <= len(slides) <= 14
    texts = []
    for s in slides:
        texts.append(_plain(" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)))
    assert "Hamar 2040" in texts[0] and NAME in texts[0]
    assert any("Flere unge voksne: 25 personer per år" in t for t in texts)
    assert any("Kilde: Statistisk sentralbyrå" in t for t in texts)
    # one slide per beat: a picture and the story in the notes
    beat_slides = [s for s in slides if any(sh.shape_type == 13 for sh in s.shapes)]
    assert len(beat_slides) >= 6
    assert all(len(s.notes_slide.notes_text_frame.text) > 40 for s in beat_slides)
    # the key figure table equals the JSON (rounded as shown)
    table = next(sh.table for sh in slides[1].shapes if sh.has_table)
    cells = {table.cell(r, 0).text: [table.cell(r, c).text for c in range(1, 4)]
             for r in range(1, len(table.rows))}
    i = project_json["years"].index(2040)
    pop = cells["Folkemengde" if "Folkemengde" in cells else next(iter(cells))]
    assert _plain(pop[2]) == _plain(fmt_int(_people(project_json["indicators"]["population"][i]),
                                            "nb"))


LO_REGISTRY = Path("/usr/lib/libreoffice/share/registry")


def _soffice(tmp_path, fmt: str, src: Path):
    return subprocess.run(["soffice", "--headless", "--norestore", "--convert-to", fmt,
                           "--outdir", str(tmp_path), str(src)], capture_output=True, text=True,
                          timeout=180, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})


@pytest.mark.skipif(shutil.which("soffice") is None or not (LO_REGISTRY / "impress.xcd").exists(),
                    reason="LibreOffice Impress is not installed (FRAMTID_WITH_LIBREOFFICE=1)")
def test_pptx_converts_with_libreoffice(pptx_path, tmp_path):
    r = _soffice(tmp_path, "pdf", pptx_path)
    assert r.returncode == 0 and "Error" not in r.stderr, r.stderr
    from pypdf import PdfReader

    pdf = tmp_path / (pptx_path.stem + ".pdf")
    assert len(PdfReader(str(pdf)).pages) == len(__import__("pptx").Presentation(
        str(pptx_path)).slides)


# --- data files ------------------------------------------------------------------------------
def test_xlsx_has_numbers_equal_to_the_json(db_path, tmp_path, project_json):
    from openpyxl import load_workbook

    out = tmp_path / "hamar.xlsx"
    r = framtid(db_path, "export", "3403", "--format", "xlsx", *LEVERS, "--name", NAME,
                "--paths", "50", "--out", str(out))
    assert r.returncode == 0, r.stderr
    wb = load_workbook(out)
    assert {"population", "age_groups", "indicators", "quantiles", "ssb", "metadata"} <= set(
        wb.sheetnames)
    p = project_json
    ws = wb["indicators"]
    head = [c.value for c in ws[1]]
    rows = {(r[0], r[2]): r for r in ws.iter_rows(min_row=2, values_only=True)}
    for ind in ("population", "aldersbaereevne_67", "care_share_of_workforce"):
        col = head.index(ind)
        for y in (2026, 2040, 2050):
            v = rows[("3403", y)][col]
            assert isinstance(v, (int, float)) and not isinstance(v, bool)   # a number, not text
            assert v == pytest.approx(p["indicators"][ind][p["years"].index(y)], rel=1e-12)
    cell = ws.cell(row=2, column=head.index("care_share_of_workforce") + 1)
    assert cell.number_format == "0.0%"
    pop = wb["population"]
    phead = [c.value for c in pop[1]]
    prow = next(r for r in pop.iter_rows(min_row=2, values_only=True)
                if r[2] == 2040 and r[3] == "female")
    assert prow[phead.index("80")] == pytest.approx(
        p["by_age"]["female"][p["years"].index(2040)][80], rel=1e-12)
    meta = dict(wb["metadata"].iter_rows(min_row=2, values_only=True))
    assert meta["scenario_name"] == NAME
    assert "young_adults=25" in meta["levers_changed"]
    assert meta["base_year"] == "2026" and meta["framtid_version"]
    assert "Statistisk sentralbyrå" in meta["source"]


@pytest.mark.skipif(shutil.which("soffice") is None or not (LO_REGISTRY / "calc.xcd").exists(),
                    reason="LibreOffice Calc is not installed (FRAMTID_WITH_LIBREOFFICE=1)")
def test_xlsx_opens_in_libreoffice(ctx, tmp_path):
    from framtid.export.data import export
    from framtid.export.scenario import Scenario

    src = tmp_path / "hamar.xlsx"
    export(ctx, "3403", "xlsx", src, Scenario())
    out = tmp_path / "out"
    out.mkdir()
    r = _soffice(out, "csv", src)          # the first sheet: population by sex and age
    assert r.returncode == 0 and "Error" not in r.stderr, r.stderr
    first = (out / "hamar.csv").read_text("utf-8").splitlines()
    assert first[0].startswith("region_code,region,year,sex,0,1,2")
    assert first[1].startswith("3403,Hamar,2026,female,")


def test_csv_values_and_metadata(ctx, tmp_path, project_json):
    import pandas as pd

    from framtid.export.data import export
    from framtid.export.scenario import Scenario

    out = tmp_path / "hamar.csv"
    export(ctx, "3403", "csv", out, Scenario.from_pairs("main", ["young_adults=25",
                                                                 "healthy_ageing=1"], NAME))
    head = out.read_text("utf-8").splitlines()[:20]
    assert f"# scenario_name: {NAME}" in head
    df = pd.read_csv(out, comment="#", dtype={"region_code": str})
    p = project_json
    tot = df[(df.table == "population_total") & (df.year == 2040)]["value"].item()
    assert tot == pytest.approx(p["total"][p["years"].index(2040)], rel=1e-12)
    ab = df[(df.table == "indicators") & (df.measure == "aldersbaereevne_67") & (df.year == 2050)]
    assert ab["value"].item() == pytest.approx(p["indicators"]["aldersbaereevne_67"][-1],
                                               rel=1e-12)
    assert (df.table == "ssb").any()


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["report", "3403", "--format", "docx"], "pdf, pptx"),
    (["report", "3403", "--lang", "de"], "nb, nn, en"),
    (["report", "3403", "--lever", "nope=1"], "young_adults"),
    (["report", "3403", "--scenario", "middle"], "main, low, high"),
    (["report", "Hamarr"], "Hamar"),
    (["export", "3403", "--format", "json"], "csv, xlsx"),
])
def test_bad_input_exits_2_naming_the_choices(db_path, tmp_path, args, message):
    out = tmp_path / "x.out"
    r = framtid(db_path, *args, "--out", str(out))
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert not out.exists()


def test_missing_folder_is_a_clear_error_and_leaves_nothing(db_path, tmp_path):
    out = tmp_path / "missing" / "x.pdf"
    r = framtid(db_path, "report", "3403", "--out", str(out))
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert not out.parent.exists()


def test_failure_while_writing_leaves_no_partial_file(tmp_path):
    from framtid.export.files import aside

    out = tmp_path / "x.pdf"
    with pytest.raises(RuntimeError):
        with aside(out) as tmp:
            tmp.write_bytes(b"%PDF-half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
