"""Choose a region's story: its arc (archetype) from the data, the arc's beats, one value per lever
chosen with «what it takes», capacity in decision units and «decide by» years. Language-free:
each beat carries its numbers, its chart kind and its action; templates turn them into sentences.

Arcs (see docs/story.md):
  growing   kommune growing ≥ GROWING to the story year: capacity (kindergarten, school, care)
  shrinking kommune shrinking ≤ SHRINKING: adapt services, attract and keep people
  ageing    the rest: a stable population that grows older
  sami      kommune in the Sámi language area: services in Sámi, whatever the trend
  ba        BA-region: a commuting region (labour market), what its kommuner share
  fylke     fylke: what a fylke runs (upper secondary school, dental care, public transport)
  land      Norway
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..consequences.capacity import LEAD_TIMES, decide_by
from ..consequences.parameters import DEFAULTS as PARAMS
from ..consequences.whatittakes import solve
from .facts import Facts, FactsBuilder

MIN_BEATS, MAX_BEATS = 6, 10
GROWING, SHRINKING = 0.06, -0.03     # population change to the story year that sets the arc
SMALL = 10                           # fewer people than this in a group: no percentages
ARCS = ("growing", "shrinking", "ageing", "sami", "ba", "fylke", "land")

# Beats per arc, in the order told.
ARC_BEATS = {
    "growing": ("drivers", "population", "kindergarten", "school", "elderly80", "care",
                "timing", "actions"),
    "shrinking": ("drivers", "population", "dependency", "elderly80", "care", "school",
                  "timing", "actions"),
    "ageing": ("drivers", "population", "hundred", "elderly80", "care", "workforce", "timing",
               "actions"),
    "sami": ("drivers", "population", "sami", "elderly80", "care", "school", "timing",
             "actions"),
    "ba": ("commuting", "drivers", "population", "workforce", "dependency", "care", "actions"),
    "fylke": ("drivers", "population", "vgs", "dental", "transport", "workforce", "timing",
              "actions"),
    "land": ("drivers", "population", "dependency", "hundred", "elderly80", "care", "timing",
             "actions"),
}
CHARTS = {"drivers": "fan", "population": "fan", "dependency": "dependency", "care": "care",
          "hundred": "icons", "elderly80": "pyramid", "school": "pyramid",
          "kindergarten": "pyramid", "workforce": "dependency", "sami": "pyramid",
          "commuting": "fan", "vgs": "pyramid", "dental": "pyramid", "transport": "pyramid",
          "timing": "care", "actions": "fan"}

# Levers the kommune (or the kommuner of a region together) owns: the indicator «what it takes»
# holds at today's level, whether less is better, a plausible ceiling for a story, and the step
# the value is rounded up to.
OWN_LEVERS = {
    "care_productivity": ("care_share_of_workforce", True, 25.0, 5.0),
    "healthy_ageing": ("institution_places", True, 3.0, 1.0),
    "employment_overall": ("employed", False, 5.0, 1.0),
    "young_adults": ("population", False, None, None),
}
LEVER_MAX = {"care_productivity": 50.0, "healthy_ageing": 5.0, "employment_overall": 10.0}
MAX_YOUNG_ADULT_SHARE = 0.02   # never more extra in-movers a year than 2 % of today's population
NATIONAL_IMMIGRATION = 0.5     # the national condition shown: immigration to Norway halved
# The three actions of the closing beat, by arc, most important first.
ARC_ACTIONS = {
    "growing": ("institution_places", "kindergarten_places", "care_productivity"),
    "shrinking": ("young_adults", "healthy_ageing", "care_productivity"),
    "ageing": ("healthy_ageing", "care_productivity", "employment_overall"),
    "sami": ("care_workers_needed", "healthy_ageing", "young_adults"),
    "ba": ("employment_overall", "young_adults", "care_productivity"),
    "fylke": ("upper_secondary_classes", "employment_overall", "young_adults"),
    "land": ("healthy_ageing", "care_productivity", "employment_overall"),
}

GROWING_REGION_ACTIONS = {
    "ba": ("employment_overall", "care_workers_needed", "care_productivity"),
    "fylke": ("upper_secondary_classes", "employment_overall", "dental_elderly"),
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


def nice_up(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is ≥ x (a count people say)."""
    if x <= 1:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        v = m * 10 ** exp
        if v >= x - 1e-9 and float(v).is_integer():
            return float(v)
    return float(10 ** (exp + 1))


def archetype(facts: Facts, year: int) -> str:
    r = facts.region
    if r.level == "land":
        return "land"
    if r.level in ("fylke", "ba"):
        return r.level
    if str(facts.attributes.get("sami_language_area") or "") in ("1", "True", "true"):
        return "sami"
    c = r.change("population", year)
    return "growing" if c >= GROWING else "shrinking" if c <= SHRINKING else "ageing"


