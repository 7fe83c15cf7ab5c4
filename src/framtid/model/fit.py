"""A fitted model: all rates estimated once from ModelInputs, projected many times with levers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .fertility import FertilityModel
from .frame import NationalComponents, choose_path, run_national, solve_frame, tfr_ramp
from .inputs import N_AGES, ModelInputs
from .migration import MigrationModel
from .mortality import MortalityModel
from .projection import Projection, StepInputs, TimeLinear, run
from .fertility import TFR_ASSUMPTION_VINTAGE
from .scenarios import E0_MAIN, SCENARIOS

YOUNG_ADULT_AGES = (20, 39)   # lever `young_adults`: ages (inclusive) of the extra net in-migrants


@dataclass(frozen=True)
class Assumptions:
    """Engine-level assumptions (levers resolved against one fitted model)."""

    tfr_target: float            # national TFR reached in 2050
    e0_shift: float              # years added to both sexes' 2050 e0 targets
    migration: float = 1.0       # factor on all net migration
    immigration: float = 1.0     # factor on the international part
    young_adults: float = 0.0    # extra net in-migrants 20–39 per year, for the region projected
    frame: str | None = None     # SSB alternative the nation follows (MMMM …); None: own estimate
    ref_tfr: float | None = None         # the scenario's own lever values: levers act as
    ref_e0_shift: float = 0.0            # differences from these (frame mode)
    ref_immigration: float = 1.0


@dataclass
class FittedModel:
    inputs: ModelInputs
    mortality: MortalityModel
    fertility: FertilityModel
    migration: MigrationModel
    _frames: dict = field(default_factory=dict, repr=False)

    @classmethod
    def fit(cls, inp: ModelInputs) -> "FittedModel":
        mort = MortalityModel.fit(inp)
        return cls(inputs=inp, mortality=mort, fertility=FertilityModel.fit(inp, mort),
                   migration=MigrationModel.fit(inp, mort))

    @property
    def base_year(self) -> int:
        return self.inputs.base_year

    def default_assumptions(self, scenario: str = "main") -> Assumptions:
        """The scenario's assumptions for this base (main: SSB's latest MMMM frame if held)."""
        lv = SCENARIOS[scenario].levers
        return self.assumptions(scenario=scenario, **lv.model_dump())

    def frame_for(self, scenario: str) -> str | None:
        """The SSB alternative the scenario follows at this base, if the store holds a round."""
        alt = SCENARIOS[scenario].frame
        if alt is None or choose_path(self.inputs.official_nat, alt, self.base_year) is None:
            return None
        return alt

    def assumptions(self, *, fertility: float, life_expectancy: float, migration: float = 1.0,
                    immigration: float = 1.0, young_adults: float = 0.0,
                    scenario: str = "main") -> Assumptions:
        """Levers in their user units: TFR 2050, average e0 2050 of both sexes, factors, persons.

        In frame mode the scenario's own lever values are the reference: a lever at its
        scenario value reproduces the frame, other values act as differences from it."""
        ref = SCENARIOS[scenario].levers
        # e0 levers are differences from the main value, added to the model's own target (SSB
        # NF2024's, or the Lee–Carter drift for a backtest standing before NF2024).
        e0_ref = E0_MAIN
        frame = self.frame_for(scenario)
        if frame is None:
            # A backtest standing before our TFR assumption holds the jump-off TFR instead.
            tfr = (self.fertility.default_target if fertility == ref.fertility
                   and self.base_year < TFR_ASSUMPTION_VINTAGE else fertility)
            return Assumptions(tfr_target=tfr, e0_shift=life_expectancy - e0_ref,
                               migration=migration, immigration=immigration,
                               young_adults=young_adults)
        return Assumptions(tfr_target=fertility, e0_shift=life_expectancy - e0_ref,
                           migration=migration, immigration=immigration,
                           young_adults=young_adults, frame=frame, ref_tfr=ref.fertility,
                           ref_e0_shift=ref.life_expectancy - e0_ref,
                           ref_immigration=ref.immigration)

    def national(self, to_year: int, a: Assumptions) -> NationalComponents:
        """Norway's TFR, net immigration by age and population path under `a`."""
        years = np.arange(self.base_year, to_year)
        h = (years - self.base_year).astype(float)
        fert, mig = self.fertility, self.migration
        pop0 = self._base_pop.sum(axis=0)
        f_nat = float(fert.expected_births @ fert.factor / max(fert.expected_births.sum(), 1e-9))
        sc, sb = self.mortality.survival_for(years, a.e0_shift)
        if a.frame is None:
            tfr = fert.tfr_path(years, a.tfr_target)
            intl = mig.intl_by_age(h) * (a.immigration * a.migration)
            return run_national(pop0, years, sc, sb, fert.shape, f_nat, fert.share_male, tfr,
                                intl, "framtid")
        key = (a.frame, round(a.ref_e0_shift, 9), int(to_year))
        comp = self._frames.get(key)
        if comp is None:
            path = choose_path(self.inputs.official_nat, a.frame, self.base_year)
            sc0, sb0 = self.mortality.survival_for(years, a.ref_e0_shift)
            comp = solve_frame(path, pop0, years, sc0, sb0, fert.shape, f_nat,
                               fert.share_male, mig.intl_profile)
            self._frames[key] = comp
        plain = (a.tfr_target == a.ref_tfr and a.e0_shift == a.ref_e0_shift
                 and a.immigration == a.ref_immigration and a.migration == 1.0)
        if plain:
            return comp
        tfr = np.maximum(comp.tfr + (a.tfr_target - a.ref_tfr) * tfr_ramp(years, self.base_year),
                         0.0)
        factor = a.migration * a.immigration / a.ref_immigration if a.ref_immigration else 0.0
        return run_national(pop0, years, sc, sb, fert.shape, f_nat, fert.share_male, tfr,
                            comp.intl * factor, comp.source)

    def step_inputs(self, to_year: int, a: Assumptions, k_idx: np.ndarray,
                    young_weights: np.ndarray | None = None) -> StepInputs:
        """Rates for kommuner k_idx for the steps base .. to_year−1.

        young_weights [len(k_idx)] spreads `young_adults` over the projected kommuner (sum 1).
        """
        years = np.arange(self.base_year, to_year)
        h = (years - self.base_year).astype(float)
        sc, sb = self.mortality.survival_for(years, a.e0_shift)
        nat = self.national(to_year, a)
        asfr = (nat.tfr[:, None, None] * self.fertility.shape[None, None, :]
                * self.fertility.factor[k_idx][None, :, None])
        # nat.intl already carries the immigration and migration levers.
        count = self.migration.intl_counts(nat.intl, k_idx)
        inflow = None
        if self.migration.bounded:
            rate, inflow = self.migration.internal_flows(h, nat.pop, k_idx)
            rate = rate.map(lambda v: v * a.migration)
            inflow = inflow.map(lambda v: v * a.migration)
        else:
            rate = self.migration.internal_rates(h, k_idx).map(lambda v: v * a.migration)
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
                          share_male=self.fertility.share_male, mig_in=inflow)

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
