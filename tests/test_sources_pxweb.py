"""SsbClient against recorded SSB answers and a local fake server; never touches the network."""

from __future__ import annotations

import copy
import itertools
import socket
from collections.abc import Iterator

import pandas as pd
import pytest
from fake_ssb import (
    MISSING_POPULATION_CELL,
    OSLO_SAMPLE,
    PROJECTION_14746_SAMPLE,
    BlockedNetwork,
    FakeSsb,
    Fault,
    load_sample,
    network_guard,
    population_value,
    projection_value,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from framtid.errors import SourceError
from framtid.sources.pxweb import (
    DEFAULT_BASE,
    ApiLimits,
    SsbClient,
    _retry_after_s,
    count_cells,
    parse_jsonstat2,
    split_selection,
)

TIDY_COLUMNS = ["year", "region_code", "sex", "age", "population"]


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every test here fails if it touches a non-loopback host."""
    with network_guard(monkeypatch) as violations:
        yield violations


@pytest.fixture
def fake() -> Iterator[FakeSsb]:
    with FakeSsb() as server:
        yield server


class FakeTime:
    """Injected clock and sleep: sleeping advances the clock instantly."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client_for(fake: FakeSsb, time: FakeTime | None = None, **kwargs) -> SsbClient:
    time = time or FakeTime()
    kwargs.setdefault("timeout", 5)
    return SsbClient(fake.base_url, sleep=time.sleep, clock=time.clock, **kwargs)


def data_requests(fake: FakeSsb) -> list:
    return fake.requests_to("/data")


# --------------------------------------------------------------------------- /config


def test_limits_come_from_config_and_are_cached(fake: FakeSsb) -> None:
    client = client_for(fake)
    assert client.limits() == ApiLimits(max_cells=800_000, max_calls=30, time_window_s=60.0)
    client.limits()
    assert len(fake.requests_to("/config")) == 1


def test_limits_parse_the_recorded_scb_config() -> None:
    config = load_sample("pxwebapi-v2/scb-reference/scb_v2_config.json")
    assert ApiLimits.from_config(config) == ApiLimits(150_000, 3, 1.0)


@pytest.mark.parametrize(
    "config",
    [
        {"apiVersion": "2.0.0", "maxDataCells": 800000, "timeWindow": 60},
        {"apiVersion": "1.9.0", "maxDataCells": 1, "maxCallsPerTimeWindow": 1, "timeWindow": 1},
        ["not", "an", "object"],
    ],
)
def test_unusable_config_is_a_source_error(config: object) -> None:
    with pytest.raises(SourceError):
        ApiLimits.from_config(config)


# --------------------------------------------------------------------------- json-stat2 parsing


def test_recorded_oslo_answer_gives_published_2025_total() -> None:
    frame = parse_jsonstat2(load_sample(OSLO_SAMPLE))
    assert list(frame.columns) == ["Region", "Kjonn", "Alder", "ContentsCode", "Tid", "value"]
    assert frame.loc[frame["Tid"] == "2025", "value"].sum() == 724_290
    men_0_19 = frame.query("Kjonn == '1' and Alder == 'F0-19' and Tid == '2025'")["value"]
    assert men_0_19.tolist() == [74_911]


def _reindexed(doc: dict, dim: str, order: list[str], *, as_list: bool = False) -> dict:
    """The same dataset with `dim`'s categories stored in another order (values moved too)."""
    doc = copy.deepcopy(doc)
    old = doc["dimension"][dim]["category"]["index"]
    old_codes = sorted(old, key=old.get)
    cells = list(itertools.product(*[range(s) for s in doc["size"]]))
    axis = doc["id"].index(dim)
    lookup = dict(zip(cells, doc["value"]))
    new_pos = {c: order.index(c) for c in old_codes}
    remapped = {}
    for cell, value in lookup.items():
        cell = list(cell)
        cell[axis] = new_pos[old_codes[cell[axis]]]
        remapped[tuple(cell)] = value
    doc["value"] = [remapped[c] for c in cells]
    # dict keys deliberately in reverse of their positions
    doc["dimension"][dim]["category"]["index"] = (
        order if as_list else {c: order.index(c) for c in reversed(order)}
    )
    return doc


@pytest.mark.parametrize("as_list", [False, True])
def test_parser_follows_category_index_not_key_order(as_list: bool) -> None:
    original = load_sample(OSLO_SAMPLE)
    moved = _reindexed(original, "Kjonn", ["2", "1"], as_list=as_list)
    moved = _reindexed(moved, "Alder", ["F65+", "F0-19", "F20-64"], as_list=as_list)
    keys = ["Region", "Kjonn", "Alder", "ContentsCode", "Tid"]
    expected = parse_jsonstat2(original).sort_values(keys, ignore_index=True)
    got = parse_jsonstat2(moved).sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)


