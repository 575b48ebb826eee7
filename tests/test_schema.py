import pandas as pd
import pytest

from koladagap.errors import InputError, InvalidYearsError
from koladagap.kolada.schema import (
    DATA_COLUMNS,
    empty_data_frame,
    normalise_data_frame,
    parse_ids,
    parse_years,
)


def test_parse_ids_cleans_upcases_and_dedups() -> None:
    assert parse_ids("n00906, N00906 N15428", "kpi") == ["N00906", "N15428"]
    assert parse_ids(["0180", "0000,1280"], "municipality") == ["0180", "0000", "1280"]
    assert parse_ids("g37523", "municipality") == ["G37523"]
    assert parse_ids(None, "kpi") == []


@pytest.mark.parametrize("bad", ["180", "../0180", "01 80/", "0180/../x", "abcd", "N00906"])
def test_parse_ids_rejects_bad_municipality_ids(bad: str) -> None:
    with pytest.raises(InputError, match="municipality id"):
        parse_ids([bad], "municipality")


def test_short_municipality_id_gets_a_hint() -> None:
    with pytest.raises(InputError, match="did you mean 0180"):
        parse_ids("180", "municipality")


def test_integer_ids_are_refused() -> None:
    with pytest.raises(InputError, match="must be a string"):
        parse_ids([180], "municipality")  # type: ignore[list-item]


@pytest.mark.parametrize("bad", ["../N00906", "N00906;drop", "N 0", "9N"])
def test_parse_ids_rejects_path_characters_in_kpis(bad: str) -> None:
    with pytest.raises(InputError):
        parse_ids([bad.replace(" ", "/")], "kpi")


def test_parse_years_forms() -> None:
    assert parse_years("2015-2017") == [2015, 2016, 2017]
    assert parse_years("2022,2018 2020") == [2018, 2020, 2022]
    assert parse_years(2022) == [2022]
    assert parse_years([2020, "2019"]) == [2019, 2020]
    assert parse_years(None) == []


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("2022-2015", "end comes before"),
        ("20x0", "invalid years"),
        ("1850", "impossible"),
        ("2015--2020", "invalid years"),
        ("3000", "impossible"),
    ],
)
def test_parse_years_rejects(bad: str, match: str) -> None:
    with pytest.raises(InvalidYearsError, match=match):
        parse_years(bad)


def test_normalise_keeps_leading_zeros_and_types() -> None:
    df = pd.DataFrame(
        {
            "kpi": ["N1"],
            "municipality_id": pd.Categorical(["0180"]),
            "period": [2020],
            "gender": ["K"],
            "value": [None],
        }
    )
    out = normalise_data_frame(df)
    assert list(out.columns) == DATA_COLUMNS
    assert out.loc[0, "municipality_id"] == "0180"
    assert pd.isna(out.loc[0, "value"])
    assert out.loc[0, "status"] == ""
    assert not out.loc[0, "isdeleted"]
    assert str(out["count"].dtype) == "Int64"
    assert list(empty_data_frame(ou=True).columns)[1] == "ou_id"
