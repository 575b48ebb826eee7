"""Metadata frames: KPIs (search, filters, operating areas), municipalities, groups, peers.

Pure functions over the frames that the client, the cache or the sample
provide. Group frames are long: one row per member (``group_id, group_title,
member_id, member_title``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
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
        df[c] = df[c].astype("boolean").fillna(False).astype(bool)
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


_KPI_ID = re.compile(r"^[A-Za-z]\d{5}$")
"""What a word must look like for a query to be read as a list of KPI ids (``N00906``)."""
_AREA_SEP = r",(?!\s)"
"""Kolada joins several operating areas with a bare comma; a name holds ``", "``."""
KPI_MUNICIPALITY_TYPES = ("K", "L", "A")
"""Kolada's ``municipality_type`` of a KPI: kommuner, regioner (landsting), all."""


def split_areas(areas: pd.Series) -> pd.Series:
    """Each KPI's operating areas as a list (Kolada joins several with a bare comma).

    Examples:
        >>> s = pd.Series(["Gymnasieskola åk 1-3,Kommunen, övergripande", None])
        >>> split_areas(s).tolist()
        [['Gymnasieskola åk 1-3', 'Kommunen, övergripande'], []]
    """
    parts = areas.astype("string").fillna("").str.split(_AREA_SEP, regex=True)
    return parts.map(lambda xs: [x.strip() for x in xs if x.strip()])