def trend(facts: Facts, year: int) -> str:
    c = facts.region.change("population", year)
    return "up" if c >= 0.01 else "down" if c <= -0.01 else "flat"


# --- levers: one value per lever per story, chosen with «what it takes» ------------------
def choose_lever(builder: FactsBuilder, facts: Facts, lever: str, indicator: str | None = None
                 ) -> dict:
    """The value of one lever for this story: what it takes to hold `indicator` at today's level
    in the story year, rounded up to a value people can say, capped at a plausible ceiling."""
    r, y = facts.region, builder.year
    default_ind, lower_better, ceiling, step = OWN_LEVERS[lever]
    indicator = indicator or default_ind
    today = r.at(indicator, r.years[0])
    without = r.at(indicator, y)
    already = (without <= today) if lower_better else (without >= today)
    pop = r.at("population", r.years[0])
    if lever == "young_adults":
        ceiling = max(1.0, nice_round(pop * MAX_YOUNG_ADULT_SHARE))
        probe = max(1.0, round(pop * 0.005))
        slope = (builder.value_with(r.code, {lever: probe}, indicator) - without) / probe
        needed = (today - without) / slope if slope > 0 else math.inf
        reachable = math.isfinite(needed)
        value = ceiling if (not reachable or needed > ceiling) else nice_up(max(needed, 1.0))
        value = min(value, ceiling)
    else:
        def evaluate(x: float) -> float:
            return builder.value_with(r.code, {lever: x}, indicator, cache=False)
        at_ceiling = evaluate(ceiling)
        if already or ((at_ceiling > today) if lower_better else (at_ceiling < today)):
            needed, reachable = math.inf, False   # not even the ceiling holds it: no search
        else:
            sol = solve(evaluate, today, 0.0, ceiling, prefer=0.0)
            needed = sol.value if sol.reachable else math.inf
            reachable = sol.reachable
        value = min(ceiling, math.ceil(needed / step) * step) if reachable else ceiling
        value = max(value, step)
    if already:
        needed = 0.0
        # Nothing is needed to hold the level: the story shows a modest, plausible move instead.
        value = {"care_productivity": 10.0, "healthy_ageing": 2.0, "employment_overall": 2.0,
                 "young_adults": max(1.0, nice_round(pop * 0.002))}[lever]
    capped = (not already) and (not reachable or needed > value + 1e-9)
    eff = builder.effect(r.code, lever, value, indicator)
    return {**eff, "today": today, "needed": None if not math.isfinite(needed) else needed,
            "capped": capped, "already": already, "ceiling": ceiling}


def _with(builder: FactsBuilder, facts: Facts, choice: dict, indicator: str, kind: str) -> dict:
    """The same lever value shown on another indicator."""
    eff = builder.effect(facts.region.code, choice["lever"], choice["value"], indicator)
    r = facts.region
    return {**eff, "kind": kind, "today": r.at(indicator, r.years[0]),
            "needed": choice["needed"] if indicator == choice["indicator"] else None,
            "capped": choice["capped"], "already": choice["already"]}


def _capacity(facts: Facts, key: str, year: int) -> dict:
    """Need now and in the story year, and the decide-by year from the lead time."""
    r = facts.region
    series = r.series(key)
    years = r.years[: r.years.index(year) + 1]
    lead = PARAMS[LEAD_TIMES[key]].value
    first, decide = decide_by(series[: len(years)], years, lead,
                              PARAMS["capacity_margin"].value)
    return {"lever": None, "value": None, "kind": "capacity", "indicator": key,
            "without": float(series[len(years) - 1]), "with": float(series[len(years) - 1]),
            "today": float(series[0]), "extra": float(series[len(years) - 1] - series[0]),
            "first_year": first, "decide_by": decide, "lead_time": int(lead),
            "now": decide is not None and decide <= r.years[0]}


def _range(facts: Facts, key: str, year: int) -> tuple[float, float] | None:
    q = facts.region.quantiles
    if not q:
        return None
    i = facts.region.years.index(year)
    return float(q["p10"][key][i]), float(q["p90"][key][i])


def _group(facts: Facts, key: str, y: int) -> dict:
    r, no = facts.region, facts.norway
    now = r.at(key, r.years[0])
    return {"now": now, "then": r.at(key, y), "change": r.change(key, y),
            "norway_change": no.change(key, y), "small": now < SMALL,
            "ba_change": facts.ba.change(key, y) if facts.ba else None}


