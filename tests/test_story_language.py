"""The story's language: forms forbidden in nynorsk (bokmål forms) and in bokmål (nynorsk forms),
checked over every region in tests/test_story.py; golden sentences that fix the corrected forms;
Sámi names; credits; the variety of sentence templates between arcs."""

from __future__ import annotations

import re

import pytest

from framtid.story.render import StoryTeller, to_markdown

# Whole words (case-insensitive) a reader would take for the other written standard.
BOKMAL_IN_NN = (
    "innbygger", "innbyggere", "innbyggerne", "hvert", "hver", "hvor", "hvordan", "hvorfor", "ikke",
    "flere", "barna", "mer", "fra", "hele", "et", "en", "tjenester", "tjenestene", "sykehjem",
    "sykehjemsplass", "sykehjemsplasser", "sysselsatte", "fremskriving", "fremskrivingen",
    "framskrivingen", "nå", "istedenfor", "stedet", "bosatt", "bor", "skole", "skolen", "lærer",
    "lærere", "sykepleier", "trenger", "trengs", "øker", "økning", "vokser", "krymper", "tallet",
    "antall", "antallet", "gjøre", "gjør", "selv", "bolig", "boliger", "mye", "noen", "dem", "mens",
    "kommer", "regner", "høyere", "lavere", "ansatte", "skulder", "skuldrer", "busett",
    "aldersberevne",
    "aldersberevna", "videregående", "deretter", "annet", "bære", "sier", "hjemme", "heltid",
    "tilbud", "kommunene", "kommuner", "omtrent", "uendret", "samme", "størrelse",
    "sammenligning", "sammenlignet", "regionen's", "kjører", "holder", "tar", "tas",
)
NYNORSK_IN_NB = (
    "innbyggjar", "innbyggjarar", "kvar", "kvart", "ikkje", "fleire", "born", "borna", "dei",
    "medan", "frå", "heile", "eit", "ein", "tenester", "tenestene", "sjukeheim",
    "sjukeheimsplassar", "sysselsette", "framskrivinga", "noreg", "kor", "korleis", "kvifor",
    "veks",
    "krympar", "talet", "tala", "aukar", "auke", "meir", "åleine", "byggje", "sjølv", "bustad",
    "bustader", "heime", "kvardagsrehabilitering", "lærar", "lærarar", "skule", "skular",
    "vidaregåande", "sjukepleiar", "trengst", "treng", "døyr", "fødde", "seier", "ligg", "kjem",
    "reknar", "kva", "dinest", "held", "utan", "innan", "staden", "nokon", "desse", "berre",
    "mykje", "dømes", "gonger", "storleik", "liknar", "då", "kome", "ho", "skuldrar", "bur",
    "personar", "plassar", "klassar", "elevar", "tilsette", "sakslista", "frivilligheit",
)


def forbidden_in(text: str, lang: str) -> list[str]:
    words = {"nn": BOKMAL_IN_NN, "nb": NYNORSK_IN_NB}.get(lang, ())
    found = set(re.findall(r"[\wæøåÆØÅ'-]+", text.lower()))
    return sorted(w for w in words if w in found)


def test_forbidden_detector():
    assert forbidden_in("Færre skuldrer skal bære mer", "nn") == ["bære", "mer", "skuldrer"]
    assert forbidden_in("Færre skuldrar skal bere meir", "nn") == []
    assert forbidden_in("I dag bur det 300 innbyggjarar", "nb") == ["bur", "innbyggjarar"]
    assert forbidden_in("whatever", "en") == []


@pytest.fixture(scope="module")
def teller(ctx):
    return StoryTeller(ctx, charts=False)


def _all(st: dict) -> str:
    return "\n".join(f"{b['headline']}\n{b['text']}\n{b['action']['effect_text']}"
                     for b in st["beats"])


