import pandas as pd
import pytest

from koladagap.errors import InputError
from koladagap.kolada import metadata as meta
from koladagap.kolada.sample import (
    sample_kpi_groups,
    sample_kpis,
    sample_municipalities,
    sample_municipality_groups,
)


def test_search_kpis_all_words_and_gender_filter() -> None:
    hits = meta.search_kpis(sample_kpis(), "behöriga yrkesprogram hemkommun", gender_split=True)
    assert "N15428" in hits["id"].tolist()
    assert hits["is_divided_by_gender"].all()
    assert meta.search_kpis(sample_kpis(), "n00945")["id"].tolist() == ["N00945"]


def test_municipalities_kinds() -> None:
    m = sample_municipalities()
    assert len(meta.filter_municipalities(m, kind="K")) == 290
    assert len(meta.filter_municipalities(m, kind="L")) == 22
    with pytest.raises(InputError, match="expected 'K'"):
        meta.filter_municipalities(m, kind="X")


def test_group_summary_and_kpi_groups() -> None:
    s = meta.group_summary(sample_kpi_groups(), "Jämställdhet")
    assert s.set_index("id")["n_members"].to_dict() == {"G2KPI148333": 28, "G2KPI148336": 18}


def test_peer_group_of_stockholm_excludes_itself() -> None:
    gid, _title, ids = meta.peer_group(sample_municipality_groups(), "Stockholm")
    assert gid == "G37523"
    assert "0180" not in ids and len(ids) == 7
    gid2, _, _ = meta.peer_group(sample_municipality_groups(), "Stockholm", "grundskola")
    assert gid2 == "G36063"
    with pytest.raises(InputError, match="families"):
        meta.peer_group(sample_municipality_groups(), "Stockholm", "nope")


def test_group_member_frame_from_api_records() -> None:
    recs = [
        {"id": "G1", "title": "A", "members": [{"member_id": "0180", "member_title": "Stockholm"}]},
        {"id": "G2", "title": "Empty", "members": []},
    ]
    df = meta.group_member_frame(recs)
    assert df["group_id"].tolist() == ["G1", "G2"]
    assert pd.isna(df.loc[1, "member_id"])
    assert meta.group_summary(df).set_index("id")["n_members"].to_dict() == {"G1": 1, "G2": 0}


def test_kpi_frame_maps_v2_names() -> None:
    df = meta.kpi_frame([{"id": "N1", "title": "x", "auspices": "X", "is_divided_by_gender": 1}])
    assert df.loc[0, "auspice"] == "X"
    assert bool(df.loc[0, "is_divided_by_gender"]) is True


def test_municipality_kind() -> None:
    s = pd.Series(["0000", "0001", "0180", "G1"])
    assert meta.municipality_kind(s).tolist() == ["riket", "region", "kommun", "group"]
