"""The bundled KPI table (kind, direction, expectations) and SKR's "Jämställdhet" KPI groups.

Kolada publishes neither whether a KPI is a share or an amount nor which way
is better, so koladagap ships a table of judgements (``kpi_table.csv`` beside
this module): the default set of the method (docs/methods.md), every KPI of
the shipped sample and the members of SKR's two "Jämställdhet" KPI groups.
A plan overrides any of it.

Columns of :func:`kpi_table`:

======================  ==============================================================
``id``                  KPI id (``N15428``)
``short_title_sv/_en``  short titles for tables and charts
``kind``                ``share``, ``amount``, ``share_of_one_sex`` or ``gap_value``
``direction``           ``higher_is_better``, ``lower_is_better``, ``need``, ``parity_target``
``expected``            ``""`` (0), a number, ``riket`` or ``peers``
``denominator_kpi``     KPI with the women/men counts behind a share (enables tests)
``moe_kpi``             KPI with published margins of error (survey KPIs)
``event``               the value repeats between elections: compare election years
``pooled_years``        ``""`` (1) or how many years each value pools (survey estimates: 4)
``share_of``            for ``share_of_one_sex``: ``K`` or ``M``, whose share it is
``exclude``/``reason``  left out by default, and why
``operating_area_sv``   Kolada's operating area (``verksamhetsområde``), as published
``area_kommun``         the area a kommun's manager reads the KPI under
``area_region``         the area a region's manager reads the KPI under
======================  ==============================================================

Operating areas by organisation type. Kolada gives each KPI one operating area,
whatever the organisation: N00905 (median net income) is "Regionen, övergripande"
and N00906 (earned income) "Kommunen, övergripande", although both are published
for kommuner and regioner alike. A deviation report split by area
(``--split-by-area``) must send a kommun's flag to a kommun's area, so the table
carries the area per organisation type: ``area_kommun`` never names "Regionen…",
``area_region`` never "Kommunen…" nor a service regions do not run (schools
become "Utbildning, övergripande"; elderly care and social services, which a
region reads as facts about its population, "Befolkning"). A KPI outside the
table takes Kolada's area moved to the organisation's type by
:data:`AREA_BY_KIND` (:func:`operating_areas`). A plan's ``[areas]`` overrides
both.

Examples:
    >>> t = kpi_table()
    >>> t.set_index("id").loc["N03920", ["kind", "direction"]].tolist()
    ['share', 'lower_is_better']
    >>> r = resolve_kpi_group("G2KPI148333")
    >>> r.source, len(r.members), r.missing
    ('fallback', 24, ['N00410', 'N07401', 'N15531', 'N74811'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pandas as pd

from koladagap.errors import UnknownIdError

KPI_TABLE_FILE = "kpi_table.csv"
GROUPS_FILE = "jamstalldhet_groups.csv"

KPI_TABLE_COLUMNS = [
    "id",
    "short_title_sv",
    "short_title_en",
    "kind",
    "direction",
    "expected",
    "denominator_kpi",
    "moe_kpi",
    "event",
    "pooled_years",
    "share_of",
    "exclude",
    "reason",
    "operating_area_sv",
    "area_kommun",
    "area_region",
]

JAMSTALLDHET_GROUPS: dict[str, str] = {"kommun": "G2KPI148333", "region": "G2KPI148336"}
"""SKR's "Nyckeltal för jämställdhet": Kolada KPI groups titled "Jämställdhet"."""

GONE_KPIS: tuple[str, ...] = ("N00410", "N07401", "N15531", "N74811")
"""Members of the Jämställdhet groups that Kolada v3 no longer has."""

_BOOL_COLUMNS = ("event", "exclude")

_KOMMUN_WIDE = "Kommunen, övergripande"
_REGION_WIDE = "Regionen, övergripande"
_EDUCATION = "Utbildning, övergripande"
_POPULATION = "Befolkning"
OTHER_AREA = "Övrigt"
"""The area of a KPI that neither the plan, the KPI table nor Kolada places."""

