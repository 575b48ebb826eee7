"""The statistics against independent implementations (statsmodels, scipy)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import median_abs_deviation, norm

from koladagap.engine.credibility import (
    bh_qvalues,
    moe_se,
    newcombe_interval,
    newcombe_pvalue,
    wilson_interval,
    z_critical,
)
from koladagap.engine.panel import trailing_counts
from koladagap.engine.reference import MAD_SCALE, oriented_percentile, robust_z

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


def test_newcombe_pvalue_inverts_the_interval() -> None:
    x1, n1, x2, n2 = (np.array(c, dtype=float) for c in zip(*CASES, strict=True))
    p1, p2 = x1 / n1, x2 / n2
    p = newcombe_pvalue(p1, n1, p2, n2, np.zeros(len(CASES)))
    assert p[-1] == 1.0  # no difference at all
    for j in range(len(CASES) - 1):
        lo, hi = newcombe_interval(
            p1[j : j + 1], n1[j : j + 1], p2[j : j + 1], n2[j : j + 1], norm.isf(p[j] / 2)
        )
        edge = lo[0] if p1[j] > p2[j] else hi[0]
        assert edge == pytest.approx(0.0, abs=1e-9)  # the (1 − p) interval touches 0
    lo95, hi95 = newcombe_interval(p1, n1, p2, n2)
    excludes = (lo95 > 0) | (hi95 < 0)
    assert ((p <= 0.05) == excludes).all()


def test_pvalue_against_a_shifted_expectation() -> None:
    p_zero = newcombe_pvalue(
        np.array([0.6]), np.array([200.0]), np.array([0.4]), np.array([200.0]), np.array([0.0])
    )
    p_shift = newcombe_pvalue(
        np.array([0.6]), np.array([200.0]), np.array([0.4]), np.array([200.0]), np.array([0.15])
    )
    assert p_zero[0] < 0.001 < p_shift[0]


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


def test_robust_z_matches_scipy_mad() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(2, 5, 57)
    x[[4, 9]] = np.nan
    g = np.repeat([0, 1, 2], 19).astype(np.int64)
    z, med, scale, n = robust_z(x, g, min_n=10)
    for k in range(3):
        v = x[g == k]
        v = v[~np.isnan(v)]
        m = np.median(v)
        s = median_abs_deviation(v, scale="normal")
        sel = (g == k) & ~np.isnan(x)
        np.testing.assert_allclose(med[sel], m)
        np.testing.assert_allclose(scale[sel], s)
        np.testing.assert_allclose(z[sel], (x[sel] - m) / s)
        assert (n[sel] == len(v)).all()
    assert np.isnan(z[[4, 9]]).all()
    assert pytest.approx(1 / norm.ppf(0.75)) == MAD_SCALE


def test_robust_z_needs_spread_and_size() -> None:
    z, *_ = robust_z(np.array([1.0, 1.0, 1.0, 5.0]), np.zeros(4, dtype=np.int64), min_n=3)
    assert np.isnan(z).all()  # MAD 0: no scale, no z
    z, *_ = robust_z(np.array([1.0, 2.0, 3.0]), np.zeros(3, dtype=np.int64), min_n=4)
    assert np.isnan(z).all()


def test_oriented_percentile() -> None:
    x = np.array([-3.0, -1.0, 0.0, 1.0, 2.0, np.nan])
    pct = oriented_percentile(x, np.zeros(6, dtype=np.int64))
    assert pct[4] == pytest.approx(100.0)  # no one further in the positive direction
    assert pct[0] == pytest.approx(100.0)  # nor in the negative one
    assert pct[3] == pytest.approx(80.0)
    assert np.isnan(pct[2]) and np.isnan(pct[5])


def test_trailing_counts_windows_per_group() -> None:
    group = np.array([0, 0, 0, 0, 1, 1], dtype=np.int64)
    eligible = np.array([True, True, False, True, True, True])
    flag = np.array([True, False, True, True, True, True])
    width = np.full(6, 3)

    def make_hit(idx: np.ndarray):  # type: ignore[no-untyped-def]
        f = flag[idx]
        return lambda prev, cur: f[prev]

    avail, hits = trailing_counts(group, eligible, width, make_hit)
    assert avail.tolist() == [1, 2, 0, 3, 1, 2]
    assert hits.tolist() == [1, 1, 0, 2, 1, 2]
