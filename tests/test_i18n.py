"""Languages: Norwegian number formats through Babel, the three catalogs and their keys."""

from __future__ import annotations

import json
import re
import string
from decimal import Decimal

import pytest
from babel.numbers import parse_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from framtid import i18n
from framtid.errors import FramtidError
from framtid.i18n import (
    D3_LOCALES, LANGS, NBSP, catalog, fmt_approx, fmt_date, fmt_dec, fmt_int, fmt_list, fmt_pct,
    fmt_pct_text, fmt_signed_int, fmt_signed_pct, t,
)


# --- numbers --------------------------------------------------------------------------------
def test_norwegian_number_formats():
    for lang in ("nb", "nn"):
        assert fmt_int(33817, lang) == f"33{NBSP}817"
        assert fmt_int(5627400, lang) == f"5{NBSP}627{NBSP}400"
        assert fmt_int(999, lang) == "999"
        assert fmt_dec(2.6, lang) == "2,6"
        assert fmt_dec(1234.56, lang, 2) == f"1{NBSP}234,56"
        assert fmt_dec(3, lang, 0) == "3"
        assert fmt_pct(0.153, lang) == f"15{NBSP}%"
        assert fmt_pct(0.1534, lang, 1) == f"15,3{NBSP}%"
        assert fmt_pct_text(0.15, lang) == f"15{NBSP}prosent"
        assert fmt_signed_pct(0.12, lang) == f"+12{NBSP}%"
        assert fmt_signed_pct(-0.031, lang) == f"-3{NBSP}%"
        assert fmt_signed_pct(0.001, lang) == f"0{NBSP}%"
        assert fmt_signed_int(1234, lang) == f"+1{NBSP}234"


def test_english_number_formats():
    assert fmt_int(33817, "en") == "33,817"
    assert fmt_dec(2.6, "en") == "2.6"
    assert fmt_pct(0.153, "en") == "15%"
    assert fmt_pct_text(0.153, "en") == "15%"
    assert fmt_signed_pct(-0.031, "en") == "-3%"


def test_rounding_is_half_up_and_never_negative_zero():
    assert fmt_dec(2.65, "nb") == "2,7"
    assert fmt_dec(2.25, "nb") == "2,3"
    assert fmt_int(0.5, "nb") == "1"
    assert fmt_int(-0.4, "nb") == "0"
    assert fmt_dec(-0.04, "en") == "0.0"


def test_approximate_counts():
    assert fmt_approx(33453, "nb") == f"33{NBSP}500"
    assert fmt_approx(5_730_412, "nb") == f"5{NBSP}730{NBSP}000"
    assert fmt_approx(1603, "en") == "1,600"
    assert fmt_approx(87, "nb") == "87"


def test_dates_and_lists():
    assert fmt_date("2025-11-28", "nb") == "28. november 2025"
    assert fmt_date("2025-11-28T10:00:00", "nn") == "28. november 2025"
    assert fmt_date("2025-11-28", "en") == "28 November 2025"
    assert fmt_list(["Hamar", "Løten", "Stange"], "nb") == "Hamar, Løten og Stange"
    assert fmt_list(["a", "b"], "en") == "a and b"
    assert fmt_list([], "nn") == ""


def test_unknown_language():
    with pytest.raises(FramtidError, match="nb, nn, en"):
        fmt_int(1, "sv")
    with pytest.raises(FramtidError):
        t("source.attribution", "de")


def test_d3_locales():
    for lang in ("nb", "nn"):
        assert D3_LOCALES[lang] == {"decimal": ",", "thousands": "\u00a0", "grouping": [3],
                                    "currency": ["", "\u00a0kr"]}
    assert D3_LOCALES["en"]["decimal"] == "."
    assert set(D3_LOCALES) == set(LANGS)


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(finite)
def test_fmt_int_round_trips_with_babel(x):
    s = fmt_int(x, "nb")
    assert "," not in s and " " not in s
    assert parse_decimal(s, locale="nb_NO") == Decimal(str(x)).quantize(
        Decimal(1), rounding="ROUND_HALF_UP")


