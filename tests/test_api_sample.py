"""The public verbs on the shipped sample (no network, no cache)."""

from pathlib import Path

import pandas as pd
import pytest

import koladagap
from koladagap.errors import InputError, InvalidYearsError, UnknownIdError


def test_verbs_are_functions_not_shadowed_by_modules() -> None:
    import koladagap.benchmarking.plan
    import koladagap.benchmarking.run

    for name in ("kpis", "values", "gaps", "run_plan", "load_plan", "write_report"):
        assert callable(getattr(koladagap, name)) and not isinstance(
            getattr(koladagap, name), type(koladagap)
        ), name


def test_values_real_figures() -> None:
    v = koladagap.values("N00906", "0180", 2022, source="sample")
    got = dict(zip(v["gender"], v["value"], strict=True))
    assert got == {"K": 383100.0, "M": 429900.0, "T": 405500.0}
    # Kiruna, the documented example
    k = koladagap.values("N00906", "2584", 2022, source="sample").set_index("gender")["value"]
    assert (k["K"], k["M"]) == (375100.0, 497500.0)


def test_values_all_municipalities_when_none_given() -> None:
    v = koladagap.values("N00905", None, 2022, source="sample")
    assert v["municipality_id"].nunique() == 312
    assert "0000" in set(v["municipality_id"])


def test_gaps_suppressed_split_is_not_computable_never_zero() -> None:
    g = koladagap.gaps("N17461", "1904", 2016, source="sample")
    assert g.loc[0, "status"] == "not_computable"
    assert pd.isna(g.loc[0, "gap"]) and g.loc[0, "total"] == pytest.approx(41.67, abs=0.01)
    assert g.loc[0, "label_women"] == "flickor"


def test_gaps_values() -> None:
    g = koladagap.gaps("N00906", ["0180", "0000"], 2022, source="sample").set_index(
        "municipality_id"
    )
    assert g.loc["0000", "gap"] == 335500.0 - 402900.0
    assert g.loc["0180", "ratio"] == pytest.approx(383100 / 429900)
    assert g.loc["0180", "municipality"] == "Stockholm"
    assert g.loc["0180", "label_women"] == "kvinnor"


def test_unknown_ids_warn_and_all_unknown_raise() -> None:
    with pytest.warns(koladagap.UnknownIdWarning, match="N99999"):
        v = koladagap.values(["N00906", "N99999"], "0180", 2022, source="sample")
    assert set(v["kpi"]) == {"N00906"}
    with pytest.raises(UnknownIdError, match="N99999"):
        koladagap.values("N99999", "0180", 2022, source="sample")
    with pytest.raises(UnknownIdError, match="9999"):
        koladagap.values("N00906", "9999", 2022, source="sample")


def test_bad_input_is_one_clear_error() -> None:
    with pytest.raises(InvalidYearsError, match="impossible year"):
        koladagap.values("N00906", "0180", 2099, source="sample")
    with pytest.raises(InputError, match="did you mean 0180"):
        koladagap.values("N00906", "180", 2022, source="sample")
    with pytest.raises(InputError, match="invalid source"):
        koladagap.values("N00906", "0180", 2022, source="web")  # type: ignore[arg-type]


def test_metadata_verbs() -> None:
    assert koladagap.municipalities(kind="K", source="sample").shape[0] == 290
    p = koladagap.peers("0180", source="sample")
    assert len(p) == 7 and "0180" not in set(p["id"])
    assert koladagap.groups("Liknande kommuner, övergripande", source="sample").shape[0] == 290
    k = koladagap.kpis("VAB", source="sample")
    assert "N00945" in set(k["id"])


def test_load_sample_shape() -> None:
    s = koladagap.load_sample()
    assert s["kpi"].nunique() == 19
    assert s["municipality_id"].str.len().eq(4).all()


def test_relative_gap_means_one_thing_in_gaps_and_evaluate() -> None:
    """÷ the advantaged sex's value in kg.gaps() as in the engine (lower is better: the smaller)."""
    from koladagap.benchmarking.kpi_table import kpi_table
    from koladagap.engine import evaluate
    from koladagap.kolada.sample import sample_municipalities, sample_values

    kpis = ["N03920", "N00906", "N31814"]  # lower, higher, lower is better
    g = koladagap.gaps(kpis, "1233", 2022, source="sample").set_index("kpi")
    e = evaluate(
        sample_values(), None, year=2022, municipalities=["1233"],
        municipality_meta=sample_municipalities(), kpi_table=kpi_table(),
    ).set_index("kpi")  # fmt: skip
    for k in kpis:
        assert g.loc[k, "relative_gap"] == pytest.approx(e.loc[k, "relative_gap"]), k
    women, men = g.loc["N31814", ["women", "men"]]
    assert g.loc["N31814", "relative_gap"] == pytest.approx((women - men) / min(women, men))


def test_screen_of_one_year_fetches_its_pooling_window() -> None:
    """`screen` judged on '2022' pools as the engine does with every year at hand."""
    from koladagap.benchmarking.kpi_table import kpi_table
    from koladagap.engine import evaluate
    from koladagap.kolada.sample import sample_municipalities, sample_values

    s = koladagap.screen("N00945", "2022", source="sample").set_index("municipality_id")
    full = evaluate(
        sample_values(), None, year=2022, municipality_meta=sample_municipalities(),
        kpi_table=kpi_table(),
    )  # fmt: skip
    full = full[full["kpi"] == "N00945"].set_index("municipality_id").loc[s.index]
    assert len(s) == 290
    assert (s["evidence_years"].astype(float) == full["evidence_years"].astype(float)).all()
    assert (s["level"] == full["level"]).all()


def test_offline_is_the_word_and_cache_still_works_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koladagap.errors import OfflineMissingError

    monkeypatch.setenv("KOLADAGAP_CACHE_DIR", str(tmp_path))
    assert koladagap.Kolada(mode="offline").mode == "offline"
    with pytest.warns(DeprecationWarning, match='mode="offline"'):
        assert koladagap.Kolada(mode="cache").mode == "offline"
    with pytest.raises(OfflineMissingError, match="offline and not in the cache"):
        koladagap.values("N00906", "0180", 2022, source="offline")
    with (
        pytest.warns(DeprecationWarning, match='source="offline"'),
        pytest.raises(OfflineMissingError),
    ):
        koladagap.values("N00906", "0180", 2022, source="cache")
    with pytest.raises(InputError, match="'api', 'offline' or 'sample'"):
        koladagap.Kolada(mode="disk")  # type: ignore[arg-type]


def test_kolada_is_a_source_that_adds_gaps() -> None:
    from koladagap.kolada.source import KoladaSource

    kg = koladagap.Kolada(mode="sample")
    assert isinstance(kg, KoladaSource) and not hasattr(KoladaSource, "gaps")
    plain = KoladaSource(mode="sample").values("N00906", "0180", 2022)
    pd.testing.assert_frame_equal(plain, kg.values("N00906", "0180", 2022))
    assert kg.gaps("N00906", "0180", 2022)["gap"].tolist() == [-46800.0]
