"""Gaps inside the organisation: Kolada's key figures per organisational unit (OU).

Kolada publishes many KPIs per unit — schools, preschools, home care, nursing
homes, LSS units — several split by gender. :func:`unit_gaps` fetches a
municipality's units of one type (``/ou?municipality=…``, then ``/oudata/…``)
through the same client and cache as municipality data (the cache keeps unit
data in its own ``ou_values/`` dataset, with the same guarantees), runs the
same engine and statuses on every unit, and ranks the units that drive the
organisation's gap.

What to expect: units are small. Kolada suppresses the split for few pupils or
clients, so many rows are ``not_computable``; where counts are published and
below ``credibility.min_n`` they are ``too_small``. Those are reported as such,
never as a zero gap and never as a flag. The reference for a unit is the other
units of the same type in the same municipality (``z_ref`` among them; with
fewer than ``reference.min_n`` units there is no reference, so no ``watch``/``act``).

Unit types (the id prefix), unit lists, search and lookup by id: see
:mod:`koladagap.benchmarking.unit_catalogue` (its names are importable from here).

Examples:
    >>> OU_TYPES["V15"]
    'grundskola F-9'
    >>> unit_type("V15E018000201")
    'V15'
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from koladagap.benchmarking.unit_catalogue import (
    OU_TYPES,
    SAMPLE_HAS_NO_UNITS,
    _check_not_sample,
    _check_type,
    all_units,
    check_unit_type,
    find_units,
    list_units,
    search_units,
    unit_type,
    unit_types,
)
from koladagap.columns import GENDER, KPI, MUNICIPALITY_ID, OU_ID, PERIOD, RIKET_ID
from koladagap.errors import InputError, OfflineMissingError, UnknownIdError
from koladagap.kolada.frames import label_columns, records_to_frame
from koladagap.kolada.schema import parse_ids, parse_years

if TYPE_CHECKING:
    from koladagap.benchmarking.data import Kolada
    from koladagap.engine import KpiRule, Thresholds


def unit_values(
    kg: Kolada,
    kpis: str | Iterable[str],
    units: Iterable[str],
    years: str | int | Iterable[int | str] | None = None,
    *,
    refresh: bool = False,
    join: bool = False,
) -> pd.DataFrame:
    """Tidy unit values (``kpi, ou_id, period, gender, value, …``), through the OU cache.

    ``join=True`` adds what a reader needs beside the ids: ``kpi_title``,
    ``unit_title``, ``unit_type``, ``type_label``, ``municipality_id`` and
    ``municipality`` (the unit's municipality and its name).
    """
    k = parse_ids(kpis, "kpi")
    ids = parse_ids(list(units), "ou")
    yrs = parse_years(years)
    _check_not_sample(kg)
    cache = kg.cache.units()
    if not ids:
        from koladagap.kolada.schema import empty_data_frame

        return empty_data_frame(ou=True)
    todo = k if refresh else [x for x in k if cache.missing([x], ids, yrs or None)]
    if todo:
        if kg.mode != "api":
            missing = cache.missing(todo, ids, yrs or None)
            raise OfflineMissingError(
                f"offline and not in the unit cache: {'; '.join(missing[:5])}",
                path=str(cache.values_dir),
                missing=missing,
            )
        records = kg.client.oudata(todo, ids, yrs or None)
        df = records_to_frame(records, ou=True, source=kg.base_url + "/oudata")
        cache.write(
            df,
            query={"kpis": todo, "municipalities": ids, "years": yrs or "*", "from_date": None},
            api_url=kg.base_url,
        )
    out = cache.read(k, ids, yrs or None).sort_values(
        [KPI, OU_ID, PERIOD, GENDER], ignore_index=True
    )
    return _join_units(kg, out) if join else out


def _join_units(kg: Kolada, values: pd.DataFrame) -> pd.DataFrame:
    """Unit values with the KPI's title and the unit's name, type and municipality."""
    ids = values[OU_ID].astype(str).unique().tolist()
    units = find_units(kg, ids).set_index("id") if ids else pd.DataFrame()
    kpis = kg._metadata("kpis").set_index("id")["title"]
    out = values.copy()
    ou = out[OU_ID].astype("string")
    out.insert(1, "kpi_title", out[KPI].map(kpis).astype("string"))
    extra = {
        "unit_title": "title",
        "unit_type": "type",
        "type_label": "type_label",
        "municipality_id": "municipality",
        "municipality": "municipality_title",
    }
    for i, (col, src) in enumerate(extra.items()):
        got = ou.map(units[src]) if len(units) else pd.Series(pd.NA, index=out.index)
        out.insert(3 + i, col, got.astype("string"))
    return out


@dataclass
class UnitGaps:
    """Gaps per unit for one municipality, KPI set and year.

    Attributes:
        table: one row per KPI × unit (latest year up to ``year``): the engine's
            columns plus ``unit_title``, ``rank`` (1 = drives the organisation's
            gap most) and ``drives`` (same direction as the organisation's gap).
        organisation: the municipality's own row per KPI (``gap``, ``level``…).
        riket_gap: Riket's gap per KPI.
        municipality: id and name.
    """

    table: pd.DataFrame
    organisation: pd.DataFrame
    riket_gap: Mapping[str, float]
    municipality: tuple[str, str]
    kind: str | None

    def status_counts(self) -> pd.DataFrame:
        """How many units per KPI and level (``not_computable`` says: split suppressed)."""
        return (
            self.table.assign(level=self.table["level"].astype(str))
            .pivot_table(index="kpi", columns="level", values="ou_id", aggfunc="count")
            .fillna(0)
            .astype(int)
        )


def unit_gaps(
    kg: Kolada,
    municipality: str,
    kpis: str | Iterable[str],
    year: int,
    *,
    kind: str | None = None,
    rules: Mapping[str, KpiRule] | None = None,
    thresholds: Thresholds | None = None,
    first_year: int | None = None,
) -> UnitGaps:
    """Gaps of every unit of ``municipality`` (of type ``kind``) with the deviation engine.

    The municipality's own gap and Riket's come from the municipality data, so the
    units can be read against them.
    """
    from koladagap.benchmarking.kpi_table import kpi_table
    from koladagap.engine import evaluate
    from koladagap.engine.rules import rules_from_table

    mid = parse_ids(municipality, "municipality")[0]
    k = parse_ids(kpis, "kpi")
    if not k:
        raise InputError("no KPI id given: name at least one, e.g. N15428")
    units = list_units(kg, mid, kind)
    if units.empty:
        there = unit_types(list_units(kg, mid))
        have = ", ".join(
            f"{t} {'' if pd.isna(lab) else lab} ({n})".replace("  ", " ")
            for t, lab, n in there[["type", "label", "n_units"]].itertuples(index=False)
        )
        raise UnknownIdError(
            "ou",
            [f"{mid}:{kind or '*'}"],
            f"no units of that type in Kolada; types there: {have or 'none'}",
        )
    first = first_year if first_year is not None else year - 4
    ov = unit_values(kg, k, units["id"].astype(str).tolist(), f"{first}-{year}")
    kpi_meta = kg._metadata("kpis")
    kpi_meta = kpi_meta.assign(**label_columns(kpi_meta["title"]).set_axis(kpi_meta.index))
    titles = dict(zip(kpi_meta["id"].astype(str), kpi_meta["title"].astype(str), strict=False))
    r = dict(rules) if rules is not None else rules_from_table(k, table=kpi_table(), titles=titles)
    table = _evaluate_units(ov, r, thresholds, kpi_meta, year)
    names = dict(zip(units["id"].astype(str), units["title"].astype(str), strict=True))
    table.insert(2, "unit_title", table[OU_ID].astype(str).map(names).astype("string"))
    org_vals = kg.values(k, [mid, RIKET_ID], f"{first}-{year}")
    org = evaluate(org_vals, r, thresholds, municipalities=[mid, RIKET_ID], kpi_meta=kpi_meta)
    org = org.loc[org["period"].astype("Int64").le(year).fillna(False).to_numpy(bool)]
    org = org.sort_values(["kpi", "period"]).groupby(["kpi", "municipality_id"]).tail(1)
    riket = org.loc[org["municipality_id"] == RIKET_ID].set_index("kpi")["gap"].astype(float)
    own = org.loc[org["municipality_id"] == mid].reset_index(drop=True)
    table = _rank(table.reset_index(drop=True), own)
    return UnitGaps(
        table=table,
        organisation=own,
        riket_gap={str(k): float(v) for k, v in riket.items()},
        municipality=(mid, kg.municipality_name(mid)),
        kind=_check_type(kind),
    )


def _evaluate_units(
    ov: pd.DataFrame,
    rules: Mapping[str, KpiRule],
    thresholds: Thresholds | None,
    kpi_meta: pd.DataFrame,
    year: int,
) -> pd.DataFrame:
    """The engine's row per KPI × unit (latest year up to ``year``), keyed by ``ou_id``.

    The engine knows one kind of organisation, keyed ``municipality_id``; this is
    the one place a unit stands in for one: its id goes in under that name and
    comes out as ``ou_id``, and the engine's municipality name column is left out.
    """
    from koladagap.engine import evaluate

    if ov.empty:
        return pd.DataFrame(columns=["kpi", OU_ID, "period", "gap", "level"])
    res = evaluate(
        ov.rename(columns={OU_ID: MUNICIPALITY_ID}), rules, thresholds, kpi_meta=kpi_meta
    )
    res = res.loc[res["period"].astype("Int64").le(year).fillna(False).to_numpy(bool)]
    latest = res.sort_values(["kpi", MUNICIPALITY_ID, "period"]).groupby(
        ["kpi", MUNICIPALITY_ID], sort=False
    )
    return (
        latest.tail(1)
        .rename(columns={MUNICIPALITY_ID: OU_ID})
        .drop(columns="municipality", errors="ignore")
    )


def _rank(table: pd.DataFrame, own: pd.DataFrame) -> pd.DataFrame:
    """Rank units by how much their gap points the way the organisation's gap does."""
    if table.empty:
        return table.assign(drives=pd.Series(dtype="boolean"), rank=pd.Series(dtype="Int64"))
    org_gap = table["kpi"].map(own.set_index("kpi")["gap"].astype(float)).astype(float)
    sign = np.sign(org_gap.fillna(0.0).to_numpy())
    gap = pd.to_numeric(table["gap"], errors="coerce").to_numpy(dtype=float)
    score = gap * sign
    judged = ~table["level"].astype(str).isin(["not_computable", "too_small", "excluded"])
    ok = np.isfinite(score) & (sign != 0) & judged.to_numpy()
    drives = ok & (score > 0)
    out = table.assign(_score=np.where(ok, score, np.nan))
    out["drives"] = pd.array(np.where(ok, drives, False), dtype="boolean")
    out["rank"] = (
        out.groupby("kpi")["_score"].rank(ascending=False, method="min", na_option="keep")
    ).astype("Int64")
    out = out.sort_values(["kpi", "rank", "unit_title"], na_position="last").drop(columns="_score")
    return out.reset_index(drop=True)


def __getattr__(name: str) -> Any:
    """``plot_unit_gaps`` moved to :mod:`koladagap.render.units` (the chart is render's)."""
    if name == "plot_unit_gaps":
        warnings.warn(
            "koladagap.benchmarking.units.plot_unit_gaps moved to "
            "koladagap.render.units.plot_unit_gaps; the old name goes in koladagap 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module("koladagap.render.units").plot_unit_gaps
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "OU_TYPES",
    "SAMPLE_HAS_NO_UNITS",
    "UnitGaps",
    "all_units",
    "check_unit_type",
    "find_units",
    "list_units",
    "search_units",
    "unit_gaps",
    "unit_type",
    "unit_types",
    "unit_values",
]
