"""The PDF report: one region, one language, one scenario, on A4 (HTML template → WeasyPrint).

Cover (region, date, scenario), key figures, the story beats with their charts as vector
graphics (SVG from vl-convert), «what we can do», the scenario's levers in plain words,
uncertainty, SSB's figure beside ours, method and sources. The PDF is tagged (PDF/UA-1), has a
title and a language, and embeds its fonts (subsets); all text is selectable.
"""

from __future__ import annotations

import base64
import datetime as dt
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .charts import decorate, svg_of
from .document import Document, build, unique_charts
from .files import produce
from .scenario import Scenario
from .text import t as text_t

TEMPLATES = Path(__file__).parent / "templates"
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html", "j2"]))


def _svg_src(spec: dict) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg_of(spec).encode()).decode()


def html(doc: Document) -> str:
    lang, sc = doc.lang, doc.scenario
    beats = [dict(b) for b in doc.story["beats"]]
    date = doc.story.get("projection_date")
    for kind, i in unique_charts(beats).items():
        b = beats[i]
        spec = decorate(b["chart"], lang, sc, projection_date=date or None)
        b["figure"] = {"src": _svg_src(spec), "alt": b.get("alt", "")}
    tx = doc.texts
    footer_left = f"{tx['title']} · {tx['scenario_title']} · {tx['credit_ssb']}"
    return _env().get_template("report.html.j2").render(
        lang=lang, t=lambda key, **kw: text_t(key, lang, **kw), region=doc.region,
        beats=beats, key_rows=doc.key_rows, key_years=doc.key_years, actions=doc.actions,
        ssb_rows=doc.ssb_rows, lever_lines=sc.lines(lang), page_word=text_t("report.page", lang),
        footer_left=footer_left.replace('"', "'"), **tx)


def pdf_bytes(doc: Document) -> bytes:
    from weasyprint import HTML

    return HTML(string=html(doc), base_url=str(TEMPLATES)).write_pdf(**PDF_OPTIONS)


def report(ctx, code: str, lang: str, scenario: Scenario, out: str | Path | None = None,
           today: dt.date | None = None) -> bytes:
    """Build the report; write it to `out` atomically when given. Returns the PDF bytes."""
    return produce(out, lambda: pdf_bytes(build(ctx, code, lang, scenario, today)))
