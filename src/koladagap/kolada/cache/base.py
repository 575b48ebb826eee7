"""The cache's folder, paths, locks and per-file provenance, shared by its parts."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from koladagap.columns import (
    DATA_COLUMNS,
    GENDER,
    KPI,
    MUNICIPALITY_ID,
    OU_DATA_COLUMNS,
    OU_ID,
    PERIOD,
)
from koladagap.errors import CorruptCacheError
from koladagap.kolada.cache import common
from koladagap.kolada.schema import DATA_SCHEMA, OU_DATA_SCHEMA


class CacheBase:
    """A cache folder: where things live, the lock per KPI, and each file's provenance.

    :class:`~koladagap.kolada.cache.Cache` adds reading, writing, housekeeping and
    the metadata tables.
    """

    #: Seconds to wait for another process's lock before giving up.
    lock_timeout: float = 120.0

    def __init__(self, path: str | os.PathLike[str] | None = None, *, ou: bool = False) -> None:
        self.path: Path = (
            Path(os.fspath(path)).expanduser()
            if path not in (None, "")
            else common.default_cache_dir()
        ).absolute()
        #: ``True``: the organisational-unit dataset (``ou_values/``, keyed by ``ou_id``),
        #: kept apart from the municipality values with the same guarantees.
        self.ou = ou
        self._schema = OU_DATA_SCHEMA if ou else DATA_SCHEMA
        self._columns = OU_DATA_COLUMNS if ou else DATA_COLUMNS
        self._unit = OU_ID if ou else MUNICIPALITY_ID
        self._keys = [self._unit, PERIOD, GENDER]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}{', ou=True' if self.ou else ''})"

    # -- paths -------------------------------------------------------------------
    @property
    def values_dir(self) -> Path:
        """The hive-partitioned values dataset (``values/kpi=…/part.parquet``)."""
        return self.path / ("ou_values" if self.ou else "values")

    @property
    def meta_dir(self) -> Path:
        """The folder of metadata tables."""
        return self.path / "meta"

    def partition_file(self, kpi: str) -> Path:
        """The Parquet file holding one KPI's values."""
        return self.values_dir / f"{KPI}={kpi}" / common.PART_FILE

    def _lock(self, name: str) -> contextlib.AbstractContextManager[None]:
        lock_file = self.path / "locks" / f"{'ou-' if self.ou else ''}{name}.lock"
        return common.file_lock(lock_file, self.lock_timeout)

    def _cached_kpis(self) -> list[str]:
        if not self.values_dir.is_dir():
            return []
        prefix = f"{KPI}="
        return sorted(
            d.name[len(prefix) :]
            for d in self.values_dir.iterdir()
            if d.is_dir() and d.name.startswith(prefix) and (d / common.PART_FILE).is_file()
        )

    # -- provenance --------------------------------------------------------------
    def _corrupt(self, kpi: str, path: Path, reason: str) -> CorruptCacheError:
        return CorruptCacheError(
            f"the cache file of {kpi} cannot be read ({reason}); run "
            f"'koladagap cache clear --kpi {kpi}' or delete the file",
            path=str(path),
        )

    def _provenance(self, kpi: str) -> dict[str, Any] | None:
        """The JSON provenance of a KPI's file, ``None`` when absent; corrupt → error."""
        path = self.partition_file(kpi)
        if not path.is_file():
            return None
        try:
            schema = pq.read_schema(path)
        except FileNotFoundError:
            return None
        except (pa.ArrowException, OSError, ValueError) as err:
            raise self._corrupt(kpi, path, common.one_line(err)) from err
        problem = common.schema_problem(schema, self._schema)
        if problem:
            raise self._corrupt(kpi, path, f"unexpected schema: {problem}")
        raw = (schema.metadata or {}).get(common.META_KEY)
        try:
            prov = json.loads(raw) if raw else None
        except ValueError as err:
            raise self._corrupt(kpi, path, "its provenance metadata is not JSON") from err
        if not isinstance(prov, dict) or not isinstance(prov.get("coverage", []), list):
            raise self._corrupt(kpi, path, "its koladagap provenance metadata is missing")
        return prov

    def provenance(self, kpi: str) -> dict[str, Any] | None:
        """The provenance of a KPI's file (``fetched_at``, ``api_url``, ``coverage`` …)."""
        return self._provenance(common.kpi_ids(kpi)[0])

    def last_fetched(self, kpi: str) -> dt.datetime | None:
        """When ``kpi`` was last fetched (any query, incremental ones too), tz-aware UTC.

        ``None`` when the KPI is not cached or its file cannot be read.
        """
        try:
            prov = self._provenance(common.kpi_ids(kpi)[0])
        except CorruptCacheError:
            return None
        return common.parse_time(prov.get("fetched_at")) if prov else None

    def _read_table(self, kpi: str, flt: pc.Expression | None = None) -> pa.Table | None:
        """A KPI's rows as Arrow (filtered by ``flt``), ``None`` when not cached."""
        path = self.partition_file(kpi)
        if self._provenance(kpi) is None:
            return None
        try:
            return pq.read_table(
                path,
                columns=self._columns,
                filters=flt,
                schema=self._schema,
                partitioning=None,
                page_checksum_verification=True,
            )
        except FileNotFoundError:
            return None
        except (pa.ArrowException, OSError, ValueError) as err:
            raise self._corrupt(kpi, path, common.one_line(err)) from err
