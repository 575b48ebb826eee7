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


def _lower_is_better(wide: pd.DataFrame, table: pd.DataFrame | None) -> NDArray[np.bool_]:
    """Per row: ``table`` says lower is better for its KPI (False without a ``kpi`` or table)."""
    if table is None or "kpi" not in wide.columns or wide.empty:
        return np.zeros(len(wide), dtype=bool)
    lower = set(table.loc[table["direction"] == "lower_is_better", "id"].astype(str))
    out: NDArray[np.bool_] = wide["kpi"].astype(str).isin(lower).to_numpy(dtype=bool)
    return out


def compute_gaps(wide: pd.DataFrame, kpi_table: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``gap`` (K − M), ``relative_gap``, ``ratio`` (K / M), ``parity`` and ``status``.

    ``relative_gap`` divides the gap by the advantaged sex's value, as the
    engine and the reports do (one definition everywhere): the larger of the two
    values, or the smaller for KPIs that ``kpi_table`` (``id, direction``, e.g.
    :func:`koladagap.benchmarking.kpi_table.kpi_table`) marks ``lower_is_better``
    (when the frame has a ``kpi`` column; ``None``: the larger for every row). A
    zero denominator gives NaN, not infinity.

    Examples:
        >>> import koladagap
        >>> from koladagap.benchmarking.kpi_table import kpi_table
        >>> from koladagap.kolada.frames import to_wide
        >>> w = to_wide(koladagap.values("N00906", "0180", 2022, source="sample"))
        >>> g = compute_gaps(w, kpi_table())
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
    adv = np.where(_lower_is_better(out, kpi_table), lo, hi)
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
