"""Thresholds and KPI rules: defaults, overrides, validation."""

from __future__ import annotations

import pytest

from koladagap.engine.thresholds import (
    Credibility,
    FollowUp,
    KpiRule,
    Materiality,
    Reference,
    Thresholds,
)
from koladagap.errors import ConfigError


def test_defaults_are_the_methods() -> None:
    t = Thresholds()
    assert t.materiality == Materiality(5.0, 0.25, 1.0, 0.10, (40.0, 60.0), 1000.0)
    assert (t.materiality.share_relative, t.materiality.share_min_pp) == (0.25, 1.0)
    assert t.credibility == Credibility(0.05, 10)
    r = t.reference
    assert (r.watch_z, r.act_z, r.act_fdr_q, r.pool_years, r.min_n) == (2.75, 3.0, 0.05, 3, 10)
    f = t.followup
    assert (f.min_change_pp, f.min_change_relative, f.z, f.noise_quantile) == (2.0, 0.05, 1.96, 0.9)
    assert f.baseline_fraction == pytest.approx(1 / 3)
    assert f.mean_years == 3
    t.validate()


def test_replace_dotted_and_double_underscore() -> None:
    t = Thresholds().replace(**{"materiality.share_pp": 3, "reference.act_z": 3.5})
    assert t.materiality.share_pp == 3.0
    assert isinstance(t.materiality.share_pp, float)
    assert t.reference.act_z == 3.5
    t2 = Thresholds().replace(reference__pool_years=4, materiality__share_min_pp=2)
    assert (t2.reference.pool_years, t2.materiality.share_min_pp) == (4, 2.0)
    assert isinstance(t2.reference.pool_years, int)
    assert Thresholds().materiality.share_pp == 5.0  # frozen: the original is unchanged


def test_replace_whole_section() -> None:
    t = Thresholds().replace(followup={"z": 2.5, "mean_years": 2})
    assert (t.followup.z, t.followup.mean_years, t.followup.min_change_pp) == (2.5, 2, 2.0)
    t2 = Thresholds().replace(reference=Reference(watch_z=1.5, act_z=2.5))
    assert t2.reference.watch_z == 1.5


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("materiality.share_pp", 0, "materiality.share_pp: must be > 0.0"),
        ("materiality.share_pp", "5", "expected a number"),
        ("materiality.relative", -0.1, "materiality.relative"),
        ("materiality.one_sex_band", [55, 60], "0 <= low < 50 < high <= 100"),
        ("materiality.one_sex_band", [40], "two numbers"),
        ("credibility.alpha", 0.9, "<= 0.5"),
        ("materiality.share_relative", 0, "materiality.share_relative: must be > 0.0"),
        ("materiality.share_min_pp", -1, "materiality.share_min_pp: must be >= 0.0"),
        ("credibility.min_n", True, "whole number"),
        ("reference.act_z", 1.5, "greater than reference.watch_z (2.75)"),
        ("reference.act_z", 2.75, "greater than reference.watch_z (2.75)"),
        ("reference.act_fdr_q", 0, "reference.act_fdr_q: must be > 0.0"),
        ("reference.act_fdr_q", 1.5, "<= 1.0"),
        ("reference.pool_years", 0, "between 1 and 20"),
        ("reference.pool_years", 2.5, "whole number"),
        ("followup.noise_quantile", 0, "followup.noise_quantile"),
        ("followup.baseline_fraction", 2, "<= 1.0"),
    ],
)
def test_validation_names_key_and_range(key: str, value: object, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        Thresholds().replace(**{key: value})
    assert words in str(info.value)
    assert info.value.key == key


@pytest.mark.parametrize(
    ("key", "replacement"),
    [
        ("credibility.fdr_q", "reference.act_fdr_q"),
        ("credibility.persistence_years", "reference.pool_years"),
        ("credibility.persistence_hits", "reference.pool_years"),
        ("reference.act_watch_years", "reference.pool_years"),
        ("reference.act_watch_hits", "reference.pool_years"),
        ("followup.far_apart_years", "pooled evidence of both ends"),
    ],
)
def test_removed_keys_say_no_longer_used(key: str, replacement: str) -> None:
    section, _, name = key.partition(".")
    attempts = [
        lambda: Thresholds().replace(**{key: 2}),
        lambda: Thresholds().replace(**{key.replace(".", "__"): 2}),
        lambda: Thresholds().replace(**{section: {name: 2}}),
        lambda: Thresholds.from_dict({section: {name: 2}}),
    ]
    for attempt in attempts:
        with pytest.raises(ConfigError) as info:
            attempt()
        assert info.value.key == key
        assert "no longer used" in str(info.value)
        assert replacement in str(info.value)
        assert "delete the line" in str(info.value)
    # the removed settings are gone from the dataclasses and the annex
    t = Thresholds()
    assert not hasattr(getattr(t, section), name)
    assert key not in t.to_dict_flat()


def test_unknown_keys_list_the_accepted_ones() -> None:
    with pytest.raises(
        ConfigError, match="accepted: share_pp, share_relative, share_min_pp, relative"
    ) as info:
        Thresholds().replace(**{"materiality.share": 3})
    assert info.value.key == "materiality.share"
    with pytest.raises(ConfigError, match="accepted: materiality, credibility"):
        Thresholds().replace(**{"levels.watch": 3})
    with pytest.raises(ConfigError, match="unknown threshold"):
        Thresholds().replace(followup={"zz": 1})


def test_dict_round_trip() -> None:
    t = Thresholds().replace(**{"materiality.one_sex_band": (35, 65), "followup.z": 2.0})
    d = t.to_dict()
    assert d["materiality"]["one_sex_band"] == [35.0, 65.0]
    assert Thresholds.from_dict(d) == t
    flat = t.to_dict_flat()
    assert flat["reference.act_fdr_q"] == 0.05
    assert flat["reference.pool_years"] == 3
    assert flat["materiality.share_relative"] == 0.25
    assert set(d["credibility"]) == {"alpha", "min_n"}
    t3 = t.replace(**{"reference.pool_years": 5, "reference.act_fdr_q": 0.01})
    assert Thresholds.from_dict(t3.to_dict()) == t3
    with pytest.raises(ConfigError, match="table of settings"):
        Thresholds.from_dict({"materiality": 5})


def test_followup_defaults_named() -> None:
    assert FollowUp().baseline_fraction == pytest.approx(0.3333333)


def test_kpi_rule_validation() -> None:
    KpiRule("N00945", kind="share_of_one_sex", direction="parity_target", share_of="M").validate()
    KpiRule("N21704", kind="share", direction="need", expected="riket").validate()
    bad = [
        (KpiRule("X", kind="percent"), "kpis.X.kind"),  # type: ignore[arg-type]
        (KpiRule("X", direction="up"), "kpis.X.direction"),  # type: ignore[arg-type]
        (KpiRule("X", expected="sweden"), "kpis.X.expected"),  # type: ignore[arg-type]
        (KpiRule("X", kind="share_of_one_sex"), "kpis.X.share_of"),
        (KpiRule("X", target_year=1800), "kpis.X.target_year"),
        (KpiRule("X", target_gap="0"), "kpis.X.target_gap"),  # type: ignore[arg-type]
    ]
    for rule, key in bad:
        with pytest.raises(ConfigError) as info:
            rule.validate()
        assert info.value.key == key
    r = KpiRule("X", expected=2.5)
    assert (r.expected_source, r.expected_number) == ("number", 2.5)
    assert KpiRule("X", expected="peers").expected_number == 0.0
