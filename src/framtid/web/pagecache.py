"""Rendered pages kept per store version: a single-flight memory cache with a disk copy.

The national, fylke and BA pages need the stochastic projection of many kommuner and a story
(Norway: half a minute cold). They depend only on (store version, code of this build, URL), so the
rendered HTML is kept:

- gzipped, in memory (bounded by bytes, least recently used out first) and sent as they are to
  browsers that accept gzip;
- on disk beside the store (`web-cache/pages/<build>-<version>/`), so that a restart serves them at
  once; folders of other versions or builds are removed when a new one is made;
- behind a single flight: concurrent requests for the same key wait for one computation and never
  compute it twice.

`build` is a hash of framtid's own source files (Python, templates, catalogs), so a new release or
changed story text never serves pages rendered by older code. The store version is read once per
request by the caller and passed in; a page computed for a version that is no longer current is
returned to its caller but never kept. `warm_urls` lists what the server renders at start (Norway
first), so that the first visitor does not wait; `data import` and `data update` render the same
pages beside the new store before the swap (web/prebuild.py).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from ..config import build_id


class _Call:
    __slots__ = ("event", "value", "error")

    def __init__(self):
        self.event = threading.Event()
        self.value = None
        self.error: BaseException | None = None


class SingleFlight:
    """`do(key, fn)`: the first caller runs `fn`; callers that arrive meanwhile wait for its
    result (or its exception) instead of computing the same thing again."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls: dict = {}
        self.computed = 0            # how many times a function really ran (for tests)

    def do(self, key, fn: Callable):
        with self._lock:
            call = self._calls.get(key)
            leader = call is None
            if leader:
                call = self._calls[key] = _Call()
        if not leader:
            call.event.wait()
            if call.error is not None:
                raise call.error
            return call.value
        try:
            self.computed += 1
            call.value = fn()
            return call.value
        except BaseException as exc:
            call.error = exc
            raise
        finally:
            with self._lock:
                self._calls.pop(key, None)
            call.event.set()


class PageCache:
    """HTML bodies by (store version, key); see the module docstring."""

    def __init__(self, cache_dir: Path | None, current_version: Callable[[], int],
                 max_bytes: int = 96 * 2**20, build: str | None = None, prune: bool = True):
        self.build = build or build_id()
        self.prune = prune            # remove other versions' folders (not when building aside)
        self.root = Path(cache_dir) / "pages" if cache_dir is not None else None
        self._version = current_version
        self.max_bytes = max_bytes
        self._mem: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._seen = None
        self.flight = SingleFlight()

    # --- keys and files ---------------------------------------------------------------------
    def _dir(self, version) -> Path | None:
        return None if self.root is None else self.root / f"{self.build}-{version}"

    def _file(self, version, key: str) -> Path | None:
        d = self._dir(version)
        return None if d is None else d / (hashlib.sha1(key.encode()).hexdigest()[:20] + ".gz")

    def _follow(self, version) -> None:
        """A new store version: drop the memory cache and the other folders on disk."""
        if version == self._seen:
            return
        current = self._version()
        if current == self._seen:
            return
        self._mem.clear()
        self._bytes = 0
        self._seen = current
        if self.prune and self.root is not None and self.root.exists():
            keep = self._dir(current).name
            for d in self.root.iterdir():
                if d.is_dir() and d.name != keep:
                    shutil.rmtree(d, ignore_errors=True)

    # --- reading and writing ----------------------------------------------------------------
    # Bodies are kept gzipped, in memory as on disk: a cached page is sent as it is to a
    # browser that accepts gzip (nearly all), with no compression per request, and the memory
    # budget holds about eight times as many pages.
    def peek_gz(self, key: str, version) -> bytes | None:
        with self._lock:
            self._follow(version)
            hit = self._mem.get((version, key))
            if hit is not None:
                self._mem.move_to_end((version, key))
                return hit
        path = self._file(version, key)
        if path is not None and path.exists():
            try:
                gz = path.read_bytes()
            except OSError:
                return None
            if gz[:2] != b"\x1f\x8b":
                return None
            self._keep(key, version, gz, disk=False)
            return gz
        return None

    def peek(self, key: str, version) -> bytes | None:
        gz = self.peek_gz(key, version)
        return None if gz is None else gzip.decompress(gz)

    def _keep(self, key: str, version, gz: bytes, disk: bool = True) -> None:
        with self._lock:
            self._follow(version)
            if version != self._seen:       # computed for a store that is gone: not kept
                return
            old = self._mem.pop((version, key), None)
            self._bytes -= len(old) if old is not None else 0
            self._mem[(version, key)] = gz
            self._bytes += len(gz)
            while self._bytes > self.max_bytes and len(self._mem) > 1:
                _, dropped = self._mem.popitem(last=False)
                self._bytes -= len(dropped)
        path = self._file(version, key) if disk else None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
                tmp.write_bytes(gz)
                os.replace(tmp, path)
            except OSError:
                pass                        # the disk copy is a convenience only

    def get_gz(self, key: str, version, build: Callable[[], tuple[bytes, bool]]) -> bytes:
        """The gzipped page for `key` under `version`: from memory, disk, or `build()` (once for
        all concurrent callers). `build` returns (body, keep): keep False for pages that must
        not be cached (an error page, a page still waiting for a background result)."""
        hit = self.peek_gz(key, version)
        if hit is not None:
            return hit

        def compute() -> bytes:
            again = self.peek_gz(key, version)
            if again is not None:
                return again
            body, keep = build()
            gz = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            if keep and self._version() == version:
                self._keep(key, version, gz)
            return gz

        return self.flight.do((version, key), compute)

    def get(self, key: str, version, build: Callable[[], tuple[bytes, bool]]) -> bytes:
        """`get_gz`, uncompressed."""
        return gzip.decompress(self.get_gz(key, version, build))


GZIP_LEVEL = 6          # as the app's GZipMiddleware: the same bytes on the wire as before



def warm_urls(regions, langs=("nb", "nn", "en")) -> list[str]:
    """Pages rendered at start, most visited and most expensive first: Norway, the fylker, the
    BA-regions (bokmål first), then the other languages."""
    codes = ["NO"] + [r.code for r in regions.all("fylke")] + [r.code for r in regions.all("ba")]
    urls = ["/nb/", "/nb/region/NO", "/nn/region/NO", "/en/region/NO", "/nn/", "/en/"]
    for lang in langs:
        urls += [f"/{lang}/region/{c}" for c in codes if f"/{lang}/region/{c}" not in urls]
    return urls
