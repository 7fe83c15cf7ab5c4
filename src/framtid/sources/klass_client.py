"""KLASS client: the kommuner (classification 131) valid on a given date, via ssb-klass-python."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pandas as pd
import requests

from framtid.errors import SourceError

KOMMUNE_CLASSIFICATION = 131
UNKNOWN_KOMMUNE = "9999"  # "Uoppgitt": a placeholder, not a kommune
_KOMMUNE_CODE = re.compile(r"^\d{4}$")

# klass.config.BASE_URL is a module global read at call time; the lock keeps a temporary
# override (tests, mirrors) from leaking into a concurrent call.
_base_url_lock = threading.Lock()

T = TypeVar("T")


def fetch_kommuner(
    date: dt.date | None = None, *, base_url: str | None = None, timeout: float = 60
) -> pd.DataFrame:
    """Kommuner valid on `date` (default today): columns `code` (4-digit str) and `name`.

    `name` is KLASS's official name (bokmål), e.g. "Aarborte - Hattfjelldal". 9999 is dropped.
    """
    on = date or dt.date.today()
    raw = _codes_at(on, base_url, timeout)
    return _tidy(raw, on)


def _codes_at(on: dt.date, base_url: str | None, timeout: float) -> pd.DataFrame:
    import klass  # heavy (pulls IPython); only load it when KLASS is actually used
    import klass.config

    where = base_url or klass.config.BASE_URL
    with _base_url_lock, _klass_base_url(klass.config, base_url):
        try:
            return _with_timeout(
                lambda: klass.codes_at(KOMMUNE_CLASSIFICATION, on.isoformat(), language="nb"),
                timeout,
            )
        except TimeoutError:
            raise SourceError(
                f"KLASS ({where}) did not answer within {timeout:g} s; try again later."
            ) from None
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            raise SourceError(
                f"KLASS refused the request for kommuner on {on.isoformat()} (HTTP {status})."
            ) from None
        except requests.RequestException as exc:
            # Also covers requests' JSONDecodeError (a cut-off or non-JSON body).
            kind = "an invalid answer" if isinstance(exc, ValueError) else "no connection"
            raise SourceError(
                f"KLASS ({where}) gave {kind} for kommuner on {on.isoformat()} "
                f"({type(exc).__name__})."
            ) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(
                f"KLASS gave an unexpected answer for kommuner on {on.isoformat()} ({exc!r})."
            ) from None


@contextlib.contextmanager
def _klass_base_url(config: Any, base_url: str | None) -> Iterator[None]:
    if base_url is None:
        yield
        return
    previous = config.BASE_URL
    config.BASE_URL = base_url if base_url.endswith("/") else base_url + "/"  # klass appends paths
    try:
        yield
    finally:
        config.BASE_URL = previous


def _with_timeout(fn: Callable[[], T], timeout: float) -> T:
    """ssb-klass-python sends without a timeout, so a hung server would block forever.

    Run the call in a daemon thread and give up after `timeout` (the thread is abandoned).
    """
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=run, name="klass-request", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError
    if "error" in result:
        raise result["error"]
    return result["value"]


def _tidy(raw: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    if not {"code", "name"} <= set(raw.columns):
        raise SourceError(f"KLASS returned no kommuner for {on.isoformat()}.")
    codes = raw["code"].astype(str).str.strip()
    frame = pd.DataFrame({"code": codes, "name": raw["name"].astype(str).str.strip()})
    frame = frame[frame["code"] != UNKNOWN_KOMMUNE]
    bad = frame.loc[~frame["code"].str.match(_KOMMUNE_CODE), "code"].tolist()
    if bad:
        raise SourceError(f"KLASS returned kommune codes that are not 4 digits: {bad[:5]}.")
    if frame.empty:
        raise SourceError(f"KLASS returned no kommuner for {on.isoformat()}.")
    if frame["code"].duplicated().any():
        raise SourceError(f"KLASS returned duplicate kommune codes for {on.isoformat()}.")
    return frame.sort_values("code", ignore_index=True)
