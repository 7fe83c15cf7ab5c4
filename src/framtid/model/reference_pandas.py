"""The deterministic model written plainly in pandas, as an analyst would: long tables, a loop over
years, merges and group-bys. It exists to check the numpy engine (results must agree to 1e-6
persons) and to measure what vectorisation buys; it is not used for answers.

It takes the same fitted rates (FittedModel.step_inputs) so that only the projection arithmetic
is compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fertility import FA0, FA1
from .fit import Assumptions, FittedModel
from .inputs import N_AGES, OPEN_AGE, SEXES


def _long(arr: np.ndarray, codes: list[str], value: str) -> pd.DataFrame:
    """[K, 2, 106] → rows kommune, sex, age, value."""
    k, s, a = np.meshgrid(np.arange(arr.shape[0]), np.arange(2), np.arange(N_AGES),
                          indexing="ij")
    return pd.DataFrame({"kommune": np.asarray(codes)[k.ravel()],
                         "sex": np.asarray(SEXES)[s.ravel()], "age": a.ravel(),
                         value: arr.ravel()})


def project_pandas(fm: FittedModel, to_year: int, a: Assumptions | None = None,
                   k_idx: np.ndarray | None = None,
                   young_weights: np.ndarray | None = None) -> np.ndarray:
    """[Y+1, K, 2, 106] population, computed with DataFrames year by year."""
    a = a or fm.default_assumptions()
    k_idx = np.arange(fm.inputs.n_kommuner) if k_idx is None else np.asarray(k_idx)
    codes = [fm.inputs.codes[i] for i in k_idx]
    si = fm.step_inputs(to_year, a, k_idx, young_weights)
    pop = _long(np.nan_to_num(fm.inputs.base_pop[k_idx]), codes, "pop")
    results = [pop]
    factor = pd.DataFrame({"kommune": codes})
    for j, year in enumerate(si.years):
        # Rates of this year as tables.
        surv = _long(np.broadcast_to(si.sc[j], (len(codes), 2, N_AGES)), codes, "s")
        rates = _long(si.mig_rate[j], codes, "rate")
        rates["count"] = si.mig_count[j].ravel()
        rates["extra"] = 0.0 if si.mig_extra is None else si.mig_extra[j].ravel()
        rates["inflow"] = 0.0 if si.mig_in is None else si.mig_in[j].ravel()
        # Everybody gets a year older; 104 and 105+ end in 105+.
        older = pop.copy()
        older["age"] = (older["age"] + 1).clip(upper=OPEN_AGE)
        cohort = older.groupby(["kommune", "sex", "age"], as_index=False)["pop"].sum()
        cohort = cohort.rename(columns={"pop": "x"})
        step = rates.merge(surv, on=["kommune", "sex", "age"])
        step = step.merge(cohort, on=["kommune", "sex", "age"], how="left")
        step["x"] = step["x"].fillna(0.0)
        step.loc[step["age"] == 0, ["x", "rate", "count", "extra", "inflow"]] = 0.0
        step["net"] = step["x"] * step["rate"] + step["count"] + step["inflow"] + step["extra"]
        step["net"] = np.maximum(step["net"], step["x"] * (-2.0 * step["s"] / (1.0 + step["s"])))
        step["pop"] = step["x"] * step["s"] + step["net"] * (0.5 + 0.5 * step["s"])
        step["pop"] = step["pop"].clip(lower=0.0)
        # Births: mid-year women 12–55 times this year's rates (kommune factor included).
        women = pop[(pop["sex"] == "female") & pop["age"].between(FA0, FA1 - 1)]
        women_end = step[(step["sex"] == "female") & step["age"].between(FA0, FA1 - 1)]
        w = women.merge(women_end[["kommune", "age", "pop"]], on=["kommune", "age"],
                        suffixes=("_start", "_end"))
        asfr = pd.DataFrame({"kommune": np.repeat(codes, FA1 - FA0),
                             "age": np.tile(np.arange(FA0, FA1), len(codes)),
                             "asfr": si.asfr[j].ravel()})
        w = w.merge(asfr, on=["kommune", "age"])
        w["births"] = 0.5 * (w["pop_start"] + w["pop_end"]) * w["asfr"]
        births = factor.merge(w.groupby("kommune", as_index=False)["births"].sum(),
                              on="kommune", how="left")
        for sex, share in (("female", 1.0 - si.share_male), ("male", si.share_male)):
            sb = float(np.asarray(si.sb[j]).reshape(-1, 2)[0, SEXES.index(sex)])
            age0 = (step["sex"] == sex) & (step["age"] == 0)
            step.loc[age0, "pop"] = (births.set_index("kommune").loc[
                step.loc[age0, "kommune"], "births"].to_numpy() * share * sb)
        pop = step[["kommune", "sex", "age", "pop"]].copy()
        results.append(pop)
    out = np.empty((len(results), len(codes), 2, N_AGES))
    order = {c: i for i, c in enumerate(codes)}
    for t, df in enumerate(results):
        ki = df["kommune"].map(order).to_numpy()
        si_ = (df["sex"] == "male").to_numpy().astype(int)
        out[t, ki, si_, df["age"].to_numpy()] = df["pop"].to_numpy()
    return out
