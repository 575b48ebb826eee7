"""Gaps inside the organisation: units (schools) through the client, the OU cache and engine.

The OU data here are CONSTRUCTED (Kolada's real per-school values are not in the
shipped sample): twelve made-up grundskolor in Stockholm with shares around the
municipality's real N15428 level, two of them with the gender split suppressed
(null), one with a persistent gap favouring girls, served by the local stand-in
in Kolada's v3 shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kolada_standin import KoladaStandin
from koladagap.benchmarking.data import Kolada
from koladagap.benchmarking.units import (
    list_units,
    unit_gaps,
    unit_type,
    unit_values,
)
from koladagap.cli import EXIT_INPUT, main
from koladagap.errors import InputError, OfflineMissingError
from koladagap.kolada.http import HTTPSettings
from koladagap.kolada.sample import sample_values
from koladagap.render.units import plot_unit_gaps

YEARS = range(2016, 2023)
SCHOOLS = [f"V15E0180{i:05d}" for i in range(1, 13)]


def constructed_ou() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Twelve constructed schools (and two preschools) with N15428 values 2016–2022."""
    rng = np.random.default_rng(7)
    ou = pd.DataFrame(
        {
            "id": [*SCHOOLS, "V11E018000001", "V11E018000002"],
            "municipality": "0180",
            "title": [f"Skola {i:02d}" for i in range(1, 13)] + ["Förskola A", "Förskola B"],
        }
    )
    rows = []
    for i, sid in enumerate(SCHOOLS):
        for y in YEARS:
            girls = 88 + rng.normal(0, 1.5)
            boys = girls - 1 + rng.normal(0, 1.5)
            if i == 0:  # a school where girls are far ahead every year
                boys = girls - 14
            if i in (10, 11):  # small schools: the split is suppressed
                girls = boys = np.nan
            total = np.nanmean([girls, boys]) if i < 10 else 87.0
            for g, v in (("K", girls), ("M", boys), ("T", total)):
                rows.append(("N15428", sid, y, g, round(float(v), 1) if v == v else None))
    vals = pd.DataFrame(rows, columns=["kpi", "ou_id", "period", "gender", "value"])
    vals["count"] = pd.array([pd.NA] * len(vals), dtype="Int64")
    vals["status"] = ""
    vals["isdeleted"] = False
    return ou, vals


@pytest.fixture(scope="module")
def server() -> Iterator[KoladaStandin]:
    ou, vals = constructed_ou()
    s = sample_values()
    keep = s["kpi"].eq("N15428") & s["period"].between(2016, 2022)
    with KoladaStandin(s.loc[keep], ou=ou, ou_values=vals) as srv:
        yield srv


def online(server: KoladaStandin, cache: Path) -> Kolada:
    settings = HTTPSettings(rate_limit=0, backoff_factor=0.01, retries=2)
    return Kolada(server.base_url, cache_dir=str(cache), settings=settings)


def test_unit_type() -> None:
    assert unit_type("V15E018000201") == "V15" and unit_type("0180") == ""


def test_list_units_by_type(server: KoladaStandin, tmp_path: Path) -> None:
    kg = online(server, tmp_path)
    units = list_units(kg, "0180", "V15")
    assert units["id"].tolist() == SCHOOLS
    assert len(list_units(kg, "0180")) == 14
    assert list_units(kg, "0180", "v99").empty  # a type Kolada may have: no units of it here
    said = r"invalid unit type \(--type\) 'skola'.*V15 \(grundskola F-9\)"
    with pytest.raises(InputError, match=said):
        list_units(kg, "0180", "skola")


def test_unit_values_are_cached_apart_and_offline(server: KoladaStandin, tmp_path: Path) -> None:
    kg = online(server, tmp_path)
    v = unit_values(kg, "N15428", SCHOOLS, "2020-2022")
    assert len(v) == 12 * 3 * 3 and set(v["ou_id"]) == set(SCHOOLS)
    assert (tmp_path / "ou_values" / "kpi=N15428" / "part.parquet").exists()
    assert not (tmp_path / "values" / "kpi=N15428").exists()
    n = server.request_count
    offline = Kolada(cache_dir=str(tmp_path), mode="offline")
    again = unit_values(offline, "N15428", SCHOOLS, "2021-2022")
    assert server.request_count == n and len(again) == 12 * 3 * 2
    with pytest.raises(OfflineMissingError):
        unit_values(offline, "N15428", SCHOOLS, "2015-2016")


