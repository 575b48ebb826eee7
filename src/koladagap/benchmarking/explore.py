"""Exploring Kolada: joined values, what a municipality has data for, rankings, a health check.

- :func:`~koladagap.kolada.explore.join_metadata` (``values(..., join=True)``): each
  value with its KPI's title, unit and operating area and its municipality's name,
  type and county (*län*);
- :func:`available`: the KPIs with values for one municipality, and their years;
- :func:`rank`: every kommun (or region) ranked on one KPI in one year, by a
  gender's value or by the gap between women and men;
- :func:`status`: does Kolada answer, how fast, and what the cache holds.

Kolada's KPI catalogue has no unit field: the unit is read from the end of the
KPI's title, where Kolada writes it (``"…, andel (%)"``, ``"…, kr/inv"``), and is
empty when the title ends otherwise. A catalogue that has a ``unit`` column is
used as it is.

Examples:
    >>> a = available("1233", source="sample")
    >>> a.loc[a["kpi"] == "N15428", ["first_year", "last_year", "n_years", "gender_split"]]
    ... # doctest: +NORMALIZE_WHITESPACE
        first_year  last_year  n_years  gender_split
    15        1998       2022       25          True
    >>> r = rank("N15428", 2022, gender="K", source="sample")
    >>> r[["rank", "municipality", "value"]].head(2).to_string(index=False)
    ' rank municipality  value\\n    1      Dals-Ed  100.0\\n    1      Vindeln  100.0'
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from koladagap.benchmarking.data import Kolada, Source, _resolve
from koladagap.columns import (
    GENDER,
    ISDELETED,
    KPI,
    MUNICIPALITY_ID,
    PERIOD,
    VALUE,
    is_group,
    org_kind,
    to_wide,
)
from koladagap.errors import InputError
from koladagap.kolada.client import DEFAULT_BASE_URL
from koladagap.kolada.explore import (
    JOIN_COLUMNS,
    cache_summary,
    join_metadata,
    kpi_units,
    lookup,
    municipality_values,
    probe,
)
from koladagap.kolada.explore import joined as _joined
from koladagap.kolada.sample import sample_values
from koladagap.kolada.schema import parse_ids, parse_years
from koladagap.kolada.source import Years, check_not_future

AVAILABLE_COLUMNS = [
    KPI,
    "kpi_title",
    "operating_area",
    "first_year",
    "last_year",
    "n_years",
    "gender_split",
]

RANK_GENDERS = ("T", "K", "M", "gap")
"""What :func:`rank` ranks on: a gender's value (total, women, men) or the gap (women − men)."""

RANK_KINDS = {"K": "kommun", "L": "region"}
"""Kolada's municipality types and the organisations ranked: kommuner, or the regions."""


def joined(values: pd.DataFrame, source: Source | Kolada = "api") -> pd.DataFrame:
    """:func:`join_metadata` with the catalogues of ``source`` (what ``values(join=True)`` does).

    Examples:
        >>> v = sample_values().query("kpi == 'N00906' and municipality_id == '0180'")
        >>> joined(v.head(1), "sample")[["kpi_unit", "county"]].to_numpy().tolist()
        [['kr', 'Region Stockholm']]
    """
    return _joined(values, _resolve(source))


# --- which KPIs have data for a municipality ---------------------------------------


