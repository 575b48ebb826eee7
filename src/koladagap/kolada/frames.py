"""Raw Kolada records → tidy frames, and the wide women/men/total view.

Pure functions, no I/O. The conversion is vectorised with pyarrow: a list of
data objects is turned into an Arrow table with an explicit schema and its
``values`` list is flattened, so a million values convert in about a second.

:func:`to_wide` (defined in :mod:`koladagap.columns`) and the women/men words
(:func:`sex_labels`, :func:`label_columns`, … from :mod:`koladagap.labels`) are
re-exported here, where they were first defined.

Examples:
    >>> import koladagap
    >>> v = koladagap.values("N00906", "0180", 2022, source="sample")
    >>> to_wide(v)[["kpi", "municipality_id", "period", "women", "men", "total"]]
          kpi municipality_id  period     women       men     total
    0  N00906            0180    2022  383100.0  429900.0  405500.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from koladagap.columns import (
    COUNT,
    GENDER,
    ISDELETED,
    KPI,
    MUNICIPALITY_ID,
    OU_ID,
    PERIOD,
    STATUS,
    VALUE,
    WIDE_GENDER,
    is_group,
    to_wide,
)
from koladagap.errors import ResponseFormatError
from koladagap.kolada.schema import normalise_data_frame
from koladagap.labels import _CHILD_WORDS as _CHILD_WORDS  # kept importable
from koladagap.labels import (
    GROUP_LABELS,
    TOTAL_LABEL,
    Lang,
    is_about_children,
    label_columns,
    sex_labels,
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
    return df.loc[~is_group(df[MUNICIPALITY_ID])].reset_index(drop=True)


def from_wide(wide: pd.DataFrame, *, id_col: str = MUNICIPALITY_ID) -> pd.DataFrame:
    """The inverse of :func:`to_wide`: a tidy long frame from ``women``/``men``/``total``."""
    present = [c for c in WIDE_GENDER if c in wide.columns]
    long = wide.melt(
        id_vars=[KPI, id_col, PERIOD], value_vars=present, var_name=GENDER, value_name=VALUE
    )
    long[GENDER] = long[GENDER].map(WIDE_GENDER)
    return normalise_data_frame(long, ou=id_col == OU_ID)


__all__ = [
    "GROUP_LABELS",
    "TOTAL_LABEL",
    "Lang",
    "drop_groups",
    "from_wide",
    "is_about_children",
    "label_columns",
    "records_to_frame",
    "sex_labels",
    "to_wide",
]