def choose(builder: FactsBuilder, facts: Facts, lever_max: dict[str, float] | None = None,
           lever_default: dict[str, float] | None = None) -> list[Beat]:
    y = builder.year
    r, no, ba = facts.region, facts.norway, facts.ba
    code, base = r.code, r.years[0]
    arc = archetype(facts, y)
    tr = trend(facts, y)
    plan: dict[str, dict] = {}

    def lever(name: str) -> dict:
        if name not in plan:
            ind = None
            if name == "young_adults" and arc in ("ageing", "ba", "fylke"):
                ind = "age_20_66"   # hold the working-age population, not the total
            plan[name] = choose_lever(builder, facts, name, ind)
        return plan[name]

    def own(name: str, shown_on: str | None = None) -> dict:
        c = lever(name)
        return {**c, "kind": "kommune"} if shown_on in (None, c["indicator"]) else _with(
            builder, facts, c, shown_on, "kommune")

    caps = {k: _capacity(facts, k, y) for k in (
        "institution_places", "kindergarten_places", "teachers", "care_workers_needed",
        "upper_secondary_classes")}
    # A growing BA-region or fylke needs capacity, not more in-movers (like a growing kommune).
    growing_region = arc in ("ba", "fylke") and r.change("population", y) >= GROWING
    actions = GROWING_REGION_ACTIONS[arc] if growing_region else ARC_ACTIONS[arc]
    comp = facts.components
    common = {"arc": arc, "trend": tr, "members_n": len(facts.members)}
    beats: list[Beat] = []

    def add(beat_id: str, data: dict, action: dict | None) -> None:
        beats.append(Beat(beat_id, 100.0 - len(beats), CHARTS[beat_id], {**common, **data},
                          action))

    for beat_id in ARC_BEATS[arc]:
        if beat_id == "drivers":
            parts = {"natural": comp["natural"], "internal": comp["internal"],
                     "immigration": comp["immigration"]}
            main = max(parts, key=lambda k: abs(parts[k]))
            nat = builder.effect(code, "immigration", NATIONAL_IMMIGRATION, "population")
            add("drivers", {**comp, "main": main, "now": r.at("population", base),
                            "then": r.at("population", y), "change": r.change("population", y),
                            "per_year": (r.at("population", y) - r.at("population", base))
                            / max(y - base, 1)},
                {**nat, "kind": "national", "today": r.at("population", base),
                 "needed": None, "capped": False, "already": False})
        elif beat_id == "population":
            similar = sorted(change for _, change in facts.similar)
            data = {"now": r.at("population", base), "then": r.at("population", y),
                    "range": _range(facts, "total", y), "change": r.change("population", y),
                    "norway_change": no.change("population", y),
                    "ba_change": ba.change("population", y) if ba else None,
                    "ba_name": ba.name if ba else None,
                    "similar_change": similar[len(similar) // 2] if similar else None,
                    "similar_n": len(similar), "similar_band": facts.similar_band,
                    "similar_names": [name for name, _ in facts.similar],
                    "official": facts.official, "official_round": facts.official_round,
                    "official_diff": (r.at("population", y) / facts.official - 1)
                    if facts.official else None}
            if arc in ("growing", "land") or (arc == "sami" and tr == "up") or growing_region:
                per_year = (data["then"] - data["now"]) / max(y - base, 1)
                action = {"lever": None, "value": None, "kind": "capacity",
                          "indicator": "population", "without": data["then"],
                          "with": data["then"], "per_year": per_year, "per_week": per_year / 52}
            else:
                action = own("young_adults")
            add("population", data, action)
        elif beat_id == "dependency":
            add("dependency", {"now": r.at("aldersbaereevne_67", base),
                               "then": r.at("aldersbaereevne_67", y),
                               "norway_then": no.at("aldersbaereevne_67", y),
                               "norway_now": no.at("aldersbaereevne_67", base),
                               "ba_then": ba.at("aldersbaereevne_67", y) if ba else None,
                               "ba_name": ba.name if ba else None},
                own("healthy_ageing", "care_users") if arc == "ba" else own("employment_overall"))
        elif beat_id == "care":
            d = {"now": r.at("care_share_of_workforce", base),
                 "then": r.at("care_share_of_workforce", y),
                 "norway_then": no.at("care_share_of_workforce", y),
                 "workers_now": r.at("care_workers_needed", base),
                 "workers_then": r.at("care_workers_needed", y),
                 "users_now": r.at("care_users", base), "users_then": r.at("care_users", y)}
            act = own("care_productivity")
            act = {**act, "workers_with": builder.value_with(
                code, {"care_productivity": act["value"]}, "care_workers_needed"),
                "workers_without": d["workers_then"]}
            add("care", d, act)
        elif beat_id == "elderly80":
            d = {**_group(facts, "age_80_plus", y),
                 "places_now": r.at("institution_places", base),
                 "places_then": r.at("institution_places", y)}
            add("elderly80", d, own("healthy_ageing"))
        elif beat_id == "hundred":
            # The same whole persons the icon chart draws (largest remainder, sums to 100), so
            # the headline never says 7 where the chart shows 8.
            from ..charts.icons import counts

            n, n0 = counts(facts.projection, y), counts(facts.projection, base)
            n_no = counts(builder.projection("NO"), y)
            add("hundred", {"per100_80": n["80+"], "per100_67": n["67-79"] + n["80+"],
                            "per100_0_19": n["0-19"], "per100_80_now": n0["80+"],
                            "norway_per100_80": n_no["80+"], "born_now_age_then": y - base},
                own("healthy_ageing", "care_users"))
        elif beat_id == "kindergarten":
            add("kindergarten", {**_group(facts, "children_1_5", y)},
                caps["kindergarten_places"])
        elif beat_id == "school":
            d = _group(facts, "children_6_15", y)
            d.update(teachers_now=r.at("teachers", base), teachers_then=r.at("teachers", y))
            add("school", d, caps["teachers"])
        elif beat_id == "workforce":
            d = _group(facts, "age_20_66", y)
            d.update(employed_now=r.at("employed", base), employed_then=r.at("employed", y))
            add("workforce", d, own("employment_overall"))
        elif beat_id == "sami":
            add("sami", {"kids": r.at("children_1_5", y), "kids_now": r.at("children_1_5", base),
                         "old": r.at("age_80_plus", y), "old_now": r.at("age_80_plus", base)},
                caps["care_workers_needed"])
        elif beat_id == "commuting":
            members = facts.members
            add("commuting", {"n": len(members), "members": [m[0] for m in members],
                              "top": members[0] if members else None,
                              "bottom": members[-1] if members else None,
                              "growing": sum(1 for m in members if m[1] > 0.01),
                              "shrinking": sum(1 for m in members if m[1] < -0.01)},
                caps["care_workers_needed"])
        elif beat_id == "vgs":
            add("vgs", _group(facts, "youth_16_18", y), caps["upper_secondary_classes"])
        elif beat_id == "dental":
            add("dental", {**_group(facts, "age_0_18", y),
                           "places_now": r.at("institution_places", base),
                           "places_then": r.at("institution_places", y)},
                {**caps["institution_places"], "kind": "capacity"})
        elif beat_id == "transport":
            d = {"youth": _group(facts, "youth_16_18", y), **_group(facts, "age_80_plus", y)}
            add("transport", d, {"lever": None, "value": None, "kind": "capacity",
                                 "indicator": "age_80_plus", "without": d["then"],
                                 "with": d["then"], "today": d["now"],
                                 "extra": d["then"] - d["now"]})
        elif beat_id == "timing":
            items = []
            for key in ("institution_places", "care_workers_needed", "kindergarten_places",
                        "teachers", "upper_secondary_classes"):
                c = caps[key]
                if arc == "fylke" and key != "upper_secondary_classes":
                    continue   # nursing homes, kindergartens and schools are the kommuner's
                if arc != "fylke" and key == "upper_secondary_classes":
                    continue
                # Too few today (a kindergarten of three) or too small a rise: noise, not a plan.
                if c["decide_by"] is not None and c["today"] >= 5 and c["extra"] >= 2:
                    items.append({"key": key, **c})
            items.sort(key=lambda c: c["decide_by"])   # stable: nursing homes first on a tie
            add("timing", {"items": items[:3], "base": base}, None)
        elif beat_id == "actions":
            picks = []
            for key in actions:
                if key in OWN_LEVERS:
                    picks.append({"key": key, **lever(key)})
                else:
                    cap = caps["institution_places" if key == "dental_elderly" else key]
                    picks.append({**cap, "key": key})
            levers = {k: v["value"] for k, v in plan.items()}
            add("actions", {"picks": picks}, {"lever": None, "value": None, "kind": "simulate",
                                               "levers": levers, "indicator": "population",
                                               "without": r.at("population", y),
                                               "with": r.at("population", y)})
    # The timing beat has no lever of its own: its action is the first decision.
    for b in beats:
        if b.id == "timing":
            first = b.data["items"][0] if b.data["items"] else None
            b.action = first or {"lever": None, "value": None, "kind": "capacity",
                                 "indicator": "population", "without": 0.0, "with": 0.0,
                                 "none": True}
    assert MIN_BEATS <= len(beats) <= MAX_BEATS, [b.id for b in beats]
    return beats
