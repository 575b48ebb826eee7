"""The cache's folder, paths, locks, checked loading of its files, and their provenance."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
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
from koladagap.errors import CacheError, CorruptCacheError
from koladagap.kolada.cache import common, integrity
from koladagap.kolada.schema import DATA_SCHEMA, OU_DATA_SCHEMA

#: What parsing or checking a file's bytes may raise when they are not what they claim.
CHECK_ERRORS = (pa.ArrowException, OSError, ValueError)


@dataclass(frozen=True)
class CacheFile:
    """One Parquet file of the cache and how to treat it.

    ``check(data, full)`` parses the checked bytes and returns the file's provenance,
    raising one of :data:`CHECK_ERRORS` when they are not a usable file of its kind;
    ``full`` asks for every page to be read (for a file without a checksum).
    """

    path: Path
    lock: str
    tag: str
    label: str
    hint: str
    check: Callable[[bytes, bool], dict[str, Any]]


@dataclass(frozen=True)
class Loaded:
    """A file's bytes, checked against its sidecar (or in full), and its provenance."""

    path: Path
    checked: integrity.Checked
    prov: dict[str, Any]

    def reader(self) -> pa.BufferReader:
        """The checked bytes for pyarrow (never the file again: it may have changed)."""
        return pa.BufferReader(self.checked.data)


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

    @property
    def quarantine_dir(self) -> Path:
        """Where damaged files are moved (``quarantine/N00906-<time>.parquet``)."""
        return self.path / "quarantine"

    def partition_file(self, kpi: str) -> Path:
        """The Parquet file holding one KPI's values."""
        return self.values_dir / f"{KPI}={kpi}" / common.PART_FILE

    def _lock(self, name: str) -> contextlib.AbstractContextManager[None]:
        lock_file = self.path / "locks" / f"{'ou-' if self.ou else ''}{name}.lock"
        return common.file_lock(lock_file, self.lock_timeout)

    def _try_lock(self, stack: contextlib.ExitStack, name: str) -> bool:
        """Take lock ``name`` into ``stack``; ``False`` when it cannot be had (read-only)."""
        try:
            stack.enter_context(self._lock(name))
        except (OSError, CacheError):
            return False
        return True

    def _cached_kpis(self) -> list[str]:
        if not self.values_dir.is_dir():
            return []
        prefix = f"{KPI}="
        return sorted(
            d.name[len(prefix) :]
            for d in self.values_dir.iterdir()
            if d.is_dir() and d.name.startswith(prefix) and (d / common.PART_FILE).is_file()
        )

    # -- checked loading -----------------------------------------------------------
    def _values_file(self, kpi: str) -> CacheFile:
        return CacheFile(
            path=self.partition_file(kpi),
            lock=kpi,
            tag=f"ou-{kpi}" if self.ou else kpi,
            label=f"the cache file of {kpi}",
            hint=f"'koladagap cache clear --kpi {kpi}'",
            check=lambda data, full: self._check_values(kpi, data, full),
        )

    def _check_values(self, kpi: str, data: bytes, full: bool) -> dict[str, Any]:
        """The provenance of a value file's bytes, after checking they are ``kpi``'s file."""
        pf = pq.ParquetFile(pa.BufferReader(data))
        schema = pf.schema_arrow
        problem = common.schema_problem(schema, self._schema)
        if problem:
            raise ValueError(f"unexpected schema: {problem}")
        prov = common.provenance_of(schema)
        if prov.get("kpi", kpi) != kpi:
            raise ValueError(f"it holds the values of {prov.get('kpi')!r}, not of {kpi}")
        rows = prov.get("rows")
        if isinstance(rows, int) and rows != pf.metadata.num_rows:
            raise ValueError(f"it holds {pf.metadata.num_rows} rows, its provenance records {rows}")
        if full:
            self._table_from(data, kpi, None)
        return prov

    def _table_from(self, data: bytes, kpi: str, flt: pc.Expression | None) -> pa.Table:
        """The rows of a value file's checked bytes; every row must be of ``kpi``."""
        table = pq.read_table(
            pa.BufferReader(data),
            columns=self._columns,
            filters=flt,
            schema=self._schema,
            partitioning=None,
            page_checksum_verification=True,
        )
        if table.num_rows and not pc.all(pc.equal(table.column(KPI), kpi)).as_py():
            raise ValueError(f"it holds rows of another KPI than {kpi}")
        return table

    def _load(self, kpi: str, *, locked: bool = False, quarantine: bool = False) -> Loaded | None:
        """A KPI's file, checked; ``None`` when not cached (see :meth:`_load_file`)."""
        return self._load_file(self._values_file(kpi), locked=locked, quarantine=quarantine)

    def _load_file(self, f: CacheFile, *, locked: bool, quarantine: bool) -> Loaded | None:
        """Read ``f`` whole and check it before pyarrow parses a byte of it.

        The bytes must match the file's sidecar (:mod:`~koladagap.kolada.cache.integrity`)
        and pass ``f.check``. What fails is decided again under the file's lock, where no
        writer can be half-way: still failing, it is damaged. A file without a sidecar
        (written before checksums, koladagap 0.1.0) is read in full once and, when it
        passes, given one.

        Args:
            locked: the caller holds the file's lock already.
            quarantine: move a damaged file to ``quarantine/`` (needs the lock).

        Raises:
            CorruptCacheError: the file is damaged; its message names the file and, when
                it was moved, where to.
            CacheError: the file exists but cannot be read (permissions).
        """
        if not locked:
            got = self._read(f)
            if got is None:
                return None
            if got.verified:
                try:
                    return Loaded(f.path, got, f.check(got.data, False))
                except CHECK_ERRORS:
                    pass  # decided under the lock, below
        with contextlib.ExitStack() as stack:
            held = locked or self._try_lock(stack, f.lock)
            got = self._read(f)
            if got is None:
                return None
            problem = got.problem
            if problem is None:
                try:
                    prov = f.check(got.data, not got.verified)
                except CHECK_ERRORS as err:
                    problem = common.one_line(err)
                else:
                    if got.expected is None and held:  # checked in full: from now on, a sum
                        with contextlib.suppress(OSError):
                            integrity.adopt(f.path, got.found)
                    return Loaded(f.path, got, prov)
            moved = self._set_aside(f) if held and quarantine else None
            raise self._damaged(f, problem, moved)

    def _read(self, f: CacheFile) -> integrity.Checked | None:
        try:
            return integrity.read_checked(f.path)
        except OSError as err:
            raise CacheError(
                f"{f.label} cannot be read ({common.one_line(err)}); check its permissions",
                path=str(f.path),
            ) from err

    def _damaged(self, f: CacheFile, reason: str, moved: Path | None) -> CorruptCacheError:
        if moved is None:
            text = f"{f.label} cannot be read ({reason}); run {f.hint} or delete the file"
        else:
            text = (
                f"{f.label} is damaged ({reason}) and was moved to {moved}; run the query "
                f"online to fetch it again, or run {f.hint}"
            )
        return CorruptCacheError(text, path=str(f.path))

    def _set_aside(self, f: CacheFile) -> Path | None:
        """Move ``f`` and its sidecar to ``quarantine/<tag>-<time>.parquet``; lock held.

        Returns where it went, ``None`` when there was no file or it could not be moved.
        """
        if not f.path.is_file():
            return None
        try:
            self.quarantine_dir.mkdir(parents=True, exist_ok=True)
            stamp = common.now().strftime("%Y%m%dT%H%M%S%fZ")
            dest = self.quarantine_dir / f"{f.tag}-{stamp}.parquet"
            n = 1
            while dest.exists():
                dest = self.quarantine_dir / f"{f.tag}-{stamp}-{n}.parquet"
                n += 1
            os.replace(f.path, dest)
            side = integrity.sidecar_path(f.path)
            with contextlib.suppress(FileNotFoundError):
                os.replace(side, dest.with_name(dest.name + ".sha256"))
        except OSError:
            return None
        return dest

    # -- provenance --------------------------------------------------------------
    def _provenance(self, kpi: str) -> dict[str, Any] | None:
        """The JSON provenance of a KPI's file, ``None`` when absent; damaged → error."""
        loaded = self._load(kpi)
        return None if loaded is None else loaded.prov

    def provenance(self, kpi: str) -> dict[str, Any] | None:
        """The provenance of a KPI's file (``fetched_at``, ``api_url``, ``coverage`` …)."""
        return self._provenance(common.kpi_ids(kpi)[0])

    def last_fetched(self, kpi: str) -> dt.datetime | None:
        """When ``kpi`` was last fetched (any query, incremental ones too), tz-aware UTC.

        ``None`` when the KPI is not cached or its file cannot be read.
        """
        try:
            prov = self._provenance(common.kpi_ids(kpi)[0])
        except CacheError:
            return None
        return common.parse_time(prov.get("fetched_at")) if prov else None

    def _rows_of(self, loaded: Loaded, kpi: str, flt: pc.Expression | None) -> pa.Table:
        """The rows of a loaded value file (filtered by ``flt``)."""
        try:
            return self._table_from(loaded.checked.data, kpi, flt)
        except CHECK_ERRORS as err:
            f = self._values_file(kpi)
            raise self._damaged(f, common.one_line(err), None) from err

    def _read_table(self, kpi: str, flt: pc.Expression | None = None) -> pa.Table | None:
        """A KPI's rows as Arrow (filtered by ``flt``), ``None`` when not cached.

        A damaged file is moved to ``quarantine/`` and reported (:class:`CorruptCacheError`).
        """
        loaded = self._load(kpi, quarantine=True)
        return None if loaded is None else self._rows_of(loaded, kpi, flt)


__all__ = ["CHECK_ERRORS", "CacheBase", "CacheFile", "Loaded"]
