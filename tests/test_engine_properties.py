"""Properties of evaluate() on random data (hypothesis, few examples so it stays fast)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koladagap.engine import KpiRule, Thresholds, evaluate
from koladagap.kolada.schema import normalise_data_frame

MUNIS = [str(1001 + i) for i in range(12)]
YEARS = [2020, 2021, 2022]
META = pd.DataFrame({"id": MUNIS, "title": MUNIS, "type": ["K"] * len(MUNIS)})
RULES = [
    KpiRule("S", kind="share", direction="higher_is_better"),
    KpiRule("A", kind="amount", direction="lower_is_better"),
]
N = len(MUNIS) * len(YEARS)
FAST = settings(
    max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

values_st = st.lists(
    st.one_of(st.none(), st.floats(0, 100).map(lambda x: round(x, 1))),
    min_size=4 * N,
    max_size=4 * N,
)


def frame(vals: list[float | None], swap: bool = False) -> pd.DataFrame:
    """Two KPIs (S, A) × 12 kommuner × 3 years from a flat list of women/men values."""
    v = np.array([np.nan if x is None else x for x in vals], dtype=float).reshape(2, N, 2)
    if swap:
        v = v[:, :, ::-1]
    n = v.size
    df = pd.DataFrame(
        {
            "kpi": np.repeat(["S", "A"], N * 2),
            "municipality_id": np.tile(np.repeat(MUNIS, len(YEARS) * 2), 2),
            "period": np.tile(np.repeat(YEARS, 2), len(MUNIS) * 2),
            "gender": np.tile(["K", "M"], n // 2),
            "value": v.ravel(),
        }
    )
    return normalise_data_frame(df)


def ev(df: pd.DataFrame, t: Thresholds | None = None) -> pd.DataFrame:
    return evaluate(df, RULES, t, municipality_meta=META).set_index(
        ["kpi", "municipality_id", "period"]
    )


def flagged(res: pd.DataFrame) -> set[tuple[str, str, int]]:
    return set(res.index[res["level"].isin(["watch", "act"]).to_numpy(bool)])


@FAST
@given(values_st)
def test_swapping_women_and_men_mirrors_the_gap(vals: list[float | None]) -> None:
    a = ev(frame(vals))
    b = ev(frame(vals, swap=True))
    np.testing.assert_allclose(a["gap"], -b["gap"], equal_nan=True)
    np.testing.assert_allclose(a["z_ref"], b["z_ref"], equal_nan=True, atol=1e-9)
    assert (a["level"] == b["level"]).all()
    assert (a["material"] == b["material"]).all()
    swapped = a["disadvantaged"].map({"women": "men", "men": "women"})
    pd.testing.assert_series_equal(
        swapped, b["disadvantaged"], check_names=False, check_dtype=False
    )


@FAST
@given(values_st)
def test_missing_never_flags(vals: list[float | None]) -> None:
    res = ev(frame(vals))
    missing = res["women"].isna() | res["men"].isna()
    assert (res.loc[missing, "level"] == "not_computable").all()
    assert not res.loc[missing, "material"].any()
    assert res.loc[~missing, "level"].ne("not_computable").all()


@FAST
@given(
    values_st,
    st.sampled_from(
        [
            {"materiality.share_pp": 8.0, "materiality.relative": 0.2},
            {"reference.watch_z": 2.6},
            {"reference.act_z": 4.0},
            {"reference.act_fdr_q": 0.01},
            {"materiality.share_pp": 20.0, "reference.watch_z": 2.9},
        ]
    ),
)
def test_raising_a_threshold_never_adds_flags(vals: list[float | None], raise_: dict) -> None:
    df = frame(vals)
    easy = Thresholds().replace(**{"reference.min_n": 5})
    base = flagged(ev(df, easy))
    stricter = flagged(ev(df, easy.replace(**raise_)))
    assert stricter <= base


@FAST
@given(values_st, st.sampled_from(MUNIS))
def test_one_municipality_equals_the_national_screen(vals: list[float | None], m: str) -> None:
    df = frame(vals)
    everyone = evaluate(df, RULES, year=2022, municipality_meta=META)
    single = evaluate(df, RULES, year=2022, municipalities=[m], municipality_meta=META)
    part = everyone[everyone["municipality_id"] == m].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, single)


def test_random_data_does_flag() -> None:
    """The properties above are not vacuous: data like theirs produces flags."""
    rng = np.random.default_rng(5)
    vals = [round(float(x), 1) for x in rng.uniform(0, 100, 4 * N)]
    res = ev(frame(vals), Thresholds().replace(**{"reference.min_n": 5, "reference.watch_z": 2.0}))
    assert len(flagged(res)) > 0
    assert res["level"].isin(["none", "info", "watch", "act"]).all()
