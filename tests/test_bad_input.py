"""Bad input through the command line (``koladagap.cli.main``), table-driven.

Every row must end in exactly one line on stderr, ``koladagap: fel: …`` naming
what is wrong (the file and key for a plan), nothing on stdout and a non-zero
exit code: 2 for bad input, 4 for a cache problem. A corrupt cache file is an
error offline and, online, is reported, set aside and fetched again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from koladagap.cli import EXIT_CACHE, EXIT_INPUT, main
from koladagap.kolada.sample import sample_values

PLAN = """[organisation]
id = "0180"

[kpis]
ids = ["N15428", "N00906"]

[sessions]
baseline = { name = "Benchmarking 1", year = 2018 }
followups = [{ name = "Benchmarking 2", year = 2022 }]
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, out: str, err: str, want_code: int, *needles: str) -> None:
    assert code == want_code, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("koladagap: fel: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


# --- plan files ----------------------------------------------------------------------------

BAD_PLANS = [
    # (name, plan text, what the message must name)
    ("malformed TOML", PLAN.replace("[kpis]", "[kpis"), ["not valid TOML", "line 4"]),
    ("not text", "\x00\x01\x02", ["not valid TOML"]),
    ("empty file", "", ["missing section [organisation]"]),
    ("unknown key", PLAN.replace("[kpis]", 'colour = "red"\n[kpis]'), ["organisation.colour"]),
    ("unknown section", PLAN + "[extras]\nx = 1\n", ["extras: unknown key"]),
    (
        "unknown threshold",
        PLAN + "[thresholds.materiality]\nshare_ppp = 5\n",
        ["thresholds.materiality.share_ppp", "unknown threshold"],
    ),
    (
        "threshold below range",
        PLAN + "[thresholds.materiality]\nshare_pp = -5\n",
        ["thresholds.materiality.share_pp", "got -5.0"],
    ),
    (
        "threshold above range",
        PLAN + "[thresholds.materiality]\nshare_pp = 500\n",
        ["thresholds.materiality.share_pp", "got 500.0"],
    ),
    (
        "threshold not a number",
        PLAN + '[thresholds.materiality]\nshare_pp = "five"\n',
        ["thresholds.materiality.share_pp", "expected a number"],
    ),
    ("year before Kolada", PLAN.replace("2018", "1850"), ["sessions.baseline.year", "1850"]),
    ("year in the future", PLAN.replace("2018", "2999"), ["sessions.baseline.year", "2999"]),
    (
        "follow-up before baseline",
        PLAN.replace("year = 2022", "year = 2010"),
        ["sessions.followups[0].year", "cannot come before"],
    ),
    ("organisation ../", PLAN.replace('"0180"', '"../0180"'), ["organisation.id", "../0180"]),
    ("organisation /", PLAN.replace('"0180"', '"01/80"'), ["organisation.id", "01/80"]),
    ("KPI ../", PLAN.replace('"N15428"', '"../N15428"'), ["kpis.ids", "../N15428"]),
    ("KPI /", PLAN.replace('"N15428"', '"N15/428"'), ["kpis.ids", "N15/428"]),
    ("KPI with a space", PLAN.replace('"N15428"', '"N15 428"'), ["kpis.ids", "N15 428"]),
    # numbers that are not finite or beyond range, text where text belongs (issue 14)
    *[
        (
            f"{key} = {value}",
            f"{PLAN}[{table}]\n{key} = {value}\n{extra}",
            [f"{table}.{key}", needle],
        )
        for table, key, value, extra, needle in [
            ("kpis.N15428", "expected", "nan", "", "finite number"),
            ("kpis.N15428", "expected", "-inf", "", "finite number"),
            ("kpis.N15428", "expected", "1" + "0" * 400, "", "401 digits"),
            ("kpis.N15428", "target_gap", "inf", "target_year = 2026", "finite number"),
            ("kpis.N15428", "target_value", "nan", "target_year = 2026", "finite number"),
            ("kpis.N15428", "reason", "5", "exclude = true", "text in quotes"),
            ("kpis.N15428", "title", "[1, 2]", "", "text in quotes"),
            ("kpis.N15428", "share_of", "5", "", '"K" or "M"'),
            ("kpis.N15428", "provisional", '"yes"', "", "true or false"),
            ("kpis.N15428", "pooled_years", str(2**63 - 1), "", "from 1 to 20"),
            ("thresholds.reference", "act_z", "inf", "", "finite number > 0.0"),
            ("thresholds.reference", "watch_z", "nan", "", "finite number > 0.0"),
            ("thresholds.reference", "min_n", str(2**63 - 1), "", "between 3 and 10000"),
            ("thresholds.credibility", "min_n", str(2**63 - 1), "", "between 0 and 1000000000"),
            ("thresholds.credibility", "min_n", "inf", "", "whole number"),
            ("thresholds.materiality", "gap_value_tolerance", "inf", "", "finite number >= 0"),
            ("thresholds.materiality", "share_pp", "1" + "0" * 400, "", "<= 100.0"),
            ("thresholds.materiality", "one_sex_band", "[nan, 60]", "", "finite number"),
            ("thresholds.followup", "z", "-inf", "", "finite number > 0.0"),
            ("kpis.N15428.thresholds.reference", "act_z", "inf", "", "finite number"),
        ]
    ],
]


@pytest.mark.parametrize("command", ["deviations", "baseline"])
@pytest.mark.parametrize(
    ("text", "needles"), [c[1:] for c in BAD_PLANS], ids=[c[0] for c in BAD_PLANS]
)
def test_bad_plan(
    command: str,
    text: str,
    needles: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    out = tmp_path / ("report.md" if command == "deviations" else "pack")
    code, stdout, err = run([command, "--plan", str(plan), "--out", str(out), "--sample"], capsys)
    assert_one_line_error(code, stdout, err, EXIT_INPUT, str(plan), *needles)
    assert not out.exists()
    assert not (tmp_path / "sessions").exists()


def test_missing_plan_and_a_folder_as_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for plan, needle in ((tmp_path / "nope.toml", "plan init"), (tmp_path, "cannot read")):
        code, out, err = run(
            ["deviations", "--plan", str(plan), "--out", str(tmp_path / "r.md"), "--sample"],
            capsys,
        )
        assert_one_line_error(code, out, err, EXIT_INPUT, str(plan), needle)


# --- ids, years and options on the command line -----------------------------------------------

BAD_ARGS = [
    # (name, options replacing the good ones, what the message must name)
    ("KPI ../", ["--kpi", "../N00906"], "'../N00906'"),
    ("KPI with /", ["--kpi", "N00906/.."], "'N00906/..'"),
    ("KPI with a space", ["--kpi", "N00 906"], "'906'"),
    ("no KPI", ["--kpi", ""], "no KPI id"),
    ("municipality ../", ["--municipality", "../0180"], "'../0180'"),
    ("municipality with /", ["--municipality", "0180/"], "'0180/'"),
    ("municipality ../../", ["--municipality", "0180,../../etc"], "'../../etc'"),
    ("municipality with a space", ["--municipality", "01 80"], "'01'"),
    ("years reversed", ["--years", "2022-2015"], "end comes before"),
    ("years malformed", ["--years", "20x2"], "'20x2'"),
    ("year open range", ["--years", "2015-"], "'2015-'"),
    ("year negative", ["--years", "-5"], "'-5'"),
    ("year before Kolada", ["--years", "1850"], "impossible year 1850"),
    ("year far ahead", ["--years", "2999"], "impossible year 2999"),
    ("year next year", ["--years", str(pd.Timestamp.now().year + 1)], "impossible year"),
    ("negative rate", ["--rate", "-1"], "rate_limit"),
    ("no workers", ["--max-workers", "0"], "max_workers"),
    ("too many workers", ["--max-workers", "99"], "max_workers"),
    ("not an API URL", ["--api-url", "ftp://example"], "invalid Kolada API URL"),
]


@pytest.mark.parametrize(
    ("args", "needle"), [c[1:] for c in BAD_ARGS], ids=[c[0] for c in BAD_ARGS]
)
def test_bad_fetch_arguments(
    args: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # sent nowhere: the input is rejected before any request (port 9 is the discard port)
    good = ["--kpi", "N00906", "--municipality", "0180", "--years", "2022"]
    source = ["--api-url", "http://127.0.0.1:9/v3", "--cache-dir", str(tmp_path / "c")]
    code, out, err = run(["fetch", *source, *good, *args], capsys)
    assert_one_line_error(code, out, err, EXIT_INPUT, needle)
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["cache", "clear", "--kpi", "../x"], "'../x'"),
        (["cache", "clear", "--kpi", "N00906/../../x"], "'N00906/../../x'"),
        (["plan", "init", "--municipality", "../0180", "--sample"], "'../0180'"),
        (["plan", "init", "--municipality", "0180,1280", "--sample"], "exactly one"),
        (["plan", "init", "--municipality", "0180", "--sample", "--baseline", "1850"], "1850"),
        (
            [
                "plan",
                "init",
                "--municipality",
                "0180",
                "--sample",
                "--baseline",
                "2022",
                "--followup",
                "2018",
            ],
            "cannot come before",
        ),
        (["gaps", "--kpi", "N00906", "--municipality", "0180/..", "--sample"], "'0180/..'"),
        (["baseline", "--plan", "p.toml", "--out", "x", "--format", "gif", "--sample"], "gif"),
        (["deviations", "--plan", "p.toml", "--out", "r.docx", "--sample"], "r.docx"),
        (["fetch", "--sample", "--kpi", "N00906", "--out", "v.xlsx"], "v.xlsx"),
    ],
)
def test_bad_arguments_of_other_commands(
    args: list[str],
    needle: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.toml").write_text(PLAN, encoding="utf-8")
    code, out, err = run(args, capsys)
    assert_one_line_error(code, out, err, EXIT_INPUT, needle)
    assert not (tmp_path / "plan.toml").exists()


# --- a corrupt cache -----------------------------------------------------------------------------

QUERY = ["--kpi", "N00906", "--municipality", "0180,1280", "--years", "2020-2022"]


def fill(standin: Any, cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["fetch", "--api-url", standin.base_url, "--rate", "0", "--cache-dir", str(cache), *QUERY],
        capsys,
    )
    assert code == 0, err


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"PAR1 not parquet at all PAR1")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    else:  # flipped bytes inside the data pages: the page checksums catch them
        mid = bytearray(data)
        mid[100:300] = bytes(b ^ 0xFF for b in mid[100:300])
        path.write_bytes(bytes(mid))


