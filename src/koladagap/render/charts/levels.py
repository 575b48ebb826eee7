"""The level of each KPI a chart colours, from a mapping or the engine's level frame."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from koladagap.columns import KPI, MUNICIPALITY_ID, PERIOD
from koladagap.errors import InputError
from koladagap.render.style import LEVELS


def level_map(
    levels: Mapping[str, str] | pd.DataFrame | None,
    *,
    municipality_id: str | None = None,
    year: int | None = None,
) -> dict[str, str]:
    """KPI id → level from a mapping or a frame with ``kpi`` and ``level`` columns.

    A frame may hold more than one organisation or year (the deviation
    engine's output): it is narrowed to ``municipality_id`` when it has a
    ``municipality_id`` column and to the latest ``period`` up to ``year``
    when it has a ``period`` column. Levels are matched case-insensitively
    against :data:`LEVELS`; anything else is an :class:`InputError`.

    Examples:
        >>> level_map({"N15428": "Watch"})
        {'N15428': 'watch'}
        >>> df = pd.DataFrame({"kpi": ["A", "A", "A"], "municipality_id": ["0180", "0180", "1280"],
        ...                    "period": [2017, 2018, 2018], "level": ["info", "act", "none"]})
        >>> level_map(df, municipality_id="0180", year=2018)
        {'A': 'act'}
    """
    if levels is None:
        return {}
    if isinstance(levels, pd.DataFrame):
        if not {KPI, "level"} <= set(levels.columns):
            raise InputError("the levels frame needs the columns 'kpi' and 'level'")
        df = levels.dropna(subset=[KPI, "level"])
        if municipality_id is not None and MUNICIPALITY_ID in df:
            df = df.loc[(df[MUNICIPALITY_ID].astype(str) == municipality_id).to_numpy()]
        if PERIOD in df:
            if year is not None:
                df = df.loc[(df[PERIOD] <= year).to_numpy()]
            df = df.sort_values(PERIOD, kind="stable").drop_duplicates(KPI, keep="last")
        if df[KPI].duplicated().any():
            dup = sorted(df.loc[df[KPI].duplicated(), KPI].astype(str).unique())
            raise InputError(
                f"the levels frame has more than one level for KPI(s) {', '.join(dup)}: "
                "give one row per KPI or the columns municipality_id and period"
            )
        pairs = zip(df[KPI].astype(str), df["level"].astype(str), strict=True)
    else:
        pairs = zip(map(str, levels.keys()), map(str, levels.values()), strict=True)
    out = {k: v.strip().lower() for k, v in pairs}
    bad = sorted(set(out.values()) - set(LEVELS))
    if bad:
        raise InputError(f"unknown level(s) {bad}: expected one of {', '.join(LEVELS)}")
    return out


__all__ = ["level_map"]
