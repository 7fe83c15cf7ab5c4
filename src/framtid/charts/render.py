"""Static rendering with vl-convert (offline, no browser) and the local Vega bundle for the web.

vl-convert has no Norwegian d3 locale by name, so the number locale travels as a dict: taken from
the spec's `config.locale.number` (set by every framtid chart) and passed as `format_locale`.
"""

from __future__ import annotations

import json
from pathlib import Path

import vl_convert as vlc

from ..errors import FramtidError
from ..i18n import D3_LOCALES

BUNDLE_NAME = f"vega-bundle-vlc{vlc.__version__}.js"


def _format_locale(spec: dict) -> dict:
    loc = ((spec.get("config") or {}).get("locale") or {}).get("number")
    return loc or D3_LOCALES["en"]


def _spec(chart_or_spec) -> dict:
    return chart_or_spec.spec if hasattr(chart_or_spec, "spec") else chart_or_spec


def to_svg(spec) -> str:
    spec = _spec(spec)
    return vlc.vegalite_to_svg(spec, format_locale=_format_locale(spec))


def to_png(spec, scale: float = 2) -> bytes:
    spec = _spec(spec)
    return vlc.vegalite_to_png(spec, scale=scale, format_locale=_format_locale(spec))


def to_html(spec) -> str:
    """A self-contained page (Vega inlined, no CDN)."""
    spec = _spec(spec)
    return vlc.vegalite_to_html(spec, bundle=True, format_locale=_format_locale(spec))


def write(chart, path: str | Path, scale: float = 2) -> Path:
    """Write a chart (or a bare spec) as .svg, .png, .json (the Vega-Lite spec) or .html."""
    path = Path(path)
    suffix = path.suffix.lower()
    spec = _spec(chart)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".svg":
        path.write_text(to_svg(spec), encoding="utf-8")
    elif suffix == ".png":
        path.write_bytes(to_png(spec, scale=scale))
    elif suffix == ".json":
        path.write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        path.write_text(to_html(spec), encoding="utf-8")
    else:
        raise FramtidError(f"Cannot write a chart as {suffix or 'a file without suffix'}: "
                           "use .svg, .png, .json or .html.")
    return path


def javascript_bundle_path(directory: str | Path) -> Path:
    """Write Vega + Vega-Lite + Vega-Embed as one local script (once) and return its path.

    The bundle sets `vegaEmbed`, `vegaLite` and `vega` on `window`; serve it yourself, no CDN.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / BUNDLE_NAME
    if not path.exists() or path.stat().st_size == 0:
        tmp = path.with_suffix(".js.tmp")
        tmp.write_text(vlc.javascript_bundle(), encoding="utf-8")
        tmp.replace(path)
    return path
