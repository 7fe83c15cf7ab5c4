"""TopoJSON helpers for the map charts: winding, subsets and label points.

Vega draws geoshapes on the sphere (d3-geo), where a polygon's exterior ring must run clockwise;
a ring that runs the other way means «the whole globe except this», which floods the map. The
kommune TopoJSON (Kartverket via mapshaper, RFC 7946 order) has counter-clockwise exteriors, so
`prepare` rewinds every ring, whatever order a file uses. `subset` keeps some kommuner and only the
arcs they use (a fylke map does not carry the whole country). Kommuner are matched on the
`kommunenummer` property (4 digits), never on names.
"""

from __future__ import annotations

import copy
from functools import lru_cache

CODE_PROPERTY = "kommunenummer"


def object_name(topo: dict) -> str:
    objects = topo.get("objects") or {}
    if not objects:
        raise ValueError("not a TopoJSON topology: no objects")
    return "Kommuner" if "Kommuner" in objects else next(iter(objects))


def _decoded_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    tr = topo.get("transform")
    if not tr:
        return [[(float(p[0]), float(p[1])) for p in arc] for arc in topo["arcs"]]
    (sx, sy), (tx, ty) = tr["scale"], tr["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for p in arc:
            x += p[0]
            y += p[1]
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _ring(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in ring:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(arc if not pts else arc[1:])
    return pts


def _signed_area(pts: list[tuple[float, float]]) -> float:
    """Shoelace area in lon/lat; positive = counter-clockwise with north up."""
    a = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        a += x0 * y1 - x1 * y0
    return a / 2


def _polygons(geom: dict) -> list[list[list[int]]]:
    if geom.get("type") == "Polygon":
        return [geom["arcs"]]
    if geom.get("type") == "MultiPolygon":
        return geom["arcs"]
    return []


def _rewind(geom: dict, arcs) -> None:
    for poly in _polygons(geom):
        for k, ring in enumerate(poly):
            area = _signed_area(_ring(ring, arcs))
            # d3-geo: exterior clockwise (negative area), holes counter-clockwise.
            if (k == 0 and area > 0) or (k > 0 and area < 0):
                poly[k] = [~i for i in reversed(ring)]


def prepare(topo: dict) -> dict:
    """A copy of the topology with every ring wound the way d3-geo expects."""
    return _prepare_cached(_Frozen(topo))


class _Frozen:
    """Hash a topology by identity so that repeated builds reuse one prepared copy."""

    def __init__(self, topo: dict):
        self.topo = topo

    def __hash__(self) -> int:
        return id(self.topo)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Frozen) and other.topo is self.topo


@lru_cache(maxsize=8)
def _prepare_cached(frozen: _Frozen) -> dict:
    topo = frozen.topo
    out = {k: v for k, v in topo.items() if k != "objects"}
    out["objects"] = copy.deepcopy(topo["objects"])
    arcs = _decoded_arcs(topo)
    for obj in out["objects"].values():
        for geom in obj.get("geometries", [obj]):
            _rewind(geom, arcs)
    return out


def codes(topo: dict) -> list[str]:
    geoms = topo["objects"][object_name(topo)]["geometries"]
    return [str(g["properties"][CODE_PROPERTY]) for g in geoms]


def names(topo: dict) -> dict[str, str]:
    geoms = topo["objects"][object_name(topo)]["geometries"]
    out = {}
    for g in geoms:
        p = g.get("properties", {})
        out[str(p[CODE_PROPERTY])] = str(p.get("kommunenavn") or p.get("name") or p[CODE_PROPERTY])
    return out


def subset(topo: dict, keep: set[str] | list[str]) -> dict:
    """Only the kommuner in `keep`, with only the arcs they use (indices renumbered)."""
    keep = set(keep)
    name = object_name(topo)
    geoms = [g for g in topo["objects"][name]["geometries"]
             if str(g.get("properties", {}).get(CODE_PROPERTY)) in keep]
    used: dict[int, int] = {}
    for g in geoms:
        for poly in _polygons(g):
            for ring in poly:
                for i in ring:
                    j = i if i >= 0 else ~i
                    if j not in used:
                        used[j] = len(used)
    new_geoms = []
    for g in geoms:
        g2 = {k: v for k, v in g.items() if k != "arcs"}
        remap = [[[used[i] if i >= 0 else ~used[~i] for i in ring] for ring in poly]
                 for poly in _polygons(g)]
        g2["arcs"] = remap[0] if g["type"] == "Polygon" else remap
        new_geoms.append(g2)
    order = sorted(used, key=used.get)
    out = {k: v for k, v in topo.items() if k not in ("objects", "arcs", "bbox")}
    out["arcs"] = [topo["arcs"][j] for j in order]
    out["objects"] = {name: {"type": "GeometryCollection", "geometries": new_geoms}}
    return out


def label_points(topo: dict, keep: set[str] | list[str] | None = None
                 ) -> dict[str, tuple[float, float]]:
    """(lon, lat) to put a kommune's name: the centroid of its largest polygon's exterior."""
    arcs = _decoded_arcs(topo)
    out: dict[str, tuple[float, float]] = {}
    for g in topo["objects"][object_name(topo)]["geometries"]:
        code = str(g.get("properties", {}).get(CODE_PROPERTY))
        if keep is not None and code not in keep:
            continue
        best, best_area = None, 0.0
        for poly in _polygons(g):
            pts = _ring(poly[0], arcs)
            area = abs(_signed_area(pts))
            if area >= best_area and len(pts) > 2:
                best, best_area = pts, area
        if best is None:
            continue
        a = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(best, best[1:] + best[:1]):
            cross = x0 * y1 - x1 * y0
            a += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if a == 0:
            cx, cy = sum(p[0] for p in best) / len(best), sum(p[1] for p in best) / len(best)
        else:
            cx, cy = cx / (3 * a), cy / (3 * a)
        out[code] = (round(cx, 4), round(cy, 4))
    return out


def bboxes(topo: dict) -> dict[str, tuple[float, float, float, float]]:
    """(min lon, min lat, max lon, max lat) of every kommune."""
    arcs = _decoded_arcs(topo)
    out = {}
    for g in topo["objects"][object_name(topo)]["geometries"]:
        xs: list[float] = []
        ys: list[float] = []
        for poly in _polygons(g):
            for ring in poly:
                for i in ring:
                    for x, y in arcs[i if i >= 0 else ~i]:
                        xs.append(x)
                        ys.append(y)
        if xs:
            out[str(g["properties"][CODE_PROPERTY])] = (min(xs), min(ys), max(xs), max(ys))
    return out


def union_box(boxes) -> tuple[float, float, float, float]:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def grow(box, factor: float) -> tuple[float, float, float, float]:
    """A box widened by `factor` of its size on every side (at least 0.05° lat)."""
    w, h = box[2] - box[0], box[3] - box[1]
    dx, dy = max(w * factor, 0.1), max(h * factor, 0.05)
    return (box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy)


def overlaps(a, b) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def fit_points(topo: dict, keep, margin: float = 0.12, max_points: int = 1500) -> dict:
    """A MultiPoint feature for a projection's `fit`: the outline of the kommuner in `keep`,
    widened by `margin` around its centre, so the view frames the group with some context."""
    keep = set(keep)
    arcs = _decoded_arcs(topo)
    pts: list[tuple[float, float]] = []
    for g in topo["objects"][object_name(topo)]["geometries"]:
        if str(g.get("properties", {}).get(CODE_PROPERTY)) in keep:
            for poly in _polygons(g):
                pts.extend(_ring(poly[0], arcs))
    if not pts:
        raise ValueError("no geometry to fit")
    step = max(1, len(pts) // max_points)
    pts = pts[::step]
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    k = 1 + margin
    grown = [[round(cx + (x - cx) * k, 4), round(cy + (y - cy) * k, 4)] for x, y in pts]
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "MultiPoint", "coordinates": grown}}


def outline(topo: dict, keep) -> dict:
    """A small topology whose object `Outline` is the outer border of the kommuner in `keep`:
    the arcs that only one of them uses (shared arcs are internal borders)."""
    keep = set(keep)
    uses: dict[int, int] = {}
    for g in topo["objects"][object_name(topo)]["geometries"]:
        if str(g.get("properties", {}).get(CODE_PROPERTY)) in keep:
            for poly in _polygons(g):
                for ring in poly:
                    for i in ring:
                        j = i if i >= 0 else ~i
                        uses[j] = uses.get(j, 0) + 1
    edge = sorted(j for j, n in uses.items() if n == 1)
    out = {k: v for k, v in topo.items() if k not in ("objects", "arcs", "bbox")}
    out["arcs"] = [topo["arcs"][j] for j in edge]
    out["objects"] = {"Outline": {"type": "GeometryCollection", "geometries": [
        {"type": "MultiLineString", "arcs": [[k] for k in range(len(edge))]}]}}
    return out
