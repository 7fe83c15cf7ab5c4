"""Languages of the web app: catalogs (one TOML file per language) and number formatting (Babel).

Every user-facing string lives in `templates/_i18n/{nb,nn,en}.toml` or in a per-language
template; Python code only passes keys. Numbers go through Babel: nb/nn get a no-break space as
thousands separator and a decimal comma («2,6»), en gets «2.6».
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path

from .. import i18n as core

LANGS = ("nb", "nn", "en")
DEFAULT_LANG = "nb"
NBSP = "\u00a0"

CATALOG_DIR = Path(__file__).parent / "templates" / "_i18n"


class MissingText(KeyError):
    """A catalog key is missing: a programming error, caught by the catalog tests."""


def _flatten(d: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = str(v)
    return out


@cache
def catalog(lang: str) -> dict[str, str]:
    with open(CATALOG_DIR / f"{lang}.toml", "rb") as fh:
        return _flatten(tomllib.load(fh))


def has(key: str, lang: str) -> bool:
    return key in catalog(lang)


def t(key: str, lang: str, **fmt) -> str:
    """The text for `key` in `lang`, with `{name}` placeholders filled from `fmt`."""
    try:
        text = catalog(lang)[key]
    except KeyError:
        raise MissingText(f"{key!r} is missing from the {lang} catalog") from None
    return text.format(**fmt) if fmt else text


def lc_first(text: str) -> str:
    """A label used mid-sentence: «Andel 67 år og eldre» → «andel 67 år og eldre»."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def valid_lang(lang: str | None) -> str | None:
    return lang if lang in LANGS else None


# --- numbers --------------------------------------------------------------------------------
def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt_int(x, lang: str) -> str:
    """1 234 567 (nb/nn, no-break spaces) or 1,234,567 (en); «–» for a missing value."""
    return core.fmt_int(float(x), lang) if _finite(x) else "–"


def fmt_dec(x, lang: str, digits: int = 1) -> str:
    """2,6 (nb/nn) or 2.6 (en); «–» for a missing value."""
    return core.fmt_dec(float(x), lang, digits) if _finite(x) else "–"


def fmt_pct(share, lang: str, digits: int = 1) -> str:
    """A share (0.218) as «21,8 %» (nb/nn, no-break space) or «21.8%» (en)."""
    return core.fmt_pct(float(share), lang, digits) if _finite(share) else "–"


def fmt_signed_pct(change, lang: str, digits: int = 1) -> str:
    """A relative change (0.1) as «+10,0 %»; negative with a minus."""
    if not _finite(change):
        return "–"
    s = fmt_pct(abs(float(change)), lang, digits)
    if round(float(change) * 100, digits) == 0:
        return s
    return ("+" if change > 0 else "−") + s


def fmt_signed_int(x, lang: str) -> str:
    if not _finite(x):
        return "–"
    s = fmt_int(abs(float(x)), lang)
    if round(float(x)) == 0:
        return s
    return ("+" if x > 0 else "−") + s


def fmt_value(x, kind: str, lang: str, projected: bool = False) -> str:
    """Format by indicator kind (count, share, ratio, age, number) through the one display layer
    (framtid.display): registered counts exact, `projected` counts without false precision."""
    from .. import display

    return display.text(x, kind, lang, projected)


def d3_locale(lang: str) -> dict:
    """The number format locale handed to Vega-Embed (d3-format has no Norwegian locale)."""
    return core.D3_LOCALES[lang]