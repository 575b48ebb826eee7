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

Unit types (the id prefix): see :data:`OU_TYPES`.

Examples:
    >>> OU_TYPES["V15"]
    'grundskola F-9'
    >>> unit_type("V15E018000201")
    'V15'
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from koladagap.columns import GENDER, KPI, MUNICIPALITY_ID, OU_ID, PERIOD, RIKET_ID
from koladagap.errors import InputError, OfflineMissingError, UnknownIdError
from koladagap.kolada.frames import label_columns, records_to_frame
from koladagap.kolada.schema import parse_ids, parse_years

if TYPE_CHECKING:
    from koladagap.benchmarking.data import Kolada
    from koladagap.engine import KpiRule, Thresholds

OU_TYPES: dict[str, str] = {
    "V11": "förskola",
    "V15": "grundskola F-9",
    "V17": "gymnasieskola",
    "V21": "hemtjänst äldre",
    "V23": "särskilt boende äldre",
    "V25": "LSS gruppbostad",
    "V26": "LSS servicebostad",
    "V29": "LSS daglig verksamhet",
    "V30": "LSS korttidsvistelse",
    "V31": "SoL boende",
    "V32": "SoL boendestöd",
    "V34": "SoL sysselsättning",
    "V45": "våld i nära relationer",
    "V60": "fastigheter region",
}
"""Kolada's OU id prefixes and what they are."""

_TYPE = re.compile(r"^V\d{2}")


def unit_type(ou_id: str) -> str:
    """The type prefix of an OU id (``"V15E018000201"`` → ``"V15"``)."""
    m = _TYPE.match(ou_id)
    return m.group(0) if m else ""


def _check_type(kind: str | None) -> str | None:
    if kind is None:
        return None
    k = kind.strip().upper()
    if k not in OU_TYPES:
        raise InputError(
            f"unknown unit type {kind!r}: expected one of "
            + ", ".join(f"{t} ({n})" for t, n in OU_TYPES.items())
        )
    return k


SAMPLE_HAS_NO_UNITS = (
    "the shipped sample holds no unit (OU) data, only values for kommuner, regioner and "
    "Riket: read unit data from Kolada (source 'api'), or from the cache (source "
    "'offline') once they have been fetched"
)
"""The error for unit data asked of the shipped sample."""


def _check_not_sample(kg: Kolada) -> None:
    """Refuse unit data from the shipped sample, which has none (an :class:`InputError`)."""
    if kg.mode == "sample":
        raise InputError(SAMPLE_HAS_NO_UNITS)


def list_units(kg: Kolada, municipality: str, kind: str | None = None) -> pd.DataFrame:
    """The organisational units of a municipality (``id, title, municipality, type``).

    Online, the list is fetched and cached (``meta/ou_<municipality>.parquet``);
    offline (``mode="offline"``) it must be in the cache. The shipped sample
    (``mode="sample"``) holds no unit data: an :class:`~koladagap.errors.InputError`
    says so.
    """
    mid = parse_ids(municipality, "municipality")[0]
    t = _check_type(kind)
    _check_not_sample(kg)
    name = f"ou_{mid}"
    df = kg.cache.read_meta(name)
    if df is None:
        if kg.mode != "api":
            raise OfflineMissingError(
                f"offline and the units of {mid} are not in the cache; run once online",
                path=str(kg.cache.path),
                missing=[name],
            )
        recs = kg.client.ou(municipality=mid)
        df = pd.DataFrame(
            {
                "id": [str(r.get("id", "")) for r in recs],
                "title": [str(r.get("title", "")) for r in recs],
                "municipality": [str(r.get("municipality", mid)) for r in recs],
            },
            dtype="string",
        )
        kg.cache.write_meta(name, df, {"api_url": kg.base_url, "endpoint": "ou"})
    out = df.copy()
    out["type"] = out["id"].astype(str).str.slice(0, 3).astype("string")
    if t is not None:
        out = out.loc[out["type"] == t]
    return out.sort_values("title", ignore_index=True)


def unit_values(
    kg: Kolada,
    kpis: str | Iterable[str],
    units: Iterable[str],
    years: str | int | Iterable[int | str] | None = None,
    *,
    refresh: bool = False,
) -> pd.DataFrame:
    """Tidy unit values (``kpi, ou_id, period, gender, value, …``), through the OU cache."""
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
    return cache.read(k, ids, yrs or None).sort_values(
        [KPI, OU_ID, PERIOD, GENDER], ignore_index=True
    )


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
        raise UnknownIdError("ou", [f"{mid}:{kind or '*'}"], "no units of that type in Kolada")
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
    "UnitGaps",
    "list_units",
    "unit_gaps",
    "unit_type",
    "unit_values",
]
