"""Bad local files and the command line's way out (issue 14, the minors of local input).

A starter plan for a name with line breaks, own-measurement files with absurd
counts, UTF-16 text, workbooks named .csv and formulas without results, Ctrl-C
and a closed pipe: each ends in the right data or one line with the right exit
code, never a traceback. Also: a command imports only its own family of the CLI.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from koladagap.benchmarking.measurements import (
    from_frames,
    measurements_template,
    read_measurements,
)
from koladagap.cli import EXIT_INPUT, main
from koladagap.errors import ConfigError

MAIN = sys.modules["koladagap.cli.main"]

DEFS = """[Nyckeltal]
Id;Benämning;Enhet;Typ;Riktning;Organisation
EGEN-A;Andel A (%);%;andel;need;0180
EGEN-B;Belopp B, kr;kr;belopp;higher_is_better;0180
"""
VALUES_HEAD = "[Värden]\nId;År;Kön;Värde;Antal\n"
GOOD_VALUES = "EGEN-A;2021;K;40;100\nEGEN-A;2021;M;50;120\nEGEN-B;2021;K;300;\n"


def one_line_error(code: int, out: str, err: str, want: int, *needles: str) -> None:
    assert code == want, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("koladagap: fel: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


# --- plan init: a name that would break the plan's comments --------------------------------


@pytest.mark.parametrize(
    "name",
    [
        'Stock\nholm" = 1\n[evil]',
        "Stock\r\nholm\x00\x1b[2J\u2028x",
        "Göteborg \"stad\" # 'x'",
    ],
    ids=["line break and TOML", "control characters", "quotes and hash"],
)
def test_plan_init_with_an_odd_name_writes_valid_toml(
    name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from koladagap.benchmarking.data import Kolada

    monkeypatch.setattr(Kolada, "municipality_name", lambda self, mid: name)
    out = tmp_path / "plan.toml"
    code = main(["plan", "init", "--municipality", "0180", "--sample", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    text = out.read_text(encoding="utf-8")
    plan = tomllib.loads(text)  # valid TOML: the name stayed inside its comments
    assert plan["organisation"] == {"id": "0180"}
    assert set(plan) == {"organisation", "comparison", "kpis", "sessions", "report"}
    assert not any(ch in text for ch in "\x00\x1b\r\u2028")
    assert "# koladagap plan for Stock" in text or "# koladagap plan for Göteborg" in text


def test_one_line_keeps_text_and_drops_breaks() -> None:
    from koladagap.benchmarking.plan_init import one_line

    assert one_line("Region\nGotland") == "Region Gotland"
    assert one_line("Malmö") == "Malmö"
    assert one_line("\x85a\u2029b\x7f") == "a b"


# --- own measurements -----------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "egna.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.mark.parametrize(
    ("rows", "needle", "where"),
    [
        ("EGEN-A;2021;K;40;" + "1" + "0" * 23 + "\n", "at most 10^9", "column E (Antal)"),
        ("EGEN-A;2021;K;40;1e23\n", "at most 10^9", "column E (Antal)"),
        ("EGEN-A;2021;K;40;9223372036854775808\n", "at most 10^9", "column E (Antal)"),
        ("EGEN-B;2021;K;1e300;\n", "between -1e15 and 1e15", "column D (Värde)"),
        ("EGEN-B;2021;K;-1e16;\n", "between -1e15 and 1e15", "column D (Värde)"),
        ("EGEN-B;2021;K;1e400;\n", "not a number", "column D (Värde)"),
    ],
    ids=["count 10**23", "count 1e23", "count beyond int64", "value 1e300", "-1e16", "1e400"],
)
def test_absurd_numbers_are_one_line_errors(
    rows: str, needle: str, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = write(tmp_path, DEFS + VALUES_HEAD + rows)
    with pytest.raises(ConfigError, match=re.escape(needle)) as exc:
        read_measurements(p)
    assert f"part [Värden], row 7, {where}" in str(exc.value)
    code = main(["measurements", "check", str(p)])
    out, err = capsys.readouterr()
    one_line_error(code, out, err, EXIT_INPUT, str(p), "row 7", needle)


def test_a_count_of_a_billion_is_read() -> None:
    defs = pd.DataFrame(
        {"Id": ["EGEN-A"], "Benämning": ["A (%)"], "Enhet": ["%"], "Typ": ["andel"]}
    ).assign(Riktning="need", Organisation="0180")
    vals = pd.DataFrame(
        {"Id": ["EGEN-A"] * 2, "År": [2021] * 2, "Kön": ["K", "M"], "Värde": [40, 50]}
    ).assign(Antal=[10**9, 5])
    m = from_frames(defs, vals)
    counts = m.values.set_index(["kpi", "gender"])["value"]
    assert counts[("EGEN-A-N", "K")] == 10**9


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "cp1252"])
def test_csv_in_utf16_and_other_encodings_is_read_right(encoding: str, tmp_path: Path) -> None:
    text = DEFS.replace("Andel A", "Andel Å, kvinnor och män") + VALUES_HEAD + GOOD_VALUES
    if encoding.startswith("utf-16"):  # Excel's "Unicode text": tab separated
        text = text.replace(";", "\t")
    m = read_measurements(write(tmp_path, text, encoding=encoding))
    assert m.ids == ["EGEN-A", "EGEN-B"]
    assert m.kpis.set_index("id").at["EGEN-A", "title"].startswith("Andel Å, kvinnor och män")
    assert m.n_values == 3


def test_a_workbook_or_binary_named_csv_is_refused_clearly(tmp_path: Path) -> None:
    book = measurements_template(tmp_path / "mall.xlsx")
    named_csv = tmp_path / "mall.csv"
    named_csv.write_bytes(book.read_bytes())
    with pytest.raises(ConfigError, match=r"an Excel workbook .*name it \.xlsx") as exc:
        read_measurements(named_csv)
    assert str(exc.value).startswith(str(named_csv)) and "\n" not in str(exc.value)
    binary = write(tmp_path, "", name="bin.csv")
    binary.write_bytes(b"\x00\x01\x02[Nyckeltal]\x00" * 20)
    with pytest.raises(ConfigError, match=r"not text .*NUL bytes.*UTF-8, UTF-16"):
        read_measurements(binary)


def test_formula_without_a_saved_result_is_named(tmp_path: Path) -> None:
    import openpyxl

    p = measurements_template(tmp_path / "mall.xlsx")
    wb = openpyxl.load_workbook(p)
    wb["Värden"]["D3"] = "=2+3"  # openpyxl saves no result for a formula
    wb.save(p)
    with pytest.raises(ConfigError) as exc:
        read_measurements(p)
    text = str(exc.value)
    assert text.startswith(f"{p}: sheet Värden, row 3, column D: a formula without a saved result")
    assert "=2+3" in text and "save it" in text


def test_formula_with_a_saved_result_is_read(tmp_path: Path) -> None:
    import xlsxwriter

    p = tmp_path / "egna.xlsx"
    book = xlsxwriter.Workbook(str(p))
    defs = book.add_worksheet("Nyckeltal")
    for r, row in enumerate(
        [
            ["Id", "Benämning", "Enhet", "Typ", "Riktning", "Organisation"],
            ["EGEN-A", "Andel A (%)", "%", "andel", "need", "0180"],
        ]
    ):
        defs.write_row(r, 0, row)
    vals = book.add_worksheet("Värden")
    vals.write_row(0, 0, ["Id", "År", "Kön", "Värde"])
    vals.write_row(1, 0, ["EGEN-A", 2021, "K", 40])
    vals.write_row(2, 0, ["EGEN-A", 2021, "M"])
    vals.write_formula(2, 3, "=D2+5", None, 45)  # with the result Excel would save
    book.close()
    m = read_measurements(p)
    got = m.values.set_index(["kpi", "gender"])["value"]
    assert got[("EGEN-A", "K")] == 40 and got[("EGEN-A", "M")] == 45


# --- Ctrl-C and a closed pipe -----------------------------------------------------------------


def test_ctrl_c_in_process_is_one_line_and_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from koladagap.cli import data

    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(data, "cmd_search", interrupted)
    assert main(["search", "skola", "--sample"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and err == "koladagap: avbrutet (Ctrl-C)\n"
    assert main(["--lang", "en", "search", "skola", "--sample"]) == 130
    assert capsys.readouterr().err == "koladagap: interrupted (Ctrl-C)\n"


def run_module(*args: str, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        [sys.executable, "-m", "koladagap", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kw,  # type: ignore[arg-type]
    )


def test_ctrl_c_while_waiting_on_kolada_exits_130_without_traceback(tmp_path: Path) -> None:
    """A server that accepts and never answers: Ctrl-C ends the wait at once, in one line."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        srv.settimeout(120)
        port = srv.getsockname()[1]
        proc = run_module(
            "fetch",
            "--api-url",
            f"http://127.0.0.1:{port}/v3",
            "--cache-dir",
            str(tmp_path / "c"),
            "--kpi",
            "N00906",
            "--municipality",
            "0180",
            "--years",
            "2022",
        )
        conn, _ = srv.accept()  # the request is in flight: the process waits on it
        try:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=120)
        finally:
            conn.close()
            if proc.poll() is None:  # pragma: no cover - only when the test fails
                proc.kill()
    assert proc.returncode == 130, err
    assert err == "koladagap: avbrutet (Ctrl-C)\n"
    assert out == ""


