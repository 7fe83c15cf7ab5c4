"""Export texts in nb, nn and en (templates/text/{lang}.toml), and the labels shared with the web
app (indicators, levers, units), so that a lever reads the same on the page and in the report."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from ..i18n import check_lang
from ..web import i18n as web_i18n

TEXT_DIR = Path(__file__).parent / "templates" / "text"


def _flatten(d: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = str(v)
    return out


@cache
def catalog(lang: str) -> dict[str, str]:
    with open(TEXT_DIR / f"{check_lang(lang)}.toml", "rb") as fh:
        return _flatten(tomllib.load(fh))


def t(key: str, lang: str, **kw) -> str:
    """An export text; falls back to the web catalog (labels of indicators, levers, units)."""
    cat = catalog(lang)
    if key in cat:
        return cat[key].format(**kw) if kw else cat[key]
    return web_i18n.t(key, lang, **kw)


def has(key: str, lang: str) -> bool:
    return key in catalog(lang) or web_i18n.has(key, lang)
