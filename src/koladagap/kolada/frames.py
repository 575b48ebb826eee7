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

import numpy as np
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
        # read as floats, then checked to be whole numbers within int64 (a count beyond
        # int64 or 1.5 is an error naming the answer, never a traceback or a truncation)
        pa.field("count", pa.float64()),
        pa.field("status", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("isdeleted", pa.bool_()),
    ]
)
_INT64_LIMIT = 2.0**63  # the first float beyond int64


def _record_schema(id_field: str) -> pa.Schema:
    return pa.schema(
        [
            pa.field("kpi", pa.string()),
            pa.field(id_field, pa.string()),
            pa.field("period", pa.float64()),
            pa.field("values", pa.list_(_VALUE_STRUCT)),
        ]
    )


def record_table(
    records: Sequence[Mapping[str, Any]], *, ou: bool = False, source: str = "(records)"
) -> pa.Table:
    """Kolada's data objects as an Arrow table (``kpi``, the id, ``period``, ``values``).

    Types are checked on the way: a text where a number belongs, a record that is not
    an object, a ``values`` that is not a list raise
    :class:`~koladagap.errors.ResponseFormatError` naming ``source``; so does a record
    without ``kpi``, the id, ``period`` or a ``values`` list.

    Examples:
        >>> record_table([{"kpi": "N00906", "municipality": "0180", "period": 2022,
        ...                "values": []}]).num_rows
        1
    """
    id_field = "ou" if ou else "municipality"
    try:
        table = pa.Table.from_pylist(list(records), schema=_record_schema(id_field))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as err:
        what = str(err)
        if isinstance(err, OverflowError) or "too large" in what:
            what = "a whole number beyond int64 (expected counts and years within int64)"
        raise ResponseFormatError(
            f"data records of an unexpected shape: {what}", url=source
        ) from err
    return _checked_records(table, id_field, source)


def _envelope_schema(id_field: str) -> pa.Schema:
    record = pa.struct(list(_record_schema(id_field)))
    return pa.schema(
        [
            pa.field("values", pa.list_(record)),
            pa.field("next_url", pa.string()),
            pa.field("next_page", pa.string()),
        ]
    )