def test_closed_pipe_is_a_quiet_exit() -> None:
    """``koladagap fetch … | head -1``: no 'Broken pipe', no traceback, exit 141."""
    proc = run_module("fetch", "--sample", "--kpi", "N00906,N15428")
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader goes away after one line
    err = proc.stderr.read()
    proc.stderr.close()
    proc.wait(timeout=120)
    assert first.startswith("kpi,municipality_id,")
    assert err == ""
    assert proc.returncode == 141


# --- the CLI imports only the family of the command run --------------------------------------


def test_every_command_is_mapped_to_the_family_that_registers_it() -> None:
    for command, family in MAIN.COMMANDS.items():
        parser = MAIN.build_parser([family])
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        assert command in sub.choices, (command, family)
    full = MAIN.build_parser()
    sub = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    assert set(MAIN.COMMANDS) <= set(sub.choices)


def test_command_of_skips_global_options() -> None:
    assert MAIN.command_of(["-v", "--lang", "en", "fetch", "--kpi", "X"]) == "fetch"
    assert MAIN.command_of(["--lang=en", "plan", "init"]) == "plan"
    assert MAIN.command_of(["--version"]) is None


def test_fetch_imports_no_other_command_family() -> None:
    code = (
        "import sys\n"
        "from koladagap.cli import main\n"
        "rc = main(['fetch', '--sample', '--kpi', 'N00906', '--municipality', '0180',"
        " '--years', '2022'])\n"
        "fams = sorted(m for m in sys.modules if m.startswith('koladagap.cli.'))\n"
        "heavy = sorted(m for m in ('matplotlib', 'openpyxl', 'xlsxwriter', 'pptx', 'docx')"
        " if m in sys.modules)\n"
        "print(rc, fams, heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    last = proc.stderr.strip().splitlines()[-1]
    assert last == "0 ['koladagap.cli.common', 'koladagap.cli.data', 'koladagap.cli.main'] []"


# --- checklist scales ------------------------------------------------------------------------


def test_a_scale_beyond_100_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scale of 1–10²⁰ once made ``checklist template`` write for ever."""
    own = tmp_path / "egen.toml"
    own.write_text(
        'version = "egen"\ntitle_sv = "Egen"\n[scale]\nmin = 1\nmax = 99999999999999999999\n'
        '[[items]]\nid = "1"\nsv = "Ett moment"\n',
        encoding="utf-8",
    )
    out = tmp_path / "mall.xlsx"
    code = main(["checklist", "template", "--checklist", str(own), "--out", str(out)])
    stdout, err = capsys.readouterr()
    one_line_error(code, stdout, err, EXIT_INPUT, str(own), "from 0 to 100")
    assert not out.exists()
    code = main(["checklist", "template", "--checklist", str(own), "--scale", "1-1000",
                 "--out", str(out)])  # fmt: skip
    stdout, err = capsys.readouterr()
    one_line_error(code, stdout, err, EXIT_INPUT, "'1-1000'", "from 0 to 100")