def test_parser_on_recorded_13599_with_women_first() -> None:
    doc = load_sample("pxwebapi-v0/ssb_v0_13599_data_jsonstat2_age80-104_MMM.json")
    assert doc["dimension"]["Kjonn"]["category"]["index"] == {"2": 0, "1": 1}
    frame = parse_jsonstat2(doc)
    first = frame.query("Kjonn == '2' and Alder == '080' and Tid == '2025'")["value"]
    assert first.tolist() == [doc["value"][0]]  # the first value belongs to women


def test_parser_on_recorded_14746_national_equals_sum_of_counties() -> None:
    frame = parse_jsonstat2(load_sample(PROJECTION_14746_SAMPLE))
    national = frame[frame["Region"] == "0"].set_index(["Alder", "Tid"])["value"]
    counties = frame[frame["Region"] != "0"].groupby(["Alder", "Tid"])["value"].sum()
    pd.testing.assert_series_equal(national.sort_index(), counties.sort_index(), check_names=False)


def test_parser_rejects_value_count_that_does_not_match_sizes() -> None:
    doc = load_sample(OSLO_SAMPLE)
    doc["value"] = doc["value"][:-1]
    with pytest.raises(SourceError, match="11 values but its sizes give 12 cells"):
        parse_jsonstat2(doc)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["dimension"]["Kjonn"]["category"].update(index={"1": 0, "2": 0}),
        lambda d: d.update(size=[1, 2, 3, 1]),
        lambda d: d["dimension"].pop("Tid"),
        lambda d: d.update(value="12"),
        lambda d: d["value"].__setitem__(0, "74911"),
    ],
)
def test_parser_rejects_malformed_datasets(breakage) -> None:
    doc = load_sample(OSLO_SAMPLE)
    breakage(doc)
    with pytest.raises(SourceError):
        parse_jsonstat2(doc)


# --------------------------------------------------------------------------- fetching


def test_recorded_oslo_answer_over_http(fake: FakeSsb) -> None:
    client = client_for(fake)
    selection = {
        "Region": ["0301"],
        "Kjonn": ["1", "2"],
        "Alder": ["F0-19", "F20-64", "F65+"],
        "ContentsCode": ["Personer1"],
        "Tid": ["2025", "2026"],
    }
    frame = client.fetch_table("07459", selection, codelists={"Alder": "agg_TredeltGrupperingB2"})
    assert frame.loc[frame["Tid"] == "2025", "value"].sum() == 724_290
    (request,) = data_requests(fake)
    assert request.method == "POST"
    assert request.query == {"lang": ["en"], "outputFormat": ["json-stat2"]}
    assert {
        "variableCode": "Alder",
        "valueCodes": ["F0-19", "F20-64", "F65+"],
        "codelist": "agg_TredeltGrupperingB2",
    } in request.body["selection"]


def _expected_population(frame: pd.DataFrame) -> list[int | None]:
    sex_code = {"male": "1", "female": "2"}
    return [
        population_value(r, sex_code[s], "105+" if a == 105 else f"{a:03d}", str(y))
        for r, s, a, y in zip(frame["region_code"], frame["sex"], frame["age"], frame["year"])
    ]


@pytest.mark.parametrize("index_style", ["dict", "reversed", "list"])
def test_fetch_population_is_tidy_and_correct(fake: FakeSsb, index_style: str) -> None:
    fake.index_style = index_style
    frame = client_for(fake).fetch_population(["0", "0301", "5001"], [2020, 2025])
    assert list(frame.columns) == TIDY_COLUMNS
    assert frame.dtypes["year"] == "int64" and frame.dtypes["age"] == "int64"
    assert frame.dtypes["population"] == "int64"
    assert set(frame["region_code"]) == {"0", "0301", "5001"}
    assert set(frame["sex"]) == {"male", "female"}
    assert sorted(frame["age"].unique()) == list(range(106))
    # the one null cell in the fake (5001, men, 105+, 2020) is dropped, not turned into 0
    assert len(frame) == 3 * 2 * 106 * 2 - 1
    region, _, _, year = MISSING_POPULATION_CELL
    missing = frame[
        (frame["region_code"] == region)
        & (frame["year"] == int(year))
        & (frame["sex"] == "male")
        & (frame["age"] == 105)
    ]
    assert missing.empty
    assert frame["population"].tolist() == _expected_population(frame)


