"""Per-client rate limits (token buckets), in memory only: nothing is written anywhere.

A client is the connecting address, reduced to a keyed hash (a random key per process) so that
not even the process's memory holds a readable IP address. Participants add a second bucket per
participant token. The defaults let a whole room behind one school or town-hall NAT address join
at once, while a script hammering from one address is slowed down:

    join     per address      burst 400, then 10 a second
    post     per address      burst 3000, then 100 a second (answers, ideas, votes)
    answer   per participant  burst 60, then 2 a second
    idea     per participant  burst 5, then one every 20 seconds
    vote     per participant  burst 30, then 1 a second

`FRAMTID_WORKSHOP_LIMITS="join=5/0.1,idea=2/0.01"` overrides some (burst/refill per second).
With several server processes each keeps its own buckets (documented, not shared).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import threading
import time
from dataclasses import dataclass

DEFAULTS: dict[str, tuple[float, float]] = {
    "join": (400, 10.0),
    "post": (3000, 100.0),
    "answer": (60, 2.0),
    "idea": (5, 0.05),
    "vote": (30, 1.0),
    "create": (20, 0.05),
}
MAX_KEYS = 50_000


def parse(spec: str | None) -> dict[str, tuple[float, float]]:
    out = dict(DEFAULTS)
    for part in (spec or "").split(","):
        name, _, value = part.strip().partition("=")
        if not name or name not in DEFAULTS or "/" not in value:
            continue
        burst, _, rate = value.partition("/")
        try:
            out[name] = (float(burst), float(rate))
        except ValueError:
            continue
    return out


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, limits: dict[str, tuple[float, float]] | None = None):
        self.limits = limits if limits is not None else parse(
            os.environ.get("FRAMTID_WORKSHOP_LIMITS"))
        self._secret = secrets.token_bytes(16)
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def client_key(self, address: str | None) -> str:
        return hmac.new(self._secret, (address or "-").encode(), hashlib.sha256).hexdigest()[:24]

    def hit(self, kind: str, who: str) -> float:
        """Take one token; 0 if allowed, else the seconds to wait (for Retry-After)."""
        burst, rate = self.limits[kind]
        t = time.monotonic()
        with self._lock:
            if len(self._buckets) > MAX_KEYS:
                self._buckets.clear()          # crude but bounded; refills are generous anyway
            b = self._buckets.get((kind, who))
            if b is None:
                b = self._buckets[(kind, who)] = _Bucket(burst, t)
            b.tokens = min(burst, b.tokens + (t - b.at) * rate)
            b.at = t
            if b.tokens >= 1:
                b.tokens -= 1
                return 0.0
            return math.inf if rate <= 0 else (1 - b.tokens) / rate
