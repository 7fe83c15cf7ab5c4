"""The numbers a story is told from: one region's projection, indicators and capacity needs beside
Norway's, its BA-region's and a sized set of similar kommuner, the components of change (births,
deaths, moving, immigration), SSB's own figure, plus the measured effect of levers. No language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..consequences.service import indicators_of

STORY_YEAR = 2040          # the year the story looks at (KS: «2040 begynner nå»)
STORY_PATHS = 200          # simulated futures behind the ranges in the story (enough for p10/p90)
# «Kommuner like yours»: same SSB centrality class and a population within a factor SIZE_BAND of
# this one; if that gives fewer than SIMILAR_MIN, the nearest in size within SIZE_BAND_MAX are
# added. Fewer than SIMILAR_MIN even then: no comparison (the story says why).
SIZE_BAND, SIZE_BAND_MAX, SIMILAR_MIN = 2.0, 4.0, 10


@dataclass
class RegionNumbers:
    code: str
    name: str
    level: str
    years: list[int]
    total: np.ndarray
    indicators: dict[str, np.ndarray]
    quantiles: dict | None = None
    capacity: dict[str, np.ndarray] = field(default_factory=dict)

    def at(self, key: str, year: int) -> float:
        src = self.indicators if key in self.indicators else self.capacity
        return float(src[key][self.years.index(year)])

    def series(self, key: str) -> np.ndarray:
        return np.asarray(self.indicators[key] if key in self.indicators else self.capacity[key],
                          dtype=float)

    def change(self, key: str, year: int) -> float:
        """Relative change from the base year to `year` (0.25 = +25 %)."""
        a, b = self.at(key, self.years[0]), self.at(key, year)
        return (b / a - 1) if a else float("nan")


@dataclass
class Facts:
    region: RegionNumbers
    norway: RegionNumbers
    ba: RegionNumbers | None
    similar: list[tuple[str, float]] = field(default_factory=list)  # (name, change to year)
    projection: dict = field(default_factory=dict)   # the engine's JSON for charts
    components: dict = field(default_factory=dict)   # births, deaths, moving base → story year
    official: float | None = None                   # SSB's main alternative in the story year
    official_round: int | None = None
    similar_band: float | None = None                # the size factor the similar set used
    attributes: dict = field(default_factory=dict)   # centrality, Sámi area, …
    members: list[tuple[str, float]] = field(default_factory=list)  # (name, change) BA/fylke


class FactsBuilder:
    """Builds Facts for many regions, reusing Norway's, BA-regions' and projections."""

    def __init__(self, ctx, year: int = STORY_YEAR, paths: int = STORY_PATHS):
        self.ctx = ctx
        self.year = year
        self.paths = paths
        self._numbers: dict[tuple[str, bool], RegionNumbers] = {}
        self._projections: dict[str, dict] = {}
        self._lever_runs: dict[tuple, dict] = {}
        self._cap_cal = None
        self._change: dict[str, float] | None = None

    # --- projections ---------------------------------------------------------------------
    def projection(self, code: str, paths: bool = False) -> dict:
        from ..model.service import project_region

        key = f"{code}:{paths}"
        if key not in self._projections:
            self._projections[key] = project_region(self.ctx, code, "main", {}, 2050,
                                                    self.paths if paths else None)
        return self._projections[key]

    def capacity_calibration(self):
        from ..consequences.capacity import CapacityCalibration
        from ..consequences.parameters import resolve

        if self._cap_cal is None:
            regs = self.ctx.regions
            self._cap_cal = CapacityCalibration.from_population(
                regs.population("NO", 2010), regs.population("NO", 2022), resolve())
        return self._cap_cal

    def capacity_of(self, proj: dict, healthy_ageing: float = 0.0) -> dict[str, np.ndarray]:
        from ..consequences.capacity import compute
        from ..consequences.service import _by_age

        return compute(_by_age(proj), np.asarray(proj["years"]), self.capacity_calibration(),
                       healthy_ageing)

    def numbers(self, code: str, paths: bool = False) -> RegionNumbers:
        key = (code, paths)
        if key not in self._numbers:
            proj = self.projection(code, paths)
            ind = indicators_of(self.ctx, proj)
            reg = self.ctx.regions.get(code)
            self._numbers[key] = RegionNumbers(code, reg.name, reg.level, list(proj["years"]),
                                               np.asarray(proj["total"]), ind,
                                               proj.get("quantiles"), self.capacity_of(proj))
        return self._numbers[key]

    # --- what drives the change --------------------------------------------------------
    def components(self, code: str) -> dict:
        """Births, deaths, net internal moves and net immigration summed over the years from the
        base to the story year (main scenario), from the engine's flows. The international part
        is the engine's count for the region; the internal part is the rest of net migration."""
        from ..model.scenarios import resolve as resolve_levers
        from ..model.service import fitted

        fm = fitted(self.ctx)
        k_idx = fm.inputs.kommune_index(self.ctx.regions.kommuner_in(code))
        a = fm.assumptions(scenario="main", **resolve_levers("main").model_dump())
        si = fm.step_inputs(self.year, a, k_idx)
        from ..model.projection import run

        proj = run(np.nan_to_num(fm.inputs.base_pop[k_idx]), si)
        births = float(proj.births.sum())
        deaths = float(proj.deaths.sum())
        net = float(proj.netmig.sum())
        intl = (float(sum(np.asarray(si.mig_count[j]).sum() for j in range(len(si.years))))
                if si.mig_count is not None else 0.0)
        return {"births": births, "deaths": deaths, "natural": births - deaths,
                "net_migration": net, "immigration": intl, "internal": net - intl,
                "years": int(self.year - fm.base_year)}

    # --- comparisons --------------------------------------------------------------------
    def similar_kommuner(self, code: str) -> tuple[list[str], float | None]:
        """(codes, size band) of kommuner like this one: same centrality class, population
        within a factor SIZE_BAND (widened up to SIZE_BAND_MAX to reach SIMILAR_MIN)."""
        regs = self.ctx.regions
        me = regs.attributes(code)
        if regs.get(code).level != "kommune" or not me.get("centrality_class"):
            return [], None
        size = max(regs.population(code, self.ctx.last_year).sum(), 1)
        cands = []
        for k in regs.all("kommune"):
            if k.code == code or regs.attributes(k.code).get("centrality_class") != me[
                    "centrality_class"]:
                continue
            other = max(regs.population(k.code, self.ctx.last_year).sum(), 1)
            cands.append((abs(np.log(other / size)), k.code))
        cands.sort()
        inside = [c for d, c in cands if d <= np.log(SIZE_BAND)]
        band = SIZE_BAND
        if len(inside) < SIMILAR_MIN:
            wider = [(d, c) for d, c in cands if d <= np.log(SIZE_BAND_MAX)][:SIMILAR_MIN]
            if len(wider) < SIMILAR_MIN:
                return [], None
            inside = [c for _, c in wider]
            band = float(np.exp(wider[-1][0]))
        return inside, band

    # --- levers ---------------------------------------------------------------------------
    def lever_run(self, code: str, levers: dict[str, float], cache: bool = True
                  ) -> tuple[dict, dict, dict]:
        """(projection, indicators, capacity) with `levers` (engine and consequence) set."""
        from ..consequences.service import split_levers
        from ..model.service import project_region

        key = (code, tuple(sorted(levers.items())))
        if key not in self._lever_runs or not cache:
            eng, cons = split_levers(levers)
            proj = (project_region(self.ctx, code, "main", eng, 2050, None) if eng
                    else self.projection(code))
            ind = indicators_of(self.ctx, proj, cons)
            cap = self.capacity_of(proj, cons.get("healthy_ageing", 0.0))
            if not cache:
                return proj, ind, cap
            self._lever_runs[key] = (proj, ind, cap)
        return self._lever_runs[key]

    def value_with(self, code: str, levers: dict[str, float], indicator: str,
                   year: int | None = None, cache: bool = True) -> float:
        proj, ind, cap = self.lever_run(code, levers, cache)
        y = list(proj["years"]).index(year or self.year)
        return float((ind if indicator in ind else cap)[indicator][y])

    def effect(self, code: str, lever: str, value: float, indicator: str) -> dict:
        """The indicator in the story year with and without one lever moved."""
        return {"lever": lever, "value": value, "indicator": indicator,
                "without": self.value_with(code, {}, indicator),
                "with": self.value_with(code, {lever: value}, indicator)}

    # --- all of it ------------------------------------------------------------------------
    def population_changes(self) -> dict[str, float]:
        """Every kommune's relative population change to the story year (one vectorised run)."""
        if self._change is None:
            from ..consequences.service import indicator_by_kommune

            then = indicator_by_kommune(self.ctx, "population", self.year)
            base = self.ctx.last_year
            self._change = {c: (v / self.ctx.regions.population(c, base).sum() - 1)
                            for c, v in then.items() if v is not None}
        return self._change

    def build(self, code: str, full: bool = True) -> Facts:
        """The facts for one region; `full=False` (charts) skips the components of change, the
        similar kommuner and the members, which need extra model runs."""
        reg = self.ctx.regions.get(code)
        region = self.numbers(code, paths=True)
        norway = self.numbers("NO")
        # A kommune that is its own BA-region is not compared with itself.
        ba = (self.numbers(reg.ba) if reg.level == "kommune" and reg.ba
              and len(self.ctx.regions.kommuner_in(reg.ba)) > 1 else None)
        if not full:
            return Facts(self.numbers(code, paths=True), self.numbers("NO"),
                         self.numbers(reg.ba) if reg.level == "kommune" and reg.ba
                         and len(self.ctx.regions.kommuner_in(reg.ba)) > 1 else None,
                         projection=self.projection(code, paths=True))
        codes, band = self.similar_kommuner(code)
        ch = self.population_changes()   # one vectorised run, not one projection each
        names = {r.code: r.name for r in self.ctx.regions.all("kommune")}
        similar = [(names[c], ch[c]) for c in codes if c in ch]
        proj = self.projection(code, paths=True)
        official, rnd = None, None
        block = proj.get("official") or {}
        alt = (block.get("alternatives") or {}).get("MMMM")
        if alt and self.year in alt["years"]:
            official = float(alt["total"][alt["years"].index(self.year)])
            rnd = block.get("round")
        members = []
        if reg.level in ("ba", "fylke"):
            members = sorted(((names[c], ch[c]) for c in self.ctx.regions.kommuner_in(code)
                              if c in ch), key=lambda x: -x[1])
        return Facts(region, norway, ba, similar, proj, self.components(code), official, rnd,
                     band, dict(self.ctx.regions.attributes(code)), members)
