"""Percentiles the way the common tools compute them, so a check accepts any standard definition.

``quantile`` is pandas' and numpy's default (linear interpolation between closest ranks); ``quantile_range``
spans every definition numpy offers (Hyndman & Fan's nine and a few more) and both methods of
``statistics.quantiles``, so an answer computed with any of them is within it.

Example::

    quantile([1, 2, 3, 4], 0.5)          # 2.5
    quantile_range([1, 2, 3, 4], 0.95)   # (3.75, 4.0): what the definitions give for p95
"""

from __future__ import annotations

import math

_METHODS = (
    "inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf", "hazen",
    "weibull", "linear", "median_unbiased", "normal_unbiased", "lower", "higher", "midpoint", "nearest",
)  # fmt: skip


def quantile(values, q: float) -> float:
    """The q-quantile with linear interpolation between closest ranks (pandas' and numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def quantile_range(values, q: float) -> tuple[float, float]:
    """The lowest and highest q-quantile of ``values`` over the standard definitions."""
    import statistics

    import numpy as np

    data = np.asarray(sorted(values), dtype=float)
    found = [float(np.quantile(data, q, method=method)) for method in _METHODS]
    percent = round(q * 100)
    if len(data) >= 2 and math.isclose(percent, q * 100) and 0 < percent < 100:
        # statistics.quantiles' default ("exclusive") extrapolates past the data for a small sample
        for method in ("exclusive", "inclusive"):
            found.append(float(statistics.quantiles(data.tolist(), n=100, method=method)[percent - 1]))
    return min(found), max(found)
