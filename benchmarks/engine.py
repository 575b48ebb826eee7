"""Benchmark of the deviation engine at whole-Kolada scale, on synthetic data.

Builds a tidy long frame shaped like all of Kolada's gender-split KPIs (by
default 2 300 KPIs × 312 municipality ids × 25 years × K/M/T ≈ 54 M rows),
times :func:`koladagap.engine.evaluate` for every municipality (the national
screen of the latest year, and optionally every year), measures peak memory
with ``resource.getrusage`` and compares with a straightforward per-group
pandas ``apply`` on a subset of KPIs.

Run from the repository root::

    .venv/bin/python benchmarks/engine.py                 # full size
    .venv/bin/python benchmarks/engine.py --kpis 230      # a tenth
    .venv/bin/python benchmarks/engine.py --all-years     # also year=None

Numbers are printed as a small table; ``benchmarks/README.md`` records them.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from koladagap.engine import KpiRule, Thresholds, evaluate
from koladagap.engine.reference import MAD_SCALE
from koladagap.kolada.sample import sample_municipalities


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def current_rss_gb() -> float:
    """Resident set size now, in GB (Linux ``/proc/self/statm``; NaN elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except OSError:
        return float("nan")
    return pages * resource.getpagesize() / 1024**3


def _strings(codes: np.ndarray, uniques: list[str]) -> pd.Series:
    """A pyarrow-backed ``string`` column, as koladagap's cache returns it."""
    dic = pa.array(uniques, type=pa.string())
    arr = pa.DictionaryArray.from_arrays(pa.array(codes.astype("int32")), dic).dictionary_decode()
    return pd.Series(pd.arrays.ArrowStringArray(arr))


def synthetic_values(
    n_kpis: int, n_years: int = 25, seed: int = 1, denominators: int = 50
) -> tuple[pd.DataFrame, dict[str, KpiRule], pd.DataFrame]:
    """Synthetic tidy values, rules and municipality metadata.

    The first ``denominators`` KPIs are counts (the denominators of as many
    share KPIs, which then get Newcombe tests); of the rest, 60 % are shares,
    40 % amounts, with every direction represented and a few ``expected = riket``.
    About 3 % of values are missing.
    """
    rng = np.random.default_rng(seed)
    munis = sample_municipalities()
    ids = sorted(munis["id"].astype(str))
    n_m = len(ids)
    years = np.arange(2022 - n_years + 1, 2023)
    kpis = [f"S{i:05d}" for i in range(n_kpis)]
    n_cells = n_kpis * n_m * n_years
    k_idx = np.repeat(np.arange(n_kpis), n_m * n_years)
    m_idx = np.tile(np.repeat(np.arange(n_m), n_years), n_kpis)
    y_idx = np.tile(years, n_kpis * n_m)
    size = rng.lognormal(8.0, 1.2, n_m)  # municipality size drives noise and counts
    is_count = k_idx < denominators
    level = rng.uniform(20, 80, n_kpis)[k_idx]
    true_gap = rng.normal(0, 6, n_kpis)[k_idx] + rng.normal(0, 3, n_kpis * n_m)[k_idx * n_m + m_idx]
    noise_sd = 40.0 / np.sqrt(size[m_idx])
    women = level + true_gap / 2 + rng.normal(0, 1, n_cells) * noise_sd
    men = level - true_gap / 2 + rng.normal(0, 1, n_cells) * noise_sd
    counts = np.round(size[m_idx] * rng.uniform(0.4, 0.6, n_cells))
    women = np.where(is_count, counts, np.clip(women, 0, 100))
    men = np.where(is_count, np.round(size[m_idx] - counts), np.clip(men, 0, 100))
    total = (women + men) / 2
    del true_gap, noise_sd, counts, level, is_count
    value = np.column_stack([women, men, total]).ravel()
    del women, men, total
    value[rng.random(len(value)) < 0.03] = np.nan
    gender_codes = np.tile(np.array([0, 1, 2], dtype="int32"), n_cells)
    values = pd.DataFrame(
        {
            "kpi": _strings(np.repeat(k_idx, 3), kpis),
            "municipality_id": _strings(np.repeat(m_idx, 3), ids),
            "period": np.repeat(y_idx, 3).astype("int64"),
            "gender": _strings(gender_codes, ["K", "M", "T"]),
            "value": value,
        }
    )
    # the remaining tidy columns, as the cache returns them (Kolada's count is mostly null)
    n_rows = len(values)
    values["count"] = pd.array(np.ones(n_rows, dtype="int64"), dtype="Int64")
    values["status"] = _strings(np.zeros(n_rows, dtype="int32"), [""])
    values["isdeleted"] = np.zeros(n_rows, dtype=bool)
    del k_idx, m_idx, y_idx, value, gender_codes
    gc.collect()
    rules: dict[str, KpiRule] = {}
    directions = ["higher_is_better", "lower_is_better", "need", "parity_target"]
    for i, k in enumerate(kpis):
        if i < denominators:
            continue
        share = i % 5 < 3
        rules[k] = KpiRule(
            kpi=k,
            kind="share" if share else "amount",
            direction=directions[i % 4],  # type: ignore[arg-type]
            expected="riket" if i % 17 == 0 else None,
            denominator_kpi=kpis[i - denominators] if share and i < 2 * denominators else None,
        )
    return values, rules, munis


# --- the straightforward way, for comparison -------------------------------------------------


def naive_evaluate(values: pd.DataFrame, rules: dict[str, KpiRule], year: int) -> pd.DataFrame:
    """The per-group pandas way: pivot, then ``groupby().apply`` with Python per group.

    Computes the same core (gap, materiality, persistence over the last 3
    published years, robust z among kommuner/regioner, level) without tests.
    """
    t = Thresholds()
    wide = values.pivot_table(
        index=["kpi", "municipality_id", "period"], columns="gender", values="value", dropna=False
    ).reset_index()
    wide = wide[wide["kpi"].isin(list(rules)) & (wide["period"] <= year)]

    def per_series(g: pd.DataFrame) -> pd.DataFrame:
        rule = rules[str(g.name[0])]
        g = g.sort_values("period").copy()
        g["gap"] = g["K"] - g["M"]
        mats = []
        for _, row in g.iterrows():
            gap = row["gap"]
            if rule.kind == "share":
                mats.append(abs(gap) >= t.materiality.share_pp)
            else:
                adv = max(abs(row["K"]), abs(row["M"]))
                mats.append(adv > 0 and abs(gap) / adv >= t.materiality.relative)
        g["material"] = mats
        hits = []
        published = g.dropna(subset=["gap"])
        for _, row in g.iterrows():
            window = published[published["period"] <= row["period"]].tail(3)
            same = window[np.sign(window["gap"]) == np.sign(row["gap"])]
            hits.append(int(same["material"].sum()))
        g["hits"] = hits
        return g

    parts = wide.groupby(["kpi", "municipality_id"]).apply(per_series)
    parts = parts.reset_index(level=[0, 1]).reset_index(drop=True)

    def per_reference(g: pd.DataFrame) -> pd.DataFrame:
        g = g.copy()
        ref = g[~g["municipality_id"].isin(["0000"])]
        med = ref["gap"].median()
        mad = (ref["gap"] - med).abs().median() * MAD_SCALE
        g["z"] = np.sign(g["gap"]) * (g["gap"] - med) / mad
        return g

    parts = parts.groupby(["kpi", "period"]).apply(per_reference)
    parts = parts.reset_index(level=[0, 1]).reset_index(drop=True)
    parts["level"] = np.where(
        parts["material"] & (parts["hits"] >= 2),
        np.where(parts["z"] >= 3, "act", np.where(parts["z"] >= 2, "watch", "info")),
        "none",
    )
    return parts[parts["period"] == year]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of one call and its result."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kpis", type=int, default=2300, help="gender-split KPIs (default 2300)")
    ap.add_argument("--years", type=int, default=25, help="years per KPI (default 25)")
    ap.add_argument("--all-years", action="store_true", help="also time year=None")
    ap.add_argument("--naive-kpis", type=int, default=4, help="KPIs in the apply comparison")
    ap.add_argument("--skip-naive", action="store_true", help="skip the apply comparison")
    args = ap.parse_args(argv)

    rss0 = peak_rss_gb()
    gen_s, (values, rules, munis) = timed(lambda: synthetic_values(args.kpis, args.years))
    rss_input = peak_rss_gb()
    in_mem = values.memory_usage(deep=True).sum() / 1024**3
    print(f"input: {len(values):,} rows ({in_mem:.2f} GB in pandas), built in {gen_s:.1f} s")
    gc.collect()
    rss_before = current_rss_gb()
    print(
        f"peak RSS after building the input: {rss_input:.2f} GB (start {rss0:.2f} GB); "
        f"RSS now {rss_before:.2f} GB"
    )

    screen_s, res = timed(lambda: evaluate(values, rules, year=2022, municipality_meta=munis))
    print(
        f"evaluate(year=2022, all municipalities): {screen_s:.1f} s, {len(res):,} result rows, "
        f"peak RSS {peak_rss_gb():.2f} GB (engine: at most +{peak_rss_gb() - rss_before:.2f} GB "
        "over the input)"
    )
    print("levels:", res["level"].value_counts().to_dict())
    del res
    gc.collect()
    one_s, res = timed(
        lambda: evaluate(values, rules, year=2022, municipalities=["0180"], municipality_meta=munis)
    )
    print(f"evaluate(year=2022, one municipality): {one_s:.1f} s, {len(res):,} result rows")
    del res
    gc.collect()
    if args.all_years:
        all_s, res = timed(lambda: evaluate(values, rules, municipality_meta=munis))
        print(
            f"evaluate(every year, all municipalities): {all_s:.1f} s, {len(res):,} rows, "
            f"peak RSS {peak_rss_gb():.2f} GB"
        )
        del res
        gc.collect()

    if not args.skip_naive:
        keep = sorted(rules)[: args.naive_kpis]
        sub = values[values["kpi"].isin(keep)].reset_index(drop=True)
        sub_rules = {k: rules[k] for k in keep}
        fast_s, fast = timed(lambda: evaluate(sub, sub_rules, year=2022, municipality_meta=munis))
        naive_s, naive = timed(lambda: naive_evaluate(sub, sub_rules, 2022))
        print(
            f"subset of {len(keep)} KPIs ({len(sub):,} rows): engine {fast_s:.3f} s, "
            f"per-group apply {naive_s:.1f} s, ratio {naive_s / fast_s:.0f}x"
        )
        per_row_fast = screen_s / len(values)
        per_row_naive = naive_s / len(sub)
        print(
            f"per input row: engine (full run) {per_row_fast * 1e9:.0f} ns, apply "
            f"{per_row_naive * 1e9:.0f} ns, ratio {per_row_naive / per_row_fast:.0f}x"
        )
        same = (
            fast.set_index(["kpi", "municipality_id"])["level"].astype(str)
            == naive.set_index(["kpi", "municipality_id"])["level"].astype(str)
        ).mean()
        print(f"levels agreeing with the apply version (no tests there): {same:.1%}")
    print(f"peak RSS overall: {peak_rss_gb():.2f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
