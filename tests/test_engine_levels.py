"""evaluate(): hand-computed cases for every rule of the method, and the real sample."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from koladagap.benchmarking.kpi_table import kpi_table
from koladagap.engine import RESULT_COLUMNS, KpiRule, Thresholds, evaluate
from koladagap.engine.levels import CREDIBILITY_METHODS
from koladagap.errors import InvalidYearsError, UnknownIdError
from koladagap.kolada.schema import normalise_data_frame

TARGET = "1000"
OTHERS = [str(1001 + i) for i in range(20)]
SPREAD = np.linspace(-2.0, 2.0, 20)
META = pd.DataFrame(
    {
        "id": ["0000", "0001", TARGET, *OTHERS],
        "title": ["Riket", "Region A", "Målkommun", *[f"Kommun {m}" for m in OTHERS]],
        "type": ["L", "L", "K", *["K"] * 20],
    }
)
NA = None


def tidy(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """``(kpi, id, year, K, M, T)`` tuples → a tidy frame; ``None`` leaves a gender out."""
    recs = []
    for kpi, mid, year, *vals in rows:
        for g, v in zip("KMT", vals, strict=True):
            if v is not None:
                recs.append(
                    {"kpi": kpi, "municipality_id": mid, "period": year, "gender": g, "value": v}
                )
    return normalise_data_frame(pd.DataFrame.from_records(recs))


def split(gap: float | None, base: float = 50.0) -> tuple[Any, Any, Any]:
    if gap is None:
        return np.nan, base, base
    return base + gap / 2, base - gap / 2, base


def population(
    kpi: str,
    target: dict[int, float | None],
    *,
    riket: float = 0.0,
    base: float = 50.0,
    spread: np.ndarray = SPREAD,
) -> list[tuple[Any, ...]]:
    """Twenty kommuner with small gaps, Riket, and the target's gaps by year."""
    rows: list[tuple[Any, ...]] = []
    for year, gap in target.items():
        rows.append((kpi, TARGET, year, *split(gap, base)))
        rows.append((kpi, "0000", year, *split(riket, base)))
        rows += [
            (kpi, m, year, *split(float(s), base))
            for m, s in zip(OTHERS[: len(spread)], spread, strict=True)
        ]
    return rows


def run(
    rows: list[tuple[Any, ...]],
    rules: Iterable[KpiRule],
    thresholds: Thresholds | None = None,
    *,
    year: int = 2022,
    **kw: Any,
) -> pd.DataFrame:
    res = evaluate(
        tidy(rows),
        list(rules),
        thresholds,
        year=year,
        municipalities=[TARGET],
        municipality_meta=META,
        **kw,
    )
    return res


def one(res: pd.DataFrame, kpi: str = "X") -> pd.Series:
    return res.set_index("kpi").loc[kpi]


SHARE = KpiRule("X", kind="share", direction="higher_is_better")
EASY = Thresholds()
FLAGS = ("watch", "act")


# --- status: missing, too small, excluded ------------------------------------------------


def test_result_columns() -> None:
    res = run(population("X", {2022: 6.0}), [SHARE])
    assert list(res.columns) == RESULT_COLUMNS
    assert res["municipality"].tolist() == ["Målkommun"]


def test_missing_women_or_men_is_not_computable_never_flagged() -> None:
    rows = population("X", {2020: 30.0, 2021: 30.0, 2022: None})
    r = one(run(rows, [SHARE], EASY))
    assert r["level"] == "not_computable"
    assert not r["material"] and np.isnan(r["gap"]) and np.isnan(r["z_ref"])
    assert r["reasons"] == "not_computable:missing"
    # the same gap with values present would be flagged
    assert one(run(population("X", {2020: 30.0, 2021: 30.0, 2022: 30.0}), [SHARE], EASY))[
        "level"
    ] in ("watch", "act")


def test_one_sex_missing_total_is_not_computable() -> None:
    rule = KpiRule("S", kind="share_of_one_sex", direction="parity_target", share_of="M")
    r = one(run([("S", TARGET, 2022, 30.0, 70.0, None)], [rule]), "S")
    assert r["level"] == "not_computable"


@pytest.mark.parametrize(("n_women", "level"), [(0, "too_small"), (9, "too_small"), (10, None)])
def test_counts_below_min_n_are_too_small(n_women: int, level: str | None) -> None:
    rule = KpiRule("X", kind="share", denominator_kpi="D")
    rows = population("X", {2022: 40.0}) + [("D", TARGET, 2022, n_women, 500, NA)]
    r = one(run(rows, [rule]))
    if level:
        assert r["level"] == level
        assert r["reasons"] == "too_small:n<10"
        assert pd.isna(r["credible"])
    else:
        assert r["level"] in ("none", "info", "watch", "act")
        assert not r["reasons"].startswith("too_small")
        # counts are known for the target only (< 80 % of the reference): one spread
        assert r["credibility"] == "spread"
        assert np.isfinite(r["ci_low"]) and r["ci_low"] < r["gap"] < r["ci_high"]
    assert r["n_women"] == n_women and r["n_men"] == 500


