"""The names every layer shares: the tidy frame's columns, Kolada's gender codes and ids.

The tidy long frame of Kolada values has one row per KPI × municipality (or
organisational unit) × period × gender. :mod:`koladagap.kolada.schema` adds the dtypes
and validation; the engine reads frames by these names without knowing Kolada.
Pure functions read by these names too: :func:`org_kind` (what kind of organisation
an id is), :func:`is_group` and :func:`to_wide` (women, men and total side by side).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

KPI = "kpi"
MUNICIPALITY_ID = "municipality_id"
OU_ID = "ou_id"
PERIOD = "period"
GENDER = "gender"
VALUE = "value"
COUNT = "count"
STATUS = "status"
ISDELETED = "isdeleted"

GENDERS = ("T", "K", "M")
"""Kolada's gender codes: total, women (girls), men (boys)."""

DATA_COLUMNS = [KPI, MUNICIPALITY_ID, PERIOD, GENDER, VALUE, COUNT, STATUS, ISDELETED]
OU_DATA_COLUMNS = [KPI, OU_ID, PERIOD, GENDER, VALUE, COUNT, STATUS, ISDELETED]

RIKET_ID = "0000"
"""Kolada's id of Sweden as a whole (Riket)."""


WIDE_COLUMNS = {"K": "women", "M": "men", "T": "total"}
"""The columns of the wide view, by gender code."""

WIDE_GENDER = {column: code for code, column in WIDE_COLUMNS.items()}
"""The gender code of each column of the wide view: ``women`` → ``K`` …"""


_KINDS = np.array(["", "kommun", "region", "riket", "group"], dtype=object)


def is_group(ids: pd.Series) -> NDArray[np.bool_]:
    """True where an id is a municipality group's (``G…``), as bulk queries return them.

    >>> is_group(pd.Series(["G123", "0180", None])).tolist()
    [True, False, False]
    """
    return ids.astype("string").str.startswith("G").fillna(False).to_numpy(dtype=bool)


def org_kind(ids: pd.Series) -> pd.Series:
    """What each Kolada id is: ``"riket"``, ``"region"``, ``"group"`` or ``"kommun"``.

    Riket is ``0000``, the regions are ``0001``–``0099`` (Kolada uses ``0001``–``0025``),
    municipality groups are ``G…`` (:func:`is_group`), and every other id is a kommun
    (``0114``–``2584``); a missing or empty id is none of them (``""``). The rule reads
    the id alone; a catalogue's ``type`` (K/L) is not asked.

    >>> org_kind(pd.Series(["0000", "0001", "0180", "G123", None])).tolist()
    ['riket', 'region', 'kommun', 'group', '']
    """
    s = ids.astype("string").fillna("")
    code = np.select(
        [
            (s == "").to_numpy(dtype=bool),
            (s == RIKET_ID).to_numpy(dtype=bool),
            s.str.startswith("00").to_numpy(dtype=bool),
            is_group(s),
        ],
        [0, 3, 2, 4],
        1,
    )
    return pd.Series(_KINDS[code], index=ids.index, dtype="string")


def to_wide(df: pd.DataFrame, *, id_col: str = MUNICIPALITY_ID) -> pd.DataFrame:
    """One row per KPI × id × period with ``women``, ``men`` and ``total`` columns.

    Deleted observations (``isdeleted``) are dropped; of repeated rows the last one
    counts. A gender that is absent gives NaN, so a KPI not divided by gender has
    ``women``/``men`` all NaN. ``kpi`` and the id are strings, ``period`` is int64 and
    the values float64, also when no row is left.

    Examples:
        >>> v = pd.DataFrame({"kpi": "A", "municipality_id": "0180", "period": 2020,
        ...                   "gender": ["K", "M", "T"], "value": [3.0, 1.0, 2.0]})
        >>> to_wide(v)[["women", "men", "total"]].values.tolist()
        [[3.0, 1.0, 2.0]]
        >>> to_wide(v.iloc[:0]).dtypes.astype(str).tolist()
        ['string', 'string', 'int64', 'float64', 'float64', 'float64']
    """
    keys = [KPI, id_col, PERIOD]
    live = df.loc[~df[ISDELETED].to_numpy(dtype=bool)] if ISDELETED in df else df
    if live.empty:
        ids = {k: pd.Series(dtype="string") for k in (KPI, id_col)}
        nums = {c: pd.Series(dtype="float64") for c in WIDE_COLUMNS.values()}
        return pd.DataFrame({**ids, PERIOD: pd.Series(dtype="int64"), **nums})
    if live.duplicated([*keys, GENDER]).any():
        live = live.drop_duplicates([*keys, GENDER], keep="last")
    wide = live.set_index([*keys, GENDER])[VALUE].unstack(GENDER)
    wide = wide.reindex(columns=list(WIDE_COLUMNS)).astype("float64")
    wide.columns = pd.Index(list(WIDE_COLUMNS.values()))
    wide = wide.reset_index()
    for k in (KPI, id_col):
        wide[k] = wide[k].astype("string")
    wide[PERIOD] = wide[PERIOD].astype("int64")
    return wide.sort_values(keys, ignore_index=True)
