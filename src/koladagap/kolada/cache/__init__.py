"""The on-disk Parquet cache of Kolada values and metadata.

Layout under the cache folder (argument → ``$KOLADAGAP_CACHE_DIR`` → the user
cache dir)::

    values/kpi=N00906/part.parquet          one file per KPI (hive partitioning)
    values/kpi=N00906/_part.parquet.sha256  its checksum (SHA-256 and size, JSON)
    meta/kpis.parquet                       metadata tables (kpis, municipalities, …)
    meta/_kpis.parquet.sha256               and their checksums
    locks/N00906.lock                       per-partition write locks
    quarantine/N00906-<time>.parquet        damaged files moved aside (with their .sha256)

Each value file holds every tidy column (``kpi`` included, ``municipality_id``
as text), so "0180" stays "0180" for every reader. The in-file ``kpi`` column and
the ``kpi=`` folder name carry the same value. Readers that work without koladagap:

- DuckDB: ``read_parquet('<cache>/values/*/*.parquet', hive_partitioning=true)``
  (with or without hive partitioning);
- pyarrow: ``pyarrow.dataset.dataset('<cache>/values', format="parquet",
  partitioning="hive")``, or one file with ``pyarrow.parquet.read_table``;
- pandas: ``pd.read_parquet('<cache>/values', partitioning=None)``. Without
  ``partitioning=None`` pandas/``pq.read_table`` infer the ``kpi=`` folders as a
  dictionary column, which clashes with the in-file string column.

Provenance lives in the file's key-value metadata under the key ``koladagap``
as JSON: ``fetched_at`` (last fetch, UTC ISO), ``api_url``, ``koladagap_version``
and ``coverage``, a list of ``{municipalities, years, fetched_at, from_date}``
entries (``"*"`` = all) whose union says which queries the file answers.

Every file is read whole and checked against its checksum before pyarrow parses a
byte of it (:mod:`~koladagap.kolada.cache.integrity`), then checked for its schema, its
provenance and its KPI (a file in another KPI's folder is damaged too). A damaged file
is moved to ``quarantine/`` by the read that finds it and reported as
:class:`~koladagap.errors.CorruptCacheError` naming it; online,
:class:`~koladagap.Kolada` then fetches it again. :meth:`Cache.info` reports it as
``corrupt`` without moving it. A file without a checksum (written by koladagap 0.1.0)
is read in full once, checked, and given one.

Writes are atomic (a ``.part-<pid>-<random>.tmp`` file in the same folder, created
exclusively, then ``os.replace``) and serialised per KPI by an exclusive lock (the
``filelock`` library) held across read-merge-write, so a killed writer never leaves a
half-written partition and two writers never lose each other's rows. The sidecar is
replaced first and lists the old file's checksum too, so the file in place always
matches it. Files are not synced one by one; each folder written is synced once
after a batch, and what a power cut could tear is caught by the checksum. Temp files
never match the ``*.parquet`` glob and start with a dot, and sidecars start with
``_``: ``pyarrow.dataset`` and pandas skip both.

The modules: :mod:`~koladagap.kolada.cache.store` (:class:`Cache`: coverage, read,
write), :mod:`~koladagap.kolada.cache.base` (paths, locks, checked loading, provenance),
:mod:`~koladagap.kolada.cache.housekeeping` (info, quarantine, clear),
:mod:`~koladagap.kolada.cache.meta` (metadata tables),
:mod:`~koladagap.kolada.cache.coverage` (which queries a file answers),
:mod:`~koladagap.kolada.cache.integrity` (checksums, atomic writes, folder syncs) and
:mod:`~koladagap.kolada.cache.common` (names, clock, lock, Parquet bytes).
"""

from __future__ import annotations

from koladagap.kolada.cache.common import (
    ENV_CACHE_DIR,
    FORMAT_VERSION,
    INFO_COLUMNS,
    KEY_COLUMNS,
    META_KEY,
    META_REQUIRED,
    PART_FILE,
    default_cache_dir,
)
from koladagap.kolada.cache.store import Cache

__all__ = [
    "ENV_CACHE_DIR",
    "FORMAT_VERSION",
    "INFO_COLUMNS",
    "KEY_COLUMNS",
    "META_KEY",
    "META_REQUIRED",
    "PART_FILE",
    "Cache",
    "default_cache_dir",
]