def test_excluded_with_reason() -> None:
    rule = KpiRule("X", exclude=True, reason="mäts inte hos oss")
    r = one(run(population("X", {2022: 40.0}), [rule]))
    assert r["level"] == "excluded"
    assert r["reasons"] == "excluded:mäts inte hos oss"
    assert not r["material"]


def test_event_kpis_only_in_election_years() -> None:
    rule = KpiRule("X", event=True)
    rows = population("X", {2021: 20.0, 2022: 20.0})
    r21 = one(run(rows, [rule], EASY, year=2021))
    assert r21["level"] == "excluded"
    assert r21["reasons"] == "excluded:not_election_year"
    r22 = one(run(rows, [rule], EASY, year=2022))
    assert r22["level"] in ("watch", "act")
    assert r22["evidence_years"] == 1  # 2021 is not a published year of an event KPI
    assert r22["evidence"] == pytest.approx(20.0)


# --- materiality -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("women", "men", "material"),
    [(55.0, 50.0, True), (54.9, 50.0, False), (52.3, 47.3, True), (45.0, 50.0, True)],
)
def test_share_boundary_five_pp(women: float, men: float, material: bool) -> None:
    rows = [("X", TARGET, 2022, women, men, 50.0)]
    r = one(run(rows, [SHARE]))
    assert bool(r["material"]) is material
    assert r["reasons"].startswith("material:" if material else "not_material:")


@pytest.mark.parametrize(
    ("direction", "women", "men", "material", "relative"),
    [
        ("higher_is_better", 100.0, 90.0, True, 0.10),  # 10 / 100
        pytest.param(
            "higher_is_better",
            100.0,
            90.1,
            False,
            0.099,
        ),
        ("higher_is_better", 110.0, 100.0, False, 10 / 110),  # the advantaged value is 110
        ("lower_is_better", 110.0, 100.0, True, 0.10),  # the advantaged value is 100
        ("lower_is_better", 100.0, 0.0, True, np.nan),  # zero advantaged value: any gap
        ("need", 0.0, 0.0, False, np.nan),
    ],
)
def test_amount_boundary_ten_percent(
    direction: str, women: float, men: float, material: bool, relative: float
) -> None:
    rule = KpiRule("A", kind="amount", direction=direction)  # type: ignore[arg-type]
    r = one(run([("A", TARGET, 2022, women, men, NA)], [rule]), "A")
    assert bool(r["material"]) is material
    if np.isnan(relative):
        assert np.isnan(r["relative_gap"])
    else:
        assert r["relative_gap"] == pytest.approx(relative, abs=1e-3)


def test_per_kpi_threshold_overrides() -> None:
    rows = [("X", TARGET, 2022, 52.0, 48.0, 50.0), ("Y", TARGET, 2022, 52.0, 48.0, 50.0)]
    strict = KpiRule("X", overrides=Thresholds().replace(**{"materiality.share_pp": 3.0}))
    res = run(rows, [strict, KpiRule("Y")]).set_index("kpi")
    assert res.loc["X", "material"] and not res.loc["Y", "material"]
    # the rules are written out by render (the report's rule sentences), not the engine
    assert not {"threshold_material", "threshold_credible", "threshold_reference"} & set(
        res.columns
    )


@pytest.mark.parametrize(
    ("women", "men", "material"),
    [
        (4.0, 3.0, True),  # 1 pp and 25 % of 4: a small share's gap counts
        (4.0, 3.1, False),  # 0.9 pp: below share_min_pp
        (8.0, 6.5, False),  # 1.5 pp but only 19 % of 8
        (2.0, 1.0, True),  # 1 pp and 50 %
        (0.8, 0.3, False),  # 50 % but only 0.5 pp
    ],
)
def test_small_shares_material_relative_to_the_advantaged(
    women: float, men: float, material: bool
) -> None:
    r = one(run([("X", TARGET, 2022, women, men, NA)], [SHARE]))
    assert bool(r["material"]) is material
    t = Thresholds().replace(**{"materiality.share_relative": 10.0})  # relative rule off
    assert not one(run([("X", TARGET, 2022, women, men, NA)], [SHARE], t))["material"]


def test_a_single_id_string_is_one_municipality() -> None:
    res = evaluate(tidy(population("X", {2022: 6.0})), [SHARE], municipalities=TARGET)
    assert res["municipality_id"].tolist() == [TARGET]


