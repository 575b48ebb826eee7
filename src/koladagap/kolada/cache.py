"""The on-disk Parquet cache of Kolada values and metadata.

Layout under the cache folder (argument → ``$KOLADAGAP_CACHE_DIR`` → the user
cache dir)::

    values/kpi=N00906/part.parquet     one file per KPI (hive partitioning)
    meta/kpis.parquet                  metadata tables (kpis, municipalities, …)
    locks/N00906.lock                  per-partition write locks
    quarantine/N00906-<time>.parquet   unreadable files moved aside

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

Writes are atomic (a ``.part-<pid>-<random>.tmp`` file in the same folder,
fsync, ``os.replace``) and serialised per KPI by an exclusive lock held across
read-merge-write, so a killed writer never leaves a half-written partition and
two writers never lose each other's rows. Temp files never match the
``*.parquet`` glob and start with a dot, which ``pyarrow.dataset`` skips.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import logging
import os
import re
import secrets
import shutil
import time
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from koladagap._version import __version__
from koladagap.errors import CacheError, CorruptCacheError, InputError
from koladagap.kolada.schema import (
    DATA_COLUMNS,
    DATA_SCHEMA,
    GENDER,
    GROUP_MEMBER_COLUMNS,
    ISDELETED,
    KPI,
    KPI_META_COLUMNS,
    MUNICIPALITY_COLUMNS,
    MUNICIPALITY_ID,
    OU_DATA_COLUMNS,
    OU_DATA_SCHEMA,
    OU_ID,
    PERIOD,
    empty_data_frame,
    normalise_data_frame,
    parse_ids,
)

_fcntl: types.ModuleType | None
try:
    _fcntl = importlib.import_module("fcntl")
except ImportError:  # pragma: no cover - Windows
    _fcntl = None

log = logging.getLogger("koladagap")

ENV_CACHE_DIR = "KOLADAGAP_CACHE_DIR"
META_KEY = b"koladagap"
PART_FILE = "part.parquet"
FORMAT_VERSION = 1

KEY_COLUMNS = [MUNICIPALITY_ID, PERIOD, GENDER]

# Columns the known metadata tables must have to be usable.
META_REQUIRED: dict[str, list[str]] = {
    "kpis": KPI_META_COLUMNS,
    "municipalities": MUNICIPALITY_COLUMNS,
    "municipality_groups": GROUP_MEMBER_COLUMNS,
    "kpi_groups": GROUP_MEMBER_COLUMNS,
}
_META_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


def _parse_time(s: Any) -> dt.datetime | None:
    if not isinstance(s, str) or not s:
        return None
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC)


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return (text[:200] + " …") if len(text) > 200 else text or type(err).__name__


def _year_text(years: Iterable[int]) -> str:
    """``[2015, 2016, 2017, 2020]`` → ``"years 2015-2017, 2020"``."""
    ys = sorted(set(years))
    runs: list[str] = []
    start = 0
    for i in range(1, len(ys) + 1):
        if i == len(ys) or ys[i] != ys[i - 1] + 1:
            a, b = ys[start], ys[i - 1]
            runs.append(str(a) if a == b else f"{a}-{b}")
            start = i
    word = "year" if len(ys) == 1 else "years"
    return f"{word} {', '.join(runs)}"


def _kpi_ids(kpis: str | Iterable[str]) -> list[str]:
    return parse_ids(kpis, "kpi")


# --- locks ------------------------------------------------------------------------


@contextlib.contextmanager
def _file_lock(lock_path: Path, timeout: float, stale_after: float) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (``flock``; an ``O_EXCL`` file without fcntl)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    delay = 0.002
    if _fcntl is not None:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
                    break
                except (BlockingIOError, PermissionError) as err:
                    if time.monotonic() > deadline:
                        raise CacheError(
                            f"timed out after {timeout:.0f} s waiting for the cache lock; "
                            "another koladagap process is writing this KPI",
                            path=str(lock_path),
                        ) from err
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock
        return
    excl = lock_path.with_name(lock_path.name + ".excl")
    while True:
        try:
            fd = os.open(excl, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError as err:
            with contextlib.suppress(OSError):
                if time.time() - excl.stat().st_mtime > stale_after:
                    log.warning("breaking a stale cache lock %s", excl)
                    excl.unlink()
                    continue
            if time.monotonic() > deadline:
                raise CacheError(
                    f"timed out after {timeout:.0f} s waiting for the cache lock; if no other "
                    "koladagap process is running, delete the lock file",
                    path=str(excl),
                ) from err
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
            continue
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)
        break
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            excl.unlink()


# --- atomic Parquet writes --------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover - directories cannot be opened on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(table: pa.Table, target: Path) -> None:
    """Write ``table`` to ``target`` through a temp file in the same folder and ``os.replace``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".part-{os.getpid()}-{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with open(fd, "wb") as f:
            pq.write_table(table, f, compression="zstd", write_page_checksum=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)


