"""«Dette må til»: the lever value that keeps an indicator at today's level in a target year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

GRID_POINTS = 9       # coarse scan across the lever's range to find a bracket
MAX_BISECTIONS = 30   # then bisection to a relative tolerance
REL_TOL = 1e-4


@dataclass
class Solution:
    value: float | None     # lever value that reaches the target (None if unreachable)
    reachable: bool
    best_value: float       # the lever value closest to the target within the range
    best_indicator: float   # the indicator at best_value
    evaluations: int


def solve(evaluate: Callable[[float], float], target: float, lo: float, hi: float,
          prefer: float | None = None) -> Solution:
    """Find x in [lo, hi] with evaluate(x) == target. evaluate need not be monotone; of several
    brackets the one nearest `prefer` (the lever's default: the smallest change) is returned."""
    xs = np.linspace(lo, hi, GRID_POINTS)
    gs = np.array([evaluate(float(x)) - target for x in xs])
    n = GRID_POINTS
    best = int(np.nanargmin(np.abs(gs)))
    sign_change = np.where(np.sign(gs[:-1]) * np.sign(gs[1:]) <= 0)[0]
    if len(sign_change) == 0:
        return Solution(None, False, float(xs[best]), float(gs[best] + target), n)
    # Prefer the bracket nearest the default: the smallest change that does it.
    anchor = lo if prefer is None else prefer
    i = sign_change[np.argmin(np.abs(xs[sign_change] - anchor))]
    a, b, ga = float(xs[i]), float(xs[i + 1]), gs[i]
    if ga == 0:
        return Solution(a, True, a, target, n)
    for _ in range(MAX_BISECTIONS):
        m = (a + b) / 2
        gm = evaluate(m) - target
        n += 1
        if gm == 0 or abs(gm) <= REL_TOL * max(abs(target), 1e-12):
            a = b = m
            break
        if np.sign(gm) == np.sign(ga):
            a, ga = m, gm
        else:
            b = m
    x = (a + b) / 2
    return Solution(x, True, x, target, n)
