"""The network's workbook and deck (issue 12), from a NetworkResult built on the sample.

The result is assembled here from four sample kommuner and a mentor, each run with
its own starter plan (:func:`run_plan`), so these tests do not depend on
``benchmarking.network``; a few levels are raised to watch/act so that areas are
shared by several members.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import koladagap.checklist as ck
from koladagap.benchmarking.data import Kolada
from koladagap.benchmarking.network_model import NETWORK_COLUMNS, NetworkResult
from koladagap.benchmarking.plan import load_plan
from koladagap.benchmarking.plan_init import starter_plan_for
from koladagap.benchmarking.run import run_plan
from koladagap.render.explain import explain
from koladagap.render.i18n import LEVEL_SHORT, format_number
from koladagap.render.i18n.network import questions
from koladagap.render.network import write_network_deck, write_network_xlsx
from koladagap.render.network.deck import MAX_SLIDES, network_slides
from koladagap.render.network.model import flags_by
from koladagap.render.style import level_fill

MEMBERS = ("1233", "1280", "0180", "1480")
MENTOR = "1283"
RAISED = {  # (member, kpi) → level: shared flags for the deck's area slides
    ("1280", "N00713"): "watch",
    ("1480", "N00945"): "watch",
    ("0180", "N17461"): "act",
    ("1480", "N17473"): "watch",
}


def build_result(tmp: Path, lang: str = "sv") -> NetworkResult:
    """A network of four sample kommuner and a mentor, each run with its starter plan."""
    kg = Kolada(mode="sample")
    rows, moves, members = [], [], []
    for mid in (*MEMBERS, MENTOR):
        text, name = starter_plan_for(kg, mid, announce=False)
        path = tmp / f"{mid}.toml"
        path.write_text(text, encoding="utf-8")
        r = run_plan(load_plan(path), source="sample", meetings_dir=None)
        role = "mentor" if mid == MENTOR else "member"
        members.append({"id": mid, "name": name, "kind": "kommun", "role": role})
        t = r.table.copy()
        t["area"] = t["kpi"].map(dict(r.areas)).fillna("")
        t["member"], t["role"] = name, role
        t["reason"] = explain(r.table, lang).to_numpy()
        t["level_report"] = t["kpi"].map(r.level).astype("string")
        rows.append(t)
        for meeting in (r.plan.baseline, r.meeting):
            ev = r.evaluation
            e = ev.loc[ev["period"] == meeting.year, ["kpi", "municipality_id", "level"]].copy()
            e["meeting"], e["year"] = meeting.name, meeting.year
            moves.append(e)
    table = pd.concat(rows, ignore_index=True)[list(NETWORK_COLUMNS)]
    for (mid, kpi), level in RAISED.items():
        table.loc[(table["municipality_id"] == mid) & (table["kpi"] == kpi), "level"] = level
    kpis = table[["kpi", "kpi_title"]].drop_duplicates("kpi")
    movement = pd.concat(moves, ignore_index=True)
    return NetworkResult(
        name="Nätverk Syd 2026",
        meeting="Benchmarking 2",
        year=2022,
        members=pd.DataFrame(members),
        kpis=kpis.set_axis(["id", "title"], axis=1).reset_index(drop=True),
        table=table,
        movement=movement[["kpi", "municipality_id", "meeting", "year", "level"]],
        lang=lang,
        thresholds_text=pd.DataFrame({"setting": ["Väsentlig skillnad"], "value": ["3,5"]}),
    )


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> NetworkResult:
    return build_result(tmp_path_factory.mktemp("plans"))


@pytest.fixture(scope="module")
def workbook(result: NetworkResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "natverk.xlsx"
    assert write_network_xlsx(result, path) == [path]
    return path


@pytest.fixture(scope="module")
def deck(result: NetworkResult, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_network_deck(result, tmp_path_factory.mktemp("deck"))


def _header_row(ws: object, first: str) -> int:
    for row in ws.iter_rows():  # type: ignore[attr-defined]
        if row[0].value == first:
            return int(row[0].row)
    raise AssertionError(f"no header {first!r}")


# --- the workbook ----------------------------------------------------------------------


def test_workbook_sheets_and_matrix_headers(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == ["Matris", "Samma eller olika", "Rörelse", "Metodbilaga"]
    ws = wb["Matris"]
    top = _header_row(ws, "Id")
    heads = [c.value for c in ws[top]]
    assert heads == [
        "Id", "Nyckeltal", "Mått", "Vellinge", "Malmö", "Stockholm", "Göteborg",
        "Helsingborg (mentor)",
    ]  # fmt: skip
    texts = [c.value for row in wb["Metodbilaga"].iter_rows() for c in row]
    assert "Källa: Kolada; egen bearbetning" in texts and "Väsentlig skillnad" in texts


def test_matrix_cells_are_the_gaps_on_the_levels_fills(
    workbook: Path, result: NetworkResult
) -> None:
    ws = openpyxl.load_workbook(workbook)["Matris"]
    top = _header_row(ws, "Id")
    ids = list(result.members["id"])  # the mentor is last in the file already
    t = result.table.set_index(["kpi", "municipality_id"])
    checked = 0
    for row in ws.iter_rows(min_row=top + 1, max_row=top + len(result.kpis)):
        kpi = row[0].value
        for j, mid in enumerate(ids):
            cell, truth = row[3 + j], t.loc[(kpi, mid)]
            assert cell.value == format_number(truth["gap"], "sv", sign=True)
            assert cell.fill.fgColor.rgb[-6:] == level_fill(truth["level"]).lstrip("#").upper()
            checked += 1
    assert checked == len(result.kpis) * 5
    # the one-sex share: its distance from 50/50, labelled so
    vab = next(r for r in ws.iter_rows(min_row=top + 1) if r[0].value == "N00945")
    assert vab[2].value.startswith("Avstånd från 50/50")
    assert "K − M" not in vab[2].value
    legend = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Avvikelse – åtgärda (avvikelseanmälan)" in legend


def test_same_or_different_counts_the_members_that_flag(
    workbook: Path, result: NetworkResult
) -> None:
    ws = openpyxl.load_workbook(workbook)["Samma eller olika"]
    top = _header_row(ws, "Verksamhetsområde")
    got = {
        r[0].value: (r[1].value, r[2].value) for r in ws.iter_rows(min_row=top + 1, max_row=top + 3)
    }
    t = result.table
    flagged = t.loc[t["level"].isin(["watch", "act"]) & (t["role"] == "member")]
    n = flagged.groupby("area")["municipality_id"].nunique()
    assert got["Arbetsmarknad"][0] == n["Arbetsmarknad"] == 3
    assert got["Arbetsmarknad"][1] == "Vellinge, Malmö, Göteborg"
    assert got["Gymnasieskola åk 1-3"][0] == 2


def test_an_empty_area_is_other_and_the_mentor_is_not_counted(result: NetworkResult) -> None:
    t = result.table.copy()
    t.loc[t["kpi"] == "N31814", "area"] = ""
    t.loc[(t["role"] == "mentor") & (t["kpi"] == "N00090"), "level"] = "act"
    areas = flags_by(dataclasses.replace(result, table=t), "area_name").set_index("area_name")
    assert areas.loc["Övrigt", "n"] == 1  # Vellinge's N31814
    assert areas.loc["Kommunen, övergripande", "n"] == 0
    assert bool(areas.loc["Kommunen, övergripande", "mentor_flag"])


def test_formula_like_texts_stay_strings(result: NetworkResult, tmp_path: Path) -> None:
    t = result.table.copy()
    t.loc[t["kpi"] == "N00090", "kpi_title"] = '=HYPERLINK("http://x")'
    members = result.members.copy()
    members.loc[0, "name"] = "@Vellinge"
    kpis = result.kpis.copy()
    kpis.loc[kpis["id"] == "N00090", "title"] = "=1+1"
    evil = dataclasses.replace(result, table=t, members=members, kpis=kpis, movement=None)
    path = tmp_path / "natverk.xlsx"
    write_network_xlsx(evil, path)
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    starts = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert {"=1+1", "@Vellinge"} <= {c.value for c in starts}
    assert all(c.data_type == "s" for c in starts)
    moved = [c.value for row in wb["Rörelse"].iter_rows() for c in row if c.value]
    assert "Detta är nätverkets första möte: ingen rörelse att visa ännu." in moved


def test_movement_sheet_counts_the_levels_per_member_and_meeting(
    workbook: Path, result: NetworkResult
) -> None:
    ws = openpyxl.load_workbook(workbook)["Rörelse"]
    top = _header_row(ws, "Medlem")
    heads = [c.value for c in ws[top]]
    rows = [r for r in ws.iter_rows(min_row=top + 1, values_only=True) if r[1]]
    assert len(rows) == 10  # 5 organisations × 2 meetings
    m = result.movement
    assert m is not None
    expect = int(
        ((m["municipality_id"] == "1233") & (m["year"] == 2022) & (m["level"] == "act")).sum()
    )
    vellinge = next(r for r in rows if r[0] == "Vellinge" and r[2] == 2022)
    assert vellinge[heads.index(LEVEL_SHORT["sv"]["act"])] == expect


def test_english_workbook(result: NetworkResult, tmp_path: Path) -> None:
    path = tmp_path / "natverk.xlsx"
    write_network_xlsx(dataclasses.replace(result, lang="en"), path)
    assert openpyxl.load_workbook(path).sheetnames == [
        "Matrix", "Same or different", "Movement", "Methods annex",
    ]  # fmt: skip


# --- the deck ----------------------------------------------------------------------------


def test_deck_slides_and_titles(deck: list[Path]) -> None:
    from pptx import Presentation

    assert [p.name for p in deck] == ["natverk.pptx", "natverk.pdf"]
    prs = Presentation(str(deck[0]))
    slides = list(prs.slides)
    assert len(slides) <= MAX_SLIDES
    titles = [
        next(s.text_frame.text for s in slide.shapes if s.name == "title") for slide in slides
    ]
    assert titles[:4] == [
        "Nätverk Syd 2026",
        "Bedömning per nyckeltal och organisation",
        "Samma områden eller olika?",
        "Var står mentorn?",
    ]
    assert titles[4:] == [
        "Gemensamt problemområde: Arbetsmarknad",
        "Gemensamt problemområde: Gymnasieskola åk 1-3",
    ]
    first = " ".join(s.text_frame.text for s in slides[0].shapes if s.has_text_frame)
    assert "Vellinge, Malmö, Stockholm, Göteborg" in first and "Helsingborg" in first
    area = {s.name: s for s in slides[4].shapes}
    assert area["questions"].text_frame.text.split("\n")[1:] == questions("sv")
    assert "Vellinge" in area["reasons"].text_frame.text
    pictures = [s for s in slides[1].shapes if s.shape_type == 13]
    assert len(pictures) == 1 and pictures[0]._element.nvPicPr.cNvPr.get("descr")


def test_pdf_has_the_same_slides_and_searchable_names(deck: list[Path]) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(deck[1].read_bytes()))
    assert len(reader.pages) == 6
    words = " ".join(page.extract_text() for page in reader.pages)
    for name in ("Vellinge", "Malmö", "Stockholm", "Göteborg", "Helsingborg"):
        assert name in words
    assert "Källa: Kolada; egen bearbetning" in words
    assert "Vilka nyckeltal driver förbättringsarbete?" in words


def test_a_long_kpi_list_splits_the_heat_map(result: NetworkResult) -> None:
    t = result.table
    extra = t.assign(kpi=t["kpi"] + "X")  # 38 KPIs
    kpis = pd.concat([result.kpis, result.kpis.assign(id=result.kpis["id"] + "X")])
    big = dataclasses.replace(result, table=pd.concat([t, extra]), kpis=kpis)
    slides = network_slides(big)
    heat = [s.name for s in slides if s.name.startswith("Bedömning per nyckeltal")]
    assert heat == [
        "Bedömning per nyckeltal och organisation (1/2)",
        "Bedömning per nyckeltal och organisation (2/2)",
    ]
    assert len(slides) <= MAX_SLIDES


def test_no_shared_area_gives_one_discussion_slide(result: NetworkResult) -> None:
    t = result.table.copy()
    t.loc[~t["municipality_id"].eq("1233") & t["level"].isin(["watch", "act"]), "level"] = "none"
    slides = network_slides(dataclasses.replace(result, table=t, lang="sv"))
    assert slides[-1].name == "Inga gemensamma problemområden"
    assert "Vellinge" in " ".join(slides[-1].boxes[1].lines)


def test_english_slides(result: NetworkResult) -> None:
    slides = network_slides(dataclasses.replace(result, lang="en"))
    assert [s.name for s in slides][1:4] == [
        "Level per KPI and organisation",
        "Same areas or different?",
        "Where does the mentor stand?",
    ]


def test_unknown_format_is_refused(result: NetworkResult, tmp_path: Path) -> None:
    from koladagap.errors import InputError

    with pytest.raises(InputError, match="unknown deck format"):
        write_network_deck(result, tmp_path, formats=("docx",))


# --- the checklists side by side ---------------------------------------------------------


def _scores(by_meeting: dict[str, list[int]]) -> ck.ChecklistResult:
    c = ck.get_checklist("2019")
    t = ck.template_frame(c, list(by_meeting))
    t["Poäng (1–3)"] = pd.array([v for vals in by_meeting.values() for v in vals], dtype="Int64")
    return ck.checklist_results(ck.scores_from_frame(t))


def test_checklists_side_by_side(result: NetworkResult, tmp_path: Path) -> None:
    scores = {
        "1233": _scores({"Uppstart": [1] * 10, "Benchmarking 2": [2] * 5 + [3] * 5}),
        "1480": _scores({"Uppstart": [2] * 10, "Benchmarking 2": [3] * 10}),
    }
    scored = dataclasses.replace(result, scores=scores)
    path = tmp_path / "natverk.xlsx"
    write_network_xlsx(scored, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[3:] == ["Checklista", "Metodbilaga"]
    ws = wb["Checklista"]
    top = _header_row(ws, "Medlem")
    rows = [r for r in ws.iter_rows(min_row=top + 1, values_only=True) if r[1]]
    assert [(r[0], r[1], r[2], r[-1]) for r in rows] == [
        ("Vellinge", "Uppstart", 10, None),
        ("Vellinge", "Benchmarking 2", 25, "nej"),  # items at 1 … no: 5 of 10 at 3 is not > half
        ("Göteborg", "Uppstart", 20, None),
        ("Göteborg", "Benchmarking 2", 30, "ja"),
    ]
    names = [s.name for s in network_slides(scored)]
    assert "Checklistan sida vid sida" in names and len(names) <= MAX_SLIDES