def test_unit_gaps_rank_and_statuses(server: KoladaStandin, tmp_path: Path) -> None:
    ug = unit_gaps(online(server, tmp_path), "0180", "N15428", 2022, kind="V15")
    t = ug.table.set_index("ou_id")
    # suppressed splits are "cannot assess", never a zero gap and never ranked
    for sid in SCHOOLS[10:]:
        assert t.loc[sid, "level"] == "not_computable" and pd.isna(t.loc[sid, "gap"])
        assert pd.isna(t.loc[sid, "rank"])
    # the school with a large persistent gap girls-ahead is material, credible
    top = t.loc[SCHOOLS[0]]
    assert top["gap"] == pytest.approx(14.0)
    assert top["level"] in {"info", "watch", "act"} and "material:" in top["reasons"]
    # Stockholm's own gap in 2022 is +1.2 (girls ahead), so school 1 drives it most
    assert ug.organisation.set_index("kpi").loc["N15428", "gap"] == pytest.approx(1.2196, abs=1e-3)
    assert top["rank"] == 1 and bool(top["drives"])
    counts = ug.status_counts()
    assert counts.loc["N15428", "not_computable"] == 2


def test_unit_table_speaks_of_units_only(server: KoladaStandin, tmp_path: Path) -> None:
    ug = unit_gaps(online(server, tmp_path), "0180", "N15428", 2022, kind="V15")
    assert {"kpi", "ou_id", "unit_title", "gap", "level"} <= set(ug.table.columns)
    assert not {"municipality_id", "municipality"} & set(ug.table.columns)
    assert set(ug.table["ou_id"]) == set(SCHOOLS)


def test_unit_table_gives_reasons_in_words(server: KoladaStandin, tmp_path: Path) -> None:
    """The units' "Skäl" are sentences about units, never the engine's codes."""
    from koladagap.render.units import unit_table

    ug = unit_gaps(online(server, tmp_path), "0180", "N15428", 2022, kind="V15")
    for lang, why, drives, among in [
        ("sv", "Skäl", "Driver kommunens skillnad", "enheter av samma slag"),
        ("en", "Reasons", "Drives the municipality's gap", "units of the same kind"),
    ]:
        t = unit_table(ug, lang)
        said = t[why].astype(str)
        assert not said.str.contains(r"[a-z]+_[a-z_]+|\w+:\S", regex=True).any()
        assert said.str.contains(among).any() and not said.str.contains("kommuner").any()
        assert set(t[drives].dropna()) <= ({"ja", "nej"} if lang == "sv" else {"yes", "no"})


def test_plot_unit_gaps_moved_to_render_and_the_old_name_warns() -> None:
    import koladagap.benchmarking.units as units

    with pytest.warns(DeprecationWarning, match="koladagap.render.units.plot_unit_gaps"):
        old = units.plot_unit_gaps
    assert old is plot_unit_gaps


def test_plot_unit_gaps(server: KoladaStandin, tmp_path: Path) -> None:
    ug = unit_gaps(online(server, tmp_path), "0180", "N15428", 2022, kind="V15")
    ax = plot_unit_gaps(ug, "N15428")
    bars = [a for a in ax.containers]
    assert sum(len(b) for b in bars) == 10  # 12 schools, 2 not computable
    gids = {line.get_gid() for line in ax.get_lines()}
    assert {"organisation", "riket"} <= gids
    texts = " ".join(t.get_text() for t in ax.figure.texts)
    assert "Källa: Kolada; egen bearbetning" in texts
    assert "2 enheter utan könsuppdelat värde" in texts


def test_cli_units(
    server: KoladaStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "enheter.csv"
    chart = tmp_path / "enheter.png"
    args = ["units", "--api-url", server.base_url, "--rate", "0", "--cache-dir", str(tmp_path)]
    code = main(
        [
            *args,
            "--municipality",
            "0180",
            "--type",
            "V15",
            "--kpi",
            "N15428",
            "--years",
            "2018-2022",
        ]
        + ["--out", str(out), "--chart", str(chart)]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    df = pd.read_csv(out)
    assert len(df) == 12 and df["Enhet"].iloc[0] == "Skola 01"
    assert chart.stat().st_size > 0
    assert "kan inte beräknas: 2" in captured.out
    code = main(
        [*args, "--municipality", "0180", "--type", "X1", "--kpi", "N15428", "--years", "2022"]
    )
    assert code == EXIT_INPUT


def test_plan_with_units_adds_a_report_section(server: KoladaStandin, tmp_path: Path) -> None:
    import openpyxl

    from koladagap.benchmarking.plan import parse_plan
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.report import write_report

    plan = parse_plan(
        {
            "organisation": {"id": "0180"},
            "kpis": {"ids": ["N15428"]},
            "sessions": {"baseline": {"name": "B1", "year": 2018}},
            "units": {"type": "V15"},
        }
    )
    assert plan.units_type == "V15" and plan.units_kpis == ("N15428",)
    res = run_plan(plan, source=online(server, tmp_path / "c"), meetings_dir=None)
    assert res.units is not None and len(res.units.table) == 12
    (xlsx,) = write_report(res, tmp_path / "r.xlsx")
    assert "Enheter" in openpyxl.load_workbook(xlsx).sheetnames
    (md,) = write_report(res, tmp_path / "r.md")
    text = md.read_text(encoding="utf-8")
    assert "## Enheter" in text and "Skola 01" in text
    assert "material:" not in text and "not_computable" not in text  # reasons in words
    assert "enheter av samma slag" in text
