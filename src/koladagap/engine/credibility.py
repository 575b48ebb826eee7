"""Interval and test arithmetic: Wilson, Newcombe, margins of error, Benjamini–Hochberg.

- the Newcombe hybrid score interval (method 10 of Newcombe 1998, built from
  two Wilson intervals) for pK − pM, shown for the current year when counts are
  known;
- the standard error of a gap from two published 95 % margins of error;
- Benjamini–Hochberg q-values within families (the engine's ``act`` controls
  false discoveries across the municipalities of a KPI and year with it).

All functions take and return NumPy arrays and work on any number of rows.

Examples:
    >>> import numpy as np
    >>> lo, hi = newcombe_interval(np.array([0.6]), np.array([50.0]),
    ...                            np.array([0.4]), np.array([50.0]))
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.0046, 0.3752)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import ndtri

FloatArray = NDArray[np.float64]


def z_critical(alpha: float | FloatArray) -> Any:
    """The two-sided critical z for level ``alpha`` (1.959964 for 0.05)."""
    return ndtri(1.0 - np.asarray(alpha, dtype="float64") / 2.0)


def wilson_interval(
    p: FloatArray, n: FloatArray, z: float | FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a proportion ``p`` observed on ``n`` units, at ``z``."""
    z2 = np.asarray(z, dtype="float64") ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / denom
        half = np.asarray(z, dtype="float64") * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
        half = half / denom
    return centre - half, centre + half


def newcombe_interval(
    p1: FloatArray,
    n1: FloatArray,
    p2: FloatArray,
    n2: FloatArray,
    z: float | FloatArray = 1.959963984540054,
) -> tuple[FloatArray, FloatArray]:
    """Newcombe's hybrid score interval for ``p1 − p2`` (proportions, not percent).

    Agrees with ``statsmodels.stats.proportion.confint_proportions_2indep(...,
    method="newcomb")`` (tested).
    """
    l1, u1 = wilson_interval(p1, n1, z)
    l2, u2 = wilson_interval(p2, n2, z)
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lower, upper


def proportion_gap_se(p1: FloatArray, n1: FloatArray, p2: FloatArray, n2: FloatArray) -> FloatArray:
    """Wald standard error of ``p1 − p2`` (used for changes between two years)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.sqrt(p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2)
    return out


def moe_se(moe_women: FloatArray, moe_men: FloatArray) -> FloatArray:
    """Standard error of the women − men gap from two published 95 % margins of error."""
    out: FloatArray = np.sqrt((moe_women / 1.96) ** 2 + (moe_men / 1.96) ** 2)
    return out


def bh_qvalues(p: FloatArray, family: NDArray[np.int64]) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values (q-values) within each family.

    Args:
        p: p-values; NaN rows are not tests and get NaN.
        family: an integer family id per row (e.g. municipality × year).

    Agrees with ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``
    run family by family (tested).
    """
    p = np.asarray(p, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    pv = p[idx]
    fam = np.asarray(family)[idx]
    order = np.lexsort((pv, fam))
    fam_s = fam[order]
    p_s = pv[order]
    start = np.r_[True, fam_s[1:] != fam_s[:-1]]
    group = np.cumsum(start) - 1
    starts = np.flatnonzero(start)
    sizes = np.diff(np.r_[starts, len(fam_s)])
    rank = np.arange(len(fam_s)) - starts[group] + 1
    raw = np.minimum(p_s * sizes[group] / rank, 1.0)
    # step-up: the running minimum from the largest p-value down, within each family
    rev = pd.Series(raw[::-1]).groupby(group[::-1], sort=False).cummin().to_numpy()
    q_s = rev[::-1]
    q = np.empty_like(q_s)
    q[order] = q_s
    out[idx] = np.clip(q, 0.0, 1.0)
    return out


__all__ = [
    "bh_qvalues",
    "moe_se",
    "newcombe_interval",
    "proportion_gap_se",
    "wilson_interval",
    "z_critical",
]
