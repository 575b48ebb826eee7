"""Looking after the cache: what it holds, quarantining unreadable files, clearing."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.compute as pc

from koladagap.columns import KPI, PERIOD
from koladagap.errors import CacheError
from koladagap.kolada.cache import common, integrity
from koladagap.kolada.cache.base import CacheBase
from koladagap.kolada.schema import parse_ids

#: ``N00906-20261201T132436542973Z`` (``-1`` … when two were moved in one microsecond).
_QUARANTINE_NAME = r"^(?P<of>.+)-(?P<at>\d{8}T\d{12}Z)(?:-\d+)?$"


class Housekeeping(CacheBase):
    """``info``, ``quarantine`` and ``clear`` of the cache's value partitions."""

    def _quarantine_unlocked(self, kpi: str) -> Path | None:
        return self._set_aside(self._values_file(kpi))

    def quarantine(self, kpi: str) -> Path | None:
        """Move a KPI's file to ``quarantine/<kpi>-<time>.parquet`` so it is fetched again.

        Its checksum goes beside it (``….parquet.sha256``). Reading a damaged file does
        this by itself; this is for a file that is wrong in a way no check can see.

        Returns:
            where the file went, or ``None`` when the KPI had no file.
        """
        k = common.kpi_ids(kpi)[0]
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
            side = integrity.sidecar_path(self.partition_file(kpi)).name
            for p in folder.iterdir():
                if p.name == common.PART_FILE:
                    p.unlink()
                    removed = True
                elif p.name == side or common.is_temp(p):  # temps of crashed writers
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
            return sum(self._clear_partition(k) for k in common.kpi_ids(kpis))
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

    def _info_record(self, kpi: str) -> dict[str, Any] | None:
        """One KPI's row of :meth:`info`; ``None`` when its file went away meanwhile.

        The file is checked as a read checks it (checksum, schema, KPI) but not moved.
        """
        path = self.partition_file(kpi)
        rec: dict[str, Any] = {"kpi": kpi, "path": str(path), "status": "ok"}
        try:
            rec["bytes"] = path.stat().st_size
            loaded = self._load(kpi)
            if loaded is None:
                return None
            t = self._rows_of(loaded, kpi, None)
        except FileNotFoundError:
            return None
        except (CacheError, OSError):
            rec["status"] = "corrupt"
            return rec
        prov = loaded.prov
        rec["rows"] = t.num_rows
        rec["municipalities"] = len(pc.unique(t.column(self._unit)))
        if t.num_rows:
            mm = pc.min_max(t.column(PERIOD)).as_py()
            rec["first_period"], rec["last_period"] = mm["min"], mm["max"]
        rec["fetched_at"] = common.parse_time(prov.get("fetched_at"))
        rec["api_url"] = prov.get("api_url")
        return rec

    def quarantined(self) -> pd.DataFrame:
        """The files moved to ``quarantine/``, newest first: ``file, of, moved_at, bytes``.

        ``of`` is what the file was (``N00906``, ``ou-N00906``, ``meta-kpis``); ``moved_at``
        is when it was found damaged (UTC).
        """
        files = (
            sorted(self.quarantine_dir.glob("*.parquet")) if self.quarantine_dir.is_dir() else []
        )
        names = pd.Series([p.stem for p in files], dtype="string")
        parts = names.str.extract(_QUARANTINE_NAME)
        out = pd.DataFrame(
            {
                "file": pd.array([str(p) for p in files], dtype="string"),
                "of": parts["of"].astype("string"),
                "moved_at": pd.to_datetime(parts["at"], format="%Y%m%dT%H%M%S%fZ", utc=True),
                "bytes": pd.array([p.stat().st_size for p in files], dtype="Int64"),
            }
        )
        return out.sort_values("moved_at", ascending=False, ignore_index=True)

    def info(self) -> pd.DataFrame:
        """One row per cached KPI.

        Columns: ``kpi, rows, municipalities, first_period, last_period, fetched_at,
        bytes, api_url, status, path``; ``status`` is ``"ok"`` or ``"corrupt"`` (its
        checksum, schema or KPI is wrong, or it cannot be read; then the counts are
        missing). Nothing is moved: the next read quarantines a corrupt file.
        """
        recs = [r for kpi in self._cached_kpis() if (r := self._info_record(kpi)) is not None]
        out = pd.DataFrame.from_records(recs, columns=common.INFO_COLUMNS)
        for c in ("kpi", "api_url", "status", "path"):
            out[c] = out[c].astype("string")
        for c in ("rows", "municipalities", "first_period", "last_period", "bytes"):
            out[c] = out[c].astype("Int64")
        out["fetched_at"] = pd.to_datetime(out["fetched_at"], utc=True)
        return out
