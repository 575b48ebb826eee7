"""Baseline → follow-up: changes, flag movements, targets, and saved sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from koladagap.benchmarking.kpi_table import kpi_table
from koladagap.benchmarking.meetings import list_meetings as list_sessions
from koladagap.benchmarking.meetings import load_meeting as load_session
from koladagap.benchmarking.meetings import save_meeting as save_session
from koladagap.engine import (
    COMPARE_COLUMNS,
    KpiRule,
    Thresholds,
    compare,
    evaluate,
    flag_movement,
)
from koladagap.errors import CorruptCacheError, InputError
from koladagap.kolada.schema import normalise_data_frame

TARGET = "1000"
OTHERS = [str(1001 + i) for i in range(20)]
META = pd.DataFrame({"id": [TARGET, *OTHERS], "title": ["Mål", *OTHERS], "type": ["K"] * 21})
YEARS = range(2015, 2023)


def tidy(gaps: dict[tuple[str, str, int], float | None]) -> pd.DataFrame:
    recs = []
    for (kpi, mid, year), gap in gaps.items():
        k, m = (np.nan, 50.0) if gap is None else (50 + gap / 2, 50 - gap / 2)
        for g, v in (("K", k), ("M", m), ("T", 50.0)):
            recs.append(
                {"kpi": kpi, "municipality_id": mid, "period": year, "gender": g, "value": v}
            )
    return normalise_data_frame(pd.DataFrame.from_records(recs))


def series(
    kpi: str, target: dict[int, float | None], other: float = 1.0, wobble: float = 0.0
) -> dict[tuple[str, str, int], float | None]:
    """Target gaps by year; the others steady at ``other`` (± ``wobble`` alternating by year)."""
    out: dict[tuple[str, str, int], float | None] = {}
    for y in YEARS:
        for i, m in enumerate(OTHERS):
            out[(kpi, m, y)] = other + (i % 5) * 0.1 + wobble * (-1) ** (y + i)
        if y in target:
            out[(kpi, TARGET, y)] = target[y]
    return out


def both(values: pd.DataFrame, rules: list[KpiRule], yb: int, yf: int, **kw: Any) -> pd.DataFrame:
    ev = {"municipalities": [TARGET], "municipality_meta": META}
    b = evaluate(values, rules, kw.get("thresholds"), year=yb, **ev)
    f = evaluate(values, rules, kw.get("thresholds"), year=yf, **ev)
    return compare(b, f, values, kw.get("thresholds"), rules=rules, municipality_meta=META)


def test_flag_movement_vocabulary() -> None:
    b = pd.Series(["none", "info", "watch", "watch", "act", "act", "watch", "act", "none", None])
    f = pd.Series(
        ["watch", "act", "watch", "act", "watch", "none", "info", "excluded", "info", "act"]
    )
    assert flag_movement(b, f).tolist() == [
        "new",
        "new",
        "persisting",
        "escalated",
        "de-escalated",
        "resolved",
        "resolved",
        "not_assessable",
        "none",
        "new",
    ]


def test_flag_movement_needs_a_real_change() -> None:
    b = pd.Series(["none", "info", "act", "watch", "watch", "act", "watch"])
    f = pd.Series(["watch", "act", "info", "none", "watch", "watch", "not_computable"])
    ch = pd.Series(
        ["worsened", "unchanged", "improved", "unchanged", "improved", "worsened", "unchanged"]
    )
    assert flag_movement(b, f, ch).tolist() == [
        "new",
        "flagged_unchanged",
        "resolved",
        "below_threshold",
        "persisting",
        "de-escalated",
        "not_assessable",
    ]
    # an improvement does not make a new flag "new", nor a worsening a drop "resolved"
    assert flag_movement(
        pd.Series(["none"]), pd.Series(["act"]), pd.Series(["improved"])
    ).tolist() == ["flagged_unchanged"]
    assert flag_movement(
        pd.Series(["act"]), pd.Series(["none"]), pd.Series(["worsened"])
    ).tolist() == ["below_threshold"]


def stable_others(kpi: str, target: dict[int, float]) -> dict[tuple[str, str, int], float | None]:
    """The others differ from each other (0–7.2 pp) but steadily; the target as given."""
    out: dict[tuple[str, str, int], float | None] = {}
    for y in YEARS:
        for i, m in enumerate(OTHERS):
            out[(kpi, m, y)] = 1.0 + (i % 7) * 1.2
        if y in target:
            out[(kpi, TARGET, y)] = target[y]
    return out


def test_widened_material_gap_raises_info_to_watch() -> None:
    # others differ steadily, so 5.5 pp is usual among them (info), but the target's
    # own gap jumped from 0.5 to 5.5 pp: far beyond its chance, as clear as a flag
    values = tidy(stable_others("X", {y: (0.5 if y < 2022 else 5.5) for y in YEARS}))
    c = both(values, [KpiRule("X")], 2021, 2022).iloc[0]
    assert list(c.index) == COMPARE_COLUMNS
    assert (c["compared_on"], c["pool_years"]) == ("pooled_years", 3)
    assert (c["baseline_years_used"], c["followup_years_used"]) == (1, 1)  # copies count once
    assert (c["evidence_baseline"], c["evidence_followup"]) == pytest.approx((0.5, 5.5))
    assert c["delta"] == pytest.approx(5.0)
    assert np.isfinite(c["z_change"]) and c["z_change"] >= 2.75 and c["z_expected"] >= 2.75
    assert c["change"] == "worsened"
    assert (c["level_followup_raw"], c["level_followup"]) == ("info", "watch")
    assert c["flag_movement"] == "new"
    assert "widened:raised" in c["reasons"].split("; ")


def test_widened_but_not_material_is_not_raised() -> None:
    # 0.5 → 4.5 pp is a clear widening, but 4.5 pp is not a material gap: no flag
    values = tidy(stable_others("X", {y: (0.5 if y < 2022 else 4.5) for y in YEARS}))
    c = both(values, [KpiRule("X")], 2021, 2022).iloc[0]
    assert c["change"] == "worsened"
    assert (c["level_followup_raw"], c["level_followup"]) == ("none", "none")
    assert "widened" not in c["reasons"]


def test_worsened_but_less_clear_than_a_flag_is_not_raised() -> None:
    # the others swing ±3 pp: the 4 pp widening is significant (z ≈ 2.3 ≥ 1.96) but
    # below the watch z, so the level is not lifted
    t = Thresholds().replace(**{"materiality.share_pp": 4.0})
    values = tidy(series("X", {y: (0.5 if y < 2022 else 4.5) for y in YEARS}, wobble=3.0))
    c = both(values, [KpiRule("X")], 2021, 2022, thresholds=t).iloc[0]
    assert c["change"] == "worsened" and c["significant"]
    assert 1.96 <= c["z_change"] < 2.75
    assert c["level_followup_raw"] == c["level_followup"] == "info"
    assert c["flag_movement"] == "none"
    assert "widened" not in c["reasons"]
    lenient = t.replace(**{"reference.watch_z": 2.0})
    c = both(values, [KpiRule("X")], 2021, 2022, thresholds=lenient).iloc[0]
    assert c["level_followup"] == "watch" and c["flag_movement"] == "new"


def test_improved_and_unchanged_within_the_spread() -> None:
    values = tidy(series("X", {y: (4.5 if y < 2022 else 0.5) for y in YEARS}))
    c = both(values, [KpiRule("X")], 2021, 2022).iloc[0]
    assert c["change"] == "improved" and c["delta"] == pytest.approx(-4.0)
    assert c["z_change"] <= -1.96 and c["z_expected"] <= -1.96
    # the others swing 2 × 5 pp a year: a 4 pp change is within their spread
    values = tidy(series("X", {y: (4.5 if y < 2022 else 0.5) for y in YEARS}, wobble=5.0))
    c = both(values, [KpiRule("X")], 2021, 2022).iloc[0]
    assert c["noise"] == pytest.approx(10.0, abs=0.5)  # shown for reading
    assert abs(c["z_change"]) < 1.96 and not c["significant"]
    assert c["change"] == "unchanged"


def test_minimum_change_is_a_third_of_the_baseline_gap() -> None:
    values = tidy(series("X", {y: (30.0 if y < 2022 else 38.0) for y in YEARS}))
    c = both(values, [KpiRule("X")], 2021, 2022).iloc[0]
    assert c["delta_threshold"] == pytest.approx(10.0)  # max(2, 30 / 3)
    assert c["change"] == "unchanged"


def test_pooled_evidence_at_both_ends() -> None:
    gaps = {
        2015: 9.0,
        2016: 8.0,
        2017: 1.0,
        2018: 2.0,
        2019: 3.0,
        2020: 9.0,
        2021: 10.0,
        2022: 11.0,
    }
    values = tidy(series("X", gaps))
    c = both(values, [KpiRule("X")], 2019, 2022).iloc[0]
    assert (c["compared_on"], c["pool_years"]) == ("pooled_years", 3)
    assert (c["baseline_years_used"], c["followup_years_used"]) == (3, 3)
    assert (c["gap_baseline"], c["gap_followup"]) == pytest.approx((3.0, 11.0))  # the years
    assert c["evidence_baseline"] == pytest.approx(2.0)  # 2017–2019
    assert c["evidence_followup"] == pytest.approx(10.0)  # 2020–2022
    assert c["delta"] == pytest.approx(8.0)
    assert c["change"] == "worsened"
    # adjacent ends pool overlapping windows too (no switch to single years)
    c = both(values, [KpiRule("X")], 2020, 2022).iloc[0]
    assert (c["compared_on"], c["pool_years"]) == ("pooled_years", 3)
    assert c["gap_baseline"] == pytest.approx(9.0)
    assert c["evidence_baseline"] == pytest.approx(14 / 3)  # 2018–2020
    assert c["delta"] == pytest.approx(10.0 - 14 / 3)


def test_pool_years_follow_the_kpis_own_thresholds() -> None:
    values = tidy(series("X", {y: float(y - 2010) for y in YEARS}))  # no repeats
    two = Thresholds().replace(**{"reference.pool_years": 2})
    c = both(values, [KpiRule("X", overrides=two)], 2019, 2022).iloc[0]
    assert (c["compared_on"], c["pool_years"]) == ("pooled_years", 2)
    assert (c["baseline_years_used"], c["followup_years_used"]) == (2, 2)


def test_compare_writes_codes_and_render_gives_the_words() -> None:
    """No language in the engine's comparison: codes and numbers, words in render."""
    from koladagap.render.i18n.movement import change_names, compared_words, movement_names

    values = tidy(stable_others("X", {y: (0.5 if y < 2022 else 5.5) for y in YEARS}))
    c = both(values, [KpiRule("X")], 2021, 2022)
    assert not {"change_label_sv", "change_label_en", "compared"} & set(c.columns)
    assert change_names(c["change"], "sv").tolist() == ["försämrad"]
    assert change_names(c["change"], "en").tolist() == ["worsened"]
    assert movement_names(c["flag_movement"], "sv").tolist() == ["ny"]
    assert compared_words(c, "en").tolist() == ["pooled evidence of 3 years"]
    assert compared_words(c, "sv").tolist() == ["samlat underlag från 3 år"]
    with pytest.raises(ValueError, match="not supported"):
        change_names(c["change"], "fi")


