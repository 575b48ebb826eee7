"""The benchmarking network: the network file, ``network init``, the run, natverk.csv, the CLI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import koladagap as kg
from koladagap.benchmarking.data import Kolada
from koladagap.benchmarking.network import (
    load_network,
    member_plan,
    network_kpis,
    parse_network,
    run_network,
)
from koladagap.benchmarking.network_init import network_starter
from koladagap.benchmarking.network_model import NETWORK_COLUMNS, NetworkResult
from koladagap.benchmarking.run import run_plan
from koladagap.cli.main import main
from koladagap.errors import ConfigError, InputError
from koladagap.labels import ATTRIBUTION_PROCESSED
from koladagap.render.network_text import with_reasons

MEMBERS = ["1233", "1280", "0180", "1480"]
MENTOR = "1283"
SAMPLE = Kolada(mode="sample")

GOOD = """
[network]
name = "Nätverk Test"

[[members]]
id = "1233"

[[members]]
id = "1280"

[mentor]
id = "1283"

[kpis]
ids = ["N15428", "N00906"]

[meetings]
baseline = { name = "Benchmarking 1", year = 2018 }
followups = [{ name = "Benchmarking 2", year = 2022 }]
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "natverk.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, NetworkResult]:
    """Four sample kommuner and a mentor, run at Benchmarking 2 (2022)."""
    folder = tmp_path_factory.mktemp("net")
    path = folder / "natverk.toml"
    path.write_text(network_starter(SAMPLE, MEMBERS, MENTOR, file=path.name), encoding="utf-8")
    return path, with_reasons(run_network(load_network(path), source=SAMPLE))


# --- the file ----------------------------------------------------------------------


def test_starter_parses_back_and_names_everyone() -> None:
    text = network_starter(SAMPLE, MEMBERS, MENTOR)
    net = parse_network(tomllib.loads(text))
    assert [o.id for o in net.members] == MEMBERS
    assert net.mentor is not None and net.mentor.id == MENTOR
    assert "# Helsingborg" in text and net.kpi_ids and not net.kpi_groups
    assert [m.name for m in net.meetings] == ["Benchmarking 1", "Benchmarking 2"]


def test_starter_for_regions_and_a_mixed_network() -> None:
    regions = parse_network(tomllib.loads(network_starter(SAMPLE, "0001,0012", "0014")))
    assert regions.kinds == {"region"} and regions.kpi_ids
    mixed = network_starter(SAMPLE, "0001,1233", None)
    assert "mixed network" in mixed
    assert parse_network(tomllib.loads(mixed)).mentor is None


def test_starter_refuses_bad_ids() -> None:
    with pytest.raises(InputError, match="twice"):
        network_starter(SAMPLE, "1233,1233", None)
    with pytest.raises(InputError, match="unknown kommun or region id: 9999"):
        network_starter(SAMPLE, "1233,9999", None)
    with pytest.raises(InputError, match="Riket"):
        network_starter(SAMPLE, "1233", "0000")


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda t: t.replace('[network]\nname = "Nätverk Test"\n', ""), "network"),
        (lambda t: t.replace('id = "1280"', 'id = "1233"'), "members[1].id"),
        (lambda t: t.replace('id = "1280"', "id = 1280"), "members[1].id"),
        (lambda t: t.replace("year = 2022", "year = 1900"), "meetings.followups[0].year"),
        (lambda t: t.replace('"Benchmarking 2"', '"Benchmarking 1"'), "meetings.followups[0]"),
        (lambda t: t.replace('ids = ["N15428", "N00906"]', "ids = []"), "kpis"),
        (lambda t: t + "\n[extra]\nx = 1\n", "extra"),
        (
            lambda t: t.replace('[mentor]\nid = "1283"', '[mentor]\nid = "1283"\nplan = "x.toml"'),
            "mentor.plan",
        ),
    ],
)
def test_bad_file_gives_one_line_naming_file_and_key(
    tmp_path: Path, change: object, key: str
) -> None:
    path = _write(tmp_path, change(GOOD))  # type: ignore[operator]
    with pytest.raises(ConfigError) as err:
        load_network(path)
    text = str(err.value)
    assert "\n" not in text and "natverk.toml" in text and key in text


