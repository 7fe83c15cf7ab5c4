"""What a report and a deck say, as plain data, built once: the story in the scenario, key
figures, «what we can do», the scenario in words, uncertainty, SSB's figure beside ours, credits.

Every number comes from `Scenario.project` (= `framtid project … --json`); counts are shown
rounded the way the story rounds them (a projection has no precision to the person).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import __version__
from ..i18n import check_lang, fmt_date
from ..i18n import t as core_t
from ..story.render import people
from ..web import i18n as wi
from .scenario import Scenario
from .text import t

STORY_YEAR = 2040
TO_YEAR = 2050
PATHS = 200
KEY_INDICATORS = ("population", "age_0_19", "age_20_66", "age_67_plus", "age_80_plus",
                  "share_67_plus", "aldersbaereevne_67", "children_1_5", "children_6_15",
                  "care_workers_needed", "care_share_of_workforce", "employed")
KEY_YEARS = (2030, 2040, 2050)
SSB_YEARS = (2030, 2035, 2040, 2045, 2050)


def indicator_kind(ind: str) -> str:
    from ..web.services import INDICATOR_KIND

    if ind in INDICATOR_KIND:
        return INDICATOR_KIND[ind]
    try:
        from ..consequences.capacity import CAPACITY
    except ImportError:   # pragma: no cover - older consequences without capacity
        CAPACITY = ()
    return "count" if ind in CAPACITY else "number"


def show(value, ind: str, lang: str, projected: bool = True) -> str:
    """An indicator value as the report prints it (counts rounded when projected)."""
    kind = indicator_kind(ind)
    if value is None:
        return "–"
    if kind == "count" and projected:
        value = people(value)
    if kind == "ratio":
        return wi.fmt_dec(value, lang, 2 if value < 10 else 1)
    return wi.fmt_value(value, kind, lang)


def indicator_label(ind: str, lang: str) -> str:
    """An indicator's or a capacity figure's label (web catalog, export catalog, chart catalog)."""
    from ..i18n import has as core_has
    from .text import has

    for key in (f"ind.{ind}", f"capacity.{ind}"):
        if has(key, lang):
            return t(key, lang)
    if core_has(f"indicator.{ind}", lang):
        return core_t(f"indicator.{ind}", lang)
    return ind.replace("_", " ")


def display_name(reg, lang: str) -> str:
    if reg.code == "NO":
        return core_t("region.norway", lang)
    if reg.level == "ba":
        return core_t("region.ba", lang, name=reg.name)
    return reg.official_name if reg.official_name and "(" not in reg.name else reg.name


@dataclass
class Document:
    lang: str
    region: dict
    scenario: Scenario
    proj: dict
    story: dict
    texts: dict = field(default_factory=dict)
    key_rows: list = field(default_factory=list)
    key_years: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    ssb_rows: list = field(default_factory=list)


def share_path(lang: str, code: str, scenario: Scenario) -> str:
    q = scenario.query()
    return f"/{lang}/region/{code}/simulate" + (f"?{q}" if q else "")


def build(ctx, code: str, lang: str, scenario: Scenario, today: dt.date | None = None
          ) -> Document:
    from .story import story as scenario_story

    check_lang(lang)
    reg = ctx.regions.resolve(code)
    proj = scenario.project(ctx, reg.code, PATHS)
    st = scenario_story(ctx, reg.code, lang, scenario)
    name = display_name(reg, lang)
    today = today or dt.date.today()
    data_date = str(ctx.store.meta().get("imported_at", ""))[:10]
    years = proj["years"]
    base = proj["base_year"]

    # key figures
    key_years = [base] + [y for y in KEY_YEARS if y in years]
    rows = []
    for ind in KEY_INDICATORS:
        vals = proj["indicators"][ind]
        rows.append({"indicator": ind, "label": indicator_label(ind, lang),
                     "raw": [vals[years.index(y)] for y in key_years],
                     "values": [show(vals[years.index(y)], ind, lang, y != base)
                                for y in key_years]})

    # «what we can do», one row per lever (the first beat that proposes it)
    actions, seen = [], set()
    for b in st["beats"]:
        lv = (b.get("action") or {}).get("lever")
        if lv and lv not in seen and b["action"].get("effect_text"):
            seen.add(lv)
            key = f"lever.{lv}.label"
            actions.append({"lever": lv, "label": wi.t(key, lang) if wi.has(key, lang) else lv,
                            "text": b["action"]["effect_text"]})

    # uncertainty
    q = proj.get("quantiles") or {}
    if q and STORY_YEAR in years:
        i = years.index(STORY_YEAR)
        unc = t("report.uncertainty_text", lang, name=name, year=STORY_YEAR, paths=PATHS,
                lo=wi.fmt_int(people(q["p10"]["total"][i]), lang),
                hi=wi.fmt_int(people(q["p90"]["total"][i]), lang),
                mid=wi.fmt_int(people(q["p50"]["total"][i]), lang))
    else:
        unc = t("report.uncertainty_none", lang)

    # SSB's figure beside ours
    ssb_rows, ssb_round, ssb_note = [], None, ""
    off = proj.get("official")
    if off and "MMMM" in off["alternatives"]:
        s = off["alternatives"]["MMMM"]
        ssb_round, ssb_note = off["round"], off["note"]
        for y in SSB_YEARS:
            if y in s["years"] and y in years:
                ours, theirs = proj["total"][years.index(y)], s["total"][s["years"].index(y)]
                ssb_rows.append({"year": y, "ours_raw": ours, "ssb_raw": theirs,
                                 "ours": wi.fmt_int(people(ours), lang),
                                 "ssb": wi.fmt_int(theirs, lang),
                                 "diff": wi.fmt_signed_pct(ours / theirs - 1, lang, 1)
                                 if theirs else "–"})
        ssb_note = t("report.col_ssb", lang, round=ssb_round) + ": " + core_t(
            "source.attribution", lang) + (f", tabell {off['table']}" if lang != "en"
                                           else f", table {off['table']}")

    level_label = wi.t(f"level.{reg.level}", lang)
    texts = {
        "title": t("report.title", lang, name=name, year=STORY_YEAR),
        "subtitle": t("report.subtitle", lang, to_year=TO_YEAR),
        "region_name": name,
        "level_label": level_label,
        "scenario_title": scenario.title(lang),
        "variant_label": t(f"scenario.variant.{scenario.variant}", lang),
        "story_title": t("report.story_title", lang, name=name),
        "made": t("report.made", lang, date=fmt_date(today, lang), version=__version__,
                  base_year=base),
        "credit_ssb": core_t("source.attribution", lang),
        "credit_projection": core_t("source.projection", lang,
                                    date=fmt_date(data_date, lang) if data_date else ""),
        "keys_caption": f"{name}: {t('report.keys_title', lang).lower()}",
        "uncertainty": unc,
        "ssb_round": ssb_round, "ssb_note": ssb_note,
        "ssb_caption": t("report.ssb_caption", lang, name=name),
        "cli": "framtid project " + reg.code + " " + " ".join(
            _quote(a) for a in scenario.cli_args(name=False) if a) + " --json",
        "share_path": share_path(lang, reg.code, scenario),
        "date_text": fmt_date(today, lang), "data_date": fmt_date(data_date, lang)
        if data_date else "",
        "version": __version__, "year": STORY_YEAR, "base_year": base,
    }
    return Document(lang, {"code": reg.code, "name": name, "level": reg.level}, scenario, proj,
                    st, texts, rows, key_years, actions, ssb_rows)


def _quote(arg: str) -> str:
    return f'"{arg}"' if any(c in arg for c in " «»'") else arg


def unique_charts(beats: list[dict]) -> dict[str, int]:
    """Each chart kind once: kind → index of the first beat that shows it."""
    first: dict[str, int] = {}
    for i, b in enumerate(beats):
        kind = b.get("chart_kind")
        if kind and b.get("chart") and kind not in first:
            first[kind] = i
    return first
