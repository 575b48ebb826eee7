"""Kolada's organisational units (OU) as a catalogue: types, lists, search, lookup by id.

Kolada lists its units at ``/ou`` (``id, title, municipality``) and has no
endpoint for their types: a unit's type is the prefix of its id (``V15`` in
``V15E018000201``), so the types are derived from the real units
(:func:`unit_types`) and :data:`OU_TYPES` only names them. Unit lists are
cached like the KPI catalogue: one municipality's (``meta/ou_<id>.parquet``,
one request) or every unit in Kolada (``meta/ou.parquet``, fetched once for a
search without a municipality); offline they are read from there.

Examples:
    >>> OU_TYPES["V15"]
    'grundskola F-9'
    >>> unit_type("V15E018000201")
    'V15'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from koladagap.errors import InputError, OfflineMissingError, UnknownIdError
from koladagap.kolada.schema import parse_ids

if TYPE_CHECKING:
    from koladagap.benchmarking.data import Kolada

OU_TYPES: dict[str, str] = {
    "V11": "förskola",
    "V15": "grundskola F-9",
    "V17": "gymnasieskola",
    "V21": "hemtjänst äldre",
    "V23": "särskilt boende äldre",
    "V25": "LSS gruppbostad",
    "V26": "LSS daglig verksamhet",
    "V28": "LSS daglig verksamhet",
    "V29": "LSS gruppbostad",
    "V30": "LSS servicebostad",
    "V31": "SoL boendestöd",
    "V32": "SoL boende",
    "V34": "SoL sysselsättning",
    "V36": "personlig assistans",
    "V42": "sysselsättning och daglig verksamhet",
    "V45": "våld i nära relationer",
    "V60": "fastigheter region",
    "V70": "sjukhus",
}
"""Labels of Kolada's OU id prefixes, read off the names of Kolada's 35 368 real units.

Kolada has no endpoint for unit types: the types are the prefixes of the real
units' ids (see :func:`unit_types`), and this table only names them. A type
missing here is still accepted (its label is empty).
"""

_TYPE = re.compile(r"^V\d{2}")
_TYPE_WORD = re.compile(r"^V\d{2}$")
_OU_ID = re.compile(r"^V\d{2}E?[A-Z0-9]{1,20}$")
UNIT_COLUMNS = ["id", "title", "municipality"]
"""The columns of a unit list as Kolada's ``/ou`` gives them."""


def unit_type(ou_id: str) -> str:
    """The type prefix of an OU id (``"V15E018000201"`` → ``"V15"``)."""
    m = _TYPE.match(ou_id)
    return m.group(0) if m else ""


def check_unit_type(kind: str | None) -> str | None:
    """A unit type as Kolada writes it (``"v28"`` → ``"V28"``): ``V`` and two digits.

    Any such prefix is accepted, known to :data:`OU_TYPES` or not: whether a
    municipality has units of it is for Kolada's unit list to say.

    Raises:
        InputError: anything else; the message names the known types.

    Examples:
        >>> check_unit_type("v70")
        'V70'
    """
    if kind is None:
        return None
    k = kind.strip().upper()
    if not _TYPE_WORD.match(k):
        known = ", ".join(f"{t} ({n})" for t, n in OU_TYPES.items())
        raise InputError(
            f"invalid unit type (--type) {kind!r}: expected V and two digits as in "
            "Kolada's unit ids, "
            f"e.g. {known}; see koladagap units types"
        )
    return k


_check_type = check_unit_type


