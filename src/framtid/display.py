"""One display layer for numbers: how a quantity is rounded and written, decided once.

Cards, charts (titles, tooltips, alt texts, data tables), stories, the simulator, exports and
the workshop call these functions, so that one quantity has one value wherever it is shown.

Rules
- A registered count (a year up to the last registered one) is exact: «33 817».
- A projected count has no precision to the person (`people`): under 100 whole, under 1 000 to
  the ten, above that three significant digits: 3 129 → «3 130», 213 → «210»,
  36 470 → «36 500» (`i18n.fmt_approx`, which the charts and the story's ranges use).
- A share is a percentage with one decimal: 0.2118 → «21,2 %»; a ratio (aldersbæreevne) and an
  age one decimal.
- A change in percent is computed from the values as shown (`change`), so that «2 700 (−8,0 %)»
  is true of the numbers the reader sees.
- Negative numbers carry a true minus sign (U+2212), never a hyphen-minus.

`shown(x, kind, projected)` gives the number as displayed (for computations on shown values),
`text(x, kind, lang, projected)` the string, `vega_round(field)` the same count rule as a Vega
expression (chart tooltips over unrounded lines).
"""

from __future__ import annotations

import math

from .i18n import NBSP, fmt_dec, fmt_int

MINUS = "\u2212"
KINDS = ("count", "share", "ratio", "age", "number", "index")


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def people(x: float) -> float:
    """A projected count of people rounded to the precision a projection has."""
    x = float(x)
    a = abs(x)
    if a < 100:
        step = 1
    elif a < 1000:
        step = 10
    else:
        step = 10 ** (int(math.floor(math.log10(a))) - 2)
    return math.copysign(math.floor(a / step + 0.5) * step, x) + 0.0


def shown(x, kind: str = "count", projected: bool = True) -> float | None:
    """The number as it is displayed (None for a missing value)."""
    if not _finite(x):
        return None
    x = float(x)
    if kind == "count":
        return people(x) if projected else float(math.floor(abs(x) + 0.5) * (1 if x >= 0 else -1))
    if kind == "share":
        return round(x * 1000) / 1000        # one decimal of a percentage
    if kind in ("ratio", "age", "number"):
        return round(x * 10) / 10
    if kind == "index":
        return float(round(x))
    return x


def minus(s: str) -> str:
    """A hyphen-minus at the front (Babel's) becomes a true minus sign."""
    return MINUS + s[1:] if s.startswith("-") else s


def text(x, kind: str, lang: str, projected: bool = True) -> str:
    """The one way a quantity of `kind` is written in `lang` («–» when missing)."""
    v = shown(x, kind, projected)
    if v is None:
        return "–"
    if kind == "count" or kind == "index":
        return minus(fmt_int(v, lang))
    if kind == "share":
        return minus(fmt_dec(v * 100, lang, 1)) + (NBSP + "%" if lang in ("nb", "nn") else "%")
    return minus(fmt_dec(v, lang, 1))


def signed(s: str, value: float) -> str:
    """«+» before a positive value's text; zero stays bare; a negative keeps its minus."""
    if s.startswith((MINUS, "-")) or value == 0:
        return minus(s)
    return "+" + s


def change(then, now, lang: str, *, kind: str = "count", then_projected: bool = True,
           now_projected: bool = False) -> str:
    """Relative change from `now` to `then` in percent, from the values as shown, with a sign:
    «−8,0 %», «+12,3 %» («–» when it cannot be computed)."""
    a, b = shown(now, kind, now_projected), shown(then, kind, then_projected)
    if a in (None, 0) or b is None:
        return "–"
    rel = b / a - 1
    s = fmt_dec(abs(rel) * 100, lang, 1) + (NBSP + "%" if lang in ("nb", "nn") else "%")
    if round(rel * 1000) == 0:
        return s
    return ("+" if rel > 0 else MINUS) + s


def difference(a, b, kind: str, lang: str, projected: bool = True) -> str:
    """`a − b` of two displayed values, with a sign; shares in percentage points («+1,2»)."""
    x, y = shown(a, kind, projected), shown(b, kind, projected)
    if x is None or y is None:
        return "–"
    d = x - y
    if kind == "share":
        body = fmt_dec(abs(d) * 100, lang, 1)
        zero = round(d * 1000) == 0
    elif kind in ("count", "index"):
        body = fmt_int(abs(d), lang)
        zero = round(d) == 0
    else:
        body = fmt_dec(abs(d), lang, 1)
        zero = round(d * 10) == 0
    return body if zero else ("+" if d > 0 else MINUS) + body


def vega_round(field: str = "datum.value") -> str:
    """`people` as a Vega expression, for tooltips of projected counts."""
    a = f"abs({field})"
    step = f"({a} < 100 ? 1 : {a} < 1000 ? 10 : pow(10, floor(log({a}) / LN10) - 2))"
    return f"(({field}) < 0 ? -1 : 1) * floor({a} / {step} + 0.5) * {step}"