def test_unknown_member_id_and_meeting_name(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('id = "1280"', 'id = "9999"'))
    with pytest.raises(ConfigError, match=re.escape("members[1].id")) as err:
        run_network(load_network(path), source=SAMPLE)
    assert "9999" in str(err.value) and "natverk.toml" in str(err.value)
    net = load_network(_write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="no meeting named 'Benchmarking 9'"):
        run_network(net, "Benchmarking 9", source=SAMPLE)


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="network init"):
        load_network(tmp_path / "none.toml")


# --- the run: consistency with screen and each member's own report -------------------


def test_levels_equal_screen_and_each_members_own_run(four: tuple[Path, NetworkResult]) -> None:
    path, res = four
    t = res.table
    assert list(t.columns) == list(NETWORK_COLUMNS)
    assert set(t["municipality_id"]) == {*MEMBERS, MENTOR}
    assert t.loc[t["role"] == "mentor", "municipality_id"].unique().tolist() == [MENTOR]
    judged = t.loc[t["level"].notna()]
    assert len(judged) > 0.9 * len(t)
    # screen: every kommun judged at each KPI's year, the network's rows are among them
    for period, rows in judged.groupby("period"):
        s = kg.screen(sorted(rows["kpi"].unique()), f"2012-{period}", source=SAMPLE)
        both = rows.merge(s, on=["kpi", "municipality_id"], suffixes=("", "_screen"))
        assert len(both) == len(rows)
        assert (both["level"].astype(str) == both["level_screen"].astype(str)).all()
    # each member's own run of its own plan (what its deviations report shows)
    net = load_network(path)
    kpis = network_kpis(net, SAMPLE)
    for org in net.organisations:
        own = run_plan(member_plan(net, org, kpis), source=SAMPLE, meetings_dir=None)
        mine = judged.loc[judged["municipality_id"] == org.id].set_index("kpi")["level"]
        theirs = own.table.set_index("kpi")["level"].reindex(mine.index)
        assert (mine.astype(str) == theirs.astype(str)).all(), org.id
        # at this follow-up no worsening lifts a level: the report's level is the same
        report = own.level.reindex(mine.index)
        assert (mine.astype(str) == report.astype(str)).all(), org.id
        shown = judged.loc[judged["municipality_id"] == org.id].set_index("kpi")["level_report"]
        assert (shown.astype(str) == report.astype(str)).all(), org.id
        # the network's one engine run and one comparison give each member its own figures
        assert res.comparison is not None and own.comparison is not None
        shared = res.comparison.loc[res.comparison["municipality_id"] == org.id]
        pd.testing.assert_frame_equal(
            shared.reset_index(drop=True), own.comparison.reset_index(drop=True)
        )


def test_result_carries_members_kpis_movement_and_reasons(
    four: tuple[Path, NetworkResult],
) -> None:
    _, res = four
    assert res.mentor == MENTOR and res.members["role"].iloc[-1] == "mentor"
    assert res.members.set_index("id").loc["1280", "name"] == "Malmö"
    assert res.meeting == "Benchmarking 2" and res.year == 2022
    assert res.movement is not None
    assert set(res.movement["meeting"]) == {"Benchmarking 1", "Benchmarking 2"}
    now = res.movement.loc[res.movement["meeting"] == "Benchmarking 2"]
    merged = now.merge(res.table, on=["kpi", "municipality_id"], suffixes=("", "_t"))
    assert (merged["level"].astype(str) == merged["level_t"].astype(str)).all()
    assert res.comparison is not None
    assert set(res.comparison["municipality_id"]) == {*MEMBERS, MENTOR}
    judged = res.table.loc[res.table["level"].notna()]
    assert judged["reason"].str.match(r"^[A-ZÅÄÖ]").all()
    assert res.thresholds_text is not None and "materiality.share_pp" in set(
        res.thresholds_text["setting"]
    )


def test_first_meeting_has_no_movement(tmp_path: Path) -> None:
    res = run_network(load_network(_write(tmp_path, GOOD)), "Benchmarking 1", source=SAMPLE)
    assert res.movement is None and res.comparison is None and res.year == 2018
    assert set(res.table["period"].dropna()) <= set(range(2010, 2019))


def test_region_network(tmp_path: Path) -> None:
    path = _write(tmp_path, network_starter(SAMPLE, "0001,0012", "0014"))
    res = run_network(load_network(path), source=SAMPLE)
    assert set(res.members["kind"]) == {"region"}
    assert set(res.table["municipality_id"]) == {"0001", "0012", "0014"}
    assert res.table["level"].notna().any()
    assert not res.table["area"].str.startswith("Kommunen").any()