def test_expected_number_shifts_the_gap() -> None:
    rule = KpiRule("X", expected=3.0)
    r = one(run([("X", TARGET, 2022, 53.5, 46.5, 50.0)], [rule]))  # gap 7, excess 4
    assert (r["gap"], r["excess_gap"], r["expected"]) == pytest.approx((7.0, 4.0, 3.0))
    assert not r["material"]
    assert "expected:3" in r["reasons"]
    r = one(run([("X", TARGET, 2022, 54.25, 45.75, 50.0)], [rule]))  # excess 5.5
    assert r["material"]


def test_need_compares_with_riket() -> None:
    rule = KpiRule("N", kind="share", direction="need", expected="riket")
    rows = population("N", {2022: 8.0}, riket=6.0)
    r = one(run(rows, [rule]), "N")
    assert (r["riket_gap"], r["expected"], r["excess_gap"]) == pytest.approx((6.0, 6.0, 2.0))
    assert pd.isna(r["disadvantaged"])
    assert not r["material"]
    assert r["expected_source"] == "riket"
    assert "expected:riket=6" in r["reasons"]
    r = one(run(population("N", {2022: 12.5}, riket=6.0), [rule]), "N")
    assert r["material"] and pd.isna(r["disadvantaged"])


def test_riket_missing_makes_riket_expectation_not_computable() -> None:
    rule = KpiRule("N", direction="need", expected="riket")
    r = one(run([("N", TARGET, 2022, 60.0, 40.0, 50.0)], [rule]), "N")
    assert r["level"] == "not_computable"
    assert r["reasons"] == "not_computable:expected_missing"


@pytest.mark.parametrize(
    ("share_of", "value", "material", "disadvantaged"),
    [
        ("M", 38.0, True, "men"),
        ("M", 40.0, False, "men"),
        ("M", 39.9, True, "men"),
        ("M", 60.0, False, "women"),
        ("M", 60.1, True, "women"),
        ("K", 38.0, True, "women"),
        ("K", 50.0, False, None),
    ],
)
def test_share_of_one_sex_band(
    share_of: str, value: float, material: bool, disadvantaged: str | None
) -> None:
    rule = KpiRule("S", kind="share_of_one_sex", direction="parity_target", share_of=share_of)  # type: ignore[arg-type]
    r = one(run([("S", TARGET, 2022, NA, NA, value)], [rule]), "S")
    assert r["gap"] == pytest.approx(value - 50.0)
    assert bool(r["material"]) is material
    assert (r["disadvantaged"] if pd.notna(r["disadvantaged"]) else None) == disadvantaged
    women = value if share_of == "K" else 100 - value
    assert r["ratio"] == pytest.approx(women / (100 - women))
    assert r["relative_gap"] == pytest.approx((value - 50.0) / 50.0)


@pytest.mark.parametrize(
    ("value", "material", "disadvantaged"),
    [(-1500.0, True, "women"), (1000.0, False, "men"), (1000.5, True, "men"), (0.0, False, None)],
)
def test_gap_value_tolerance(value: float, material: bool, disadvantaged: str | None) -> None:
    rule = KpiRule("G", kind="gap_value", direction="parity_target", expected=0.0)
    r = one(run([("G", TARGET, 2022, NA, NA, value)], [rule]), "G")
    assert r["gap"] == value and bool(r["material"]) is material
    assert (r["disadvantaged"] if pd.notna(r["disadvantaged"]) else None) == disadvantaged
    assert np.isnan(r["ratio"]) and np.isnan(r["relative_gap"])


def test_direction_decides_the_disadvantaged_sex() -> None:
    rows = [("X", TARGET, 2022, 40.0, 50.0, 45.0)]
    hi = one(run(rows, [KpiRule("X", direction="higher_is_better")]))
    lo = one(run(rows, [KpiRule("X", direction="lower_is_better")]))
    assert (hi["disadvantaged"], lo["disadvantaged"]) == ("women", "men")


def test_the_result_holds_codes_and_the_callers_words() -> None:
    """The engine writes no language: labels come from kpi_meta, levels stay codes."""
    rows = [("X", TARGET, 2022, 40.0, 50.0, 45.0), ("Y", TARGET, 2022, 40.0, 50.0, 45.0)]
    rules = [KpiRule("X", title="Elever i åk 9"), KpiRule("Y", title="Y")]
    bare = run(rows, rules).set_index("kpi")
    assert (bare["label_women"] == "").all() and (bare["label_men"] == "").all()
    assert bare["kpi_title"].tolist() == ["Elever i åk 9", "Y"]  # the rules' titles
    assert not {"level_label_sv", "level_label_en", "disadvantaged_label"} & set(bare.columns)
    kpi_meta = pd.DataFrame(
        {
            "id": ["X", "Y"],
            "title": ["Elever i åk 9 som är behöriga", None],
            "label_women": ["flickor", None],
            "label_men": ["pojkar", None],
        }
    )
    r = evaluate(tidy(rows), rules, kpi_meta=kpi_meta, municipalities=[TARGET]).set_index("kpi")
    assert r.loc["X", ["label_women", "label_men"]].tolist() == ["flickor", "pojkar"]
    assert r.loc["Y", ["label_women", "label_men"]].tolist() == ["", ""]
    assert r["kpi_title"].tolist() == ["Elever i åk 9 som är behöriga", "Y"]
    assert r.loc["X", "disadvantaged"] == "women"  # a code, whatever the words


def test_rules_none_needs_the_kpi_table() -> None:
    with pytest.raises(TypeError, match="kpi_table"):
        evaluate(tidy(population("X", {2022: 6.0})), None)


# --- pooled evidence -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gaps", "evidence", "years", "level"),
    [
        ({2022: 10.0}, 10.0, 1, "act"),  # one year is evidence too: no persistence wait
        ({2020: 10.0, 2021: 1.0, 2022: 10.0}, 7.0, 3, "act"),  # mean of three
        ({2020: -10.0, 2021: 1.0, 2022: 10.0}, 1 / 3, 3, "info"),  # directions cancel
        ({2019: 10.0, 2020: -10.0, 2021: -9.0, 2022: 10.0}, -3.0, 3, "info"),  # 2019 out
        ({2020: 4.0, 2021: None, 2022: 10.0}, 7.0, 2, "act"),  # missing years are skipped
    ],
)
def test_evidence_pools_the_last_three_years(
    gaps: dict[int, float | None], evidence: float, years: int, level: str
) -> None:
    r = one(run(population("X", gaps), [SHARE]))
    assert r["evidence"] == pytest.approx(evidence)
    assert r["evidence_years"] == years
    assert r["level"] == level
    assert r["material"]  # the current year's 10 pp
    assert not r["repeated"]
    assert f"evidence:{years} obs spread" in r["reasons"]


def test_identical_years_count_once() -> None:
    r = one(run(population("X", {2020: 1.0, 2021: 10.0, 2022: 10.0}), [SHARE]))
    assert r["repeated"]  # 2022 repeats 2021's women, men and total
    assert (r["evidence"], r["evidence_years"]) == (pytest.approx(5.5), 2)
    assert r["reasons"].startswith("material:10pp; evidence:2 obs spread repeat; ")


def test_pool_years_setting() -> None:
    rows = population("X", {2020: 1.0, 2021: 4.0, 2022: 10.0})
    one_year = one(run(rows, [SHARE], Thresholds().replace(**{"reference.pool_years": 1})))
    assert (one_year["evidence"], one_year["evidence_years"]) == (10.0, 1)
    two = one(run(rows, [SHARE], Thresholds().replace(**{"reference.pool_years": 2})))
    assert (two["evidence"], two["evidence_years"]) == (pytest.approx(7.0), 2)
    assert one_year["z_ref"] > two["z_ref"] > 0


def test_pooled_evidence_alone_can_make_a_gap_material() -> None:
    # 3 pp now is below 5 pp (and 25 % of ~51.5); the three-year mean 8 pp is not
    lone = one(run(population("X", {2022: 3.0}), [SHARE]))
    assert not lone["material"] and lone["level"] == "none"
    r = one(run(population("X", {2020: 10.0, 2021: 11.0, 2022: 3.0}), [SHARE]))
    assert r["evidence"] == pytest.approx(8.0)
    assert r["material"] and r["level"] in FLAGS
    assert r["reasons"].startswith("material:3pp")


def test_current_year_must_lie_on_the_same_side() -> None:
    # the others are centred on +3 pp; a kommun far out in 2020–2021 whose 2022 gap
    # is back below the centre has high pooled evidence but is not flagged
    shifted = SPREAD + 3.0
    back = one(run(population("X", {2020: 15.0, 2021: 14.0, 2022: 1.0}, spread=shifted), [SHARE]))
    assert back["z_ref"] >= 3.0 and back["material"]
    assert back["level"] == "info" and not back["credible"]
    still = one(run(population("X", {2020: 15.0, 2021: 14.0, 2022: 5.0}, spread=shifted), [SHARE]))
    assert still["level"] in FLAGS and still["credible"]


def _counts(kpi: str, n: int, mids: Iterable[str], year: int = 2022) -> list[tuple[Any, ...]]:
    return [(kpi, m, year, n, n, NA) for m in mids]


def test_counts_give_newcombe_intervals_and_the_counts_basis() -> None:
    sm = pytest.importorskip("statsmodels.stats.proportion")
    kpis = ["X1", "X2", "X3"]
    rules = [KpiRule(k, kind="share", denominator_kpi="D") for k in kpis]
    gaps = {"X1": 20.0, "X2": 8.0, "X3": 6.0}
    rows: list[tuple[Any, ...]] = []
    for k, g in gaps.items():
        rows += population(k, {2022: g})
    rows += _counts("D", 100, [TARGET, *OTHERS, "0000"])
    res = run(rows, rules).set_index("kpi")
    assert (res["credibility"] == "counts").all()
    for k, g in gaps.items():
        x1, x2 = (50 + g / 2), (50 - g / 2)  # of 100: counts equal percent
        lo, hi = sm.confint_proportions_2indep(x1, 100, x2, 100, method="newcomb")
        assert res.loc[k, "ci_low"] == pytest.approx(lo * 100, abs=1e-8)
        assert res.loc[k, "ci_high"] == pytest.approx(hi * 100, abs=1e-8)
    assert "evidence:1 obs counts" in res.loc["X1", "reasons"]


def test_p_and_q_are_the_funnels_two_sided_p_and_bh_across_the_kommuner() -> None:
    mt = pytest.importorskip("statsmodels.stats.multitest")
    rows = population("X", {2022: 6.0})
    res = evaluate(tidy(rows), [SHARE], year=2022, municipality_meta=META)
    kommuner = res[res["municipality_id"].isin([TARGET, *OTHERS])].reset_index(drop=True)
    z = kommuner["z_ref"].to_numpy(dtype=float)
    p = kommuner["p_value"].to_numpy(dtype=float)
    np.testing.assert_allclose(p, 2 * norm.sf(np.abs(z)), rtol=1e-9)
    q = mt.multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(kommuner["q_value"].to_numpy(dtype=float), q, rtol=1e-9)
    riket = res[res["municipality_id"] == "0000"]
    assert riket["p_value"].isna().all() and riket["q_value"].isna().all()


def test_moe_basis_and_se_from_margins() -> None:
    rule = KpiRule("U", kind="share", moe_kpi="E")
    rows = population("U", {2022: 6.0}) + _counts("E", 3, [TARGET, *OTHERS, "0000"])
    r = one(run(rows, [rule]), "U")
    se = np.sqrt(2) * 3.0 / 1.96
    assert r["credibility"] == "moe"
    assert r["gap_se"] == pytest.approx(se)
    zc = norm.ppf(0.975)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((6.0 - zc * se, 6.0 + zc * se))
    # margins known for the target only: under 80 % of the reference, one spread for all
    rows = population("U", {2022: 6.0}) + [("E", TARGET, 2022, 3.0, 3.0, NA)]
    r2 = one(run(rows, [rule]), "U")
    assert r2["credibility"] == "spread" and r2["gap_se"] == pytest.approx(se)
    assert r2["credibility"] in CREDIBILITY_METHODS


# --- reference and levels --------------------------------------------------------------------


def _z_of(gap: float) -> tuple[float, float, float]:
    """By hand: no size known, 21 kommuner, one bin: a winsorised spread around the median."""
    x = np.r_[SPREAD, gap]
    mu = float(np.median(x))
    dev = np.abs(x - mu)
    s0 = np.median(dev) * 1.482602218505602
    s = float(np.sqrt(np.mean(np.minimum(dev, 2.5 * s0) ** 2) / 0.97755998))
    return (gap - mu) / s, mu, s


def test_z_is_the_funnel_z_among_kommuner() -> None:
    r = one(run(population("X", {2022: 6.0}, riket=40.0), [SHARE], EASY))
    z, mu, s = _z_of(6.0)
    assert r["z_ref"] == pytest.approx(z)
    assert r["reference_median"] == pytest.approx(mu)
    assert r["reference_scale"] == pytest.approx(s)
    assert r["reference_tau"] == pytest.approx(s)  # no size, no counts: all of it is spread
    assert r["credibility"] == "spread"
    assert r["reference_n"] == 21  # Riket is not part of the reference
    assert r["percentile_ref"] == pytest.approx(100.0)
    assert r["p_value"] == pytest.approx(2 * norm.sf(abs(z)))


def test_z_is_oriented_towards_the_disadvantaged_sex() -> None:
    pos = one(run(population("X", {2022: 6.0}), [SHARE], EASY))
    neg = one(run(population("X", {2022: -6.0}), [SHARE], EASY))
    assert pos["z_ref"] == pytest.approx(neg["z_ref"]) and pos["z_ref"] > 0
    assert (pos["disadvantaged"], neg["disadvantaged"]) == ("men", "women")


