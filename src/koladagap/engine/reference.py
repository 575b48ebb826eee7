"""Helpers of the reference comparison: the MAD scale and the oriented percentile.

The reference itself (the funnel z) is :mod:`.funnel`.

Examples:
    >>> import numpy as np
    >>> oriented_percentile(np.array([-2.0, 1.0, 3.0]), np.zeros(3, dtype="int64")).round(1)
    array([100. ,  66.7, 100. ])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MAD_SCALE = 1.482602218505602
"""1 / Φ⁻¹(3/4): makes the MAD a consistent estimate of σ for normal data."""


def oriented_percentile(x: FloatArray, group: IntArray) -> FloatArray:
    """Percent of the group whose value is no more extreme than ``x`` in ``x``'s direction.

    For a positive ``x``: the share with a value ≤ ``x``; for a negative one: the
    share with a value ≥ ``x``; NaN for 0 or NaN.
    """
    out = np.full(len(x), np.nan)
    ok = np.isfinite(x)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    s = pd.Series(x[idx])
    g = group[idx]
    up = s.groupby(g, sort=False).rank(method="max", pct=True).to_numpy()
    down = s.groupby(g, sort=False).rank(method="max", ascending=False, pct=True).to_numpy()
    xv = x[idx]
    out[idx] = np.where(xv > 0, up, np.where(xv < 0, down, np.nan)) * 100.0
    return out


__all__ = ["MAD_SCALE", "oriented_percentile"]
