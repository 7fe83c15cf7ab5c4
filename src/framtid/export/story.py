"""The region's story told in a scenario: the focus region is projected with the scenario's
variant and levers (Norway, the BA-region and similar kommuner stay in the main scenario, as the
comparison), and each beat's «what we can do» is measured on top of the scenario."""

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

    def _mine(self, code: str) -> bool:
        return code == self.focus and not self.scenario.is_default

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
            cap = self.capacity_of(proj, self.cons.get("healthy_ageing", 0.0))
            self._numbers[key] = RegionNumbers(code, reg.name, reg.level, list(proj["years"]),
                                               np.asarray(proj["total"]), ind,
                                               proj.get("quantiles"), cap)
        return self._numbers[key]

    def lever_run(self, code: str, levers: dict[str, float], cache: bool = True
                  ) -> tuple[dict, dict, dict]:
        """As the story's, with the scenario's levers underneath the ones a beat moves."""
        from ..model.service import project_region

        if not self._mine(code):
            return super().lever_run(code, levers, cache)
        key = ("scenario", code, tuple(sorted(levers.items())))
        if key not in self._lever_runs or not cache:
            eng, cons = split_levers({**self.scenario.levers, **levers})
            proj = (project_region(self.ctx, code, self.scenario.variant, eng, 2050, None)
                    if levers else self.projection(code))
            ind = indicators_of(self.ctx, proj, cons)
            cap = self.capacity_of(proj, cons.get("healthy_ageing", 0.0))
            if not cache:
                return proj, ind, cap
            self._lever_runs[key] = (proj, ind, cap)
        return self._lever_runs[key]


def story(ctx, code: str, lang: str, scenario: Scenario, charts: bool = True) -> dict:
    """StoryTeller.story for one region in a scenario (JSON: beats with chart specs)."""
    from ..story.render import StoryTeller

    teller = StoryTeller(ctx, charts=charts)
    teller.builder = ScenarioFactsBuilder(ctx, code, scenario)
    return teller.story(code, lang)