def summarise_available(values: pd.DataFrame, kpi_meta: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI with a value: :data:`AVAILABLE_COLUMNS`, sorted by KPI.

    Only published values count: a null value or a deleted row is no data.
    ``gender_split`` says whether there are values for women or men (K/M).

    Examples:
        >>> v = pd.DataFrame({"kpi": ["A", "A", "A", "B"], "municipality_id": "0180",
        ...     "period": [2020, 2021, 2021, 2020], "gender": ["T", "T", "K", "T"],
        ...     "value": [1.0, 2.0, 3.0, None], "isdeleted": False})
        >>> cat = pd.DataFrame({"id": ["A"], "title": ["Ett"], "operating_area": ["X"]})
        >>> print(summarise_available(v, cat).to_string(index=False))
        kpi kpi_title operating_area  first_year  last_year  n_years  gender_split
          A       Ett              X        2020       2021        2          True

    """
    live = values[VALUE].notna().to_numpy(dtype=bool).copy()
    if ISDELETED in values:
        live &= ~values[ISDELETED].fillna(False).to_numpy(dtype=bool)
    v = values.loc[live, [KPI, PERIOD, GENDER]]
    v = v.assign(split=v[GENDER].isin(["K", "M"]).to_numpy(dtype=bool))
    out = (
        v.groupby(KPI, sort=True)
        .agg(
            first_year=(PERIOD, "min"),
            last_year=(PERIOD, "max"),
            n_years=(PERIOD, "nunique"),
            gender_split=("split", "any"),
        )
        .reset_index()
    )
    out[KPI] = out[KPI].astype("string")
    ids = out[KPI]
    out.insert(1, "kpi_title", ids.map(lookup(kpi_meta, "id", "title")).astype("string"))
    area = pd.Series(pd.NA, index=out.index, dtype="string")
    if "operating_area" in kpi_meta:
        area = ids.map(lookup(kpi_meta, "id", "operating_area")).astype("string")
    out.insert(2, "operating_area", area)
    for c in ("first_year", "last_year", "n_years"):
        out[c] = out[c].astype("int64")
    out["gender_split"] = out["gender_split"].astype(bool)
    return out[AVAILABLE_COLUMNS]


def _one_organisation(kg: Kolada, municipality: str) -> str:
    """The one kommun, region or Riket id in ``municipality`` (known to ``kg``)."""
    ids = parse_ids(municipality, "municipality")
    if len(ids) != 1 or is_group(pd.Series(ids)).any():
        raise InputError(
            f"invalid municipality {municipality!r}: give one kommun, region or Riket id, "
            "e.g. 0180, 0001 or 0000"
        )
    kg.municipality_name(ids[0])  # an unknown id is an UnknownIdError
    return ids[0]


def available(
    municipality: str, years: Years = None, *, source: Source | Kolada = "api"
) -> pd.DataFrame:
    """The KPIs with values for one municipality: first and last year, how many, split by sex.

    Online (``source="api"``) Kolada is asked for every KPI's values for the
    municipality (``/data/municipality/{id}/year/{years}``, at most 25 years a
    request; ``years=None``: 1970 to this year); nothing is cached. Offline it
    answers from what the cache holds, and from the shipped sample with
    ``source="sample"`` — both hold only the KPIs fetched or shipped, not all of
    Kolada. Columns: :data:`AVAILABLE_COLUMNS`.

    Raises:
        InputError: not exactly one kommun, region or Riket id; impossible years.
        UnknownIdError: an id Kolada does not know.
    """
    kg = _resolve(source)
    mid = _one_organisation(kg, municipality)
    yrs = parse_years(years)
    check_not_future(yrs)
    if kg.mode == "sample":
        v = sample_values()
        mask = (v[MUNICIPALITY_ID] == mid).to_numpy(dtype=bool)
        if yrs:
            mask &= v[PERIOD].isin(yrs).to_numpy(dtype=bool)
        v = v.loc[mask]
    elif kg.mode == "offline":
        v = kg.cache.read(kg.available_kpis(), [mid], yrs or None)
    else:
        v = municipality_values(kg.client, mid, yrs or None)
    return summarise_available(v, kg._metadata("kpis"))


# --- ranking -------------------------------------------------------------------------


def _rank_gender(gender: str) -> str:
    g = str(gender).strip()
    g = g.lower() if g.lower() == "gap" else g.upper()
    if g not in RANK_GENDERS:
        raise InputError(
            f"invalid gender {gender!r}: expected T (total), K (women), M (men) or gap"
        )
    return g


def _rank_kind(kind: str) -> str:
    k = str(kind).strip()
    words = {v: key for key, v in RANK_KINDS.items()}
    k = words.get(k.lower(), k.upper())
    if k not in RANK_KINDS:
        raise InputError(f"invalid kind {kind!r}: expected K (kommuner) or L (regions)")
    return k


def rank_values(
    values: pd.DataFrame,
    municipality_meta: pd.DataFrame,
    *,
    gender: str = "T",
    kind: str = "K",
    ascending: bool = False,
) -> pd.DataFrame:
    """Every kommun (``kind="K"``) or region (``"L"``; Riket is not ranked) ranked on one KPI-year.

    ``values`` holds one KPI in one year. ``gender`` ``T``/``K``/``M`` ranks that
    gender's value; ``"gap"`` ranks the size of the gap (its absolute value: the
    distance from equality, largest first), ``value`` keeping its sign (women −
    men; a one-sex share's distance from 50 %). Highest first unless ``ascending``.
    Ties share the best rank (1, 2, 2, 4); a municipality without a value is
    listed last with an empty rank, never ranked as 0. Columns: ``rank,
    municipality_id, municipality, kpi, period, gender, value`` (+ ``women, men``
    for the gap).

    Examples:
        >>> v = pd.DataFrame({"kpi": "A", "municipality_id": ["0114", "0115", "0117"],
        ...     "period": 2022, "gender": "T", "value": [5.0, 7.0, 5.0]})
        >>> m = pd.DataFrame({"id": ["0114", "0115", "0117", "0120"],
        ...     "title": ["a", "b", "c", "d"]})
        >>> r = rank_values(v, m)
        >>> r["rank"].tolist(), r["municipality_id"].tolist()
        ([1, 2, 2, <NA>], ['0115', '0114', '0117', '0120'])
    """
    from koladagap.benchmarking.kpi_table import kpi_table
    from koladagap.engine.measures import compute_gaps

    g, k = _rank_gender(gender), _rank_kind(kind)
    wanted = RANK_KINDS[k]
    meta_ids = municipality_meta["id"].astype("string")
    ids = pd.concat([meta_ids, values[MUNICIPALITY_ID].astype("string")]).drop_duplicates()
    ids = ids[(org_kind(ids) == wanted).to_numpy(dtype=bool)].sort_values()
    out = pd.DataFrame({"rank": pd.NA, MUNICIPALITY_ID: ids.to_numpy()})
    out["municipality"] = out[MUNICIPALITY_ID].map(lookup(municipality_meta, "id", "title"))
    kpis = values[KPI].dropna().astype("string").unique()
    periods = values[PERIOD].dropna().unique()
    out[KPI] = pd.Series(kpis[0] if len(kpis) else pd.NA, index=out.index, dtype="string")
    out[PERIOD] = pd.Series(periods[0] if len(periods) else pd.NA, index=out.index, dtype="Int64")
    out[GENDER] = g
    mid = out[MUNICIPALITY_ID]
    if g == "gap":
        wide = compute_gaps(to_wide(values), kpi_table()).drop_duplicates(MUNICIPALITY_ID)
        by_id = wide.set_index(wide[MUNICIPALITY_ID].astype("string"))
        out[VALUE] = mid.map(by_id["gap"]).astype("float64")
        out["women"] = mid.map(by_id["women"]).astype("float64")
        out["men"] = mid.map(by_id["men"]).astype("float64")
        key = out[VALUE].abs()
    else:
        live = values[GENDER].eq(g).to_numpy(dtype=bool).copy()
        if ISDELETED in values:
            live &= ~values[ISDELETED].fillna(False).to_numpy(dtype=bool)
        one = values.loc[live].drop_duplicates(MUNICIPALITY_ID, keep="last")
        out[VALUE] = mid.map(lookup(one, MUNICIPALITY_ID, VALUE)).astype("float64")
        key = out[VALUE]
    key = key.where(np.isfinite(key.to_numpy(dtype=float)))
    out["rank"] = key.rank(method="min", ascending=ascending).astype("Int64")
    out["municipality"] = out["municipality"].astype("string")
    order = np.lexsort((out[MUNICIPALITY_ID].to_numpy(), out["rank"].fillna(10**9).to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def rank(
    kpi: str,
    year: int | str,
    *,
    gender: Literal["T", "K", "M", "gap"] | str = "T",
    kind: Literal["K", "L"] | str = "K",
    ascending: bool = False,
    source: Source | Kolada = "api",
) -> pd.DataFrame:
    """Every kommun (or region) ranked on one KPI in one year (see :func:`rank_values`).

    The values of every municipality are fetched (the bulk form, cached) or read
    from the cache or the sample.

    Raises:
        InputError: not exactly one KPI or one year, a gender other than T, K, M or
            gap, a kind other than K or L, or K/M/gap for a KPI with no values by sex.
        UnknownIdError: a KPI Kolada does not know.
    """
    g, k = _rank_gender(gender), _rank_kind(kind)
    kg = _resolve(source)
    ids = parse_ids(kpi, "kpi")
    if len(ids) != 1:
        raise InputError(f"invalid kpi {kpi!r}: give one KPI id to rank on, e.g. N15428")
    yrs = parse_years(year)
    if len(yrs) != 1:
        raise InputError(f"invalid year {year!r}: give one year to rank on, e.g. 2022")
    check_not_future(yrs)
    v = kg.values(ids, None, yrs)
    out = rank_values(v, kg._metadata("municipalities"), gender=g, kind=k, ascending=ascending)
    if g != "T" and len(v) and not v[GENDER].isin(["K", "M"]).any() and out["rank"].isna().all():
        raise InputError(
            f"{ids[0]} has no values for women and men in {yrs[0]}: rank on gender T "
            "(accepted: T, K, M, gap)"
        )
    return out


# --- the health check ----------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """Whether Kolada answers, how fast, and what the cache holds (see :func:`status`).

    Attributes:
        api_url: the API root asked.
        reachable: Kolada answered (``None``: not asked, offline or sample).
        ms: how long the answer took, in milliseconds.
        reason: why Kolada did not answer (``""`` when it did).
        probe_url: the request sent.
        cache_path, kpis, corrupt, files, bytes, last_fetched: the cache (see
            :func:`koladagap.kolada.explore.cache_summary`).
        cache_problem: why the cache could not be read (``""`` when it could).
    """

    api_url: str
    reachable: bool | None
    ms: float | None
    reason: str
    probe_url: str
    cache_path: str
    kpis: int
    corrupt: int
    files: int
    bytes: int
    last_fetched: dt.datetime | None
    cache_problem: str = ""

    @property
    def ok(self) -> bool:
        """Kolada answered, or was not asked."""
        return self.reachable is not False


def status(source: Source | Kolada = "api") -> Status:
    """Does Kolada answer (one small request, no retries), how fast, and what the cache holds.

    With ``source="offline"`` or ``"sample"`` nothing is sent (``reachable`` is
    ``None``). Never raises for an API that is down: ``reachable`` is ``False`` and
    ``reason`` says why.

    Examples:
        >>> s = status("sample")
        >>> s.reachable, s.ok
        (None, True)
    """
    kg = _resolve(source)
    cache = cache_summary(kg.cache)
    url = kg._client_args.get("base_url") or os.environ.get("KOLADA_API_URL") or DEFAULT_BASE_URL
    reachable: bool | None = None
    ms: float | None = None
    reason = probe_url = ""
    if kg.mode == "api":
        p = probe(kg.client)
        url, reachable, ms, reason, probe_url = kg.base_url, p.ok, p.ms, p.reason, p.url
    return Status(
        api_url=str(url),
        reachable=reachable,
        ms=ms,
        reason=reason,
        probe_url=probe_url,
        cache_path=cache["path"],
        kpis=cache["kpis"],
        corrupt=cache["corrupt"],
        files=cache["files"],
        bytes=cache["bytes"],
        last_fetched=cache["last_fetched"],
        cache_problem=cache["problem"],
    )


__all__ = [
    "AVAILABLE_COLUMNS",
    "JOIN_COLUMNS",
    "RANK_GENDERS",
    "RANK_KINDS",
    "Status",
    "available",
    "join_metadata",
    "joined",
    "kpi_units",
    "rank",
    "rank_values",
    "status",
]
