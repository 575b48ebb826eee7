"""Issue 14's goal, measured: a FULL single-bit-flip sweep of a cache file through ``Cache.read``.

The suite (``tests/test_cache_integrity.py``) checks every flip at the checksum
and a seeded sample of ~180 flips through ``Cache.read``; this script sends every
single-bit flip of one cache file (N00906, two kommuner, three years) and of its
checksum file through ``Cache.read`` in this process and counts the outcomes:
``exact`` (the very same frame), ``detected`` (a one-line ``CorruptCacheError``
naming the file, which was moved aside) and ``silent`` (anything else: fewer rows,
other values, an empty answer). The goal is 0 silent and 0 crashes (a crash of
pyarrow would end this process). A few minutes::

    .venv/bin/python benchmarks/bitflip.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from koladagap.errors import CorruptCacheError
from koladagap.kolada.cache import Cache, integrity
from koladagap.kolada.sample import sample_values

MUNIS, YEARS, KPI = ["0180", "1233"], [2020, 2021, 2022], "N00906"


def flipped(data: bytes, bit: int) -> bytes:
    """``data`` with bit ``bit`` inverted."""
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def outcome(c: Cache, want: pd.DataFrame) -> str:
    """``exact``, ``detected`` or ``silent`` for one read of the (damaged) file."""
    try:
        got = c.read([KPI], MUNIS, YEARS)
    except CorruptCacheError as err:
        moved = not c.partition_file(KPI).exists()
        return "detected" if moved and err.path == str(c.partition_file(KPI)) else "silent"
    return "exact" if got.equals(want) else "silent"


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        c = Cache(Path(d) / "cache")
        v = sample_values()
        mask = (v["kpi"] == KPI) & v["municipality_id"].isin(MUNIS) & v["period"].isin(YEARS)
        query = {"kpis": [KPI], "municipalities": MUNIS, "years": YEARS, "from_date": None}
        c.write(v.loc[mask.to_numpy(bool)].reset_index(drop=True), query=query, api_url="x")
        path = c.partition_file(KPI)
        side_path = integrity.sidecar_path(path)
        good, side = path.read_bytes(), side_path.read_bytes()
        want = c.read([KPI], MUNIS, YEARS)
        counts: dict[str, dict[str, int]] = {}
        t0 = time.perf_counter()
        for name, n in (("file", len(good)), ("checksum file", len(side))):
            tally = counts.setdefault(name, {"exact": 0, "detected": 0, "silent": 0})
            for bit in range(8 * n):
                path.write_bytes(flipped(good, bit) if name == "file" else good)
                side_path.write_bytes(flipped(side, bit) if name != "file" else side)
                tally[outcome(c, want)] += 1
        result = {
            "file_bytes": len(good),
            "checksum_bytes": len(side),
            "flips": sum(sum(t.values()) for t in counts.values()),
            "outcomes": counts,
            "seconds": round(time.perf_counter() - t0, 1),
        }
    print(json.dumps(result, indent=1))
    return 0 if all(t["silent"] == 0 for t in counts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