# Golden sentences: the corrected forms from issue #10, as they must read.
GOLDEN = {
    "nn": [
        ("5614", r"Færre skuldrar skal bere meir"),
        ("5614", r"\d personar i arbeidsfør alder per eldre"),
        ("5614", r"flyttar til eller blir buande i Loppa"),
        ("3209", r"sjukeheimsplassar"),
        ("5614", r"sysselsette som bur i Loppa"),
        ("3209", r"80 år og eldre"),
        ("NO", r"nettoinnvandringa til Noreg"),
        ("5614", r"Aldersbereevna"),
    ],
    "nb": [
        ("5614", r"Færre skuldre skal bære mer"),
        ("5614", r"framskrivingen gir"),
        ("3209", r"sykehjemsplasser"),
        ("5614", r"sysselsatte som bor i Loppa"),
        ("5614", r"Aldersbæreevnen"),
        ("3209", r"80 år og eldre"),
    ],
    "en": [
        ("BA127", r"the Bø region"),
        ("BA127", r"commuting region"),
        ("5614", r"falls from \d\.\d today to \d\.\d by 2040"),
        ("NO", r"\d\.\d+\u00a0million"),
        ("5614", r"A national condition, not the municipality's choice"),
    ],
}
# Forms that must never come back.
NEVER = {
    "nn": [r"skuldrer", r"busett seg", r"aldersberevn", r"blir \w+ \d[\d\u00a0]* innbyggjarar",
           r"sjukeheimsplass\b", r"sysselsette busette", r"har i snitt ein auke",
           r"flyttar hit", r"ofte med born", r"Dersom fruktbarheita", r"over 80\b"],
    "nb": [r"Fremskrivingen", r"blir \w+ \d[\d\u00a0]* innbyggere", r"sykehjemsplass\b",
           r"sysselsatte bosatt", r"flytter hit", r"ofte med barn", r"Hvis fruktbarheten"],
    "en": [r"becomes \d", r"about unchanged", r"\d,\d{3},\d{3}", r"often with children",
           r"If fertility becomes"],
}
REGIONS = ("0301", "5614", "3209", "5612", "3403", "1151", "BA127", "40", "NO")


@pytest.mark.parametrize("lang", ["nn", "nb", "en"])
def test_golden_sentences(teller, lang):
    for code, pattern in GOLDEN[lang]:
        assert re.search(pattern, _all(teller.story(code, lang))), (code, lang, pattern)
    for code in REGIONS:
        text = _all(teller.story(code, lang))
        for pattern in NEVER[lang]:
            assert not re.search(pattern, text), (code, lang, pattern)
        assert not forbidden_in(text, lang), (code, lang, forbidden_in(text, lang))


def test_titles_and_credits(teller):
    assert to_markdown(teller.story("NO", "nn")).startswith("# Noreg 2040")
    assert to_markdown(teller.story("NO", "en")).startswith("# Norway 2040")
    assert to_markdown(teller.story("NO", "nb")).startswith("# Norge 2040")
    assert to_markdown(teller.story("BA127", "en")).startswith("# The Bø region 2040")
    md = to_markdown(teller.story("3403", "nn"))
    assert "Kjelde: Statistisk sentralbyrå" in md and "Framskriving: framtid, på data frå SSB" in md
    md = to_markdown(teller.story("3403", "nb"))
    assert "Kilde: Statistisk sentralbyrå" in md and "Framskriving: framtid, på data fra SSB" in md
    md = to_markdown(teller.story("3403", "en"))
    assert "Projection: framtid, based on data from SSB" in md


def test_sami_names(teller):
    st = teller.story("5612", "nn")
    first = st["beats"][0]["headline"] + st["beats"][0]["text"]
    assert "Guovdageaidnu (Kautokeino)" in first
    rest = _all({"beats": st["beats"][1:]})
    assert "Guovdageaidnu" in rest and "Kautokeino" not in rest
    assert "Kárášjohka (Karasjok)" in _all(teller.story("5610", "nb"))
    # A kommune outside the Sámi language area keeps its name.
    assert "(" not in teller.story("3403", "nn")["beats"][0]["headline"]