AREA_BY_KIND: dict[str, dict[str, str]] = {
    "kommun": {_REGION_WIDE: _KOMMUN_WIDE, "Tandvård": "Hälso- och sjukvård"},
    "region": {
        _KOMMUN_WIDE: _REGION_WIDE,
        "Förskoleverksamhet": _EDUCATION,
        "Grundskola åk 0-9 inkl förskoleklass": _EDUCATION,
        "Gymnasieskola åk 1-3": _EDUCATION,
        "Anpassad skola": _EDUCATION,
        "Vuxenutbildning": _EDUCATION,
        "Individ- och familjeomsorg": _POPULATION,
        "Äldre och funktionshinder": _POPULATION,
    },
}
"""Kolada's operating areas that do not fit an organisation type → the area that does."""


def _read_csv(name: str) -> pd.DataFrame:
    with (
        resources.files(__package__ or "koladagap").joinpath(name).open("r", encoding="utf-8") as fh
    ):
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    for c in df.columns:
        if c in _BOOL_COLUMNS or c == "in_v3":
            df[c] = df[c].str.lower().map({"true": True, "false": False, "": False}).astype(bool)
        else:
            df[c] = df[c].astype("string")
    return df


@cache
def _kpi_table() -> pd.DataFrame:
    return _read_csv(KPI_TABLE_FILE)[KPI_TABLE_COLUMNS]


@cache
def _groups() -> pd.DataFrame:
    return _read_csv(GROUPS_FILE)


def kpi_table() -> pd.DataFrame:
    """The bundled KPI table, one row per KPI (a fresh copy).

    String columns use ``""`` for "not set"; ``event`` and ``exclude`` are booleans.
    """
    return _kpi_table().copy()


def operating_areas(
    kpis: Sequence[str], kind: str, catalogue: pd.DataFrame | None = None
) -> pd.Series:
    """The operating area of each KPI for an organisation of ``kind`` (``kommun``/``region``).

    The KPI table's ``area_kommun``/``area_region`` first; a KPI outside it takes
    the catalogue's ``operating_area`` (its first area when several are listed),
    moved to the organisation's type by :data:`AREA_BY_KIND`; :data:`OTHER_AREA`
    when neither knows it.

    Examples:
        >>> operating_areas(["N00905", "N00906", "N15428"], "kommun").tolist()
        ['Kommunen, övergripande', 'Kommunen, övergripande', 'Grundskola åk 0-9 inkl förskoleklass']
        >>> operating_areas(["N00905", "N00906", "N15428"], "region").tolist()
        ['Regionen, övergripande', 'Regionen, övergripande', 'Utbildning, övergripande']
        >>> cat = pd.DataFrame({"id": ["X1", "X2"], "operating_area": ["Förskoleverksamhet", None]})
        >>> operating_areas(["X1", "X2"], "region", cat).tolist()
        ['Utbildning, övergripande', 'Övrigt']
    """
    if kind not in AREA_BY_KIND:
        raise ValueError(f"kind must be 'kommun' or 'region', not {kind!r}")
    ids = pd.Series(list(kpis), dtype="string")
    table = _kpi_table().set_index("id")[f"area_{kind}"]
    area = ids.map(table).fillna("").astype("string")
    if catalogue is not None and "operating_area" in catalogue.columns:
        kolada = catalogue.drop_duplicates("id").set_index("id")["operating_area"]
        # several areas are joined by a comma without a space ("A,B"); "Kommunen, övergripande"
        # is one area
        first = ids.map(kolada).astype("string").str.split(r",(?=\S)", regex=True).str[0]
        area = area.mask(area.eq(""), first.fillna("").str.strip())
    area = area.replace(AREA_BY_KIND[kind])
    return area.mask(area.eq(""), OTHER_AREA).set_axis(list(kpis))


