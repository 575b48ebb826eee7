"""How unusual is a gap, given chance and size? The precision-aware reference.

Each municipality's gap statistic ``y`` (see :mod:`.evidence`) is compared with
all municipalities of the same type, KPI and year under a funnel model with
over-dispersion (Spiegelhalter 2005):

    y_i = μ + u_i + e_i,   u_i ~ (0, τ²)  (real, stable differences),
                           e_i ~ (0, c · P_i)  (chance)

``P_i`` is the municipality's *precision predictor*: the sampling variance of
``y_i`` when it is known (from counts or published margins of error), or else
``1 / (population · years pooled)`` — chance shrinks with size. ``μ`` is the
median of ``y``; ``τ²`` and ``c`` are fitted robustly: the municipalities are
cut into up to five bins by ``P``, the spread in each bin is measured by the
MAD (so that a few unusual municipalities do not widen the yardstick), and
``s²_b = τ² + c · P_b`` is fitted by weighted least squares with both
parameters kept non-negative. Then

    z_i = (y_i − μ) / √(τ² + c · P_i),   never divided by less than ``floor``.

Under the null (no municipality unusual) ``z`` is close to standard normal in
every size band, which is what makes one threshold fair to Bjurholm and to
Stockholm alike. ``benchmarks/calibration.py`` measures it.

Examples:
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> pop = np.exp(rng.uniform(np.log(2_500), np.log(1_000_000), 290))
    >>> y = rng.normal(0.0, np.sqrt(4e5 / pop))          # pure chance, size-dependent
    >>> fit = funnel(y, np.full(290, np.nan), 1 / pop, np.zeros(290, dtype="int64"),
    ...              min_n=10, floor=np.zeros(290))
    >>> bool(abs(np.nanstd(fit["z"]) - 1) < 0.2), int((np.abs(fit["z"]) >= 3).sum()) <= 2
    (True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from koladagap.engine.reference import MAD_SCALE

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MAX_BINS = 5
PER_BIN = 40
"""At most five size bins, and at least 40 municipalities in each (290 kommuner: 5 bins;
21 regioner: 1 bin, one pooled spread)."""
MEAN_AD_SCALE = 1.2533141373155001
"""√(π/2): makes the mean absolute deviation a consistent estimate of σ for normal data."""
WINSOR = 2.5
WINSOR_KAPPA = 0.97755998
"""E[min(Z², 2.5²)] for a standard normal Z: makes the winsorised variance consistent."""
KNOWN_SHARE = 0.8
"""A group uses known sampling variances when at least this share of it has one."""


def funnel(
    y: FloatArray,
    v: FloatArray,
    x: FloatArray,
    group: IntArray,
    *,
    min_n: int,
    floor: FloatArray,
) -> dict[str, Any]:
    """Fit the funnel model per ``group`` and return each row's z.

    Args:
        y: the statistic (NaN: not part of the reference).
        v: its known sampling variance (NaN: unknown).
        x: the size predictor ``1 / (population · years)`` (NaN: unknown).
        group: an integer id per row (KPI × year × municipality type).
        min_n: fewest finite ``y`` in a group to compute anything.
        floor: per row, the smallest scale ``z`` may be divided by.

    Returns:
        A dict of per-row arrays: ``z``, ``mu``, ``scale`` (the row's
        √(τ² + c·P)), ``tau`` (√τ²), ``chance`` (√(c·P), the chance part),
        ``n`` (finite values in the group) and ``basis`` (0 none, 1 known
        variances, 2 size, 3 neither: one pooled spread).
    """
    n_rows = len(y)
    out: dict[str, Any] = {
        k: np.full(n_rows, np.nan) for k in ("z", "mu", "scale", "tau", "chance")
    }
    out["n"] = np.zeros(n_rows, dtype=np.int64)
    out["basis"] = np.zeros(n_rows, dtype=np.int8)
    idx = np.flatnonzero(np.isfinite(y))
    if len(idx) == 0:
        return out
    g = np.asarray(group)[idx]
    yy = y[idx]
    df = pd.DataFrame({"g": g, "y": yy})
    by = df.groupby("g", sort=False)
    mu = by["y"].transform("median").to_numpy()
    n = by["y"].transform("size").to_numpy().astype(np.int64)
    # which predictor each group uses
    vv, xx = v[idx], x[idx]
    share_known = pd.Series(np.isfinite(vv)).groupby(g, sort=False).transform("mean").to_numpy()
    share_size = pd.Series(np.isfinite(xx)).groupby(g, sort=False).transform("mean").to_numpy()
    use_known = share_known >= KNOWN_SHARE
    use_size = ~use_known & (share_size >= KNOWN_SHARE)
    pred = np.where(use_known, vv, np.where(use_size, xx, 1.0))
    basis = np.where(use_known, 1, np.where(use_size, 2, 3)).astype(np.int8)
    fit_rows = np.isfinite(pred)
    tau2, c = _fit(g[fit_rows], pred[fit_rows], np.abs(yy - mu)[fit_rows], n[fit_rows])
    t2 = pd.Series(tau2)
    cc = pd.Series(c)
    tau2_row = pd.Series(g).map(t2).to_numpy(dtype="float64", na_value=np.nan)
    c_row = pd.Series(g).map(cc).to_numpy(dtype="float64", na_value=np.nan)
    # a row without its own predictor (a count or a population not published) is
    # taken as the least precise member of its group: never divided by the floor
    worst = pd.Series(np.where(fit_rows, pred, np.nan)).groupby(g, sort=False).transform("max")
    pred = np.where(fit_rows, pred, worst.to_numpy(dtype="float64", na_value=np.nan))
    chance2 = c_row * pred
    scale = np.sqrt(np.fmax(tau2_row + chance2, np.asarray(floor)[idx] ** 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (yy - mu) / scale
    good = (n >= min_n) & np.isfinite(scale) & (scale > 0)
    out["z"][idx] = np.where(good, z, np.nan)
    out["mu"][idx] = mu
    out["scale"][idx] = np.where(good, scale, np.nan)
    out["tau"][idx] = np.sqrt(tau2_row)
    out["chance"][idx] = np.sqrt(chance2)
    out["n"][idx] = n
    out["basis"][idx] = np.where(np.isfinite(pred), basis, 0)  # 0 only with no z at all
    return out


def _fit(
    g: IntArray, pred: FloatArray, dev: FloatArray, n: IntArray
) -> tuple[pd.Series, pd.Series]:
    """Per group ``τ²`` and ``c`` from binned MAD spreads (see the module docstring)."""
    if len(g) == 0:
        empty = pd.Series(dtype="float64")
        return empty, empty
    nb = np.clip(n // PER_BIN, 1, MAX_BINS)
    rank = pd.Series(pred).groupby(g, sort=False).rank(method="first").to_numpy()
    size = pd.Series(pred).groupby(g, sort=False).transform("size").to_numpy()
    b = np.minimum(((rank - 1) * nb // np.maximum(size, 1)).astype(np.int64), nb - 1)
    df = pd.DataFrame({"g": g, "b": b, "p": pred, "d": dev})
    by = df.groupby(["g", "b"], sort=False)
    mad = by["d"].transform("median").to_numpy()
    mean_d = by["d"].transform("mean").to_numpy()
    # a first, robust spread per bin: the MAD, or where more than half the bin sits
    # on the centre (MAD = 0: many identical values) the mean absolute deviation
    s0 = np.where(mad > 0, mad * MAD_SCALE, mean_d * MEAN_AD_SCALE)
    # then the winsorised standard deviation (deviations capped at WINSOR · s0):
    # as robust to a few unusual municipalities, and about three times as
    # efficient as the MAD, so the yardstick itself varies less between years
    df["w2"] = np.minimum(dev, WINSOR * s0) ** 2
    per = df.groupby(["g", "b"], sort=False).agg(
        p=("p", "mean"), w2=("w2", "mean"), k=("d", "size")
    )
    s2 = per["w2"].to_numpy() / WINSOR_KAPPA
    p = per["p"].to_numpy()
    k = per["k"].to_numpy().astype("float64")
    gid = per.index.get_level_values("g").to_numpy()
    # weights: bins with more members and less spread are measured more precisely
    # a bin of identical values (spread 0: nothing happened in those municipalities)
    # says nothing about how spread grows with size: it is left out of the fit
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        w = np.where(s2 > 0, k / np.fmax(s2, 1e-150) ** 2, 0.0)
    w = np.where(np.isfinite(w), w, 0.0)
    agg = (
        pd.DataFrame(
            {
                "g": gid,
                "w": w,
                "wp": w * p,
                "wpp": w * p * p,
                "ws": w * s2,
                "wps": w * p * s2,
                "nb": np.ones(len(gid)),
                "s2k": s2 * k,
                "k": k,
            }
        )
        .groupby("g", sort=False)
        .sum()
    )
    sw, swp, swpp, sws, swps = (agg[c].to_numpy() for c in ("w", "wp", "wpp", "ws", "wps"))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        det = sw * swpp - swp**2
        c = (sw * swps - swp * sws) / det
        tau2 = (sws - c * swp) / sw
        pooled = agg["s2k"].to_numpy() / agg["k"].to_numpy()
        single = (agg["nb"].to_numpy() < 2) | ~np.isfinite(c) | (np.abs(det) <= 1e-300)
        single |= ~(sw > 0)
        # constrained solutions: c = 0 (no size effect) or τ² = 0 (all chance)
        c_only = np.where(swpp > 0, swps / swpp, np.nan)
        tau_only = sws / sw
    tau2 = np.where(single, pooled, tau2)
    c = np.where(single, 0.0, c)
    neg_c = c < 0
    tau2 = np.where(neg_c, tau_only, tau2)
    c = np.where(neg_c, 0.0, c)
    neg_t = tau2 < 0
    c = np.where(neg_t, c_only, c)
    tau2 = np.where(neg_t, 0.0, tau2)
    idx = agg.index.to_numpy()
    return pd.Series(tau2, index=idx), pd.Series(c, index=idx)


__all__ = ["funnel"]
