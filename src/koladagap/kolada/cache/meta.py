"""The cache's metadata tables (``meta/kpis.parquet``, ``meta/municipalities.parquet`` …)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from koladagap._version import __version__
from koladagap.errors import InputError
from koladagap.kolada.cache import common, integrity
from koladagap.kolada.cache.base import CHECK_ERRORS, CacheBase, CacheFile, Loaded


class MetaTables(CacheBase):
    """Metadata tables, one Parquet file each, with their provenance and checksum."""

    def meta_file(self, name: str) -> Path:
        """The Parquet file of metadata table ``name`` (e.g. ``"kpis"``)."""
        if not common.META_NAME.match(name):
            raise InputError(f"invalid metadata table name {name!r}: expected e.g. 'kpis'")
        return self.meta_dir / f"{name}.parquet"

    def _meta_cache_file(self, name: str) -> CacheFile:
        return CacheFile(
            path=self.meta_file(name),
            lock=f"meta-{name}",
            tag=f"meta-{name}",
            label=f"the cached {name} table",
            hint="'koladagap cache clear'",
            check=lambda data, full: _check_meta(name, data, full),
        )

    def write_meta(self, name: str, df: pd.DataFrame, provenance: Mapping[str, Any]) -> None:
        """Store a metadata table atomically with ``provenance`` (plus time and version)."""
        f = self._meta_cache_file(name)
        table = pa.Table.from_pandas(df, preserve_index=False)
        prov = {
            "fetched_at": common.iso(common.now()),
            "koladagap_version": __version__,
            **provenance,
        }
        md = dict(table.schema.metadata or {})
        md[common.META_KEY] = json.dumps(prov, default=str).encode()
        data = common.parquet_bytes(table.replace_schema_metadata(md))
        with integrity.dir_sync() as batch, self._lock(f.lock):
            previous = integrity.read_checked(f.path)
            keep = previous.found if previous is not None and previous.verified else None
            integrity.write_pair(f.path, data, keep)
            batch.add(f.path)

    def _load_meta(self, name: str) -> Loaded | None:
        return self._load_file(self._meta_cache_file(name), locked=False, quarantine=True)

    def read_meta(self, name: str) -> pd.DataFrame | None:
        """A metadata table, ``None`` when not cached; text columns come back as strings.

        Raises:
            CorruptCacheError: the file is damaged (checksum, not Parquet) or lacks the
                table's columns; a damaged file is moved to ``quarantine/`` first.
        """
        f = self._meta_cache_file(name)
        loaded = self._load_meta(name)
        if loaded is None:
            return None
        try:
            table = pq.read_table(
                loaded.reader(), partitioning=None, page_checksum_verification=True
            )
        except CHECK_ERRORS as err:
            raise self._damaged(f, common.one_line(err), None) from err
        df: pd.DataFrame = table.to_pandas()
        for field in table.schema:
            is_text = pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
            if is_text and df[field.name].dtype == object:
                df[field.name] = df[field.name].astype("string")
        return df

    def meta_provenance(self, name: str) -> dict[str, Any] | None:
        """The provenance stored with metadata table ``name`` (``None`` when absent)."""
        loaded = self._load_meta(name)
        return None if loaded is None else loaded.prov


def _check_meta(name: str, data: bytes, full: bool) -> dict[str, Any]:
    """The provenance of a metadata table's bytes, after checking its columns."""
    pf = pq.ParquetFile(pa.BufferReader(data))
    schema = pf.schema_arrow
    lacking = [c for c in common.META_REQUIRED.get(name, []) if c not in schema.names]
    if lacking:
        raise ValueError(f"the {name} table lacks column(s) {', '.join(lacking)}")
    if full:
        pq.read_table(pa.BufferReader(data), partitioning=None, page_checksum_verification=True)
    raw = (schema.metadata or {}).get(common.META_KEY)
    try:
        out = json.loads(raw) if raw else {}
    except ValueError as err:
        raise ValueError("its provenance metadata is not JSON") from err
    return out if isinstance(out, dict) else {}
