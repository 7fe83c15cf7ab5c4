"""Choose a region's story beats by salience. Language-free: each beat carries its numbers, its
chart kind and a measured «what we can do»; templates per language turn it into sentences."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .facts import Facts, FactsBuilder

MIN_BEATS, MAX_BEATS = 6, 10
MAX_YOUNG_ADULT_SHARE = 0.02   # a story never suggests more extra in-movers a year than 2 % of today
MAX_TFR_RISE = 0.4             # nor a fertility more than 0.4 children per woman above the main path
ANCHORS = ("population", "dependency", "care")
# Relative change (e.g. −0.33 for a third fewer) weighs twice as much when it differs from Norway's.
CHANGE_BEATS = {
    # beat id: (indicator, chart, lever, indicator the lever's effect is shown on)
    "elderly80": ("age_80_plus", "pyramid", "healthy_ageing", "care_users"),
    "school": ("children_6_15", "pyramid", "young_adults", "children_6_15"),
    "kindergarten": ("children_1_5", "pyramid", "fertility", "children_1_5"),
    "youth": ("youth_16_18", "pyramid", "young_adults", "youth_16_18"),
    "workforce": ("age_20_66", "dependency", "employment_seniors", "employed"),
}


@dataclass
class Beat:
    id: str
    salience: float
    chart: str
    data: dict = field(default_factory=dict)
    action: dict | None = None


def nice_round(x: float) -> float:
    """1, 2 or 5 times a power of ten: a lever value people can say aloud («25 more a year»)."""
    if x <= 0:
        return 0.0
    exp = math.floor(math.log10(x))
    base = x / 10 ** exp
    step = 1 if base < 1.5 else 2 if base < 3.5 else 5 if base < 7.5 else 10
    return float(step * 10 ** exp)


def young_adult_step(population_now: float, lever_max: float) -> float:
    """A plausible extra net in-migration: about 0.2 % of the population a year, nicely rounded."""
    return min(nice_round(max(5.0, population_now * 0.002)), lever_max)


def shown(indicator: str, x: float) -> float:
    """The value as the story prints it (see the template filters): used to make sure a lever's
    effect is visible at that precision."""
    from .render import people

    if indicator.startswith("aldersbaereevne"):
        return round(x, 1)
    if indicator.startswith("share") or indicator == "care_share_of_workforce":
        return round(x * 100)
    return people(x)


def is_visible(eff: dict) -> bool:
    return shown(eff["indicator"], eff["with"]) != shown(eff["indicator"], eff["without"])


def visible_effect(builder: FactsBuilder, code: str, lever: str, value: float, indicator: str,
                   default: float, ceiling: float) -> dict:
    """The lever's effect, doubling the lever's *change from its default* (up to a plausible
    `ceiling`) until the story's rounding shows a difference: «1 200 instead of 1 200» tells
    nothing. The result says whether it became visible."""
    eff = builder.effect(code, lever, value, indicator)
    for _ in range(4):
        if is_visible(eff) or value >= ceiling:
            break
        value = min(default + 2 * (value - default), ceiling)
        eff = builder.effect(code, lever, value, indicator)
    return eff


def plausible_ceiling(lever: str, default: float, population: float, lever_max: float) -> float:
    """How far a story suggestion may go: what a kommune could realistically do (the slider in
    the simulator still offers the whole range)."""
    ceilings = {
        "young_adults": population * MAX_YOUNG_ADULT_SHARE,
        "fertility": default + MAX_TFR_RISE,
        "healthy_ageing": 3.0,
        "care_productivity": 25.0,
        "employment_seniors": 10.0,
    }
    return min(ceilings.get(lever, lever_max), lever_max)


def _range(facts: Facts, key: str, year: int) -> tuple[float, float] | None:
    q = facts.region.quantiles
    if not q:
        return None
    i = facts.region.years.index(year)
    return float(q["p10"][key][i]), float(q["p90"][key][i])


def choose(builder: FactsBuilder, facts: Facts, lever_max: dict[str, float],
           lever_default: dict[str, float]) -> list[Beat]:
    y = builder.year
    r, no, ba = facts.region, facts.norway, facts.ba
    code = r.code
    pop_now = r.at("population", r.years[0])
    step = young_adult_step(pop_now, lever_max["young_adults"])
    beats: list[Beat] = []

    similar = [s.change("population", y) for s in facts.similar]
    beats.append(Beat("population", 100.0, "fan", {
        "now": pop_now, "then": r.at("population", y), "range": _range(facts, "total", y),
        "change": r.change("population", y), "norway_change": no.change("population", y),
        "ba_change": ba.change("population", y) if ba else None,
        "ba_name": ba.name if ba else None,
        "similar_change": float(np.median(similar)) if similar else None,
        "similar_names": [s.name for s in facts.similar],
    }, visible_effect(builder, code, "young_adults", step, "population", 0.0,
                      plausible_ceiling("young_adults", 0.0, pop_now, lever_max["young_adults"]))))

    beats.append(Beat("dependency", 99.0, "dependency", {
        "now": r.at("aldersbaereevne_67", r.years[0]), "then": r.at("aldersbaereevne_67", y),
        "norway_then": no.at("aldersbaereevne_67", y),
        "ba_then": ba.at("aldersbaereevne_67", y) if ba else None,
        "ba_name": ba.name if ba else None,
    }, visible_effect(builder, code, "young_adults", step, "aldersbaereevne_67", 0.0,
                      plausible_ceiling("young_adults", 0.0, pop_now, lever_max["young_adults"]))))

    beats.append(Beat("care", 98.0, "care", {
        "now": r.at("care_share_of_workforce", r.years[0]),
        "then": r.at("care_share_of_workforce", y),
        "norway_then": no.at("care_share_of_workforce", y),
        "users_now": r.at("care_users", r.years[0]), "users_then": r.at("care_users", y),
    }, builder.effect(code, "healthy_ageing", 2.0, "care_share_of_workforce")))

    share80 = r.at("share_80_plus", y)
    beats.append(Beat("hundred", 50 + 100 * abs(share80 - no.at("share_80_plus", y)), "icons", {
        "per100_80": share80 * 100, "per100_67": r.at("share_67_plus", y) * 100,
        "per100_0_19": r.at("age_0_19", y) / r.at("population", y) * 100,
        "norway_per100_80": no.at("share_80_plus", y) * 100,
        "born_now_age_then": y - r.years[0],
    }, builder.effect(code, "care_productivity", 10.0, "care_share_of_workforce")))

    candidates = []
    for beat_id, (key, chart, lever, shown_on) in CHANGE_BEATS.items():
        c, cn = r.change(key, y), no.change(key, y)
        if not np.isfinite(c):
            continue
        salience = 2 * abs(c - cn) + 0.5 * abs(c)
        if r.at(key, r.years[0]) < 10:
            salience = -1.0  # too few people for a meaningful change: tell it last, if at all
        value = {"young_adults": step, "healthy_ageing": 2.0,
                 "fertility": lever_default.get("fertility", 1.5) + 0.2,
                 "employment_seniors": 5.0}[lever]
        candidates.append(Beat(beat_id, salience, chart, {
            "now": r.at(key, r.years[0]), "then": r.at(key, y), "change": c, "norway_change": cn,
            "ba_change": ba.change(key, y) if ba else None, "ba_name": ba.name if ba else None,
        }, (beat_id, lever, value, shown_on)))
    candidates.sort(key=lambda b: -b.salience)
    # Told if they matter (salience ≥ 0) and their «what we can do» shows a difference; the rest
    # only if the story would otherwise be shorter than MIN_BEATS.
    told, spare = [], []
    for b in candidates:
        _, lever, value, shown_on = b.action
        default = lever_default.get(lever, 0.0)
        ceiling = plausible_ceiling(lever, default, pop_now, lever_max[lever])
        b.action = visible_effect(builder, code, lever, min(value, ceiling), shown_on, default,
                                  ceiling)
        (told if b.salience >= 0 and is_visible(b.action) else spare).append(b)
    extra = told[: MAX_BEATS - len(beats)]
    extra += spare[: max(0, MIN_BEATS - len(beats) - len(extra))]
    beats.extend(extra)
    assert MIN_BEATS <= len(beats) <= MAX_BEATS
    return beats
