"""Chart images to take away: PNG (2× for slides) and SVG, each carrying its title, the source
line and the scenario inside the picture, so that a chart copied anywhere still says what it is.

`decorate` adds the scenario (and, where the spec has none, a title and the source lines) to a
Vega-Lite spec; `image` renders it offline with vl-convert. `region_chart` builds one chart kind
for a region in a scenario, from the same projection `framtid project … --json` gives.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict

from ..charts.base import attribution_parts
from ..charts.render import to_svg
from ..errors import FramtidError
from .scenario import Scenario

IMAGE_FORMATS = ("png", "svg")
EXPORT_WIDTH = 640


def _has_concat(spec: dict) -> bool:
    return any(k in spec for k in ("vconcat", "hconcat", "concat", "facet", "repeat"))


def decorate(spec: dict, lang: str, scenario: Scenario | None, *, title: str = "",
             projection_date=None, projected: bool = True, width: int = EXPORT_WIDTH) -> dict:
    """A copy of `spec` with a title, the source line(s) and the scenario line in its subtitle,
    and a fixed width (a static image has no container to fill)."""
    import datetime as dt

    spec = copy.deepcopy(spec)
    if spec.get("width") == "container" or ("width" not in spec and not _has_concat(spec)):
        spec["width"] = width
    t = spec.get("title")
    if isinstance(t, str):
        t = {"text": t}
    if not t:
        source, made = attribution_parts(lang, projection_date or dt.date.today())
        t = {"text": title or "", "anchor": "start", "fontSize": 17, "fontWeight": "bold",
             "subtitle": [source, made] if projected else [source], "subtitleFontSize": 12,
             "subtitleColor": "#4d4d4d", "offset": 12}
    sub = t.get("subtitle") or []
    sub = [sub] if isinstance(sub, str) else list(sub)
    if scenario is not None and projected:
        sub.append(scenario.sentence(lang))
    t["subtitle"] = sub
    spec["title"] = t
    spec.setdefault("background", "white")
    return freeze(spec)


_svgs: OrderedDict[str, str] = OrderedDict()
_svg_lock = threading.Lock()
SVG_CACHE = 64


def svg_of(spec: dict) -> str:
    """The chart as SVG, rendered once per spec (a report, a deck and a chart download of the
    same scenario share the rendering; Vega is the slow part, rasterising is cheap)."""
    key = hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    with _svg_lock:
        if key in _svgs:
            _svgs.move_to_end(key)
            return _svgs[key]
    svg = to_svg(spec)
    with _svg_lock:
        _svgs[key] = svg
        while len(_svgs) > SVG_CACHE:
            _svgs.popitem(last=False)
    return svg


def freeze(spec: dict) -> dict:
    """A static picture has no slider: drop the bindings of parameters and keep only the rows a
    layer's `datum.year == PARAM` filter lets through (the pyramid carries every year for its
    slider; Vega then has a 25th of the data to read). The picture is the same."""
    params = {p["name"]: p.get("value") for p in spec.get("params", []) if "bind" in p}
    if not params:
        return spec
    spec = dict(spec)
    spec["params"] = [{k: v for k, v in p.items() if k != "bind"} for p in spec["params"]]
    layers = []
    for layer in spec.get("layer", []):
        vals = (layer.get("data") or {}).get("values")
        for tr in layer.get("transform", []):
            f = tr.get("filter")
            for name, value in params.items():
                if isinstance(vals, list) and isinstance(f, str) and \
                        f.replace(" ", "") == f"datum.year=={name}":
                    vals = [r for r in vals if r.get("year") == value]
                    layer = {**layer, "data": {**layer["data"], "values": vals}}
        layers.append(layer)
    if layers:
        spec["layer"] = layers
    return spec


def image(spec: dict, fmt: str, scale: float = 2) -> bytes:
    """PNG (`scale` 2 = crisp on slides and retina screens) or SVG bytes."""
    if fmt == "png":
        import vl_convert as vlc

        return vlc.svg_to_png(svg_of(spec), scale=scale)
    if fmt == "svg":
        return svg_of(spec).encode("utf-8")
    raise FramtidError(f"Unknown image format {fmt!r}; choose one of {', '.join(IMAGE_FORMATS)}.")


def _nan_free(proj: dict) -> dict:
    proj = dict(proj)
    proj["indicators"] = {k: [float("nan") if v is None else float(v) for v in vals]
                          for k, vals in proj["indicators"].items()}
    return proj


def region_chart(ctx, code: str, kind: str, lang: str, scenario: Scenario, paths: int = 200,
                 indicator: str = "aldersbaereevne_67", year: int = 2040):
    """One chart kind (framtid.charts.KINDS) for a region in a scenario; maps take `indicator`
    and `year` (every kommune, main scenario)."""
    from .. import charts
    from ..i18n import check_lang, t
    from ..story.charts_for import chart_for

    check_lang(lang)
    if kind not in charts.KINDS:
        raise FramtidError(f"Unknown chart {kind!r}; choose one of {', '.join(charts.KINDS)}.")
    reg = ctx.regions.resolve(code)
    if kind in ("map", "ba-map"):          # maps show every kommune in the main scenario
        from ..consequences.indicators import INDICATORS

        if indicator not in INDICATORS:
            raise FramtidError(f"Unknown indicator {indicator!r}; choose one of "
                               f"{', '.join(INDICATORS)}.")
        return chart_for(ctx, reg.code, kind, lang, indicator=indicator, year=int(year))
    date = ctx.store.meta().get("imported_at", "")[:10]
    proj = _nan_free(scenario.project(ctx, reg.code, paths if kind == "fan" else None))
    extra: dict = {"projection_date": date}
    if kind == "dependency":
        from ..consequences.service import project_with_indicators

        no = project_with_indicators(ctx, "NO")
        extra["series"] = {t("region.norway", lang): _nan_free(no)["indicators"][
            "aldersbaereevne_67"]}
        if reg.level == "kommune" and reg.ba and len(ctx.regions.kommuner_in(reg.ba)) > 1:
            ba = project_with_indicators(ctx, reg.ba)
            extra["series"][t("region.ba", lang, name=ctx.regions.get(reg.ba).name)] = \
                _nan_free(ba)["indicators"]["aldersbaereevne_67"]
    return charts.build(kind, proj, lang, **extra)


def chart_image(ctx, code: str, kind: str, lang: str, fmt: str, scenario: Scenario,
                scale: float = 2) -> bytes:
    if fmt not in IMAGE_FORMATS:
        raise FramtidError(f"Unknown image format {fmt!r}; choose one of "
                           f"{', '.join(IMAGE_FORMATS)}.")
    c = region_chart(ctx, code, kind, lang, scenario)
    # Maps colour every kommune in the main scenario: no scenario line on them.
    return image(decorate(c.spec, lang, None if kind in ("map", "ba-map") else scenario),
                 fmt, scale)


def scenarios_chart(ctx, code: str, lang: str, scenarios: list[Scenario],
                    indicator: str = "population") -> dict:
    """Several scenarios on one chart: one line per scenario (the main scenario first, dashed),
    for one indicator over the projection years. A Vega-Lite spec with title, source lines and
    the scenarios' names in the legend."""
    import datetime as dt

    from ..i18n import D3_LOCALES
    from ..web import i18n as wi
    from ..web.services import INDICATOR_KIND

    if indicator not in INDICATOR_KIND:
        raise FramtidError(f"Unknown indicator {indicator!r}; choose one of "
                           f"{', '.join(INDICATOR_KIND)}.")
    if not 1 <= len(scenarios) <= 6:
        raise FramtidError("Compare between one and six scenarios.")
    reg = ctx.regions.resolve(code)
    runs = [Scenario()] + [s for s in scenarios if not s.is_default or s.name]
    rows, names = [], []
    for i, sc in enumerate(runs):
        name = sc.title(lang)
        while name in names:
            name += " "
        names.append(name)
        proj = sc.project(ctx, reg.code)
        for y, v in zip(proj["years"], proj["indicators"][indicator]):
            if v is not None:
                rows.append({"year": y, "value": v, "scenario": name})
    kind = INDICATOR_KIND[indicator]
    fmt = {"count": ",.0f", "share": ".0%", "ratio": ",.1f"}.get(kind, ",.1f")
    label = wi.t(f"ind.{indicator}", lang)
    date = str(ctx.store.meta().get("imported_at", ""))[:10] or dt.date.today()
    source, made = attribution_parts(lang, date)
    region_name = wi.t("region.norway", lang) if reg.code == "NO" else reg.name
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": f"{label}: {', '.join(names)}",
        "title": {"text": f"{region_name}: {label}", "anchor": "start", "fontSize": 17,
                  "subtitle": [source, made], "subtitleFontSize": 12, "offset": 12},
        "width": EXPORT_WIDTH, "height": 320, "background": "white", "padding": 12,
        "data": {"values": rows},
        "mark": {"type": "line", "strokeWidth": 2.5, "point": False},
        "encoding": {
            "x": {"field": "year", "type": "quantitative", "title": None,
                  "axis": {"format": "d", "tickMinStep": 5}},
            "y": {"field": "value", "type": "quantitative", "title": label,
                  "scale": {"zero": False}, "axis": {"format": fmt}},
            "color": {"field": "scenario", "type": "nominal", "sort": names, "title": None,
                      "scale": {"range": ["#4d4d4d", "#1f4e79", "#b8420f", "#2e7d32",
                                          "#6a3d9a", "#8a6d00", "#00838f"]},
                      "legend": {"orient": "bottom", "labelLimit": 400}},
            "strokeDash": {"condition": {"test": f"datum.scenario === {json.dumps(names[0])}",
                                         "value": [6, 4]}, "value": [1, 0]},
        },
        "config": {"locale": {"number": D3_LOCALES[lang]}, "font": "Liberation Sans, Arial, "
                   "DejaVu Sans, sans-serif", "view": {"stroke": None}},
    }
    return spec
