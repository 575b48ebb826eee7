"""A small, fast run of the calibration harness (benchmarks/calibration.py).

The full run (20 seeds per scenario) is in benchmarks/RESULTS.md and docs/methods.md;
this one uses two seeds, so it checks per seed with the same targets.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import calibration


@pytest.fixture(scope="module")
def results() -> object:
    return calibration.run(range(2))


def test_no_unusual_kommun_gives_few_flags(results: object) -> None:
    df = results  # type: ignore[assignment]
    assert (df["null_act"] <= 2).all(), df[["scenario", "seed", "null_act"]]
    assert (df["null_flags"] <= 8).all(), df[["scenario", "seed", "null_flags"]]


def test_planted_gaps_are_found(results: object) -> None:
    df = results  # type: ignore[assignment]
    shares = df[~df["scenario"].isin(calibration.RECALL_EXEMPT)]
    assert (shares["planted_flagged"] >= 9).all(), shares[["scenario", "planted_flagged"]]
    assert shares["planted_flagged"].mean() >= 10
    assert shares["planted_act"].mean() >= 8


def test_follow_up_under_chance_rarely_moves(results: object) -> None:
    df = results  # type: ignore[assignment]
    assert df["fu_resolved"].mean() <= 2
    assert (df["fu_resolved"] <= 5).all() and (df["fu_new"] <= 6).all()


def test_markdown_names_every_scenario(results: object) -> None:
    text = calibration.markdown(results, 1.0)  # type: ignore[arg-type]
    for name in calibration.SCENARIOS:
        assert f"| {name} |" in text
