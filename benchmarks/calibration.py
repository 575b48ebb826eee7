"""Calibration of the deviation method: false flags and recall on simulated panels.

Each scenario builds a panel of all 290 kommuner with their real populations
(Kolada's N01951 in the shipped sample), draws women's and men's values from a
model where **no kommun is unusual** (the null: every kommun has the same true
values; a national gap may exist, it is *known*), and again with **12 planted
kommuner** of at least 20 000 inhabitants given a real extra gap for the last
four years. It then runs the engine exactly as users do
(:func:`koladagap.engine.screen`, which ``koladagap screen`` calls) and counts
levels; for the follow-up it runs :func:`koladagap.engine.compare` between a
baseline (2018) and a follow-up (2022) under the null.

Scenarios (``SCENARIOS``):

- ``shares_counts`` — school-like shares (cohort ≈ 0.55 % of the population per
  year), binomial counts, published with 8 decimals **and** the counts as a
  denominator KPI;
- ``shares_1dp`` — the same shares published to one decimal, no counts (the
  engine must use the population size);
- ``amounts`` — incomes whose levels vary widely between kommuner (lognormal,
  a factor of about 2) with a constant relative gap (women −18 %), 3 % nominal
  growth a year and sampling noise shrinking with size;
- ``elections`` — women's and men's shares among elected councillors (seats
  from 31 to 101 by size), one draw per election (2010, 2014, 2018, 2022)
  repeated in the years between, with **no** event flag: the engine must see
  the copies itself;
- ``surveys`` — a survey share pooled over four years (``pooled_years = 4``),
  published with a 95 % margin of error per sex (a margin-of-error KPI).

Run from the repository root::

    .venv/bin/python benchmarks/calibration.py                   # 20 seeds each
    .venv/bin/python benchmarks/calibration.py --seeds 5 --out /tmp/cal.md

It prints a Markdown table (and writes it with ``--out``); ``run_all.py``
puts it in ``benchmarks/RESULTS.md`` and docs/methods.md quotes it. The test
suite runs a small version (``tests/test_calibration.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from koladagap.engine import KpiRule, Thresholds, compare, evaluate
from koladagap.engine.screen import screen
from koladagap.kolada.sample import sample_municipalities, sample_values

YEARS = list(range(2013, 2023))
LAST = YEARS[-1]
PLANTED_YEARS = 4
PLANT_N = 12
PLANT_MIN_POP = 20_000
SIZE_BANDS = [(20_000, 40_000), (40_000, 100_000), (100_000, 10**8)]


def populations() -> pd.Series:
    """The 290 kommuner's inhabitants (N01951, 2022) from the shipped sample, by id."""
    v = sample_values()
    mm = sample_municipalities()
    kommuner = set(mm.loc[mm["type"] == "K", "id"].astype(str)) - {"0000"}
    p = v[(v["kpi"] == "N01951") & (v["gender"] == "T") & (v["period"] == 2022)]
    s = p.set_index(p["municipality_id"].astype(str))["value"].astype(float)
    return s[s.index.isin(kommuner)].sort_index()


@dataclass
class Panel:
    """A simulated panel: tidy values, rules, the planted ids and the direction of harm."""

    values: pd.DataFrame
    rules: dict[str, KpiRule]
    kpi: str
    planted: list[str] = field(default_factory=list)


