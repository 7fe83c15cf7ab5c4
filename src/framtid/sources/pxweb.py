"""Client for SSB's PxWebApi v2 (population table 07459 and the municipal projection tables).

Why not pxwebpy: pxwebpy 0.6.0 (see STACK-NOTES §3) reads /config, throttles and retries 429,
but it does not meet several requirements here, so this module talks to the API with
`requests` through one small retry layer (`SsbClient._request`):
  * it never retries 5xx answers, timeouts or dropped connections, and lets requests'
    exceptions escape (we must turn every failure into SourceError);
  * it calls `time.sleep` directly, so 429/throttle waits cannot be injected in fast tests;
  * it has no progress hook, and its constructor makes an extra `GET /tables` call;
  * its json-stat2 unpacker requires `category.index` to be a dict and names columns by the
    (language-dependent) dimension label; we need codes and must accept list indexes;
  * a truncated body surfaces as a bare JSONDecodeError, and its in-memory cache hides retries.
The ideas (cell counting, splitting the largest dimension, sliding-window throttle) are the
same as pxwebpy's; the implementation is small and local.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import requests

from framtid.errors import SourceError

DEFAULT_BASE = "https://data.ssb.no/api/pxwebapi/v2"
POPULATION_TABLE = "07459"
POPULATION_CONTENTS = "Personer1"
SEX_NAMES = {"1": "male", "2": "female"}
LANGUAGE = "en"  # labels only appear in messages; all parsing works on codes

# Retry-After beyond this is treated as an outage rather than waited out.
MAX_RETRY_AFTER_S = 600.0
MAX_BACKOFF_S = 120.0
_AGE_CODE = re.compile(r"^(\d{1,3})\+?$")
_MAX_AGE = 150  # excludes "999"-style "all ages" totals some tables carry

ProgressFn = Callable[[int, int, str], None]
Selection = dict[str, list[str]]


@dataclass(frozen=True)
class ApiLimits:
    max_cells: int
    max_calls: int
    time_window_s: float

    @classmethod
    def from_config(cls, config: Any) -> ApiLimits:
        if not isinstance(config, dict):
            raise SourceError("SSB's /config answer is not a JSON object.")
        version = str(config.get("apiVersion", "0"))
        if not version.split(".")[0].isdigit() or int(version.split(".")[0]) < 2:
            raise SourceError(f"SSB's API reports version {version!r}; framtid needs PxWebApi 2.")
        try:
            return cls(
                max_cells=int(config["maxDataCells"]),
                max_calls=int(config["maxCallsPerTimeWindow"]),
                time_window_s=float(config["timeWindow"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"SSB's /config lacks a usable limit ({exc!r}).") from None


@dataclass
class Dimension:
    code: str
    label: str
    codes: list[str]  # in category.index order
    labels: dict[str, str]
    elimination: bool = False


@dataclass
class TableMeta:
    table_id: str
    label: str
    dims: dict[str, Dimension]  # in the table's `id` order
    roles: dict[str, list[str]] = field(default_factory=dict)

    def role(self, name: str, default: str) -> str:
        found = [d for d in self.roles.get(name, []) if d in self.dims]
        return found[0] if found else default

    def require(self, dim: str) -> Dimension:
        if dim not in self.dims:
            raise SourceError(
                f"SSB table {self.table_id} has no dimension {dim!r} "
                f"(it has {', '.join(self.dims)}); the table layout may have changed."
            )
        return self.dims[dim]


# --------------------------------------------------------------------------- json-stat2


def _ordered_codes(dim_id: str, dim: Any, size: int, what: str) -> list[str]:
    """Category codes in value order, from category.index (dict code->pos, or list)."""
    category = dim.get("category") if isinstance(dim, dict) else None
    if not isinstance(category, dict):
        raise SourceError(f"{what}: dimension {dim_id!r} has no category.")
    index = category.get("index")
    if index is None:  # json-stat allows omitting index for a single category
        index = list(category.get("label") or {})
    if isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        positions = (
            sorted(index.values()) if all(isinstance(p, int) for p in index.values()) else None
        )
        if positions != list(range(len(index))):
            raise SourceError(f"{what}: dimension {dim_id!r} has an invalid category.index.")
        codes = [str(c) for c, _ in sorted(index.items(), key=lambda item: item[1])]
    else:
        raise SourceError(f"{what}: dimension {dim_id!r} has an invalid category.index.")
    if len(codes) != size or len(set(codes)) != len(codes):
        raise SourceError(
            f"{what}: dimension {dim_id!r} lists {len(codes)} categories but size says {size}."
        )
    return codes


def _dimensions(doc: Any, what: str) -> list[tuple[str, list[str]]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("dimension"), dict):
        raise SourceError(f"{what}: the answer is not a json-stat2 dataset.")
    ids, sizes = doc.get("id"), doc.get("size")
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise SourceError(f"{what}: json-stat2 'id' and 'size' do not match.")
    out = []
    for dim_id, size in zip(ids, sizes):
        if dim_id not in doc["dimension"] or not isinstance(size, int):
            raise SourceError(f"{what}: json-stat2 dimension {dim_id!r} is missing.")
        out.append((str(dim_id), _ordered_codes(dim_id, doc["dimension"][dim_id], size, what)))
    return out


def _values(raw: Any, n_cells: int, what: str) -> np.ndarray:
    """Values as float (NaN for missing); a sparse dict {"pos": value} is accepted too."""
    if isinstance(raw, dict):
        dense: list[Any] = [None] * n_cells
        try:
            for pos, val in raw.items():
                dense[int(pos)] = val
        except (ValueError, IndexError):
            raise SourceError(f"{what}: json-stat2 sparse values point outside the cube.") from None
        raw = dense
    if not isinstance(raw, list):
        raise SourceError(f"{what}: json-stat2 has no value array.")
    if len(raw) != n_cells:
        raise SourceError(
            f"{what}: json-stat2 has {len(raw)} values but its sizes give {n_cells} cells; "
            "the answer is incomplete."
        )
    if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in raw):
        raise SourceError(f"{what}: json-stat2 contains non-numeric values.")
    return np.array([np.nan if v is None else v for v in raw], dtype="float64")


def parse_jsonstat2(doc: Any, *, what: str = "SSB answer") -> pd.DataFrame:
    """Flatten a json-stat2 dataset into one column of codes per dimension plus `value`.

    Order comes from `category.index`, never from the order of JSON keys.
    """
    dims = _dimensions(doc, what)
    n_cells = math.prod(len(codes) for _, codes in dims)
    values = _values(doc.get("value"), n_cells, what)
    if not dims:
        return pd.DataFrame({"value": values})
    index = pd.MultiIndex.from_product([codes for _, codes in dims], names=[d for d, _ in dims])
    frame = index.to_frame(index=False)
    frame["value"] = values
    return frame


def parse_metadata(table_id: str, doc: Any) -> TableMeta:
    """Table metadata (json-stat2 with an empty value array) as dimensions with ordered codes."""
    what = f"metadata for SSB table {table_id}"
    dims = {}
    for dim_id, codes in _dimensions(doc, what):
        raw = doc["dimension"][dim_id]
        labels = raw["category"].get("label") or {}
        extension = raw.get("extension") or {}
        dims[dim_id] = Dimension(
            code=dim_id,
            label=str(raw.get("label", dim_id)),
            codes=codes,
            labels={str(k): str(v) for k, v in labels.items()},
            elimination=bool(extension.get("elimination", False)),
        )
    roles = doc.get("role") if isinstance(doc.get("role"), dict) else {}
    return TableMeta(table_id, str(doc.get("label", table_id)), dims, roles)


# --------------------------------------------------------------------------- query splitting


def count_cells(selection: Mapping[str, Sequence[str]]) -> int:
    return math.prod(len(v) for v in selection.values())


def split_selection(
    selection: Mapping[str, Sequence[str]], max_cells: int, order: Sequence[str]
) -> list[Selection]:
    """Split a selection into parts of at most `max_cells` cells, cutting dimensions in `order`.

    The first dimension in `order` that can absorb the excess is cut into even chunks; if even
    single values are too big, it is cut to single values and the next dimension is tried.
    """
    sel = {k: list(v) for k, v in selection.items()}
    if count_cells(sel) <= max_cells:
        return [sel]
    for dim in order:
        values = sel.get(dim, [])
        if len(values) <= 1:
            continue
        rest = count_cells(sel) // len(values)
        if rest > max_cells:
            return [
                part
                for v in values
                for part in split_selection({**sel, dim: [v]}, max_cells, order)
            ]
        per_chunk = max(1, max_cells // rest)
        n_chunks = math.ceil(len(values) / per_chunk)
        size = math.ceil(len(values) / n_chunks)  # even chunks rather than a tiny last one
        return [{**sel, dim: values[i : i + size]} for i in range(0, len(values), size)]
    raise SourceError(
        f"Cannot split the query below SSB's limit of {max_cells:,} cells per request."
    )


# --------------------------------------------------------------------------- throttle


class _Throttle:
    """Sliding window: at most `max_calls` requests in any `time_window_s` seconds."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]):
        self._clock, self._sleep = clock, sleep
        self._stamps: deque[float] = deque()

    def wait(self, limits: ApiLimits | None) -> None:
        if limits is not None and limits.max_calls > 0:
            self._forget(limits)
            if len(self._stamps) >= limits.max_calls:
                delay = self._stamps[0] + limits.time_window_s - self._clock()
                if delay > 0:
                    self._sleep(delay)
                self._stamps.popleft()
                self._forget(limits)
        self._stamps.append(self._clock())

    def _forget(self, limits: ApiLimits) -> None:
        now = self._clock()
        while self._stamps and self._stamps[0] <= now - limits.time_window_s:
            self._stamps.popleft()


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds; accepts delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _problem(body: bytes) -> str:
    """A readable line from an RFC 7807 problem body (SSB's error format), or a text snippet."""
    try:
        doc = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return text[:200]
    if not isinstance(doc, dict):
        return ""
    title, detail = str(doc.get("title") or ""), str(doc.get("detail") or "")
    return f"{title}: {detail}" if detail and detail != title else title or detail


