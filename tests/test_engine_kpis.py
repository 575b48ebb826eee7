"""The bundled KPI table, the Jämställdhet groups and the default rules."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest

from koladagap.benchmarking.kpi_table import (
    GONE_KPIS,
    JAMSTALLDHET_GROUPS,
    KPI_TABLE_COLUMNS,
    jamstalldhet_fallback,
    kpi_table,
    resolve_kpi_group,
)
from koladagap.engine import KpiRule, resolve_rules, rules_from_table
from koladagap.engine.rules import election_years
from koladagap.errors import UnknownIdError

METHOD_TABLE = {  # id: (kind, direction) as deviation-method.md section 2 lists them
    "N15428": ("share", "higher_is_better"),
    "N15436": ("share", "higher_is_better"),
    "N15507": ("amount", "higher_is_better"),
    "N15452": ("share", "higher_is_better"),
    "N17461": ("share", "higher_is_better"),
    "N17473": ("share", "higher_is_better"),
    "N15648": ("share", "higher_is_better"),
    "N01982": ("share", "higher_is_better"),
    "N02267": ("share", "higher_is_better"),
    "N03920": ("share", "lower_is_better"),
    "N00906": ("amount", "higher_is_better"),
    "N00905": ("amount", "higher_is_better"),
    "N00209": ("share", "higher_is_better"),
    "N00090": ("share", "lower_is_better"),
    "N00938": ("amount", "lower_is_better"),
    "N00957": ("amount", "lower_is_better"),
    "U01405": ("share", "higher_is_better"),
    "U01420": ("share", "lower_is_better"),
    "U01429": ("share", "higher_is_better"),
    "U20462": ("amount", "lower_is_better"),
    "N21704": ("share", "need"),
    "N31814": ("share", "lower_is_better"),
    "N00973": ("share", "higher_is_better"),
    "U09808": ("amount", "higher_is_better"),
    "N00669": ("share", "higher_is_better"),
    "N00943": ("share_of_one_sex", "parity_target"),
    "N00945": ("share_of_one_sex", "parity_target"),
    "N00951": ("gap_value", "parity_target"),
}


def test_csv_files_ship_inside_the_package() -> None:
    root = resources.files("koladagap.benchmarking")
    assert root.joinpath("kpi_table.csv").is_file()
    assert root.joinpath("jamstalldhet_groups.csv").is_file()


def test_table_has_the_method_defaults() -> None:
    t = kpi_table().set_index("id")
    assert list(kpi_table().columns) == KPI_TABLE_COLUMNS
    assert t.index.is_unique
    for kpi, (kind, direction) in METHOD_TABLE.items():
        assert (t.loc[kpi, "kind"], t.loc[kpi, "direction"]) == (kind, direction), kpi
    assert t.loc["N21704", "expected"] == "riket"
    assert t.loc["U01405", "moe_kpi"] == "U01511"
    assert t.loc["U01420", "moe_kpi"] == "U01532"
    assert t.loc["U01429", "moe_kpi"] == "U01545"
    assert (t.loc["N00943", "share_of"], t.loc["N00945", "share_of"]) == ("M", "M")
    assert t.loc["N05816", "share_of"] == "K"
    assert t["event"].dtype == bool and t["exclude"].dtype == bool


def test_table_covers_the_sample() -> None:
    from koladagap.kolada.sample import sample_values

    ids = set(kpi_table()["id"])
    assert set(sample_values()["kpi"].unique()) <= ids
    t = kpi_table().set_index("id")
    assert t.loc["N01951", "exclude"] and t.loc["N01951", "reason"]
    assert t.loc["N05810", "event"] and t.loc["N05827", "event"]


def test_every_row_is_a_valid_rule() -> None:
    rules = rules_from_table(table=kpi_table())
    assert len(rules) == len(kpi_table())
    for r in rules.values():
        r.validate()
    assert rules["N21704"].expected == "riket" and rules["N00951"].expected == 0.0
    assert rules["N00945"].title == "VAB-dagar som tas ut av män"


def test_jamstalldhet_fallback() -> None:
    fb = jamstalldhet_fallback()
    sizes = fb.groupby("group_id").size().to_dict()
    assert sizes == {JAMSTALLDHET_GROUPS["kommun"]: 28, JAMSTALLDHET_GROUPS["region"]: 18}
    gone = sorted(set(fb.loc[~fb["in_v3"], "member_id"]))
    assert gone == sorted(GONE_KPIS)


def test_resolve_group_reports_gone_members() -> None:
    r = resolve_kpi_group("G2KPI148333")
    assert r.source == "fallback" and r.title == "Jämställdhet"
    assert r.missing == ["N00410", "N07401", "N15531", "N74811"]
    assert len(r.members) == 24 and not r.not_in_table
    assert "N00945" in r.not_gender_split
    frame = r.to_frame()
    assert frame.loc[frame["member_id"] == "N00410", "status"].item() == "missing"
    assert frame.loc[frame["member_id"] == "N00945", "status"].item() == "not_gender_split"
    assert resolve_kpi_group("G2KPI148336").missing == ["N74811"]


def test_resolve_group_live_and_against_another_catalogue() -> None:
    live = pd.DataFrame(
        {
            "group_id": ["G9", "G9", "G9"],
            "group_title": ["Mina"] * 3,
            "member_id": ["N00906", "N99999", "N00905"],
            "member_title": ["a", "b", "c"],
        }
    )
    r = resolve_kpi_group("G9", groups=live)
    assert (r.source, r.members, r.missing) == ("live", ["N00906", "N00905"], ["N99999"])
    catalogue = pd.DataFrame({"id": ["N00209"], "is_divided_by_gender": [True]})
    r = resolve_kpi_group("G2KPI148333", groups=live, catalogue=catalogue)
    assert r.source == "fallback" and r.members == ["N00209"] and len(r.missing) == 27
    with pytest.raises(UnknownIdError, match="G123"):
        resolve_kpi_group("G123")


def test_resolve_rules_skips_auxiliary_kpis() -> None:
    ids = ["U01405", "U01511", "N21704", "N01957", "ZZZ1"]
    rules = resolve_rules(None, ids, table=kpi_table())
    assert set(rules) == {"U01405", "N21704", "ZZZ1"}
    assert rules["ZZZ1"].direction == "need" and rules["ZZZ1"].provisional
    assert rules["ZZZ1"].reason == ""  # a flag, not the engine's prose
    given = resolve_rules([KpiRule("N00906", direction="lower_is_better")], ["N00906"])
    assert given["N00906"].direction == "lower_is_better"
    with pytest.raises(TypeError, match="kpi_table"):
        resolve_rules(None, ids)  # the engine holds no KPI table of its own


def test_election_years() -> None:
    ey = election_years()
    assert {1970, 1973, 1991, 1994, 1998, 2018, 2022, 2026} <= ey
    assert not {1995, 2019, 2020, 2021} & ey


def test_the_kpis_verb_is_not_shadowed_by_a_module() -> None:
    import koladagap
    import koladagap.benchmarking.kpi_table

    assert callable(koladagap.kpis)
    hits = koladagap.kpis("VAB", source="sample")
    assert "N00945" in set(hits["id"])
