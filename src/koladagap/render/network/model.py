"""The frames the network's workbook and deck show, derived once from a :class:`NetworkResult`.

:func:`cells` adds to the tidy table what a reader sees in each cell (the gap in the
reader's format, the area's name, whether it is a flag); :func:`matrix` spreads it to
KPI × organisation; :func:`flags_by` counts per operating area or KPI how many
members flag it (``watch`` or ``act``) and which, answering "samma områden eller
olika?". The mentor is shown but never counted among the members.
"""

from __future__ import annotations

import pandas as pd

from koladagap.benchmarking.network_model import NetworkResult
from koladagap.render.i18n import format_number
from koladagap.render.i18n.measures import ONE_SEX
from koladagap.render.i18n.network import text

FLAGS = ("watch", "act")
"""The levels that are a flag."""


def organisations(result: NetworkResult) -> pd.DataFrame:
    """The members then the mentor (``id, name, role, header``), ``header`` as the column title.

    The mentor's header is marked: ``"Helsingborg (mentor)"``.
    """
    m = result.members.copy()
    m["id"] = m["id"].astype(str)
    m["name"] = m["name"].astype(str)
    is_mentor = (m["role"] == "mentor").to_numpy(dtype=bool)
    m = pd.concat([m.loc[~is_mentor], m.loc[is_mentor]], ignore_index=True)
    mark = m["name"].map(lambda n: text(result.lang, "mentor_mark", name=n))
    m["header"] = m["name"].where(m["role"] != "mentor", mark)
    return m[["id", "name", "role", "header"]]


def cells(result: NetworkResult) -> pd.DataFrame:
    """The tidy table with ``area_name`` (empty → "Övrigt"), ``flag``, ``one_sex`` and ``cell``.

    ``cell`` is the gap in the reader's format with its sign (``+2,0``); for a KPI
    that is one sex's share it is the share's distance from 50/50, as the engine
    measures it, never women − men.
    """
    t = result.table.copy()
    t["kpi"] = t["kpi"].astype(str)
    t["municipality_id"] = t["municipality_id"].astype(str)
    area = t["area"].astype("string").fillna("").str.strip()
    t["area_name"] = area.where(area != "", text(result.lang, "other_area")).astype(str)
    t["flag"] = t["level"].isin(FLAGS).to_numpy(dtype=bool)
    t["one_sex"] = (t["kind"].astype("string") == ONE_SEX).fillna(False).to_numpy(dtype=bool)
    gap = pd.to_numeric(t["gap"], errors="coerce")
    t["cell"] = [format_number(x, result.lang, sign=True) for x in gap.to_numpy(dtype=float)]
    return t


def kpi_order(result: NetworkResult) -> list[str]:
    """The shared KPIs in the network file's order (then any other KPI of the table)."""
    ids = [str(k) for k in result.kpis["id"]]
    rest = [k for k in dict.fromkeys(result.table["kpi"].astype(str)) if k not in set(ids)]
    return ids + rest


def kpi_titles(result: NetworkResult) -> dict[str, str]:
    """KPI id → title (the KPI list's, else the table's)."""
    t, k = result.table, result.kpis
    titles = dict(zip(t["kpi"].astype(str), t["kpi_title"].astype(str), strict=True))
    titles.update(zip(k["id"].astype(str), k["title"].astype(str), strict=True))
    return titles


def matrix(result: NetworkResult, column: str) -> pd.DataFrame:
    """KPI × organisation (ids, members then the mentor) of one column of :func:`cells`."""
    t = cells(result)
    wide = t.pivot_table(
        index="kpi", columns="municipality_id", values=column, aggfunc="first", sort=False
    )
    return wide.reindex(index=kpi_order(result), columns=list(organisations(result)["id"]))


def flags_by(result: NetworkResult, key: str) -> pd.DataFrame:
    """Per ``key`` (``"area_name"`` or ``"kpi"``): how many members flag it and which.

    Columns: ``key``, ``n`` (members with a flag, the mentor not counted),
    ``names`` (their names, in the network's order), ``mentor_flag`` (the mentor
    flags it too), sorted by ``n`` (most first), then in the table's order.
    """
    t = cells(result)
    orgs = organisations(result)
    rank = dict(zip(orgs["id"], range(len(orgs)), strict=True))
    t["rank"] = t["municipality_id"].map(rank)
    t = t.sort_values("rank", kind="stable")
    member = (t["role"] != "mentor").to_numpy(dtype=bool)
    keys = pd.Series(list(dict.fromkeys(t[key].astype(str))), name=key, dtype=object)
    hits = t.loc[member & t["flag"].to_numpy(dtype=bool)].drop_duplicates([key, "municipality_id"])
    names = hits.groupby(key, sort=False)["member"].agg(lambda s: ", ".join(map(str, s)))
    n = hits.groupby(key, sort=False)["municipality_id"].nunique()
    mentor = t.loc[~member].groupby(key, sort=False)["flag"].any()
    out = pd.DataFrame({key: keys})
    out["n"] = out[key].map(n).fillna(0).astype(int)
    # map() gives float NaN where a key has no hit: fill in an object column (no dtype clash)
    out["names"] = out[key].map(names).astype(object).where(out[key].isin(names.index), "")
    out["mentor_flag"] = out[key].isin(mentor.index[mentor.to_numpy(dtype=bool)])
    return out.sort_values("n", ascending=False, kind="stable").reset_index(drop=True)


def n_members(result: NetworkResult) -> int:
    """How many members the network has (the mentor not counted)."""
    return int((result.members["role"] != "mentor").sum())


def mentor_name(result: NetworkResult) -> str:
    """The mentor's name, or ``""``."""
    m = result.members.loc[result.members["role"] == "mentor", "name"]
    return str(m.iloc[0]) if len(m) else ""


__all__ = [
    "FLAGS",
    "cells",
    "flags_by",
    "kpi_order",
    "kpi_titles",
    "matrix",
    "mentor_name",
    "n_members",
    "organisations",
]
