"""``koladagap demo``: the main job, offline, on the shipped real-data sample.

For one municipality (default 0180 Stockholm) it writes, into one folder:

- ``values.csv``: the tidy values of every sample KPI for the municipality,
  its "Liknande kommuner" peers and Riket ("Källa: Kolada");
- ``gaps.csv``: the gap table (women − men, relative gap, ratio, parity,
  status) for the same rows ("Källa: Kolada; egen bearbetning").
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import pandas as pd

from .api import ATTRIBUTION, ATTRIBUTION_PROCESSED, Kolada
from .schema import parse_ids


def _atomic_csv(df: pd.DataFrame, path: Path, note: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        df.to_csv(fh, index=False)
        fh.write(f"# {note}\n")
    tmp.replace(path)


def run_demo(
    out: Path, *, municipality: str = "0180", lang: str = "sv", stream: TextIO
) -> list[Path]:
    """Write the demo outputs for ``municipality`` into ``out``; return the files written."""
    from .cli import _msg

    mid = parse_ids(municipality, "municipality")[0]
    kg = Kolada(mode="sample")
    name = kg._title_of(mid)
    try:
        peer_ids = kg.peers(mid)["id"].tolist()
    except Exception:  # a region or Riket has no "Liknande kommuner" family
        peer_ids = []
    ids = [mid, *peer_ids, "0000"] if mid != "0000" else ["0000"]
    kpis = sorted(kg.values(_all_sample_kpis(), mid)["kpi"].unique())
    vals = kg.values(kpis, ids)
    gaps = kg.gaps(kpis, ids)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "values.csv", out / "gaps.csv"]
    _atomic_csv(vals, written[0], ATTRIBUTION)
    _atomic_csv(gaps, written[1], ATTRIBUTION_PROCESSED)

    own = gaps.loc[gaps["municipality_id"] == mid]
    year = int(own.loc[own["status"] == "computed", "period"].max())
    print(_msg(lang, "demo_title", name=name, mid=mid, year=year), file=stream)
    print(_msg(lang, "demo_offline"), file=stream)
    print("", file=stream)
    print(_msg(lang, "demo_gap_head", year=year), file=stream)
    latest = own.loc[own["period"] == year]
    for row in latest.itertuples():  # a summary of at most ~20 lines, not data processing
        if row.status == "computed":
            print(f"  {row.kpi}  {row.gap:>+12.1f}  {str(row.kpi_title)[:70]}", file=stream)
        else:
            print(
                f"  {row.kpi}  {_msg(lang, 'not_computable'):>12}  {str(row.kpi_title)[:70]}",
                file=stream,
            )
    print("", file=stream)
    for p in written:
        print(_msg(lang, "wrote", what=p.name, path=p.parent), file=stream)
    print(_msg(lang, "source"), file=stream)
    return written


def _all_sample_kpis() -> list[str]:
    from .sample import sample_manifest

    kpis: list[str] = sample_manifest()["values"]["kpis"]
    return kpis
