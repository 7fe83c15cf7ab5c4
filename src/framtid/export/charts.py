"""Chart images to take away: PNG (2× for slides) and SVG, each carrying its title, the source
line and the scenario inside the picture, so that a chart copied anywhere still says what it is.

`decorate` adds the scenario (and, where the spec has none, a title and the source lines) to a
Vega-Lite spec; `image` renders it offline with vl-convert. `region_chart` builds one chart kind
for a region in a scenario, from the same projection `framtid project … --json` gives.
"""

from __future__ import annotations

import copy

from ..charts.base import attribution_parts
from ..charts.render import to_png, to_svg
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
    return spec


def image(spec: dict, fmt: str, scale: float = 2) -> bytes:
    """PNG (`scale` 2 = crisp on slides and retina screens) or SVG bytes."""
    if fmt == "png":
        return to_png(spec, scale=scale)
    if fmt == "svg":
        return to_svg(spec).encode("utf-8")
    raise FramtidError(f"Unknown image format {fmt!r}; choose one of {', '.join(IMAGE_FORMATS)}.")


def _nan_free(proj: dict) -> dict:
    proj = dict(proj)
    proj["indicators"] = {k: [float("nan") if v is None else float(v) for v in vals]
                          for k, vals in proj["indicators"].items()}
    return proj


def region_chart(ctx, code: str, kind: str, lang: str, scenario: Scenario, paths: int = 200):
    """One chart kind (framtid.charts.KINDS) for a region in a scenario."""
    from .. import charts
    from ..i18n import check_lang, t
    from ..story.charts_for import chart_for

    check_lang(lang)
    if kind not in charts.KINDS:
        raise FramtidError(f"Unknown chart {kind!r}; choose one of {', '.join(charts.KINDS)}.")
    reg = ctx.regions.resolve(code)
    if kind in ("map", "ba-map"):          # maps show every kommune in the main scenario
        return chart_for(ctx, reg.code, kind, lang)
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
