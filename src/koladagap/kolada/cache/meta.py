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
from koladagap.errors import CorruptCacheError, InputError
from koladagap.kolada.cache import common
from koladagap.kolada.cache.base import CacheBase

_HINT = "run 'koladagap cache clear' or delete the file"


class MetaTables(CacheBase):
    """Metadata tables, one Parquet file each, with their provenance."""

    def meta_file(self, name: str) -> Path:
        """The Parquet file of metadata table ``name`` (e.g. ``"kpis"``)."""
        if not common.META_NAME.match(name):
            raise InputError(f"invalid metadata table name {name!r}: expected e.g. 'kpis'")
        return self.meta_dir / f"{name}.parquet"

    def write_meta(self, name: str, df: pd.DataFrame, provenance: Mapping[str, Any]) -> None:
        """Store a metadata table atomically with ``provenance`` (plus time and version)."""
        path = self.meta_file(name)
        table = pa.Table.from_pandas(df, preserve_index=False)
        prov = {
            "fetched_at": common.iso(common.now()),
            "koladagap_version": __version__,
            **provenance,
        }
        md = dict(table.schema.metadata or {})
        md[common.META_KEY] = json.dumps(prov, default=str).encode()
        with self._lock(f"meta-{name}"):
            common.write_parquet(table.replace_schema_metadata(md), path)

    def read_meta(self, name: str) -> pd.DataFrame | None:
        """A metadata table, ``None`` when not cached; text columns come back as strings.

        Raises:
            CorruptCacheError: the file cannot be read or lacks the table's columns.
        """
        path = self.meta_file(name)
        if not path.is_file():
            return None
        try:
            table = pq.read_table(path, partitioning=None, page_checksum_verification=True)
        except FileNotFoundError:
            return None
        except (pa.ArrowException, OSError, ValueError) as err:
            raise CorruptCacheError(
                f"the cached {name} table cannot be read ({common.one_line(err)}); {_HINT}",
                path=str(path),
            ) from err
        lacking = [c for c in common.META_REQUIRED.get(name, []) if c not in table.column_names]
        if lacking:
            raise CorruptCacheError(
                f"the cached {name} table lacks column(s) {', '.join(lacking)}; {_HINT}",
                path=str(path),
            )
        df: pd.DataFrame = table.to_pandas()
        for field in table.schema:
            is_text = pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
            if is_text and df[field.name].dtype == object:
                df[field.name] = df[field.name].astype("string")
        return df

    def meta_provenance(self, name: str) -> dict[str, Any] | None:
        """The provenance stored with metadata table ``name`` (``None`` when absent)."""
        path = self.meta_file(name)
        if not path.is_file():
            return None
        try:
            raw = (pq.read_schema(path).metadata or {}).get(common.META_KEY)
            out = json.loads(raw) if raw else {}
        except (pa.ArrowException, OSError, ValueError) as err:
            raise CorruptCacheError(
                f"the cached {name} table cannot be read ({common.one_line(err)}); {_HINT}",
                path=str(path),
            ) from err
        return out if isinstance(out, dict) else {}