def jamstalldhet_fallback() -> pd.DataFrame:
    """The shipped members of the two Jämställdhet groups (Kolada, January 2024).

    Columns: ``group_id, group_title, municipality_type`` (``K`` kommuner, ``L``
    regioner), ``member_id, member_title, in_v3`` (``False`` for the four KPIs
    Kolada v3 dropped).
    """
    return _groups().copy()


@dataclass(frozen=True)
class GroupResolution:
    """A KPI group resolved against a KPI catalogue.

    Attributes:
        group_id: the group.
        title: its title.
        source: ``"live"`` (from the given group frame) or ``"fallback"``
            (the list shipped with koladagap).
        members: member ids the catalogue knows, in group order.
        missing: member ids the catalogue does not know (gone from Kolada).
        not_gender_split: known members that are not divided by gender
            (their gap is computed from a one-sex share or is not computable).
        not_in_table: known members the bundled KPI table lacks (give them a
            kind and direction in the plan).
    """

    group_id: str
    title: str
    source: str
    members: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    not_gender_split: list[str] = field(default_factory=list)
    not_in_table: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per member: ``member_id, status`` (``ok``, ``missing``, ``not_gender_split``)."""
        ids = self.members + self.missing
        status = ["ok"] * len(self.members) + ["missing"] * len(self.missing)
        df = pd.DataFrame({"member_id": ids, "status": status}, dtype="string")
        split = df["member_id"].isin(self.not_gender_split)
        df.loc[split, "status"] = "not_gender_split"
        return df


def resolve_kpi_group(
    group_id: str,
    *,
    groups: pd.DataFrame | None = None,
    catalogue: pd.DataFrame | None = None,
) -> GroupResolution:
    """Resolve a KPI group's members against a KPI catalogue and report the gone ones.

    Args:
        group_id: e.g. ``"G2KPI148333"`` (Jämställdhet, kommuner).
        groups: KPI-group members, long (``group_id, group_title, member_id,
            member_title``), as ``/kpi_groups`` gives them. ``None`` or a
            frame without the group falls back to the shipped list (for the
            two Jämställdhet groups only).
        catalogue: the KPI catalogue (``id``, optionally
            ``is_divided_by_gender``); ``None`` uses the one shipped with the
            sample (Kolada v3).

    Raises:
        UnknownIdError: the group is neither in ``groups`` nor shipped.
    """
    source = "live"
    rows = pd.DataFrame()
    if groups is not None and not groups.empty:
        rows = groups.loc[groups["group_id"] == group_id]
    if rows.empty:
        fb = _groups()
        rows = fb.loc[fb["group_id"] == group_id]
        source = "fallback"
    if rows.empty:
        raise UnknownIdError(
            "group", [group_id], hint="not in the KPI groups given nor in the shipped fallback"
        )
    if catalogue is None:
        from koladagap.kolada.sample import sample_kpis

        catalogue = sample_kpis()
    ids = rows["member_id"].dropna().astype(str).drop_duplicates().tolist()
    known = set(catalogue["id"].dropna().astype(str))
    members = [i for i in ids if i in known]
    missing = [i for i in ids if i not in known]
    not_split: list[str] = []
    if "is_divided_by_gender" in catalogue.columns:
        split = catalogue.set_index("id")["is_divided_by_gender"].astype(bool)
        not_split = [i for i in members if not bool(split.get(i, True))]
    in_table = set(_kpi_table()["id"].astype(str))
    return GroupResolution(
        group_id=group_id,
        title=str(rows["group_title"].iloc[0]),
        source=source,
        members=members,
        missing=missing,
        not_gender_split=not_split,
        not_in_table=[i for i in members if i not in in_table],
    )


__all__ = [
    "AREA_BY_KIND",
    "GONE_KPIS",
    "JAMSTALLDHET_GROUPS",
    "KPI_TABLE_COLUMNS",
    "OTHER_AREA",
    "GroupResolution",
    "jamstalldhet_fallback",
    "kpi_table",
    "operating_areas",
    "resolve_kpi_group",
]
