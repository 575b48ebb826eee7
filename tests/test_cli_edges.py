"""The command line's rough edges of issue 11, each pinned (offline).

Attribution in every CSV (a last column ``source``), a network failure that fails
fast in one line and points to ``--sample``, ``units --sample``, the demo's checks
before it writes, empty results, progress lines, a folder that belongs to one
organisation, a mistyped option with its command's usage, and the demo's summary
for a one-sex share.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from koladagap.cli import EXIT_API, EXIT_INPUT, main
from koladagap.cli.common import EXIT_EMPTY, FOLDER_MARK, save_table, with_source
from koladagap.labels import ATTRIBUTION, ATTRIBUTION_PROCESSED

SEL = ["--kpi", "N00906", "--municipality", "1233"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def closed_port() -> int:
    """A loopback port nothing listens on (bound once, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def cli(args: list[str], cache: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m koladagap ARGS`` in a child process: stderr as a user sees it."""
    env = {**os.environ, "KOLADAGAP_CACHE_DIR": str(cache), "MPLBACKEND": "Agg"}
    env.pop("KOLADA_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "koladagap", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=timeout,
    )


# --- 1. attribution: plain CSV, a last column `source` --------------------------------


def test_fetch_csv_is_plain_with_a_source_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "v.csv"
    code, _, err = run(["fetch", *SEL, "--years", "2022", "--sample", "--out", str(out)], capsys)
    assert code == 0, err
    df = pd.read_csv(out)  # default options
    assert df.columns[-1] == "source" and set(df["source"]) == {ATTRIBUTION}
    assert len(df) == 3 and "#" not in out.read_text(encoding="utf-8")


def test_gaps_piped_csv_says_processed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["gaps", *SEL, "--years", "2021-2022", "--sample"], capsys)
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert df.columns[-1] == "source" and set(df["source"]) == {ATTRIBUTION_PROCESSED}
    assert df["gap"].notna().all()


def test_parquet_has_the_column_and_the_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "g.parquet"
    code, _, err = run(["gaps", *SEL, "--years", "2022", "--sample", "--out", str(out)], capsys)
    assert code == 0, err
    assert pq.read_schema(out).metadata[b"source"].decode("utf-8") == ATTRIBUTION_PROCESSED
    df = pd.read_parquet(out)
    assert df["source"].tolist() == [ATTRIBUTION_PROCESSED]
    assert df["municipality_id"].tolist() == ["1233"]


def test_with_source_keeps_own_sources_and_moves_the_column_last(tmp_path: Path) -> None:
    df = pd.DataFrame({"source": ["Källa: egen mätning", None], "value": [1.0, 2.0]})
    framed = with_source(df, ATTRIBUTION)
    assert framed.columns.tolist() == ["value", "source"]
    assert framed["source"].tolist() == ["Källa: egen mätning", ATTRIBUTION]
    save_table(df, tmp_path / "x.csv", ATTRIBUTION)
    assert pd.read_csv(tmp_path / "x.csv")["source"].tolist() == framed["source"].tolist()


# --- 2. a network failure: fast, one line, the URL, the reason, --sample -------------


def test_connection_refused_gives_up_fast_with_few_attempts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import urllib3.util.connection as uconn
    import urllib3.util.retry as uretry

    from koladagap.errors import TransportError
    from koladagap.kolada.http import HTTPSettings, get_json, make_session

    attempts: list[Any] = []
    sleeps: list[float] = []
    real = uconn.create_connection
    real_backoff = uretry.Retry.get_backoff_time

    def counting(address: Any, *a: Any, **kw: Any) -> Any:
        attempts.append(address)
        return real(address, *a, **kw)

    def backoff(self: uretry.Retry) -> float:
        sleeps.append(real_backoff(self))
        return sleeps[-1]

    monkeypatch.setattr(uconn, "create_connection", counting)
    monkeypatch.setattr(uretry.Retry, "get_backoff_time", backoff)
    s = HTTPSettings()
    assert s.connect_retries < s.retries  # a dead host is retried less than a 503
    url = f"http://127.0.0.1:{closed_port()}/v3/kpi/N00906"
    with pytest.raises(TransportError) as exc:
        get_json(make_session(s), url, s)
    assert len(attempts) == s.connect_retries + 1
    assert sum(sleeps) <= 1.0  # the default backoff: 0 s, then 1 s
    assert exc.value.url == url
    text = str(exc.value)
    assert "connection refused" in text and url in text
    assert "NewConnectionError" not in text and "Max retries" not in text


def test_network_failure_is_one_line_naming_url_and_the_sample(tmp_path: Path) -> None:
    port = closed_port()
    api = f"http://127.0.0.1:{port}/v3"
    r = cli(["fetch", *SEL, "--years", "2022", "--api-url", api], tmp_path / "cache", 60)
    assert r.returncode == EXIT_API
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    line = lines[0]
    assert line.startswith("koladagap: fel: ")
    assert f"127.0.0.1:{port}" in line and "connection refused" in line
    assert "--sample" in line and "--offline" in line
    assert "urllib3" not in r.stderr and "Retrying" not in r.stderr
    assert r.stdout == ""


def test_retries_are_logged_with_verbose(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{closed_port()}/v3"
    r = cli(["-v", "fetch", *SEL, "--api-url", api, "--lang", "en"], tmp_path / "cache", 60)
    assert r.returncode == EXIT_API
    assert "; retry 1 in" in r.stderr and "Retrying (Retry(" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("koladagap: error: ")
    assert "without Kolada: run with --sample" in r.stderr


def test_a_request_kolada_refuses_gets_no_offline_hint() -> None:
    from koladagap.cli.main import _offline_hint
    from koladagap.errors import HTTPStatusError, ResponseFormatError

    assert _offline_hint("sv", HTTPStatusError("HTTP 422", url="u", status=422)) == ""
    assert "--sample" in _offline_hint("sv", HTTPStatusError("HTTP 503", url="u", status=503))
    assert "--sample" in _offline_hint("en", ResponseFormatError("HTML", url="u"))


# --- 3. units --sample -----------------------------------------------------------------


def test_units_sample_says_the_sample_has_no_unit_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        ["units", "--municipality", "1233", "--type", "V11", "--kpi", "N15428",
         "--years", "2018-2022", "--sample"],
        capsys,
    )  # fmt: skip
    assert code == EXIT_INPUT and out == ""
    assert err.count("\n") == 1
    assert "inga data per enhet (OU)" in err and "cache" in err and "--offline" in err
    assert "not in the cache" not in err


def test_unit_data_from_the_sample_is_an_input_error() -> None:
    from koladagap.benchmarking.data import Kolada
    from koladagap.benchmarking.units import list_units, unit_gaps, unit_values
    from koladagap.errors import InputError

    kg = Kolada(mode="sample")
    for call in (
        lambda: list_units(kg, "0180", "V15"),
        lambda: unit_values(kg, "N15428", ["V15E018000201"], 2022),
        lambda: unit_gaps(kg, "0180", "N15428", 2022, kind="V15"),
    ):
        with pytest.raises(InputError, match=r"sample holds no unit \(OU\) data"):
            call()


# --- 4. the demo checks the id before it writes ----------------------------------------


@pytest.mark.parametrize(
    ("mid", "needle"),
    [
        ("0000", "0000 är Riket"),
        ("9999", "9999 finns inte i det medföljande urvalet"),
        ("0180,1233", "inte flera"),
        ("G123456", "ingen kommun eller region"),
        ("18x", "invalid municipality id"),
    ],
)
def test_demo_refuses_what_is_no_organisation_before_writing(
    mid: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    code, stdout, err = run(["demo", "--municipality", mid, "--out", str(out)], capsys)
    assert code == EXIT_INPUT and stdout == ""
    assert err.count("\n") == 1 and needle in err, err
    assert not out.exists()


# --- 5. empty results say so and exit non-zero; "1 rad" -------------------------------


@pytest.mark.parametrize("command", ["fetch", "gaps"])
def test_no_values_is_one_line_naming_the_request(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    code, stdout, err = run(
        [command, *SEL, "--years", "1990", "--sample", "--out", str(out)], capsys
    )
    assert code == EXIT_EMPTY and stdout == ""
    assert err == "Inga värden för N00906 i 1233, år 1990; inget skrevs.\n"
    assert not out.exists()
    code, stdout, err = run(["--lang", "en", command, "--kpi", "N00906", "--years",
                             "1990", "--sample"], capsys)  # fmt: skip
    assert code == EXIT_EMPTY and stdout == ""  # no CSV header on stdout either
    assert err == "No values for N00906 in any kommun or region, years 1990; nothing was written.\n"


def test_empty_screen_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import koladagap.benchmarking.data as data

    monkeypatch.setattr(data, "screen", lambda *a, **kw: pd.DataFrame())
    code, stdout, err = run(["screen", "--kpi", "N15428", "--years", "2020-2022",
                             "--type", "region", "--sample"], capsys)  # fmt: skip
    assert code == EXIT_EMPTY and stdout == ""
    assert "N15428" in err and "alla regioner" in err and "2020-2022" in err


def test_one_row_is_one_rad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.csv"
    code, _, err = run(["gaps", *SEL, "--years", "2022", "--sample", "--out", str(out)], capsys)
    assert code == 0 and f"Skrev 1 rad till {out}" in err and "rader" not in err
    code, _, err = run(["--lang", "en", "gaps", *SEL, "--years", "2022", "--sample",
                        "--out", str(out), "--force"], capsys)  # fmt: skip
    assert code == 0 and "Wrote 1 row to" in err


# --- 6. progress lines ------------------------------------------------------------------


def test_fetch_says_what_it_does_online_on_a_terminal(
    standin: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(["fetch", *SEL, "--years", "2022", "--api-url", standin.base_url,
                          "--rate", "0"], capsys)  # fmt: skip
    assert code == 0, err
    assert "Hämtar värden …" in err and "N00906" in out


def test_fetch_prints_no_progress_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["fetch", *SEL, "--years", "2022", "--sample"], capsys)
    assert code == 0 and err == ""


# --- 7. an output folder belongs to one organisation ----------------------------------


def test_demo_refuses_another_organisations_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    out.mkdir()
    (out / FOLDER_MARK).write_text('{"organisation": "0180"}\n', encoding="utf-8")
    (out / "values.csv").write_text("stockholm\n", encoding="utf-8")
    code, stdout, err = run(["demo", "--municipality", "1233", "--out", str(out)], capsys)
    assert code == EXIT_INPUT and stdout == ""
    assert err.count("\n") == 1 and "0180" in err and "--force" in err
    assert (out / "values.csv").read_text(encoding="utf-8") == "stockholm\n"  # untouched


def test_demo_force_takes_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import koladagap.cli.demo as demo

    # the heavy part (plan, engine, report, pack) is the demo tests' job
    monkeypatch.setattr(demo, "_deviation_report", lambda *a: ([], None, None))
    monkeypatch.setattr(demo, "_baseline_pack", lambda *a: [])
    monkeypatch.setattr(demo, "_summary", lambda *a: None)
    out = tmp_path / "demo"
    out.mkdir()
    (out / FOLDER_MARK).write_text('{"organisation": "0180"}\n', encoding="utf-8")
    code, _, err = run(["demo", "--municipality", "1233", "--out", str(out), "--force"], capsys)
    assert code == 0, err
    assert '"1233"' in (out / FOLDER_MARK).read_text(encoding="utf-8")
    assert err.splitlines()[:2] == ["Hämtar värden …", "Ritar baspaketet …"]
    vals = pd.read_csv(out / "values.csv", dtype={"municipality_id": str})
    assert {"1233", "0000"} <= set(vals["municipality_id"]) and "0180" not in set(
        vals["municipality_id"]
    )


# --- 8. a mistyped option gets its command's usage ------------------------------------


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["deviations", "--plan", "p.toml", "--out", "r.xlsx", "--plna", "x"],
         "usage: koladagap deviations"),
        (["--lang", "en", "fetch", "--kpi", "N00906", "--yeers", "2020"],
         "usage: koladagap fetch"),
        (["plan", "init", "--municipality", "1233", "--bogus"], "usage: koladagap plan init"),
        (["demo", "--municiplity", "1233"], "usage: koladagap demo"),
    ],
)  # fmt: skip
def test_mistyped_option_gets_the_commands_usage(
    args: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(usage), err
    assert "unrecognized arguments: " + args[-1] in err or args[-2] in err
    assert "COMMAND ..." not in err  # not the top-level usage


# --- 9, 10. the demo end to end: no warnings, the one-sex share, data years -----------


@pytest.mark.demo
def test_demo_vellinge_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "vellinge"
    r = cli(["demo", "--municipality", "1233", "--out", str(out)], tmp_path / "cache")
    assert r.returncode == 0, r.stderr
    # progress, in order, and nothing else: no warnings
    assert r.stderr.splitlines() == [
        "Hämtar värden …",
        "Beräknar skillnader och avvikelser …",
        "Skriver rapporten …",
        "Ritar baspaketet …",
    ]
    lines = r.stdout.splitlines()
    vab = next(i for i, line in enumerate(lines) if line.strip().startswith("N00945"))
    assert "−16,7" in lines[vab]
    note = lines[vab + 1].strip()
    assert note.startswith("Andel män 33,3 %") and "avstånd från 50/50" in note
    assert "inte kvinnor − män" in note
    n00713 = next(line for line in lines if line.strip().startswith("N00713"))
    assert n00713.endswith("(data 2021)")
    for name, source in (("values.csv", ATTRIBUTION), ("gaps.csv", ATTRIBUTION_PROCESSED)):
        df = pd.read_csv(out / name, dtype={"municipality_id": str})  # default options
        assert df.columns[-1] == "source" and set(df["source"]) == {source}, name
        assert {"1233", "0000"} <= set(df["municipality_id"])
    assert '"1233"' in (out / FOLDER_MARK).read_text(encoding="utf-8")


@pytest.mark.demo
def test_demo_region_in_english_has_no_warnings(tmp_path: Path) -> None:
    out = tmp_path / "region"
    r = cli(["demo", "--municipality", "0001", "--out", str(out), "--lang", "en"],
            tmp_path / "cache")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [
        "Fetching values …",
        "Computing gaps and deviations …",
        "Writing the report …",
        "Drawing the baseline pack …",
    ], r.stderr
    assert "Region Stockholm (0001)" in r.stdout
    gaps = pd.read_csv(out / "gaps.csv", dtype={"municipality_id": str})
    assert "0000" in set(gaps["municipality_id"])


def test_log_lines_name_their_level_in_the_users_language() -> None:
    """A logged warning reads "koladagap: varning: …" in Swedish, "warning" in English."""
    import logging

    from koladagap.cli.main import LevelWords

    record = logging.LogRecord("koladagap", logging.WARNING, __file__, 1, "left out %d", (7,), None)
    assert LevelWords("sv").format(record) == "koladagap: varning: left out 7"
    assert LevelWords("en").format(record) == "koladagap: warning: left out 7"
    info = logging.LogRecord("koladagap", logging.INFO, __file__, 1, "x", None, None)
    assert LevelWords("sv").format(info) == "koladagap: info: x"


def test_plan_init_names_left_out_kpis_in_the_users_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A region's starter plan says once, in Swedish, which sample KPIs it leaves out."""
    from koladagap.cli import main

    out = tmp_path / "plan.toml"
    assert main(["plan", "init", "--municipality", "0001", "--sample", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("koladagap: varning:")]
    assert len(lines) == 1
    assert "7 av 19 nyckeltal har inga värden för Region Stockholm" in lines[0]
    assert "N31814" in lines[0] and "left out" not in err


def test_deviations_summary_counts_every_level_in_the_report_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The summary names each level as the report does (an excluded KPI is 'Undantagen')."""
    from koladagap.cli import main

    plan = tmp_path / "plan.toml"
    assert main(["plan", "init", "--municipality", "1233", "--sample", "--out", str(plan)]) == 0
    out = tmp_path / "avvikelser.md"
    argv = ["deviations", "--plan", str(plan), "--sample", "--out", str(out)]
    assert main([*argv, "--meetings-dir", str(tmp_path / "m")]) == 0
    summary = capsys.readouterr().out.splitlines()[0]
    assert summary.startswith("Vellinge (1233), Benchmarking 2 (data för 2022): ")
    assert "Undantagen: 1" in summary and "kan ej" not in summary
    assert "Avvikelse – åtgärda (avvikelseanmälan): 2" in summary