@settings(max_examples=300, deadline=None)
@given(finite, st.sampled_from(LANGS))
def test_fmt_int_is_what_babel_writes(x, lang):
    """fmt_int groups digits itself (speed); it must equal Babel's #,##0 in every language."""
    from babel.numbers import format_decimal

    from framtid.i18n import BABEL_LOCALES, _clean

    assert fmt_int(x, lang) == format_decimal(_clean(x, 0), format="#,##0",
                                              locale=BABEL_LOCALES[lang])


@settings(max_examples=300, deadline=None)
@given(finite, st.integers(min_value=0, max_value=3))
def test_fmt_dec_round_trips_with_babel(x, digits):
    s = fmt_dec(x, "nb", digits)
    assert "." not in s
    if digits:
        assert re.search(r",\d{%d}$" % digits, s)
    expected = Decimal(str(x)).quantize(Decimal(1).scaleb(-digits), rounding="ROUND_HALF_UP")
    assert parse_decimal(s, locale="nb_NO") == expected
    assert parse_decimal(fmt_dec(x, "nn", digits), locale="nn_NO") == expected


# --- catalogs -------------------------------------------------------------------------------
def test_catalogs_have_identical_keys():
    keys = {lang: set(catalog(lang)) for lang in LANGS}
    assert keys["nb"] == keys["nn"] == keys["en"], {
        lang: sorted(keys[lang] ^ keys["nb"]) for lang in LANGS}


def test_catalog_placeholders_match():
    fmt = string.Formatter()

    def fields(s):
        return {f for _, f, _, _ in fmt.parse(s) if f}

    for key in catalog("nb"):
        names = {lang: fields(catalog(lang)[key]) for lang in LANGS}
        assert names["nb"] == names["nn"] == names["en"], (key, names)


def test_catalog_files_are_plain_json_objects_of_strings():
    for lang in LANGS:
        data = json.loads((i18n.LOCALE_DIR / f"{lang}.json").read_text(encoding="utf-8"))
        assert data and all(isinstance(k, str) and isinstance(v, str) and v.strip()
                            for k, v in data.items())


def test_missing_key_raises():
    with pytest.raises(KeyError):
        t("no.such.key", "nb")


def test_attribution_lines():
    assert t("source.attribution", "nb") == "Kilde: Statistisk sentralbyrå"
    assert t("source.attribution", "nn") == "Kjelde: Statistisk sentralbyrå"
    assert t("source.attribution", "en") == "Source: Statistics Norway (Statistisk sentralbyrå)"


def test_placeholders_fill():
    assert t("icons.title", "nn", region="Voss", year=2040) == "Voss: 100 innbyggjarar i 2040"


def test_nynorsk_vocabulary():
    nn = " ".join(catalog("nn").values())
    nb = " ".join(catalog("nb").values())
    for word in ("folketal", "eldre", "innbyggjarar", "Kvinner", "Menn", "Born", "framskriving",
                 "Kjelde", "kommunar", "Noreg"):
        assert word in nn, word
    for word in ("befolkning", "innbyggere", "Barn", "framskrevet", "Kilde", "Norge"):
        assert word in nb, word
    # One form in bokmål: «framskriving» (as the credit line), never «fremskriving».
    assert "fremskr" not in nb.lower()
    # Bokmål forms that must not leak into nynorsk.
    for word in ("innbyggere", "Kilde", "kommuner ", "hvor ", "hver ", " fra ", "ikke "):
        assert word not in nn, word
    assert "Source: Statistics Norway" in " ".join(catalog("en").values())


def test_fmt_dec_gives_babels_own_result():
    """fmt_dec applies Babel's pattern and symbols itself (speed); Babel is the reference."""
    import random

    from framtid.i18n import fmt_dec_babel

    rnd = random.Random(7)
    values = [0.0, -0.0, 0.05, -0.05, 2.65, 2.25, -1234.55, 999.95, 1e6 + 0.5, -0.04, 12345678.9]
    values += [rnd.uniform(-2e6, 2e6) for _ in range(300)] + [rnd.uniform(-3, 3) for _ in range(300)]
    for lang in ("nb", "nn", "en"):
        for digits in (0, 1, 2, 3):
            for x in values:
                assert fmt_dec(x, lang, digits) == fmt_dec_babel(x, lang, digits), (x, lang, digits)
