"""The cache proper: which queries it answers, reading rows back, merging fetches in."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from koladagap._version import __version__
from koladagap.columns import GENDER, ISDELETED, KPI, PERIOD, STATUS
from koladagap.errors import CorruptCacheError, InputError
from koladagap.kolada.cache import common, integrity
from koladagap.kolada.cache.coverage import describe, norm_scope, subsumes, uncovered
from koladagap.kolada.cache.housekeeping import Housekeeping
from koladagap.kolada.cache.meta import MetaTables
from koladagap.kolada.schema import empty_data_frame, normalise_data_frame, parse_ids

log = logging.getLogger("koladagap")


class Cache(MetaTables, Housekeeping):
    """The Parquet cache of Kolada values (one file per KPI) and metadata tables.

    Args:
        path: the cache folder; default ``$KOLADAGAP_CACHE_DIR`` or the user cache dir.
            Nothing is created until something is written.
        ou: the organisational-unit dataset instead of the municipality values.

    Examples:
        >>> import tempfile
        >>> from koladagap.kolada.sample import sample_values
        >>> tmp = tempfile.TemporaryDirectory()
        >>> c = Cache(tmp.name)
        >>> v = sample_values()
        >>> v = v[(v["kpi"] == "N00906") & (v["municipality_id"] == "0180")]
        >>> q = {"kpis": ["N00906"], "municipalities": ["0180"], "years": "*", "from_date": None}
        >>> c.write(v, query=q, api_url="https://api.kolada.se/v3")
        >>> c.missing(["N00906"], ["0180"], [2022]), c.missing(["N00906"], ["1280"], [2022])
        ([], ['N00906 municipality 1280 year 2022'])
        >>> c.read(["N00906"], ["0180"], [2022])["value"].tolist()
        [383100.0, 429900.0, 405500.0]
        >>> tmp.cleanup()
    """

    def units(self) -> Cache:
        """The organisational-unit dataset in the same cache folder."""
        return Cache(self.path, ou=True)

    # -- coverage ----------------------------------------------------------------
    def missing(
        self,
        kpis: str | Iterable[str],
        municipalities: list[str] | None,
        years: list[int] | None,
    ) -> list[str]:
        """What of the query the cache does not hold, as short descriptions.

        ``None`` for ``municipalities``/``years`` means "all" and is covered only by a
        fetch of all (``"*"``). A KPI whose file cannot be read is not listed: it is
        left to :meth:`read`, which moves it to ``quarantine/`` and raises
        :class:`CorruptCacheError` naming it (online, :class:`~koladagap.Kolada` then
        fetches it again).

        Returns:
            e.g. ``["N00906 (not cached)", "N00907 municipality 0180 years 2015-2016"]``;
            an empty list when the cache answers the whole query.
        """
        return [
            d
            for ds in self.missing_by_kpi(common.kpi_ids(kpis), municipalities, years).values()
            for d in ds
        ]

    def missing_by_kpi(
        self,
        kpis: list[str],
        municipalities: list[str] | None,
        years: list[int] | None,
    ) -> dict[str, list[str]]:
        """:meth:`missing` per KPI, for ids validated already (see :func:`parse_ids`)."""
        out: dict[str, list[str]] = {}
        munis = list(dict.fromkeys(municipalities)) if municipalities is not None else None
        yrs = sorted({int(y) for y in years}) if years is not None else None
        for kpi in kpis:
            try:
                prov = self._provenance(kpi)
            except CorruptCacheError:
                continue  # read() reports it with the file and what to do
            if prov is None:
                out[kpi] = [f"{kpi} (not cached)"]
                continue
            gaps = [
                describe(kpi, ms, ys) for ms, ys in uncovered(prov.get("coverage", []), munis, yrs)
            ]
            if gaps:
                out[kpi] = gaps
        return out

    # -- reading -----------------------------------------------------------------
    def read(
        self,
        kpis: str | Iterable[str],
        municipalities: list[str] | None = None,
        years: list[int] | None = None,
    ) -> pd.DataFrame:
        """Cached rows of ``kpis``, filtered to ``municipalities`` and ``years`` (``None`` = all).

        A KPI that is not cached, or cached without rows, gives no rows. Readers take
        no lock: a file is replaced whole, so a reader sees one complete version.

        Raises:
            CorruptCacheError: a file does not match its checksum, is not Parquet, is of
                the wrong schema or holds another KPI; it was moved to ``quarantine/``
                (the message says where) and ``err.path`` is where it was.
        """
        flt: pc.Expression | None = None
        if municipalities is not None:
            flt = pc.field(self._unit).isin(pa.array(list(municipalities), pa.string()))
        if years is not None:
            yf = pc.field(PERIOD).isin(pa.array([int(y) for y in years], pa.int64()))
            flt = yf if flt is None else flt & yf
        tables = [t for k in common.kpi_ids(kpis) if (t := self._read_table(k, flt)) is not None]
        if not tables:
            return empty_data_frame(ou=self.ou)
        table = pa.concat_tables(tables)
        return normalise_data_frame(table.to_pandas(), ou=self.ou)

    # -- writing -----------------------------------------------------------------
    def write(self, df: pd.DataFrame, *, query: Mapping[str, Any], api_url: str) -> None:
        """Merge a fetch result into the cache, one locked, atomic rewrite per KPI.

        Args:
            df: tidy rows (``DATA_COLUMNS``); rows with ``isdeleted`` remove their
                ``(municipality_id, period, gender)`` key instead of being stored.
            query: what was asked: ``kpis`` (each counts as fetched, rows or not),
                ``municipalities`` and ``years`` (lists or ``"*"``) and ``from_date``
                (an incremental refresh: updates ``fetched_at`` but adds no coverage).
                Rows of other KPIs or years are not cached (a warning says how many): an
                answer never overwrites what another query fetched.
            api_url: the API root the rows came from.
        """
        if "kpis" not in query:
            raise InputError("cache write without query['kpis']")
        asked = common.kpi_ids(query["kpis"])
        data = normalise_data_frame(df, ou=self.ou)
        for col in (KPI, self._unit, GENDER):
            if data[col].isna().any():
                raise InputError(f"cannot cache rows without {col!r}")
        in_df = [str(k) for k in data[KPI].unique()]
        bad = [] if _all_valid_kpis(in_df) else [k for k in in_df if parse_ids([k], "kpi") != [k]]
        if bad:
            raise InputError(f"cannot cache rows of invalid KPI id(s) {bad[:5]}")
        data = self._asked_only(data, asked, query.get("years"))
        now = common.now()
        entry: dict[str, Any] | None = None
        if not query.get("from_date"):
            entry = {
                "municipalities": norm_scope(query.get("municipalities"), "municipalities"),
                "years": norm_scope(query.get("years"), "years"),
                "fetched_at": common.iso(now),
                "from_date": None,
            }
        table = self._sorted(pa.Table.from_pandas(data, schema=self._schema, preserve_index=False))
        runs = _runs(table.column(KPI))
        with integrity.dir_sync() as batch:
            for kpi in asked:
                start, stop = runs.get(kpi, (0, 0))
                self._write_partition(
                    kpi,
                    table.slice(start, stop - start),
                    entry=entry if kpi in asked else None,
                    fetched_at=now,
                    api_url=api_url,
                )
                batch.add(self.partition_file(kpi))

    def _asked_only(self, data: pd.DataFrame, kpis: list[str], years: Any) -> pd.DataFrame:
        """``data`` without rows of KPIs, or years (a list), that were not asked for."""
        keep = data[KPI].isin(kpis).to_numpy(dtype=bool, copy=True)
        if years not in (None, "*"):
            keep &= data[PERIOD].isin(norm_scope(years, "years")).to_numpy(dtype=bool)
        if keep.all():
            return data
        out = data.loc[~keep]
        log.warning(
            "%d row(s) outside the query were not cached (KPI %s, years %s)",
            len(out),
            ", ".join(sorted(out[KPI].astype(str).unique())[:5]),
            ", ".join(str(y) for y in sorted(out[PERIOD].unique())[:5]),
        )
        return data.loc[keep].reset_index(drop=True)

    def _sorted(self, table: pa.Table) -> pa.Table:
        """``table`` in (KPI, key) order, rows of one key in their order (a stable sort)."""
        if table.num_rows < 2:
            return table
        return table.take(pc.sort_indices(table, [(k, "ascending") for k in [KPI, *self._keys]]))

    def _conform(self, table: pa.Table) -> pa.Table:
        """``table`` with exactly the tidy columns and types (a null status as ``""``)."""
        table = table.select(self._columns).replace_schema_metadata(None)
        for name, fill in ((STATUS, ""), (ISDELETED, False)):
            col = table.column(name)
            if col.null_count:
                table = table.set_column(
                    table.schema.get_field_index(name), name, pc.fill_null(col, fill)
                )
        return table if table.schema == self._schema else table.cast(self._schema)

    def _merged(self, old: pa.Table | None, rows: pa.Table) -> pa.Table:
        """The stored rows updated by ``rows`` (last wins per key; deletions dropped).

        ``rows`` are sorted by key already (:meth:`_sorted`). All in Arrow, vectorised:
        a stable sort puts the rows of one key together in the order they came, the last
        of each run is kept.
        """
        table = self._conform(rows)
        if old is not None and old.num_rows:
            table = self._sorted(pa.concat_tables([self._conform(old), table]))
        if table.num_rows > 1:
            n = table.num_rows
            same = functools.reduce(
                pc.and_,
                [
                    pc.equal(table.column(k).slice(1), table.column(k).slice(0, n - 1))
                    for k in self._keys
                ],
            )
            if pc.any(same).as_py():  # a key more than once: keep its last row
                keep = pa.concat_arrays([pc.invert(same).combine_chunks(), pa.array([True])])
                table = table.filter(keep)
        if pc.any(table.column(ISDELETED)).as_py():
            table = table.filter(pc.invert(table.column(ISDELETED)))
        return table

    def _write_partition(
        self,
        kpi: str,
        rows: pa.Table,
        *,
        entry: dict[str, Any] | None,
        fetched_at: dt.datetime,
        api_url: str,
    ) -> None:
        """Read, merge and rewrite one KPI's file under its lock (no fsync: see integrity)."""
        with self._lock(kpi):
            try:
                loaded = self._load(kpi, locked=True, quarantine=True)
                old = None if loaded is None else self._rows_of(loaded, kpi, None)
            except CorruptCacheError as err:
                log.warning("%s", err)  # moved aside: the file starts again from this fetch
                self._quarantine_unlocked(kpi)
                loaded, old = None, None
            prov = None if loaded is None else loaded.prov
            coverage: list[dict[str, Any]] = list((prov or {}).get("coverage", []))
            if entry is not None:
                coverage = [c for c in coverage if not subsumes(entry, c)] + [entry]
            table = self._merged(old, rows)
            prov_out = {
                "format": common.FORMAT_VERSION,
                "kpi": kpi,
                "fetched_at": common.iso(fetched_at),
                "api_url": api_url,
                "koladagap_version": __version__,
                "rows": table.num_rows,
                "coverage": coverage,
            }
            table = table.replace_schema_metadata({common.META_KEY: json.dumps(prov_out).encode()})
            previous = None if loaded is None else loaded.checked.found
            integrity.write_pair(self.partition_file(kpi), common.parquet_bytes(table), previous)


def _runs(sorted_ids: pa.ChunkedArray) -> dict[str, tuple[int, int]]:
    """Where each value's run starts and stops in sorted ``sorted_ids``.

    >>> _runs(pa.chunked_array([["A", "A", "B"]]))
    {'A': (0, 2), 'B': (2, 3)}
    """
    counts = pc.value_counts(sorted_ids)  # in order of first appearance: the sorted order
    ids = counts.field("values").to_pylist()
    ends = np.cumsum(counts.field("counts").to_numpy())
    starts = ends - counts.field("counts").to_numpy()
    return {str(k): (int(a), int(b)) for k, a, b in zip(ids, starts, ends, strict=True)}


def _all_valid_kpis(ids: list[str]) -> bool:
    """True when every id is a clean KPI id (one validation for the whole list)."""
    try:
        return parse_ids(ids, "kpi") == ids
    except InputError:
        return False
