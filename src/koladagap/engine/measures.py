"""Gap measures on the wide women/men/total view (method section 1).

All measures are vectorised over any number of rows. A null K or M gives
``status == "not_computable"`` and NaN measures: missing is never a zero gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

NOT_COMPUTABLE = "not_computable"
COMPUTED = "computed"

GAP_COLUMNS = ["women", "men", "total", "gap", "relative_gap", "ratio", "parity", "status"]


def _lower_is_better(wide: pd.DataFrame) -> NDArray[np.bool_]:
    """Per row: the KPI table says lower is better for its KPI (False without a ``kpi``)."""
    if "kpi" not in wide.columns or wide.empty:
        return np.zeros(len(wide), dtype=bool)
    from koladagap.benchmarking.kpi_table import kpi_table

    t = kpi_table()
    lower = set(t.loc[t["direction"] == "lower_is_better", "id"].astype(str))
    out: NDArray[np.bool_] = wide["kpi"].astype(str).isin(lower).to_numpy(dtype=bool)
    return out


def compute_gaps(wide: pd.DataFrame) -> pd.DataFrame:
    """Add ``gap`` (K − M), ``relative_gap``, ``ratio`` (K / M), ``parity`` and ``status``.

    ``relative_gap`` divides the gap by the advantaged sex's value, as the
    engine and the reports do (one definition everywhere): the larger of the two
    values, or the smaller for KPIs that the bundled KPI table marks
    ``lower_is_better`` (when the frame has a ``kpi`` column). A zero
    denominator gives NaN, not infinity.

    Examples:
        >>> import koladagap
        >>> from koladagap.kolada.frames import to_wide
        >>> w = to_wide(koladagap.values("N00906", "0180", 2022, source="sample"))
        >>> g = compute_gaps(w)
        >>> float(g.loc[0, "gap"]), round(float(g.loc[0, "ratio"]), 3), g.loc[0, "status"]
        (-46800.0, 0.891, 'computed')
    """
    out = wide.copy()
    k = out["women"].to_numpy(dtype="float64")
    m = out["men"].to_numpy(dtype="float64")
    ok = ~(np.isnan(k) | np.isnan(m))
    gap = np.where(ok, k - m, np.nan)
    hi = np.fmax(np.abs(k), np.abs(m))
    lo = np.fmin(np.abs(k), np.abs(m))
    adv = np.where(_lower_is_better(out), lo, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(ok & (adv > 0), gap / adv, np.nan)
        ratio = np.where(ok & (m != 0), k / m, np.nan)
        parity = np.where(ok & (hi > 0), lo / hi, np.where(ok & (hi == 0), 1.0, np.nan))
    out["gap"] = gap
    out["relative_gap"] = rel
    out["ratio"] = ratio
    out["parity"] = parity
    out["status"] = pd.Series(
        np.where(ok, COMPUTED, NOT_COMPUTABLE), index=out.index, dtype="string"
    )
    return out
