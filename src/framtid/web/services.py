"""The web app's one door to the rest of framtid: regions, history, projections, «what it takes»,
charts and stories. Pages and API call only this; it calls the same functions the CLI calls.

The projection engine, story and charts modules are optional at import time: while one is missing
the pages that need it say so and the rest of the app works.
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FramtidError, UnknownRegion
from ..regions import Region

HISTORY_FROM = 2005
STORY_YEAR = 2040
TO_YEAR = 2050
SCENARIOS = ("main", "low", "high")

# How each indicator is formatted and read; the labels live in the language catalogs.
INDICATOR_KIND = {
    "population": "count", "age_0_19": "count", "age_20_66": "count", "age_67_plus": "count",
    "age_80_plus": "count", "age_90_plus": "count", "share_67_plus": "share",
    "share_80_plus": "share", "median_age": "age", "aldersbaereevne_67": "ratio",
    "aldersbaereevne_80": "ratio", "children_1_5": "count", "children_6_15": "count",
    "youth_16_18": "count", "care_users": "count", "care_workers_needed": "count",
    "care_share_of_workforce": "share", "employed": "count",
}
# The key numbers shown first on region, simulation and compare pages.
KEY_INDICATORS = ("population", "share_67_plus", "age_80_plus", "aldersbaereevne_67",
                  "care_share_of_workforce", "children_6_15")
# Indicators the national map can be coloured by (values per kommune).
MAP_INDICATORS = ("share_67_plus", "share_80_plus", "aldersbaereevne_67", "median_age",
                  "care_share_of_workforce", "population_change")
# «Dette må til»: the indicator targets offered on the simulation page.
TARGETS = ("aldersbaereevne_67", "care_share_of_workforce", "population")


def _optional(module: str, attr: str):
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def clean(obj: Any) -> Any:
    """JSON-safe: numpy to Python, NaN and infinities to None (JSON has no NaN).

    Plain floats, ints and strings are handled by exact type first: a projection has thousands
    of them, and this runs for every new lever combination and every API answer."""
    t = type(obj)
    if t is float:
        return obj if obj - obj == 0 else None     # NaN and ±inf: x - x is not 0
    if t is int or t is str or obj is None:
        return obj
    if t is list or t is tuple:
        out = []
        for v in obj:
            tv = type(v)
            if tv is float:
                out.append(v if v - v == 0 else None)
            elif tv is int or tv is str or v is None:
                out.append(v)
            else:
                out.append(clean(v))
        return out
    if t is dict:
        return {k if type(k) is str else str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def region_str(value) -> str | None:
    """Region attributes may come back as NaN from pandas; treat those as missing."""
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class LeverError:
    field: str
    message_key: str          # catalog key: error.lever_range | error.lever_number | ...
    value: str
    min: float | None = None
    max: float | None = None
    unit: str | None = None

    def as_detail(self) -> dict:
        rng = (f" between {self.min:g} and {self.max:g} {self.unit}".rstrip()
               if self.min is not None else "")
        kinds = {
            "error.lever_range": f"{self.field} must be{rng} (got {self.value!r})",
            "error.lever_number": f"{self.field} must be a number{rng} (got {self.value!r})",
            "error.lever_unknown": f"{self.field} is not a lever",
        }
        out = {"loc": ["query", self.field], "msg": kinds[self.message_key],
               "type": self.message_key.split(".", 1)[1]}
        if self.min is not None:
            out["ctx"] = {"min": self.min, "max": self.max, "unit": self.unit}
        return out


def approx_bytes(obj: Any) -> int:
    """Rough memory held by a JSON-like value (dicts, lists, numbers, strings, numpy arrays).

    Lists whose first item is a number are counted as lists of floats without visiting every
    item, so sizing a projection (tens of thousands of numbers) costs well under a millisecond."""
    total, stack = 0, [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, dict):
            total += sys.getsizeof(o)
            stack.extend(o.values())
        elif isinstance(o, (list, tuple)):
            total += sys.getsizeof(o)
            if o and isinstance(o[0], (int, float)) and not isinstance(o[0], bool):
                total += FLOAT_BYTES * len(o)
            else:
                stack.extend(o)
        elif isinstance(o, np.ndarray):
            total += o.nbytes + 112
        elif isinstance(o, (str, bytes)):
            total += sys.getsizeof(o)
        else:
            total += FLOAT_BYTES
    return total


FLOAT_BYTES = 24                  # a Python float (ints and None are counted the same)
# The in-memory result cache of one process (histories, projections with levers, stories,
# «what it takes»): a byte budget, so the cache cannot grow a worker past the per-process memory
# ceiling whatever mix of levers arrives (docs/validation.md, «Memory»). Override:
# FRAMTID_CACHE_MB.
CACHE_BYTES = 160 * 2 ** 20


def _cache_bytes() -> int:
    raw = os.environ.get("FRAMTID_CACHE_MB", "")
    return int(float(raw) * 2 ** 20) if raw.strip() else CACHE_BYTES


class LRU:
    """A small thread-safe LRU that follows the store version, bounded by entries and by bytes.

    Callers read the store version once at the start of their work and pass it to `get` and
    `put`. Entries are kept per version; when the store is swapped the old ones are dropped, and a
    value computed for a version that is no longer current is returned to its caller but never
    kept (so a request that started before a swap cannot plant old data after it). Each value's
    size is estimated once when it is put (approx_bytes); the least recently used entries leave
    until both `size` (entries) and `max_bytes` hold. A value larger than the whole budget is
    returned but not kept.
    """

    def __init__(self, size: int, version=lambda: 0, max_bytes: int | None = None):
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self.data: OrderedDict = OrderedDict()      # (version, key) -> (value, bytes)
        self.lock = threading.Lock()
        self._version = version
        self._seen = None

    def _follow(self, version) -> None:
        if version != self._seen:
            current = self._version()
            if current != self._seen:      # new data: nothing cached is valid any more
                self.data.clear()
                self.bytes = 0
                self._seen = current

    def get(self, key, version=None):
        v = self._version() if version is None else version
        with self.lock:
            self._follow(v)
            if (v, key) in self.data:
                self.data.move_to_end((v, key))
                return self.data[(v, key)][0]
        return None

    def put(self, key, value, version=None):
        v = self._version() if version is None else version
        n = approx_bytes(value) if self.max_bytes is not None else 0
        with self.lock:
            self._follow(v)
            if v != self._seen or (self.max_bytes is not None and n > self.max_bytes):
                return value
            old = self.data.pop((v, key), None)
            if old is not None:
                self.bytes -= old[1]
            self.data[(v, key)] = (value, n)
            self.bytes += n
            while len(self.data) > self.size or (self.max_bytes is not None
                                                  and self.bytes > self.max_bytes):
                self.bytes -= self.data.popitem(last=False)[1][1]
        return value


class Busy(Exception):
    """Too many heavy computations at once: answered 503 with Retry-After (not a user error)."""

    retry_after = 5


class HeavyGate:
    """At most `slots` heavy computations (stochastic runs, cold story/aggregate/map/solver
    results) at once. A request that cannot get a slot within `wait` seconds gets Busy (503) instead
    of queueing behind the others until every request times out. Re-entrant per thread."""

    def __init__(self, slots: int, wait: float):
        self.slots = max(1, int(slots))
        self.wait = float(wait)
        self._sem = threading.BoundedSemaphore(self.slots)
        self._mine = threading.local()

    def __enter__(self):
        depth = getattr(self._mine, "depth", 0)
        if depth == 0 and not self._sem.acquire(timeout=self.wait):
            raise Busy()
        self._mine.depth = depth + 1
        return self

    def idle(self) -> bool:
        """No heavy computation is running (background warming waits for this)."""
        return self._sem._value >= self.slots

    def __exit__(self, *exc):
        self._mine.depth -= 1
        if self._mine.depth == 0:
            self._sem.release()
        return False


def _heavy_gate(slots: int | None, wait: float | None) -> HeavyGate:
    import os

    slots = slots or int(os.environ.get("FRAMTID_HEAVY_SLOTS", "") or (os.cpu_count() or 2))
    wait = wait if wait is not None else float(os.environ.get("FRAMTID_HEAVY_WAIT", "2"))
    return HeavyGate(slots, wait)


class Services:
    def __init__(self, ctx, *, heavy_slots: int | None = None, heavy_wait: float | None = None):
        self.ctx = ctx
        self._cache = LRU(2048, ctx.store.version, _cache_bytes())  # > 532 histories
        self._lock = threading.Lock()
        self._map_values: dict[tuple, dict] = {}
        self.heavy = _heavy_gate(heavy_slots, heavy_wait)

    # --- what is available --------------------------------------------------------------
    @property
    def project_region(self):
        return _optional("framtid.model.service", "project_region")

    @property
    def has_projection(self) -> bool:
        return self.project_region is not None and _optional(
            "framtid.model.scenarios", "LEVERS") is not None

    @property
    def charts_build(self):
        return _optional("framtid.charts", "build")

    # --- regions ------------------------------------------------------------------------
    def region(self, code: str) -> Region:
        """A region by its exact code (upper case for BA/NO), else UnknownRegion."""
        regs = self.ctx.regions
        code = (code or "").strip()
        for c in (code, code.upper()):
            try:
                return regs.get(c)
            except UnknownRegion:
                continue
        raise UnknownRegion(code, [])

    def attributes(self, code: str) -> dict:
        return self.ctx.regions.attributes(code)

    def default_lang(self, code: str) -> str:
        dec = region_str(self.attributes(code).get("language_decision"))
        return "nn" if dec == "nynorsk" else "nb"

    def parents(self, reg: Region) -> list[Region]:
        """Norway, the fylke and (for a kommune) its BA-region, broadest first. A BA-region
        gets no fylke: several cross fylke borders, so none is placed under one."""
        out = [self.ctx.regions.get("NO")] if reg.level != "land" else []
        fylke = region_str(reg.fylke)
        if reg.level == "kommune" and fylke and fylke != reg.code:
            try:
                out.append(self.ctx.regions.get(fylke))
            except UnknownRegion:
                pass
        ba = region_str(reg.ba)
        if reg.level == "kommune" and ba:
            out.append(self.ctx.regions.get(ba))
        return out

    def members(self, reg: Region) -> list[Region]:
        if reg.level == "kommune":
            return []
        return [self.ctx.regions.get(c) for c in self.ctx.regions.kommuner_in(reg.code)]

    def search(self, q: str, limit: int = 10) -> list[Region]:
        q = (q or "").strip()[:100]
        if not q:
            return []
        from .lookup import find

        return find(self.ctx, q, limit)

    # --- history (the store's own numbers, no model) --------------------------------------
    def history(self, code: str) -> dict:
        """Indicators per year 2005–last year from the store, for any region."""
        key = ("history", code)
        version = self.ctx.store.version()
        hit = self._cache.get(key, version)
        if hit is not None:
            return hit
        from ..consequences.service import indicators_of

        last = self.ctx.last_year
        years = list(range(HISTORY_FROM, last + 1))
        p = np.stack([self.ctx.regions.population(code, y) for y in years])
        proj = {"years": years, "by_age": {"female": p[:, 0], "male": p[:, 1]}}
        ind = indicators_of(self.ctx, proj)
        out = {"region": code, "years": years, "indicators": {k: np.asarray(v) for k, v in
                                                               ind.items()},
               "by_age": {"female": p[:, 0], "male": p[:, 1]}}
        return self._cache.put(key, out, version)

    def scenarios(self) -> list[str]:
        names = _optional("framtid.model.scenarios", "SCENARIOS")
        if isinstance(names, dict):
            return list(names)
        return list(names) if names else list(SCENARIOS)

    # --- levers -------------------------------------------------------------------------
    def levers(self) -> list[dict]:
        """All levers: population levers (the engine's) first, then consequence levers."""
        if self.has_projection:
            from ..consequences.service import all_levers

            return all_levers()
        from ..consequences.levers import lever_meta

        return lever_meta()

    def parse_levers(self, query: dict[str, str], *, strict: bool = True
                     ) -> tuple[dict[str, float], list[LeverError]]:
        """Lever values from a query string: numbers within their range, else LeverErrors."""
        meta = {m["name"]: m for m in self.levers()}
        values: dict[str, float] = {}
        errors: list[LeverError] = []
        for name, raw in query.items():
            m = meta.get(name)
            if m is None:
                if strict:
                    errors.append(LeverError(name, "error.lever_unknown", str(raw)[:40]))
                continue
            lo, hi, unit = float(m["min"]), float(m["max"]), m["unit"]
            try:
                x = float(str(raw).replace(",", ".").replace("\u2212", "-"))
            except ValueError:
                errors.append(LeverError(name, "error.lever_number", str(raw)[:40], lo, hi, unit))
                continue
            if not math.isfinite(x):
                errors.append(LeverError(name, "error.lever_number", str(raw)[:40], lo, hi, unit))
            elif not lo <= x <= hi:
                errors.append(LeverError(name, "error.lever_range", str(raw)[:40], lo, hi, unit))
            else:
                values[name] = x
        return values, errors

    # --- projections --------------------------------------------------------------------
    def projection(self, code: str, scenario: str = "main", levers: dict | None = None,
                   to_year: int = TO_YEAR, paths: int | None = None) -> dict:
        """`framtid project … --json` for one region: the engine's projection with indicators."""
        from ..consequences.service import project_with_indicators

        levers = {k: float(v) for k, v in (levers or {}).items()}
        key = ("proj", code, scenario, tuple(sorted(levers.items())), to_year, paths)
        version = self.ctx.store.version()
        hit = self._cache.get(key, version)
        if hit is not None:
            return hit
        try:
            aggregate = self.ctx.regions.get(code).level != "kommune"
        except UnknownRegion:
            aggregate = False       # project_with_indicators says what is wrong
        if paths or aggregate:
            with self.heavy:        # stochastic runs and aggregates: limited, 503 beyond
                proj = project_with_indicators(self.ctx, code, scenario, levers, to_year, paths)
        else:
            proj = project_with_indicators(self.ctx, code, scenario, levers, to_year, paths)
        return self._cache.put(key, clean(proj), version)

    def cached_projection(self, code: str, paths: int | None = None) -> dict | None:
        """`projection(code, paths=paths)` if it is already computed, else None (never runs)."""
        key = ("proj", code, "main", (), TO_YEAR, paths)
        return self._cache.get(key, self.ctx.store.version())

    @property
    def has_what_it_takes(self) -> bool:
        return self.has_projection

    def what_it_takes(self, code: str, indicator: str, lever: str, year: int = STORY_YEAR,
                      scenario: str = "main") -> dict:
        from ..consequences.service import what_it_takes

        key = ("wit", code, indicator, lever, year, scenario)
        version = self.ctx.store.version()
        hit = self._cache.get(key, version)
        if hit is not None:
            return hit
        with self.heavy:            # the solver runs many projections
            res = clean(what_it_takes(self.ctx, code, indicator, lever, year, scenario))
        return self._cache.put(key, res, version)

    def lever_reach(self) -> dict[str, set[str] | None]:
        """Which indicators each lever can move (None: all of them)."""
        from ..consequences.service import CONSEQUENCE_REACH

        return {m["name"]: (set(CONSEQUENCE_REACH[m["name"]]) if m["name"] in CONSEQUENCE_REACH
                            else None) for m in self.levers()}

    # --- story and backtest -------------------------------------------------------------
    @property
    def has_story(self) -> bool:
        return (self.has_projection
                and _optional("framtid.story.render", "StoryTeller") is not None)

    def story(self, code: str, lang: str) -> dict:
        key = ("story", code, lang)
        version = self.ctx.store.version()
        hit = self._cache.get(key, version)
        if hit is not None:
            return hit
        with self._lock:
            teller_version, teller = getattr(self, "_teller", (None, None))
            if teller_version != version:  # new data, new facts
                teller = _optional("framtid.story.render", "StoryTeller")(self.ctx)
                self._teller = (version, teller)
        with self.heavy:
            story = clean(teller.story(code, lang))
        return self._cache.put(key, story, version)

    BACKTEST_BASES = tuple(range(2010, 2017))
    BACKTEST_HORIZON = 10
    BACKTEST_PATHS = 200

    def backtest(self, cache_dir=None, wait: float = 0.0) -> dict | None:
        """The backtest accuracy (bases 2010–2016, ten years ahead), computed once per store
        version in the background and kept on disk; None while it is being computed."""
        import json
        from pathlib import Path

        run = _optional("framtid.model.service", "run_backtest")
        if run is None:
            return None
        version = self.ctx.store.version()
        done = getattr(self, "_backtest", None)
        if done is not None and done[0] == version:
            return done[1]
        path = None
        if cache_dir is not None:
            path = Path(cache_dir) / f"backtest-{version}-{self.BACKTEST_PATHS}.json"
            if path.exists():
                res = json.loads(path.read_text())
                self._backtest = (version, res)
                return res

        def work():
            try:
                res = clean(run(self.ctx, list(self.BACKTEST_BASES), self.BACKTEST_HORIZON,
                                self.BACKTEST_PATHS))
                if self.ctx.store.version() != version:
                    return          # swapped while running: the next page view starts anew
                _save_json(path, res)
                self._backtest = (version, res)
            except Exception:  # pragma: no cover - the page then keeps saying «pending»
                import logging

                logging.getLogger("framtid.web").exception("backtest failed")

        with self._lock:
            started = getattr(self, "_backtest_thread", None)
            if started is None or started[0] != version:
                th = threading.Thread(target=work, daemon=True)
                self._backtest_thread = (version, th)
                th.start()
            th = self._backtest_thread[1]
        if wait:
            th.join(wait)
        done = getattr(self, "_backtest", None)
        return done[1] if done is not None and done[0] == version else None

    def trackrecord(self, cache_dir=None, wait: float = 0.0) -> dict | None:
        """SSB's rounds and framtid from the same base (model/trackrecord.py), computed once per
        store version in the background and kept on disk; None while it is being computed or
        where the store holds no SSB round."""
        import json
        from pathlib import Path

        run = _optional("framtid.model.service", "run_trackrecord")
        if run is None:
            return None
        version = self.ctx.store.version()
        memo = getattr(self, "_trackrecord", None)
        if memo is not None and memo[0] == version:
            return memo[1]
        path = Path(cache_dir) / f"trackrecord-{version}.json" if cache_dir else None
        if path is not None and path.exists():
            res = json.loads(path.read_text())
            self._trackrecord = (version, res)
            return res

        def work():
            try:
                res = clean(run(self.ctx))
            except FramtidError:
                res = {"rows": [], "rounds": []}       # no rounds held: nothing to show
            except Exception:  # pragma: no cover - the page then keeps saying «pending»
                import logging

                logging.getLogger("framtid.web").exception("track record failed")
                return
            if self.ctx.store.version() != version:
                return              # swapped while running: the next page view starts anew
            _save_json(path, res)
            self._trackrecord = (version, res)

        with self._lock:
            th = getattr(self, "_trackrecord_thread", None)
            if th is None or (not th.is_alive() and getattr(self, "_trackrecord_for", None)
                              != version):
                th = self._trackrecord_thread = threading.Thread(target=work, daemon=True)
                self._trackrecord_for = version
                th.start()
        if wait:
            th.join(wait)
        memo = getattr(self, "_trackrecord", None)
        return memo[1] if memo is not None and memo[0] == version else None

    # --- the national map ---------------------------------------------------------------
    def map_values(self, indicator: str, year: int | None = None) -> dict[str, float | None]:
        """Indicator value per kommune: today's (store) or in `year` (main scenario)."""
        version = self.ctx.store.version()
        year = year or self.ctx.last_year
        key = (version, indicator, year)
        with self._lock:
            if key in self._map_values:
                return self._map_values[key]
        with self.heavy:            # every kommune at once
            out = self._kommune_values(indicator, year)
        with self._lock:
            if self.ctx.store.version() == version:   # keep only values of the current store
                for k in [k for k in self._map_values if k[0] != version]:
                    del self._map_values[k]
                self._map_values[key] = out
        return out

    def _kommune_values(self, indicator: str, year: int) -> dict[str, float | None]:
        """All kommuner in one vectorised run (registered years from the store, later years
        from the main projection), instead of one projection per kommune."""
        from ..consequences.service import indicator_by_kommune, registered_indicator_by_kommune

        last = self.ctx.last_year

        def values(ind: str, y: int) -> dict[str, float | None]:
            return (registered_indicator_by_kommune(self.ctx, ind, y) if y <= last
                    else indicator_by_kommune(self.ctx, ind, y))

        if indicator != "population_change":
            return values(indicator, year)
        start = max(year - 10, HISTORY_FROM) if year <= last else last
        a, b = values("population", start), values("population", year)
        return {c: clean(b[c] / a[c] - 1) if a.get(c) and b.get(c) is not None else None
                for c in b}

    def value_at(self, code: str, indicator: str, year: int) -> float | None:
        last = self.ctx.last_year
        if indicator == "population_change":
            # ten years back from today, or from today to `year`
            if year <= last:
                h = self.history(code)
                a = h["indicators"]["population"][h["years"].index(max(year - 10, HISTORY_FROM))]
                b = h["indicators"]["population"][h["years"].index(year)]
            else:
                p = self.projection(code)
                a = p["indicators"]["population"][0]
                b = p["indicators"]["population"][p["years"].index(year)]
            return clean(float(b) / float(a) - 1) if a else None
        if year <= last:
            h = self.history(code)
            return clean(float(h["indicators"][indicator][h["years"].index(year)]))
        p = self.projection(code)
        return clean(p["indicators"][indicator][p["years"].index(year)])

    def store_date(self) -> str:
        """When the population data was retrieved (provenance of the population table)."""
        prov = self.ctx.store.provenance()
        row = prov[prov["table"] == "population"]
        return str(row["retrieved"].iloc[0]) if not row.empty else ""

    def provenance(self) -> list[dict]:
        """Sources, the population and region tables first."""
        rows = clean(self.ctx.store.provenance().to_dict("records"))
        first = {"population": 0, "regions": 1}
        return sorted(rows, key=lambda r: (first.get(r["table"], 2), r["table"]))


def _save_json(path, obj) -> None:
    """Write a cache file aside, then move it into place (a reader never sees half a file)."""
    import json

    if path is None:
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(obj))
    tmp.replace(path)


def as_error(exc: FramtidError) -> str:
    return str(exc)
