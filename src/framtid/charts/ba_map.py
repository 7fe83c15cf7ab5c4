"""The kommuner of one region (usually a BA-region) on a map zoomed to the region.

`members` lists the region's kommune codes (`ctx.regions.kommuner_in(code)`); for a kommune,
fylke or Norway it can be left out. The view frames the region with a margin; the neighbouring
kommuner in it (any fylke) are grey context, and the region's outer border is drawn in black.
With `values` ({code: value}) the members are coloured by class; otherwise in the highlight
colour. Members are labelled by name (and value) when there are few enough for the names to fit.
"""

from __future__ import annotations

import statistics

from ..errors import FramtidError
from ..i18n import fmt_int, fmt_list, t
from . import base, geo
from .base import CONTEXT_FILL, CONTEXT_STROKE, HIGHLIGHT, TEXT, Chart
from .map import (PROJECTION, colour_encoding, geo_data, in_codes_expr, lookup, outline_layers,
                  value_rows)

WIDTH, HEIGHT = 520, 520
MAX_LABELS = 12


def _members(projection: dict, codes: list[str], members: list[str] | None) -> list[str]:
    if members:
        return [str(c) for c in members]
    region = projection.get("region", {})
    code, level = str(region.get("code", "")), region.get("level")
    if level == "kommune":
        return [code]
    if level == "fylke" or (len(code) == 2 and code.isdigit()):
        return [c for c in codes if c[:2] == code]
    if level == "land" or code == "NO":
        return list(codes)
    raise FramtidError(f"The map of {code or 'this region'} needs its kommuner "
                       "(members=[kommune codes]).")


