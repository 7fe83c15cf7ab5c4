"""Every assumption the consequences rest on: one documented table, overridable by the user.

Each parameter has a value, unit, source, year, note and a valid range; an override outside the
range is refused with the range. `framtid params` prints the table; docs/method.md carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import FramtidError


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    unit: str
    source: str
    year: str
    note: str
    min: float
    max: float


_PARAMS = [
    Parameter("care_share_of_employed_base", 0.15, "fraction of all employed",
              "NOU 2023:4 «Tid for handling», 1.1 Sammendrag", "2021",
              "«over 15 %» of all employed work in health and care; Norway's care workforce "
              "need in the calibration year is set to this share", 0.05, 0.40),
    Parameter("care_calibration_year", 2025, "year (1 January population)",
              "framtid choice", "2025",
              "year whose population the care and employment calibration uses (closest to the "
              "2021 share and the Q4 2024 employment count)", 2020, 2026),
    Parameter("employed_persons_2024", 2_863_317, "persons aged 15–74",
              "SSB, Sysselsetting, registerbasert (utvalgte tall)", "2024 Q4",
              "employment rates by age are scaled so that Norway's employed persons in the "
              "calibration year match this count", 2_000_000, 3_500_000),
    Parameter("care_use_year", 2022, "year", "Helsedirektoratet, Kommunale helse- og "
              "omsorgstjenester 2022, tabell 2.2.1", "2022",
              "share of each age group and sex receiving any municipal health and care service "
              "during the year; held constant unless the healthy-ageing lever moves it",
              2022, 2022),
    Parameter("employment_rates_year", 2006, "year", "SSB register-based employment Q4 2006 "
              "(ages) and AKU 2016 (sex ratios)", "2006/2016",
              "OLD rates, used only for the age and sex pattern; the level is scaled to 2024",
              2006, 2006),
    Parameter("lever_full_effect_year", 2040, "year", "framtid choice", "—",
              "consequence levers (healthy ageing, productivity, employment) phase in linearly "
              "from the base year and reach full effect in this year", 2027, 2050),
    Parameter("max_employment_rate", 0.95, "fraction", "framtid choice", "—",
              "employment-rate levers cannot lift any age-sex rate above this", 0.80, 1.0),
]

DEFAULTS: dict[str, Parameter] = {p.name: p for p in _PARAMS}


def resolve(overrides: dict[str, float] | None = None) -> dict[str, Parameter]:
    """The parameter table with user overrides applied; refuses unknown names and bad values."""
    params = dict(DEFAULTS)
    for name, value in (overrides or {}).items():
        if name not in params:
            raise FramtidError(
                f"Unknown parameter {name!r}; choose one of {', '.join(sorted(params))}"
            )
        p = params[name]
        if not (p.min <= value <= p.max):
            raise FramtidError(
                f"Parameter {name}={value} is out of range: {p.min:g}–{p.max:g} {p.unit}"
            )
        params[name] = replace(p, value=float(value), source=f"user override ({p.source})")
    return params


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def markdown_table(params: dict[str, Parameter] | None = None) -> str:
    params = params or DEFAULTS
    lines = ["| name | value | unit | valid range | source | year | note |",
             "|---|---|---|---|---|---|---|"]
    for p in params.values():
        lines.append(f"| `{p.name}` | {_num(p.value)} | {p.unit} | {_num(p.min)}–{_num(p.max)} | {p.source} "
                     f"| {p.year} | {p.note} |")
    return "\n".join(lines)