def _is_temp(p: Path) -> bool:
    return p.name.startswith(".part-") and p.name.endswith(".tmp")


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


def _schema_problem(schema: pa.Schema, wanted: pa.Schema) -> str | None:
    for field in wanted:
        i = schema.get_field_index(field.name)
        if i < 0:
            return f"column {field.name!r} is missing"
        found = schema.field(i).type
        if not _compatible(found, field.type):
            return f"column {field.name!r} has type {found}, expected {field.type}"
    return None


# --- coverage ---------------------------------------------------------------------


def _norm_scope(value: Any, kind: str) -> str | list[Any]:
    if value is None or value == "*":
        return "*"
    if isinstance(value, (str, int)):
        value = [value]
    if kind == "years":
        return sorted({int(v) for v in value})
    return sorted({str(v) for v in value})


def _subsumes(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when coverage entry ``a`` covers everything entry ``b`` covers."""
    for key in ("municipalities", "years"):
        if a[key] == "*":
            continue
        if b[key] == "*" or not set(b[key]) <= set(a[key]):
            return False
    return True


def _uncovered(
    coverage: Sequence[Mapping[str, Any]], municipalities: list[str] | None, years: list[int] | None
) -> list[tuple[list[str] | None, list[int] | None]]:
    """What of ``municipalities × years`` the union of ``coverage`` misses.

    Returns ``(municipalities, years)`` pairs; ``None`` stands for "all".
    """
    by_years: dict[tuple[int, ...] | None, list[str] | None] = {}
    munis: list[str | None] = list(municipalities) if municipalities is not None else [None]
    for m in munis:
        entries = [
            e
            for e in coverage
            if e.get("municipalities") == "*" or (m is not None and m in e["municipalities"])
        ]
        if any(e.get("years") == "*" for e in entries):
            continue
        if years is None:
            gap: tuple[int, ...] | None = None
        else:
            have: set[int] = set()
            for e in entries:
                have.update(int(y) for y in e["years"])
            left = sorted(set(years) - have)
            if not left:
                continue
            gap = tuple(left)
        if m is None:
            by_years[gap] = None
        else:
            slot = by_years.setdefault(gap, [])
            if slot is not None:
                slot.append(m)
    return [(ms, list(ys) if ys is not None else None) for ys, ms in by_years.items()]


def _describe(kpi: str, munis: list[str] | None, years: list[int] | None) -> str:
    if munis is None:
        who = "all municipalities"
    else:
        shown = ", ".join(munis[:10]) + (" …" if len(munis) > 10 else "")
        who = f"{'municipality' if len(munis) == 1 else 'municipalities'} {shown}"
    when = "all years" if years is None else _year_text(years)
    return f"{kpi} {who} {when}"


# --- the cache --------------------------------------------------------------------


class Cache:
    """The Parquet cache of Kolada values (one file per KPI) and metadata tables.

    Args:
        path: the cache folder; default ``$KOLADAGAP_CACHE_DIR`` or the user cache dir.
            Nothing is created until something is written.

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

    #: Seconds to wait for another process's lock before giving up.
    lock_timeout: float = 120.0
    #: Age in seconds after which an ``O_EXCL`` lock file (no fcntl) counts as stale.
    stale_lock_after: float = 600.0

    def __init__(self, path: str | os.PathLike[str] | None = None, *, ou: bool = False) -> None:
        self.path: Path = (
            Path(os.fspath(path)).expanduser() if path not in (None, "") else default_cache_dir()
        ).absolute()
        #: ``True``: the organisational-unit dataset (``ou_values/``, keyed by ``ou_id``),
        #: kept apart from the municipality values with the same guarantees.
        self.ou = ou
        self._schema = OU_DATA_SCHEMA if ou else DATA_SCHEMA
        self._columns = OU_DATA_COLUMNS if ou else DATA_COLUMNS
        self._unit = OU_ID if ou else MUNICIPALITY_ID
        self._keys = [self._unit, PERIOD, GENDER]

    def __repr__(self) -> str:
        return f"Cache({str(self.path)!r}{', ou=True' if self.ou else ''})"

    def units(self) -> Cache:
        """The organisational-unit dataset in the same cache folder."""
        return Cache(self.path, ou=True)

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
        return self.values_dir / f"{KPI}={kpi}" / PART_FILE

    def _lock(self, name: str) -> contextlib.AbstractContextManager[None]:
        return _file_lock(
            self.path / "locks" / f"{'ou-' if self.ou else ''}{name}.lock",
            self.lock_timeout,
            self.stale_lock_after,
        )

    def _cached_kpis(self) -> list[str]:
        if not self.values_dir.is_dir():
            return []
        prefix = f"{KPI}="
        return sorted(
            d.name[len(prefix) :]
            for d in self.values_dir.iterdir()
            if d.is_dir() and d.name.startswith(prefix) and (d / PART_FILE).is_file()
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
            raise self._corrupt(kpi, path, _one_line(err)) from err
        problem = _schema_problem(schema, self._schema)
        if problem:
            raise self._corrupt(kpi, path, f"unexpected schema: {problem}")
        raw = (schema.metadata or {}).get(META_KEY)
        try:
            prov = json.loads(raw) if raw else None
        except ValueError as err:
            raise self._corrupt(kpi, path, "its provenance metadata is not JSON") from err
        if not isinstance(prov, dict) or not isinstance(prov.get("coverage", []), list):
            raise self._corrupt(kpi, path, "its koladagap provenance metadata is missing")
        return prov

    def last_fetched(self, kpi: str) -> dt.datetime | None:
        """When ``kpi`` was last fetched (any query, incremental ones too), tz-aware UTC.

        ``None`` when the KPI is not cached or its file cannot be read.
        """
        try:
            prov = self._provenance(_kpi_ids(kpi)[0])
        except CorruptCacheError:
            return None
        return _parse_time(prov.get("fetched_at")) if prov else None

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
        left to :meth:`read`, which raises :class:`CorruptCacheError` naming the file
        (online, :class:`~koladagap.Kolada` then quarantines and re-fetches it).

        Returns:
            e.g. ``["N00906 (not cached)", "N00907 municipality 0180 years 2015-2016"]``;
            an empty list when the cache answers the whole query.
        """
        out: list[str] = []
        munis = list(dict.fromkeys(municipalities)) if municipalities is not None else None
        yrs = sorted({int(y) for y in years}) if years is not None else None
        for kpi in _kpi_ids(kpis):
            try:
                prov = self._provenance(kpi)
            except CorruptCacheError:
                continue  # read() reports it with the file and what to do
            if prov is None:
                out.append(f"{kpi} (not cached)")
                continue
            for ms, ys in _uncovered(prov.get("coverage", []), munis, yrs):
                out.append(_describe(kpi, ms, ys))
        return out

    # -- reading -----------------------------------------------------------------
    def _read_table(self, kpi: str, flt: pc.Expression | None = None) -> pa.Table | None:
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
            raise self._corrupt(kpi, path, _one_line(err)) from err

    def read(
        self,
        kpis: str | Iterable[str],
        municipalities: list[str] | None = None,
        years: list[int] | None = None,
    ) -> pd.DataFrame:
        """Cached rows of ``kpis``, filtered to ``municipalities`` and ``years`` (``None`` = all).

        A KPI that is not cached, or cached without rows, gives no rows.

        Raises:
            CorruptCacheError: a file is truncated, not Parquet or of the wrong schema;
                ``err.path`` is the file.
        """
        flt: pc.Expression | None = None
        if municipalities is not None:
            flt = pc.field(self._unit).isin(pa.array(list(municipalities), pa.string()))
        if years is not None:
            yf = pc.field(PERIOD).isin(pa.array([int(y) for y in years], pa.int64()))
            flt = yf if flt is None else flt & yf
        tables = [t for k in _kpi_ids(kpis) if (t := self._read_table(k, flt)) is not None]
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
            api_url: the API root the rows came from.
        """
        if "kpis" not in query:
            raise InputError("cache write without query['kpis']")
        asked = _kpi_ids(query["kpis"])
        data = normalise_data_frame(df, ou=self.ou)
        for col in (KPI, self._unit, GENDER):
            if data[col].isna().any():
                raise InputError(f"cannot cache rows without {col!r}")
        in_df = [str(k) for k in data[KPI].unique()]
        bad = [k for k in in_df if parse_ids([k], "kpi") != [k]]
        if bad:
            raise InputError(f"cannot cache rows of invalid KPI id(s) {bad[:5]}")
        now = _now()
        from_date = query.get("from_date")
        entry: dict[str, Any] | None = None
        if not from_date:
            entry = {
                "municipalities": _norm_scope(query.get("municipalities"), "municipalities"),
                "years": _norm_scope(query.get("years"), "years"),
                "fetched_at": _iso(now),
                "from_date": None,
            }
        groups = dict(tuple(data.groupby(KPI, sort=False))) if len(data) else {}
        for kpi in list(dict.fromkeys(asked + in_df)):
            rows = groups.get(kpi, data.iloc[0:0])
            self._write_partition(
                kpi,
                rows,
                entry=entry if kpi in asked else None,
                fetched_at=now,
                api_url=api_url,
            )

    def _write_partition(
        self,
        kpi: str,
        rows: pd.DataFrame,
        *,
        entry: dict[str, Any] | None,
        fetched_at: dt.datetime,
        api_url: str,
    ) -> None:
        target = self.partition_file(kpi)
        with self._lock(kpi):
            try:
                prov = self._provenance(kpi)
                old = self._read_table(kpi)
            except CorruptCacheError as err:
                log.warning("%s; moving it aside", err)
                self._quarantine_unlocked(kpi)
                prov, old = None, None
            coverage: list[dict[str, Any]] = list((prov or {}).get("coverage", []))
            if entry is not None:
                coverage = [c for c in coverage if not _subsumes(entry, c)] + [entry]
            parts = [rows]
            if old is not None and old.num_rows:
                parts.insert(0, normalise_data_frame(old.to_pandas(), ou=self.ou))
            merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else rows
            merged = merged.drop_duplicates(self._keys, keep="last")
            merged = merged.loc[~merged[ISDELETED].to_numpy(dtype=bool)]
            merged = merged.sort_values(self._keys, ignore_index=True)
            table = pa.Table.from_pandas(
                normalise_data_frame(merged, ou=self.ou), schema=self._schema, preserve_index=False
            )
            prov_out = {
                "format": FORMAT_VERSION,
                "kpi": kpi,
                "fetched_at": _iso(fetched_at),
                "api_url": api_url,
                "koladagap_version": __version__,
                "rows": table.num_rows,
                "coverage": coverage,
            }
            table = table.replace_schema_metadata({META_KEY: json.dumps(prov_out).encode()})
            _write_atomic(table, target)

    # -- housekeeping ------------------------------------------------------------
    def _quarantine_unlocked(self, kpi: str) -> Path | None:
        src = self.partition_file(kpi)
        if not src.is_file():
            return None
        qdir = self.path / "quarantine"
        qdir.mkdir(parents=True, exist_ok=True)
        stamp = _now().strftime("%Y%m%dT%H%M%S%fZ")
        tag = f"ou-{kpi}" if self.ou else kpi
        dest = qdir / f"{tag}-{stamp}.parquet"
        n = 1
        while dest.exists():
            dest = qdir / f"{tag}-{stamp}-{n}.parquet"
            n += 1
        os.replace(src, dest)
        return dest

    def quarantine(self, kpi: str) -> Path | None:
        """Move a KPI's file to ``quarantine/<kpi>-<time>.parquet`` so it is fetched again.

        Returns:
            where the file went, or ``None`` when the KPI had no file.
        """
        k = _kpi_ids(kpi)[0]
        if not self.partition_file(k).is_file():
            return None
        with self._lock(k):
            return self._quarantine_unlocked(k)

    def _clear_partition(self, kpi: str) -> bool:
        folder = self.partition_file(kpi).parent
        if not folder.is_dir():
            return False
        with self._lock(kpi):
            removed = False
            for p in folder.iterdir():
                if p.name == PART_FILE:
                    p.unlink()
                    removed = True
                elif _is_temp(p):  # left by a crashed writer: we hold the lock
                    p.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()
        return removed

    def clear(self, kpis: str | Iterable[str] | None = None) -> int:
        """Remove cached values of ``kpis``, or (``None``) all values, metadata and quarantine.

        Temp files left by crashed writers go too. Lock files stay (removing a lock
        file another process holds would break the lock).

        Returns:
            the number of KPI partitions removed.
        """
        if kpis is not None:
            return sum(self._clear_partition(k) for k in _kpi_ids(kpis))
        n = 0
        if self.values_dir.is_dir():
            for d in sorted(self.values_dir.iterdir()):
                name = d.name
                if d.is_dir() and name.startswith(f"{KPI}="):
                    kpi = name[len(KPI) + 1 :]
                    if parse_ids([kpi], "kpi") == [kpi]:
                        n += self._clear_partition(kpi)
                        continue
                if d.is_dir():
                    shutil.rmtree(d, ignore_errors=True)
                else:
                    d.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.values_dir.rmdir()
        for sub in ("meta", "quarantine"):
            shutil.rmtree(self.path / sub, ignore_errors=True)
        return n

    def info(self) -> pd.DataFrame:
        """One row per cached KPI.

        Columns: ``kpi, rows, municipalities, first_period, last_period, fetched_at,
        bytes, api_url, status, path``; ``status`` is ``"ok"`` or ``"corrupt"``
        (then the counts are missing).
        """
        recs: list[dict[str, Any]] = []
        for kpi in self._cached_kpis():
            path = self.partition_file(kpi)
            rec: dict[str, Any] = {"kpi": kpi, "path": str(path), "status": "ok"}
            try:
                rec["bytes"] = path.stat().st_size
                prov = self._provenance(kpi) or {}
                t = pq.read_table(
                    path,
                    columns=[self._unit, PERIOD],
                    schema=self._schema,
                    partitioning=None,
                    page_checksum_verification=True,
                )
            except FileNotFoundError:
                continue
            except (CorruptCacheError, pa.ArrowException, OSError, ValueError):
                rec["status"] = "corrupt"
                recs.append(rec)
                continue
            rec["rows"] = t.num_rows
            rec["municipalities"] = len(pc.unique(t.column(self._unit)))
            if t.num_rows:
                mm = pc.min_max(t.column(PERIOD)).as_py()
                rec["first_period"], rec["last_period"] = mm["min"], mm["max"]
            rec["fetched_at"] = _parse_time(prov.get("fetched_at"))
            rec["api_url"] = prov.get("api_url")
            recs.append(rec)
        out = pd.DataFrame.from_records(recs, columns=INFO_COLUMNS)
        for c in ("kpi", "api_url", "status", "path"):
            out[c] = out[c].astype("string")
        for c in ("rows", "municipalities", "first_period", "last_period", "bytes"):
            out[c] = out[c].astype("Int64")
        out["fetched_at"] = pd.to_datetime(out["fetched_at"], utc=True)
        return out

    # -- metadata tables ---------------------------------------------------------
    def meta_file(self, name: str) -> Path:
        """The Parquet file of metadata table ``name`` (e.g. ``"kpis"``)."""
        if not _META_NAME.match(name):
            raise InputError(f"invalid metadata table name {name!r}: expected e.g. 'kpis'")
        return self.meta_dir / f"{name}.parquet"

    def write_meta(self, name: str, df: pd.DataFrame, provenance: Mapping[str, Any]) -> None:
        """Store a metadata table atomically with ``provenance`` (plus time and version)."""
        path = self.meta_file(name)
        table = pa.Table.from_pandas(df, preserve_index=False)
        prov = {"fetched_at": _iso(_now()), "koladagap_version": __version__, **provenance}
        md = dict(table.schema.metadata or {})
        md[META_KEY] = json.dumps(prov, default=str).encode()
        with self._lock(f"meta-{name}"):
            _write_atomic(table.replace_schema_metadata(md), path)

    def read_meta(self, name: str) -> pd.DataFrame | None:
        """A metadata table, ``None`` when not cached; text columns come back as strings.

        Raises:
            CorruptCacheError: the file cannot be read or lacks the table's columns.
        """
        path = self.meta_file(name)
        if not path.is_file():
            return None
        hint = "run 'koladagap cache clear' or delete the file"
        try:
            table = pq.read_table(path, partitioning=None, page_checksum_verification=True)
        except FileNotFoundError:
            return None
        except (pa.ArrowException, OSError, ValueError) as err:
            raise CorruptCacheError(
                f"the cached {name} table cannot be read ({_one_line(err)}); {hint}",
                path=str(path),
            ) from err
        lacking = [c for c in META_REQUIRED.get(name, []) if c not in table.column_names]
        if lacking:
            raise CorruptCacheError(
                f"the cached {name} table lacks column(s) {', '.join(lacking)}; {hint}",
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
            raw = (pq.read_schema(path).metadata or {}).get(META_KEY)
            out = json.loads(raw) if raw else {}
        except (pa.ArrowException, OSError, ValueError) as err:
            raise CorruptCacheError(
                f"the cached {name} table cannot be read ({_one_line(err)}); "
                "run 'koladagap cache clear' or delete the file",
                path=str(path),
            ) from err
        return out if isinstance(out, dict) else {}

    def provenance(self, kpi: str) -> dict[str, Any] | None:
        """The provenance of a KPI's file (``fetched_at``, ``api_url``, ``coverage`` …)."""
        return self._provenance(_kpi_ids(kpi)[0])