@pytest.mark.parametrize("how", ["garbage", "truncated", "empty", "flipped"])
def test_corrupt_cache_file_offline_is_a_one_line_error(
    how: str, standin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    fill(standin, cache, capsys)
    (part,) = cache.glob("values/kpi=N00906/*.parquet")
    damage(part, how)
    code, out, err = run(["fetch", "--offline", "--cache-dir", str(cache), *QUERY], capsys)
    if how == "empty":  # an empty file is no Parquet file: it is corrupt as well
        assert code == EXIT_CACHE
    assert_one_line_error(code, out, err, EXIT_CACHE, str(part), "cache clear --kpi N00906")


def test_corrupt_cache_file_online_is_reported_and_fetched_again(
    standin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As a user runs it (a process, so that stderr is the real one)."""
    cache = tmp_path / "cache"
    fill(standin, cache, capsys)
    (part,) = cache.glob("values/kpi=N00906/*.parquet")
    damage(part, "truncated")
    n = standin.request_count
    out = tmp_path / "v.parquet"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "koladagap",
            "fetch",
            "--api-url",
            standin.base_url,
            "--rate",
            "0",
            "--cache-dir",
            str(cache),
            *QUERY,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    report = [line for line in proc.stderr.splitlines() if "koladagap: varning:" in line]
    assert len(report) == 1 and str(part) in report[0] and "fetching again" in report[0]
    assert standin.request_count > n  # fetched again, not read as empty
    got = pd.read_parquet(out).sort_values(["municipality_id", "period", "gender"])
    s = sample_values()
    want = s[
        (s["kpi"] == "N00906")
        & s["municipality_id"].isin(["0180", "1280"])
        & s["period"].between(2020, 2022)
    ]
    assert len(got) == len(want) == 18
    assert (
        got["value"].tolist()
        == want.sort_values(["municipality_id", "period", "gender"])["value"].tolist()
    )
    assert len(list((cache / "quarantine").glob("N00906-*.parquet"))) == 1


def fill_municipalities(standin: Any, cache: Path) -> Path:
    """The municipality table cached (a fetch with ids no longer needs it): its path."""
    from koladagap.benchmarking.data import Kolada
    from koladagap.kolada.http import HTTPSettings

    Kolada(standin.base_url, cache_dir=cache, settings=HTTPSettings(rate_limit=0)).municipalities()
    path = cache / "meta" / "municipalities.parquet"
    assert path.is_file()
    return path


def test_corrupt_metadata_table_is_a_one_line_error(
    standin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    fill(standin, cache, capsys)
    meta = fill_municipalities(standin, cache)
    damage(meta, "garbage")
    # offline it is an error naming the file; online it is fetched again (next test)
    code, out, err = run(["fetch", "--offline", "--cache-dir", str(cache), *QUERY], capsys)
    assert_one_line_error(code, out, err, EXIT_CACHE, str(meta), "cache clear")


def test_corrupt_metadata_table_online_is_fetched_again(
    standin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    fill(standin, cache, capsys)
    damage(fill_municipalities(standin, cache), "garbage")
    code, _, err = run(
        ["fetch", "--api-url", standin.base_url, "--rate", "0", "--cache-dir", str(cache), *QUERY],
        capsys,
    )
    assert code == 0, err


# --- file system errors: one line, never a traceback ------------------------------------------


def test_output_under_a_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    code, _, err = run(["fetch", "--sample", *QUERY, "--out", str(blocker / "v.csv")], capsys)
    assert code != 0 and err.count("\n") == 1 and str(blocker) in err


def test_cache_dir_that_is_a_file_is_a_one_line_error(
    standin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    code, _, err = run(
        [
            "fetch",
            "--api-url",
            standin.base_url,
            "--rate",
            "0",
            "--cache-dir",
            str(blocker),
            *QUERY,
        ],
        capsys,
    )
    assert code == EXIT_CACHE and err.count("\n") == 1 and str(blocker) in err
