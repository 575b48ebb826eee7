"""Child process for the cache crash and concurrency tests (run with ``sys.executable``).

Usage::

    python _cache_writer.py kill CACHE_DIR MARKER
        Write every sample row of N00906 to the cache, but stop half-way through
        the Parquet file (its checksum sidecar is in place already): after half the
        bytes are on disk, create MARKER and sleep until the parent kills us.

    python _cache_writer.py concurrent CACHE_DIR GO MUNIS YEARS
        Create ``ready-<pid>`` beside GO, wait for the file GO, then write N00906
        rows of the comma-separated MUNIS, one year of YEARS at a time (one locked
        read-merge-write per year).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from koladagap.kolada.cache import Cache, integrity
from koladagap.kolada.sample import sample_values

KPI = "N00906"
API = "http://127.0.0.1/v3"


def _kill(cache_dir: str, marker: str) -> None:
    def half_then_hang(f: Any, data: bytes | memoryview) -> None:
        if bytes(data[:4]) != b"PAR1":  # the sidecar: written whole, before the data
            f.write(data)
            return
        f.write(data[: len(data) // 2])
        f.flush()
        Path(marker).write_text("half written")
        time.sleep(60)  # the parent SIGKILLs us here
        raise SystemExit("not killed")

    integrity.write_all = half_then_hang
    v = sample_values()
    v = v[v["kpi"] == KPI]
    query = {"kpis": [KPI], "municipalities": "*", "years": "*", "from_date": None}
    Cache(cache_dir).write(v, query=query, api_url=API)


def _concurrent(cache_dir: str, go: str, munis: list[str], years: list[int]) -> None:
    v = sample_values()
    v = v[(v["kpi"] == KPI) & v["municipality_id"].isin(munis)]
    cache = Cache(cache_dir)
    Path(go).with_name(f"ready-{os.getpid()}").write_text("ready")
    deadline = time.monotonic() + 30
    while not Path(go).exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal")
        time.sleep(0.005)
    for y in years:
        rows = v[v["period"] == y]
        query = {"kpis": [KPI], "municipalities": munis, "years": [y], "from_date": None}
        cache.write(rows, query=query, api_url=API)


def main(argv: list[str]) -> None:
    if argv[0] == "kill":
        _kill(argv[1], argv[2])
    elif argv[0] == "concurrent":
        _concurrent(argv[1], argv[2], argv[3].split(","), [int(y) for y in argv[4].split(",")])
    else:
        raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
