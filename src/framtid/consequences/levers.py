"""Levers on consequences: validated models with unit, default and valid range."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import FramtidError


class ConsequenceLevers(BaseModel):
    """What a kommune can do about care and workforce. Effects phase in linearly from the base
    year to `lever_full_effect_year` (a parameter, 2040 by default) and are held after it."""

    model_config = ConfigDict(extra="forbid")

    healthy_ageing: float = Field(0.0, ge=0.0, le=5.0, description=(
        "Healthy ageing, years: care use at age a becomes today's use at age a − k"))
    care_productivity: float = Field(0.0, ge=-20.0, le=50.0, description=(
        "Productivity in care, percent: fewer care workers needed per user than today"))
    employment_seniors: float = Field(0.0, ge=-10.0, le=20.0, description=(
        "Employment rate of people aged 60–69, percentage points"))
    employment_women: float = Field(0.0, ge=-10.0, le=15.0, description=(
        "Employment rate of women aged 20–66, percentage points"))
    employment_overall: float = Field(0.0, ge=-10.0, le=10.0, description=(
        "Employment rate of everyone aged 20–66, percentage points"))


UNITS = {
    "healthy_ageing": "years",
    "care_productivity": "percent",
    "employment_seniors": "percentage points",
    "employment_women": "percentage points",
    "employment_overall": "percentage points",
}


def lever_meta() -> list[dict]:
    out = []
    for name, f in ConsequenceLevers.model_fields.items():
        lo = next(m.ge for m in f.metadata if hasattr(m, "ge"))
        hi = next(m.le for m in f.metadata if hasattr(m, "le"))
        out.append({"name": name, "unit": UNITS[name], "default": f.default, "min": lo,
                    "max": hi, "description": f.description, "kind": "consequence"})
    return out


def parse(values: dict[str, float]) -> ConsequenceLevers:
    try:
        return ConsequenceLevers(**values)
    except ValidationError as exc:
        meta = {m["name"]: m for m in lever_meta()}
        msgs = []
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else "?"
            if name in meta:
                m = meta[name]
                msgs.append(f"lever {name}={e.get('input')} is out of range: {m['min']:g}–"
                            f"{m['max']:g} {m['unit']}")
            else:
                msgs.append(f"unknown lever {name!r}")
        raise FramtidError("; ".join(msgs)) from None