def _require_codes(dim: Dimension, wanted: Iterable[str], table_id: str) -> list[str]:
    wanted = list(dict.fromkeys(wanted))
    known = set(dim.codes)
    missing = [c for c in wanted if c not in known]
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise SourceError(f"SSB table {table_id} has no {dim.code} value(s) {shown}.")
    return wanted


def _age_codes(dim: Dimension) -> list[str]:
    return [c for c in dim.codes if (m := _AGE_CODE.match(c)) and int(m.group(1)) <= _MAX_AGE]


# --------------------------------------------------------------------------- client


class SsbClient:
    """PxWebApi v2 client: limits from /config, query splitting, throttling and retries."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE,
        *,
        timeout: float = 60,
        max_retries: int = 5,
        backoff_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        progress: ProgressFn | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._progress = progress
        self._throttle = _Throttle(clock, sleep)
        self._limits: ApiLimits | None = None
        self._meta: dict[str, TableMeta] = {}
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "framtid (SSB PxWebApi v2 client)"

    # ----- public

    def limits(self) -> ApiLimits:
        if self._limits is None:
            config = self._request("GET", "/config", what="SSB's API configuration (/config)")
            self._limits = ApiLimits.from_config(config)
        return self._limits

    def table_metadata(self, table_id: str) -> TableMeta:
        if table_id not in self._meta:
            self.limits()  # the throttle needs the limits before the first real call
            doc = self._request(
                "GET",
                f"/tables/{table_id}/metadata",
                params={"lang": LANGUAGE, "outputFormat": "json-stat2"},
                what=f"metadata for SSB table {table_id}",
                table_id=table_id,
            )
            self._meta[table_id] = parse_metadata(table_id, doc)
        return self._meta[table_id]

    def fetch_table(
        self,
        table_id: str,
        selection: Mapping[str, Sequence[str]],
        *,
        codelists: Mapping[str, str] | None = None,
        split_order: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Data for an explicit selection: one column of codes per dimension plus `value`.

        Selections with wildcards or expressions ("*", "top(2)") cannot be counted, so they are
        sent as one request and not checked for completeness.
        """
        limits = self.limits()
        selection = {k: [str(v) for v in vals] for k, vals in selection.items()}
        concrete = not any(_is_expression(v) for vals in selection.values() for v in vals)
        order = list(split_order or sorted(selection, key=lambda d: -len(selection[d])))
        parts = split_selection(selection, limits.max_cells, order) if concrete else [selection]
        frames = []
        for i, part in enumerate(parts, start=1):
            self._report(i - 1, len(parts), f"SSB table {table_id}: request {i} of {len(parts)}")
            frame = self._fetch_part(table_id, part, codelists, i, len(parts))
            if concrete:
                _check_complete(frame, part, table_id)
            frames.append(frame)
        self._report(len(parts), len(parts), f"SSB table {table_id}: done")
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def fetch_population(
        self, region_codes: list[str], years: list[int] | None = None
    ) -> pd.DataFrame:
        """Population on 1 January by region, sex and one-year age (table 07459)."""
        meta = self.table_metadata(POPULATION_TABLE)
        region, time_dim = meta.role("geo", "Region"), meta.role("time", "Tid")
        contents = meta.role("metric", "ContentsCode")
        tid = meta.require(time_dim)
        selection = {
            region: _require_codes(meta.require(region), region_codes, meta.table_id),
            "Kjonn": _require_codes(meta.require("Kjonn"), SEX_NAMES, meta.table_id),
            "Alder": _age_codes(meta.require("Alder")),
            contents: _require_codes(meta.require(contents), [POPULATION_CONTENTS], meta.table_id),
            time_dim: tid.codes
            if years is None
            else _require_codes(tid, map(str, years), meta.table_id),
        }
        frame = self.fetch_table(
            POPULATION_TABLE, selection, split_order=[region, time_dim, "Alder", "Kjonn"]
        )
        return _tidy(frame, region=region, time_dim=time_dim, sex="Kjonn")

    def fetch_projection(
        self, table_id: str, region_codes: list[str], alternatives: dict[str, str]
    ) -> pd.DataFrame:
        """Projected population for the given alternatives ({our name: SSB code, e.g. "MMMM"}).

        The alternative may be a category of ContentsCode (code or "(MMMM)" in its label, as in
        14746) or of a separate dimension (as "Framskriv" in 13599); metadata decides.
        """
        if len(set(alternatives.values())) != len(alternatives):
            raise ValueError("Each projection alternative must map to a distinct SSB code.")
        meta = self.table_metadata(table_id)
        region, time_dim = meta.role("geo", "Region"), meta.role("time", "Tid")
        sex = "Kjonn" if "Kjonn" in meta.dims else None
        fixed = {region, time_dim, "Alder", sex}
        alt_dim, alt_codes = _resolve_alternatives(meta, alternatives, exclude=fixed)
        selection = {
            region: _require_codes(meta.require(region), region_codes, table_id),
            "Alder": _age_codes(meta.require("Alder")),
            time_dim: meta.require(time_dim).codes,
            alt_dim: list(alt_codes.values()),
        }
        if sex:
            selection[sex] = _require_codes(meta.dims[sex], SEX_NAMES, table_id)
        selection.update(_other_dimensions(meta, exclude=fixed | {alt_dim}))
        order = [region, alt_dim, time_dim, "Alder"] + ([sex] if sex else [])
        frame = self.fetch_table(table_id, selection, split_order=order)
        names = {code: name for name, code in alt_codes.items()}
        return _tidy(frame, region=region, time_dim=time_dim, sex=sex, alternative=(alt_dim, names))

    # ----- internals

    def _report(self, done: int, total: int, label: str) -> None:
        if self._progress is not None:
            self._progress(done, total, label)

    def _fetch_part(
        self,
        table_id: str,
        part: Selection,
        codelists: Mapping[str, str] | None,
        number: int,
        total: int,
    ) -> pd.DataFrame:
        body = {
            "selection": [
                {"variableCode": dim, "valueCodes": codes}
                | ({"codelist": codelists[dim]} if codelists and dim in codelists else {})
                for dim, codes in part.items()
            ]
        }
        what = f"data from SSB table {table_id}" + (
            f" (request {number} of {total})" if total > 1 else ""
        )
        doc = self._request(
            "POST",
            f"/tables/{table_id}/data",
            params={"lang": LANGUAGE, "outputFormat": "json-stat2"},
            body=body,
            what=what,
            table_id=table_id,
            cells=count_cells(part),
        )
        return parse_jsonstat2(doc, what=what)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        what: str,
        table_id: str | None = None,
        cells: int | None = None,
    ) -> Any:
        """One API call with throttling and retries; returns parsed JSON or raises SourceError.

        Retried: 429 (waiting Retry-After), 5xx, timeouts, dropped connections and bodies that
        are not valid JSON (usually a connection cut mid-body). Other 4xx fail at once.
        """
        problem = ""
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            self._throttle.wait(self._limits)
            delay = min(self.backoff_s * 2**attempt, MAX_BACKOFF_S)
            try:
                resp = self._session.request(
                    method, self.base_url + path, params=params, json=body, timeout=self.timeout
                )
            except requests.Timeout:
                problem = f"no answer within {self.timeout:g} s"
            except requests.RequestException as exc:
                problem = f"connection failed ({type(exc).__name__})"
            else:
                if resp.status_code == 429:
                    waited = _retry_after_s(resp.headers.get("Retry-After"))
                    problem = "too many requests (HTTP 429)"
                    if waited is not None and waited > MAX_RETRY_AFTER_S:
                        raise SourceError(
                            f"SSB is rate limiting {what} and asks to wait {waited:,.0f} s "
                            "(HTTP 429); try again later."
                        )
                    delay = delay if waited is None else waited
                elif resp.status_code >= 500:
                    said = _problem(resp.content)
                    problem = f"server error (HTTP {resp.status_code}{': ' + said if said else ''})"
                elif resp.status_code >= 400:
                    raise SourceError(self._client_error(resp, what, table_id, cells))
                else:
                    try:
                        return json.loads(resp.content)
                    except ValueError:
                        problem = "the answer was cut off or is not valid JSON"
            if attempt < attempts - 1:
                self._sleep(delay)
        raise SourceError(
            f"SSB did not deliver {what} after {attempts} attempt(s): {problem}. "
            "SSB may be down or rate limiting; try again later."
        )

    def _client_error(
        self, resp: requests.Response, what: str, table_id: str | None, cells: int | None
    ) -> str:
        detail = _problem(resp.content) or resp.reason or ""
        status = resp.status_code
        if status == 404 and table_id is not None:
            return (
                f"SSB has no table {table_id!r} (HTTP 404: {detail}). "
                "Check the table id; SSB replaces projection tables with each new edition."
            )
        message = f"SSB refused the request for {what} (HTTP {status}: {detail})."
        if status == 400 and "cells" in detail.lower() and cells is not None and self._limits:
            message += (
                f" The request selected {cells:,} cells; /config allows "
                f"{self._limits.max_cells:,} per request."
            )
        return message


