"""What every chart shares: the Chart record, palette, config, titles and the attribution line.

Specs are plain Vega-Lite v6 dicts. Numbers in axes and tooltips follow the language through
`config.locale.number` (d3-format locale: NBSP thousands, decimal comma for nb/nn); numbers in
titles, legends, alt texts and tables are formatted in Python with Babel (framtid.i18n).

Colours: every colour that carries information has a contrast of at least 3:1 against the white
background (WCAG 2.1 SC 1.4.11); they come from the Okabe-Ito and Paul Tol colour-blind-safe sets.
Light fills (`CONTEXT_FILL`, band tints) are decorative and always paired with an outline or line
in a palette colour.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import textwrap
from dataclasses import dataclass, field

from ..errors import FramtidError
from ..i18n import D3_LOCALES, check_lang, fmt_date, fmt_dec, fmt_int, fmt_pct, t

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
BACKGROUND = "#ffffff"
FONT = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"

TEXT = "#1a1a1a"          # titles, outlines of today
TEXT_MUTED = "#4d4d4d"    # subtitles, axis labels (8.5:1)
GRID = "#e3e3e3"          # decorative grid
CONTEXT_FILL = "#eeeeee"  # decorative fill of context areas (outlined with CONTEXT_STROKE)
CONTEXT_STROKE = "#767676"  # 4.5:1

# Age groups (0–19, 20–66, 67–79, 80+): Okabe-Ito bluish green, blue, vermillion; Tol wine.
AGE_GROUPS = ("0-19", "20-66", "67-79", "80+")
AGE_COLOURS = {"0-19": "#009E73", "20-66": "#0072B2", "67-79": "#D55E00", "80+": "#882255"}
# Lines: the region first, then comparisons (Norway, BA-region, ...).
SERIES_COLOURS = ("#0072B2", "#4d4d4d", "#D55E00", "#882255", "#009E73")
SERIES_DASHES = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4])
CARE_COLOUR = "#D55E00"
OTHER_COLOUR = "#767676"
HIGHLIGHT = "#0072B2"
# Choropleth classes, low → high: plasma from 0.6 down to 0 (perceptually ordered, colour-blind
# safe); its lighter yellow end is left out so that every class keeps 3:1 on white.
SEQUENTIAL = ("#e16462", "#bf3984", "#8f0da4", "#5601a4", "#0d0887")

PALETTE = {
    **{f"age {k}": v for k, v in AGE_COLOURS.items()},
    **{f"series {i}": c for i, c in enumerate(SERIES_COLOURS)},
    "care": CARE_COLOUR, "other": OTHER_COLOUR, "highlight": HIGHLIGHT,
    "context outline": CONTEXT_STROKE, "text": TEXT, "muted text": TEXT_MUTED,
    **{f"class {i}": c for i, c in enumerate(SEQUENTIAL)},
}

# A person pictogram for icon arrays, in Vega's custom-shape box (-1..1 on both axes).
PERSON = ("M0,-1 A0.27,0.27 0 1,1 0,-0.46 A0.27,0.27 0 1,1 0,-1 Z "
          "M-0.5,-0.38 L0.5,-0.38 Q0.62,-0.38 0.62,-0.24 L0.62,0.3 L0.34,0.3 L0.3,1 "
          "L-0.3,1 L-0.34,0.3 L-0.62,0.3 L-0.62,-0.24 Q-0.62,-0.38 -0.5,-0.38 Z")

DEFAULT_YEAR = 2040


@dataclass
class Chart:
    """A built chart: the Vega-Lite spec plus what a screen reader or a no-JS page needs.

    `table` is a list of rows of display strings (numbers already formatted for `lang`);
    the first row holds the column headers.
    """

    kind: str
    spec: dict
    alt: str
    table: list[list[str]]
    title: str
    lang: str = "nb"
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "lang": self.lang, "title": self.title, "alt": self.alt,
                "table": self.table, "spec": self.spec, "meta": self.meta}


# --- reading a projection ------------------------------------------------------------------
def years(projection: dict) -> list[int]:
    return [int(y) for y in projection["years"]]


def base_year(projection: dict) -> int:
    return int(projection.get("base_year", years(projection)[0]))


def target_year(projection: dict, year: int | None = None) -> int:
    ys = years(projection)
    if year is None:
        return DEFAULT_YEAR if DEFAULT_YEAR in ys else ys[-1]
    if int(year) not in ys:
        raise FramtidError(f"Year {year} is not in the projection ({ys[0]}–{ys[-1]}).")
    return int(year)


def at(projection: dict, values, year: int) -> float:
    return float(values[years(projection).index(int(year))])


def region_name(projection: dict, lang: str, plain: bool = False) -> str:
    """The region as text reads it: «Noreg» for Norway in nynorsk, «Hamar-regionen» for the
    BA-region Hamar (so that it is not taken for the kommune); `plain` gives the bare name."""
    region = projection.get("region", {})
    if region.get("code") == "NO" or region.get("level") == "land":
        return t("region.norway", lang)
    name = str(region.get("name") or region.get("code") or "")
    if region.get("level") == "ba" and not plain:
        return t("region.ba", lang, name=name)
    return name


def age_group_series(projection: dict) -> dict[str, list[float]]:
    """0-19, 20-66, 67-79 and 80+ per year (67-79 = 67+ minus 80+, or from by_age)."""
    groups = projection.get("age_groups") or {}
    if all(k in groups for k in ("0-19", "20-66", "67+", "80+")):
        return {"0-19": list(map(float, groups["0-19"])),
                "20-66": list(map(float, groups["20-66"])),
                "67-79": [float(a) - float(b) for a, b in zip(groups["67+"], groups["80+"])],
                "80+": list(map(float, groups["80+"]))}
    by_age = projection["by_age"]
    out: dict[str, list[float]] = {g: [] for g in AGE_GROUPS}
    for f, m in zip(by_age["female"], by_age["male"]):
        both = [float(a) + float(b) for a, b in zip(f, m)]
        out["0-19"].append(sum(both[0:20]))
        out["20-66"].append(sum(both[20:67]))
        out["67-79"].append(sum(both[67:80]))
        out["80+"].append(sum(both[80:]))
    return out


# --- formats -------------------------------------------------------------------------------
# How each indicator is shown: (style, digits); style is int, dec or pct (a fraction).
INDICATOR_FORMATS = {
    "share_67_plus": ("pct", 1), "share_80_plus": ("pct", 1),
    "care_share_of_workforce": ("pct", 1), "aldersbaereevne_67": ("dec", 1),
    "aldersbaereevne_80": ("dec", 1), "median_age": ("dec", 1),
}


def indicator_format(indicator: str | None, values=()) -> tuple[str, int]:
    if indicator in INDICATOR_FORMATS:
        return INDICATOR_FORMATS[indicator]
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if vals and all(float(v).is_integer() or abs(v) >= 100 for v in vals):
        return ("int", 0)
    if vals and all(abs(v) <= 1 for v in vals):
        return ("pct", 1)
    return ("dec", 1)


def formatter(style: str, digits: int, lang: str):
    if style == "int":
        return lambda v: fmt_int(v, lang)
    if style == "pct":
        return lambda v: fmt_pct(v, lang, digits)
    return lambda v: fmt_dec(v, lang, digits)


def indicator_label(indicator: str | None, lang: str) -> str:
    key = f"indicator.{indicator}"
    try:
        return t(key, lang)
    except KeyError:
        return indicator.replace("_", " ") if indicator else t("indicator.value", lang)


def lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s and not s[:2].isupper() else s


# --- titles and spec shell -----------------------------------------------------------------
def resolve_date(projection: dict, projection_date=None):
    """The projection's date: passed in, else the projection's own `created`/`date`, else today."""
    if projection_date is None:
        for key in ("created", "date", "projection_date"):
            value = projection.get(key) or (projection.get("meta") or {}).get(key)
            if value:
                projection_date = value
                break
    if projection_date is None:
        projection_date = _dt.date.today()
    return projection_date


def attribution(lang: str, projection_date) -> str:
    return " · ".join(attribution_parts(lang, projection_date))


def attribution_parts(lang: str, projection_date) -> tuple[str, str]:
    return (t("source.attribution", lang),
            t("source.projection", lang, date=fmt_date(projection_date, lang)))


def _chars(width_px: float, font_px: float) -> int:
    return max(20, int(width_px / (font_px * 0.49)))


def wrap(text: str, width_px: float, font_px: float = 12.5) -> list[str]:
    """Break a line for a chart of `width_px` (Vega does not wrap titles itself)."""
    return textwrap.wrap(text, _chars(width_px, font_px), break_on_hyphens=False) or [""]


def title_block(title: str, subtitle: str | list[str] | None, lang: str, projection_date,
                width: float) -> dict:
    lines: list[str] = []
    for s in ([subtitle] if isinstance(subtitle, str) else (subtitle or [])):
        lines.extend(wrap(s, width))
    source, made = attribution_parts(lang, projection_date)
    if len(source) + len(made) + 3 <= _chars(width, 12.5):
        lines.append(f"{source} · {made}")
    else:  # the source line and the projection line, each whole
        lines.extend([source, made])
    return {"text": wrap(title, width, 19), "subtitle": lines, "anchor": "start",
            "fontSize": 19, "fontWeight": "bold", "color": TEXT, "subtitleFontSize": 12.5,
            "subtitleColor": TEXT_MUTED, "subtitlePadding": 6, "offset": 14}


def config(lang: str) -> dict:
    return {
        "locale": {"number": D3_LOCALES[check_lang(lang)]},
        "font": FONT,
        "background": BACKGROUND,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 12, "titleFontSize": 12.5, "labelColor": TEXT_MUTED,
                 "titleColor": TEXT, "titleFontWeight": "normal", "gridColor": GRID,
                 "domainColor": CONTEXT_STROKE, "tickColor": CONTEXT_STROKE},
        "legend": {"labelFontSize": 12, "titleFontSize": 12.5, "titleColor": TEXT,
                   "labelColor": TEXT, "titleFontWeight": "normal", "labelLimit": 320},
        "header": {"labelFontSize": 13, "titleFontSize": 13},
        "text": {"font": FONT, "color": TEXT},
        "concat": {"spacing": 36},
    }


def shell(kind: str, lang: str, *, title: dict, alt: str, width: int | None = None,
          height: int | None = None, fit: bool = True) -> dict:
    """Top-level keys shared by every spec; `fit` for single and layered views only."""
    spec: dict = {"$schema": SCHEMA, "description": alt, "title": title,
                  "background": BACKGROUND, "config": config(lang),
                  "usermeta": {"framtid": {"kind": kind, "lang": lang}}}
    if width is not None:
        spec["width"] = width
    if height is not None:
        spec["height"] = height
    spec["autosize"] = {"type": "fit" if fit else "pad", "contains": "padding"}
    spec["padding"] = 12
    return spec


def expr_string(s: str) -> str:
    """A JSON/JS string literal for use inside a Vega expression."""
    return json.dumps(s, ensure_ascii=False)


def largest_remainder(values: list[float], total: int = 100) -> list[int]:
    """Whole numbers proportional to `values` that add up to exactly `total` (Hamilton)."""
    s = float(sum(values))
    if s <= 0:
        raise ValueError("largest_remainder needs a positive sum")
    quotas = [v / s * total for v in values]
    floors = [math.floor(q) for q in quotas]
    left = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors
