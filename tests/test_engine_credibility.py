"""The statistics against independent implementations (statsmodels, scipy)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import median_abs_deviation, norm

from koladagap.engine.credibility import (
    bh_qvalues,
    moe_se,
    newcombe_interval,
    wilson_interval,
    z_critical,
)
from koladagap.engine.funnel import funnel
from koladagap.engine.reference import MAD_SCALE, oriented_percentile

CASES = [  # (x1, n1, x2, n2)
    (30, 50, 20, 50),
    (1, 12, 9, 14),
    (0, 25, 3, 30),
    (40, 40, 35, 41),
    (512, 1000, 468, 990),
    (7, 10, 7, 10),
]


def test_newcombe_matches_statsmodels() -> None:
    sm = pytest.importorskip("statsmodels.stats.proportion")
    x1, n1, x2, n2 = (np.array(c, dtype=float) for c in zip(*CASES, strict=True))
    for alpha in (0.05, 0.10, 0.01):
        lo, hi = newcombe_interval(x1 / n1, n1, x2 / n2, n2, z_critical(alpha))
        for j, (a, b, c, d) in enumerate(CASES):
            ref = sm.confint_proportions_2indep(a, b, c, d, method="newcomb", alpha=alpha)
            assert lo[j] == pytest.approx(ref[0], abs=1e-10)
            assert hi[j] == pytest.approx(ref[1], abs=1e-10)


def test_wilson_matches_statsmodels() -> None:
    sm = pytest.importorskip("statsmodels.stats.proportion")
    lo, hi = wilson_interval(np.array([0.3, 0.0, 1.0]), np.array([50.0, 20.0, 8.0]), 1.959964)
    for j, (x, n) in enumerate([(15, 50), (0, 20), (8, 8)]):
        ref = sm.proportion_confint(x, n, alpha=0.05, method="wilson")
        assert lo[j] == pytest.approx(ref[0], abs=1e-6)
        assert hi[j] == pytest.approx(ref[1], abs=1e-6)


def test_bh_matches_statsmodels_per_family() -> None:
    mt = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(7)
    p = rng.random(60) ** 2
    p[[3, 17, 40]] = np.nan
    fam = rng.integers(0, 4, 60)
    q = bh_qvalues(p, fam)
    assert np.isnan(q[[3, 17, 40]]).all()
    for f in range(4):
        sel = (fam == f) & ~np.isnan(p)
        ref = mt.multipletests(p[sel], method="fdr_bh")[1]
        np.testing.assert_allclose(q[sel], ref, rtol=1e-12)


def test_bh_with_ties_and_tiny_values() -> None:
    mt = pytest.importorskip("statsmodels.stats.multitest")
    p = np.array([1e-30, 0.01, 0.01, 0.04, 0.5, 1.0])
    np.testing.assert_allclose(
        bh_qvalues(p, np.zeros(6, dtype=np.int64)),
        mt.multipletests(p, method="fdr_bh")[1],
        rtol=1e-12,
    )


def test_moe_se_uses_moe_over_196() -> None:
    assert moe_se(np.array([1.96]), np.array([0.0]))[0] == pytest.approx(1.0)
    assert moe_se(np.array([3.92]), np.array([3.92]))[0] == pytest.approx(np.sqrt(8.0))


def _pop(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.exp(rng.uniform(np.log(2_500), np.log(1_000_000), n))


def test_mad_scale_is_scipys() -> None:
    assert pytest.approx(1 / norm.ppf(0.75)) == MAD_SCALE
    x = np.random.default_rng(1).normal(0, 3, 101)
    d = np.median(np.abs(x - np.median(x)))
    assert d * MAD_SCALE == pytest.approx(median_abs_deviation(x, scale="normal"))


def test_funnel_z_is_standard_normal_in_every_size_band_under_chance() -> None:
    """Pure chance whose spread shrinks with size: z has the same spread small and large."""
    zs = []
    for seed in range(6):
        pop = _pop(290, seed)
        y = np.random.default_rng(100 + seed).normal(4.0, np.sqrt(5e5 / pop + 0.5))
        fit = funnel(
            y,
            np.full(290, np.nan),
            1 / pop,
            np.zeros(290, dtype=np.int64),
            min_n=10,
            floor=np.zeros(290),
        )
        order = np.argsort(pop)
        zs.append(fit["z"][order].reshape(5, 58))
    z = np.concatenate(zs, axis=1)
    sd = z.std(axis=1)
    assert np.all(np.abs(sd - 1.0) < 0.15), sd  # small and large kommuner alike
    assert np.mean(np.abs(z) >= 3) < 0.01


def test_funnel_uses_known_variances_and_a_few_outliers_do_not_widen_it() -> None:
    rng = np.random.default_rng(7)
    v = rng.uniform(1.0, 30.0, 290)
    y = rng.normal(0.0, np.sqrt(v))
    y[:5] += 60.0  # five really unusual
    fit = funnel(
        y, v, np.full(290, np.nan), np.zeros(290, dtype=np.int64), min_n=10, floor=np.zeros(290)
    )
    assert (fit["basis"] == 1).all()
    assert (fit["z"][:5] > 5).all()
    assert np.abs(fit["z"][5:]).std() < 1.2
    assert fit["tau"][0] < 1.0  # the outliers are not taken for real spread


def test_funnel_identical_values_and_floor() -> None:
    """Most municipalities without a gap (MAD 0): the mean deviation and the floor hold z."""
    y = np.zeros(60)
    y[0] = 0.3
    fit = funnel(
        y,
        np.full(60, np.nan),
        np.full(60, np.nan),
        np.zeros(60, dtype=np.int64),
        min_n=10,
        floor=np.full(60, 0.5),
    )
    assert np.isfinite(fit["z"][0]) and fit["z"][0] <= 0.3 / 0.5 + 1e-9
    few = funnel(
        np.arange(5.0),
        np.full(5, np.nan),
        np.full(5, np.nan),
        np.zeros(5, dtype=np.int64),
        min_n=10,
        floor=np.zeros(5),
    )
    assert np.isnan(few["z"]).all()  # too few to compare


def test_oriented_percentile() -> None:
    x = np.array([-3.0, -1.0, 0.0, 1.0, 2.0, np.nan])
    pct = oriented_percentile(x, np.zeros(6, dtype=np.int64))
    assert pct[4] == pytest.approx(100.0)  # no one further in the positive direction
    assert pct[0] == pytest.approx(100.0)  # nor in the negative one
    assert pct[3] == pytest.approx(80.0)
    assert np.isnan(pct[2]) and np.isnan(pct[5])