def test_fetch_population_all_years_from_metadata(fake: FakeSsb) -> None:
    frame = client_for(fake).fetch_population(["0301"])
    assert sorted(frame["year"].unique()) == list(range(2020, 2026))
    (request,) = data_requests(fake)
    assert request.selection["Tid"] == [str(y) for y in range(2020, 2026)]
    assert request.selection["Alder"][-1] == "105+"


@pytest.mark.parametrize(
    ("regions", "years", "message"),
    [(["0301", "9998"], None, "no Region value.*9998"), (["0301"], [1901], "no Tid value.*1901")],
)
def test_unknown_codes_fail_before_any_data_request(
    fake: FakeSsb,
    regions: list[str],
    years: list[int] | None,
    message: str,
) -> None:
    with pytest.raises(SourceError, match=message):
        client_for(fake).fetch_population(regions, years)
    assert data_requests(fake) == []


# --------------------------------------------------------------------------- splitting, throttle


def test_query_is_split_below_max_cells_and_merged(fake: FakeSsb) -> None:
    regions = ["0301", "1103", "4601", "5001", "1804"]
    whole = client_for(fake).fetch_population(regions, [2024, 2025])
    fake.requests.clear()
    fake.config["maxDataCells"] = 1000  # 5 regions x 2 years x 2 sexes x 106 ages = 2120
    seen: list[tuple[int, int]] = []
    client = client_for(fake, progress=lambda done, total, label: seen.append((done, total)))
    frame = client.fetch_population(regions, [2024, 2025])
    requests = data_requests(fake)
    assert len(requests) == 3
    assert all(count_cells(r.selection) <= 1000 for r in requests)
    assert sum(count_cells(r.selection) for r in requests) == 2120
    assert len(frame) == 2120 and not frame.duplicated(["region_code", "year", "sex", "age"]).any()
    pd.testing.assert_frame_equal(frame, whole)
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_split_reaches_into_age_when_one_region_year_is_too_big(fake: FakeSsb) -> None:
    fake.config["maxDataCells"] = 150  # one region-year is 212 cells
    frame = client_for(fake).fetch_population(["0301"], [2025])
    requests = data_requests(fake)
    assert len(requests) == 2 and all(count_cells(r.selection) <= 150 for r in requests)
    assert len(frame) == 212
    assert frame["population"].tolist() == _expected_population(frame)


@settings(max_examples=150, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=4), max_cells=st.integers(1, 60))
def test_split_selection_covers_every_cell_once(sizes: list[int], max_cells: int) -> None:
    selection = {f"d{i}": [f"v{j}" for j in range(n)] for i, n in enumerate(sizes)}
    parts = split_selection(selection, max_cells, list(selection))
    cells = [c for p in parts for c in itertools.product(*p.values())]
    assert all(count_cells(p) <= max_cells for p in parts)
    assert sorted(cells) == sorted(itertools.product(*selection.values()))


def test_calls_are_throttled_to_the_time_window() -> None:
    time = FakeTime()
    config = {
        "apiVersion": "2.0.0",
        "maxDataCells": 212,
        "maxCallsPerTimeWindow": 3,
        "timeWindow": 60,
    }
    with FakeSsb(config=config, clock=time.clock) as fake:
        client_for(fake, time).fetch_population(["0301", "1103"], [2024, 2025])  # 4 data calls
        stamps = [r.at for r in fake.requests]
    assert len(stamps) == 6  # /config, metadata, 4 x data
    for at in stamps:
        assert sum(1 for other in stamps if at - 60 < other <= at) <= 3
    assert sum(time.sleeps) == pytest.approx(60.0)


# --------------------------------------------------------------------------- faults


def test_429_waits_retry_after_then_succeeds(fake: FakeSsb) -> None:
    time = FakeTime()
    fake.inject(Fault.http(429, retry_after="7"))
    frame = client_for(fake, time).fetch_population(["0301"], [2025])
    assert time.sleeps == [7.0]
    assert len(data_requests(fake)) == 2 and len(frame) == 212