# --------------------------------------------------------------------------- helpers


def _is_expression(code: str) -> bool:
    return "*" in code or "(" in code or "?" in code


def _check_complete(frame: pd.DataFrame, part: Selection, table_id: str) -> None:
    """The answer must cover exactly what was asked, else data would silently go missing."""
    for dim, codes in part.items():
        got = set(frame[dim].unique()) if dim in frame.columns else set()
        if got != set(codes):
            raise SourceError(
                f"SSB table {table_id} answered with other {dim} values than requested "
                f"({len(got)} instead of {len(codes)}); the answer is incomplete."
            )


def _resolve_alternatives(
    meta: TableMeta, alternatives: Mapping[str, str], exclude: set[str | None]
) -> tuple[str, dict[str, str]]:
    """Find the dimension holding the projection alternatives and map our names to its codes."""
    metric = meta.role("metric", "ContentsCode")
    candidates = [d for d in meta.dims.values() if d.code not in exclude]
    candidates.sort(key=lambda d: d.code == metric)  # a separate dimension wins over ContentsCode
    for dim in candidates:
        mapping = {}
        for name, code in alternatives.items():
            match = _category_for(dim, code)
            if match is not None:
                mapping[name] = match
        if len(mapping) == len(alternatives) and len(set(mapping.values())) == len(mapping):
            return dim.code, mapping
    offered = "; ".join(
        f"{d.code}: " + ", ".join(f"{c}={d.labels.get(c, c)}" for c in d.codes[:12])
        for d in candidates
    )
    raise SourceError(
        f"SSB table {meta.table_id} does not offer the projection alternative(s) "
        f"{', '.join(alternatives.values())}. It offers {offered or 'nothing recognisable'}."
    )


