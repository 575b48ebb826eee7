"""Raw Kolada records → tidy frames, and the wide women/men/total view.

Pure functions, no I/O. The conversion is vectorised with pyarrow: a list of
data objects is turned into an Arrow table with an explicit schema and its
``values`` list is flattened, so a million values convert in about a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from koladagap.errors import ResponseFormatError
from koladagap.kolada.schema import (
    COUNT,
    GENDER,
    ISDELETED,
    KPI,
    MUNICIPALITY_ID,
    OU_ID,
    PERIOD,
    STATUS,
    VALUE,
    normalise_data_frame,
)

_VALUE_STRUCT = pa.struct(
    [
        pa.field("gender", pa.string()),
        pa.field("count", pa.int64()),
        pa.field("status", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("isdeleted", pa.bool_()),
    ]
)


def _record_schema(id_field: str) -> pa.Schema:
    return pa.schema(
        [
            pa.field("kpi", pa.string()),
            pa.field(id_field, pa.string()),
            pa.field("period", pa.int64()),
            pa.field("values", pa.list_(_VALUE_STRUCT)),
        ]
    )


def records_to_frame(
    records: Sequence[Mapping[str, Any]], *, ou: bool = False, source: str = "(records)"
) -> pd.DataFrame:
    """Turn Kolada ``/data`` (or ``/oudata`` with ``ou=True``) objects into a tidy long frame.

    Each record ``{"kpi", "municipality"|"ou", "period", "values": [...]}`` gives one
    row per element of ``values``. ``null`` values stay NaN; a missing ``count``,
    ``status`` or ``isdeleted`` becomes null, ``""`` and ``False``. A record that
    lacks ``kpi``, the id, ``period`` or a value's ``gender`` raises
    :class:`~koladagap.errors.ResponseFormatError` naming ``source``.

    Examples:
        >>> rec = {"kpi": "N00906", "municipality": "0180", "period": 2022,
        ...        "values": [{"gender": "K", "count": 1, "status": "", "value": 383100.0,
        ...                    "isdeleted": False},
        ...                   {"gender": "M", "count": 1, "status": "", "value": None,
        ...                    "isdeleted": False}]}
        >>> records_to_frame([rec])[["kpi", "municipality_id", "gender", "value"]]
              kpi municipality_id gender     value
        0  N00906            0180      K  383100.0
        1  N00906            0180      M       NaN
    """
    id_field = "ou" if ou else "municipality"
    id_col = OU_ID if ou else MUNICIPALITY_ID
    if not records:
        from koladagap.kolada.schema import empty_data_frame

        return empty_data_frame(ou=ou)
    try:
        table = pa.Table.from_pylist(list(records), schema=_record_schema(id_field))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as err:
        raise ResponseFormatError(
            f"data records of an unexpected shape: {err}", url=source
        ) from err
    values = table.column("values").combine_chunks()
    if values.null_count:
        raise ResponseFormatError("a data record without a 'values' list", url=source)
    for name in ("kpi", id_field, "period"):
        if table.column(name).null_count:
            raise ResponseFormatError(f"a data record without {name!r}", url=source)
    parents = pc.list_parent_indices(values)
    flat = pc.list_flatten(values)
    if flat.field("gender").null_count:
        raise ResponseFormatError("a value without 'gender'", url=source)
    out = pa.table(
        {
            KPI: pc.take(table.column("kpi"), parents),
            id_col: pc.take(table.column(id_field), parents),
            PERIOD: pc.take(table.column("period"), parents),
            GENDER: flat.field("gender"),
            VALUE: flat.field("value"),
            COUNT: flat.field("count"),
            STATUS: flat.field("status"),
            ISDELETED: flat.field("isdeleted"),
        }
    )
    genders = set(pc.unique(out.column(GENDER)).to_pylist())
    if not genders <= {"T", "K", "M"}:
        raise ResponseFormatError(
            f"unexpected gender code(s) {sorted(genders - {'T', 'K', 'M'})}", url=source
        )
    return normalise_data_frame(out.to_pandas(), ou=ou)


def drop_groups(df: pd.DataFrame) -> pd.DataFrame:
    """Drop rows for municipality groups (ids ``G…``) that bulk queries return."""
    mask = df[MUNICIPALITY_ID].str.startswith("G").fillna(False).to_numpy(dtype=bool)
    return df.loc[~mask].reset_index(drop=True)


def to_wide(df: pd.DataFrame, *, id_col: str = MUNICIPALITY_ID) -> pd.DataFrame:
    """One row per KPI × id × period with ``women``, ``men`` and ``total`` columns.

    Deleted observations are dropped. A gender that is absent gives NaN, so a
    KPI not divided by gender has ``women``/``men`` all NaN.

    Examples:
        >>> import koladagap
        >>> v = koladagap.values("N00906", "0180", 2022, source="sample")
        >>> to_wide(v)[["kpi", "municipality_id", "period", "women", "men", "total"]]
              kpi municipality_id  period     women       men     total
        0  N00906            0180    2022  383100.0  429900.0  405500.0
    """
    keys = [KPI, id_col, PERIOD]
    cols = {"K": "women", "M": "men", "T": "total"}
    if df.empty:
        return pd.DataFrame(
            {k: pd.Series(dtype=df[k].dtype if k in df else "string") for k in keys}
            | {c: pd.Series(dtype="float64") for c in cols.values()}
        )
    live = df.loc[~df[ISDELETED].to_numpy(dtype=bool)] if ISDELETED in df else df
    if live.duplicated(keys + [GENDER]).any():
        live = live.drop_duplicates(keys + [GENDER], keep="last")
    wide = live.set_index(keys + [GENDER])[VALUE].unstack(GENDER)
    wide = wide.reindex(columns=["K", "M", "T"]).rename(columns=cols)
    wide.columns.name = None
    wide = wide.reset_index()
    for k in (KPI, id_col):
        wide[k] = wide[k].astype("string")
    wide[PERIOD] = wide[PERIOD].astype("int64")
    return wide.sort_values(keys, ignore_index=True)


def from_wide(wide: pd.DataFrame, *, id_col: str = MUNICIPALITY_ID) -> pd.DataFrame:
    """The inverse of :func:`to_wide`: a tidy long frame from ``women``/``men``/``total``."""
    names = {"women": "K", "men": "M", "total": "T"}
    present = [c for c in names if c in wide.columns]
    long = wide.melt(
        id_vars=[KPI, id_col, PERIOD], value_vars=present, var_name=GENDER, value_name=VALUE
    )
    long[GENDER] = long[GENDER].map(names)
    return normalise_data_frame(long, ou=id_col == OU_ID)


# --- labels: women/men or girls/boys ----------------------------------------------

_CHILD_WORDS = re.compile(
    r"(?:\belev|elever\b|gymnasieelev|\bbarn\b|barn\s|\bflickor\b|\bpojkar\b|\båk\s?\d|"
    r"\bungdomar\b|\bunga\b|\bskolbarn|förskolebarn|\b\d{1,2}\s?-\s?1[0-9]\s?år\b)",
    re.IGNORECASE,
)

GROUP_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "sv": {"adults": ("kvinnor", "män"), "children": ("flickor", "pojkar")},
    "en": {"adults": ("women", "men"), "children": ("girls", "boys")},
}
TOTAL_LABEL = {"sv": "totalt", "en": "total"}

Lang = Literal["sv", "en"]


def is_about_children(title: str) -> bool:
    """True when a KPI title speaks of children or pupils (girls/boys rather than women/men).

    >>> is_about_children("Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)")
    True
    >>> is_about_children("Sammanräknad förvärvsinkomst i åldern 20-64 år (median), kr")
    False
    """
    return bool(_CHILD_WORDS.search(title or ""))


def sex_labels(title: str, lang: Lang = "sv") -> tuple[str, str]:
    """The labels for K and M of a KPI: ``("kvinnor", "män")`` or ``("flickor", "pojkar")``."""
    table = GROUP_LABELS["en" if lang == "en" else "sv"]
    return table["children" if is_about_children(title) else "adults"]


def label_columns(titles: Iterable[str], lang: Lang = "sv") -> pd.DataFrame:
    """Vectorised :func:`sex_labels` for many titles: ``label_women``, ``label_men``."""
    t = pd.Series(list(titles), dtype="string").fillna("")
    child = t.str.contains(_CHILD_WORDS, regex=True).to_numpy(dtype=bool)
    lab = GROUP_LABELS["en" if lang == "en" else "sv"]
    return pd.DataFrame(
        {
            "label_women": np.where(child, lab["children"][0], lab["adults"][0]),
            "label_men": np.where(child, lab["children"][1], lab["adults"][1]),
        }
    )