def test_z_exactly_at_watch_and_act() -> None:
    rows = population("X", {2022: 6.0})
    z0 = one(run(rows, [SHARE], EASY))["z_ref"]

    def at(watch: float, act: float) -> str:
        t = EASY.replace(**{"reference.watch_z": watch, "reference.act_z": act})
        return str(one(run(rows, [SHARE], t))["level"])

    assert at(z0, z0 + 1) == "watch"
    assert at(z0 + 1e-6, z0 + 1) == "info"
    assert at(z0 - 1, z0) == "act"
    assert at(z0 - 1, z0 + 1e-6) == "watch"


def test_watch_year_after_year_is_not_escalated() -> None:
    # z about 2.6–2.7 every year: watch (at watch_z 2.5), never act however long it lasts
    t = EASY.replace(**{"materiality.share_pp": 3.0, "reference.watch_z": 2.5})
    gaps = {2017: 4.0, 2018: 4.1, 2019: 4.0, 2020: 4.1, 2021: 4.0, 2022: 4.1}
    rows = population("X", gaps)
    for year in (2019, 2020, 2021, 2022):
        r = one(run(rows, [SHARE], t, year=year))
        assert 2.5 <= r["z_ref"] < 3.0, year
        assert r["level"] == "watch", year
        assert "escalated" not in r["reasons"]
    assert not {"watch_years", "persistence_hits", "persistence_years"} & set(RESULT_COLUMNS)


def test_act_needs_the_bh_q_value_too() -> None:
    rows = population("X", {2022: 6.0})
    r = one(run(rows, [SHARE]))
    assert r["z_ref"] >= 3.0 and r["q_value"] <= 0.05 and r["level"] == "act"
    strict = Thresholds().replace(**{"reference.act_fdr_q": r["q_value"] / 2})
    r2 = one(run(rows, [SHARE], strict))
    assert (r2["z_ref"], r2["q_value"]) == pytest.approx((r["z_ref"], r["q_value"]))
    assert r2["level"] == "watch"
    exact = Thresholds().replace(**{"reference.act_fdr_q": r["q_value"]})
    assert one(run(rows, [SHARE], exact))["level"] == "act"


def test_riket_expectation_never_flags_the_sex_least_behind() -> None:
    # women are 8 pp behind nationally (6–10 pp in the other kommuner); a kommun where
    # they are less behind than anywhere else has a large excess gap "towards men",
    # but must not be flagged, least of all with women as the disadvantaged sex
    rule = KpiRule("X", kind="share", direction="higher_is_better", expected="riket")
    for gap in (-5.0, -3.0, -1.0, -0.1):
        r = one(run(population("X", {2022: gap}, riket=-8.0, spread=SPREAD - 8.0), [rule]))
        assert r["excess_gap"] == pytest.approx(gap + 8.0)
        assert r["disadvantaged"] == "women"
        assert r["z_ref"] < 0, gap
        assert r["level"] not in FLAGS, gap
    worst = one(run(population("X", {2022: -16.0}, riket=-8.0, spread=SPREAD - 8.0), [rule]))
    assert worst["disadvantaged"] == "women" and worst["level"] in FLAGS


def test_provisional_rule_reaches_info_at_most() -> None:
    rows = population("X", {2021: 12.0, 2022: 12.0})
    full = one(run(rows, [SHARE]))
    assert full["level"] == "act"
    guessed = one(run(rows, [KpiRule("X", kind="share", provisional=True)]))
    assert guessed["z_ref"] == pytest.approx(full["z_ref"])
    assert guessed["level"] == "info"
    assert guessed["reasons"].endswith("; no_rule")
    # a KPI in neither the KPI table nor the plan gets a provisional rule
    res = evaluate(
        tidy(population("Q12345", {2022: 12.0})),
        None,
        year=2022,
        municipalities=[TARGET],
        municipality_meta=META,
        kpi_table=kpi_table(),
    )
    r = one(res, "Q12345")
    assert r["material"] and r["z_ref"] >= 3.0
    assert r["level"] == "info" and r["reasons"].split("; ")[-1] == "no_rule"


def _amounts(target: tuple[float, float]) -> list[tuple[Any, ...]]:
    """Men's pay 25–35 tkr in 20 kommuner, women 16–20 % behind; the target as (men, ratio)."""
    rows: list[tuple[Any, ...]] = []
    ratios = np.linspace(0.80, 0.84, 20)
    levels = np.linspace(25_000.0, 35_000.0, 20)[::-1]
    for m, lvl, q in zip(OTHERS, levels, ratios, strict=True):
        rows.append(("A", m, 2022, lvl * q, lvl, NA))
    men, ratio = target
    rows.append(("A", TARGET, 2022, men * ratio, men, NA))
    return rows


