"""What the cache modules share: names, clock, lock, Parquet bytes, schema and provenance."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import filelock
import pyarrow as pa
import pyarrow.parquet as pq

from koladagap.columns import GENDER, MUNICIPALITY_ID, PERIOD
from koladagap.errors import CacheError
from koladagap.kolada.cache.integrity import TEMP_PREFIX
from koladagap.kolada.schema import (
    GROUP_MEMBER_COLUMNS,
    KPI_META_COLUMNS,
    MUNICIPALITY_COLUMNS,
    parse_ids,
)

ENV_CACHE_DIR = "KOLADAGAP_CACHE_DIR"
META_KEY = b"koladagap"
PART_FILE = "part.parquet"
#: 2: each file has a checksum sidecar (:mod:`~koladagap.kolada.cache.integrity`).
FORMAT_VERSION = 2

KEY_COLUMNS = [MUNICIPALITY_ID, PERIOD, GENDER]

# Columns the known metadata tables must have to be usable.
META_REQUIRED: dict[str, list[str]] = {
    "kpis": KPI_META_COLUMNS,
    "municipalities": MUNICIPALITY_COLUMNS,
    "municipality_groups": GROUP_MEMBER_COLUMNS,
    "kpi_groups": GROUP_MEMBER_COLUMNS,
}
META_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

INFO_COLUMNS = [
    "kpi",
    "rows",
    "municipalities",
    "first_period",
    "last_period",
    "fetched_at",
    "bytes",
    "api_url",
    "status",
    "path",
]


def default_cache_dir() -> Path:
    """``$KOLADAGAP_CACHE_DIR`` if set, else the platform's user cache dir for koladagap."""
    env = os.environ.get(ENV_CACHE_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("koladagap"))


def now() -> dt.datetime:
    """The current time, tz-aware UTC (the one clock of the cache; tests replace it)."""
    return dt.datetime.now(dt.UTC)


def iso(t: dt.datetime) -> str:
    """``t`` as UTC ISO text to the second."""
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


def parse_time(s: Any) -> dt.datetime | None:
    """ISO text → tz-aware UTC time; ``None`` for anything else."""
    if not isinstance(s, str) or not s:
        return None
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC)


def one_line(err: BaseException) -> str:
    """An error's text on one line, at most ~200 characters."""
    text = " ".join(str(err).split())
    return (text[:200] + " …") if len(text) > 200 else text or type(err).__name__


def kpi_ids(kpis: str | Iterable[str]) -> list[str]:
    """Validated KPI ids (``"N00906,N15428"`` or a list)."""
    return parse_ids(kpis, "kpi")


# --- locks ------------------------------------------------------------------------


@contextlib.contextmanager
def file_lock(lock_path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (the ``filelock`` library: ``flock`` on POSIX).

    The operating system drops the lock when its process dies, so a killed writer
    never leaves a lock behind.

    Raises:
        CacheError: the lock was not free within ``timeout`` seconds.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(lock_path, timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout as err:
        raise CacheError(
            f"timed out after {timeout:.0f} s waiting for the cache lock; "
            "another koladagap process is writing this KPI",
            path=str(lock_path),
        ) from err
    try:
        yield
    finally:
        lock.release()


# --- Parquet bytes ----------------------------------------------------------------


def parquet_bytes(table: pa.Table) -> memoryview:
    """``table`` as the bytes of a Parquet file (zstd, page checksums), made in memory.

    The bytes are checksummed and written by :func:`~koladagap.kolada.cache.integrity.write_pair`.
    """
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", write_page_checksum=True)
    return memoryview(sink.getvalue())


def is_temp(p: Path) -> bool:
    """Whether ``p`` is a writer's temp file (left behind if the writer was killed)."""
    return p.name.startswith(TEMP_PREFIX) and p.name.endswith(".tmp")


# --- schema checks ----------------------------------------------------------------


def _compatible(found: pa.DataType, wanted: pa.DataType) -> bool:
    if found == wanted:
        return True
    if pa.types.is_string(wanted):
        if pa.types.is_dictionary(found):
            found = found.value_type
        return bool(pa.types.is_string(found) or pa.types.is_large_string(found))
    if pa.types.is_integer(wanted):
        return bool(pa.types.is_integer(found))
    if pa.types.is_floating(wanted):
        return bool(pa.types.is_floating(found) or pa.types.is_null(found))
    return bool(pa.types.is_null(found))


def schema_problem(schema: pa.Schema, wanted: pa.Schema) -> str | None:
    """What keeps a file with ``schema`` from being read as ``wanted``; ``None`` when nothing."""
    for field in wanted:
        i = schema.get_field_index(field.name)
        if i < 0:
            return f"column {field.name!r} is missing"
        found = schema.field(i).type
        if not _compatible(found, field.type):
            return f"column {field.name!r} has type {found}, expected {field.type}"
    return None


def provenance_of(schema: pa.Schema) -> dict[str, Any]:
    """The koladagap provenance in a file's key-value metadata.

    Raises:
        ValueError: it is missing or not a JSON object with a ``coverage`` list.
    """
    raw = (schema.metadata or {}).get(META_KEY)
    try:
        prov = json.loads(raw) if raw else None
    except ValueError as err:
        raise ValueError("its provenance metadata is not JSON") from err
    if not isinstance(prov, dict) or not isinstance(prov.get("coverage", []), list):
        raise ValueError("its koladagap provenance metadata is missing")
    return prov
