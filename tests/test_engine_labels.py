"""The engine writes codes; the programme gives it the readers' words for women and men."""

from __future__ import annotations

from pathlib import Path

from koladagap.benchmarking.plan import load_plan, starter_plan
from koladagap.benchmarking.run import run_plan
from koladagap.engine import RESULT_COLUMNS


def test_run_plan_labels_girls_and_boys_in_the_evaluation(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(starter_plan("0180", "Stockholm", ["N17461", "N00906"]), encoding="utf-8")
    res = run_plan(load_plan(plan), source="sample", meetings_dir=None)
    ev = res.evaluation
    assert not {"level_label_sv", "level_label_en", "disadvantaged_label"} & set(ev.columns)
    assert [c for c in RESULT_COLUMNS if c in ev.columns] == RESULT_COLUMNS
    words = ev.drop_duplicates("kpi").set_index("kpi")[["label_women", "label_men"]]
    assert words.loc["N17461"].tolist() == ["flickor", "pojkar"]  # a KPI about pupils
    assert words.loc["N00906"].tolist() == ["kvinnor", "män"]
    assert set(ev["disadvantaged"].dropna()) <= {"women", "men"}  # codes, not words
