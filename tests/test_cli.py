"""The command line: results, files, one-line errors and exit codes (offline)."""

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from koladagap.cli import EXIT_CACHE, EXIT_INPUT, main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_gaps_on_sample_to_stdout_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["gaps", "--kpi", "N00906", "--municipality", "0180", "--years", "2021-2022", "--sample"],
        capsys,
    )
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out), dtype={"municipality_id": str})
    assert df["municipality_id"].tolist() == ["0180", "0180"]
    assert df.loc[df.period == 2022, "gap"].item() == -46800.0


def test_fetch_to_parquet_keeps_leading_zeros(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "v.parquet"
    code, _, err = run(
        [
            "fetch",
            "--kpi",
            "N15428",
            "--municipality",
            "0180,0114",
            "--years",
            "2022",
            "--sample",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0, err
    assert "Skrev 6 rader" in err
    df = pd.read_parquet(out)
    assert set(df["municipality_id"]) == {"0180", "0114"}


def test_search(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["search", "sjukpenningtalet", "--gender-split", "--sample"], capsys)
    assert code == 0 and "N00938" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--years", "2022-2015"], "end comes before"),
        (["--years", "20x2"], "invalid years"),
        (["--years", "2099"], "impossible year"),
        (["--municipality", "180"], "did you mean 0180"),
        (["--municipality", "../etc"], "invalid municipality id"),
    ],
)
def test_bad_input_exit_2_one_line(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["fetch", "--kpi", "N00906", "--municipality", "0180", "--years", "2022", "--sample"]
    # later options override earlier ones
    code, out, err = run(base + args, capsys)
    assert code == EXIT_INPUT
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("koladagap: fel:") and needle in err


def test_unknown_ids_exit_2_naming_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        [
            "fetch",
            "--kpi",
            "N00906,N99999",
            "--municipality",
            "0180",
            "--years",
            "2022",
            "--sample",
        ],
        capsys,
    )
    assert code == EXIT_INPUT and "N99999" in err


def test_offline_with_empty_cache_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["fetch", "--kpi", "N00906", "--municipality", "0180", "--years", "2022", "--offline"],
        capsys,
    )
    assert code == EXIT_CACHE
    assert "N00906" in err and err.count("\n") == 1


def test_english_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        [
            "--lang",
            "en",
            "fetch",
            "--kpi",
            "N00906",
            "--municipality",
            "0180",
            "--years",
            "2022",
            "--sample",
            "--out",
            str(tmp_path / "x.csv"),
        ],
        capsys,
    )
    assert code == 0 and "Wrote 3 rows" in err


def test_bad_out_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        [
            "fetch",
            "--kpi",
            "N00906",
            "--municipality",
            "0180",
            "--sample",
            "--out",
            str(tmp_path / "x.txt"),
        ],
        capsys,
    )
    assert code == EXIT_INPUT and ".csv or .parquet" in err


def test_screen_sample_to_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from koladagap.engine.levels import LEVELS
    from koladagap.engine.screen import SCREEN_COLUMNS
    from koladagap.kolada.sample import sample_municipalities

    out = tmp_path / "screen.csv"
    code, stdout, err = run(
        ["screen", "--kpi", "N15428,N31814", "--years", "2020-2022", "--sample", "--out", str(out)],
        capsys,
    )
    assert code == 0, err
    assert stdout == "" and "Skrev 580 rader" in err
    df = pd.read_csv(out)  # default options: a plain CSV
    assert list(df.columns) == [*SCREEN_COLUMNS, "source"]  # the attribution comes last
    assert set(df["source"]) == {"Källa: Kolada; egen bearbetning"}
    assert {"kpi", "municipality_id", "period", "level"} <= set(df.columns)
    kommuner = sample_municipalities().query("type == 'K'")["id"].astype(int)
    assert len(df) == 2 * 290
    for kpi in ("N15428", "N31814"):
        rows = df[df["kpi"] == kpi]
        assert len(rows) == 290 and rows["municipality_id"].is_unique, kpi
        assert set(rows["municipality_id"]) == set(kommuner), kpi  # every kommun, no Riket
    assert set(df["period"]) == {2022}  # the last year is judged
    assert set(df["level"]) <= set(LEVELS)
    # leading zeros are in the file: read as text they survive
    ids = pd.read_csv(out, dtype={"municipality_id": str})["municipality_id"]
    assert "0114" in set(ids) and ids.str.fullmatch(r"\d{4}").all()