def build(projection: dict, lang: str, *, topology: dict | None = None,
          members: list[str] | None = None, values: dict[str, float] | None = None,
          indicator: str | None = None, year: int | None = None,
          names: dict[str, str] | None = None, value_format: tuple[str, int] | None = None,
          projection_date=None) -> Chart:
    if topology is None:
        raise FramtidError("The map needs the kommune TopoJSON (topology=...).")
    full = geo.prepare(topology)
    codes = geo.codes(full)
    members = [c for c in _members(projection, codes, members) if c in set(codes)]
    if not members:
        raise FramtidError("None of the region's kommuner is on the map.")
    fylker = {c[:2] for c in members}
    # Zoom to the region with a margin; neighbours inside the view (any fylke) are context.
    boxes = geo.bboxes(full)
    region_box = geo.union_box(boxes[c] for c in members)
    view_box = geo.grow(region_box, 0.12 if len(members) > 1 else 0.9)
    near = geo.grow(view_box, 0.6)
    context = [c for c in codes if geo.overlaps(boxes.get(c, view_box), near)]
    whole = set(members) == set(codes)
    topo = geo.subset(full, context)
    all_names = {**geo.names(topo), **(names or {})}
    year = base.target_year(projection, year)
    name = base.region_name(projection, lang)
    level = projection.get("region", {}).get("level")
    member_names = [all_names.get(c, c) for c in members]
    kname = t("table.kommune", lang)

    vals = {c: v for c, v in (values or {}).items() if c in set(members)}
    if values is not None and not vals:
        raise FramtidError("None of the values belongs to the region's kommuner.")
    if vals:
        style, digits = value_format or base.indicator_format(indicator, list(vals.values()))
        label = base.indicator_label(indicator, lang)
        rows, labels, colours = value_rows(vals, all_names, style, digits, lang,
                                           n_classes=min(5, max(1, len(vals))))
        title_text = t("bamap.title.values", lang, region=name, indicator=base.lower_first(label),
                       year=year)
        sub = (t("bamap.subtitle.single", lang, region=name) if len(members) == 1
               else t("bamap.subtitle.values", lang))
        ranked = sorted(rows, key=lambda r: -r["v"])
        if len(ranked) == 1 and len(members) == 1:
            alt = t("bamap.alt.single_value", lang, region=name,
                    indicator=base.lower_first(label), year=year, value=ranked[0]["label"])
        elif len(ranked) <= MAX_LABELS:
            items = [t("bamap.alt.item", lang, name=r["nm"], value=r["label"]) for r in ranked]
            alt = t("bamap.alt.values", lang, region=name, indicator=base.lower_first(label),
                    year=year, items=fmt_list(items, lang))
        else:
            fmt = base.formatter(style, digits, lang)
            median = statistics.median(r["v"] for r in rows)
            alt = t("map.alt", lang, count=fmt_int(len(rows), lang),
                    indicator=base.lower_first(label), year=year, min=ranked[-1]["label"],
                    min_name=ranked[-1]["nm"], max=ranked[0]["label"], max_name=ranked[0]["nm"],
                    median=fmt(median), own="")
    else:
        label = None
        title_text = (t("bamap.title.ba", lang, region=base.region_name(projection, lang, True))
                      if level == "ba" else t("bamap.title.other", lang, region=name))
        sub = (t("bamap.subtitle.single", lang, region=name) if len(members) == 1
               else t("bamap.subtitle", lang))
        if len(members) == 1:
            alt = t("bamap.alt.single", lang, region=name)
        elif len(members) > MAX_LABELS:
            alt = t("bamap.alt.many", lang, region=name, count=fmt_int(len(members), lang))
        else:
            alt = t("bamap.alt", lang, region=name, count=fmt_int(len(members), lang),
                    names=fmt_list(sorted(member_names, key=str.casefold), lang))

    if whole:  # every kommune is in the region: there are no grey neighbours to speak of
        sub = t("map.subtitle", lang)
    pdate = base.resolve_date(projection, projection_date)
    title = base.title_block(title_text, sub, lang, pdate, WIDTH)
    spec = base.shell("ba-map", lang, title=title, alt=alt, width=WIDTH, height=HEIGHT)
    spec["data"] = geo_data(topo)
    spec["projection"] = dict(PROJECTION)
    if not whole:  # frame the region, with a margin of neighbours around it
        spec["projection"]["fit"] = geo.fit_points(
            topo, members, margin=0.15 if len(members) > 1 else 1.2)
    member_filter = {"filter": in_codes_expr(members)}
    layers: list[dict] = [
        {"mark": {"type": "geoshape", "fill": CONTEXT_FILL, "stroke": CONTEXT_STROKE,
                  "strokeWidth": 0.5, "clip": True},
         "encoding": {"tooltip": [{"field": "properties.kommunenavn", "type": "nominal",
                                   "title": kname}]}},
    ]
    if vals:
        layers.append({"transform": [member_filter, lookup(rows),
                                     {"filter": "isValid(datum.cls)"}],
                       "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.8,
                                "clip": True},
                       "encoding": {"color": {**colour_encoding(labels, colours, label, lang,
                                                                orient="right"),
                                              **({"legend": None} if len(members) == 1
                                                 else {})},
                                    "tooltip": [{"field": "nm", "type": "nominal",
                                                 "title": kname},
                                                {"field": "label", "type": "nominal",
                                                 "title": label}]}})
    else:
        layers.append({"transform": [member_filter],
                       "mark": {"type": "geoshape", "fill": HIGHLIGHT, "stroke": "#ffffff",
                                "strokeWidth": 0.8, "clip": True},
                       "encoding": {"tooltip": [{"field": "properties.kommunenavn",
                                                 "type": "nominal", "title": kname}]}})
    if not whole:  # the region's outer border, so that it reads as one shape
        layers.extend(outline_layers(topo, members, 1.6))
    if len(members) <= MAX_LABELS:
        points = geo.label_points(topo, set(members))
        label_rows = []
        for c in members:
            if c not in points:
                continue
            text = [all_names.get(c, c)]
            if vals and c in vals:
                text.append(next(r["label"] for r in rows if r["code"] == c))
            label_rows.append({"lon": points[c][0], "lat": points[c][1], "text": text})
        text_enc = {"longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "text": {"field": "text"}}
        common = {"type": "text", "fontSize": 12.5, "fontWeight": "bold", "lineHeight": 15,
                  "align": "center", "baseline": "middle"}
        layers.append({"data": {"values": label_rows},
                       "mark": {**common, "stroke": "#ffffff", "strokeWidth": 3.5,
                                "strokeJoin": "round", "color": "#ffffff"},
                       "encoding": text_enc})
        layers.append({"data": {"values": label_rows}, "mark": {**common, "color": TEXT},
                       "encoding": text_enc})
    spec["layer"] = layers

    if vals:
        table = [[kname, label]] + [[r["nm"], r["label"]]
                                    for r in sorted(rows, key=lambda r: r["nm"].casefold())]
    else:
        table = [[kname]] + [[n] for n in sorted(member_names, key=str.casefold)]
    return Chart("ba-map", spec, alt, table, title_text, lang,
                 meta={"year": year, "members": members, "fylker": sorted(fylker)})