def test_amounts_are_judged_relative_not_by_their_level() -> None:
    rule = KpiRule("A", kind="amount", direction="higher_is_better")
    rich = one(run(_amounts((70_000.0, 0.82)), [rule]), "A")
    assert rich["gap"] == pytest.approx(-12_600.0)  # twice anyone else's gap in kr
    assert rich["material"] and rich["disadvantaged"] == "women"
    assert abs(rich["z_ref"]) < 1.0
    assert rich["level"] == "info"
    behind = one(run(_amounts((30_000.0, 0.70)), [rule]), "A")
    assert behind["z_ref"] >= 3.0 and behind["level"] in FLAGS


def test_repeated_values_count_as_one_observation() -> None:
    """Each value repeated for 4 years judges as the series with one year per value."""
    rng = np.random.default_rng(7)
    kommuner = [TARGET, *[str(2001 + i) for i in range(39)]]
    starts = [2010, 2014, 2018, 2022]
    meta = pd.DataFrame({"id": kommuner, "title": kommuner, "type": ["K"] * 40})
    full: list[tuple[Any, ...]] = []
    distinct: list[tuple[Any, ...]] = []
    for i, mid in enumerate(kommuner):
        pop = float(rng.integers(3_000, 200_000))
        full.append(("N01951", mid, 2022, NA, NA, pop))
        distinct.append(("N01951", mid, 2022, NA, NA, pop))
        for start in starts:
            target_gap = {2010: 1.0, 2014: 2.0, 2018: 8.0, 2022: 9.0}[start]  # all distinct
            g = target_gap if i == 0 else float(rng.normal(0.0, 2.0))
            vals = (round(50 + g / 2, 1), round(50 - g / 2, 1), 50.0)
            distinct.append(("X", mid, start, *vals))
            full += [("X", mid, y, *vals) for y in range(start, min(start + 4, 2023))]
    rules = [SHARE]
    cols = ["level", "z_ref", "p_value", "q_value", "evidence", "evidence_years", "material"]
    cols += ["reference_median", "reference_scale", "credibility", "disadvantaged"]
    for pool in (3, 5):
        t = Thresholds().replace(**{"reference.pool_years": pool})
        a = evaluate(tidy(full), rules, t, year=2022, municipality_meta=meta)
        b = evaluate(tidy(distinct), rules, t, year=2022, municipality_meta=meta)
        a = a[a["kpi"] == "X"].reset_index(drop=True)
        b = b[b["kpi"] == "X"].reset_index(drop=True)
        assert len(a) == len(b) == 40
        pd.testing.assert_frame_equal(a[cols], b[cols], check_dtype=False)
        target = a.set_index("municipality_id").loc[TARGET]
        assert target["evidence_years"] == (1 if pool == 3 else 2)
        assert target["level"] in FLAGS
        assert not b["repeated"].any()
    res21 = evaluate(tidy(full), rules, year=2021, municipalities=[TARGET], municipality_meta=meta)
    assert res21["repeated"].all()


def test_fewer_than_min_n_in_the_reference_gives_no_z() -> None:
    rows = population("X", {2022: 6.0}, spread=SPREAD[:5])
    r = one(run(rows, [SHARE], EASY))
    assert np.isnan(r["z_ref"]) and r["level"] == "info"


def test_peers_median_and_expected_peers() -> None:
    peers = {TARGET: OTHERS[-3:]}  # gaps 1.58, 1.79, 2.0
    rule = KpiRule("X", expected="peers")
    r = one(run(population("X", {2022: 8.0}), [rule], peers=peers))
    assert r["peer_median_gap"] == pytest.approx(SPREAD[-2])
    assert r["peer_n"] == 3
    assert r["excess_gap"] == pytest.approx(8.0 - SPREAD[-2])
    r = one(run(population("X", {2022: 8.0}), [rule]))
    assert r["level"] == "not_computable"  # no peers given


def test_unknown_kpi_gets_need_with_reason() -> None:
    rows = [("Q12345", TARGET, 2022, 60.0, 40.0, 50.0)]
    res = evaluate(tidy(rows), None, year=2022, municipality_meta=META, kpi_table=kpi_table())
    r = one(res, "Q12345")
    assert r["direction"] == "need" and r["kind"] == "amount"
    assert pd.isna(r["disadvantaged"])


def test_errors_for_unknown_municipality_and_year() -> None:
    rows = population("X", {2022: 6.0})
    with pytest.raises(UnknownIdError, match="9999"):
        evaluate(tidy(rows), [SHARE], municipalities=["9999"], municipality_meta=META)
    with pytest.raises(InvalidYearsError, match="no values for 2030"):
        evaluate(tidy(rows), [SHARE], year=2030)


# --- the real sample ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    from koladagap.kolada.sample import sample_municipalities, sample_values

    return sample_values(), sample_municipalities()


