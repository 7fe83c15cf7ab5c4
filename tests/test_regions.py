"""Regions: counts, names with Sámi/Kven forms, forgiving search."""

import pytest

from framtid.errors import UnknownRegion
from framtid.names import fold


def test_counts(ctx):
    counts = {lv: len(ctx.regions.all(lv)) for lv in ("land", "fylke", "ba", "kommune")}
    assert counts == {"land": 1, "fylke": 15, "ba": 159, "kommune": 357}


def test_every_kommune_has_fylke_and_ba(ctx):
    bas = {r.code for r in ctx.regions.all("ba")}
    fylker = {r.code for r in ctx.regions.all("fylke")}
    for k in ctx.regions.all("kommune"):
        assert k.fylke in fylker and k.ba in bas


@pytest.mark.parametrize("query,code", [
    ("tromso", "5501"), ("Tromsø", "5501"), ("TROMSOE", "5501"), ("aalesund", "1508"),
    ("alesund", "1508"), ("Kautokeino", "5612"), ("guovdageaidnu", "5612"),
    ("baerum", "3201"), ("hamar", "3403"), ("Oslo", "0301"), ("bergn", "4601"),
])
def test_find(ctx, query, code):
    assert ctx.regions.find(query)[0].code == code


def test_official_and_plain_names(ctx):
    k = ctx.regions.get("5612")
    assert k.official_name == "Guovdageaidnu - Kautokeino"
    assert k.name == "Kautokeino"
    assert ctx.regions.get("1875").name == "Hamarøy"
    assert ctx.regions.get("3114").name == "Våler (Østfold)"


def test_resolve_codes_and_names(ctx):
    assert ctx.regions.resolve("34").level == "fylke"
    assert ctx.regions.resolve("BA005").name == "Oslo/Bærum"
    assert ctx.regions.resolve("no").code == "NO"
    assert ctx.regions.resolve("Hamar").code == "3403"


def test_unknown_region_suggests(ctx):
    with pytest.raises(UnknownRegion) as info:
        ctx.regions.resolve("Hamarr")
    assert "Did you mean 3403 Hamar" in str(info.value)


def test_fold():
    assert fold("Ålesund") == fold("aalesund") == fold("Alesund")
    assert fold("Bærum") == fold("baerum")


def test_ambiguous_names_are_not_guessed(ctx):
    from framtid.regions import AmbiguousRegion

    with pytest.raises(AmbiguousRegion, match="1515 Herøy \\(Møre og Romsdal\\), 1818 Herøy"):
        ctx.regions.resolve("Herøy")
    assert ctx.regions.resolve("Herøy (Nordland)").code == "1818"
    assert ctx.regions.resolve("1818").code == "1818"
