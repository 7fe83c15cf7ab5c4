"""Regions at four levels (land, fylke, BA-region, kommune): lookup, search and aggregation.

Codes: `NO` for Norway, two digits for a fylke, `BA` + three digits for a BA-region (e.g. `BA005`
Oslo/Bærum), four digits for a kommune. Aggregates are sums of kommuner, except Norway, which is
SSB's national series.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import FramtidError, UnknownRegion
from .names import fold
from .store import Store

LEVELS = ("land", "fylke", "ba", "kommune")
# No region code or name is longer than this (the longest official name has 34 characters). Longer
# input is refused at once: the typo-tolerant search costs time in proportion to its length.
MAX_QUERY = 100


def too_long(text: str) -> bool:
    return len(text) > MAX_QUERY

@dataclass(frozen=True)
class Region:
    code: str
    name: str
    official_name: str
    level: str
    fylke: str | None
    ba: str | None
    parent: str | None

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "official_name": self.official_name,
                "level": self.level, "fylke": self.fylke, "ba": self.ba, "parent": self.parent}


class Regions:
    """All regions in the store, with search and population aggregation."""

    def __init__(self, store: Store):
        self.store = store
        df = store.regions()
        df = df.astype(object).where(pd.notna(df), None)
        self._by_code: dict[str, Region] = {}
        self._rows = df
        for r in df.itertuples(index=False):
            self._by_code[r.code] = Region(r.code, r.name, r.official_name, r.level, r.fylke,
                                           r.ba, r.parent)
        self._keys: list[tuple[str, Region]] = []
        for reg in self._by_code.values():
            names = {reg.name, reg.official_name, *reg.official_name.split(" - ")}
            for n in names:
                self._keys.append((fold(n), reg))
        # find() results by (text, limit): one fuzzy pass per distinct query and store version
        # (a Regions object lives for one version); bounded, oldest out first.
        self._found: OrderedDict[tuple[str, int], list[Region]] = OrderedDict()
        self._found_lock = threading.Lock()

    # --- lookup -------------------------------------------------------------------------
    def all(self, level: str | None = None) -> list[Region]:
        order = {lv: i for i, lv in enumerate(LEVELS)}
        regs = [r for r in self._by_code.values() if level is None or r.level == level]
        return sorted(regs, key=lambda r: (order[r.level], r.code))

    def get(self, code: str) -> Region:
        reg = self._by_code.get(code)
        if reg is None:
            raise UnknownRegion(code, [] if too_long(code) else
                                [f"{r.code} {r.name}" for r in self.find(code)[:3]])
        return reg

    def attributes(self, code: str) -> dict:
        """Kommune attributes (centrality, KOSTRA group, språkvedtak) as a dict."""
        if not hasattr(self, "_attrs"):
            self._attrs = {r["code"]: r for r in self._rows.to_dict("records")}
        return self._attrs.get(code, {})

    def kommuner_in(self, code: str) -> list[str]:
        reg = self.get(code)
        if reg.level == "kommune":
            return [code]
        if reg.level == "land":
            return [r.code for r in self.all("kommune")]
        field = "fylke" if reg.level == "fylke" else "ba"
        return [r.code for r in self.all("kommune") if getattr(r, field) == code]

    def resolve(self, text: str) -> Region:
        """A code or a name (any form, any case, with or without diacritics) to one region."""
        if too_long(text.strip()):
            raise UnknownRegion(text, [])
        t = text.strip()
        if t.upper() in self._by_code:
            return self._by_code[t.upper()]
        if re.fullmatch(r"\d{3}", t) and f"BA{t}" in self._by_code:
            return self._by_code[f"BA{t}"]
        key = fold(t)
        exact = [reg for k, reg in self._keys if k == key]
        if exact:
            # «Oslo» is both a kommune and a fylke: prefer the kommune, then the larger unit.
            rank = {"kommune": 0, "fylke": 1, "ba": 2, "land": 3}
            ordered = sorted(set(exact), key=lambda r: (rank[r.level], r.code))
            same = [r for r in ordered if r.level == ordered[0].level]
            if len(same) > 1:  # «Herøy», «Våler»: two kommuner share the name; never guess
                raise AmbiguousRegion(text, [f"{r.code} {r.name}" for r in same])
            return ordered[0]
        raise UnknownRegion(text, [f"{r.code} {r.name}" for r in self.find(text)[:3]])

    FOUND_MAX = 2048

    def find(self, text: str, limit: int = 10) -> list[Region]:
        """Ranked search: exact, prefix, word prefix, substring, then typo-tolerant. Text longer
        than MAX_QUERY characters matches nothing (and costs nothing). Remembered per query."""
        if too_long(text.strip()):
            return []
        with self._found_lock:
            hit = self._found.get((text, limit))
            if hit is not None:
                self._found.move_to_end((text, limit))
                return list(hit)
        found = self._find(text, limit)
        with self._found_lock:
            self._found[(text, limit)] = found
            while len(self._found) > self.FOUND_MAX:
                self._found.popitem(last=False)
        return list(found)

    def _find(self, text: str, limit: int) -> list[Region]:
        key = fold(text)
        if not key:
            return []
        scored: dict[str, tuple[float, Region]] = {}

        def offer(score: float, reg: Region) -> None:
            if reg.code not in scored or scored[reg.code][0] > score:
                scored[reg.code] = (score, reg)

        for k, reg in self._keys:
            if reg.code.lower() == text.strip().lower():
                offer(0, reg)
            elif k == key:
                offer(1, reg)
            elif k.startswith(key):
                offer(2, reg)
            elif any(w.startswith(key) for w in k.split()):
                offer(3, reg)
            elif key in k:
                offer(4, reg)
        if len(scored) < limit:
            # Typos: rank by similarity, best first (score 5.00 … 5.28).
            for k, reg in self._keys:
                ratio = difflib.SequenceMatcher(None, key, k).ratio()
                if ratio >= 0.72:
                    offer(5 + (1 - ratio), reg)
        level_rank = {"kommune": 0, "fylke": 1, "ba": 2, "land": 3}
        ranked = sorted(scored.values(), key=lambda s: (s[0], level_rank[s[1].level], s[1].name))
        return [reg for _, reg in ranked[:limit]]

    # --- population ---------------------------------------------------------------------
    def population(self, code: str, year: int) -> np.ndarray:
        """P[sex, age] on 1 January `year` for any region."""
        reg = self.get(code)
        if reg.level == "land":
            years, arr = self.store.nation_series()
            if year not in years:
                raise UnknownYear(year, int(years[0]), int(years[-1]))
            return arr[int(np.searchsorted(years, year))]
        years, codes, cube = self.store.population_cube()
        if year not in years:
            raise UnknownYear(year, int(years[0]), int(years[-1]))
        idx = [codes.index(c) for c in self.kommuner_in(code)]
        block = cube[int(np.searchsorted(years, year)), idx]
        return np.nansum(block, axis=0)


class AmbiguousRegion(FramtidError):
    def __init__(self, query: str, candidates: list[str]):
        self.candidates = candidates
        super().__init__(f"{query!r} matches several regions: {', '.join(candidates)}. "
                         "Use the code.")


class UnknownYear(FramtidError):
    def __init__(self, year: int, first: int, last: int):
        super().__init__(f"No population for {year}: the store has {first}–{last}.")
