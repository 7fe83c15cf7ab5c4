"""Levers (what-if inputs) and named scenarios, shared by the CLI and the web API.

Lever names are a contract: fertility, life_expectancy, migration, young_adults, immigration.
Each has a unit, a default (the main scenario) and a valid range; a value outside the range is
refused with a message that names the lever, its unit and the range.

Scenarios follow SSB's four-letter naming in spirit (fertility, life expectancy, internal migration,
immigration): main ≈ MMMM, low ≈ LLML, high ≈ HHMH. SSB's NF2024 alternative values for fertility
and immigration were not found in the stored material, so low/high use NF2022's published fertility
alternatives (1.3 / 1.9, shared/data/extra/projections) and our own symmetric choices for life
expectancy (±2 years in 2050) and immigration (half / one and a half times the main level).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import FramtidError
from .fertility import TFR_TARGET_MAIN
from .mortality import SSB2024_E0_2050


@dataclass(frozen=True)
class LeverSpec:
    name: str
    unit: str
    default: float
    min: float
    max: float
    description: str

    def as_dict(self) -> dict:
        return asdict(self)

    def range_message(self, value: object) -> str:
        return (f"Lever '{self.name}' ({self.unit}) must be between {self.min:g} and "
                f"{self.max:g}; got {value!r}.")


E0_MAIN = float(SSB2024_E0_2050.mean())   # 87.15: mean of SSB NF2024's 88.3 (women), 86.0 (men)

LEVERS: dict[str, LeverSpec] = {s.name: s for s in (
    LeverSpec("fertility", "total fertility rate, children per woman", TFR_TARGET_MAIN, 0.8, 3.0,
              "National TFR reached in 2050 on a straight line from the latest estimate (HFD to "
              "2022, then a nowcast from the 0-year-olds); each kommune keeps its own level "
              "relative to Norway."),
    LeverSpec("life_expectancy", "life expectancy at birth in 2050, both sexes average, years",
              E0_MAIN, 80.0, 95.0,
              "Shifts both sexes' 2050 targets (main: women 88.3, men 86.0, SSB NF2024) by the "
              "same number of years; the path is linear from 2023."),
    LeverSpec("migration", "scale of net migration, factor", 1.0, 0.0, 3.0,
              "Multiplies all net migration (internal and international) of every kommune."),
    LeverSpec("young_adults", "extra net in-migrants aged 20–39 per year, persons", 0.0,
              -10_000.0, 10_000.0,
              "Added every year to the region projected, evenly over ages 20–39 and both sexes; "
              "a region's figure is spread over its kommuner by population."),
    LeverSpec("immigration", "scale of the international part, factor", 1.0, 0.0, 3.0,
              "Multiplies Norway's net international migration (and so each kommune's share)."),
)}


def _check(name: str, value: float) -> float:
    spec = LEVERS[name]
    if not (spec.min <= value <= spec.max):
        raise ValueError(spec.range_message(value))
    return value


class Levers(BaseModel):
    """Lever values in user units (see LEVERS for unit, default, range)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fertility: float = Field(LEVERS["fertility"].default,
                             description=LEVERS["fertility"].unit,
                             json_schema_extra={"minimum": 0.8, "maximum": 3.0})
    life_expectancy: float = Field(LEVERS["life_expectancy"].default,
                                   description=LEVERS["life_expectancy"].unit,
                                   json_schema_extra={"minimum": 80.0, "maximum": 95.0})
    migration: float = Field(1.0, description=LEVERS["migration"].unit,
                             json_schema_extra={"minimum": 0.0, "maximum": 3.0})
    young_adults: float = Field(0.0, description=LEVERS["young_adults"].unit,
                                json_schema_extra={"minimum": -10_000.0, "maximum": 10_000.0})
    immigration: float = Field(1.0, description=LEVERS["immigration"].unit,
                               json_schema_extra={"minimum": 0.0, "maximum": 3.0})

    @field_validator("*")
    @classmethod
    def _in_range(cls, v: float, info) -> float:
        return _check(info.field_name, float(v))


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    ssb_analogue: str
    description: str
    levers: Levers
    frame: str | None = None   # SSB's national alternative the nation follows; None: own


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario(name="main", ssb_analogue="MMMM", frame="MMMM",
             description="Norway follows SSB's latest national path, main alternative (MMMM): "
                         "fertility and net immigration calibrated year by year to it; life "
                         "expectancy as SSB NF2024 main (women 88.3, men 86.0 in 2050); each "
                         "kommune's share from its own history.",
             levers=Levers()),
    Scenario(name="low", ssb_analogue="LLML", frame="LLML",
             description="Norway follows SSB's low national growth alternative (LLML): low "
                         "fertility and immigration; life expectancy 2 years lower in 2050.",
             levers=Levers(fertility=1.30, life_expectancy=E0_MAIN - 2.0, immigration=0.5)),
    Scenario(name="high", ssb_analogue="HHMH", frame="HHMH",
             description="Norway follows SSB's high national growth alternative (HHMH): high "
                         "fertility and immigration; life expectancy 2 years higher in 2050.",
             levers=Levers(fertility=1.90, life_expectancy=E0_MAIN + 2.0, immigration=1.5)),
    Scenario(name="own", ssb_analogue="–", frame=None,
             description="framtid's own national estimate: TFR rising to 1.60 in 2050, net "
                         "immigration reverting to its 2000–base mean (half-life 5 years), life "
                         "expectancy as SSB NF2024 main.",
             levers=Levers()),
)}


def resolve(scenario: str = "main", levers: dict[str, float] | None = None) -> Levers:
    """The scenario's levers with `levers` overriding; FramtidError on anything invalid."""
    if scenario not in SCENARIOS:
        raise FramtidError(f"Unknown scenario {scenario!r}; choose one of "
                           f"{', '.join(SCENARIOS)}.")
    values = SCENARIOS[scenario].levers.model_dump()
    for name, value in (levers or {}).items():
        if name not in LEVERS:
            raise FramtidError(f"Unknown lever {name!r}; levers are {', '.join(LEVERS)}.")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise FramtidError(LEVERS[name].range_message(value)) from None
        if v != v:   # NaN
            raise FramtidError(LEVERS[name].range_message(value))
        values[name] = v
    try:
        return Levers(**values)
    except ValidationError as exc:
        msg = exc.errors()[0].get("ctx", {}).get("error") or exc.errors()[0]["msg"]
        raise FramtidError(str(msg)) from None
