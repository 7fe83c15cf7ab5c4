"""The region's story told in a scenario: the focus region is projected with the scenario's
variant and levers (Norway, the BA-region and similar kommuner stay in the main scenario, as the
comparison), and each beat's «what we can do» is measured on top of the scenario.

Only the focus region's runs change: `projection` (the scenario's variant and engine levers),
`numbers` (indicators and capacity with the consequence levers) and `lever_run` (a beat's lever
on top of the scenario's). Everything else is the story's own FactsBuilder.
"""

from __future__ import annotations

import numpy as np

from ..consequences.service import indicators_of, split_levers
from ..story.facts import FactsBuilder, RegionNumbers
from .scenario import Scenario


class ScenarioFactsBuilder(FactsBuilder):
    def __init__(self, ctx, focus: str, scenario: Scenario):
        super().__init__(ctx)
        self.focus = focus
        self.scenario = scenario
        self.eng, self.cons = split_levers(scenario.levers)
        self._scenario_runs: dict[tuple, tuple] = {}

    def _mine(self, code: str) -> bool:
        return code == self.focus and not self.scenario.is_default

    def _capacity(self, proj: dict, cons: dict) -> dict:
        if not hasattr(self, "capacity_of"):
            return {}
        return self.capacity_of(proj, cons.get("healthy_ageing", 0.0))

    def projection(self, code: str, paths: bool = False) -> dict:
        from ..model.service import project_region

        if not self._mine(code):
            return super().projection(code, paths)
        key = f"{code}:{paths}"
        if key not in self._projections:
            self._projections[key] = project_region(self.ctx, code, self.scenario.variant,
                                                    self.eng, 2050,
                                                    self.paths if paths else None)
        return self._projections[key]

    def numbers(self, code: str, paths: bool = False) -> RegionNumbers:
        if not self._mine(code):
            return super().numbers(code, paths)
        key = (code, paths)
        if key not in self._numbers:
            proj = self.projection(code, paths)
            ind = indicators_of(self.ctx, proj, self.cons)
            reg = self.ctx.regions.get(code)
            args = [code, reg.name, reg.level, list(proj["years"]), np.asarray(proj["total"]),
                    ind, proj.get("quantiles")]
            if "capacity" in RegionNumbers.__dataclass_fields__:
                args.append(self._capacity(proj, self.cons))
            self._numbers[key] = RegionNumbers(*args)
        return self._numbers[key]

    def _run(self, code: str, levers: dict[str, float]) -> tuple[dict, dict, dict]:
        """(projection, indicators, capacity) with the scenario's levers and `levers` on top."""
        from ..model.service import project_region

        merged = {**self.scenario.levers, **levers}
        key = (code, tuple(sorted(merged.items())))
        if key not in self._scenario_runs:
            eng, cons = split_levers(merged)
            proj = (project_region(self.ctx, code, self.scenario.variant, eng, 2050, None)
                    if eng != self.eng else self.projection(code))
            self._scenario_runs[key] = (proj, indicators_of(self.ctx, proj, cons),
                                        self._capacity(proj, cons))
        return self._scenario_runs[key]

    def lever_run(self, code: str, levers: dict[str, float], cache: bool = True):
        if not self._mine(code):
            return super().lever_run(code, levers, cache)
        return self._run(code, levers)

    def effect(self, code: str, lever: str, value: float, indicator: str) -> dict:
        if not self._mine(code) or hasattr(FactsBuilder, "lever_run"):
            return super().effect(code, lever, value, indicator)   # goes through lever_run
        y = self.numbers(code).years.index(self.year)
        _, without, _ = self._run(code, {})
        _, with_, _ = self._run(code, {lever: value})
        return {"lever": lever, "value": value, "indicator": indicator,
                "without": float(without[indicator][y]), "with": float(with_[indicator][y])}


def story(ctx, code: str, lang: str, scenario: Scenario, charts: bool = True) -> dict:
    """StoryTeller.story for one region in a scenario (JSON: beats with chart specs)."""
    from ..story.render import StoryTeller

    teller = StoryTeller(ctx, charts=charts)
    teller.builder = ScenarioFactsBuilder(ctx, code, scenario)
    return teller.story(code, lang)