def test_429_storm_beyond_retries_is_a_source_error(fake: FakeSsb) -> None:
    time = FakeTime()
    fake.inject(*[Fault.http(429, retry_after="3")] * 3)
    with pytest.raises(SourceError, match=r"after 3 attempt\(s\): too many requests \(HTTP 429\)"):
        client_for(fake, time, max_retries=2).fetch_population(["0301"], [2025])
    assert time.sleeps == [3.0, 3.0]


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert _retry_after_s("12") == 12.0
    assert _retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert _retry_after_s("soon") is None and _retry_after_s(None) is None


def test_absurd_retry_after_fails_at_once(fake: FakeSsb) -> None:
    time = FakeTime()
    fake.inject(Fault.http(429, retry_after="86400"))
    with pytest.raises(SourceError, match="asks to wait 86,400 s"):
        client_for(fake, time).fetch_population(["0301"], [2025])
    assert time.sleeps == []


def test_5xx_is_retried_with_exponential_backoff(fake: FakeSsb) -> None:
    time = FakeTime()
    fake.inject(Fault.http(503), Fault.http(502))
    frame = client_for(fake, time, backoff_s=2.0).fetch_population(["0301"], [2025])
    assert time.sleeps == [2.0, 4.0] and len(frame) == 212


def test_persistent_5xx_is_a_source_error(fake: FakeSsb) -> None:
    time = FakeTime()
    fake.inject(*[Fault.http(503)] * 6)
    with pytest.raises(
        SourceError,
        match=r"data from SSB table 07459 after 6 attempt\(s\): server error \(HTTP 503",
    ):
        client_for(fake, time, max_retries=5).fetch_population(["0301"], [2025])
    assert len(time.sleeps) == 5 and len(data_requests(fake)) == 6


def test_5xx_on_config_is_retried_too(fake: FakeSsb) -> None:
    time = FakeTime()
    fake.inject(Fault.http(500, path="/config"))
    assert client_for(fake, time).limits().max_cells == 800_000
    assert time.sleeps == [2.0]


def test_server_down_is_a_source_error() -> None:
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    time = FakeTime()
    client = SsbClient(
        f"http://127.0.0.1:{port}/api/pxwebapi/v2",
        max_retries=2,
        sleep=time.sleep,
        clock=time.clock,
    )
    with pytest.raises(
        SourceError, match=r"configuration \(/config\) after 3 attempt\(s\): connection failed"
    ):
        client.limits()


def test_timeout_is_retried(fake: FakeSsb) -> None:
    time = FakeTime()
    fake.inject(Fault("slow", delay_s=3.0))
    frame = client_for(fake, time, timeout=0.3).fetch_population(["0301"], [2025])
    assert time.sleeps == [2.0] and len(frame) == 212


def test_persistent_timeouts_are_a_source_error(fake: FakeSsb) -> None:
    fake.inject(Fault("slow", delay_s=3.0), Fault("slow", delay_s=3.0))
    with pytest.raises(SourceError, match=r"no answer within 0.3 s"):
        client_for(fake, timeout=0.3, max_retries=1).fetch_population(["0301"], [2025])


@pytest.mark.parametrize("kind", ["truncate", "short_body"])
def test_cut_off_body_is_retried_then_a_source_error(fake: FakeSsb, kind: str) -> None:
    fake.inject(*[Fault(kind)] * 3)
    with pytest.raises(SourceError, match="after 3 attempt") as err:
        client_for(fake, max_retries=2).fetch_population(["0301"], [2025])
    assert "cut off" in str(err.value) or "connection failed" in str(err.value)


def test_cut_off_body_once_then_success(fake: FakeSsb) -> None:
    fake.inject(Fault("truncate"))
    assert len(client_for(fake).fetch_population(["0301"], [2025])) == 212


def test_inconsistent_jsonstat_is_a_source_error_without_retry(fake: FakeSsb) -> None:
    fake.inject(Fault("bad_jsonstat"))
    with pytest.raises(SourceError, match="211 values but its sizes give 212 cells"):
        client_for(fake).fetch_population(["0301"], [2025])
    assert len(data_requests(fake)) == 1


def test_recorded_400_too_many_cells_is_readable(fake: FakeSsb) -> None:
    fake.enforce_max_cells = 100  # the server is stricter than its /config says
    with pytest.raises(SourceError) as err:
        client_for(fake).fetch_population(["0301"], [2025])
    message = str(err.value)
    assert "HTTP 400: Too many cells selected" in message
    assert "selected 212 cells; /config allows 800,000 per request" in message
    assert len(data_requests(fake)) == 1  # a 400 is not retried


