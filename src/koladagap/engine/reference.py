"""How unusual is a gap? The reference comparison of method section 4.

The excess gap of a municipality is compared with all municipalities of the
same type (kommuner with kommuner, regioner with regioner; Riket is never
part of a reference) for the same KPI and year by a robust z:

    z = (g* − median) / (1.4826 · MAD)

oriented by the sign of the municipality's own excess gap, so that a positive
z means "further in the direction of its own disadvantage than is typical".
The oriented percentile is the share of the reference whose excess gap is no
more extreme in that direction.

Examples:
    >>> import numpy as np
    >>> x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 9.0])
    >>> z, med, scale, n = robust_z(x, np.zeros(6, dtype="int64"), min_n=3)
    >>> round(float(med[0]), 2), round(float(scale[0]), 3), round(float(z[-1]), 2)
    (0.5, 2.224, 3.82)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MAD_SCALE = 1.482602218505602
"""1 / Φ⁻¹(3/4): makes the MAD a consistent estimate of σ for normal data."""


def robust_z(
    x: FloatArray, group: IntArray, *, min_n: int = 10
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    """Robust z of each ``x`` within its ``group`` (NaN ``x`` are not counted).

    Returns:
        ``(z, median, scale, n)``: z is NaN when the group has fewer than
        ``min_n`` finite values or a zero MAD (no spread to scale by).
        ``scale`` is 1.4826 · MAD, as ``scipy.stats.median_abs_deviation(...,
        scale="normal")`` gives it (tested).
    """
    n_rows = len(x)
    z = np.full(n_rows, np.nan)
    med = np.full(n_rows, np.nan)
    scale = np.full(n_rows, np.nan)
    n = np.zeros(n_rows, dtype="int64")
    ok = np.isfinite(x)
    if not ok.any():
        return z, med, scale, n
    idx = np.flatnonzero(ok)
    df = pd.DataFrame({"g": group[idx], "x": x[idx]})
    by = df.groupby("g", sort=False)["x"]
    m = by.transform("median").to_numpy()
    dev = pd.Series(np.abs(df["x"].to_numpy() - m)).groupby(df["g"].to_numpy(), sort=False)
    s = dev.transform("median").to_numpy() * MAD_SCALE
    cnt = by.transform("size").to_numpy().astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        zz = (df["x"].to_numpy() - m) / s
    zz = np.where((cnt >= min_n) & (s > 0), zz, np.nan)
    z[idx] = zz
    med[idx] = m
    scale[idx] = s
    n[idx] = cnt
    return z, med, scale, n


def oriented(z: FloatArray, direction: FloatArray) -> FloatArray:
    """``z`` times the sign of ``direction`` (the excess gap): positive = worse."""
    out: FloatArray = np.sign(direction) * z
    return out


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


__all__ = ["MAD_SCALE", "oriented", "oriented_percentile", "robust_z"]
