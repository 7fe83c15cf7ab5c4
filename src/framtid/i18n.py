"""Languages (bokmål, nynorsk, English): number formats and the text catalogs.

Numbers go through Babel so that bokmål and nynorsk get a no-break space (U+00A0) as thousands
separator and a decimal comma («33 817», «2,6»), and English gets «33,817» and «2.6».
Two percent styles: `fmt_pct` for charts and tables («15 %», with a no-break space) and
`fmt_pct_text` for running text («15 prosent»). Strings live in `locales/{nb,nn,en}.json`
(flat key → text with `{placeholders}`); `t` raises KeyError for a key that is missing, so a gap
in a catalog is found by the tests, never shown to a reader as a raw key.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal

from .errors import FramtidError

LANGS: tuple[str, ...] = ("nb", "nn", "en")
LANG_NAMES = {"nb": "norsk bokmål", "nn": "norsk nynorsk", "en": "English"}
BABEL_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en"}
# Dates in English texts read better in the British order («28 November 2025»).
_DATE_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}

NBSP = "\u00a0"

# d3-format locales for Vega (`config.locale.number`, vl-convert `format_locale`): d3 has no
# Norwegian locale, so it is spelt out.
_NO_D3 = {"decimal": ",", "thousands": NBSP, "grouping": [3], "currency": ["", NBSP + "kr"]}
D3_LOCALES: dict[str, dict] = {
    "nb": dict(_NO_D3),
    "nn": dict(_NO_D3),
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["NOK" + NBSP, ""]},
}

LOCALE_DIR = Path(__file__).with_name("locales")


def check_lang(lang: str) -> str:
    """`lang` if it is one of LANGS, else a FramtidError that lists the choices."""
    if lang not in LANGS:
        raise FramtidError(f"Unknown language {lang!r}: choose one of {', '.join(LANGS)}.")
    return lang


def _locale(lang: str) -> str:
    return BABEL_LOCALES[check_lang(lang)]


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def _clean(x: float, digits: int) -> Decimal:
    """Round half away from zero to `digits` and drop a negative zero («-0»)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        raise ValueError(f"cannot format {x!r}")
    q = Decimal(str(x)).quantize(Decimal(1).scaleb(-digits), rounding="ROUND_HALF_UP")
    return q + 0 if q != 0 else Decimal(0).quantize(q)


_GROUP = {"nb": NBSP, "nn": NBSP, "en": ","}   # what Babel's #,##0 gives (tests/test_i18n.py)


def fmt_int(x: float, lang: str) -> str:
    """Whole number with locale grouping: nb/nn «33 817» (NBSP), en «33,817».

    Written here rather than by Babel (same result, a test checks it): a page formats
    thousands of numbers (chart tables), and Babel takes ~0.1 ms for each."""
    n = int(_clean(x, 0))
    return f"{n:,}".replace(",", _GROUP[check_lang(lang)])


@lru_cache(maxsize=None)
def _symbols(lang: str) -> tuple[str, str, str]:
    """(decimal, group, minus) as Babel writes them with our patterns (nb/nn: «,», NBSP, «-»),
    read from Babel's own output."""
    sample = format_decimal(Decimal("-1234.5"), format="#,##0.0", locale=_locale(lang))
    minus, rest = sample[: sample.index("1")], sample[sample.index("1"):]
    return rest[5], rest[1], minus


def fmt_dec(x: float, lang: str, digits: int = 1) -> str:
    """Fixed decimals: nb/nn «2,6», «1 234,5»; en «2.6».

    Babel's pattern #,##0.0… with Babel's symbols for the locale, applied here (a test checks
    it gives Babel's own result): a chart's data table formats hundreds of numbers, and
    `babel.numbers.format_decimal` takes ≈ 70 µs for each."""
    q = _clean(x, digits)
    dec, group, minus = _symbols(check_lang(lang))
    text = f"{abs(q):,f}".translate({ord(","): group, ord("."): dec})
    return minus + text if q < 0 else text


def fmt_dec_babel(x: float, lang: str, digits: int = 1) -> str:
    """`fmt_dec` through Babel itself: the reference the test holds `fmt_dec` to."""
    return format_decimal(_clean(x, digits), format=_pattern(digits), locale=_locale(lang))


def round_sig(x: float, sig: int = 3) -> float:
    """`x` rounded to `sig` significant digits, but never finer than a whole number."""
    if x == 0 or not math.isfinite(x):
        return x
    digits = sig - 1 - int(math.floor(math.log10(abs(x))))
    return float(round(x, min(digits, 0)))


def fmt_approx(x: float, lang: str, sig: int = 3) -> str:
    """A projected count without false precision: 33 453 → «33 500», 1 603 → «1 600»,
    213 → «210». The rule lives in framtid.display (one display layer for numbers)."""
    if sig == 3:
        from .display import people

        return fmt_int(people(x), lang)
    return fmt_int(round_sig(x, sig), lang)


def fmt_signed_int(x: float, lang: str) -> str:
    """Whole number with an explicit sign: «+1 234», «-56», «0»."""
    s = fmt_int(x, lang)
    return s if s.startswith("-") or _clean(x, 0) == 0 else "+" + s


def fmt_pct(fraction: float, lang: str, digits: int = 0) -> str:
    """Percent for charts and tables: nb/nn «15 %» (NBSP before %), en «15%»."""
    number = fmt_dec(fraction * 100, lang, digits)
    return number + (NBSP + "%" if lang in ("nb", "nn") else "%")


def fmt_pct_text(fraction: float, lang: str, digits: int = 0) -> str:
    """Percent for running text: nb/nn «15 prosent», en «15%»."""
    number = fmt_dec(fraction * 100, lang, digits)
    return number + (NBSP + "prosent" if lang in ("nb", "nn") else "%")


def fmt_signed_pct(fraction: float, lang: str, digits: int = 0) -> str:
    """Signed percent change for charts: «+12 %», «-3 %», en «+12%»; zero gets no sign."""
    s = fmt_pct(fraction, lang, digits)
    return s if s.startswith("-") or _clean(fraction * 100, digits) == 0 else "+" + s


def fmt_date(value: _dt.date | _dt.datetime | str, lang: str) -> str:
    """«28. november 2025» (nb/nn), «28 November 2025» (en). Accepts ISO strings."""
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    if isinstance(value, _dt.datetime):
        value = value.date()
    return format_date(value, format="long", locale=_DATE_LOCALES[check_lang(lang)])


def fmt_list(items: list[str], lang: str) -> str:
    """«a, b og c» (nb/nn), «a, b and c» (en)."""
    items = list(items)
    if not items:
        return ""
    return format_list(items, locale=_DATE_LOCALES[check_lang(lang)])


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The flat key → template dict of one language."""
    path = LOCALE_DIR / f"{check_lang(lang)}.json"
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def t(key: str, lang: str, **kw) -> str:
    """The text for `key` in `lang` with `{placeholders}` filled in; KeyError if it is missing."""
    template = catalog(lang)[key]
    return template.format(**kw) if kw else template


def has(key: str, lang: str) -> bool:
    return key in catalog(lang)