def test_change_labels_moved_to_render_with_a_warning() -> None:
    import koladagap.engine.followup
    from koladagap.render.i18n.movement import CHANGE_LABELS

    with pytest.warns(DeprecationWarning, match=r"render\.i18n\.movement\.CHANGE_LABELS"):
        sv = koladagap.engine.followup.CHANGE_LABELS_SV
    assert sv == CHANGE_LABELS["sv"] and sv["not_comparable"] == "ej jämförbar"
    with pytest.warns(DeprecationWarning, match="CHANGE_LABELS"):
        assert CHANGE_LABELS["en"] == koladagap.engine.followup.CHANGE_LABELS_EN
    with pytest.raises(AttributeError, match="no_such_name"):
        koladagap.engine.followup.no_such_name  # noqa: B018


def test_crossing_parity_is_reported() -> None:
    values = tidy(series("X", {y: (-3.0 if y < 2022 else 9.0) for y in YEARS}))
    c = both(values, [KpiRule("X")], 2021, 2022).iloc[0]
    # judged from the side of the larger disadvantage: women 3 pp behind became men
    # 9 pp behind, so the gap has worsened by 12 pp
    assert c["crossed"] and c["delta"] == pytest.approx(12.0)
    assert c["change"] == "worsened"
    assert c["level_followup"] == "act"  # the new gap is judged by the follow-up level
    assert "crossed" in c["reasons"].split("; ")
    assert c["reasons"].startswith("change:worsened delta=12.0 min=")


