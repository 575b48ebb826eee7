"""Regions are first-class: region plans, the other 20 regioner as peers, areas by type."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import koladagap as kg
from koladagap.benchmarking.data import REGION_PEERS_TITLE, Kolada
from koladagap.benchmarking.kpi_table import kpi_table, operating_areas
from koladagap.benchmarking.plan import load_plan, parse_plan, starter_plan
from koladagap.benchmarking.plan_init import KPI_GROUP_REGION, starter_kpis, starter_plan_for
from koladagap.benchmarking.run import run_plan
from koladagap.cli import main
from koladagap.columns import org_kind
from koladagap.errors import ConfigError, InputError
from koladagap.kolada.sample import sample_values
from koladagap.render.report import write_report
from koladagap.render.reports.write_csv import slug

REGIONS = 21


def _with_region_values() -> set[str]:
    s = sample_values()
    s = s.loc[s["value"].notna() & org_kind(s["municipality_id"]).eq("region")]
    return set(s["kpi"].astype(str))


def _region_plan(tmp_path: Path, extra: str = "") -> Path:
    text, _ = starter_plan_for(Kolada(mode="sample"), "0001", announce=False)
    path = tmp_path / "region.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def _no_warnings(recwarn: pytest.WarningsRecorder, caplog: pytest.LogCaptureFixture) -> None:
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not loud, loud
    assert not [str(w.message) for w in recwarn.list], [str(w.message) for w in recwarn.list]


# --- peers ---------------------------------------------------------------------------


def test_peers_of_a_region_are_the_other_20_regioner() -> None:
    p = kg.peers("0001", source="sample")
    assert len(p) == REGIONS - 1 and "0001" not in set(p["id"])
    assert org_kind(p["id"]).eq("region").all()
    assert set(p["group_title"]) == {REGION_PEERS_TITLE} == {"Övriga regioner"}
    # another family is RKA's "Liknande regioner" group: 7 regioner
    socio = kg.peers("0001", "socioekonomi", source="sample")
    assert len(socio) == 7 and socio["group_title"].str.startswith("Liknande regioner").all()
    with pytest.raises(InputError, match="for a region; accepted: övergripande, socioekonomi"):
        kg.peers("0001", "grundskola", source="sample")  # a kommun family


def test_peers_of_a_kommun_are_unchanged() -> None:
    p = kg.peers("1233", source="sample")
    assert len(p) == 7 and org_kind(p["id"]).eq("kommun").all()
    assert p["group_title"].str.startswith("Liknande kommuner, övergripande").all()


def test_peers_of_riket_is_a_one_line_input_error() -> None:
    with pytest.raises(InputError) as err:
        kg.peers("0000", source="sample")
    text = str(err.value)
    assert "\n" not in text and "Riket" in text
    assert "kommun" in text and "region" in text and "0180" in text  # what is accepted


# --- plan init -----------------------------------------------------------------------


def test_plan_init_for_a_region_offline_is_a_region_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.toml"
    argv = ["--lang", "en", "plan", "init", "--municipality", "0001", "--sample"]
    assert main([*argv, "--out", str(out)]) == 0
    plan = load_plan(out)
    assert plan.organisation == "0001" and plan.peer_family == "övergripande"
    have = _with_region_values()
    assert plan.kpi_ids and set(plan.kpi_ids) <= have  # only KPIs with region data
    assert {"N00945", "N01982"} <= set(plan.kpi_ids)  # the members of G2KPI148336 in the sample
    # the KPIs left out are named, once, in one line, with the reason
    err = capsys.readouterr().err
    notes = [x for x in err.splitlines() if "not in the plan" in x]
    assert len(notes) == 1 and notes[0].startswith("koladagap: warning: ")
    left = set(sample_values()["kpi"].astype(str)) - set(plan.kpi_ids)
    assert left and all(k in notes[0] for k in left)
    assert "no values for Region Stockholm in the shipped sample" in notes[0]
    text = out.read_text(encoding="utf-8")
    assert "Övriga regioner" in text and KPI_GROUP_REGION in text
    assert "Liknande kommuner" not in text
    assert "# Left out 7 of 19 KPIs" in text  # kept in the plan too


def test_plan_init_for_a_kommun_lists_every_sample_kpi(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="koladagap"):
        text, name = starter_plan_for(Kolada(mode="sample"), "1233")
    plan = parse_plan(tomllib.loads(text))
    assert name == "Vellinge" and set(plan.kpi_ids) == set(sample_values()["kpi"].astype(str))
    assert not caplog.records  # nothing left out, nothing said
    assert "Liknande kommuner" in text and "Övriga regioner" not in text


def test_plan_init_offline_takes_the_cached_members_of_the_region_group(
    tmp_path: Path, standin: Any, fast_settings: Any
) -> None:
    cache = tmp_path / "cache"
    online = Kolada(base_url=standin.base_url, cache_dir=str(cache), settings=fast_settings)
    online.values(["N01982", "N00945", "N31814", "N00906"], None, "2020-2022")
    offline = Kolada(mode="offline", cache_dir=str(cache))
    k = starter_kpis(offline, "0001", "Region Stockholm")
    # N00906 is cached but no member of the group; N31814 has no region values
    assert k.kind == "region" and sorted(k.ids) == ["N00945", "N01982"]
    assert k.left_out == ["N31814"] and "the cache" in k.note
    # nothing of the group cached: the plan names the group, as online
    empty = starter_kpis(Kolada(mode="offline", cache_dir=str(tmp_path / "none")), "0001", "x")
    assert empty.ids == [] and empty.groups == [KPI_GROUP_REGION]


def test_plan_init_for_riket_is_refused() -> None:
    with pytest.raises(InputError, match="Riket"):
        starter_plan_for(Kolada(mode="sample"), "0000")


def test_a_region_plan_refuses_a_kommun_family(tmp_path: Path) -> None:
    text = starter_plan("0001", "Region Stockholm", ["N01982"]).replace(
        'peer_family = "övergripande"', 'peer_family = "grundskola"'
    )
    with pytest.raises(ConfigError, match="for a region; accepted: övergripande, socioekonomi"):
        parse_plan(tomllib.loads(text), path="region.toml")


# --- areas ---------------------------------------------------------------------------


def test_the_kpi_table_areas_fit_the_organisation_type() -> None:
    t = kpi_table()
    assert not t["area_kommun"].str.startswith("Region").any()
    assert not t["area_region"].str.startswith("Kommun").any()
    assert (t["area_kommun"] != "").all() and (t["area_region"] != "").all()


def test_kolada_areas_outside_the_table_are_moved_to_the_type() -> None:
    cat = pd.DataFrame(
        {
            "id": ["X1", "X2", "X3"],
            "operating_area": ["Regionen, övergripande", "Kommunen, övergripande", "Tandvård"],
        }
    )
    kommun = operating_areas(["X1", "X2", "X3"], "kommun", cat)
    region = operating_areas(["X1", "X2", "X3"], "region", cat)
    assert kommun.tolist() == ["Kommunen, övergripande"] * 2 + ["Hälso- och sjukvård"]
    assert region.tolist() == ["Regionen, övergripande"] * 2 + ["Tandvård"]


def _kpis_by_file(files: list[Path]) -> dict[str, set[str]]:
    """The KPI ids of each split workbook's overview sheet (the first)."""
    out: dict[str, set[str]] = {}
    for f in files:
        wb = openpyxl.load_workbook(f, read_only=True)
        cells = {str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value}
        wb.close()
        out[f.stem] = {c for c in cells if len(c) == 6 and c[0] in "NU" and c[1:].isdigit()}
    return out


