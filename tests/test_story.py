"""The generated story: every region, every language, numbers formatted by locale."""

from __future__ import annotations

import re

import pytest

from framtid.story.beats import ARC_BEATS
from framtid.story.render import LANGS, StoryTeller, people, to_html, to_markdown
from framtid.story.variety import variety
from test_story_language import forbidden_in

YEAR = re.compile(r"^(19|20|21)\d\d$")


@pytest.fixture(scope="module")
def teller(ctx):
    return StoryTeller(ctx, charts=False)


def unformatted_numbers(text: str, lang: str) -> list[str]:
    """Numbers a reader would see as unformatted in this language (years excepted)."""
    bad = []
    # Digit runs not joined by a (no-break) space: «12345»; 4 digits only if not a year.
    for m in re.finditer(r"(?<![\d,.])\d{4,}(?![\d])", text):
        if not YEAR.match(m.group()):
            bad.append(m.group())
    if lang in ("nb", "nn"):
        bad += re.findall(r"\d\.\d", text)          # «2.6» instead of «2,6»
        bad += re.findall(r"\d,\d{3}(?!\d)", text)   # «12,345» English grouping
    return bad


def test_unformatted_detector_works():
    assert unformatted_numbers("Det bor 12345 her, 2.6 per eldre", "nb") == ["12345", "2.6"]
    assert unformatted_numbers("I 2040 bor det 12\u00a0300 her, 2,6 per eldre", "nb") == []


def test_story_contract_norway(ctx):
    st = StoryTeller(ctx, charts=True).story("NO", "nb")
    assert set(st) >= {"region", "lang", "beats"}
    assert 6 <= len(st["beats"]) <= 10
    ids = [b["id"] for b in st["beats"]]
    assert st["arc"] == "land" and tuple(ids) == ARC_BEATS["land"]
    assert ids[0] == "drivers" and ids[-1] == "actions"
    for beat in st["beats"]:
        assert set(beat) >= {"id", "headline", "text", "action", "chart", "alt", "table"}
        assert set(beat["action"]) >= {"lever", "value", "effect_text"}
        assert beat["chart"]["$schema"].startswith("https://vega.github.io/schema/vega-lite")
        assert "Statistisk sentralbyrå" in str(beat["chart"])


SAME = re.compile(r"(?<![\d])(\d[\d\u00a0,.]*) (i staden for|i stedet for|instead of) \1(?!\d)")


def test_every_region_every_language(ctx, teller):
    """All 532 regions in nb, nn and en: 6–10 beats, 1–3 sentences a text, every number
    formatted, no «X instead of X», and no bokmål form in nynorsk (nor nynorsk in bokmål)."""
    regions = ctx.regions.all()
    assert len(regions) == 532
    problems, forms = [], []
    for reg in regions:
        for lang in LANGS:
            st = teller.story(reg.code, lang)
            assert 6 <= len(st["beats"]) <= 10
            for beat in st["beats"]:
                sentences = re.findall(r"[.!?](?:\s|$)", beat["text"])
                assert 1 <= len(sentences) <= 3, beat["text"]
                for text in (beat["headline"], beat["text"], beat["action"]["effect_text"]):
                    assert text and not re.search(r"\b(None|nan|inf)\b", text), text
                    assert not SAME.search(text), (reg.code, lang, text)
                    bad = unformatted_numbers(text, lang)
                    if bad:
                        problems.append((reg.code, lang, bad, text))
                    wrong = forbidden_in(text, lang)
                    if wrong:
                        forms.append((reg.code, lang, wrong, text))
    assert not problems, problems[:5]
    assert not forms, forms[:5]


def test_variety_between_arcs(ctx, teller):
    """Two kommuner of different arcs share at most 30 % of their sentence templates
    (docs/story.md reports the figure)."""
    for lang in LANGS:
        stories = {r.code: teller.story(r.code, lang) for r in ctx.regions.all("kommune")}
        assert len(stories) == 357
        v = variety(stories)
        assert v["pairs"] >= 1000 and v["share"] <= 0.30, (lang, v)


def test_languages_differ_and_read_right(teller):
    nb = teller.story("4601", "nb")
    nn = teller.story("4601", "nn")
    en = teller.story("4601", "en")
    assert nb["beats"][0]["text"] != nn["beats"][0]["text"] != en["beats"][0]["text"]
    assert "innbyggere" in nb["beats"][1]["text"]
    assert "innbyggjarar" in nn["beats"][1]["text"]
    assert "residents" in en["beats"][1]["text"]
    assert "\u00a0" in nb["beats"][1]["text"]  # thousands separator is a no-break space


def test_markdown_and_html(teller):
    st = teller.story("3403", "nn")
    md = to_markdown(st)
    assert md.startswith("# Hamar 2040") and "Kjelde: Statistisk sentralbyrå" in md
    assert "<h2>" in to_html(st)


def test_people_rounding():
    # the one display rule (framtid.display): three significant digits from 1 000 on, as the
    # cards show them (3 129 → 3 130 everywhere, never 3 100 in the story)
    assert people(47) == 47 and people(473) == 470 and people(4736) == 4740
    assert people(3129) == 3130
    assert people(47361) == 47400 and people(5_627_400) == 5_630_000