def test_significance_with_counts() -> None:
    gaps = series("X", {y: (2.0 if y < 2022 else 12.0) for y in YEARS}, wobble=6.0)
    values = tidy(gaps)
    counts = [
        {"kpi": "D", "municipality_id": m, "period": y, "gender": g, "value": 400.0}
        for y in YEARS
        for m in [TARGET, *OTHERS]
        for g in "KM"
    ]
    values = pd.concat([values, normalise_data_frame(pd.DataFrame(counts))], ignore_index=True)
    rule = KpiRule("X", denominator_kpi="D")
    c = both(values, [rule], 2021, 2022).iloc[0]
    assert c["delta"] == pytest.approx(10.0)
    assert c["significant"] and not c["beyond_noise"]  # the noise is for reading only
    assert c["z_change"] >= 1.96 and c["z_expected"] >= 1.96
    assert c["change"] == "worsened"


def test_not_comparable_when_an_end_is_missing() -> None:
    values = tidy(series("X", {2021: 3.0, 2022: None}))
    c = both(values, [KpiRule("X")], 2021, 2022).iloc[0]
    assert c["change"] == "not_comparable"
    assert c["level_followup"] == "not_computable"


def test_event_kpis_compare_election_years() -> None:
    gaps = {y: (2.0 if y < 2018 else 9.0) for y in YEARS}
    values = tidy(series("E", gaps))
    rule = KpiRule("E", event=True)
    c = both(values, [rule], 2017, 2021).iloc[0]
    assert c["compared_on"] == "election_years" and pd.isna(c["pool_years"])
    assert np.isnan(c["gap_baseline"])  # 2017 → the 2014 election, not in the data
    assert c["change"] == "not_comparable"
    c = both(values, [rule], 2019, 2022).iloc[0]
    assert (c["gap_baseline"], c["gap_followup"]) == pytest.approx((9.0, 9.0))


