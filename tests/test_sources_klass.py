"""fetch_kommuner against the recorded KLASS 131 answer served locally; no network."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pandas as pd
import pytest
from fake_ssb import FakeSsb, Fault, network_guard

from framtid.errors import SourceError
from framtid.sources.klass_client import _tidy, fetch_kommuner

RECORDED_DATE = dt.date(2023, 3, 2)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every test here fails if it touches a non-loopback host."""
    with network_guard(monkeypatch) as violations:
        yield violations


@pytest.fixture
def fake() -> Iterator[FakeSsb]:
    with FakeSsb() as server:
        yield server


def test_kommuner_from_recorded_klass_answer(fake: FakeSsb) -> None:
    frame = fetch_kommuner(RECORDED_DATE, base_url=fake.klass_base_url)
    assert list(frame.columns) == ["code", "name"]
    assert len(frame) == 356
    assert "9999" not in set(frame["code"])
    assert frame["code"].str.fullmatch(r"\d{4}").all() and frame["code"].is_unique
    names = dict(zip(frame["code"], frame["name"]))
    assert names["0301"] == "Oslo"
    assert names["1804"] == "Bodø"
    assert "Aarborte - Hattfjelldal" in names.values()  # official name, as KLASS gives it
    (request,) = fake.requests
    assert request.path == "/api/klass/v1/classifications/131/codesAt"
    assert request.query["date"] == ["2023-03-02"] and request.query["language"] == ["nb"]


def test_base_url_override_is_temporary_and_slash_tolerant(fake: FakeSsb) -> None:
    import klass.config

    before = klass.config.BASE_URL
    frame = fetch_kommuner(RECORDED_DATE, base_url=fake.klass_base_url.rstrip("/"))
    assert len(frame) == 356
    assert klass.config.BASE_URL == before


def test_default_date_is_today(fake: FakeSsb) -> None:
    fetch_kommuner(base_url=fake.klass_base_url)
    assert fake.requests[0].query["date"] == [dt.date.today().isoformat()]


def test_http_error_is_a_source_error(fake: FakeSsb) -> None:
    fake.inject(Fault.http(503, path="codesAt"))
    with pytest.raises(SourceError, match=r"KLASS refused .* \(HTTP 503\)"):
        fetch_kommuner(RECORDED_DATE, base_url=fake.klass_base_url)


def test_unknown_path_404_is_a_source_error(fake: FakeSsb) -> None:
    with pytest.raises(SourceError, match=r"HTTP 404"):
        fetch_kommuner(RECORDED_DATE, base_url=fake.origin + "/not-klass/")


def test_truncated_body_is_a_source_error(fake: FakeSsb) -> None:
    fake.inject(Fault("truncate", path="codesAt"))
    with pytest.raises(SourceError, match="invalid answer"):
        fetch_kommuner(RECORDED_DATE, base_url=fake.klass_base_url)


def test_hung_server_is_a_source_error(fake: FakeSsb) -> None:
    fake.inject(Fault("slow", path="codesAt", delay_s=3.0))
    with pytest.raises(SourceError, match=r"did not answer within 0.3 s"):
        fetch_kommuner(RECORDED_DATE, base_url=fake.klass_base_url, timeout=0.3)


def test_server_down_is_a_source_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceError, match="no connection"):
        fetch_kommuner(RECORDED_DATE, base_url=f"http://127.0.0.1:{port}/api/klass/v1/")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (pd.DataFrame(), "no kommuner"),
        (pd.DataFrame({"code": ["9999"], "name": ["Uoppgitt"]}), "no kommuner"),
        (pd.DataFrame({"code": ["301"], "name": ["Oslo"]}), "not 4 digits"),
        (pd.DataFrame({"code": ["0301", "0301"], "name": ["Oslo", "Oslo"]}), "duplicate"),
    ],
)
def test_odd_klass_answers_are_source_errors(raw: pd.DataFrame, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        _tidy(raw, RECORDED_DATE)