def unit_types(units: pd.DataFrame) -> pd.DataFrame:
    """The types among ``units`` (``id, title`` …): ``type, label, n_units, example``.

    ``label`` is :data:`OU_TYPES`'s (empty for a type it does not name) and
    ``example`` the most common unit name of the type, so that an unnamed type
    can still be told apart.

    Examples:
        >>> u = pd.DataFrame({"id": ["V15E1", "V15E2", "V99E3"], "title": ["A", "A", "B"]})
        >>> unit_types(u)[["type", "label", "n_units", "example"]].values.tolist()
        [['V15', 'grundskola F-9', 2, 'A'], ['V99', <NA>, 1, 'B']]
    """
    t = pd.DataFrame(
        {
            "type": units["id"].astype("string").str.slice(0, 3),
            "title": units["title"].astype("string").fillna(""),
        }
    )
    counts = t.groupby(["type", "title"], sort=True).size().rename("n").reset_index()
    ranked = counts.sort_values(["type", "n", "title"], ascending=[True, False, True])
    example = ranked.drop_duplicates("type").set_index("type")["title"]
    out = t.groupby("type", sort=True).size().rename("n_units").reset_index()
    out.insert(1, "label", out["type"].map(OU_TYPES).astype("string"))
    out["n_units"] = out["n_units"].astype("int64")
    out["example"] = out["type"].map(example).astype("string")
    return out


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


def _frame(records: Sequence[Mapping[str, Any]], municipality: str = "") -> pd.DataFrame:
    """``/ou`` records as ``id, title, municipality`` strings."""
    return pd.DataFrame(
        {
            "id": [str(r.get("id", "")) for r in records],
            "title": [str(r.get("title", "")) for r in records],
            "municipality": [str(r.get("municipality", municipality)) for r in records],
        },
        dtype="string",
    )


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """A unit list with its ``type`` column (the id's prefix)."""
    out = df[UNIT_COLUMNS].astype("string").copy()
    out["type"] = out["id"].str.slice(0, 3).astype("string")
    return out


def _cached_lists(kg: Kolada) -> pd.DataFrame:
    """Every unit list in the cache, the full one or the municipalities' (maybe empty)."""
    full = kg.cache.read_meta("ou")
    if full is not None:
        return full
    names = sorted(p.stem for p in kg.cache.meta_dir.glob("ou_*.parquet"))
    parts = [df for n in names if (df := kg.cache.read_meta(n)) is not None]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in UNIT_COLUMNS})
    return pd.concat(parts, ignore_index=True).drop_duplicates("id", ignore_index=True)


def list_units(kg: Kolada, municipality: str, kind: str | None = None) -> pd.DataFrame:
    """The organisational units of a municipality (``id, title, municipality, type``).

    Online, the list is fetched and cached (``meta/ou_<municipality>.parquet``)
    unless every unit is cached already (:func:`all_units`); offline
    (``mode="offline"``) it must be in the cache. The shipped sample
    (``mode="sample"``) holds no unit data: an :class:`~koladagap.errors.InputError`
    says so.
    """
    mid = parse_ids(municipality, "municipality")[0]
    t = check_unit_type(kind)
    _check_not_sample(kg)
    name = f"ou_{mid}"
    df = kg.cache.read_meta(name)
    if df is None and (full := kg.cache.read_meta("ou")) is not None:
        df = full.loc[full["municipality"].astype("string").eq(mid).fillna(False)]
    if df is None:
        if kg.mode != "api":
            raise OfflineMissingError(
                f"offline and the units of {mid} are not in the cache; run once online",
                path=str(kg.cache.path),
                missing=[name],
            )
        df = _frame(kg.client.ou(municipality=mid), mid)
        df = df.loc[df["municipality"].eq(mid).fillna(False).to_numpy(dtype=bool)]  # asked only
        kg.cache.write_meta(name, df, {"api_url": kg.base_url, "endpoint": "ou"})
    out = _typed(df)
    if t is not None:
        out = out.loc[out["type"] == t]
    return out.sort_values("title", ignore_index=True)


def all_units(kg: Kolada) -> pd.DataFrame:
    """Every unit Kolada lists (``id, title, municipality, type``; about 35 000).

    Online it is fetched once (a few pages) and cached (``meta/ou.parquet``);
    offline it is what the cache holds: that list, or the municipalities' lists
    fetched before.

    Raises:
        OfflineMissingError: offline, and no unit list is cached.
        InputError: the shipped sample, which holds no units.
    """
    _check_not_sample(kg)
    df = kg.cache.read_meta("ou")
    if df is None and kg.mode == "api":
        df = _frame(kg.client.ou())
        kg.cache.write_meta("ou", df, {"api_url": kg.base_url, "endpoint": "ou"})
    if df is None:
        df = _cached_lists(kg)
        if df.empty:
            raise OfflineMissingError(
                "offline and no unit list in the cache; run koladagap units search once online",
                path=str(kg.cache.path),
                missing=["ou"],
            )
    return _typed(df)