def test_screen_unknown_kpi_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "screen.csv"
    code, stdout, err = run(
        ["screen", "--kpi", "N15428,N99999", "--years", "2020-2022", "--sample", "--out", str(out)],
        capsys,
    )
    assert code == EXIT_INPUT
    assert stdout == "" and "N99999" in err and err.count("\n") == 1
    assert not out.exists()


def test_cache_path_follows_env(capsys: pytest.CaptureFixture[str], _private_cache: Path) -> None:
    code, out, _ = run(["cache", "path"], capsys)
    assert code == 0 and out.strip() == str(_private_cache)


@pytest.mark.demo
def test_demo_writes_tidy_data_and_gaps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["demo", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert "material:" not in out and "reference:z" not in out  # no machine codes
    assert "Stockholm (0180)" in out and "Källa: Kolada; egen bearbetning" in out
    vals = pd.read_csv(tmp_path / "values.csv", dtype={"municipality_id": str})
    assert {"0180", "0000"} <= set(vals["municipality_id"])
    assert set(vals["source"]) == {"Källa: Kolada"}
    gaps = pd.read_csv(tmp_path / "gaps.csv", dtype={"municipality_id": str})
    assert set(gaps["source"]) == {"Källa: Kolada; egen bearbetning"}
    assert (gaps["status"] == "not_computable").sum() == gaps["gap"].isna().sum()
    for name in ("plan.toml", "avvikelser.xlsx", "avvikelser.html", "avvikelser.md"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert (tmp_path / "sessions" / "benchmarking-1.json").exists()
    assert "Avvikelseanmälan" in (tmp_path / "avvikelser.md").read_text(encoding="utf-8")
    pack = tmp_path / "baspaket"
    assert (pack / "utgangslage_0180_2018.pdf").stat().st_size > 0
    assert (pack / "utgangslage_0180_2018.pptx").stat().st_size > 0
    assert list((pack / "charts").glob("*.png"))  # how many: tests/test_pack.py


def test_python_dash_m_entry_point() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "koladagap", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0 and r.stdout.startswith("koladagap ")


def test_screen_takes_rules_and_thresholds_from_a_partial_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "base.csv"
    code, _, err = run(["screen", "--kpi", "N15428", "--years", "2020-2022", "--sample",
                        "--out", str(base)], capsys)  # fmt: skip
    assert code == 0, err
    plan = tmp_path / "screen.toml"
    plan.write_text("[thresholds.reference]\nwatch_z = 2.0\n", encoding="utf-8")
    out = tmp_path / "lenient.csv"
    code, _, err = run(["screen", "--kpi", "N15428", "--years", "2020-2022", "--sample",
                        "--plan", str(plan), "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err  # no [organisation], no [kpis] ids: still a valid screen plan
    flags = {p: pd.read_csv(p)["level"].isin(["watch", "act"]).sum() for p in (base, out)}
    assert flags[out] > flags[base]  # the plan's lower watch z was used
    plan.write_text("[thresholds.credibility]\nfdr_q = 0.1\n", encoding="utf-8")
    code, _, err = run(["screen", "--kpi", "N15428", "--years", "2020-2022", "--sample",
                        "--plan", str(plan)], capsys)  # fmt: skip
    assert code == EXIT_INPUT and "no longer used" in err and len(err.strip().splitlines()) == 1