def _tidy(
    kpi: str, ids: np.ndarray, years: np.ndarray, k: np.ndarray, m: np.ndarray, t: np.ndarray
) -> pd.DataFrame:
    """Long rows (K, M, T) from arrays shaped (kommun, year)."""
    n_m, n_y = k.shape
    mid = np.repeat(ids, n_y)
    per = np.tile(years, n_m)
    parts = []
    for g, arr in (("K", k), ("M", m), ("T", t)):
        parts.append(
            pd.DataFrame(
                {
                    "kpi": kpi,
                    "municipality_id": mid,
                    "period": per,
                    "gender": g,
                    "value": arr.ravel(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _population_rows(pop: pd.Series) -> pd.DataFrame:
    ids = pop.index.to_numpy()
    tot = np.repeat(pop.to_numpy()[:, None], len(YEARS), axis=1)
    return _tidy("N01951", ids, np.array(YEARS), tot / 2, tot / 2, tot)


def _finish(frames: list[pd.DataFrame]) -> pd.DataFrame:
    df = pd.concat(frames, ignore_index=True)
    for c in ("kpi", "municipality_id", "gender"):
        df[c] = df[c].astype("string")
    df["period"] = df["period"].astype("int64")
    return df


def _plant(rng: np.random.Generator, pop: pd.Series, planted: bool) -> np.ndarray:
    """Indices of the planted kommuner: 4 in each size band of ≥ 20 000 inhabitants."""
    if not planted:
        return np.empty(0, dtype=np.int64)
    p = pop.to_numpy()
    out: list[int] = []
    for lo, hi in SIZE_BANDS:
        cand = np.flatnonzero((p >= lo) & (p < hi))
        out += list(rng.choice(cand, size=PLANT_N // len(SIZE_BANDS), replace=False))
    return np.array(sorted(out))


def _extra(shape: tuple[int, int], idx: np.ndarray, size: float) -> np.ndarray:
    e = np.zeros(shape)
    e[idx, -PLANTED_YEARS:] = size
    return e


def shares(rng: np.random.Generator, pop: pd.Series, *, planted: bool, counts: bool) -> Panel:
    """School-like shares (higher is better), girls 88 %, boys 82 %; planted: girls −15 pp."""
    ids = pop.index.to_numpy()
    shape = (len(ids), len(YEARS))
    n = np.maximum(np.round(pop.to_numpy() * 0.0055 / 2), 3).astype(int)
    nn = np.repeat(n[:, None], len(YEARS), axis=1)
    plant = _plant(rng, pop, planted)
    pk = np.clip(0.88 - _extra(shape, plant, 0.15), 0, 1)
    xk = rng.binomial(nn, pk)
    xm = rng.binomial(nn, np.full(shape, 0.82))
    k, m = 100 * xk / nn, 100 * xm / nn
    t = 100 * (xk + xm) / (2 * nn)
    digits = 8 if counts else 1
    frames = [
        _tidy("X00001", ids, np.array(YEARS), k.round(digits), m.round(digits), t.round(digits)),
        _population_rows(pop),
    ]
    denom = None
    if counts:
        frames.append(
            _tidy("X00002", ids, np.array(YEARS), nn.astype(float), nn.astype(float), 2.0 * nn)
        )
        denom = "X00002"
    rule = KpiRule("X00001", kind="share", direction="higher_is_better", denominator_kpi=denom)
    return Panel(_finish(frames), {"X00001": rule}, "X00001", list(ids[plant]))


def amounts(rng: np.random.Generator, pop: pd.Series, *, planted: bool) -> Panel:
    """Incomes: level varies by a factor ~2, women −18 %, 3 % growth; planted: women −15 % more."""
    ids = pop.index.to_numpy()
    shape = (len(ids), len(YEARS))
    level = 280_000 * np.exp(rng.normal(0, 0.25, len(ids)))
    growth = 1.03 ** (np.array(YEARS) - YEARS[0])
    base = level[:, None] * growth[None, :]
    plant = _plant(rng, pop, planted)
    noise_sd = 0.02 * np.sqrt(10_000 / pop.to_numpy())[:, None]
    m = base * np.exp(rng.normal(0, noise_sd, shape))
    k = base * 0.82 * np.exp(rng.normal(0, noise_sd, shape)) * (1 - _extra(shape, plant, 0.15))
    k, m = np.round(k, -2), np.round(m, -2)
    t = np.round((k + m) / 2, -2)
    frames = [_tidy("X00003", ids, np.array(YEARS), k, m, t), _population_rows(pop)]
    rule = KpiRule("X00003", kind="amount", direction="higher_is_better")
    return Panel(_finish(frames), {"X00003": rule}, "X00003", list(ids[plant]))


def elections(rng: np.random.Generator, pop: pd.Series, *, planted: bool) -> Panel:
    """Shares among councillors by sex (e.g. full-time), drawn per election, repeated between.

    Men 40 %, women 34 % of each sex's councillors; planted: women −15 pp in the last
    four years (the 2022 election, and 2019–2021 repeating 2018's draw lowered).
    """
    ids = pop.index.to_numpy()
    shape = (len(ids), len(YEARS))
    seats = np.clip(
        np.round(
            31 + 70 * (np.log(pop.to_numpy()) - np.log(2_500)) / (np.log(1e6) - np.log(2_500))
        ),
        31,
        101,
    ).astype(int)
    n_sex = np.repeat((seats // 2)[:, None], len(YEARS), axis=1)
    plant = _plant(rng, pop, planted)
    years = np.array(YEARS)
    k = np.empty(shape)
    m = np.empty(shape)
    t = np.empty(shape)
    extra = _extra(shape, plant, 0.15)
    for col, y in enumerate(years):
        if y in (2010, 2014, 2018, 2022) or col == 0:
            xk = rng.binomial(n_sex[:, col], np.clip(0.34 - extra[:, col], 0, 1))
            xm = rng.binomial(n_sex[:, col], 0.40)
            kk, mm_ = 100 * xk / n_sex[:, col], 100 * xm / n_sex[:, col]
            tt = 100 * (xk + xm) / (2 * n_sex[:, col])
        elif extra[:, col].any() and not extra[:, col - 1].any():
            # the planted gap starts mid-term: a by-election style change, then repeated
            xk = rng.binomial(n_sex[:, col], np.clip(0.34 - extra[:, col], 0, 1))
            kk = np.where(extra[:, col] > 0, 100 * xk / n_sex[:, col], kk)
            tt = (kk + mm_) / 2
        k[:, col], m[:, col], t[:, col] = kk, mm_, tt
    frames = [
        _tidy("X00004", ids, years, k.round(1), m.round(1), t.round(1)),
        _population_rows(pop),
    ]
    rule = KpiRule("X00004", kind="share", direction="higher_is_better")
    return Panel(_finish(frames), {"X00004": rule}, "X00004", list(ids[plant]))


def surveys(rng: np.random.Generator, pop: pd.Series, *, planted: bool) -> Panel:
    """A survey share pooled over four years with margins of error: women 68 %, men 74 %."""
    ids = pop.index.to_numpy()
    years = np.array(YEARS)
    first = years[0] - 3
    all_years = np.arange(first, years[-1] + 1)
    shape_all = (len(ids), len(all_years))
    resp = np.maximum(np.round(np.sqrt(pop.to_numpy()) * 1.5), 15).astype(int)
    nn = np.repeat(resp[:, None], len(all_years), axis=1)
    plant = _plant(rng, pop, planted)
    extra = np.zeros(shape_all)
    extra[plant, -PLANTED_YEARS:] = 0.15
    xk = rng.binomial(nn, np.clip(0.68 - extra, 0, 1))
    xm = rng.binomial(nn, 0.74)
    k_parts, m_parts, mk, mm_ = [], [], [], []
    for y in years:
        sl = (all_years >= y - 3) & (all_years <= y)
        sk, sm, sn = xk[:, sl].sum(1), xm[:, sl].sum(1), nn[:, sl].sum(1)
        pk, pm = sk / sn, sm / sn
        k_parts.append(100 * pk)
        m_parts.append(100 * pm)
        mk.append(100 * 1.96 * np.sqrt(pk * (1 - pk) / sn))
        mm_.append(100 * 1.96 * np.sqrt(pm * (1 - pm) / sn))
    k = np.column_stack(k_parts).round(1)
    m = np.column_stack(m_parts).round(1)
    t = ((k + m) / 2).round(1)
    moe_k, moe_m = np.column_stack(mk).round(1), np.column_stack(mm_).round(1)
    frames = [
        _tidy("X00005", ids, years, k, m, t),
        _tidy("X00006", ids, years, moe_k, moe_m, ((moe_k + moe_m) / 2).round(1)),
        _population_rows(pop),
    ]
    rule = KpiRule(
        "X00005", kind="share", direction="higher_is_better", moe_kpi="X00006", pooled_years=4
    )
    return Panel(_finish(frames), {"X00005": rule}, "X00005", list(ids[plant]))


SCENARIOS: dict[str, Callable[..., Panel]] = {
    "shares_counts": lambda rng, pop, planted: shares(rng, pop, planted=planted, counts=True),
    "shares_1dp": lambda rng, pop, planted: shares(rng, pop, planted=planted, counts=False),
    "amounts": lambda rng, pop, planted: amounts(rng, pop, planted=planted),
    "elections": lambda rng, pop, planted: elections(rng, pop, planted=planted),
    "surveys": lambda rng, pop, planted: surveys(rng, pop, planted=planted),
}


def _meta(pop: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"id": pop.index, "title": pop.index, "type": "K"})


def run_scenario(
    name: str, seed: int, pop: pd.Series, thresholds: Thresholds | None = None
) -> dict[str, Any]:
    """One seed of one scenario: null levels, planted recall, follow-up movement under the null."""
    rng = np.random.default_rng([seed, list(SCENARIOS).index(name)])
    meta = _meta(pop)
    null = SCENARIOS[name](rng, pop, False)
    s0 = screen(null.values, null.rules, thresholds, year=LAST, municipality_meta=meta)
    lv0 = s0.loc[s0["kpi"] == null.kpi, "level"].astype(str)
    plant = SCENARIOS[name](rng, pop, True)
    s1 = screen(plant.values, plant.rules, thresholds, year=LAST, municipality_meta=meta)
    s1 = s1[s1["kpi"] == plant.kpi]
    hit = s1[s1["municipality_id"].astype(str).isin(plant.planted)]
    planted_pop = pop.loc[plant.planted]
    lv_hit = hit.set_index(hit["municipality_id"].astype(str))["level"].astype(str)
    # follow-up under the null: baseline 2018 vs follow-up 2022
    b = evaluate(null.values, null.rules, thresholds, year=2018, municipality_meta=meta)
    f = evaluate(null.values, null.rules, thresholds, year=LAST, municipality_meta=meta)
    c = compare(b, f, null.values, thresholds, rules=null.rules, municipality_meta=meta)
    c = c[c["kpi"] == null.kpi]
    mv = c["flag_movement"].astype(str)
    return {
        "scenario": name,
        "seed": seed,
        "null_act": int((lv0 == "act").sum()),
        "null_flags": int(lv0.isin(["watch", "act"]).sum()),
        "planted_flagged": int(lv_hit.isin(["watch", "act"]).sum()),
        "planted_act": int((lv_hit == "act").sum()),
        "planted_n": len(plant.planted),
        **{
            f"planted_band{b}": int(
                lv_hit[planted_pop.index[(planted_pop >= lo) & (planted_pop < hi)]]
                .isin(["watch", "act"])
                .sum()
            )
            for b, (lo, hi) in enumerate(SIZE_BANDS)
        },
        "planted_other_flags": int(
            s1.loc[~s1["municipality_id"].astype(str).isin(plant.planted), "level"]
            .astype(str)
            .isin(["watch", "act"])
            .sum()
        ),
        "fu_resolved": int((mv == "resolved").sum()),
        "fu_new": int((mv == "new").sum()),
        "fu_worsened": int((c["change"].astype(str) == "worsened").sum()),
        "fu_improved": int((c["change"].astype(str) == "improved").sum()),
    }


def run(
    seeds: Sequence[int],
    scenarios: Sequence[str] | None = None,
    thresholds: Thresholds | None = None,
) -> pd.DataFrame:
    """Every scenario × seed, one row each."""
    pop = populations()
    names = list(scenarios or SCENARIOS)
    return pd.DataFrame([run_scenario(n, s, pop, thresholds) for n in names for s in seeds])


RECALL_EXEMPT = {"elections"}
"""Recall is not a target for elections: one draw of 15–50 councillors per sex gives a
standard error of 10–15 pp for the gap, so a planted 15 pp is within chance whatever the
method (docs/methods.md); its null and follow-up targets still apply."""

TARGETS = {
    "null_act": ("≤ 2 act per 290 (max over seeds)", lambda s: s.max() <= 2),
    "null_flags": ("≤ 8 watch+act per 290 (max over seeds)", lambda s: s.max() <= 8),
    "planted_flagged": ("≥ 10 of 12 flagged (mean)", lambda s: s.mean() >= 10),
    "planted_act": ("≥ 8 of 12 act (mean)", lambda s: s.mean() >= 8),
    "fu_resolved": ("≤ 2 resolved per 290 (mean)", lambda s: s.mean() <= 2),
    "fu_new": ("≤ 2 new per 290 (mean)", lambda s: s.mean() <= 2),
}


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: mean and max of each count over the seeds, and each target's verdict."""
    rows = []
    for name, g in df.groupby("scenario", sort=False):
        row: dict[str, Any] = {"scenario": name, "seeds": len(g)}
        for col in (
            "null_act",
            "null_flags",
            "planted_flagged",
            "planted_act",
            "planted_other_flags",
            "fu_resolved",
            "fu_new",
            "fu_worsened",
            "fu_improved",
        ):
            row[f"{col}_mean"] = float(g[col].mean())
            row[f"{col}_max"] = int(g[col].max())
        row["planted_min"] = int(g["planted_flagged"].min())
        row["met"] = all(
            ok(g[c])
            for c, (_, ok) in TARGETS.items()
            if not (name in RECALL_EXEMPT and c.startswith("planted"))
        )
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame, seconds: float) -> str:
    """The summary as a Markdown table with the targets' verdicts."""
    s = summary(df)
    lines = [
        f"Seeds per scenario: {int(s['seeds'].iloc[0])}; 290 kommuner with their real "
        f"populations; judged at {LAST}; {PLANT_N} planted kommuner of ≥ 20 000 inhabitants "
        f"with +15 (pp or %) for the last {PLANTED_YEARS} years; follow-up 2018 → {LAST} "
        f"under the null. {seconds:.0f} s.",
        "",
        "| scenario | null act mean (max) | null watch+act mean (max) | planted flagged "
        "mean (min) of 12 | planted act mean | other flags with planted | follow-up "
        "resolved mean (max) | follow-up new mean (max) | targets |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in s.iterrows():
        lines.append(
            f"| {r['scenario']} | {r['null_act_mean']:.2f} ({r['null_act_max']}) | "
            f"{r['null_flags_mean']:.2f} ({r['null_flags_max']}) | "
            f"{r['planted_flagged_mean']:.1f} ({r['planted_min']}) | "
            f"{r['planted_act_mean']:.1f} | {r['planted_other_flags_mean']:.1f} | "
            f"{r['fu_resolved_mean']:.2f} ({r['fu_resolved_max']}) | "
            f"{r['fu_new_mean']:.2f} ({r['fu_new_max']}) | {'met' if r['met'] else 'NOT met'} |"
        )
    per = PLANT_N // len(SIZE_BANDS)
    bands = [
        f"{lo // 1000}–{hi // 1000}k" if hi < 10**8 else f"≥ {lo // 1000}k" for lo, hi in SIZE_BANDS
    ]
    lines += [
        "",
        f"Recall of the planted kommuner by size (flagged of {per} in each band, mean over seeds):",
        "",
        "| scenario | " + " | ".join(bands) + " |",
        "|---|" + "---|" * len(bands),
    ]
    for name, g in df.groupby("scenario", sort=False):
        cells = [f"{g[f'planted_band{b}'].mean():.1f}" for b in range(len(SIZE_BANDS))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Targets: "
        + "; ".join(t for t, _ in TARGETS.values())
        + f". Recall is not a target for {', '.join(sorted(RECALL_EXEMPT))} (see the module).",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=20, help="seeds per scenario (20)")
    ap.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        help="only this scenario (repeatable)",
    )
    ap.add_argument("--out", help="also write the Markdown table here")
    ap.add_argument("--csv", help="also write every seed's counts here")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    df = run(range(args.seeds), args.scenario)
    text = markdown(df, time.perf_counter() - t0)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    if args.csv:
        df.to_csv(args.csv, index=False)
    return 0 if summary(df)["met"].all() else 1


if __name__ == "__main__":
    sys.exit(main())