def describe_units(kg: Kolada, units: pd.DataFrame) -> pd.DataFrame:
    """Units with ``type_label`` and the municipality's name (``municipality_title``)."""
    munis = kg._metadata("municipalities").set_index("id")["title"]
    out = _typed(units)
    out.insert(3, "municipality_title", out["municipality"].map(munis).astype("string"))
    out["type_label"] = out["type"].map(OU_TYPES).astype("string")
    return out.reset_index(drop=True)


def find_units(kg: Kolada, ids: str | Iterable[str]) -> pd.DataFrame:
    """Units by id, in the order given (see :func:`describe_units` for the columns).

    From the cached unit lists when they hold the ids, else (online) one
    request per 25 ids. Ids Kolada does not know are left out with an
    :class:`~koladagap.kolada.source.UnknownIdWarning`; none known is an
    :class:`~koladagap.errors.UnknownIdError`.
    """
    from koladagap.kolada.source import UnknownIdWarning

    wanted = parse_ids(ids, "ou")
    _check_not_sample(kg)
    if not wanted:
        raise InputError("no unit id given: name at least one, e.g. V15E018000201")
    known = _cached_lists(kg)
    have = known.loc[known["id"].isin(wanted).fillna(False).to_numpy(dtype=bool)]
    ask = [i for i in wanted if i not in set(have["id"])]
    if ask and kg.mode == "api":
        got = _frame(kg.client.ou(ask))
        got = got.loc[got["id"].isin(ask).fillna(False).to_numpy(dtype=bool)]  # what was asked
        have = pd.concat([have[UNIT_COLUMNS], got], ignore_index=True)
    found = have.drop_duplicates("id").set_index("id", drop=False)
    missing = [i for i in wanted if i not in found.index]
    where = "the cache (offline)" if kg.mode != "api" else "Kolada"
    if len(missing) == len(wanted):
        raise UnknownIdError("ou", missing, f"not known to {where}; see koladagap units search")
    if missing:
        warnings.warn(
            f"unknown to {where}, left out: unit {', '.join(missing)}", UnknownIdWarning, 2
        )
    return describe_units(kg, found.loc[[i for i in wanted if i in found.index]])


def search_units(
    kg: Kolada,
    q: str | Iterable[str] | None = None,
    *,
    municipality: str | None = None,
    kind: str | None = None,
) -> pd.DataFrame:
    """Units whose name (or id) holds every word of ``q``, in one municipality or all.

    A query whose every word is a unit id is a lookup (:func:`find_units`).
    Units whose name holds the whole query as a phrase come first, then by
    name. Columns: ``id, title, municipality, municipality_title, type,
    type_label``. With ``municipality`` one small request (then cached);
    without it every unit in Kolada is fetched once (:func:`all_units`).
    """
    t = check_unit_type(kind)
    words = [w for x in ([q] if isinstance(q, str) else list(q or [])) for w in str(x).split()]
    words = [w for w in (x.strip(",") for x in words) if w]
    if words and all(_OU_ID.match(w.upper()) for w in words):
        return find_units(kg, words)
    base = list_units(kg, municipality, t) if municipality else all_units(kg)
    if t is not None:
        base = base.loc[base["type"] == t]
    text = (base["id"].fillna("") + " " + base["title"].fillna("")).str.lower()
    mask = pd.Series(True, index=base.index)
    for word in (w.lower() for w in words):  # a few words, each a vectorised test
        mask &= text.str.contains(word, regex=False)
    phrase = base["title"].fillna("").str.lower().str.contains(" ".join(words).lower(), regex=False)
    rank = np.where(phrase.to_numpy(dtype=bool), 0, 1)
    out = base.assign(_rank=rank, _t=base["title"].str.lower()).loc[mask.to_numpy(dtype=bool)]
    out = out.sort_values(["_rank", "_t", "id"]).drop(columns=["_rank", "_t"])
    return describe_units(kg, out)
