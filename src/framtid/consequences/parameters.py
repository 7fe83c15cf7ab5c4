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
    # --- capacity in the units a council decides in (consequences/capacity.py) ---
    Parameter("institution_recipients_2022", 42_897, "persons per 31 December",
              "Helsedirektoratet, Kommunale helse- og omsorgstjenester 2022, tabell 2.10.2",
              "2022", "recipients of institution services (nursing homes and other "
              "institutions); with the age pattern below it gives the places for people 67+ that "
              "today's level of service needs", 20_000, 80_000),
    Parameter("institution_residents_2010_0_66", 4_529, "persons", "SSB, Pleie- og "
              "omsorgstenestene, tabell 2 (bebuarar i institusjonar etter alder)", "2010",
              "age pattern only: residents under 67 are left out of the places for the elderly",
              0, 20_000),
    Parameter("institution_residents_2010_67_79", 7_431, "persons", "same table", "2010",
              "age pattern of institution use (divided by the 2010 population of the group)",
              0, 40_000),
    Parameter("institution_residents_2010_80_89", 19_552, "persons", "same table", "2010",
              "age pattern of institution use", 0, 60_000),
    Parameter("institution_residents_2010_90_plus", 11_945, "persons", "same table", "2010",
              "age pattern of institution use", 0, 40_000),
    Parameter("kindergarten_coverage_1_5", 0.911, "fraction of children aged 1–5",
              "Utdanningsdirektoratet, Utdanningsspeilet 2017, tabell 1.1 (BASIL/SSB)", "2016",
              "kindergarten places needed = children 1–5 × this share (newer years are a little "
              "higher)", 0.5, 1.0),
    Parameter("pupils_per_teacher_1_4", 15, "pupils per teacher", "Lærernormen, forskrift til "
              "opplæringslova (from 1 August 2019)", "2019",
              "grades 1–4 (ages 6–9): teachers needed in ordinary teaching, the legal minimum",
              5, 30),
    Parameter("pupils_per_teacher_5_10", 20, "pupils per teacher", "Lærernormen, forskrift til "
              "opplæringslova (from 1 August 2019)", "2019",
              "grades 5–10 (ages 10–15): teachers needed in ordinary teaching, the legal minimum",
              5, 30),
    Parameter("upper_secondary_class_size", 30, "pupils per class", "framtid assumption", "—",
              "a full class in a general-studies programme; turns 16–18-year-olds into classes "
              "(vocational classes are smaller)", 10, 35),
    Parameter("lead_time_nursing_home", 6, "years", "framtid assumption", "—",
              "from decision to opening: planning, regulation, tender and building (commonly "
              "4–8 years); gives the «decide by» year", 1, 15),
    Parameter("lead_time_school", 5, "years", "framtid assumption", "—",
              "from decision to a new or extended school in use", 1, 15),
    Parameter("lead_time_kindergarten", 3, "years", "framtid assumption", "—",
              "from decision to a new kindergarten in use", 1, 10),
    Parameter("lead_time_nurse", 4, "years", "framtid assumption (bachelor in nursing: 3 "
              "years, 180 ECTS)", "—",
              "from deciding to recruit and educate to a nurse at work: 3 years of study plus "
              "recruitment", 2, 10),
    Parameter("capacity_margin", 0.05, "fraction of today's need", "framtid assumption", "—",
              "growth that today's buildings and staff can absorb; the «decide by» year is the "
              "year need first exceeds today's by more than this, minus the lead time", 0.0, 0.3),
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
