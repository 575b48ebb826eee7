"""Build koladagap's shipped real-data sample from the shared Kolada snapshots.

Run from the project root (the shared folder sits beside it)::

    python scripts/build_sample.py [--shared ../shared/kolada-samples]

It writes ``src/koladagap/sample/*.parquet`` and ``manifest.json``. The
values are Kolada's own, unchanged: K and M from one file, T from another,
for 18 gender-divided KPIs and N00945 (VAB share taken by men, T only),
for every kommun, region and Riket. Kolada's ``count`` and ``status`` were not
kept by the scrape, so ``count`` is null and ``status`` is empty.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from koladagap.kolada.schema import DATA_SCHEMA, normalise_data_frame  # noqa: E402

OUT = ROOT / "src" / "koladagap" / "sample"


def _read_values(raw: Path) -> pd.DataFrame:
    gender_dir = raw / "datapoints--by--geo--gender--year"
    total_dir = raw / "datapoints--by--geo--year"
    frames = []
    for f in sorted(total_dir.glob("*.csv")):
        kpi = f.name.split("--")[2].upper()
        t = pd.read_csv(f, dtype={"geo": str})
        t = t.rename(columns={"geo": "municipality_id", "year": "period", kpi.lower(): "value"})
        t["gender"] = "T"
        t["kpi"] = kpi
        frames.append(t)
        g = gender_dir / f.name.replace("--by--geo--year", "--by--geo--gender--year")
        if g.exists():
            km = pd.read_csv(g, dtype={"geo": str, "gender": str})
            km = km.rename(
                columns={"geo": "municipality_id", "year": "period", kpi.lower(): "value"}
            )
            km["kpi"] = kpi
            frames.append(km)
    df = pd.concat(frames, ignore_index=True)
    bad = ~df["municipality_id"].str.fullmatch(r"\d{4}")
    if bad.any():
        raise SystemExit(f"unexpected geo ids: {df.loc[bad, 'municipality_id'].unique()[:5]}")
    df["status"] = ""
    df["isdeleted"] = False
    df = normalise_data_frame(df)
    return df.sort_values(["kpi", "municipality_id", "period", "gender"], ignore_index=True)


def _ended_kpis(shared: Path, ids: set[str], columns: pd.Index) -> pd.DataFrame:
    """Catalogue rows for sample KPIs that Kolada v3 no longer lists (ended KPIs)."""
    path = (
        shared / "open-numbers__ddf--kolada--dump" / "concepts_raw_2024-08-17" / "kpi_results.csv"
    )
    v2 = pd.read_csv(path, dtype=str)
    v2 = v2.loc[v2["concept"].isin(ids)].rename(
        columns={"concept": "id", "name": "title", "auspices": "auspice"}
    )
    v2["is_divided_by_gender"] = v2["is_divided_by_gender"].eq("1")
    v2["has_ou_data"] = v2["has_ou_data"].str.lower().eq("true")
    out = v2.reindex(columns=columns)
    for c in out.columns:
        if c not in ("is_divided_by_gender", "has_ou_data"):
            out[c] = out[c].astype("string")
    return out.sort_values("id", ignore_index=True)


def _write(df: pd.DataFrame, name: str, schema: pa.Schema | None = None) -> None:
    table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
    pq.write_table(table, OUT / name, compression="zstd")
    print(f"{name}: {len(df)} rows, {(OUT / name).stat().st_size / 1e6:.2f} MB")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "kolada-samples")
    a = p.parse_args()
    on = a.shared / "open-numbers__ddf--kolada--dump" / "datapoints_raw_2024-08-30"
    rk = a.shared / "LCHansson__rKolada" / "converted"
    pk = a.shared / "rubenselander__pykolada" / "data"
    OUT.mkdir(parents=True, exist_ok=True)

    values = _read_values(on)
    _write(values, "values.parquet", DATA_SCHEMA)

    kpis = pd.read_parquet(rk / "kpi_df.parquet")
    for c in kpis.columns:
        if kpis[c].dtype == object:
            kpis[c] = kpis[c].astype("string")
    kpis["is_divided_by_gender"] = kpis["is_divided_by_gender"].astype(bool)
    kpis["has_ou_data"] = kpis["has_ou_data"].astype(bool)
    ended = _ended_kpis(a.shared, set(values["kpi"]) - set(kpis["id"].dropna()), kpis.columns)
    kpis = pd.concat([kpis, ended], ignore_index=True)
    _write(kpis, "kpis.parquet")

    munis = pd.read_csv(rk / "munic.csv", dtype=str)
    _write(munis, "municipalities.parquet")

    groups = json.loads((rk / "munic_g.json").read_text(encoding="utf-8"))
    rows = [
        (g["id"], g["title"], m["member_id"], m["member_title"])
        for g in groups
        for m in g["members"]
    ]
    gm = pd.DataFrame(rows, columns=["group_id", "group_title", "member_id", "member_title"])
    # groups without members must survive too: keep them with a null member
    empty = [(g["id"], g["title"], None, None) for g in groups if not g["members"]]
    if empty:
        gm = pd.concat([gm, pd.DataFrame(empty, columns=gm.columns)], ignore_index=True)
    _write(gm.astype("string"), "municipality_groups.parquet")

    kg = json.loads((pk / "kpi_groups.json").read_text(encoding="utf-8"))
    rows = [
        (g["id"], g["title"], m["member_id"], m["member_title"]) for g in kg for m in g["members"]
    ]
    kgm = pd.DataFrame(rows, columns=["group_id", "group_title", "member_id", "member_title"])
    _write(kgm.astype("string"), "kpi_groups.parquet")

    manifest = {
        "attribution": "Källa: Kolada",
        "values": {
            "kpis": sorted(values["kpi"].unique().tolist()),
            "municipalities": int(values["municipality_id"].nunique()),
            "years": [int(values["period"].min()), int(values["period"].max())],
            "rows": len(values),
            "source": "Kolada API v2 /data/kpi/{kpi}/year/{year}, scraped 2024-08-30 "
            "(open-numbers/ddf--kolada--dump, raw datapoints); values unchanged; "
            "count and status were not kept by the scrape",
        },
        "kpis": {
            "rows": len(kpis),
            "source": "Kolada v3 KPI catalogue, 2026-03-23 (rKolada), plus the KPIs of the "
            "values that v3 no longer lists (" + ", ".join(sorted(ended["id"])) + "), from the "
            "Kolada v2 catalogue of 2024-08-17 (open-numbers/ddf--kolada--dump)",
        },
        "municipalities": {"rows": len(munis), "source": "Kolada v3, 2026-03-23 (rKolada)"},
        "municipality_groups": {
            "groups": len(groups),
            "source": "Kolada v3 municipality groups, 2026-03-23 (rKolada)",
        },
        "kpi_groups": {"groups": len(kg), "source": "Kolada v2 KPI groups, 2024-01-15 (pykolada)"},
    }
    (OUT / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print("manifest.json written")


if __name__ == "__main__":
    main()
