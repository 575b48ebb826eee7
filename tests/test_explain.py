"""Plain-language reasons (koladagap.render.explain): every level, both languages, no codes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

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
    assert said.startswith("Andelen är 33,3 % (män underrepresenterade)")
    assert "nackdel" not in said


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
            "reasons": ["not_computable:value missing"],
        }
    )
    assert "kan inte bedömas" in explain(row).iloc[0]
    assert "cannot assess" in explain(row, "en").iloc[0]


def test_reasons_by_kpi_maps_ids(vellinge: pd.DataFrame) -> None:
    one = vellinge[vellinge["municipality_id"] == "1233"]
    m = reasons_by_kpi(one)
    assert set(m) == set(one["kpi"].astype(str))
    assert reasons_by_kpi(one.iloc[:0]) == {}
