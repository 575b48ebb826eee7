"""Edge cases found in review of the calibrated method: each pinned by its repair."""

from __future__ import annotations

import numpy as np
import pandas as pd

from koladagap.benchmarking.kpi_table import kpi_table
from koladagap.engine import KpiRule, Materiality, Thresholds, evaluate
from koladagap.kolada.sample import sample_municipalities, sample_values
from koladagap.kolada.schema import normalise_data_frame

YEARS = (2020, 2021, 2022)


def tidy(rows: list[tuple]) -> pd.DataFrame:
    recs = []
    for kpi, mid, year, *vals in rows:
        for g, v in zip("KMT", vals, strict=True):
            if v is not None and not (isinstance(v, float) and np.isnan(v)):
                recs.append(
                    {"kpi": kpi, "municipality_id": mid, "period": year, "gender": g, "value": v}
                )
    return normalise_data_frame(pd.DataFrame.from_records(recs))


def panel(n: int = 120, seed: int = 2, natgap: float = 0.0, sd: float = 2.0) -> tuple[list, list]:
    """``n`` kommuner with populations, gaps around ``natgap``; Riket at ``natgap``."""
    rng = np.random.default_rng(seed)
    ids = [f"{1000 + i}" for i in range(n)]
    pops = np.exp(rng.uniform(np.log(3000), np.log(500_000), n))
    rows: list[tuple] = []
    for y in YEARS:
        for i, m in enumerate(ids):
            g = natgap + rng.normal(0, sd)
            rows.append(("X", m, y, 50 + g / 2, 50 - g / 2, 50.0))
            rows.append(("N01951", m, y, pops[i] / 2, pops[i] / 2, pops[i]))
        rows.append(("X", "0000", y, 50 + natgap / 2, 50 - natgap / 2, 50.0))
    return rows, ids


def meta(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": ["0000", *ids], "title": ["Riket", *ids], "type": ["L", *["K"] * len(ids)]}
    )


def test_a_missing_population_never_divides_by_the_floor() -> None:
    v, mm = sample_values(), sample_municipalities()
    without = v[~((v["kpi"] == "N01951") & (v["municipality_id"] == "0114"))]
    res = evaluate(
        without,
        None,
        year=2022,
        municipalities=["0114"],
        municipality_meta=mm,
        kpi_table=kpi_table(),
    )
    res = res.set_index("kpi")
    judged = res["z_ref"].notna()
    assert judged.sum() >= 10
    assert (res.loc[judged, "reference_scale"] > 0.5).all()  # not the 0.1 floor
    assert (res.loc[judged, "z_ref"].abs() < 5).all()
    assert not res["level"].eq("act").any()


def test_riket_expectation_needs_a_material_gap_itself() -> None:
    rows, ids = panel(natgap=-10.0)
    rows = [r for r in rows if not (r[0] == "X" and r[1] in ids[:2])]
    for y in YEARS:
        rows.append(("X", ids[0], y, 50.25, 49.75, 50.0))  # men behind by 0.5 pp
        rows.append(("X", ids[1], y, 45.0, 55.0, 50.0))  # women behind by 10 pp, as Riket
    rule = KpiRule("X", kind="share", direction="higher_is_better", expected="riket")
    res = evaluate(tidy(rows), [rule], year=2022, municipalities=ids[:2],
                   municipality_meta=meta(ids)).set_index("municipality_id")  # fmt: skip
    assert res.loc[ids[0], "level"] == "none"  # 0.5 pp is no deviation, whatever Riket says
    assert not res.loc[ids[0], "material"]
    assert res.loc[ids[1], "level"] == "none"  # as Riket: no excess


def test_peers_expectation_keeps_a_reference_of_all_kommuner() -> None:
    rows, ids = panel()
    rule = KpiRule("X", kind="share", direction="higher_is_better", expected="peers")
    values = tidy(rows)
    only_org = evaluate(values, [rule], year=2022, municipalities=[ids[0]],
                        municipality_meta=meta(ids), peers={ids[0]: ids[1:8]})  # fmt: skip
    assert only_org["reference_n"].iloc[0] == len(ids)  # every kommun, peers or not
    assert np.isfinite(only_org["z_ref"].iloc[0])


def test_an_asymmetric_one_sex_band_is_applied_as_written() -> None:
    rows, ids = panel()
    shares = [
        ("Y", m, y, None, None, 62.0 if m == ids[0] else 50.0 + (i % 5))
        for i, m in enumerate(ids)
        for y in YEARS
    ]
    rows = shares + [r for r in rows if r[0] == "N01951"]
    rule = KpiRule("Y", kind="share_of_one_sex", direction="parity_target", share_of="K")
    t = Thresholds().replace(materiality=Materiality(one_sex_band=(40.0, 70.0)))
    res = evaluate(tidy(rows), [rule], t, year=2022, municipalities=[ids[0]],
                   municipality_meta=meta(ids))  # fmt: skip
    assert not res["material"].iloc[0] and res["level"].iloc[0] == "none"  # 62 is within 40–70


def test_many_identical_values_keep_the_size_effect() -> None:
    """70 small kommuner at exactly 0 for both sexes must not flatten every other scale."""
    rng = np.random.default_rng(4)
    ids = [f"{1000 + i}" for i in range(290)]
    pops = np.sort(np.exp(rng.uniform(np.log(3000), np.log(500_000), 290)))
    rows: list[tuple] = []
    for y in YEARS:
        for i, m in enumerate(ids):
            rows.append(("N01951", m, y, pops[i] / 2, pops[i] / 2, pops[i]))
            if i < 70:
                rows.append(("X", m, y, 0.0, 0.0, 0.0))  # the smallest: nothing happened
            else:
                g = rng.normal(0, np.sqrt(4e5 / pops[i]))  # chance shrinks with size
                rows.append(("X", m, y, 50 + g / 2, 50 - g / 2, 50.0))
    res = evaluate(tidy(rows), [KpiRule("X")], year=2022, municipality_meta=meta(ids))
    res = res[res["municipality_id"].isin(ids[70:])]
    assert res["reference_scale"].nunique() > 10  # scales still differ by size
    assert res["level"].isin(["watch", "act"]).sum() <= 5  # 7 when the zeros flattened it
