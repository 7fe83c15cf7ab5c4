"""The numbers a story is told from: one region's projection and indicators beside Norway's, its
BA-region's and similar kommuner's, plus the measured effect of levers. No language here."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..consequences.service import indicators_of

STORY_YEAR = 2040          # the year the story looks at (KS: «2040 begynner nå»)
STORY_PATHS = 200          # simulated futures behind the ranges in the story (enough for p10/p90)
SIMILAR_MAX = 5            # similar kommuner: same centrality class, nearest in population size


@dataclass
class RegionNumbers:
    code: str
    name: str
    level: str
    years: list[int]
    total: np.ndarray
    indicators: dict[str, np.ndarray]
    quantiles: dict | None = None

    def at(self, key: str, year: int) -> float:
        return float(self.indicators[key][self.years.index(year)])

    def change(self, key: str, year: int) -> float:
        """Relative change from the base year to `year` (0.25 = +25 %)."""
        a, b = self.at(key, self.years[0]), self.at(key, year)
        return (b / a - 1) if a else float("nan")


@dataclass
class Facts:
    region: RegionNumbers
    norway: RegionNumbers
    ba: RegionNumbers | None
    similar: list[RegionNumbers] = field(default_factory=list)
    projection: dict = field(default_factory=dict)   # the engine's JSON for charts
    effects: dict[str, dict] = field(default_factory=dict)  # lever → measured effect


class FactsBuilder:
    """Builds Facts for many regions, reusing Norway's, BA-regions' and projections."""

    def __init__(self, ctx, year: int = STORY_YEAR, paths: int = STORY_PATHS):
        self.ctx = ctx
        self.year = year
        self.paths = paths
        self._numbers: dict[tuple[str, bool], RegionNumbers] = {}
        self._projections: dict[str, dict] = {}

    def projection(self, code: str, paths: bool = False) -> dict:
        from ..model.service import project_region

        key = f"{code}:{paths}"
        if key not in self._projections:
            self._projections[key] = project_region(self.ctx, code, "main", {}, 2050,
                                                    self.paths if paths else None)
        return self._projections[key]

    def numbers(self, code: str, paths: bool = False) -> RegionNumbers:
        key = (code, paths)
        if key not in self._numbers:
            proj = self.projection(code, paths)
            ind = indicators_of(self.ctx, proj)
            reg = self.ctx.regions.get(code)
            self._numbers[key] = RegionNumbers(code, reg.name, reg.level, list(proj["years"]),
                                               np.asarray(proj["total"]), ind,
                                               proj.get("quantiles"))
        return self._numbers[key]

    def similar_kommuner(self, code: str) -> list[str]:
        regs = self.ctx.regions
        me = regs.attributes(code)
        if regs.get(code).level != "kommune" or not me.get("centrality_class"):
            return []
        size = regs.population(code, self.ctx.last_year).sum()
        cands = []
        for k in regs.all("kommune"):
            if k.code == code or regs.attributes(k.code).get("centrality_class") != me[
                    "centrality_class"]:
                continue
            other = regs.population(k.code, self.ctx.last_year).sum()
            cands.append((abs(np.log(max(other, 1) / max(size, 1))), k.code))
        return [c for _, c in sorted(cands)[:SIMILAR_MAX]]

    def effect(self, code: str, lever: str, value: float, indicator: str) -> dict:
        """The indicator in the story year with and without one lever moved."""
        from ..consequences.service import split_levers
        from ..model.service import project_region

        base = self.numbers(code)
        eng, cons = split_levers({lever: value})
        proj = project_region(self.ctx, code, "main", eng, 2050, None) if eng else \
            self.projection(code)
        ind = indicators_of(self.ctx, proj, cons)
        y = base.years.index(self.year)
        return {"lever": lever, "value": value, "indicator": indicator,
                "without": float(base.indicators[indicator][y]),
                "with": float(ind[indicator][y])}

    def build(self, code: str) -> Facts:
        reg = self.ctx.regions.get(code)
        region = self.numbers(code, paths=True)
        norway = self.numbers("NO")
        # A kommune that is its own BA-region is not compared with itself.
        ba = (self.numbers(reg.ba) if reg.level == "kommune" and reg.ba
              and len(self.ctx.regions.kommuner_in(reg.ba)) > 1 else None)
        similar = [self.numbers(c) for c in self.similar_kommuner(code)]
        return Facts(region, norway, ba, similar, self.projection(code, paths=True))
