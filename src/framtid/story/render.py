"""Turn chosen beats into text in nb, nn or en (Jinja2 templates per language), with charts, and
write the story as JSON, Markdown or HTML."""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..i18n import LANGS, check_lang, fmt_dec, fmt_int, t  # noqa: F401  (LANGS re-exported)
from ..consequences.parameters import DEFAULTS as _PARAMS
from ..display import people as _display_people
from .beats import choose
from .facts import FactsBuilder

FORMATS = ("md", "html", "json")
TEMPLATES = Path(__file__).parent / "templates"
# Keys every action has for the templates (StrictUndefined: a missing one is an error).
ACTION_DEFAULTS = {"lever": None, "value": None, "kind": "kommune", "already": False,
                   "capped": False, "none": False, "extra": 0.0, "decide_by": None,
                   "first_year": None, "now": False, "lead_time": 0, "today": None}
# Parameters the sentences quote (lead times, norms, coverage), by name → value.
PARAMS_VIEW = {k: p.value for k, p in _PARAMS.items()}


# A projected count rounded as on every page (framtid.display: one number, one value; 3 129 is
# «3 130» in the story as on the cards, not «3 100»).
people = _display_people


MILLION = {"nb": "millioner", "nn": "millionar", "en": "million"}


def distinct_rounding(a: float | None, b: float | None) -> int | None:
    """None if `people()` already tells a and b apart (or they are equal to the person);
    otherwise the coarsest rounding (digits for round()) that does: «1 140 instead of 1 100»,
    not «1 100 instead of 1 100»."""
    if a is None or b is None or people(a) != people(b) or abs(a - b) < 0.5:
        return None
    for digits in (-3, -2, -1, 0):
        if round(a, digits) != round(b, digits):
            return digits
    return 0


def people_text(x: float, lang: str, digits: int | None = None) -> str:
    """A rounded count as text; a million or more as «6,02 millionar» / «6.02 million».
    `digits` (from distinct_rounding) rounds finer so that a pair of numbers differs."""
    v = people(x) if digits is None else round(float(x), digits)
    if abs(v) >= 1_000_000:
        m = fmt_dec(v / 1_000_000, lang, 2)
        m = m.rstrip("0").rstrip(",.") if ("," in m or "." in m) else m
        return f"{m}\u00a0{MILLION[lang]}"
    return fmt_int(v, lang)


@lru_cache(maxsize=3)
def _module(lang: str):
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=False, trim_blocks=False, lstrip_blocks=True)
    env.filters["people"] = lambda x, r=None: people_text(x, lang, r)
    env.filters["int"] = lambda x: fmt_int(round(float(x)), lang)
    env.filters["dec"] = lambda x, n=1: fmt_dec(float(x), lang, n) if n else fmt_int(
        round(float(x)), lang)
    env.filters["pct"] = lambda x: fmt_int(round(float(x)), lang)
    return env.get_template(f"{lang}.j2").module


def _say(lang: str, beat: str, part: str, *args) -> str:
    text = str(getattr(_module(lang), f"{beat}_{part}")(*args))
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _chart(kind: str, facts, lang: str, projection_date: str) -> dict:
    from .. import charts

    extra: dict = {"projection_date": projection_date}
    if kind == "dependency":
        series = {t("region.norway", lang): list(facts.norway.indicators["aldersbaereevne_67"])}
        if facts.ba is not None:
            series[t("region.ba", lang, name=facts.ba.name)] = list(
                facts.ba.indicators["aldersbaereevne_67"])
        extra["series"] = series
    c = charts.build(kind, _with_indicators(facts), lang, **extra)
    return {"spec": c.spec, "alt": c.alt, "table": c.table, "title": c.title,
            "note": c.meta.get("ssb_note", "")}


def _with_indicators(facts) -> dict:
    proj = dict(facts.projection)
    proj["indicators"] = {k: [float(v) for v in vals] for k, vals in
                          facts.region.indicators.items()}
    return proj


