"""A small local fake of SSB's PxWebApi v2 and KLASS, for offline tests.

It serves the REAL recorded responses in shared/data/ssb-api-samples where they exist
(07459 Oslo data, the 400/404 error bodies, KLASS 131, the 14746 projection values) and
generates json-stat2 for synthetic tables modelled on SSB's layout. Faults (HTTP status with
headers, slow answers, cut-off bodies, inconsistent json-stat2) are queued with `inject`.

Also provides `no_network`, an autouse-able fixture that fails any test touching a
non-loopback host.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import json
import math
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest

PXWEB_PREFIX = "/api/pxwebapi/v2"
KLASS_PREFIX = "/api/klass/v1/"


def shared_data_dir() -> Path:
    """../shared/data relative to the repo root, or $FRAMTID_SHARED_DATA."""
    env = os.environ.get("FRAMTID_SHARED_DATA")
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parents[1]
    return repo_root.parent / "shared" / "data"


def samples_dir() -> Path:
    return shared_data_dir() / "ssb-api-samples"


def load_sample(relative: str) -> Any:
    return json.loads((samples_dir() / relative).read_text(encoding="utf-8"))


# SSB's documented /config (user guide); no real SSB /config was recorded.
SSB_CONFIG: dict[str, Any] = {
    "apiVersion": "2.0.0",
    "languages": [{"id": "no", "label": "Norsk"}, {"id": "en", "label": "English"}],
    "defaultLanguage": "no",
    "maxDataCells": 800000,
    "maxCallsPerTimeWindow": 30,
    "timeWindow": 60,
    "license": "https://www.ssb.no/en/diverse/lisens",
    "defaultDataFormat": "json-stat2",
    "dataFormats": ["json-stat2", "csv", "px", "xlsx", "html", "json-px", "parquet"],
}

OSLO_SAMPLE = "pxwebapi-v2/ssb/ssb_v2_07459_data_oslo_en.json"
TOO_MANY_CELLS_SAMPLE = "pxwebapi-v2/ssb/ssb_v2_error_400_too_many_cells.json"
NO_TABLE_SAMPLE = "pxwebapi-v2/ssb/ssb_v2_error_404_nonexistent_table.json"
KLASS_131_SAMPLE = "klass/klass_131_codesAt_2023-03-02.json"
PROJECTION_14746_SAMPLE = "pxwebapi-v0/ssb_v0_14746_data_jsonstat2_fylker_age16-24_MMMM.json"


# --------------------------------------------------------------------------- synthetic values


def population_value(region: str, sex: str, age: str, year: str) -> int | None:
    """Deterministic synthetic population; swapping sex or age changes the value."""
    if (region, sex, age, year) == MISSING_POPULATION_CELL:
        return None
    return (
        (int(region) % 997) * 7
        + int(sex) * 1000
        + int(age.rstrip("+")) * 13
        + (int(year) - 2000) * 3
        + 1
    )


# One cell is null, as SSB does for cells without a figure.
MISSING_POPULATION_CELL = ("5001", "1", "105+", "2020")

PROJECTION_ALTERNATIVES = {"MMMM": 0, "LLML": 1, "HHMH": 2, "MMM0": 3}


def projection_value(region: str, sex: str, age: str, year: str, alternative: str) -> int:
    return (
        (int(region) % 997) * 5
        + int(sex) * 700
        + int(age.rstrip("+")) * 11
        + (int(year) - 2020) * 2
        + PROJECTION_ALTERNATIVES[alternative] * 100_000
    )


# --------------------------------------------------------------------------- tables


@dataclass
class FakeDim:
    code: str
    label: str
    categories: list[tuple[str, str]]  # (code, label) in the table's order
    elimination: bool = False
    show: str = "value"

    @property
    def codes(self) -> list[str]:
        return [c for c, _ in self.categories]


class HttpProblem(Exception):
    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(status)
        self.status, self.body = status, body


@dataclass
class FakeTable:
    table_id: str
    label: str
    dims: list[FakeDim]
    value: Callable[[dict[str, str]], float | None]
    roles: dict[str, list[str]] = field(
        default_factory=lambda: {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]}
    )

    def metadata(self, index_style: str) -> dict[str, Any]:
        return self._dataset([(d, d.categories) for d in self.dims], [], index_style)

    def data(self, selection: dict[str, list[str]], index_style: str) -> dict[str, Any]:
        chosen, eliminated = self._resolve(selection)
        values = []
        kept = [[c for c, _ in cats] for _, cats in chosen]
        for combo in itertools.product(*kept):
            key = {d.code: c for (d, _), c in zip(chosen, combo)}
            values.append(self._cell(key, eliminated))
        return self._dataset(chosen, values, index_style)

    def _resolve(self, selection: dict[str, list[str]]):
        chosen, eliminated = [], []
        for dim in self.dims:
            if dim.code not in selection:
                if not dim.elimination:
                    raise HttpProblem(
                        400,
                        {
                            "type": "Parameter error",
                            "title": f"Missing selection for {dim.code}",
                            "status": 400,
                        },
                    )
                eliminated.append(dim)
                continue
            wanted = set(selection[dim.code])
            unknown = wanted - set(dim.codes)
            if unknown:
                raise HttpProblem(
                    400,
                    {
                        "type": "Parameter error",
                        "title": "Non-existent value",
                        "status": 400,
                        "detail": ", ".join(sorted(unknown)),
                    },
                )
            # The server answers in the table's order, not the request's.
            chosen.append((dim, [(c, lab) for c, lab in dim.categories if c in wanted]))
        return chosen, eliminated

    def _cell(self, key: dict[str, str], eliminated: list[FakeDim]) -> float | None:
        if not eliminated:
            return self.value(key)
        parts = [
            self.value(key | dict(zip([d.code for d in eliminated], combo)))
            for combo in itertools.product(*[d.codes for d in eliminated])
        ]
        known = [p for p in parts if p is not None]
        return sum(known) if known else None

    def _dataset(self, chosen, values: list[Any], index_style: str) -> dict[str, Any]:
        dimension = {}
        for dim, cats in chosen:
            codes = [c for c, _ in cats]
            if index_style == "list":
                index: Any = codes
            elif index_style == "reversed":  # keys out of order, positions still right
                index = {c: i for i, c in reversed(list(enumerate(codes)))}
            else:
                index = {c: i for i, c in enumerate(codes)}
            dimension[dim.code] = {
                "label": dim.label,
                "category": {"index": index, "label": dict(cats)},
                "extension": {"elimination": dim.elimination, "show": dim.show},
            }
        return {
            "version": "2.0",
            "class": "dataset",
            "label": self.label,
            "source": "Statistics Norway (fake)",
            "updated": "2026-02-25T07:00:00Z",
            "role": self.roles,
            "id": [d.code for d, _ in chosen],
            "size": [len(cats) for _, cats in chosen],
            "dimension": dimension,
            "extension": {"px": {"tableid": self.table_id, "language": "en"}},
            "value": values,
        }

    @classmethod
    def from_jsonstat(cls, table_id: str, doc: dict[str, Any]) -> FakeTable:
        """A table whose categories and values are those of a recorded json-stat2 answer."""
        dims, strides = [], []
        for dim_id in doc["id"]:
            raw = doc["dimension"][dim_id]
            index = raw["category"]["index"]
            codes = index if isinstance(index, list) else sorted(index, key=index.get)
            ext = raw.get("extension", {})
            dims.append(
                FakeDim(
                    dim_id,
                    raw["label"],
                    [(c, raw["category"]["label"][c]) for c in codes],
                    elimination=bool(ext.get("elimination")),
                    show=ext.get("show", "value"),
                )
            )
        for i in range(len(dims)):
            strides.append(math.prod(doc["size"][i + 1 :]))
        positions = [{c: p for p, c in enumerate(d.codes)} for d in dims]
        recorded = doc["value"]

        def value(key: dict[str, str]) -> float | None:
            at = sum(positions[i][key[d.code]] * strides[i] for i, d in enumerate(dims))
            return recorded[at]

        return cls(table_id, doc["label"], dims, value, roles=doc.get("role", {}))


def kommuner_2023() -> list[tuple[str, str]]:
    codes = load_sample(KLASS_131_SAMPLE)["codes"]
    return [(c["code"], c["name"]) for c in codes if c["code"] != "9999"]


def _ages() -> list[tuple[str, str]]:
    return [(f"{a:03d}", f"{a} years") for a in range(105)] + [("105+", "105 years or older")]


def population_table() -> FakeTable:
    """Synthetic 07459: real kommune codes (KLASS 2023), women listed first (as 13599 does)."""
    dims = [
        FakeDim(
            "Region", "region", [("0", "The whole country")] + kommuner_2023(), True, "code_value"
        ),
        FakeDim("Kjonn", "sex", [("2", "Females"), ("1", "Males")], True),
        FakeDim("Alder", "age", _ages()),
        FakeDim("ContentsCode", "contents", [("Personer1", "Persons")]),
        FakeDim("Tid", "year", [(str(y), str(y)) for y in range(2020, 2026)], show="code"),
    ]

    def value(k: dict[str, str]) -> int | None:
        return population_value(k["Region"], k["Kjonn"], k["Alder"], k["Tid"])

    return FakeTable(
        "07459", "07459: Population, by region, sex, age and year (synthetic)", dims, value
    )


PROJECTION_REGIONS = [
    ("0", "The whole country"),
    ("0301", "Oslo"),
    ("4601", "Bergen"),
    ("5001", "Trondheim"),
    ("1103", "Stavanger"),
]
PROJECTION_YEARS = [str(y) for y in range(2026, 2031)]


def projection_table_separate_dim(table_id: str = "99001") -> FakeTable:
    """Synthetic projection with Kjonn and the alternative as its own dimension (as 13599)."""
    dims = [
        FakeDim("Region", "region", PROJECTION_REGIONS, True, "code_value"),
        FakeDim("Kjonn", "sex", [("1", "Males"), ("2", "Females")], True),
        FakeDim("Alder", "age", _ages()),
        FakeDim(
            "Framskriv", "alternative", [(a, f"Alternative ({a})") for a in PROJECTION_ALTERNATIVES]
        ),
        FakeDim("ContentsCode", "contents", [("Personer", "Projected population")]),
        FakeDim("Tid", "year", [(y, y) for y in PROJECTION_YEARS], show="code"),
    ]

    def value(k: dict[str, str]) -> int:
        return projection_value(k["Region"], k["Kjonn"], k["Alder"], k["Tid"], k["Framskriv"])

    return FakeTable(table_id, f"{table_id}: Projected population (synthetic)", dims, value)


def projection_table_contents_code(table_id: str = "99002") -> FakeTable:
    """Synthetic projection without Kjonn; alternatives are ContentsCode values whose labels
    carry the code, as in the recorded 14746 ("Personer" = "Hovedalternativet (MMMM)")."""
    contents = [
        ("Personer", "Main alternative (MMMM)"),
        ("PersonerL", "Low national growth (LLML)"),
        ("PersonerH", "High national growth (HHMH)"),
        ("PersonerM0", "No net immigration (MMM0)"),
    ]
    by_code = {"Personer": "MMMM", "PersonerL": "LLML", "PersonerH": "HHMH", "PersonerM0": "MMM0"}
    dims = [
        FakeDim("Region", "region", PROJECTION_REGIONS, True, "code_value"),
        FakeDim("Alder", "age", _ages()),
        FakeDim("ContentsCode", "contents", contents),
        FakeDim("Tid", "year", [(y, y) for y in PROJECTION_YEARS], show="code"),
    ]

    def value(k: dict[str, str]) -> int:
        alt = by_code[k["ContentsCode"]]
        return projection_value(k["Region"], "1", k["Alder"], k["Tid"], alt) + projection_value(
            k["Region"], "2", k["Alder"], k["Tid"], alt
        )

    return FakeTable(table_id, f"{table_id}: Projected population (synthetic)", dims, value)


# --------------------------------------------------------------------------- faults and log


@dataclass
class Fault:
    """One fault, used by the first request whose path contains `path`.

    kind: "status" (answer `status` with `headers`/`body`), "slow" (wait `delay_s`, then answer
    normally), "truncate" (half the body, Content-Length matching the half: valid HTTP, broken
    JSON), "short_body" (Content-Length of the whole body, half sent, connection closed),
    "bad_jsonstat" (valid JSON, one value missing).
    """

    kind: str
    path: str = "/data"
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    delay_s: float = 0.0

    @classmethod
    def http(cls, status: int, *, retry_after: str | None = None, path: str = "/data") -> Fault:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return cls("status", path, status, headers)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    at: float | None

    @property
    def selection(self) -> dict[str, list[str]]:
        return {s["variableCode"]: s["valueCodes"] for s in (self.body or {}).get("selection", [])}


class FakeSsb:
    """Threaded local server: base_url for PxWebApi v2, klass_base_url for KLASS."""

    def __init__(
        self, *, config: dict[str, Any] | None = None, clock: Callable[[], float] | None = None
    ):
        self.config: dict[str, Any] = dict(config or SSB_CONFIG)
        self.enforce_max_cells: int | None = None  # server-side limit; None = config's
        self.index_style = "dict"  # "dict", "reversed" or "list"
        self.tables: dict[str, FakeTable] = {}
        self.requests: list[Request] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._clock = clock
        for table in (
            population_table(),
            projection_table_separate_dim(),
            projection_table_contents_code(),
            FakeTable.from_jsonstat("14746", load_sample(PROJECTION_14746_SAMPLE)),
        ):
            self.tables[table.table_id] = table
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.fake = self  # type: ignore[attr-defined]
        # a short poll interval keeps shutdown (each test's teardown) fast
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    # ----- lifecycle

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.origin + PXWEB_PREFIX

    @property
    def klass_base_url(self) -> str:
        return self.origin + KLASS_PREFIX

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- test controls

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def requests_to(self, fragment: str) -> list[Request]:
        return [r for r in self.requests if fragment in r.path]

    # ----- request handling (called from handler threads)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.path in path:
                    return self._faults.pop(i)
        return None

    def _log(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> None:
        with self._lock:
            self.requests.append(
                Request(method, path, query, body, self._clock() if self._clock else None)
            )

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, dict[str, Any]]:
        if path.startswith(KLASS_PREFIX):
            return self._klass(path[len(KLASS_PREFIX) :])
        if not path.startswith(PXWEB_PREFIX):
            return 404, {"title": "Not found", "status": 404}
        route = path[len(PXWEB_PREFIX) :].strip("/").split("/")
        if route == ["config"]:
            return 200, self.config
        if len(route) == 3 and route[0] == "tables" and route[2] in ("metadata", "data"):
            return self._table(route[1], route[2], method, body)
        return 404, {"title": "Not found", "status": 404}

    def _table(
        self, table_id: str, what: str, method: str, body: Any
    ) -> tuple[int, dict[str, Any]]:
        recorded = self._recorded(table_id, body) if what == "data" else None
        if recorded is not None:
            return 200, recorded
        table = self.tables.get(table_id)
        if table is None:
            return _recorded_error(NO_TABLE_SAMPLE)
        if what == "metadata":
            return 200, table.metadata(self.index_style)
        if method != "POST" or not isinstance(body, dict):
            return 400, {
                "type": "Parameter error",
                "title": "fake supports POST data only",
                "status": 400,
            }
        selection = {s["variableCode"]: list(s["valueCodes"]) for s in body.get("selection", [])}
        limit = self.enforce_max_cells or int(self.config["maxDataCells"])
        if math.prod(len(v) for v in selection.values()) > limit:
            return _recorded_error(TOO_MANY_CELLS_SAMPLE)
        try:
            return 200, table.data(selection, self.index_style)
        except HttpProblem as problem:
            return problem.status, problem.body

    def _recorded(self, table_id: str, body: Any) -> dict[str, Any] | None:
        """The recorded Oslo answer, for the request that produced it (Alder codelist)."""
        if table_id != "07459" or not isinstance(body, dict):
            return None
        sel = {s["variableCode"]: s for s in body.get("selection", [])}
        if sel.get("Alder", {}).get("codelist") == "agg_TredeltGrupperingB2" and sel.get(
            "Region", {}
        ).get("valueCodes") == ["0301"]:
            return load_sample(OSLO_SAMPLE)
        return None

    def _klass(self, route: str) -> tuple[int, dict[str, Any]]:
        if route.rstrip("/") == "classifications/131/codesAt":
            return 200, load_sample(KLASS_131_SAMPLE)
        return 404, {"error": "not found", "status": 404}


def _recorded_error(sample: str) -> tuple[int, dict[str, Any]]:
    wrapper = load_sample(sample)  # {"status": ..., "body": {...}} as recorded
    return int(wrapper["status"]), wrapper["body"]


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSsb/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake: FakeSsb = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        fake._log(method, url.path, parse_qs(url.query), body)
        fault = fake._take_fault(url.path)
        try:
            self._respond(fake, fault, method, url.path, parse_qs(url.query), body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def _respond(
        self, fake: FakeSsb, fault: Fault | None, method: str, path: str, query, body
    ) -> None:
        if fault is not None and fault.kind == "status":
            payload = (
                fault.body
                if fault.body is not None
                else json.dumps(
                    {
                        "type": "Server error",
                        "title": f"Fake fault {fault.status}",
                        "status": fault.status,
                    }
                ).encode()
            )
            return self._send(fault.status, payload, fault.headers)
        # "slow": wait, but give up at once when the server stops
        if fault is not None and fault.kind == "slow" and fake._stopping.wait(fault.delay_s):
            return
        status, doc = fake.answer(method, path, query, body)
        if (
            fault is not None
            and fault.kind == "bad_jsonstat"
            and isinstance(doc.get("value"), list)
        ):
            doc = doc | {"value": doc["value"][:-1]}
        payload = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        if fault is not None and fault.kind == "truncate":
            payload = payload[: len(payload) // 2]
        if fault is not None and fault.kind == "short_body":
            return self._send(status, payload[: len(payload) // 2], {}, content_length=len(payload))
        self._send(status, payload, {})

    def _send(
        self,
        status: int,
        payload: bytes,
        headers: dict[str, str],
        content_length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header(
            "Content-Length", str(content_length if content_length is not None else len(payload))
        )
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def fake_ssb() -> Iterator[FakeSsb]:
    with FakeSsb() as server:
        yield server


class BlockedNetwork(RuntimeError):
    """A test tried to reach a host that is not loopback."""


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail on any DNS lookup or connection to a non-loopback host; yields the violations.

    A violation raises BlockedNetwork at once and is also listed, so it fails the test at exit
    even if the code under test swallowed the exception.
    """
    violations: list[str] = []
    real_getaddrinfo, real_connect, real_connect_ex = (
        socket.getaddrinfo,
        socket.socket.connect,
        socket.socket.connect_ex,
    )

    def check(host: Any, port: Any = None) -> None:
        if not _is_loopback(host):
            violations.append(f"{host}:{port}")
            raise BlockedNetwork(f"test tried to reach non-loopback host {host}:{port}")

    def getaddrinfo(host, port, *args, **kwargs):
        check(host, port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    def address_of(address: Any) -> tuple[Any, Any] | None:
        return (address[0], address[1]) if isinstance(address, tuple) else None  # AF_UNIX: a path

    def connect(self, address):
        if (hp := address_of(address)) is not None:
            check(*hp)
        return real_connect(self, address)

    def connect_ex(self, address):
        if (hp := address_of(address)) is not None:
            check(*hp)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)  # a proxy would carry loopback requests off-host
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield violations
    assert not violations, f"tests touched non-loopback hosts: {violations}"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    with network_guard(monkeypatch) as violations:
        yield violations
