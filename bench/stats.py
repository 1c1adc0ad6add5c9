"""Small statistics on timing samples, without numpy's interpolation surprises.

Percentiles use linear interpolation between closest ranks (numpy's default), written out so
the figures in the report are easy to check by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0..1) quantile of ``samples``, linearly interpolated."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    weight = position - lower
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 0.5)


def summary(samples: Sequence[float]) -> dict[str, float]:
    """What the report shows of a latency sample: count, p50, p95, min, max, mean."""
    if not samples:
        return {"n": 0}
    return {
        "n": len(samples),
        "p50": percentile(samples, 0.5),
        "p95": percentile(samples, 0.95),
        "min": min(samples),
        "max": max(samples),
        "mean": sum(samples) / len(samples),
    }


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, NaN instead of a division by zero."""
    return numerator / denominator if denominator else math.nan
