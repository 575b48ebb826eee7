"""Every answer from Kolada is untrusted: what a request asked for, and checks against it.

A data URL names what it asks for (``/data/kpi/{kpis}/municipality/{ids}/year/{years}``
and the shorter forms); :func:`asked` reads that back from the URL itself, so the
checks hold however the URL was built. From it follow:

- the bounds of an answer (:func:`bounds`): at most one data object per KPI × id ×
  year asked, hence at most so many pages; a metadata list is bounded by the ids
  asked or, for a whole catalogue, by :data:`CATALOGUE_MAX`;
- the rows allowed in it (:func:`checked_table`): only the KPIs, ids and years
  asked (``isdeleted`` rows too), ids of the right form where every id was asked
  for, no two rows for one KPI × id × period × gender with different contents
  (identical repeats are dropped).

Links are followed only to the API's own origin
(:func:`koladagap.kolada.transport.same_origin`).

Anything else is a :class:`~koladagap.errors.ResponseFormatError` (an
:class:`~koladagap.errors.APIError`, exit 3) naming the URL, raised before anything
reaches the cache.

Examples:
    >>> a = asked("https://api.kolada.se/v3/data/kpi/N00906,N00905/year/2021,2022?per_page=5000")
    >>> a.kpis, a.units, a.years
    (('N00906', 'N00905'), None, (2021, 2022))
    >>> bounds(a, per_page=5000).pages  # every municipality and group: a generous bound
    10
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from koladagap.columns import GENDER, KPI, MUNICIPALITY_ID, OU_ID, PERIOD
from koladagap.errors import ResponseFormatError
from koladagap.kolada.frames import flatten_records, record_table

#: Largest number of municipalities and groups a data query without ids may return
#: (Kolada: 290 kommuner, 21 regioner, Riket and the groups it adds to bulk answers).
BULK_UNITS = 10_000
#: Organisational units a query without OU ids may return (Kolada has about 35 000).
ALL_OUS = 100_000
#: KPIs a data query without KPI ids may return (Kolada has about 6 000).
ALL_KPIS = 20_000
#: Years a data query without years may return (1970 to 2100).
ALL_YEARS = 131
#: Objects of a whole metadata list (KPIs, units, groups …) at the most.
CATALOGUE_MAX = 200_000
#: Pages beyond the computed number that are tolerated (an empty last page, rounding).
PAGE_MARGIN = 2

_KPI_FORM = r"^[A-Z][A-Z0-9]{1,15}$"
_UNIT_FORM = {
    "municipality": r"^(\d{4}|G[A-Z0-9]{1,20})$",
    "ou": r"^V\d{2}E?[A-Z0-9]{1,20}$",
}
_DATA = re.compile(r"/(data|oudata)(/|$)")
_META = frozenset({"kpi", "kpi_groups", "municipality", "municipality_groups", "ou"})


@dataclass(frozen=True)
class Asked:
    """What one request asked for; ``None`` in a dimension means "every one there is".

    Attributes:
        endpoint: ``"data"``, ``"oudata"`` or a metadata endpoint (``"kpi"`` …).
        kpis: KPI ids of a data URL.
        units: municipality (or OU) ids of a data URL, or the ids of a metadata URL.
        years: years of a data URL.
    """

    endpoint: str
    kpis: tuple[str, ...] | None = None
    units: tuple[str, ...] | None = None
    years: tuple[int, ...] | None = None

    @property
    def is_data(self) -> bool:
        return self.endpoint in ("data", "oudata")

    @property
    def unit_key(self) -> str:
        """The record's id field: ``"ou"`` for ``oudata``, else ``"municipality"``."""
        return "ou" if self.endpoint == "oudata" else "municipality"


@dataclass(frozen=True)
class Bounds:
    """The most an answer can hold: ``items`` objects on ``pages`` pages."""

    items: int
    pages: int


def _ids(text: str) -> tuple[str, ...]:
    return tuple(p for p in unquote(text).split(",") if p)


