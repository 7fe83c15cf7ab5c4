"""«100 residents in 2040»: a 10 × 10 array of person icons coloured by age group.

Counts come from the projected age groups with largest-remainder rounding, so they always add
up to exactly 100. The groups fill the grid in reading order (youngest first), so each group is
one connected block and can be told apart by position and by the counted legend, not by colour
alone.
"""

from __future__ import annotations

from ..i18n import fmt_int, t
from . import base
from .base import AGE_COLOURS, AGE_GROUPS, PERSON, Chart

GRID = 10
CELL = 38
WIDTH = GRID * CELL + 290
HEIGHT = GRID * CELL


def counts(projection: dict, year: int) -> dict[str, int]:
    """Persons of every 100 in each of 0–19, 20–66, 67–79 and 80+ (sums to 100)."""
    groups = base.age_group_series(projection)
    vals = [max(base.at(projection, groups[g], year), 0.0) for g in AGE_GROUPS]
    return dict(zip(AGE_GROUPS, base.largest_remainder(vals, 100)))


def build(projection: dict, lang: str, *, year: int | None = None, projection_date=None) -> Chart:
    y0 = base.base_year(projection)
    year = base.target_year(projection, year)
    name = base.region_name(projection, lang)
    n = counts(projection, year)
    n0 = counts(projection, y0)
    labels = {g: f"{t(f'age.long.{g}', lang)}: {n[g]}" for g in AGE_GROUPS}

    cells = []
    k = 0
    for g in AGE_GROUPS:
        for _ in range(n[g]):
            cells.append({"col": k % GRID, "row": k // GRID, "g": labels[g],
                          "short": t(f"age.{g}", lang)})
            k += 1

    title_text = t("icons.title", lang, region=name, year=year)
    pdate = base.resolve_date(projection, projection_date)
    title = base.title_block(title_text, t("icons.subtitle", lang, region=name, year=year),
                             lang, pdate, WIDTH)
    alt = t("icons.alt", lang, region=name, year=year, n0=n["0-19"], n1=n["20-66"],
            n2=n["67-79"], n3=n["80+"])
    spec = base.shell("icons", lang, title=title, alt=alt, width=WIDTH, height=HEIGHT,
                      fit=False)
    spec["width"], spec["height"] = GRID * CELL, GRID * CELL
    axis_off = {"axis": None}
    spec.update({
        "data": {"values": cells},
        "mark": {"type": "point", "shape": PERSON, "filled": True, "opacity": 1,
                 "size": (CELL * 0.8) ** 2, "strokeWidth": 0},
        "encoding": {
            "x": {"field": "col", "type": "quantitative",
                  "scale": {"domain": [-0.5, GRID - 0.5], "nice": False, "zero": False},
                  **axis_off},
            "y": {"field": "row", "type": "quantitative",
                  "scale": {"domain": [-0.5, GRID - 0.5], "nice": False, "zero": False,
                            "reverse": True}, **axis_off},
            "color": {"field": "g", "type": "nominal",
                      "scale": {"domain": [labels[g] for g in AGE_GROUPS],
                                "range": [AGE_COLOURS[g] for g in AGE_GROUPS]},
                      "legend": {"title": None, "orient": "right", "symbolType": PERSON,
                                 "symbolSize": 420, "labelFontSize": 13.5, "rowPadding": 10,
                                 "offset": 24}},
            "tooltip": [{"field": "short", "title": t("icons.table.group", lang)}],
        },
    })

    groups = base.age_group_series(projection)
    table = [[t("icons.table.group", lang), t("icons.table.of100", lang, year=y0),
              t("icons.table.of100", lang, year=year), t("icons.table.count", lang, year=year)]]
    for g in AGE_GROUPS:
        table.append([t(f"age.long.{g}", lang), str(n0[g]), str(n[g]),
                      fmt_int(base.at(projection, groups[g], year), lang)])
    return Chart("icons", spec, alt, table, title_text, lang,
                 meta={"year": year, "counts": n, "counts_base": n0})