def test_stockholm_2022(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    v, mm = sample
    res = evaluate(
        v, None, year=2022, municipalities=["0180"], municipality_meta=mm, kpi_table=kpi_table()
    )
    assert len(res) == 17  # N00713 and N00914 end in 2021
    r = res.set_index("kpi")
    assert r.loc["N00906", "gap"] == -46800.0
    assert r.loc["N00906", "disadvantaged"] == "women"
    assert r.loc["N00906", "level"] == "info"
    assert r.loc["N01951", "level"] == "excluded"
    assert r.loc["N17461", "disadvantaged"] == "men"
    assert r.loc["N00945", "kind"] == "share_of_one_sex"
    assert r.loc["N00945", "gap"] == pytest.approx(r.loc["N00945", "total"] - 50)
    assert set(res["level"]) <= {"none", "info", "watch", "act", "excluded", "not_computable"}
    assert (res["municipality"] == "Stockholm").all()


def test_national_screen_equals_single_municipality(
    sample: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    v, mm = sample
    kt = kpi_table()
    everyone = evaluate(v, None, year=2022, municipality_meta=mm, kpi_table=kt)
    assert everyone["municipality_id"].nunique() == 312
    for mid in ("0180", "2584", "0001"):
        single = evaluate(
            v, None, year=2022, municipalities=[mid], municipality_meta=mm, kpi_table=kt
        )
        part = everyone[everyone["municipality_id"] == mid].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, single)
    all_years = evaluate(
        v, None, municipalities=["0180", "2584"], municipality_meta=mm, kpi_table=kt
    )
    sub = everyone[everyone["municipality_id"].isin(["0180", "2584"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        all_years[all_years["period"] == 2022].reset_index(drop=True), sub
    )
    assert everyone["level"].isin(["watch", "act"]).sum() > 0
    assert (everyone.loc[everyone["municipality_id"] == "0000", "z_ref"].isna()).all()
    # every material, judged row with a z says so in its reasons (an undefined
    # percentile at the median no longer hides it)
    judged = everyone["level"].isin(["info", "watch", "act"]) & everyone["material"].astype(bool)
    with_z = judged & np.isfinite(everyone["z_ref"].astype(float))
    assert with_z.sum() > 0
    assert everyone.loc[with_z, "reasons"].str.contains("reference:z=", regex=False).all()


def test_reference_reason_keeps_z_when_the_percentile_is_undefined() -> None:
    """A municipality exactly at the median: z = 0, no oriented percentile, q = 1."""
    from koladagap.render.explain import reason_codes

    rows = population("X", {2020: 6.0, 2021: 6.0, 2022: 6.0}, spread=6.0 + SPREAD)
    r = one(run(rows, [SHARE]))
    assert r["level"] == "info" and r["z_ref"] == 0.0 and np.isnan(r["percentile_ref"])
    assert r["reasons"].endswith("; reference:z=0 q=1")
    codes = reason_codes([r["reasons"]]).iloc[0]
    assert (codes["z"], codes["q"]) == (0.0, 1.0) and np.isnan(codes["percentile"])
    assert not codes["no_reference"]


def test_evaluation_of_a_kept_run_is_the_evaluate_frame() -> None:
    from koladagap.engine import evaluation, run_engine

    rows = population("X", {2021: 6.0, 2022: 7.0})
    kw: dict[str, Any] = {"year": 2022, "municipalities": [TARGET], "municipality_meta": META}
    engine_run = run_engine(tidy(rows), [SHARE], EASY, **kw)
    frame = evaluation(engine_run, META)
    pd.testing.assert_frame_equal(frame, evaluate(tidy(rows), [SHARE], EASY, **kw))
    assert frame["municipality"].tolist() == ["Målkommun"]
    engine_run.rows["output"][:] = False  # nothing asked for: the empty frame
    empty = evaluation(engine_run)
    assert list(empty.columns) == RESULT_COLUMNS and len(empty) == 0


def test_level_names_moved_to_render_with_a_warning() -> None:
    """The old engine names of the levels still work for one release, and warn."""
    import koladagap.engine
    import koladagap.engine.levels
    from koladagap.render.i18n import LEVEL_LABELS, level_labels

    with pytest.warns(DeprecationWarning, match=r"render\.i18n"):
        assert LEVEL_LABELS["sv"] == koladagap.engine.LEVEL_LABELS_SV
    with pytest.warns(DeprecationWarning, match="LEVEL_LABELS"):
        assert LEVEL_LABELS["en"] == koladagap.engine.levels.LEVEL_LABELS_EN
    with pytest.warns(DeprecationWarning, match="level_labels"):
        assert koladagap.engine.level_labels("en") == level_labels("en")
    with pytest.raises(AttributeError, match="no_such_name"):
        koladagap.engine.no_such_name  # noqa: B018
