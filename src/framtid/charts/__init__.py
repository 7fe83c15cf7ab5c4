"""Charts as Vega-Lite specs, each with a text alternative and a data table.

    from framtid.charts import build, KINDS
    chart = build("pyramid", projection, "nn", projection_date="2025-11-28")
    chart.spec   # Vega-Lite v6 dict (config.locale carries the number format)
    chart.alt    # one sentence with the key numbers, formatted for the language
    chart.table  # rows of display strings, first row headers

Kinds and their extra keyword arguments (all take `year=` and `projection_date=`):
  pyramid                              population pyramid, today as an outline, year slider
  fan                                  total and 80+ with 80 %/95 % bands (if quantiles)
  icons                                100 residents as a 10 × 10 icon array by age group
  dependency  series={label: values}   aldersbæreevne against Norway, the BA-region, ...
  care        -                        of every 100 employed, how many in health and care
  map         topology=, values=, indicator=, names=, highlight=, value_format=
  ba-map      topology=, members=, values=, indicator=, names=, value_format=
`build` passes each kind only the keyword arguments it accepts, so a caller may hand every kind
the same set of extras.
"""

from __future__ import annotations

import inspect

from ..errors import FramtidError
from ..i18n import LANGS
from . import ba_map, care, dependency, fan, icons, map as map_chart, pyramid
from .base import PALETTE, Chart

_BUILDERS = {
    "pyramid": pyramid.build,
    "fan": fan.build,
    "icons": icons.build,
    "dependency": dependency.build,
    "care": care.build,
    "map": map_chart.build,
    "ba-map": ba_map.build,
}
KINDS: tuple[str, ...] = tuple(_BUILDERS)

__all__ = ["KINDS", "Chart", "PALETTE", "build"]


def build(kind: str, projection: dict, lang: str, **extra) -> Chart:
    """Build one chart kind for a projection result in `lang` (nb, nn or en)."""
    if kind not in _BUILDERS:
        raise FramtidError(f"Unknown chart kind {kind!r}: choose one of {', '.join(KINDS)}.")
    if lang not in LANGS:
        raise FramtidError(f"Unknown language {lang!r}: choose one of {', '.join(LANGS)}.")
    fn = _BUILDERS[kind]
    accepted = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in extra.items() if k in accepted}
    return fn(projection, lang, **kwargs)