def list_areas(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Operating areas with ``n_kpis`` and ``n_gender_split``, the largest first.

    A KPI in several areas counts in each.

    Examples:
        >>> from koladagap.kolada.sample import sample_kpis
        >>> a = list_areas(sample_kpis())
        >>> list(a.columns), a["area"].iloc[0]
        (['area', 'n_kpis', 'n_gender_split'], 'Hälso- och sjukvård')
    """
    long = pd.DataFrame(
        {
            "area": split_areas(catalogue["operating_area"]).to_numpy(),
            "g": catalogue["is_divided_by_gender"].fillna(False).astype(bool).to_numpy(),
        }
    ).explode("area")
    long = long.dropna(subset=["area"])
    out = (
        long.groupby("area", sort=False)["g"]
        .agg(n_kpis="size", n_gender_split="sum")
        .reset_index()
        .astype({"area": "string", "n_kpis": "int64", "n_gender_split": "int64"})
    )
    return out.sort_values(["n_kpis", "area"], ascending=[False, True], ignore_index=True)


def _words(q: str | Iterable[str]) -> list[str]:
    """The words of a query (a string, or several strings), commas as spaces."""
    items = [q] if isinstance(q, str) else [str(x) for x in q]
    return [w for x in items for w in re.split(r"[,\s]+", x.strip()) if w]


def _choice(values: pd.Series, wanted: str, what: str, option: str) -> set[str]:
    """The names in ``values`` that ``wanted`` means: an exact name, else every containing it.

    Raises:
        InputError: nothing matches; the message lists what is accepted.
    """
    names = sorted({str(v) for v in values.dropna().unique() if str(v)})
    w = wanted.strip().casefold()
    exact = {n for n in names if n.casefold() == w}
    hits = exact or {n for n in names if w and w in n.casefold()}
    if not hits:
        shown = "; ".join(names[:25]) + (" …" if len(names) > 25 else "")
        raise InputError(
            f"no {what} matches {option} {wanted!r}; accepted (a name or part of one): {shown}"
        )
    return hits


def _check_since(since: str | dt.date | None) -> str | None:
    if since is None:
        return None
    text = since.isoformat() if isinstance(since, dt.date) else str(since).strip()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(
            f"invalid publication date (--since) {since!r}: expected a date YYYY-MM-DD, "
            "e.g. 2024-01-01"
        ) from None


def _filter_kpis(
    df: pd.DataFrame,
    *,
    gender_split: bool | None,
    area: str | None,
    perspective: str | None,
    municipality_type: str | None,
    has_ou_data: bool | None,
    since: str | dt.date | None,
) -> pd.DataFrame:
    """The catalogue's rows that pass every filter given (``None``: no filter)."""
    mask = pd.Series(True, index=df.index)
    if gender_split is not None:
        mask &= df["is_divided_by_gender"].fillna(False).astype(bool) == gender_split
    if has_ou_data is not None:
        mask &= df["has_ou_data"].fillna(False).astype(bool) == has_ou_data
    if municipality_type is not None:
        t = municipality_type.strip().upper()
        if t not in KPI_MUNICIPALITY_TYPES:
            raise InputError(
                f"invalid municipality type (--municipality-type) {municipality_type!r}: "
                "expected K (kommuner), "
                "L (regioner) or A (KPIs for both)"
            )
        mask &= df["municipality_type"].isin({t, "A"} if t != "A" else {"A"}).fillna(False)
    if area is not None:
        areas = split_areas(df["operating_area"])
        long = areas.explode()
        wanted = _choice(long, area, "operating area", "--area")
        mask &= long.isin(wanted).groupby(level=0).any().reindex(df.index, fill_value=False)
    if perspective is not None:
        wanted = _choice(df["perspective"], perspective, "perspective", "--perspective")
        mask &= df["perspective"].isin(wanted).fillna(False)
    day = _check_since(since)
    if day is not None:
        mask &= df["publication_date"].astype("string").fillna("").ge(day)
    return df.loc[mask.to_numpy(dtype=bool)]


def search_kpis(
    catalogue: pd.DataFrame,
    q: str | Iterable[str] | None = None,
    *,
    gender_split: bool | None = None,
    area: str | None = None,
    perspective: str | None = None,
    municipality_type: str | None = None,
    has_ou_data: bool | None = None,
    since: str | dt.date | None = None,
) -> pd.DataFrame:
    """KPIs by words in their id, title or description, or by a list of ids; then filters.

    Words: every word must occur (case-insensitive) in the id, title or
    description; KPIs with every word in the id or title come first (the whole
    query as one phrase in the title before that), then those found through the
    description; ``match`` says which (``"title"`` or ``"description"``). A query
    whose every word is a KPI id (``"N00906 N15428"``) is a lookup of those ids,
    in the order given. Filters: ``gender_split``, ``has_ou_data`` (Kolada has
    values per unit), ``area`` (an operating area, exact or a part of its name),
    ``perspective``, ``municipality_type`` (``"K"``: KPIs for kommuner, ``"L"``:
    for regioner, both including ``"A"``, KPIs for all) and ``since`` (published
    on or after a date).

    Raises:
        InputError: a filter that matches nothing Kolada has (the message lists
            the accepted values) or a date that is not ``YYYY-MM-DD``.

    Examples:
        >>> from koladagap.kolada.sample import sample_kpis
        >>> hits = search_kpis(sample_kpis(), "sjukpenningtal", gender_split=True)
        >>> hits["id"].tolist()[:1]
        ['N00938']
        >>> search_kpis(sample_kpis(), "N15428 n00906")["id"].tolist()
        ['N15428', 'N00906']
    """
    df = _filter_kpis(
        catalogue,
        gender_split=gender_split,
        area=area,
        perspective=perspective,
        municipality_type=municipality_type,
        has_ou_data=has_ou_data,
        since=since,
    )
    words = _words(q) if q is not None else []
    if words and all(_KPI_ID.match(w) for w in words):
        order = list(dict.fromkeys(w.upper() for w in words))
        hit = df.loc[df["id"].isin(order).fillna(False).to_numpy(dtype=bool)]
        place = hit["id"].map({k: i for i, k in enumerate(order)}).to_numpy()
        out = hit.assign(match="id").iloc[place.argsort(kind="stable")]
        return out.drop_duplicates("id").reset_index(drop=True)
    if not words:
        none = pd.Series(pd.NA, index=df.index, dtype="string")
        return df.assign(match=none).sort_values("id").reset_index(drop=True)
    title = (df["id"].fillna("") + " " + df["title"].fillna("")).str.lower()
    desc = df["description"].fillna("").str.lower()
    in_title = pd.Series(True, index=df.index)
    in_any = pd.Series(True, index=df.index)
    for word in (w.lower() for w in words):  # a handful of words, each a vectorised test
        t = title.str.contains(word, regex=False)
        in_title &= t
        in_any &= t | desc.str.contains(word, regex=False)
    phrase = title.str.contains(" ".join(w.lower() for w in words), regex=False)
    tier = np.where(phrase & in_title, 0, np.where(in_title, 1, 2))
    out = df.assign(match=np.where(in_title, "title", "description"), _rank=tier)
    out = out.loc[in_any.to_numpy(dtype=bool)].sort_values(["_rank", "id"])
    return out.drop(columns="_rank").astype({"match": "string"}).reset_index(drop=True)


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