def envelope_table(
    body: bytes, *, ou: bool = False, source: str = "(answer)"
) -> tuple[pa.Table, str | None]:
    """A v3 data page (the raw JSON) as the record table of :func:`record_table`, and its link.

    The JSON is parsed by Arrow straight into typed columns (in C++, beside other
    threads), never into Python objects: a page of 5000 objects costs a fraction of
    what :func:`json.loads` and :func:`record_table` take. Fields Kolada adds are
    ignored. A body that is no JSON at all raises :class:`ValueError` (worth asking
    again: an outage page); JSON of the wrong shape raises
    :class:`~koladagap.errors.ResponseFormatError` naming ``source``.

    Examples:
        >>> t, nxt = envelope_table(b'{"values": [{"kpi": "N00906", "municipality": "0180",'
        ...     b' "period": 2022, "values": [{"gender": "T", "value": 1.5}]}], "next_url": null}')
        >>> t.num_rows, t.column("kpi")[0].as_py(), nxt
        (1, 'N00906', None)
    """
    import io
    import json

    import pyarrow.json as pj

    id_field = "ou" if ou else "municipality"
    options = pj.ParseOptions(
        explicit_schema=_envelope_schema(id_field),
        unexpected_field_behavior="ignore",
        newlines_in_values=True,
    )
    block = pj.ReadOptions(block_size=max(len(body) + 1, 1 << 16))
    try:
        page = pj.read_json(io.BytesIO(body), read_options=block, parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        payload = json.loads(body)  # ValueError when it is no JSON at all
        if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
            keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
            raise ResponseFormatError(
                f"expected a v3 envelope with a 'values' list, got {keys}", url=source
            ) from err
        what = str(err)
        if "too big" in what:  # 1e999: beyond a double, never a value
            what = "a number beyond what a double holds: expected finite numbers or null"
        raise ResponseFormatError(
            f"data records of an unexpected shape: {what}", url=source
        ) from err
    if page.num_rows != 1 or page.column("values").null_count:
        raise ResponseFormatError("expected one v3 envelope with a 'values' list", url=source)
    links = [page.column(n)[0].as_py() for n in ("next_url", "next_page")]
    records = page.column("values").combine_chunks().flatten()
    table = _checked_records(pa.Table.from_struct_array(records), id_field, source)
    return table, links[0] or links[1]


def _checked_records(table: pa.Table, id_field: str, source: str) -> pa.Table:
    if table.column("values").null_count:
        raise ResponseFormatError("a data record without a 'values' list", url=source)
    for name in ("kpi", id_field, "period"):
        if table.column(name).null_count:
            raise ResponseFormatError(f"a data record without {name!r}", url=source)
    return table


def _whole(column: pa.ChunkedArray | pa.Array, name: str, source: str) -> pa.Array:
    """``column`` (floats) as int64, or an error naming the first value that is not one."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    as_np = arr.to_numpy(zero_copy_only=False)
    finite = np.isfinite(as_np)
    present = ~np.isnan(as_np)
    bad = present & (~finite | (np.floor(np.where(finite, as_np, 0)) != as_np))
    bad |= present & finite & (np.abs(np.where(finite, as_np, 0)) >= _INT64_LIMIT)
    if name == COUNT:
        bad |= present & (np.where(finite, as_np, 0) < 0)
    if bad.any():
        first = float(as_np[np.flatnonzero(bad)[0]])
        what = "a whole number >= 0 within int64" if name == COUNT else "a whole number"
        raise ResponseFormatError(f"{name} {first:g} in the answer: expected {what}", url=source)
    return pc.cast(arr, pa.int64())


def flatten_records(table: pa.Table, *, ou: bool = False, source: str = "(records)") -> pa.Table:
    """One row per value of each data object: the tidy columns as an Arrow table.

    Every value is checked: ``gender`` one of T, K, M; ``value`` null or a finite
    number (no NaN, no infinity, no overflow); ``count`` null or a whole number from 0
    within int64; ``period`` a whole number. Anything else raises
    :class:`~koladagap.errors.ResponseFormatError` naming ``source``.
    """
    id_field = "ou" if ou else "municipality"
    id_col = OU_ID if ou else MUNICIPALITY_ID
    values = table.column("values").combine_chunks()
    parents = pc.list_parent_indices(values)
    flat = pc.list_flatten(values)
    if flat.field("gender").null_count:
        raise ResponseFormatError("a value without 'gender'", url=source)
    value = flat.field("value")
    nonfinite = pc.invert(pc.is_finite(value)).fill_null(False)  # type: ignore[attr-defined]
    if pc.any(nonfinite).as_py():
        first = pc.filter(value, nonfinite)[0].as_py()
        raise ResponseFormatError(
            f"value {first!r} in the answer: expected a finite number or null", url=source
        )
    period = _whole(table.column("period"), PERIOD, source)
    out = pa.table(
        {
            KPI: pc.take(table.column("kpi"), parents),
            id_col: pc.take(table.column(id_field), parents),
            PERIOD: pc.take(period, parents),
            GENDER: flat.field("gender"),
            VALUE: value,
            COUNT: _whole(flat.field("count"), COUNT, source),
            STATUS: flat.field("status"),
            ISDELETED: flat.field("isdeleted"),
        }
    )
    genders = set(pc.unique(out.column(GENDER)).to_pylist())
    if not genders <= {"T", "K", "M"}:
        raise ResponseFormatError(
            f"unexpected gender code(s) {sorted(genders - {'T', 'K', 'M'})}", url=source
        )
    return out


def records_to_frame(
    records: Sequence[Mapping[str, Any]], *, ou: bool = False, source: str = "(records)"
) -> pd.DataFrame:
    """Turn Kolada ``/data`` (or ``/oudata`` with ``ou=True``) objects into a tidy long frame.

    Each record ``{"kpi", "municipality"|"ou", "period", "values": [...]}`` gives one
    row per element of ``values``. ``null`` values stay NaN; a missing ``count``,
    ``status`` or ``isdeleted`` becomes null, ``""`` and ``False``. A record that
    lacks ``kpi``, the id, ``period`` or a value's ``gender``, or holds a value of the
    wrong type or range (:func:`flatten_records`), raises
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
    if not records:
        from koladagap.kolada.schema import empty_data_frame

        return empty_data_frame(ou=ou)
    table = record_table(records, ou=ou, source=source)
    return table_to_frame(flatten_records(table, ou=ou, source=source), ou=ou)


def table_to_frame(table: pa.Table, *, ou: bool = False) -> pd.DataFrame:
    """A flat Arrow table of values (:func:`flatten_records`) as the tidy pandas frame."""
    return normalise_data_frame(table.to_pandas(), ou=ou)


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
    "envelope_table",
    "flatten_records",
    "from_wide",
    "is_about_children",
    "label_columns",
    "record_table",
    "records_to_frame",
    "sex_labels",
    "table_to_frame",
    "to_wide",
]
