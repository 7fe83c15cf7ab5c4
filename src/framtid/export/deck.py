"""The PowerPoint deck (python-pptx, 16:9): title slide, key figures, one slide per story beat
(headline as title, the chart as a crisp 2× PNG, the key figure and «what we can do»; the story
text in the speaker notes), the scenario's assumptions and the sources. Opens in PowerPoint and
LibreOffice (the tests convert it with LibreOffice headless where it is installed)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from .charts import decorate, image
from .document import Document, build, indicator_label, show
from .files import produce
from .scenario import Scenario
from .text import t

BLUE = RGBColor(0x1F, 0x4E, 0x79)
ORANGE = RGBColor(0xB8, 0x42, 0x0F)
GREY = RGBColor(0x4D, 0x4D, 0x4D)
W, H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)


def _text(slide, x, y, w, h, paragraphs, size=16, color=None, bold=False):
    box = slide.shapes.add_textbox(x, y, w, h)
    tf = box.text_frame
    tf.word_wrap = True
    for i, p in enumerate(paragraphs if isinstance(paragraphs, list) else [paragraphs]):
        para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if isinstance(p, tuple):
            text, opts = p
        else:
            text, opts = p, {}
        run = para.add_run()
        run.text = text
        run.font.size = Pt(opts.get("size", size))
        run.font.bold = opts.get("bold", bold)
        c = opts.get("color", color)
        if c is not None:
            run.font.color.rgb = c
        para.space_after = Pt(opts.get("after", 6))
    return box


def _title(slide, text: str, size: int = 28):
    if slide.shapes.title is not None:
        slide.shapes.title.text = text
        tf = slide.shapes.title.text_frame
        tf.word_wrap = True
        for p in tf.paragraphs:
            for r in p.runs:
                r.font.size = Pt(size)
                r.font.bold = True
                r.font.color.rgb = BLUE
        sh = slide.shapes.title
        sh.left, sh.top, sh.width, sh.height = MARGIN, Inches(0.3), W - 2 * MARGIN, Inches(1.1)
        return sh
    return _text(slide, MARGIN, Inches(0.3), W - 2 * MARGIN, Inches(1.1), text, size, BLUE, True)


def _footer(slide, doc: Document):
    tx = doc.texts
    _text(slide, MARGIN, H - Inches(0.45), W - 2 * MARGIN, Inches(0.35),
          f"{tx['credit_ssb']} · {tx['credit_projection']} · {tx['scenario_title']}", 10, GREY)


def _notes(slide, text: str):
    slide.notes_slide.notes_text_frame.text = text


def _png_size(png: bytes) -> tuple[int, int]:
    import struct

    return struct.unpack(">II", png[16:24])


def _picture(slide, png: bytes, x, y, max_w, max_h):
    pw, ph = _png_size(png)
    scale = min(max_w / pw, max_h / ph)
    w, h = int(pw * scale), int(ph * scale)
    return slide.shapes.add_picture(io.BytesIO(png), x, y, Emu(w), Emu(h))


def deck_bytes(doc: Document) -> bytes:
    lang, sc, tx = doc.lang, doc.scenario, doc.texts
    prs = Presentation()
    prs.slide_width, prs.slide_height = W, H
    title_layout, only_title = prs.slide_layouts[0], prs.slide_layouts[5]
    prs.core_properties.title = tx["title"]
    prs.core_properties.subject = f"{tx['subtitle']} · {tx['scenario_title']}"
    prs.core_properties.author = "framtid"
    prs.core_properties.language = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}[lang]
    prs.core_properties.keywords = f"{doc.region['name']}, {doc.region['code']}, framtid, SSB"

    # 1. title
    s = prs.slides.add_slide(title_layout)
    s.shapes.title.text = tx["title"]
    for r in s.shapes.title.text_frame.paragraphs[0].runs:
        r.font.color.rgb = BLUE
        r.font.bold = True
        r.font.size = Pt(54)
    sub = s.placeholders[1]
    sub.text = t("deck.title_sub", lang, to_year=2050, scenario=tx["scenario_title"])
    p = sub.text_frame.add_paragraph()
    p.text = tx["made"]
    p.runs[0].font.size = Pt(14)
    _footer(s, doc)
    _notes(s, f"{tx['subtitle']}. {sc.sentence(lang)}")

    # 2. key figures
    s = prs.slides.add_slide(only_title)
    _title(s, t("deck.keys_title", lang, name=tx["region_name"]))
    rows = doc.key_rows[:8]
    years = doc.key_years
    shape = s.shapes.add_table(len(rows) + 1, len(years) + 1, MARGIN, Inches(1.5),
                               W - 2 * MARGIN, Inches(0.45) * (len(rows) + 1))
    tbl = shape.table
    tbl.columns[0].width = Inches(6.3)
    for j in range(1, len(years) + 1):
        tbl.columns[j].width = int((W - 2 * MARGIN - Inches(6.3)) / len(years))
    tbl.cell(0, 0).text = t("report.col_indicator", lang)
    for j, y in enumerate(years):
        tbl.cell(0, j + 1).text = t("report.col_today", lang, year=y) if j == 0 else str(y)
    for i, r in enumerate(rows):
        tbl.cell(i + 1, 0).text = r["label"]
        for j, v in enumerate(r["values"]):
            tbl.cell(i + 1, j + 1).text = v
    for row in tbl.rows:
        for c in row.cells:
            for p in c.text_frame.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(14)
    _footer(s, doc)
    _notes(s, t("deck.notes_keys", lang, scenario=tx["scenario_title"]))

    # 3. one slide per beat
    pngs: dict[str, bytes] = {}
    date = doc.story.get("projection_date") or None
    for b in doc.story["beats"]:
        s = prs.slides.add_slide(only_title)
        _title(s, b["headline"], 26)
        kind = b.get("chart_kind")
        if kind and b.get("chart"):
            if kind not in pngs:
                pngs[kind] = image(decorate(b["chart"], lang, sc, projection_date=date), "png", 2)
            pic = _picture(s, pngs[kind], MARGIN, Inches(1.45), Inches(8.2), Inches(5.5))
            pic.name = f"chart-{kind}"
            try:      # alt text for screen readers (descr on the picture's cNvPr)
                pic._element.nvPicPr.cNvPr.set("descr", b.get("alt", ""))
            except AttributeError:  # pragma: no cover
                pass
        a = b.get("action") or {}
        paras = []
        if a.get("indicator") and a.get("without") is not None:
            ind = a["indicator"]
            paras.append((f"{show(a['without'], ind, lang)} → {show(a['with'], ind, lang)}",
                          {"size": 30, "bold": True, "color": ORANGE, "after": 2}))
            paras.append((f"{indicator_label(ind, lang)}, {doc.texts['year']}",
                          {"size": 13, "color": GREY, "after": 14}))
        if a.get("effect_text"):
            paras.append((t("report.what_we_can_do", lang), {"size": 16, "bold": True}))
            paras.append((a["effect_text"], {"size": 15}))
        if paras:
            _text(s, Inches(8.95), Inches(1.6), Inches(3.9), Inches(5.2), paras)
        _footer(s, doc)
        _notes(s, b["text"] + ("\n\n" + a["effect_text"] if a.get("effect_text") else "")
               + ("\n\n" + b["alt"] if b.get("alt") else ""))

    # assumptions
    s = prs.slides.add_slide(only_title)
    _title(s, t("report.scenario_title", lang))
    lines = sc.lines(lang)
    paras = [(t("report.scenario_intro", lang, title=tx["scenario_title"],
                variant=tx["variant_label"]), {"size": 18})]
    if lines:
        paras.append((t("report.levers_changed", lang), {"size": 18, "bold": True}))
        paras += [("• " + t("scenario.lever_line", lang, label=x["label"], value=x["value_text"],
                             unit=x["unit"], default=x["default_text"]), {"size": 17})
                  for x in lines]
    else:
        paras.append((t("scenario.no_changes", lang), {"size": 18}))
    paras.append((t("report.reproduce", lang) + " " + tx["cli"], {"size": 12, "color": GREY}))
    paras.append((t("report.share_url", lang) + " " + tx["share_path"],
                  {"size": 12, "color": GREY}))
    _text(s, MARGIN, Inches(1.5), W - 2 * MARGIN, Inches(5.3), paras)
    _footer(s, doc)
    _notes(s, doc.texts["uncertainty"])

    # sources
    s = prs.slides.add_slide(only_title)
    _title(s, t("deck.sources_title", lang))
    _text(s, MARGIN, Inches(1.5), W - 2 * MARGIN, Inches(5.3), [
        (t("report.source_ssb", lang), {"size": 17}),
        (t("report.source_projection", lang), {"size": 17}),
        (t("report.source_other", lang), {"size": 15}),
        (t("report.made_with", lang, version=tx["version"], date=tx["date_text"],
           data_date=tx["data_date"]), {"size": 13, "color": GREY}),
    ])
    _notes(s, t("report.method_1", lang) + "\n\n" + t("report.method_2", lang))

    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def deck(ctx, code: str, lang: str, scenario: Scenario, out: str | Path | None = None,
         today: dt.date | None = None) -> bytes:
    """Build the deck; write it to `out` atomically when given. Returns the PPTX bytes."""
    return produce(out, lambda: deck_bytes(build(ctx, code, lang, scenario, today)))
