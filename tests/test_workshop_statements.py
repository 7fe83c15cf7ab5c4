"""Every beat a story can tell has a «veivalg» statement in every language (the workshop makes
one question per beat of the region's story)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from framtid.story.beats import ARC_BEATS

I18N = Path(__file__).resolve().parents[1] / "src" / "framtid" / "workshop" / "i18n"


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_story_beat_has_a_statement(lang):
    statements = tomllib.loads((I18N / f"{lang}.toml").read_text(encoding="utf-8"))["statement"]
    beats = {b for arc in ARC_BEATS.values() for b in arc}
    assert beats <= set(statements), sorted(beats - set(statements))
    assert all(s.strip() for s in statements.values())
