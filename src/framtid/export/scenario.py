"""A named scenario: a model variant (main, low, high), lever values and a name people chose
(«Formannskapets alternativ»). It travels in URLs, reports, decks, data files and prints.

URL form (the simulator's, so that a share link and a download link carry the same query):

    ?scenario=low&name=Formannskapets+alternativ&young_adults=25&healthy_ageing=1

`lever=young_adults=25` is accepted as well (the CLI's `--lever K=V` spelt in a URL).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlencode

from ..errors import FramtidError

MAX_NAME = 80
RESERVED = ("scenario", "name", "lever")


def variants() -> tuple[str, ...]:
    from ..model.scenarios import SCENARIOS

    return tuple(SCENARIOS)


def lever_meta() -> dict[str, dict]:
    from ..consequences.service import all_levers

    return {m["name"]: m for m in all_levers()}


def clean_name(name: str | None) -> str:
    """A scenario name as typed, without control characters, at most 80 characters."""
    name = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in (name or ""))
    return " ".join(name.split())[:MAX_NAME]


def _number(name: str, raw) -> float:
    try:
        x = float(str(raw).strip().replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        raise FramtidError(f"Lever {name} takes a number, got {str(raw)[:40]!r}") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise FramtidError(f"Lever {name} takes a finite number, got {str(raw)[:40]!r}")
    return x


def _num_text(v: float) -> str:
    return str(int(v)) if float(v) == int(v) else f"{float(v):.4g}"


@dataclass(frozen=True)
class Scenario:
    variant: str = "main"
    levers: dict[str, float] = field(default_factory=dict)
    name: str = ""

    # --- building and checking -------------------------------------------------------------
    @classmethod
    def make(cls, variant: str = "main", levers: dict[str, float] | None = None,
             name: str | None = None) -> "Scenario":
        """A checked scenario: a known variant, known levers within their ranges
        (FramtidError naming the valid choices otherwise)."""
        from ..consequences import levers as clevers
        from ..consequences.service import split_levers
        from ..model.scenarios import resolve

        variant = (variant or "main").strip()
        if variant not in variants():
            raise FramtidError(f"Unknown scenario {variant!r}; choose one of "
                               f"{', '.join(variants())}.")
        levers = {k: float(v) for k, v in (levers or {}).items()}
        eng, cons = split_levers(levers)       # unknown lever: names the valid ones
        resolve(variant, eng)                  # engine ranges
        clevers.parse(cons)                    # consequence ranges
        return cls(variant, dict(sorted(levers.items())), clean_name(name))

    @classmethod
    def from_pairs(cls, variant: str = "main", pairs: list[str] | None = None,
                   name: str | None = None) -> "Scenario":
        """From the CLI: ['young_adults=25', …]."""
        levers: dict[str, float] = {}
        for item in pairs or []:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise FramtidError(f"--lever takes NAME=VALUE, got {item!r}")
            levers[key.strip()] = _number(key.strip(), value)
        return cls.make(variant, levers, name)

    @classmethod
    def from_query(cls, items: list[tuple[str, str]], ignore: tuple[str, ...] = ()
                   ) -> "Scenario":
        """From a URL's query items (repeated keys allowed). Unknown keys are errors that name
        the valid ones, except those in `ignore`."""
        variant, name, pairs = "main", "", []
        meta = lever_meta()
        for key, value in items:
            if key == "scenario":
                variant = value
            elif key == "name":
                name = value
            elif key == "lever":
                pairs.append(value)
            elif key in meta:
                pairs.append(f"{key}={value}")
            elif key not in ignore:
                raise FramtidError(f"Unknown parameter {key!r}; use scenario, name, lever or a "
                                   f"lever name: {', '.join(meta)}")
        return cls.from_pairs(variant, pairs, name)

    # --- what it is --------------------------------------------------------------------------
    def changed(self) -> dict[str, float]:
        """Levers that differ from the variant's own values."""
        from ..model.scenarios import SCENARIOS

        base = SCENARIOS[self.variant].levers.model_dump()
        meta = lever_meta()
        out = {}
        for k, v in self.levers.items():
            ref = base.get(k, meta[k]["default"])
            if abs(float(v) - float(ref)) > 1e-12:
                out[k] = v
        return out

    @property
    def is_default(self) -> bool:
        return self.variant == "main" and not self.changed()

    def query(self) -> str:
        """The URL query (without «?»): scenario, name and the changed levers."""
        q: list[tuple[str, str]] = []
        if self.variant != "main":
            q.append(("scenario", self.variant))
        if self.name:
            q.append(("name", self.name))
        q += [(k, _num_text(v)) for k, v in self.changed().items()]
        return urlencode(q)

    def cli_args(self, name: bool = True) -> list[str]:
        """Options for `framtid report` (with the name) or `framtid project` (name=False)."""
        args = ["--scenario", self.variant]
        for k, v in self.changed().items():
            args += ["--lever", f"{k}={_num_text(v)}"]
        if self.name and name:
            args += ["--name", self.name]
        return args

    def slug(self) -> str:
        """For file names: ascii, lower case («formannskapets-alternativ»)."""
        base = self.name or (self.variant if self.variant != "main" else
                             "scenario" if self.changed() else "")
        s = unicodedata.normalize("NFKD", base.replace("ø", "o").replace("Ø", "O")
                                  .replace("æ", "ae").replace("Æ", "Ae"))
        s = re.sub(r"[^A-Za-z0-9]+", "-", s.encode("ascii", "ignore").decode()).strip("-")
        return s.lower()[:40]

    def as_dict(self) -> dict:
        return {"name": self.name, "variant": self.variant, "levers": dict(self.levers),
                "changed": self.changed()}

    # --- running it ---------------------------------------------------------------------------
    def project(self, ctx, code: str, paths: int | None = None, to_year: int = 2050) -> dict:
        """`framtid project CODE --scenario V --lever … --json` for this scenario."""
        from ..consequences.service import project_with_indicators

        return project_with_indicators(ctx, code, self.variant, dict(self.levers), to_year,
                                       paths)

    # --- in words ------------------------------------------------------------------------------
    def title(self, lang: str) -> str:
        from .text import t

        return self.name or t(f"scenario.variant.{self.variant}", lang)

    def lines(self, lang: str) -> list[dict]:
        """Every changed lever in plain words: label, value, unit, the value it replaces."""
        from ..model.scenarios import SCENARIOS
        from ..web import i18n as wi
        from .text import has, t

        base = SCENARIOS[self.variant].levers.model_dump()
        meta = lever_meta()
        out = []
        for k, v in self.changed().items():
            m = meta[k]
            ref = float(base.get(k, m["default"]))
            digits = 0 if (float(v) == int(v) and ref == int(ref)) else 2 if abs(v) < 10 else 1
            unit_key = "unit." + re.sub(r"[^a-z0-9]+", "_", m["unit"].lower()).strip("_")
            label = t(f"lever.{k}.label", lang) if has(f"lever.{k}.label", lang) else k
            help_ = t(f"lever.{k}.help", lang) if has(f"lever.{k}.help", lang) else ""
            out.append({"lever": k, "label": label, "help": help_, "value": float(v),
                        "default": ref,
                        "value_text": wi.fmt_dec(v, lang, digits),
                        "default_text": wi.fmt_dec(ref, lang, digits),
                        "unit": t(unit_key, lang) if has(unit_key, lang) else m["unit"]})
        return out

    def sentence(self, lang: str) -> str:
        """One line for a chart or a footer: «Scenario: NAME (levers…)»."""
        from .text import t

        parts = [f"{x['label']} {x['value_text']} {x['unit']}".strip() for x in self.lines(lang)]
        text = t("scenario.line", lang, title=self.title(lang))
        if self.name and self.variant != "main":
            text += f" ({t(f'scenario.variant.{self.variant}', lang).lower()})"
        return text + (": " + "; ".join(parts) if parts else "")
