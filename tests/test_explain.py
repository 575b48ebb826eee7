"""Plain-language reasons (koladagap.render.explain): every level, both languages, no codes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from koladagap.benchmarking.kpi_table import kpi_table
from koladagap.engine import evaluate
from koladagap.kolada.sample import sample_municipalities, sample_values
from koladagap.render.explain import explain, reasons_by_kpi

CODE = re.compile(r"\b[a-z_]+:\S")  # a machine code such as material:7pp or z=…


@pytest.fixture(scope="module")
def vellinge() -> pd.DataFrame:
    return evaluate(
        sample_values(),
        None,
        year=2022,
        municipalities=["1233", "0180", "2584"],
        municipality_meta=sample_municipalities(),
        kpi_table=kpi_table(),
    )


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_row_has_a_sentence_without_codes(vellinge: pd.DataFrame, lang: str) -> None:
    text = explain(vellinge, lang)
    assert len(text) == len(vellinge) and text.notna().all()
    assert not text.str.contains(CODE).any(), text[text.str.contains(CODE)].tolist()
    assert (text.str.len() > 20).all()


def test_sentences_follow_the_level(vellinge: pd.DataFrame) -> None:
    text = explain(vellinge)
    lv = vellinge["level"].astype(str)
    assert text[lv == "act"].str.contains("Upprätta en avvikelseanmälan").all()
    assert text[lv == "none"].str.contains("inte så stor").all()
    assert text[lv == "excluded"].str.startswith("Undantagen").all()
    act = vellinge[lv == "act"].iloc[0]
    said = text[lv == "act"].iloc[0]
    # the z and the number of measurements printed are the row's own
    assert f"{act['z_ref']:.1f}".replace(".", ",") in said
    assert f"{int(act['evidence_years'])} oberoende" in said


def test_share_of_one_sex_names_the_underrepresented_sex(vellinge: pd.DataFrame) -> None:
    row = vellinge[(vellinge["kpi"] == "N00945") & (vellinge["municipality_id"] == "1233")]
    said = explain(row).iloc[0]
    assert said.startswith(
        "Avståndet från 50/50 är 16,7 procentenheter: andelen är 33,3 % "
        "(män underrepresenterade). Den är större"
    )
    assert "nackdel" not in said
    near = row.assign(level="none", total=45.0, gap=-5.0, reasons="not_material:value 45")
    assert explain(near).iloc[0] == (
        "Andelen är 45,0 % (5,0 procentenheter från 50/50): inte så långt från en jämn "
        "fördelning att det räknas som väsentligt."
    )


def test_missing_value_is_cannot_assess() -> None:
    row = pd.DataFrame(
        {
            "level": ["not_computable"],
            "kind": ["share"],
            "gap": [float("nan")],
            "relative_gap": [float("nan")],
            "total": [50.0],
            "z_ref": [float("nan")],
            "evidence_years": [pd.NA],
            "repeated": [False],
            "reasons": ["not_computable:missing"],
        }
    )
    assert "kan inte bedömas" in explain(row).iloc[0]
    assert "cannot assess" in explain(row, "en").iloc[0]


def test_reasons_by_kpi_maps_ids(vellinge: pd.DataFrame) -> None:
    one = vellinge[vellinge["municipality_id"] == "1233"]
    m = reasons_by_kpi(one)
    assert set(m) == set(one["kpi"].astype(str))
    assert reasons_by_kpi(one.iloc[:0]) == {}


def test_reason_codes_are_read_into_typed_columns() -> None:
    from koladagap.render.explain import reason_codes

    codes = reason_codes(
        [
            "material:5.2pp; expected:riket=1.5; evidence:3 obs counts repeat; "
            "reference:z=2.7 p99 q=0.21",
            "not_material:value 38.4",
            "excluded:not_election_year",
            "too_small:n<10",
            "material:12.3%; reference:none; no_rule",
            "excluded:a head count; no_rule",
        ]
    )
    first = codes.iloc[0]
    assert (first["status"], first["unit"], first["size"]) == ("material", "pp", 5.2)
    assert (first["expected_source"], first["expected"]) == ("riket", 1.5)
    assert (first["evidence_k"], first["basis"], bool(first["repeat"])) == (3, "counts", True)
    assert (first["z"], first["percentile"], first["q"]) == (2.7, 99.0, 0.21)
    assert codes["status"].tolist()[1:4] == ["not_material", "excluded", "too_small"]
    assert (codes.loc[1, "unit"], codes.loc[1, "size"]) == ("value", 38.4)
    assert codes.loc[2, "detail"] == "not_election_year"
    assert codes.loc[3, "detail"] == "n<10"
    last = codes.iloc[4]
    assert last["unit"] == "%" and last["no_reference"] and last["no_rule"]
    assert not codes["no_rule"].iloc[:4].any()
    assert (codes.loc[5, "detail"], bool(codes.loc[5, "no_rule"])) == ("a head count", True)


def test_reason_codes_read_older_results_english_details() -> None:
    from koladagap.render.explain import reason_codes

    codes = reason_codes(
        [
            "excluded:event (not an election year)",
            "not_computable:value missing",
            "not_computable:expected gap missing",
            "material:12.3%; reference:none; no_rule:info at most",
        ]
    )
    assert codes["detail"].tolist()[:3] == ["not_election_year", "missing", "expected_missing"]
    assert codes["no_rule"].tolist() == [False, False, False, True]


def test_codes_become_sentences_in_the_readers_language(vellinge: pd.DataFrame) -> None:
    # the sex comes from `disadvantaged` and, for pupils, the KPI's title: girls and boys
    judged = vellinge["disadvantaged"].notna() & vellinge["level"].isin(["info", "watch", "act"])
    pupils = vellinge.loc[vellinge["kpi"].eq("N17461") & judged]
    said = explain(pupils, "en")
    assert len(said) and said.str.contains("disadvantage of (?:girls|boys)").all()
    adults = vellinge.loc[vellinge["kpi"].eq("N00906") & judged]
    assert len(adults) and explain(adults).str.contains("nackdel för (?:kvinnor|män)").all()
    row = pd.DataFrame(
        {
            "level": ["excluded", "not_computable", "excluded", "not_computable", "excluded"],
            "kind": ["share"] * 5,
            "gap": [float("nan")] * 5,
            "relative_gap": [float("nan")] * 5,
            "total": [50.0] * 5,
            "reasons": [
                "excluded:not_election_year",
                "not_computable:expected_missing",
                "excluded:event (not an election year)",  # an older, stored result
                "not_computable:expected gap missing",
                "excluded:eventuellt senare",  # the KPI table's own text is kept
            ],
        }
    )
    sv, en = explain(row).tolist(), explain(row, "en").tolist()
    assert sv[0] == "Undantagen från bedömningen: inte ett valår."
    assert en[0] == "Excluded from the assessment: not an election year."
    assert "förväntade skillnaden" in sv[1] and "expected gap" in en[1]
    assert (sv[2:4], en[2:4]) == (sv[:2], en[:2])
    assert sv[4] == "Undantagen från bedömningen: eventuellt senare."


def test_a_region_is_compared_with_the_regions() -> None:
    """Region Stockholm's reasons speak of regions, a kommun's of kommuner of its type."""
    res = evaluate(
        sample_values(),
        None,
        year=2022,
        municipalities=["0001", "1233"],
        municipality_meta=sample_municipalities(),
        kpi_table=kpi_table(),
    )
    judged = res["level"].isin(["info", "watch", "act"])
    for lang, region, kommun in [
        ("sv", "regioner", "kommuner av samma typ"),
        ("en", "regions", "municipalities of the same type"),
    ]:
        said = explain(res, lang)
        own = res["municipality_id"].eq("0001") & judged
        assert said[own].str.contains(region).all() and not said[own].str.contains(kommun).any()
        assert said[res["municipality_id"].eq("1233") & judged].str.contains(kommun).all()


def test_the_kpi_tables_exclusion_reasons_read_in_swedish() -> None:
    row = pd.DataFrame(
        {
            "level": ["excluded"],
            "kind": ["amount"],
            "gap": [461.0],
            "relative_gap": [0.02],
            "total": [37821.0],
            "reasons": ["excluded:a head count: context for other KPIs, not a gap to judge"],
        }
    )
    (sv,) = explain(row).tolist()
    assert sv == (
        "Undantagen från bedömningen: ett antal invånare: sammanhang för andra nyckeltal, "
        "inte en skillnad att bedöma."
    )
    assert explain(row, "en")[0].endswith("context for other KPIs, not a gap to judge.")
