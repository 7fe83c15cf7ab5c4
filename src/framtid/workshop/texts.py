"""The workshop's words in nb, nn and en: its own TOML catalogues (`i18n/{lang}.toml`), falling
back to the web app's catalogues (site name, lever labels, units). Python passes keys only."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from ..web import i18n as web_i18n

LANGS = web_i18n.LANGS
CATALOG_DIR = Path(__file__).parent / "i18n"


@cache
def catalog(lang: str) -> dict[str, str]:
    with open(CATALOG_DIR / f"{lang}.toml", "rb") as fh:
        return web_i18n._flatten(tomllib.load(fh))


def has(key: str, lang: str) -> bool:
    return key in catalog(lang) or web_i18n.has(key, lang)


def t(key: str, lang: str, **fmt) -> str:
    text = catalog(lang).get(key)
    if text is None:
        return web_i18n.t(key, lang, **fmt)
    return text.format(**fmt) if fmt else text


def question_text(q: dict, lang: str) -> str:
    """The facilitator's own wording if any, else the catalogue's (a lever's label)."""
    if q.get("custom_text"):
        return q["custom_text"]
    key = q.get("text_key") or ""
    if key.startswith("lever."):
        return t(f"ws.{key}", lang) if has(f"ws.{key}", lang) else t(key + ".label", lang)
    return t(key, lang) if has(key, lang) else key


def step_title(step: str, lang: str) -> str:
    key = f"step.{step}"
    return t(key, lang) if has(key, lang) else step


def message(key: str, lang: str, **fmt) -> str:
    return t(key, lang, **{k: v for k, v in fmt.items()})
