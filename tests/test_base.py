"""The shared base: one definition of what every layer asks (labels, ids, wide, letters)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from koladagap import columns, labels
from koladagap._sheets import column_letter


def test_org_kind_reads_the_id() -> None:
    ids = pd.Series(["0000", "0001", "0025", "0114", "2584", "G123", "", None], index=range(10, 18))
    kind = columns.org_kind(ids)
    assert kind.tolist() == ["riket", "region", "region", "kommun", "kommun", "group", "", ""]
    assert kind.index.tolist() == list(range(10, 18))
    assert str(kind.dtype) == "string"


def test_the_layers_share_one_id_rule() -> None:
    from koladagap.kolada import metadata
    from koladagap.render.charts import rank
    from koladagap.render.pack.model import ranked_kind

    ids = pd.Series(["0000", "0001", "0180", "G12"])
    assert metadata.municipality_kind is columns.org_kind
    assert rank.org_kind is columns.org_kind
    assert ranked_kind(ids).tolist() == ["", "region", "kommun", ""]


def test_to_wide_puts_the_sexes_side_by_side() -> None:
    tidy = pd.DataFrame(
        {
            "kpi": ["A", "A", "A", "A", "B", "A"],
            "municipality_id": ["0180", "0180", "0180", "0180", "0180", "0001"],
            "period": [2020, 2020, 2020, 2020, 2020, 2020],
            "gender": ["K", "M", "T", "K", "T", "K"],
            "value": [1.0, 2.0, 3.0, 9.0, 5.0, 7.0],
            "isdeleted": [False, False, False, False, False, True],
        }
    )
    wide = columns.to_wide(tidy)
    assert wide[["kpi", "municipality_id"]].values.tolist() == [["A", "0180"], ["B", "0180"]]
    # the last of repeated rows counts; a deleted row is dropped; an absent sex is NaN
    assert wide[["women", "men", "total"]].to_numpy().tolist()[0] == [9.0, 2.0, 3.0]
    assert np.isnan(wide["women"].to_numpy()[1]) and wide["total"].to_numpy()[1] == 5.0
    assert [str(t) for t in wide.dtypes] == [
        "string",
        "string",
        "int64",
        "float64",
        "float64",
        "float64",
    ]


def test_to_wide_of_nothing_left_has_the_same_columns() -> None:
    tidy = pd.DataFrame(
        {
            "kpi": ["A"],
            "ou_id": ["V15E0180"],
            "period": [2020],
            "gender": ["K"],
            "value": [1.0],
            "isdeleted": [True],
        }
    )
    empty = columns.to_wide(tidy, id_col="ou_id")
    assert empty.empty
    assert list(empty.columns) == ["kpi", "ou_id", "period", "women", "men", "total"]
    assert str(empty["period"].dtype) == "int64"


def test_pack_gaps_are_the_shared_wide_plus_the_gap() -> None:
    from koladagap.render.pack.model import wide_gaps

    tidy = pd.DataFrame(
        {
            "kpi": "A",
            "municipality_id": ["0180", "0180", "0001"],
            "period": 2020,
            "gender": ["K", "M", "K"],
            "value": [5.0, 3.0, 4.0],
        }
    )
    g = wide_gaps(tidy)
    pd.testing.assert_frame_equal(g.drop(columns="gap"), columns.to_wide(tidy))
    assert g["gap"].tolist()[1] == 2.0 and np.isnan(g["gap"].tolist()[0])


def test_labels_are_defined_once() -> None:
    from koladagap.benchmarking import data
    from koladagap.kolada import frames
    from koladagap.render import i18n
    from koladagap.render.i18n import groups

    for mod in (frames, groups):
        assert mod.sex_labels is labels.sex_labels
        assert mod.label_columns is labels.label_columns
        assert mod.GROUP_LABELS is labels.GROUP_LABELS
        assert mod.TOTAL_LABEL is labels.TOTAL_LABEL
    assert frames.to_wide is columns.to_wide
    for mod in (data, i18n):
        assert mod.ATTRIBUTION == labels.ATTRIBUTION == "Källa: Kolada"
        assert mod.ATTRIBUTION_PROCESSED == labels.ATTRIBUTION_PROCESSED
    assert labels.ATTRIBUTION_PROCESSED == "Källa: Kolada; egen bearbetning"


def test_sex_labels_follow_the_title() -> None:
    assert labels.sex_labels("Elever i åk 9, andel (%)") == ("flickor", "pojkar")
    assert labels.sex_labels("Barn 1-5 år inskrivna i förskola, andel (%)", "en") == (
        "girls",
        "boys",
    )
    assert labels.sex_labels("Invånare 20-64 år, antal") == ("kvinnor", "män")
    lab = labels.label_columns(["Elever i åk 9", None, "Invånare, antal"], "en")  # type: ignore[list-item]
    assert lab.values.tolist() == [["girls", "boys"], ["women", "men"], ["women", "men"]]


@pytest.mark.parametrize(
    ("position", "letter"),
    [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")],
)
def test_column_letter(position: int, letter: str) -> None:
    assert column_letter(position) == letter


def test_column_letter_is_the_one_both_sheet_readers_use() -> None:
    from koladagap.benchmarking.measurements import sheet
    from koladagap.checklist import sheets

    assert sheet.letter is column_letter
    assert sheets.col_letter is column_letter
    with pytest.raises(ValueError, match="0 or more"):
        column_letter(-1)


def test_groups_are_the_g_ids_and_are_dropped_as_such() -> None:
    from koladagap.kolada.frames import drop_groups

    ids = pd.Series(["G123", "0180", None, "0000"])
    assert columns.is_group(ids).tolist() == [True, False, False, False]
    assert (columns.org_kind(ids) == "group").tolist() == columns.is_group(ids).tolist()
    tidy = pd.DataFrame({"municipality_id": pd.Series(ids, dtype="string"), "value": range(4)})
    assert drop_groups(tidy)["value"].tolist() == [1, 2, 3]


def test_the_wide_columns_and_the_gender_codes_map_both_ways() -> None:
    from koladagap.benchmarking.measurements.vocabulary import WIDE_VALUE
    from koladagap.kolada.frames import from_wide

    assert columns.WIDE_GENDER == {"women": "K", "men": "M", "total": "T"}
    assert WIDE_VALUE is columns.WIDE_GENDER
    tidy = pd.DataFrame(
        {
            "kpi": "A",
            "municipality_id": "0180",
            "period": 2020,
            "gender": ["K", "M", "T"],
            "value": [3.0, 1.0, 2.0],
        }
    )
    back = from_wide(columns.to_wide(tidy))
    assert sorted(zip(back["gender"], back["value"], strict=True)) == [
        ("K", 3.0),
        ("M", 1.0),
        ("T", 2.0),
    ]