def _category_for(dim: Dimension, ssb_code: str) -> str | None:
    """A category whose code is `ssb_code` or whose label names it, e.g. "Main (MMMM)"."""
    if ssb_code in dim.codes:
        return ssb_code
    token = re.compile(rf"(?<![A-Za-z0-9]){re.escape(ssb_code)}(?![A-Za-z0-9])")
    hits = [c for c in dim.codes if token.search(dim.labels.get(c, ""))]
    return hits[0] if len(hits) == 1 else None


def _other_dimensions(meta: TableMeta, exclude: set[str | None]) -> Selection:
    """Select the population measure and any single-valued extra dimension; eliminate the rest."""
    metric = meta.role("metric", "ContentsCode")
    chosen: Selection = {}
    for dim in meta.dims.values():
        if dim.code in exclude:
            continue
        if len(dim.codes) == 1:
            chosen[dim.code] = list(dim.codes)
        elif dim.code == metric:
            chosen[dim.code] = [_population_measure(dim, meta.table_id)]
        elif not dim.elimination:
            raise SourceError(
                f"SSB table {meta.table_id} has an extra dimension {dim.code!r} "
                f"({dim.label}) that framtid does not know how to select."
            )
    return chosen


def _population_measure(dim: Dimension, table_id: str) -> str:
    words = ("personer", "persons", "folkemengde", "population")
    hits = [
        c
        for c in dim.codes
        if c.lower().startswith(words) or any(w in dim.labels.get(c, "").lower() for w in words)
    ]
    if len(hits) != 1:
        raise SourceError(
            f"SSB table {table_id}: cannot tell which {dim.code} value is the population "
            f"({', '.join(dim.codes)})."
        )
    return hits[0]


def _tidy(
    frame: pd.DataFrame,
    *,
    region: str,
    time_dim: str,
    sex: str | None,
    alternative: tuple[str, dict[str, str]] | None = None,
) -> pd.DataFrame:
    """Codes -> the tidy columns the store expects. Missing values (null) are dropped."""
    frame = frame[frame["value"].notna()]
    values = frame["value"].to_numpy()
    if not np.all(values == np.round(values)):
        raise SourceError("SSB returned non-integer population counts.")
    out = pd.DataFrame(
        {
            "year": frame[time_dim].astype("int64").to_numpy(),
            "region_code": frame[region].astype(str).to_numpy(),
            "sex": frame[sex].map(SEX_NAMES).to_numpy() if sex else "total",
            "age": frame["Alder"].str.extract(_AGE_CODE, expand=False).astype("int64").to_numpy(),
        }
    )
    keys = ["region_code", "year", "sex", "age"]
    if alternative is not None:
        dim, names = alternative
        out["alternative"] = frame[dim].map(names).to_numpy()
        keys.insert(0, "alternative")
    out["population"] = values.astype("int64")
    return out.sort_values(keys, kind="stable", ignore_index=True)