def test_deviations_for_a_region_split_by_area_put_no_flag_in_a_kommun_area(
    tmp_path: Path,
) -> None:
    """Region Stockholm (0001): every area, so every flag it could have, fits a region."""
    res = run_plan(load_plan(_region_plan(tmp_path)), source="sample", meetings_dir=None)
    assert res.organisation_kind == "region"
    assert not any(a.startswith("Kommun") for a in res.areas.values()), res.areas
    assert res.areas["N00906"] == "Regionen, övergripande"  # Kolada: "Kommunen, övergripande"
    assert res.areas["N15428"] == "Utbildning, övergripande"  # a region runs no grundskola
    files = write_report(res, tmp_path / "r.xlsx", split_by_area=True)
    assert not any("kommun" in f.stem for f in files), [f.name for f in files]
    routed = _kpis_by_file(files[1:])
    assert set().union(*routed.values()) == set(res.table["kpi"])  # each KPI has its area


def test_a_region_flag_goes_to_a_region_area(tmp_path: Path) -> None:
    """Region Uppsala (0003): its 2022 watch flag lands in a region's area."""
    text, _ = starter_plan_for(Kolada(mode="sample"), "0003", announce=False)
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    res = run_plan(load_plan(tmp_path / "p.toml"), source="sample", meetings_dir=None)
    assert list(res.flags["kpi"]) == ["N17461"]
    assert res.areas["N17461"] == "Utbildning, övergripande"
    files = write_report(res, tmp_path / "r.xlsx", split_by_area=True)
    routed = _kpis_by_file(files[1:])
    assert [s for s, ks in routed.items() if "N17461" in ks] == ["r-utbildning-overgripande"]