def test_member_plan_keeps_its_own_rules(tmp_path: Path) -> None:
    own = tmp_path / "vellinge.toml"
    own.write_text(
        '[organisation]\nid = "1233"\n[kpis]\nids = ["N15428"]\n'
        '[kpis.N15428]\nexclude = true\nreason = "Mäts på annat sätt"\n'
        '[sessions]\nbaseline = { name = "B1", year = 2016 }\n',
        encoding="utf-8",
    )
    path = _write(tmp_path, GOOD.replace('id = "1233"', 'id = "1233"\nplan = "vellinge.toml"'))
    res = run_network(load_network(path), source=SAMPLE)
    lv = res.table.set_index(["kpi", "municipality_id"])["level"]
    assert lv[("N15428", "1233")] == "excluded" and lv[("N15428", "1280")] != "excluded"
    wrong = _write(tmp_path, GOOD.replace('id = "1280"', 'id = "1280"\nplan = "vellinge.toml"'))
    with pytest.raises(ConfigError, match=re.escape("members[1].plan")):
        run_network(load_network(wrong), source=SAMPLE)


# --- the CLI and natverk.csv ---------------------------------------------------------


def test_cli_init_and_run_write_a_plain_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "natverk.toml"
    args = ["network", "init", "--members", ",".join(MEMBERS), "--mentor", MENTOR]
    assert main([*args, "--out", str(plan), "--sample"]) == 0
    assert main([*args, "--out", str(plan), "--sample"]) == 2  # exists: --force
    assert load_network(plan).mentor is not None
    out = tmp_path / "ut"
    assert main(["network", "--plan", str(plan), "--out", str(out), "--sample"]) == 0
    captured = capsys.readouterr()
    assert "Källa: Kolada; egen bearbetning" in captured.out
    csv = pd.read_csv(out / "natverk.csv")
    assert csv.columns[-1] == "source" and set(csv["source"]) == {ATTRIBUTION_PROCESSED}
    assert {"kpi", "municipality_id", "period", "level", "gap", "reason", "role"} <= set(csv)
    assert len(csv) == len(MEMBERS + [MENTOR]) * csv["kpi"].nunique()
    ids = csv["municipality_id"].astype(str).str.zfill(4)
    assert set(ids[csv["role"] == "mentor"]) == {MENTOR}


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = _write(tmp_path, GOOD)
    assert main(["network", "--out", str(tmp_path / "x"), "--sample"]) == 2
    code = main(
        [
            "network",
            "--plan",
            str(plan),
            "--out",
            str(tmp_path / "x"),
            "--meeting",
            "Benchmarking 9",
            "--sample",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("koladagap: fel:") and "Benchmarking 9" in err[-1]


def test_mixed_network_keeps_every_pair_and_says_when_there_are_no_values(tmp_path: Path) -> None:
    kpis = ", ".join(f'"{k}"' for k in SAMPLE.available_kpis())
    text = GOOD.replace('id = "1280"', 'id = "0001"').replace('"N15428", "N00906"', kpis)
    res = with_reasons(run_network(load_network(_write(tmp_path, text)), source=SAMPLE), "en")
    assert len(res.table) == 3 * len(SAMPLE.available_kpis())
    assert set(res.members["kind"]) == {"kommun", "region"}
    empty = res.table.loc[res.table["level"].isna()]
    assert len(empty) and set(empty["municipality_id"]) == {"0001"}
    assert set(empty["reason"]) == {"No values for the year."}


def test_cli_meetings_dir_keeps_each_organisations_results(tmp_path: Path) -> None:
    plan = _write(tmp_path, GOOD)
    kept = tmp_path / "moten"
    b1 = ["network", "--plan", str(plan), "--meeting", "Benchmarking 1", "--sample"]
    assert main([*b1, "--out", str(tmp_path / "b1"), "--meetings-dir", str(kept)]) == 0
    assert sorted(p.name for p in kept.iterdir()) == ["1233", "1280", "1283"]
    assert all(any(p.rglob("*.*")) for p in kept.iterdir())
    b2 = ["network", "--plan", str(plan), "--sample", "--out", str(tmp_path / "b2")]
    assert main([*b2, "--meetings-dir", str(kept)]) == 0
    assert (tmp_path / "b2" / "natverk.xlsx").exists()
    # without it nothing is kept outside --out
    assert main([*b2[:-1], str(tmp_path / "b3")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b1", "b2", "b3", "moten", "natverk.toml"]
