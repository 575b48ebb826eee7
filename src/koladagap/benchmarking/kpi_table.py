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
``operating_area_sv``   Kolada's operating area
======================  ==============================================================

Examples:
    >>> t = kpi_table()
    >>> t.set_index("id").loc["N03920", ["kind", "direction"]].tolist()
    ['share', 'lower_is_better']
    >>> r = resolve_kpi_group("G2KPI148333")
    >>> r.source, len(r.members), r.missing
    ('fallback', 24, ['N00410', 'N07401', 'N15531', 'N74811'])
"""

from __future__ import annotations

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
]

JAMSTALLDHET_GROUPS: dict[str, str] = {"kommun": "G2KPI148333", "region": "G2KPI148336"}
"""SKR's "Nyckeltal för jämställdhet": Kolada KPI groups titled "Jämställdhet"."""

GONE_KPIS: tuple[str, ...] = ("N00410", "N07401", "N15531", "N74811")
"""Members of the Jämställdhet groups that Kolada v3 no longer has."""

_BOOL_COLUMNS = ("event", "exclude")


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
    "GONE_KPIS",
    "JAMSTALLDHET_GROUPS",
    "KPI_TABLE_COLUMNS",
    "GroupResolution",
    "jamstalldhet_fallback",
    "kpi_table",
    "resolve_kpi_group",
]
