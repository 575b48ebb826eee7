"""Column names, dtypes and validation of ids and years, in one place.

The tidy long frame of Kolada values has one row per KPI × municipality (or
organisational unit) × period × gender::

    kpi  municipality_id  period  gender  value  count  status  isdeleted

Codes stay strings with their leading zeros (``"0180"``), ``period`` is an
integer year, ``gender`` is ``"T"``, ``"K"`` (women/girls) or ``"M"``
(men/boys), ``value`` is a float with NaN for Kolada's ``null``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

# --- tidy value frames -------------------------------------------------------
from koladagap.columns import (  # noqa: F401 (re-exported: the tidy frame's names)
    COUNT,
    DATA_COLUMNS,
    GENDER,
    GENDERS,
    ISDELETED,
    KPI,
    MUNICIPALITY_ID,
    OU_DATA_COLUMNS,
    OU_ID,
    PERIOD,
    STATUS,
    VALUE,
)
from koladagap.errors import InputError, InvalidYearsError

DATA_SCHEMA = pa.schema(
    [
        pa.field(KPI, pa.string(), nullable=False),
        pa.field(MUNICIPALITY_ID, pa.string(), nullable=False),
        pa.field(PERIOD, pa.int64(), nullable=False),
        pa.field(GENDER, pa.string(), nullable=False),
        pa.field(VALUE, pa.float64()),
        pa.field(COUNT, pa.int64()),
        pa.field(STATUS, pa.string()),
        pa.field(ISDELETED, pa.bool_()),
    ]
)

OU_DATA_SCHEMA = pa.schema(
    [DATA_SCHEMA.field(KPI), pa.field(OU_ID, pa.string(), nullable=False)]
    + [DATA_SCHEMA.field(c) for c in DATA_COLUMNS[2:]]
)

# pandas dtypes matching the Arrow schema (nullable integers for count).
DATA_DTYPES: dict[str, str] = {
    KPI: "string",
    MUNICIPALITY_ID: "string",
    OU_ID: "string",
    PERIOD: "int64",
    GENDER: "string",
    VALUE: "float64",
    COUNT: "Int64",
    STATUS: "string",
    ISDELETED: "bool",
}


def empty_data_frame(ou: bool = False) -> pd.DataFrame:
    """An empty tidy frame with the right columns and dtypes."""
    cols = OU_DATA_COLUMNS if ou else DATA_COLUMNS
    return normalise_data_frame(pd.DataFrame({c: [] for c in cols}), ou=ou)


def normalise_data_frame(df: pd.DataFrame, ou: bool = False) -> pd.DataFrame:
    """Return ``df`` with exactly the tidy columns, in order, with their dtypes.

    Categorical columns (hive partitions read back by pyarrow) become strings;
    missing ``count``/``status``/``isdeleted`` columns are added empty.
    """
    cols = OU_DATA_COLUMNS if ou else DATA_COLUMNS
    if is_normal(df, cols):
        return df.copy(deep=False)  # already tidy: nothing to convert
    out = pd.DataFrame(index=df.index)
    for c in cols:
        if c in df.columns:
            s = df[c]
            if isinstance(s.dtype, pd.CategoricalDtype):
                s = s.astype(object)
        elif c == STATUS:
            s = pd.Series("", index=df.index)
        elif c == ISDELETED:
            s = pd.Series(False, index=df.index)
        else:
            s = pd.Series(pd.NA, index=df.index, dtype="object")
        if c in (STATUS,):
            s = s.fillna("")
        if c == ISDELETED:
            s = s.fillna(False)
        out[c] = s.astype(DATA_DTYPES[c])  # type: ignore[call-overload]
    return out.reset_index(drop=True)


def is_normal(df: pd.DataFrame, cols: list[str]) -> bool:
    """True when ``df`` already has exactly ``cols``, their dtypes and a 0..n-1 index.

    >>> is_normal(empty_data_frame(), DATA_COLUMNS)
    True
    >>> is_normal(pd.DataFrame({"kpi": ["N00906"]}), DATA_COLUMNS)
    False
    """
    if list(df.columns) != list(cols):
        return False
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
        return False
    if not all(df[c].dtype == pd.api.types.pandas_dtype(DATA_DTYPES[c]) for c in cols):
        return False
    return not bool(df[STATUS].isna().any())  # normalising fills a missing status with ""


# --- metadata frames --------------------------------------------------------

KPI_META_COLUMNS = [
    "id",
    "title",
    "description",
    "is_divided_by_gender",
    "municipality_type",
    "auspice",
    "operating_area",
    "perspective",
    "prel_publication_date",
    "publication_date",
    "publ_period",
    "has_ou_data",
]
MUNICIPALITY_COLUMNS = ["id", "title", "type"]
GROUP_COLUMNS = ["id", "title", "n_members"]
GROUP_MEMBER_COLUMNS = ["group_id", "group_title", "member_id", "member_title"]

# --- ids ---------------------------------------------------------------------

_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "kpi": re.compile(r"^[A-Z][A-Z0-9]{1,15}$"),
    "municipality": re.compile(r"^(\d{4}|G\d{1,12})$"),
    "group": re.compile(r"^G[A-Z0-9]{1,20}$"),
    "ou": re.compile(r"^V\d{2}E?[A-Z0-9]{1,20}$"),
}
_ID_ACCEPTED = {
    "kpi": "a letter then letters/digits, e.g. N00906 or U01405",
    "municipality": "four digits with leading zeros (e.g. 0180; 0000 is Riket) or a group id G…",
    "group": "a group id such as G176199 or G2KPI148333",
    "ou": "an organisational unit id such as V15E018000201",
}


def parse_ids(ids: str | Iterable[str] | None, kind: str) -> list[str]:
    """Split, clean and validate ids; keep order and drop duplicates.

    Accepts a comma/space separated string or an iterable. KPI and group ids
    are upper-cased; municipality ids given as 1-3 digits are **not** padded
    (``180`` is ambiguous in a CLI): they are rejected with a hint.

    >>> parse_ids("N00906, n00905", "kpi")
    ['N00906', 'N00905']
    >>> parse_ids(["0180"], "municipality")
    ['0180']
    """
    if ids is None:
        return []
    if isinstance(ids, str):
        items = [p for p in re.split(r"[,\s]+", ids) if p]
    else:
        items = []
        for x in ids:
            if not isinstance(x, str):
                raise InputError(
                    f"{kind} id {x!r} must be a string ({_ID_ACCEPTED[kind]}); "
                    "write municipality ids as text so leading zeros stay"
                )
            items.extend(p for p in re.split(r"[,\s]+", x) if p)
    pattern = _ID_PATTERNS[kind]
    out: list[str] = []
    seen: set[str] = set()
    for raw in items:
        item = raw.strip()
        if kind in ("kpi", "group", "ou"):
            item = item.upper()
        elif item[:1].lower() == "g":
            item = "G" + item[1:].upper()
        if not pattern.match(item):
            hint = ""
            if kind == "municipality" and item.isdigit() and len(item) < 4:
                hint = f"; did you mean {item.zfill(4)}?"
            raise InputError(f"invalid {kind} id {raw!r}: expected {_ID_ACCEPTED[kind]}{hint}")
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


# --- years -------------------------------------------------------------------

MIN_YEAR = 1950
MAX_YEAR = 2100


def parse_years(years: str | int | Iterable[int | str] | None) -> list[int]:
    """Parse ``2015-2022``, ``2015,2018,2022``, ``2022`` or a list of ints into sorted years.

    >>> parse_years("2015-2017,2020")
    [2015, 2016, 2017, 2020]
    >>> parse_years(2022)
    [2022]
    """
    if years is None:
        return []
    accepted = "a year like 2022, a range like 2015-2022, or a comma list"
    parts: list[str]
    if isinstance(years, bool):
        raise InvalidYearsError(f"invalid years {years!r}: expected {accepted}")
    if isinstance(years, int):
        parts = [str(years)]
    elif isinstance(years, str):
        parts = [p for p in re.split(r"[,\s]+", years.strip()) if p]
    else:
        parts = [str(y) for y in years]
    out: set[int] = set()
    for p in parts:
        m = re.fullmatch(r"(\d{4})(?:\s*[-–:]\s*(\d{4}))?", p.strip())
        if not m:
            raise InvalidYearsError(f"invalid years {p!r}: expected {accepted}")
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        if b < a:
            raise InvalidYearsError(f"invalid year range {p!r}: the end comes before the start")
        for y in (a, b):
            if not MIN_YEAR <= y <= MAX_YEAR:
                raise InvalidYearsError(
                    f"impossible year {y} in {p!r}: "
                    f"Kolada years lie between {MIN_YEAR} and {MAX_YEAR}"
                )
        out.update(range(a, b + 1))
    return sorted(out)
