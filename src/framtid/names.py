"""Names: the Norwegian form of official multi-language names, and a search key that forgives
case, diacritics and old spellings."""

from __future__ import annotations

import re
import unicodedata

# Official names with Sámi or Kven forms («Guovdageaidnu - Kautokeino»): the Norwegian form is
# the plain name used in running text. The order of forms varies, so it is listed, not guessed.
NORWEGIAN_FORMS = frozenset({
    "Nordreisa", "Hamarøy", "Røyrvik", "Evenes", "Nesseby", "Røros", "Lavangen", "Harstad",
    "Hammerfest", "Trondheim", "Storfjord", "Hattfjelldal", "Sortland", "Namsos", "Snåsa",
    "Porsanger", "Karasjok", "Kåfjord", "Tana", "Fauske", "Kautokeino", "Tjeldsund", "Oslo",
    "Finnmark", "Troms", "Trøndelag", "Nordland", "Innlandet",
})



def norwegian_form(official: str) -> str:
    """The Norwegian form of an official name such as «Guovdageaidnu - Kautokeino»."""
    parts = [p.strip() for p in official.split(" - ")]
    for p in parts:
        if p in NORWEGIAN_FORMS:
            return p
    return parts[0]


def fold(text: str) -> str:
    """Case- and diacritics-insensitive key: «Tromsø», «tromso» and «TROMSOE» all fold alike."""
    t = text.lower().replace("æ", "ae").replace("ø", "o").replace("œ", "oe")
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    t = t.replace("ŋ", "n").replace("đ", "d").replace("ŧ", "t")
    # Old spellings: «aa» for å, «oe» for ø.
    t = t.replace("aa", "a").replace("oe", "o")
    return re.sub(r"[^a-z0-9]+", " ", t).strip()
