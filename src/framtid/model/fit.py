"""A fitted model: all rates estimated once from ModelInputs, projected many times with levers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .fertility import FertilityModel
from .inputs import N_AGES, ModelInputs
from .migration import MigrationModel
from .mortality import MortalityModel
from .projection import Projection, StepInputs, TimeLinear, run

YOUNG_ADULT_AGES = (20, 39)   # lever `young_adults`: ages (inclusive) of the extra net in-migrants


@dataclass(frozen=True)
class Assumptions:
    """Engine-level assumptions (levers resolved against one fitted model)."""

    tfr_target: float            # national TFR reached in 2050
    e0_shift: float              # years added to both sexes' 2050 e0 targets
    migration: float = 1.0       # factor on all net migration
    immigration: float = 1.0     # factor on the international part
    young_adults: float = 0.0    # extra net in-migrants 20–39 per year, for the region projected


@dataclass
class FittedModel:
    inputs: ModelInputs
    mortality: MortalityModel
    fertility: FertilityModel
    migration: MigrationModel

    @classmethod
    def fit(cls, inp: ModelInputs) -> "FittedModel":
        mort = MortalityModel.fit(inp)
        return cls(inputs=inp, mortality=mort, fertility=FertilityModel.fit(inp, mort),
                   migration=MigrationModel.fit(inp, mort))

    @property
    def base_year(self) -> int:
        return self.inputs.base_year

    def default_assumptions(self) -> Assumptions:
        return Assumptions(tfr_target=self.fertility.default_target, e0_shift=0.0)

    def assumptions(self, *, fertility: float, life_expectancy: float, migration: float = 1.0,
                    immigration: float = 1.0, young_adults: float = 0.0) -> Assumptions:
        """Levers in their user units: TFR 2050, average e0 2050 of both sexes, factors, persons."""
        shift = life_expectancy - float(self.mortality.e0_target.mean())
        return Assumptions(tfr_target=fertility, e0_shift=shift, migration=migration,
                           immigration=immigration, young_adults=young_adults)

    def step_inputs(self, to_year: int, a: Assumptions, k_idx: np.ndarray,
                    young_weights: np.ndarray | None = None) -> StepInputs:
        """Rates for kommuner k_idx for the steps base .. to_year−1.

        young_weights [len(k_idx)] spreads `young_adults` over the projected kommuner (sum 1).
        """
        years = np.arange(self.base_year, to_year)
        h = (years - self.base_year).astype(float)
        sc, sb = self.mortality.survival_for(years, a.e0_shift)
        asfr = (self.fertility.asfr_path(years, a.tfr_target)[:, None, :]
                * self.fertility.factor[k_idx][None, :, None])
        rate = self.migration.internal_rates(h, k_idx).map(lambda v: v * a.migration)
        scale = a.immigration * a.migration
        count = self.migration.intl_counts(h, k_idx).map(lambda v: v * scale)
        extra = None
        if a.young_adults:
            w = (np.full(len(k_idx), 1.0 / len(k_idx)) if young_weights is None
                 else np.asarray(young_weights, dtype=float))
            lo, hi = YOUNG_ADULT_AGES
            per_cell = a.young_adults / (2 * (hi - lo + 1))   # even over ages and both sexes
            add = np.zeros((len(k_idx), 2, N_AGES))
            add[:, :, lo:hi + 1] = per_cell * w[:, None, None]
            extra = TimeLinear(add, None, np.zeros(len(years)))
        return StepInputs(years=years, sc=sc[:, None], sb=sb[:, None], asfr=asfr,
                          mig_rate=rate, mig_count=count, mig_extra=extra,
                          share_male=self.fertility.share_male)

    def project(self, to_year: int, a: Assumptions | None = None,
                k_idx: np.ndarray | None = None,
                young_weights: np.ndarray | None = None) -> Projection:
        a = a or self.default_assumptions()
        if k_idx is None:
            k_idx = np.arange(self.inputs.n_kommuner)
        si = self.step_inputs(to_year, a, k_idx, young_weights)
        pop0 = self._base_pop[k_idx]
        return run(pop0, si, codes=[self.inputs.codes[i] for i in k_idx])

    @cached_property
    def _base_pop(self) -> np.ndarray:
        return np.nan_to_num(self.inputs.base_pop)