def test_targets_and_linear_trend() -> None:
    gaps = {
        2015: 12.0,
        2016: 11.0,
        2017: 10.0,
        2018: 9.0,
        2019: 8.0,
        2020: 7.0,
        2021: 6.0,
        2022: 5.0,
    }
    values = tidy(series("X", gaps))
    on = KpiRule("X", target_gap=0.0, target_year=2027)
    c = both(values, [on], 2019, 2022).iloc[0]
    assert c["gap_to_target"] == pytest.approx(5.0)  # the follow-up year's gap
    assert c["gap_trend_at_target"] == pytest.approx(0.0)
    assert c["gap_on_track"]
    late = KpiRule("X", target_gap=0.0, target_year=2025)
    assert not both(values, [late], 2019, 2022).iloc[0]["gap_on_track"]
    value_goal = KpiRule("X", target_value=50.0, target_year=2030)
    c = both(values, [value_goal], 2019, 2022).iloc[0]
    assert c["target_value"] == 50.0
    assert c["value_to_target"] == pytest.approx(50 - (50 - 5 / 2))  # men are behind
    assert c["value_on_track"]
    none = both(values, [KpiRule("X")], 2019, 2022).iloc[0]
    assert pd.isna(none["gap_on_track"]) and pd.isna(none["target_year"])


# --- two sessions, every flag movement --------------------------------------------------------

MOVES = {  # the gaps do not change: a flag that appears or goes is chance, not "new"/"resolved"
    "A": ("none", "watch", "flagged_unchanged"),
    "B": ("watch", "watch", "persisting"),
    "C": ("act", "info", "below_threshold"),
    "D": ("watch", "act", "escalated"),
    "E": ("act", "watch", "de-escalated"),
    "F": ("info", "info", "none"),
    "G": ("watch", "not_computable", "not_assessable"),
}


def _session(year: int, which: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi": pd.Series(list(MOVES), dtype="string"),
            "municipality_id": pd.Series([TARGET] * len(MOVES), dtype="string"),
            "period": [year] * len(MOVES),
            "level": pd.Series([v[which] for v in MOVES.values()], dtype="string"),
            "gap": [3.0] * len(MOVES),
        }
    )


def test_compare_reuses_the_engine_run() -> None:
    """Given the run behind the evaluations, compare gives the same frame without a new run."""
    from koladagap.engine.levels import run_engine

    values = tidy(series("X", {2018: 3.0, 2019: 3.0, 2020: 7.0, 2021: 9.0, 2022: 11.0}))
    rules = [KpiRule("X")]
    ev = {"municipalities": [TARGET], "municipality_meta": META}
    b = evaluate(values, rules, year=2019, **ev)
    f = evaluate(values, rules, year=2022, **ev)
    fresh = compare(b, f, values, rules=rules, municipality_meta=META)
    run = run_engine(values, rules, **ev)
    reused = compare(b, f, values.iloc[:0], rules=[], run=run)  # values and rules unread
    pd.testing.assert_frame_equal(reused, fresh)
    assert fresh["change"].tolist() == ["worsened"]
    with pytest.raises(ValueError, match="every year"):
        compare(b, f, values, run=run_engine(values, rules, year=2022, **ev))