def test_a_kommun_flag_never_goes_to_a_region_area(tmp_path: Path) -> None:
    """Vellinge (1233): N00905 (Kolada: "Regionen, övergripande") is kommun-wide for a kommun."""
    path = tmp_path / "plan.toml"
    path.write_text(starter_plan_for(Kolada(mode="sample"), "1233")[0], encoding="utf-8")
    res = run_plan(load_plan(path), source="sample", meetings_dir=None)
    assert len(res.flags) and res.organisation_kind == "kommun"
    assert res.areas["N00905"] == "Kommunen, övergripande"
    assert not any(a.startswith("Region") for a in res.areas.values()), res.areas
    files = write_report(res, tmp_path / "r.xlsx", split_by_area=True)
    assert not any("region" in f.stem for f in files), [f.name for f in files]
    routed = _kpis_by_file(files[1:])
    assert "N00905" in routed["r-kommunen-overgripande"]
    for kpi in res.flags["kpi"]:  # each flag in exactly one file, its area's
        assert [s for s, ks in routed.items() if kpi in ks] == [f"r-{slug(res.areas[kpi])}"]


# --- a valid plan runs without a warning ----------------------------------------------


@pytest.mark.parametrize("mid", ["1233", "0001"])
def test_a_valid_plan_runs_without_warnings(
    mid: str,
    tmp_path: Path,
    recwarn: pytest.WarningsRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="koladagap"):
        text, _ = starter_plan_for(Kolada(mode="sample"), mid, announce=False)
        path = tmp_path / "plan.toml"
        path.write_text(text, encoding="utf-8")
        res = run_plan(load_plan(path), source="sample", meetings_dir=tmp_path / "m")
    _no_warnings(recwarn, caplog)
    assert len(res.peers) == (REGIONS - 1 if mid == "0001" else 7)
    kind = "region" if mid == "0001" else "kommun"
    assert res.peer_group_title and res.organisation_kind == kind
    assert set(res.table["kpi"]) == set(res.plan.kpi_ids)  # no KPI dropped on the way


def test_a_region_plan_with_kpis_lacking_region_data_says_so_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(starter_plan("0001", "Region Stockholm", ["N01982", "N00090"]), "utf-8")
    with caplog.at_level(logging.INFO, logger="koladagap"):
        res = run_plan(load_plan(path), source="sample", meetings_dir=None)
    assert list(res.table["kpi"]) == ["N01982"]
    said = [r for r in caplog.records if "N00090" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.INFO
