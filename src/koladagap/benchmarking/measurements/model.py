"""What own measurements are: their ids, their source line and the :class:`Measurements` value.

Pure: no files. :mod:`.read` builds a :class:`Measurements` from a file,
:mod:`.merge` puts one into Kolada's frames.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from koladagap.benchmarking.data import ATTRIBUTION_PROCESSED
from koladagap.columns import KPI, PERIOD
from koladagap.engine.thresholds import KpiRule
from koladagap.errors import ConfigError
from koladagap.kolada.schema import KPI_META_COLUMNS, empty_data_frame, normalise_data_frame

# --- attribution and ids ----------------------------------------------------------

SOURCE = "Källa: egen mätning"
"""The source line of own measurements."""
KOLADA_SOURCE = ATTRIBUTION_PROCESSED
"""The source line of Kolada KPIs processed by koladagap."""
MIXED_SOURCE = f"{KOLADA_SOURCE}; egen mätning"
"""The source line when Kolada KPIs and own measurements appear together."""
OPERATING_AREA = "Egen mätning"
"""The operating area of own KPIs (when the plan's ``[areas]`` does not place them)."""
COUNT_SUFFIX = "-N"
"""Suffix of the auxiliary KPI holding the counts behind an own KPI."""

OWN_ID_PATTERN = r"^[A-Z]{2,10}-[A-Z0-9](?:[A-Z0-9_-]{0,38}[A-Z0-9])?$"
"""Own KPI ids: 2–10 letters, a hyphen, then letters/digits/``_``/``-`` (upper case)."""
OWN_ID = re.compile(OWN_ID_PATTERN)
""":data:`OWN_ID_PATTERN`, compiled."""

CATALOGUE_COLUMNS = [*KPI_META_COLUMNS, "unit", "source", "about_children", "organisation"]
"""The columns of :attr:`Measurements.kpis`: Kolada's catalogue columns and four more."""
BOOL_COLUMNS = ("is_divided_by_gender", "has_ou_data", "about_children")
"""The boolean columns of :data:`CATALOGUE_COLUMNS` (the others are strings)."""


def is_own(kpi_id: str) -> bool:
    """True for an own-measurement KPI id (or the counts KPI behind one).

    Kolada ids never contain a hyphen, so the test is exact.

    >>> is_own("EGEN-SJUK"), is_own("egen-sjuk-N"), is_own("N00906")
    (True, True, False)
    """
    return isinstance(kpi_id, str) and bool(OWN_ID.match(kpi_id.strip().upper()))


def count_kpi(kpi_id: str) -> str:
    """The id of the auxiliary KPI holding the counts behind ``kpi_id``.

    >>> count_kpi("EGEN-SJUK")
    'EGEN-SJUK-N'
    """
    return f"{kpi_id}{COUNT_SUFFIX}"


def attribution(kpi_ids: Iterable[str]) -> str:
    """The source line for a table or chart showing ``kpi_ids``.

    Only Kolada KPIs (or none): ``"Källa: Kolada; egen bearbetning"``; only own
    measurements: ``"Källa: egen mätning"``; both: ``"Källa: Kolada; egen
    bearbetning; egen mätning"``.

    >>> attribution(["EGEN-SJUK"])
    'Källa: egen mätning'
    >>> attribution(["N00906"])
    'Källa: Kolada; egen bearbetning'
    >>> attribution(["N00906", "EGEN-SJUK"])
    'Källa: Kolada; egen bearbetning; egen mätning'
    """
    ids = [str(k) for k in kpi_ids]
    own = [is_own(k) for k in ids]
    if any(own) and all(own):
        return SOURCE
    return MIXED_SOURCE if any(own) else KOLADA_SOURCE


# --- the result ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measurements:
    """Own measurements read from one or more files.

    Attributes:
        values: the tidy frame (:data:`koladagap.kolada.schema.DATA_COLUMNS`): ``kpi`` is
            the own id (or ``<id>-N`` for the counts), ``municipality_id`` the
            organisation, ``count`` the count given with a value.
        kpis: a catalogue frame like Kolada's (``id, title, description,
            is_divided_by_gender, municipality_type, …, operating_area``) plus
            ``unit``, ``source`` (``"Källa: egen mätning"``), ``about_children`` and
            ``organisation``; one row per own KPI and per counts KPI.
        rules: the :class:`~koladagap.engine.KpiRule` of every own KPI (not of the
            counts KPIs, which are only denominators).
        paths: the files read.
    """

    values: pd.DataFrame
    kpis: pd.DataFrame
    rules: dict[str, KpiRule]
    paths: tuple[str, ...] = ()

    @property
    def ids(self) -> list[str]:
        """The own KPI ids (without the counts KPIs), in file order."""
        return list(self.rules)

    @property
    def organisations(self) -> list[str]:
        """The organisations the figures belong to, sorted."""
        return sorted(set(self.kpis["organisation"].astype(str)))

    @property
    def years(self) -> list[int]:
        """The years with values, sorted."""
        return sorted({int(y) for y in self.values[PERIOD].unique()})

    @property
    def with_counts(self) -> list[str]:
        """Own KPIs with counts (a ``denominator_kpi``: Newcombe tests for shares)."""
        return [k for k, r in self.rules.items() if r.denominator_kpi]

    @property
    def n_values(self) -> int:
        """Number of values of the own KPIs (counts KPIs not included)."""
        return int(self.values[KPI].isin(self.ids).sum())

    @property
    def coverage(self) -> pd.DataFrame:
        """Per own KPI (index, file order): ``n_values``, ``first_year``, ``last_year``.

        A KPI without values has 0 values and missing years.
        """
        years = self.values.loc[self.values[KPI].isin(self.ids)].groupby(KPI)[PERIOD]
        out = pd.DataFrame(
            {"n_values": years.size(), "first_year": years.min(), "last_year": years.max()}
        ).reindex(pd.Index(self.ids, name=KPI))
        out["n_values"] = out["n_values"].fillna(0).astype("int64")
        for c in ("first_year", "last_year"):
            out[c] = out[c].astype("Int64")
        return out


def empty() -> Measurements:
    """No own measurements (what a plan without ``[measurements]`` has).

    >>> m = empty()
    >>> m.ids, m.n_values, list(m.kpis.columns) == CATALOGUE_COLUMNS
    ([], 0, True)
    """
    kpis = pd.DataFrame({c: pd.Series(dtype="string") for c in CATALOGUE_COLUMNS})
    for c in BOOL_COLUMNS:
        kpis[c] = kpis[c].astype(bool)
    return Measurements(values=empty_data_frame(), kpis=kpis, rules={})


def combine(items: Sequence[Measurements]) -> Measurements:
    """Several :class:`Measurements` as one (ids must be unique across them).

    Raises:
        ConfigError: an id defined in two of them, naming the second file.
    """
    if not items:
        return empty()
    seen: dict[str, str] = {}
    for m in items:
        where = m.paths[0] if m.paths else "(in memory)"
        for k in m.kpis["id"].astype(str):
            if k in seen:
                raise ConfigError(f"id {k} is also defined in {seen[k]}", path=where, key=k)
            seen[k] = where
    values = normalise_data_frame(pd.concat([m.values for m in items], ignore_index=True))
    kpis = pd.concat([m.kpis for m in items], ignore_index=True)
    rules = {k: r for m in items for k, r in m.rules.items()}
    paths = tuple(p for m in items for p in m.paths)
    return Measurements(values=values, kpis=kpis, rules=rules, paths=paths)


__all__ = [
    "BOOL_COLUMNS",
    "CATALOGUE_COLUMNS",
    "COUNT_SUFFIX",
    "KOLADA_SOURCE",
    "MIXED_SOURCE",
    "OPERATING_AREA",
    "OWN_ID",
    "OWN_ID_PATTERN",
    "SOURCE",
    "Measurements",
    "attribution",
    "combine",
    "count_kpi",
    "empty",
    "is_own",
]
