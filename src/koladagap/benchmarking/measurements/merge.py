"""Own measurements in Kolada's frames, and the reason the engine's result gives for them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from koladagap.benchmarking.data import ATTRIBUTION
from koladagap.benchmarking.measurements.model import OWN_ID_PATTERN, Measurements
from koladagap.columns import KPI, PERIOD
from koladagap.errors import ConfigError
from koladagap.kolada.schema import normalise_data_frame


def merge_into(
    values: pd.DataFrame,
    kpi_meta: pd.DataFrame,
    m: Measurements,
    *,
    organisation: str | None = None,
    years: tuple[int, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Append own values and catalogue rows to Kolada's (replacing earlier own rows).

    Args:
        values: the tidy values of every municipality (Kolada).
        kpi_meta: the KPI catalogue (Kolada's ``id, title, …``).
        m: the own measurements.
        organisation: when given, every own KPI must belong to it (the plan's
            organisation): the figures are that organisation's only.
        years: ``(first, last)``: keep only own values of these years (the
            window fetched from Kolada); ``None``: all.

    Returns:
        ``(values, kpi_meta)``: tidy values with the own rows appended, and the
        catalogue with the own KPIs (and their counts KPIs) appended. The
        catalogue gains ``unit``, ``source`` (``"Källa: Kolada"`` for Kolada's
        rows, ``"Källa: egen mätning"`` for own ones), ``about_children`` and
        ``organisation`` columns.

    Raises:
        ConfigError: an own KPI belongs to another organisation than ``organisation``.
    """
    if organisation is not None:
        other = m.kpis.loc[m.kpis["organisation"].astype(str) != organisation]
        if len(other):
            where = m.paths[0] if m.paths else None
            raise ConfigError(
                f"{other['id'].iloc[0]} holds figures for {other['organisation'].iloc[0]}, "
                f"but the plan's organisation is {organisation}",
                path=where,
                key=str(other["id"].iloc[0]),
            )
    own = set(m.kpis["id"].astype(str))
    add = m.values
    if years is not None:
        add = add.loc[add[PERIOD].between(years[0], years[1]).to_numpy(dtype=bool)]
    kept = values.loc[~values[KPI].astype(str).isin(own).to_numpy(dtype=bool)]
    if kept.empty:
        merged = normalise_data_frame(add)
    elif add.empty:
        merged = normalise_data_frame(kept)
    else:
        merged = pd.concat([normalise_data_frame(kept), add], ignore_index=True)
    return merged, _merge_catalogue(kpi_meta, m.kpis, own)


def _merge_catalogue(kpi_meta: pd.DataFrame, own: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    base = kpi_meta.loc[~kpi_meta["id"].astype(str).isin(ids).to_numpy(dtype=bool)].copy()
    defaults: dict[str, Any] = {"source": ATTRIBUTION, "about_children": False}
    for c in own.columns:
        if c not in base.columns:
            fill = defaults.get(c, "")
            base[c] = pd.Series(fill, index=base.index, dtype=own[c].dtype)
    add = own.copy()
    for c in base.columns:
        if c not in add.columns:
            add[c] = _blank_like(base[c], len(add))
    add = add[list(base.columns)]
    for c in base.columns:
        if add[c].dtype != base[c].dtype:
            try:
                add[c] = add[c].astype(base[c].dtype)
            except (TypeError, ValueError):
                base[c] = base[c].astype(object)
                add[c] = add[c].astype(object)
    if base.empty:
        return add.reset_index(drop=True)
    return pd.concat([base, add], ignore_index=True)


def _blank_like(col: pd.Series, n: int) -> pd.Series:
    if pd.api.types.is_bool_dtype(col.dtype):
        return pd.Series([False] * n, dtype=col.dtype)
    if pd.api.types.is_string_dtype(col.dtype):
        return pd.Series([""] * n, dtype=col.dtype)
    return pd.Series([pd.NA] * n, dtype=object).astype(col.dtype)


REFERENCE_UNAVAILABLE = "reference:unavailable"
"""The ``reasons`` part :func:`annotate_reasons` adds to own KPIs."""


def annotate_reasons(result: pd.DataFrame) -> pd.DataFrame:
    """Say in ``reasons`` that the reference is unavailable for own measurements.

    :func:`koladagap.engine.evaluate` says ``reference:none`` when it has no z
    (an own KPI has values for one organisation only, so no z against other
    municipalities exists); for own KPIs that part is replaced by the reason.
    For rows of own KPIs that are material and have no ``z_ref``, this appends
    :data:`REFERENCE_UNAVAILABLE` so a reader sees why the level stops at ``info``, and blanks their
    ``percentile_ref`` (the engine ranks the organisation among itself alone,
    which gives a meaningless 100). Other rows are unchanged.
    """
    if result.empty or "reasons" not in result.columns:
        return result
    out = result.copy()
    own = out[KPI].astype("string").str.match(OWN_ID_PATTERN).fillna(False)
    own_rows = own.to_numpy(dtype=bool)
    z = pd.to_numeric(out["z_ref"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    no_ref = own_rows & np.isnan(z)
    if "percentile_ref" in out.columns:
        out["percentile_ref"] = out["percentile_ref"].where(~no_ref, np.nan)
    material = out["material"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    mask = no_ref & material
    if not mask.any():
        return out
    reasons = out["reasons"].astype("string").fillna("")
    # the engine's generic "no reference" gives way to the reason for it
    reasons = reasons.str.replace("; reference:none", "", regex=False).str.replace(
        "reference:none", "", regex=False
    )
    sep = np.where(reasons.to_numpy(dtype=object) == "", "", "; ")
    added = reasons + pd.Series(sep, index=out.index, dtype="string") + REFERENCE_UNAVAILABLE
    out["reasons"] = reasons.where(~mask, added).astype(result["reasons"].dtype)
    return out


__all__ = ["REFERENCE_UNAVAILABLE", "annotate_reasons", "merge_into"]
