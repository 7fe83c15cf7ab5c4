"""«X of every 100 employed must work in health and care»: today against the target year.

Two 10 × 10 arrays of person icons: filled in the care colour for those in health and care,
outlined in grey for everyone else. The share comes from
`projection["indicators"]["care_share_of_workforce"]` (a fraction per year).
"""

from __future__ import annotations

from ..errors import FramtidError
from ..i18n import fmt_pct, t
from . import base
from .base import CARE_COLOUR, OTHER_COLOUR, PERSON, Chart

GRID = 10
CELL = 28
INDICATOR = "care_share_of_workforce"


def of_100(share: float) -> int:
    return max(0, min(100, int(round(share * 100 + 1e-9))))


def _panel(year: int, n: int, lang: str, labels: tuple[str, str]) -> dict:
    cells = [{"col": k % GRID, "row": k // GRID, "c": labels[0] if k < n else labels[1]}
             for k in range(GRID * GRID)]
    scale = {"domain": [-0.5, GRID - 0.5], "nice": False, "zero": False}
    return {
        "width": GRID * CELL, "height": GRID * CELL,
        "title": {"text": t("care.panel", lang, year=year, n=n), "fontSize": 16,
                  "anchor": "start", "color": base.TEXT, "fontWeight": "bold"},
        "data": {"values": cells},
        "mark": {"type": "point", "shape": PERSON, "size": (CELL * 0.78) ** 2,
                 "strokeWidth": 1.1, "opacity": 1},
        "encoding": {
            "x": {"field": "col", "type": "quantitative", "scale": scale, "axis": None},
            "y": {"field": "row", "type": "quantitative", "scale": {**scale, "reverse": True},
                  "axis": None},
            "stroke": {"field": "c", "type": "nominal",
                       "scale": {"domain": list(labels), "range": [CARE_COLOUR, OTHER_COLOUR]},
                       "legend": {"title": None, "orient": "bottom", "direction": "horizontal",
                                  "symbolType": PERSON, "symbolSize": 380,
                                  "symbolStrokeWidth": 1.1, "labelFontSize": 13}},
            "fill": {"field": "c", "type": "nominal",
                     "scale": {"domain": list(labels), "range": [CARE_COLOUR, "#ffffff"]},
                     "legend": {"title": None, "orient": "bottom", "direction": "horizontal",
                                "symbolType": PERSON, "symbolSize": 380,
                                "symbolStrokeWidth": 1.1, "labelFontSize": 13}},
            "tooltip": [{"field": "c", "title": " "}],
        },
    }


def build(projection: dict, lang: str, *, year: int | None = None, projection_date=None) -> Chart:
    ind = projection.get("indicators") or {}
    if INDICATOR not in ind:
        raise FramtidError(f"The projection has no {INDICATOR!r} indicator; the care chart "
                           "needs it.")
    ys = base.years(projection)
    y0 = base.base_year(projection)
    year = base.target_year(projection, year)
    name = base.region_name(projection, lang)
    shares = list(map(float, ind[INDICATOR]))
    s0, s1 = base.at(projection, shares, y0), base.at(projection, shares, year)
    n0, n1 = of_100(s0), of_100(s1)
    labels = (t("care.legend.care", lang), t("care.legend.other", lang))

    title_text = t("care.title", lang, region=name)
    pdate = base.resolve_date(projection, projection_date)
    width = 2 * GRID * CELL + 36
    title = base.title_block(title_text, t("care.subtitle", lang), lang, pdate, width)
    alt = t("care.alt", lang, region=name, base_year=y0, year=year, n_base=n0, n_year=n1)
    spec = base.shell("care", lang, title=title, alt=alt, fit=False)
    spec["hconcat"] = [_panel(y0, n0, lang, labels), _panel(year, n1, lang, labels)]
    spec["resolve"] = {"scale": {"fill": "shared", "stroke": "shared"}}

    table = [[t("table.year", lang), t("care.table.share", lang), t("care.table.of100", lang)]]
    for y, s in zip(ys, shares):
        table.append([str(y), fmt_pct(s, lang, 1), str(of_100(s))])
    return Chart("care", spec, alt, table, title_text, lang,
                 meta={"year": year, "of_100": {y0: n0, year: n1}})