def asked(url: str) -> Asked:
    """What ``url`` asks for, read from its path (see the module docstring).

    Examples:
        >>> asked("http://h/v3/oudata/kpi/U1/ou/V15E1,V15E2/year/2022").units
        ('V15E1', 'V15E2')
        >>> asked("http://h/v3/kpi/N00906,N00905?per_page=5000")
        Asked(endpoint='kpi', kpis=None, units=('N00906', 'N00905'), years=None)
    """
    path = urlsplit(url).path
    m = _DATA.search(path)
    if m is None:
        segs = [s for s in path.split("/") if s]
        for i in range(len(segs) - 1, -1, -1):
            if segs[i] in _META:
                return Asked(segs[i], units=_ids(segs[i + 1]) if i + 1 < len(segs) else None)
        return Asked(segs[-1] if segs else "")
    endpoint = m.group(1)
    segs = [s for s in path[m.end() :].split("/") if s]
    given = dict(zip(segs[0::2], segs[1::2], strict=False))
    unit_name = "ou" if endpoint == "oudata" else "municipality"
    years = None
    if "year" in given:
        parts = _ids(given["year"])
        years = tuple(int(y) for y in parts if y.isdigit())
    return Asked(
        endpoint,
        kpis=_ids(given["kpi"]) if "kpi" in given else None,
        units=_ids(given[unit_name]) if unit_name in given else None,
        years=years,
    )


def bounds(what: Asked, per_page: int) -> Bounds:
    """The most objects and pages an answer to ``what`` can hold at ``per_page`` a page.

    Examples:
        >>> bounds(Asked("data", ("N1",) * 18, ("0180",) * 21, tuple(range(13))), 5000)
        Bounds(items=4914, pages=3)
        >>> bounds(Asked("kpi"), 5000).pages
        42
    """
    if what.is_data:
        all_units = ALL_OUS if what.endpoint == "oudata" else BULK_UNITS
        items = (
            (len(what.kpis) if what.kpis is not None else ALL_KPIS)
            * (len(what.units) if what.units is not None else all_units)
            * (len(what.years) if what.years is not None else ALL_YEARS)
        )
    else:
        items = len(what.units) if what.units is not None else CATALOGUE_MAX
    return Bounds(items, max(1, math.ceil(items / per_page)) + PAGE_MARGIN)


def _outside(column: pa.ChunkedArray, allowed: Sequence[Any] | None, form: str | None) -> list[Any]:
    """The distinct values of ``column`` not in ``allowed`` (or not matching ``form``)."""
    if allowed is not None:
        mask = pc.invert(pc.is_in(column, value_set=pa.array(list(allowed), column.type)))
    elif form is not None:
        mask = pc.invert(pc.match_substring_regex(column, form))
    else:
        return []
    return sorted(pc.unique(pc.filter(column, mask)).to_pylist(), key=str)


def _shown(items: Sequence[Any], limit: int = 5) -> str:
    head = ", ".join(str(x) for x in items[:limit])
    return head + (f" … ({len(items)} in all)" if len(items) > limit else "")


def check_asked(table: pa.Table, what: Asked, url: str) -> None:
    """Raise if the record table holds a KPI, id or year that ``what`` did not ask for."""
    unit = what.unit_key
    checks = [
        ("KPI", "kpi", what.kpis, _KPI_FORM),
        ("ou" if unit == "ou" else "municipality", unit, what.units, _UNIT_FORM[unit]),
    ]
    for label, name, allowed, form in checks:
        bad = _outside(table.column(name), allowed, form)
        if bad:
            wanted = f"asked for {_shown(list(allowed))}" if allowed is not None else "not an id"
            raise ResponseFormatError(
                f"the answer holds {label} {_shown(bad)}, which was not asked for ({wanted})",
                url=url,
            )
    period = table.column("period")
    if what.years is not None:
        allowed_years = pa.array([float(y) for y in what.years], pa.float64())
        outside = pc.invert(pc.is_in(period, value_set=allowed_years))
    else:
        outside = pc.invert(pc.and_(pc.greater_equal(period, 1950), pc.less_equal(period, 2100)))
    if pc.any(outside).as_py():
        bad_years = sorted(pc.unique(pc.filter(period, outside)).to_pylist())
        raise ResponseFormatError(
            f"the answer holds year {_shown(bad_years)}, which was not asked for", url=url
        )


