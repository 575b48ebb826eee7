import pandas as pd
import pytest

from koladagap.errors import ResponseFormatError
from koladagap.kolada.frames import (
    drop_groups,
    from_wide,
    is_about_children,
    label_columns,
    records_to_frame,
    sex_labels,
    to_wide,
)
from koladagap.kolada.sample import sample_values


def _rec(mid: str = "0180", period: int = 2022, **over: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "kpi": "N00906",
        "municipality": mid,
        "period": period,
        "values": [
            {"gender": "M", "count": 1, "status": "", "value": 429900.0, "isdeleted": False},
            {"gender": "T", "count": 1, "status": "", "value": 405500, "isdeleted": False},
            {"gender": "K", "count": 1, "status": "", "value": 383100.0, "isdeleted": False},
        ],
    }
    rec.update(over)
    return rec


def test_records_to_frame_unnests_every_value_in_any_order() -> None:
    df = records_to_frame([_rec(), _rec("0000", 2021)])
    assert len(df) == 6
    row = df[(df.municipality_id == "0180") & (df.gender == "K")].iloc[0]
    assert row["value"] == 383100.0
    assert df["municipality_id"].tolist().count("0000") == 3
    assert str(df["period"].dtype) == "int64"


def test_null_values_and_missing_fields() -> None:
    rec = _rec(values=[{"gender": "K", "value": None}, {"gender": "M", "value": 1.5, "extra": 1}])
    rec["unknown_field"] = "x"
    df = records_to_frame([rec])
    assert df["value"].isna().tolist() == [True, False]
    assert df["status"].tolist() == ["", ""]
    assert df["isdeleted"].tolist() == [False, False]
    assert df["count"].isna().all()


@pytest.mark.parametrize(
    "bad",
    [
        {"municipality": "0180", "period": 2022, "values": []},
        {"kpi": "N1", "municipality": "0180", "values": []},
        {"kpi": "N1", "municipality": "0180", "period": 2022},
        {"kpi": "N1", "municipality": "0180", "period": "x", "values": []},
        {"kpi": "N1", "municipality": "0180", "period": 2022, "values": [{"value": 1.0}]},
        {"kpi": "N1", "municipality": "0180", "period": 2022, "values": [{"gender": "X"}]},
    ],
)
def test_malformed_records_raise_with_source(bad: dict[str, object]) -> None:
    with pytest.raises(ResponseFormatError, match=r"\[http://x/data\]"):
        records_to_frame([bad], source="http://x/data")


def test_ou_records() -> None:
    rec = _rec()
    rec["ou"] = rec.pop("municipality")
    df = records_to_frame([rec], ou=True)
    assert "ou_id" in df.columns and df["ou_id"].iloc[0] == "0180"


def test_empty_records() -> None:
    assert records_to_frame([]).empty


def test_wide_round_trip_on_real_sample() -> None:
    v = sample_values()
    v = v[(v.kpi == "N17461") & v.municipality_id.isin(["0180", "1904", "0000"])]
    w = to_wide(v)
    assert list(w.columns) == ["kpi", "municipality_id", "period", "women", "men", "total"]
    # 1904 in 2016: total published, split suppressed (a real Kolada null)
    row = w[(w.municipality_id == "1904") & (w.period == 2016)].iloc[0]
    assert (
        pd.isna(row["women"])
        and pd.isna(row["men"])
        and row["total"] == pytest.approx(41.67, abs=0.01)
    )
    back = from_wide(w).sort_values(["municipality_id", "period", "gender"], ignore_index=True)
    orig = v.sort_values(["municipality_id", "period", "gender"], ignore_index=True)
    pd.testing.assert_series_equal(back["value"], orig["value"])


def test_wide_drops_deleted_and_t_only_kpis() -> None:
    rec = _rec()
    rec["values"] = [{"gender": "T", "value": 40.0}]
    w = to_wide(records_to_frame([rec]))
    assert pd.isna(w.loc[0, "women"]) and w.loc[0, "total"] == 40.0
    dele = _rec(values=[{"gender": "T", "value": None, "isdeleted": True}])
    assert to_wide(records_to_frame([dele])).empty


def test_drop_groups() -> None:
    df = records_to_frame([_rec(), _rec("G37523")])
    assert set(drop_groups(df)["municipality_id"]) == {"0180"}


def test_labels_children_and_adults() -> None:
    assert is_about_children(
        "Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)"
    )
    assert is_about_children("Gymnasieelever med examen inom 4 år, hemkommun, andel (%)")
    assert not is_about_children("Arbetslöshet 18-65 år, årsmedelvärde, andel (%) av bef.")
    assert sex_labels("Elever i åk 9", "en") == ("girls", "boys")
    assert sex_labels("Sjukpenningtalet, dagar/registrerad försäkrad") == ("kvinnor", "män")
    lab = label_columns(["Elever i åk 3", "Invånare totalt, antal"])
    assert lab["label_women"].tolist() == ["flickor", "kvinnor"]
