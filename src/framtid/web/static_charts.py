"""Charts without JavaScript: every figure carries its chart as a server-rendered SVG (the same
Vega-Lite spec through vl-convert, framtid/charts/render.py); app.js replaces it with the
interactive chart. SVGs are kept by the hash of their spec, so a new store version (new data in
the spec) gets new pictures and an unchanged one costs nothing.

A spec whose data is loaded from a URL (the national map's borders) has no static picture: its
table, with a link per kommune, is the no-JavaScript view.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict

STATIC_WIDTH = 640          # a "container" width, for the picture (scaled to the box by CSS)
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()
_MAX = 1024
log = logging.getLogger("framtid.web")


def _uses_url(spec) -> bool:
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and "url" in data:
            return True
        return any(_uses_url(v) for v in spec.values() if isinstance(v, (dict, list)))
    if isinstance(spec, list):
        return any(_uses_url(v) for v in spec)
    return False


def _fix_width(spec):
    if isinstance(spec, dict):
        if spec.get("width") == "container":
            spec["width"] = STATIC_WIDTH
        for v in spec.values():
            if isinstance(v, (dict, list)):
                _fix_width(v)
    elif isinstance(spec, list):
        for v in spec:
            _fix_width(v)


def svg_for(spec: dict) -> str:
    """The chart as an inline SVG (hidden from screen readers: the figure's text alternative and
    table say the same), or "" where none can be made."""
    if not spec or _uses_url(spec):
        return ""
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False)
    key = hashlib.sha1(text.encode()).hexdigest()
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    try:
        from ..charts.render import to_svg

        s = copy.deepcopy(spec)
        _fix_width(s)
        svg = to_svg(s)
    except Exception:  # noqa: BLE001 - a picture that fails must not take the page down
        log.exception("static chart failed")
        return ""
    svg = re.sub(r"<\?xml[^>]*>\s*", "", svg)
    svg = svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    with _lock:
        _cache[key] = svg
        while len(_cache) > _MAX:
            _cache.popitem(last=False)
    return svg