def _distinct(flat: pa.Table, keys: list[str]) -> bool:
    """Whether no two rows share the ``keys`` (one int64 code per row, sorted: fast)."""
    code = np.zeros(flat.num_rows, dtype=np.int64)
    span = 1
    for name in keys:
        col = flat.column(name)
        if pa.types.is_integer(col.type):
            part = col.to_numpy().astype(np.int64)
            part = part - part.min()
            width = int(part.max()) + 1
        else:
            enc = pc.dictionary_encode(col).combine_chunks()
            part = enc.indices.to_numpy().astype(np.int64)
            width = len(enc.dictionary)
        span *= width
        if span >= 2**62:  # the codes would overflow: let Arrow group instead
            return bool(flat.group_by(keys).aggregate([]).num_rows == flat.num_rows)
        code = code * width + part
    return bool(np.unique(code).size == code.size)


def drop_repeats(flat: pa.Table, url: str, id_col: str = MUNICIPALITY_ID) -> pa.Table:
    """``flat`` without identical repeats; a key given twice with different contents raises.

    Examples:
        >>> t = pa.table({"kpi": ["N1", "N1"], "municipality_id": ["0180"] * 2,
        ...               "period": [2022] * 2, "gender": ["T"] * 2, "value": [1.0, 1.0]})
        >>> drop_repeats(t, "http://h").num_rows
        1
    """
    keys = [KPI, id_col, PERIOD, GENDER]
    if flat.num_rows < 2 or _distinct(flat, keys):
        return flat
    df = flat.to_pandas()
    whole = df.drop_duplicates()
    clash = whole.loc[whole.duplicated(keys, keep=False)]
    if len(clash):
        key = clash.iloc[0][keys].tolist()
        raise ResponseFormatError(
            f"the answer gives {' × '.join(str(k) for k in key)} twice with different "
            "contents; expected one value per KPI, id, year and gender",
            url=url,
        )
    return pa.Table.from_pandas(whole, schema=flat.schema, preserve_index=False)


def checked_table(records: Sequence[Mapping[str, Any]] | Sequence[pa.Table], url: str) -> pa.Table:
    """The data objects of one data URL as a flat tidy Arrow table, checked against the URL.

    ``records`` are Kolada's objects (dicts) or record tables, one per page
    (:func:`~koladagap.kolada.frames.envelope_table`).

    Raises:
        ResponseFormatError: a record of the wrong shape or type, a value that is not
            finite, a count that is not a whole number from 0 within int64, a KPI, id
            or year that was not asked for, or two different rows for one key.
    """
    what = asked(url)
    ou = what.endpoint == "oudata"
    if not records:
        from koladagap.kolada.schema import DATA_SCHEMA, OU_DATA_SCHEMA

        return (OU_DATA_SCHEMA if ou else DATA_SCHEMA).empty_table()
    if isinstance(records[0], pa.Table):
        table = pa.concat_tables(records)  # type: ignore[arg-type]
    else:
        table = record_table(records, ou=ou, source=url)  # type: ignore[arg-type]
    check_asked(table, what, url)
    flat = flatten_records(table, ou=ou, source=url)
    return drop_repeats(flat, url, OU_ID if ou else MUNICIPALITY_ID)


__all__ = [
    "ALL_KPIS",
    "ALL_OUS",
    "ALL_YEARS",
    "BULK_UNITS",
    "CATALOGUE_MAX",
    "Asked",
    "Bounds",
    "asked",
    "bounds",
    "check_asked",
    "checked_table",
    "drop_repeats",
]