def test_recorded_404_unknown_table_is_readable(fake: FakeSsb) -> None:
    client = client_for(fake)
    with pytest.raises(
        SourceError, match=r"SSB has no table '99999' \(HTTP 404: Non-existent table\)"
    ):
        client.fetch_projection("99999", ["0301"], {"main": "MMMM"})
    with pytest.raises(SourceError, match="no table '12345'"):
        client.fetch_table("12345", {"Tid": ["2025"]})


# --------------------------------------------------------------------------- projections


ALTERNATIVES = {"main": "MMMM", "low": "LLML", "high": "HHMH"}


def _expected_projection(frame: pd.DataFrame, sexes: dict[str, list[str]]) -> list[int]:
    out = []
    for r, s, a, y, alt in zip(
        frame["region_code"], frame["sex"], frame["age"], frame["year"], frame["alternative"]
    ):
        age = "105+" if a == 105 else f"{a:03d}"
        out.append(
            sum(projection_value(r, code, age, str(y), ALTERNATIVES[alt]) for code in sexes[s])
        )
    return out


def test_projection_with_alternative_as_own_dimension(fake: FakeSsb) -> None:
    frame = client_for(fake).fetch_projection("99001", ["0301", "5001"], ALTERNATIVES)
    assert list(frame.columns) == ["year", "region_code", "sex", "age", "alternative", "population"]
    assert set(frame["alternative"]) == set(ALTERNATIVES)
    assert set(frame["sex"]) == {"male", "female"}
    assert len(frame) == 2 * 2 * 106 * 5 * 3
    assert frame["population"].tolist() == _expected_projection(
        frame, {"male": ["1"], "female": ["2"]}
    )
    (request,) = data_requests(fake)
    assert request.selection["Framskriv"] == ["MMMM", "LLML", "HHMH"]
    assert request.selection["ContentsCode"] == ["Personer"]


def test_projection_with_alternatives_named_in_contentscode_labels(fake: FakeSsb) -> None:
    frame = client_for(fake).fetch_projection("99002", ["0", "4601"], ALTERNATIVES)
    assert set(frame["sex"]) == {"total"}
    assert len(frame) == 2 * 106 * 5 * 3
    assert frame["population"].tolist() == _expected_projection(frame, {"total": ["1", "2"]})
    (request,) = data_requests(fake)
    assert request.selection["ContentsCode"] == ["Personer", "PersonerL", "PersonerH"]


def test_projection_on_recorded_14746_values(fake: FakeSsb) -> None:
    doc = load_sample(PROJECTION_14746_SAMPLE)
    regions = list(doc["dimension"]["Region"]["category"]["index"])
    frame = client_for(fake).fetch_projection("14746", regions, {"main": "MMMM"})
    assert len(frame) == 16 * 9 * 20 and set(frame["sex"]) == {"total"}
    first = frame.query("region_code == '0' and age == 16 and year == 2026")["population"]
    assert first.tolist() == [69_837]
    national = frame[frame["region_code"] == "0"].set_index(["age", "year"])["population"]
    counties = frame[frame["region_code"] != "0"].groupby(["age", "year"])["population"].sum()
    pd.testing.assert_series_equal(national.sort_index(), counties.sort_index(), check_names=False)
    # the same answer when split into many small requests
    fake.config["maxDataCells"] = 200
    split = client_for(fake).fetch_projection("14746", regions, {"main": "MMMM"})
    pd.testing.assert_frame_equal(split, frame)


def test_unknown_alternative_lists_what_the_table_offers(fake: FakeSsb) -> None:
    with pytest.raises(
        SourceError, match=r"does not offer .*XXXX.*Personer=Main alternative \(MMMM\)"
    ):
        client_for(fake).fetch_projection("99002", ["0301"], {"main": "MMMM", "odd": "XXXX"})


# --------------------------------------------------------------------------- the guard itself


def test_network_guard_blocks_non_loopback_hosts(offline: list[str]) -> None:
    assert DEFAULT_BASE.startswith("https://data.ssb.no/")
    with pytest.raises(BlockedNetwork):
        socket.getaddrinfo("data.ssb.no", 443)
    with pytest.raises(BlockedNetwork), socket.socket() as sock:
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1, never routed
    assert len(offline) == 2
    offline.clear()  # expected violations; the fixture checks the list at teardown