def test_two_sessions_every_flag_movement(tmp_path: Path) -> None:
    gaps: dict[tuple[str, str, int], float | None] = {}
    for kpi in MOVES:
        gaps |= series(kpi, dict.fromkeys(YEARS, 3.0))
    values = tidy(gaps)
    t = Thresholds()
    save_session(_session(2021, 0), tmp_path, "bm1", {"plan": "test", "thresholds": t})
    save_session(_session(2022, 1), tmp_path, "bm2", {"plan": "test", "thresholds": t})
    assert list_sessions(tmp_path)["name"].tolist() == ["bm1", "bm2"]
    b, f = load_session(tmp_path, "bm1"), load_session(tmp_path, "bm2")
    assert b.thresholds == t
    c = compare(
        b.table,
        f.table,
        values,
        b.thresholds,
        rules=[KpiRule(k) for k in MOVES],
        municipality_meta=META,
    ).set_index("kpi")
    for kpi, (_, _, move) in MOVES.items():
        assert c.loc[kpi, "flag_movement"] == move, kpi
    assert (c["change"] == "unchanged").all()


def test_session_round_trip_and_errors(tmp_path: Path) -> None:
    from koladagap.kolada.sample import sample_municipalities, sample_values

    res = evaluate(
        sample_values(),
        None,
        year=2022,
        municipalities=["0180", "1480"],
        municipality_meta=sample_municipalities(),
        kpi_table=kpi_table(),
    )
    path = save_session(res, tmp_path / "s", "2022-bm1", {"data_vintage": "sample"})
    assert path.name == "2022-bm1.json"
    s = load_session(tmp_path / "s", "2022-bm1")
    pd.testing.assert_frame_equal(s.table, res)
    m = s.manifest
    assert m["data_vintage"] == "sample" and m["rows"] == len(res) and m["years"] == [2022]
    assert {"created_at", "koladagap_version", "name"} <= set(m)
    assert not list((tmp_path / "s").glob("*.tmp"))
    with pytest.raises(InputError, match="already exists"):
        save_session(res, tmp_path / "s", "2022-bm1")
    save_session(res.head(3), tmp_path / "s", "2022-bm1", overwrite=True)
    assert len(load_session(tmp_path / "s", "2022-bm1").table) == 3
    with pytest.raises(InputError, match="there are: 2022-bm1"):
        load_session(tmp_path / "s", "nope")
    with pytest.raises(InputError, match="invalid meeting result name"):
        save_session(res, tmp_path, "../evil")
    (tmp_path / "s" / "bad.parquet").write_bytes(b"not parquet")
    (tmp_path / "s" / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CorruptCacheError):
        load_session(tmp_path / "s", "bad")
    assert list_sessions(tmp_path / "missing").empty


def test_noise_is_compared_in_the_statistics_units_for_amounts() -> None:
    """Amounts: wages grow 3 % a year at a steady ratio; the kr gap widens, the log ratio
    (the statistic the noise is measured in) does not, so nothing is beyond the noise."""
    rows = []
    for y in YEARS:
        for i, m in enumerate([TARGET, *OTHERS]):
            men = 300_000.0 * 1.03 ** (y - 2015) * (1 + 0.02 * (i % 5))
            for g, v in (("K", men * 0.9), ("M", men), ("T", men * 0.95)):
                rows.append({"kpi": "A", "municipality_id": m, "period": y, "gender": g,
                             "value": v})  # fmt: skip
    values = normalise_data_frame(pd.DataFrame(rows))
    rule = KpiRule("A", kind="amount", direction="higher_is_better")
    c = both(values, [rule], 2019, 2022).iloc[0]
    assert abs(c["gap_followup"] - c["gap_baseline"]) > 1_000  # kronor moved
    assert c["evidence_followup"] == pytest.approx(c["evidence_baseline"])  # the ratio did not
    assert not c["beyond_noise"] and c["change"] == "unchanged"


def test_a_one_sex_shares_target_follows_the_share_itself(tmp_path: Path) -> None:
    """N00945 (men's share of VAB days) has no split: its target is its own value."""
    import koladagap as kg
    from koladagap.benchmarking.plan import load_plan, starter_plan

    text = starter_plan("1233", "Vellinge", ["N00945"], baseline=2018, followup=2022)
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(
        text + "\n[kpis.N00945]\ntarget_value = 45.0\ntarget_year = 2026\n", encoding="utf-8"
    )
    res = kg.run_plan(load_plan(plan_file), "Benchmarking 2", source="sample", meetings_dir=None)
    c = res.comparison.set_index("kpi").loc["N00945"]
    assert c["value_to_target"] == pytest.approx(45.0 - 33.3)  # the 2022 share is 33,3 %
    assert 33.3 < c["value_trend_at_target"] < 45.0  # the share rises, too slowly
    assert not c["value_on_track"]
