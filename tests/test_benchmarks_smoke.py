"""A smoke run of the benchmark harness (``benchmarks/``): tiny sizes, no timing assertions.

The stand-in and the workers run in this process (``fetch.LOCAL``); koladapy, the
P4 chart pack and ``engine.py`` are left out (their own runs take minutes). What is
checked: the harness runs end to end, fetches exactly the served values, counts the
requests, and writes a RESULTS.md with every section.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import fetch  # noqa: E402
import report_pack  # noqa: E402
import run_all  # noqa: E402


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in and the workers in this process, without added latency."""
    monkeypatch.setattr(fetch, "LOCAL", True)
    monkeypatch.setattr(fetch, "LATENCY", 0.0)


def test_request_arithmetic() -> None:
    assert fetch.min_requests(64_670) == 13
    assert fetch.best_blind_requests(18, 290, 13) == (14, (18, 21, 13))
    assert fetch.best_blind_requests(1, 10, 1) == (1, (1, 10, 1))
    assert fetch.polite_seconds(23) == pytest.approx(2.25)
    assert fetch.polite_seconds(4, rate=0, workers=4, latency=0.05) == pytest.approx(0.05)
    assert fetch.polite_seconds(9, rate=0, workers=4, latency=0.05) == pytest.approx(0.15)


def test_what_is_asked() -> None:
    kpis = fetch.p1_kpis()
    assert len(kpis) == 18 and "N00945" not in kpis
    assert len(fetch.kommuner()) == 290
    assert fetch.scaled_kpis(2)[18] == "N00090X01"
    assert fetch.expected_rows(kpis, fetch.kommuner()) == 194_010
    assert fetch.served_objects(kpis, fetch.kommuner()) == 64_670


def test_standin_frames_clone_and_extra_kpis() -> None:
    values, kpis = fetch._standin_frames({"scale": 2, "extra": [["N15436", "N15428", 2.0]]})
    clone = values[values["kpi"] == "N15428X01"]
    assert len(clone) > 0 and clone["period"].between(2010, 2022).all()
    assert "N15428X01" in set(kpis["id"])
    extra = values[values["kpi"] == "N15436"].reset_index(drop=True)
    base = values[values["kpi"] == "N15428"].reset_index(drop=True)
    assert len(extra) == len(base)
    women = (base["gender"] == "K").to_numpy()
    np.testing.assert_array_equal(extra["value"][women], base["value"][women] * 2)
    np.testing.assert_array_equal(extra["value"][~women], base["value"][~women])


def test_p4_extra_kpis_are_real_and_of_the_same_kind() -> None:
    from koladagap.benchmarking.kpi_table import kpi_table
    from koladagap.kolada.sample import sample_kpis

    table = kpi_table().set_index("id")
    catalogue = set(sample_kpis()["id"])
    kpis = report_pack.plan_kpis()
    assert len(kpis) == len(set(kpis)) == 30
    for new, template, _ in report_pack.EXTRA:
        assert new in catalogue and new in table.index
        assert table.at[new, "kind"] == table.at[template, "kind"], new
        assert not table.at[new, "denominator_kpi"] and not table.at[new, "moe_kpi"]


def test_plan_for_p4(tmp_path: Path) -> None:
    from koladagap.benchmarking.plan import load_plan

    plan = load_plan(report_pack.write_plan(tmp_path))
    assert plan.organisation == "0180" and len(plan.kpi_ids) == 30
    assert (plan.baseline.year, plan.followups[-1].year) == (2018, 2022)


@pytest.mark.slow
@pytest.mark.bench
def test_quick_run_writes_results(local: None, tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    raw = tmp_path / "results.json"
    code = run_all.main(
        ["--quick", "--repeat", "1", "--skip-koladapy", "--skip-p4", "--skip-engine",
         "--out", str(out), "--json", str(raw)]
    )  # fmt: skip
    assert code == 0
    text = out.read_text(encoding="utf-8")
    for heading in ("# Benchmark results", "## Machine and versions", "## P1: cold fetch",
                    "## P2: refresh", "## Scaling", "## Calibration of the flags",
                    "| amounts |", "## Why a target is not met"):  # fmt: skip
        assert heading in text, heading
    assert "Failed:" not in text and "WRONG" not in text
    import json

    results: dict[str, Any] = json.loads(raw.read_text(encoding="utf-8"))
    p1 = results["P1"]["result"]
    for form in ("list", "bulk"):
        run = p1["runs"][form][0]
        assert run["rows"] == run["distinct"] == p1["expected_rows"] > 0
        assert run["data"] >= 1 and run["count"] >= run["data"]
    p2 = results["P2"]["result"]
    assert p2["refresh"]["bulk"]["refresh"][0]["data"] == 1  # nothing changed: one request
    assert p2["read"]["cache"]["rows"] == p1["expected_rows"]
    assert p2["offline_cli"][0]["rows"] == p1["expected_rows"]
    scaling = results["scaling"]["result"]
    assert scaling["2"]["fetch"]["rows"] == 2 * scaling["1"]["fetch"]["rows"]
    assert scaling["2"]["engine"]["result_rows"] > scaling["1"]["engine"]["result_rows"]
    # the Markdown can be written again from the raw figures
    again = tmp_path / "again.md"
    assert run_all.main(["--render", str(raw), "--out", str(again)]) == 0
    assert again.read_text(encoding="utf-8").splitlines()[5:] == text.splitlines()[5:]