class StoryTeller:
    """Tells stories for many regions, sharing the facts (projections) between them."""

    def __init__(self, ctx, charts: bool = True):
        from ..consequences.service import all_levers

        self.ctx = ctx
        self.builder = FactsBuilder(ctx)
        self.charts = charts
        meta = all_levers()
        self.lever_max = {m["name"]: float(m["max"]) for m in meta}
        self.lever_default = {m["name"]: float(m["default"]) for m in meta}
        self._beats: dict[str, tuple] = {}

    def beats(self, code: str) -> tuple:
        if code not in self._beats:
            facts = self.builder.build(code)
            self._beats[code] = (facts, choose(self.builder, facts, self.lever_max,
                                               self.lever_default))
        return self._beats[code]

    def names(self, code: str, lang: str) -> dict:
        """The region's names for running text: `name` (Sámi form for kommuner in the Sámi
        language area), `first` (first use: the Sámi name with the Norwegian in brackets),
        `Name` (capitalised, for the start of a sentence), `short` (the bare name) and `title`."""
        reg = self.ctx.regions.get(code)
        attrs = self.ctx.regions.attributes(code)
        short = reg.name
        if reg.level == "land":
            name = first = t("region.norway", lang)
        elif reg.level == "ba":
            name = first = t("story.ba_name", lang, name=reg.name)
        else:
            name = first = reg.name
            if str(attrs.get("sami_language_area") or "") in ("1", "True", "true"):
                parts = [p.strip() for p in reg.official_name.split(" - ")]
                sami = next((p for p in parts if p != reg.name), None)
                if sami:
                    name, first = sami, f"{sami} ({reg.name})"
        title = (t("region.norway", lang) if reg.level == "land" else
                 t("story.ba_title", lang, name=reg.name) if reg.level == "ba"
                 else reg.official_name)
        cap = lambda s: s[:1].upper() + s[1:]  # noqa: E731
        return {"name": name, "first": first, "Name": cap(name), "First": cap(first),
                "short": short, "title": title, "level": reg.level, "code": reg.code}

    def story(self, code: str, lang: str) -> dict:
        check_lang(lang)
        reg = self.ctx.regions.get(code)
        facts, beats = self.beats(code)
        y, b = self.builder.year, facts.region.years[0]
        names = self.names(code, lang)
        arc = beats[0].data.get("arc")
        r = {**names, "arc": arc, "params": PARAMS_VIEW, "members_n": len(facts.members)}
        # The first beat names the region in full (Sámi name with the Norwegian in brackets).
        r_first = {**r, "name": names["first"], "Name": names["First"]}
        date = self.ctx.store.meta().get("imported_at", "")[:10]
        out = []
        sim_url = None
        for i, beat in enumerate(beats):
            rr = r_first if i == 0 else r
            act = {**ACTION_DEFAULTS, **(beat.action or {})}
            act["r"] = distinct_rounding(act.get("with"), act.get("without"))
            act["rw"] = distinct_rounding(act.get("workers_with"), act.get("workers_without"))
            item = {
                "id": beat.id,
                "headline": _say(lang, beat.id, "headline", beat.data, rr, y, b),
                "text": _say(lang, beat.id, "text", beat.data, rr, y, b),
                "action": {"lever": act.get("lever"), "value": act.get("value"),
                           "kind": act.get("kind", "kommune"),
                           "effect_text": _say(lang, beat.id, "action", act, r, y, b),
                           "without": act.get("without"), "with": act.get("with"),
                           "indicator": act.get("indicator")},
                "salience": round(beat.salience, 3),
            }
            if act.get("levers"):
                sim_url = simulate_path(lang, reg.code, act["levers"])
                item["action"].update(levers=act["levers"], url=sim_url)
            if self.charts:
                ch = _chart(beat.chart, facts, lang, date)
                item.update(chart=ch["spec"], alt=ch["alt"], table=ch["table"],
                            chart_kind=beat.chart)
                if ch["note"]:  # the fan chart's sentence comparing SSB's projection
                    item["note"] = ch["note"]
            out.append(item)
        return {"region": {"code": reg.code, "name": reg.name, "official_name": reg.official_name,
                           "level": reg.level},
                "title": names["title"], "arc": arc, "simulate": sim_url,
                "comparison": {"similar": [name for name, _ in facts.similar],
                               "rule": t("story.similar_rule", lang)},
                "lang": lang, "year": y, "base_year": b, "projection_date": date, "beats": out}


def simulate_path(lang: str, code: str, levers: dict[str, float]) -> str:
    """The web simulator with these levers set (same format as framtid.web.render)."""
    def num(v: float) -> str:
        f = float(v)
        return str(int(f)) if f == int(f) else f"{f:.4g}"
    query = urlencode({k: num(v) for k, v in levers.items()})
    return f"/{lang}/region/{code}/simulate" + (f"?{query}" if query else "")


def _source(story: dict) -> str:
    lang = story["lang"]
    return (f"{t('source.attribution', lang)}; "
            f"{t('source.projection', lang, date=story.get('projection_date', ''))}")


def to_markdown(story: dict) -> str:
    lines = [f"# {story.get('title') or story['region']['official_name']} {story['year']}", ""]
    for beat in story["beats"]:
        effect = beat["action"]["effect_text"]
        if beat["action"].get("url"):
            effect = f"[{effect}]({beat['action']['url']})"
        lines += [f"## {beat['headline']}", "", beat["text"], "", f"> {effect}", ""]
        if beat.get("alt"):
            lines += [f"*{beat['alt']}*", ""]
    lines.append(_source(story))
    return "\n".join(lines) + "\n"


def to_html(story: dict) -> str:
    e = html.escape
    title = story.get("title") or story["region"]["official_name"]
    parts = [f'<article lang="{story["lang"]}"><h1>{e(title)} '
             f'{story["year"]}</h1>']
    for beat in story["beats"]:
        parts.append(f'<section id="{beat["id"]}"><h2>{e(beat["headline"])}</h2>'
                     f'<p>{e(beat["text"])}</p><p class="action">{e(beat["action"]["effect_text"])}'
                     f'</p></section>')
    parts.append(f"<footer>{e(_source(story))}</footer></article>")
    return "\n".join(parts) + "\n"
