"""One chart for one region, built from the same numbers the story uses (CLI `framtid chart`)."""

from __future__ import annotations

import numpy as np


def kommune_values(ctx, indicator: str, year: int, codes: list[str] | None = None
                   ) -> dict[str, float]:
    """An indicator in `year` for every kommune (or the given ones), main scenario."""
    from ..consequences.service import indicator_by_kommune

    values = indicator_by_kommune(ctx, indicator, year)
    keep = set(codes) if codes else set(values)
    return {c: v for c, v in values.items() if c in keep and v is not None}


def chart_for(ctx, code: str, kind: str, lang: str, *, indicator: str = "aldersbaereevne_67",
              year: int = 2040):
    from .. import charts
    from .facts import FactsBuilder
    from .render import _with_indicators

    date = ctx.store.meta().get("imported_at", "")[:10]
    if kind in ("map", "ba-map"):
        reg = ctx.regions.get(code)
        members = ctx.regions.kommuner_in(reg.ba if reg.level == "kommune" else code)
        values = kommune_values(ctx, indicator, year, members if kind == "ba-map" else None)
        names = {r.code: r.name for r in ctx.regions.all("kommune")}
        stub = {"region": {"code": reg.code, "name": reg.name, "level": reg.level},
                "years": list(range(ctx.last_year, 2051)), "base_year": ctx.last_year}
        return charts.build(kind, stub, lang, values=values, names=names, indicator=indicator,
                            year=year, topology=ctx.store.map_content("kommuner"),
                            projection_date=date, members=members,
                            highlight=members if reg.level != "land" else None)
    builder = FactsBuilder(ctx)
    facts = builder.build(code, full=False)
    extra: dict = {"projection_date": date}
    if kind == "dependency":
        from ..i18n import t

        extra["series"] = {t("region.norway", lang): list(np.asarray(
            facts.norway.indicators["aldersbaereevne_67"], dtype=float))}
        if facts.ba is not None:
            extra["series"][t("region.ba", lang, name=facts.ba.name)] = list(
                facts.ba.indicators["aldersbaereevne_67"])
    return charts.build(kind, _with_indicators(facts), lang, **extra)
