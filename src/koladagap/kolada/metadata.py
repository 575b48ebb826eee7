"""Metadata frames: KPIs, municipalities, groups and "Liknande kommuner" peers.

Pure functions over the frames that the client, the cache or the sample
provide. Group frames are long: one row per member (``group_id, group_title,
member_id, member_title``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from koladagap.columns import org_kind
from koladagap.errors import InputError
from koladagap.kolada.schema import GROUP_MEMBER_COLUMNS, KPI_META_COLUMNS, MUNICIPALITY_COLUMNS

PEER_FAMILIES = (
    "övergripande",
    "socioekonomi",
    "grundskola",
    "gymnasieskola",
    "förskola",
    "fritidshem",
    "IFO",
    "LSS",
    "äldreomsorg",
    "ekonomiskt bistånd",
    "arbetsmarknad",
    "räddningstjänst",
)

_PEER_TITLE = re.compile(
    r"^Liknande (?P<kind>kommuner|regioner),? "
    r"(?:(?P<family>.+?), )?(?P<name>[^,]+), (?P<year>\d{4})$"
)


def kpi_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """KPI objects from ``/kpi`` as a frame with the v3 columns (v2 names mapped)."""
    df = pd.DataFrame.from_records(list(records))
    if "auspices" in df.columns and "auspice" not in df.columns:
        df = df.rename(columns={"auspices": "auspice"})
    for c in KPI_META_COLUMNS:
        if c not in df.columns:
            df[c] = pd.NA
    df = df[KPI_META_COLUMNS + [c for c in df.columns if c not in KPI_META_COLUMNS]]
    for c in ("is_divided_by_gender", "has_ou_data"):
        df[c] = df[c].fillna(False).astype(bool)
    for c in ("id", "title", "description", "municipality_type", "operating_area", "perspective"):
        df[c] = df[c].astype("string")
    return df.reset_index(drop=True)


def municipality_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Municipality objects from ``/municipality`` as ``id, title, type`` strings."""
    df = pd.DataFrame.from_records(list(records))
    for c in MUNICIPALITY_COLUMNS:
        if c not in df.columns:
            df[c] = pd.NA
    return df[MUNICIPALITY_COLUMNS].astype("string").reset_index(drop=True)


def group_member_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Group objects (``id, title, members: [{member_id, member_title}]``) as a long frame."""
    df = pd.DataFrame.from_records(list(records))
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in GROUP_MEMBER_COLUMNS})
    df = df.rename(columns={"id": "group_id", "title": "group_title"})
    if "members" not in df.columns:
        df["members"] = [[] for _ in range(len(df))]
    df["members"] = df["members"].apply(lambda m: m if isinstance(m, list) and m else [{}])
    long = df[["group_id", "group_title", "members"]].explode("members", ignore_index=True)
    mem = pd.json_normalize(long["members"].tolist())
    for c in ("member_id", "member_title"):
        long[c] = mem[c] if c in mem.columns else pd.NA
    return long[GROUP_MEMBER_COLUMNS].astype("string")


def search_kpis(
    catalogue: pd.DataFrame, q: str | None = None, *, gender_split: bool | None = None
) -> pd.DataFrame:
    """KPIs whose id or title contains every word of ``q`` (case-insensitive).

    Examples:
        >>> from koladagap.kolada.sample import sample_kpis
        >>> hits = search_kpis(sample_kpis(), "sjukpenningtal", gender_split=True)
        >>> hits["id"].tolist()[:1]
        ['N00938']
    """
    df = catalogue
    if q:
        text = (df["id"].fillna("") + " " + df["title"].fillna("")).str.lower()
        mask = pd.Series(True, index=df.index)
        for word in q.lower().split():
            mask &= text.str.contains(word, regex=False)
        df = df.loc[mask]
    if gender_split is not None:
        df = df.loc[df["is_divided_by_gender"].astype(bool) == gender_split]
    return df.sort_values("id").reset_index(drop=True)


def filter_municipalities(
    munis: pd.DataFrame, q: str | None = None, *, kind: str | None = None
) -> pd.DataFrame:
    """Municipalities by title substring and kind (``"K"`` kommun, ``"L"`` region/Riket)."""
    df = munis
    if kind is not None:
        k = kind.upper()
        if k not in ("K", "L"):
            raise InputError(
                f"invalid municipality kind {kind!r}: expected 'K' (kommun) or 'L' (region)"
            )
        df = df.loc[df["type"] == k]
    if q:
        df = df.loc[df["title"].str.lower().str.contains(q.lower(), regex=False)]
    return df.sort_values("id").reset_index(drop=True)


def group_summary(members: pd.DataFrame, q: str | None = None) -> pd.DataFrame:
    """One row per group: ``id, title, n_members`` (optionally filtered by title)."""
    df = members
    if q:
        df = df.loc[df["group_title"].str.lower().str.contains(q.lower(), regex=False)]
    out = (
        df.groupby(["group_id", "group_title"], sort=True)["member_id"]
        .count()
        .reset_index()
        .rename(columns={"group_id": "id", "group_title": "title", "member_id": "n_members"})
    )
    out["n_members"] = out["n_members"].astype("int64")
    return out


def peer_groups(members: pd.DataFrame) -> pd.DataFrame:
    """Every "Liknande kommuner/regioner" group parsed: ``id, title, kind, family, name, year``.

    ``family`` is ``"övergripande"`` for the overall group (whose title has no family).
    """
    titles = members.drop_duplicates("group_id")[["group_id", "group_title"]]
    parts = titles["group_title"].astype("string").str.extract(_PEER_TITLE)
    out = pd.concat([titles.reset_index(drop=True), parts.reset_index(drop=True)], axis=1)
    out = out.dropna(subset=["name"]).rename(columns={"group_id": "id", "group_title": "title"})
    out["family"] = out["family"].fillna("övergripande")
    out["year"] = out["year"].astype("int64")
    return out.reset_index(drop=True)


def peer_group(
    members: pd.DataFrame,
    municipality_title: str,
    family: str = "övergripande",
) -> tuple[str, str, list[str]]:
    """The "Liknande kommuner" group of a municipality: ``(group_id, title, member_ids)``.

    The newest vintage wins when several exist. The municipality itself is not
    a member (Kolada's definition).

    Examples:
        >>> from koladagap.kolada.sample import sample_municipality_groups
        >>> gid, title, ids = peer_group(sample_municipality_groups(), "Stockholm")
        >>> title
        'Liknande kommuner, övergripande, Stockholm, 2025'
        >>> len(ids)
        7
    """
    pg = peer_groups(members)
    hit = pg.loc[(pg["name"] == municipality_title) & (pg["family"].str.lower() == family.lower())]
    if hit.empty:
        fams = sorted(set(pg["family"].dropna()))
        raise InputError(
            f"no 'Liknande' peer group {family!r} for {municipality_title!r}; "
            f"families: {', '.join(fams)}"
        )
    row = hit.sort_values("year").iloc[-1]
    ids = members.loc[members["group_id"] == row["id"], "member_id"].dropna().astype(str).tolist()
    return str(row["id"]), str(row["title"]), ids


municipality_kind = org_kind
"""What each id is: ``riket``, ``region``, ``group`` or ``kommun`` (see :func:`.org_kind`)."""
