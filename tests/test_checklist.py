"""The self-assessment checklist: versions, template round trip, validation, results, chart, CLI.

Charts are tested on artists (lines, gids, texts), never on pixels.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from koladagap import checklist as ck
from koladagap.cli.checklist import register, run
from koladagap.errors import ConfigError, InputError
from koladagap.render import checklist as rc

matplotlib.use("Agg")

SCORE_19 = "Poäng (1–3)"
SCORE_24 = "Poäng (1–4)"


def _filled(version: str, scores: Mapping[str, Sequence[int | None]]) -> pd.DataFrame:
    """The template for ``version`` with the given meetings' scores (in item order)."""
    c = ck.get_checklist(version)
    t = ck.template_frame(c, list(scores))
    col = SCORE_24 if version == "2024" else SCORE_19
    t[col] = pd.array([v for vals in scores.values() for v in vals], dtype="Int64")
    return t


def _results(
    version: str,
    scores: Mapping[str, Sequence[int | None]],
    rule: ck.ReadinessRule | None = None,
) -> ck.ChecklistResult:
    return ck.checklist_results(ck.scores_from_frame(_filled(version, scores)), rule)


# --- the shipped versions ----------------------------------------------------------------


def test_shipped_versions_have_their_items_and_scales() -> None:
    c17, c19, c24 = (ck.get_checklist(v) for v in ("2017", "2019", "2024"))
    assert (len(c17.items), c17.scale_min, c17.scale_max, c17.levels) == (13, 1, 3, ())
    assert (len(c19.items), c19.scale_min, c19.scale_max, c19.levels) == (10, 1, 3, ())
    assert (len(c24.items), c24.scale_min, c24.scale_max) == (20, 1, 4)
    assert c24.levels == ("övergripande", "nämnd")
    assert [i.id for i in c24.items_at("nämnd")] == [str(k) for k in range(1, 11)]
    for c in (c17, c19, c24):
        assert all(i.label_sv and i.label_en and len(i.label_sv) <= 60 for i in c.items)
        assert len(c.scale_labels_sv) == len(c.scale_labels_en) == len(c.scale)
    assert c17.item_word() == "punkt" and c19.item_word("sv", plural=True) == "moment"
    assert ck.checklist_versions() == ("2017", "2019", "2024")
    with pytest.raises(InputError, match="unknown checklist version '2020'"):
        ck.get_checklist("2020")


def test_template_frame_has_swedish_headers_and_one_row_per_item_and_meeting() -> None:
    t19 = ck.template_frame("2019")
    assert list(t19.columns) == [
        "Version",
        "Möte",
        "Moment/punkt",
        "Beskrivning",
        SCORE_19,
        "Kommentar",
    ]
    assert len(t19) == 50 and t19[SCORE_19].isna().all()
    assert list(dict.fromkeys(t19["Möte"])) == list(ck.DEFAULT_SESSIONS)
    t24 = ck.template_frame("2024", ["Uppstart"])
    assert "Nivå" in t24.columns and SCORE_24 in t24.columns and len(t24) == 20
    assert set(t24["Nivå"]) == {"övergripande", "nämnd/förvaltning"}
    en = ck.template_frame("2017", ["Start"], lang="en")
    assert list(en.columns)[:3] == ["Version", "Session", "Item"] and len(en) == 13
    with pytest.raises(InputError, match="named twice"):
        ck.template_frame("2019", ["A", "A"])


# --- template round trip -------------------------------------------------------------------


def test_xlsx_template_round_trip(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = ck.write_template("2019", tmp_path / "poang.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    score_col, comment_col = head.index(SCORE_19) + 1, head.index("Kommentar") + 1
    start = [1, 1, 2, 1, 2, 1, 1, 2, 1, 1]
    bench1 = [2, 1, 2, 2, 3, 1, 2, 2, 1, 2]
    for i, v in enumerate(start + bench1):  # rows 2..21: Uppstart, then Benchmarking 1
        ws.cell(row=2 + i, column=score_col, value=v)
    ws.cell(row=2, column=comment_col, value="Beslut från 2015")
    wb.save(path)

    s = ck.read_scores(path)
    assert s.checklist.version == "2019"
    assert s.sessions == ("Uppstart", "Benchmarking 1")  # meetings without scores are left out
    assert len(s.frame) == 50 and s.frame["score"].notna().sum() == 20
    assert s.frame["row"].tolist() == list(range(2, 52))
    assert s.frame.loc[0, "comment"] == "Beslut från 2015"
    got = s.scored.sort_values(["order", "row"])["score"].astype(int).tolist()
    assert got == start + bench1
    assert wb.sheetnames[1] == "Skala"


def test_csv_template_round_trip_and_swedish_excel_csv(tmp_path: Path) -> None:
    path = ck.write_template("2024", tmp_path / "poang.csv", sessions=["Uppstart", "BM1"])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, so Excel shows å, ä, ö
    t = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    t[SCORE_24] = ["2"] * 20 + ["3"] * 20
    t.loc[0, "Kommentar"] = "Nämnden har ännu inte beslutat"
    t.to_csv(path, index=False)
    s = ck.read_scores(path)
    assert s.checklist.version == "2024" and s.sessions == ("Uppstart", "BM1")
    assert set(s.frame["level"]) == {"övergripande", "nämnd"}
    assert s.frame["score"].astype(int).tolist() == [2] * 20 + [3] * 20

    # "CSV (semikolonavgränsad)" from a Swedish Excel: semicolons, Windows-1252
    sv = tmp_path / "excel.csv"
    sv.write_bytes(t.to_csv(index=False, sep=";").encode("cp1252"))
    s2 = ck.read_scores(sv)
    assert s2.frame["comment"].iloc[0] == "Nämnden har ännu inte beslutat"
    pd.testing.assert_frame_equal(s2.frame, s.frame)


def test_write_template_refuses_to_overwrite_and_odd_suffixes(tmp_path: Path) -> None:
    path = ck.write_template("2019", tmp_path / "poang.csv")
    with pytest.raises(InputError, match="exists"):
        ck.write_template("2019", path)
    ck.write_template("2017", path, overwrite=True)
    assert "2017" in path.read_text(encoding="utf-8-sig")
    with pytest.raises(InputError, match=r"\.xlsx or \.csv"):
        ck.write_template("2019", tmp_path / "poang.ods")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poang.csv"]  # no temp files left


# --- validation: one line naming the file, the row and the column ---------------------------


def _bad_csv(tmp_path: Path, df: pd.DataFrame) -> Path:
    p = tmp_path / "poang.csv"
    df.to_csv(p, index=False)
    return p


def _edit(version: str, change: str) -> pd.DataFrame:
    """A filled-in 2019/2024 sheet (Uppstart, Benchmarking 1) with one mistake."""
    n = 20 if version == "2024" else 10
    t = _filled(version, {"Uppstart": [2] * n, "Benchmarking 1": [2] * n}).astype(object)
    col = SCORE_24 if version == "2024" else SCORE_19
    if change == "scale":
        t.loc[3, col] = 4 if version == "2019" else 5  # row 5
    elif change == "not_integer":
        t.loc[3, col] = "2,5"
        t.loc[7, col] = "tre"
    elif change == "unknown_item":
        t.loc[3, "Moment/punkt"] = "11"
    elif change == "duplicate":
        t.loc[12, "Moment/punkt"] = "2"  # row 14: Benchmarking 1 has moment 2 in row 13
    elif change == "missing_column":
        t = t.drop(columns=["Möte"])
    elif change == "unknown_version":
        t["Version"] = "2021"
    elif change == "mixed_version":
        t.loc[5, "Version"] = "2017"
    elif change == "missing_level":
        t.loc[3, "Nivå"] = ""
    elif change == "unknown_level":
        t.loc[3, "Nivå"] = "förbund"
    elif change == "missing_session":
        t.loc[3, "Möte"] = ""
    return t


@pytest.mark.parametrize(
    ("version", "change", "where", "text"),
    [
        ("2019", "scale", "rad 5, kolumn E (Poäng (1–3))", "4 ligger utanför skalan 1–3"),
        ("2024", "scale", "rad 5, kolumn F (Poäng (1–4))", "5 ligger utanför skalan 1–4"),
        (
            "2019",
            "not_integer",
            "rad 5, kolumn E (Poäng (1–3))",
            "'2,5' är inte ett heltal; skriv en poäng 1–3 eller lämna tomt (och 1 rad till)",
        ),
        ("2019", "unknown_item", "rad 5, kolumn C (Moment/punkt)", "okänt moment/punkt '11'"),
        (
            "2019",
            "duplicate",
            "rad 14, kolumn C (Moment/punkt)",
            "'Benchmarking 1' har redan moment 2 på rad 13",
        ),
        ("2019", "missing_column", "rad 1", "kolumnen 'Möte' saknas; rubrikerna i filen är:"),
        ("2019", "unknown_version", "rad 2, kolumn A (Version)", "okänd version '2021'"),
        ("2019", "mixed_version", "rad 7, kolumn A (Version)", "version '2017', men rad 2"),
        ("2024", "missing_level", "rad 5, kolumn C (Nivå)", "nivå saknas"),
        ("2024", "unknown_level", "rad 5, kolumn C (Nivå)", "okänd nivå 'förbund'"),
        ("2019", "missing_session", "rad 5, kolumn B (Möte)", "mötets namn saknas"),
    ],
)
def test_bad_input_fails_with_one_line_naming_row_and_column(
    tmp_path: Path, version: str, change: str, where: str, text: str
) -> None:
    p = _bad_csv(tmp_path, _edit(version, change))
    with pytest.raises(ConfigError) as info:
        ck.read_scores(p)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"{p}: {where}: "), msg
    assert text in msg, msg
    assert info.value.path == str(p) and info.value.key == where


def test_unknown_item_at_a_level_and_english_messages(tmp_path: Path) -> None:
    t = _filled("2024", {"Uppstart": [1] * 20}).astype(object)
    t.loc[0, "Moment/punkt"] = "12"
    with pytest.raises(ConfigError, match=r"row 2, column D \(Moment/punkt\): unknown item '12'"):
        ck.read_scores(_bad_csv(tmp_path, t), lang="en")
    t = _filled("2019", {"Uppstart": [1] * 10})
    t.insert(2, "Nivå", "")
    t.loc[4, "Nivå"] = "övergripande"
    with pytest.raises(ConfigError, match=r"rad 6, kolumn C \(Nivå\): checklistan 2019 har inga"):
        ck.read_scores(_bad_csv(tmp_path, t))


def test_rows_count_as_in_the_spreadsheet_with_blank_rows(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = ck.write_template("2019", tmp_path / "poang.xlsx", sessions=["Uppstart"])
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    ws.insert_rows(4, amount=2)  # two empty rows in the middle
    ws.cell(row=9, column=5, value=7)  # moment 6 of Uppstart, after the gap
    wb.save(path)
    with pytest.raises(ConfigError, match=r"rad 9, kolumn E \(Poäng \(1–3\)\): 7 ligger utanför"):
        ck.read_scores(path)
    ws.cell(row=9, column=5, value=3.0)  # a whole number stored as a float is fine
    wb.save(path)
    s = ck.read_scores(path)
    assert s.scored["row"].tolist() == [9] and s.scored["item"].tolist() == ["6"]


def test_version_column_checklist_argument_and_unreadable_files(tmp_path: Path) -> None:
    t = _filled("2019", {"Uppstart": [2] * 10}).drop(columns=["Version"])
    p = _bad_csv(tmp_path, t)
    with pytest.raises(ConfigError, match=r"rad 1: kolumnen 'Version' saknas"):
        ck.read_scores(p)
    assert ck.read_scores(p, "2019").sessions == ("Uppstart",)
    with pytest.raises(ConfigError, match="'2019', men checklistan är '2024'"):
        ck.read_scores(_bad_csv(tmp_path, _filled("2019", {"A": [2] * 10})), "2024")
    with pytest.raises(ConfigError, match=r"\.csv or \.xlsx|\.csv eller \.xlsx"):
        ck.read_scores(tmp_path / "poang.txt")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(ConfigError, match="kan inte läsa filen"):
        ck.read_scores(broken)


# --- results: sums, means, counts, movement --------------------------------------------------


def test_sum_mean_counts_and_movement_by_hand() -> None:
    # items:          1  2  3  4  5  6  7  8  9  10
    start = [1, 1, 2, 1, 2, 1, 1, 2, 1, 1]  # sum 13, 7×1 3×2
    bm1 = [2, 1, 2, 2, 3, 1, None, 2, 1, 2]  # 9 scored, sum 16; item 7 not scored
    bm2 = [3, 2, 3, 2, 3, 1, 3, 1, 2, 3]  # sum 23
    res = _results("2019", {"Uppstart": start, "Benchmarking 1": bm1, "Benchmarking 2": bm2})
    s = res.summary.set_index("session")
    assert s["sum"].tolist() == [13, 16, 23]
    assert s["n_scored"].tolist() == [10, 9, 10] and s["n_items"].tolist() == [10, 10, 10]
    assert s["max_sum"].tolist() == [30, 30, 30]
    assert s["mean"].tolist() == pytest.approx([1.3, 16 / 9, 2.3])
    assert s[["n_at_1", "n_at_2", "n_at_3"]].to_numpy().tolist() == [
        [7, 3, 0],
        [3, 5, 1],
        [2, 3, 5],
    ]
    # since the previous meeting, item by item where both have a score
    # BM1 − start: +1 0 0 +1 +1 0 . 0 0 +1  → +4 (4 up, 0 down)
    # BM2 − BM1:   +1 +1 +1 0 0 0 . −1 +1 +1 → +4 (5 up, 1 down); item 7 not in BM1
    # BM2 − start: +2 +1 +1 +1 +1 0 +2 −1 +1 +2 → +10
    assert s["change_prev"].tolist()[1:] == [4, 4] and pd.isna(s["change_prev"].iloc[0])
    assert s["change_first"].tolist()[1:] == [4, 10]
    assert s["n_up"].tolist() == [0, 4, 5] and s["n_down"].tolist() == [0, 0, 1]

    items = res.items.set_index("item")
    assert items["change_prev"].fillna(99).tolist() == [1, 1, 1, 0, 0, 0, 99, -1, 1, 1]
    assert items.loc["7", "change_first"] == 2 and pd.isna(items.loc["7", "Benchmarking 1"])
    assert items["change_first"].tolist() == [2, 1, 1, 1, 1, 0, 2, -1, 1, 2]
    per_item = res.scores.loc[res.scores["session"].eq("Benchmarking 1")]
    assert per_item["change_prev"].tolist() == [1, 0, 0, 1, 1, 0, 0, 0, 1]

    lines = rc.summary_lines(res)
    assert lines[0] == (
        "Uppstart: summa 13 av 30, medel 1,3 (10 av 10 moment skattade; 7 på 1, 3 på 2, 0 på 3)"
    )
    assert lines[2].endswith("; +4 sedan Benchmarking 1 (5 upp, 1 ned), +10 sedan Uppstart"), lines[
        2
    ]
    assert "mean 1.8 (9 of 10 steps scored" in rc.summary_lines(res, "en")[1]


def test_meetings_without_scores_are_ignored_and_movement_skips_them() -> None:
    res = _results(
        "2019",
        {"Uppstart": [1] * 10, "Benchmarking 1": [None] * 10, "Benchmarking 2": [2] * 10},
    )
    assert res.sessions == ("Uppstart", "Benchmarking 2")
    assert res.summary["change_prev"].tolist()[1] == 10
    assert "Benchmarking 1" not in res.items.columns


def test_levels_are_summed_and_compared_apart() -> None:
    over = [2] * 10
    board_start, board_bm1 = [1] * 10, [1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    res = _results("2024", {"Uppstart": over + board_start, "Benchmarking 1": over + board_bm1})
    s = res.summary.set_index(["level", "session"])
    assert s.loc[("övergripande", "Benchmarking 1"), "sum"] == 20
    assert s.loc[("nämnd", "Benchmarking 1"), "sum"] == 28
    assert s.loc[("nämnd", "Benchmarking 1"), "max_sum"] == 40
    assert s.loc[("nämnd", "Benchmarking 1"), "change_prev"] == 18
    assert s.loc[("övergripande", "Benchmarking 1"), "change_prev"] == 0
    assert s.loc[
        ("nämnd", "Benchmarking 1"), ["n_at_1", "n_at_2", "n_at_3", "n_at_4"]
    ].tolist() == [
        1,
        3,
        3,
        3,
    ]
    assert rc.summary_lines(res)[0].startswith("Övergripande – Uppstart: summa 20 av 40")


# --- readiness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "ready", "blocking"),
    [
        ([3, 3, 3, 3, 3, 2, 2, 2, 2, 2], False, ()),  # exactly half at 3: not more than half
        ([3, 3, 3, 3, 3, 3, 2, 2, 2, 2], True, ()),  # 6 of 10
        ([1, 3, 3, 3, 3, 3, 3, 3, 3, 3], False, ("1",)),  # an item at the lowest level
        ([3, 3, 1, 3, 3, 3, 1, 3, 3, 2], False, ("3", "7")),
    ],
)
def test_readiness_on_the_1_to_3_scale(
    scores: list[int], ready: bool, blocking: tuple[str, ...]
) -> None:
    res = _results("2019", {"Uppstart": [1] * 10, "Benchmarking 3": scores})
    (r,) = res.readiness
    assert (r.ready, r.blocking, r.session, r.needed) == (ready, blocking, "Benchmarking 3", 6)
    assert res.ready is ready
    line = rc.readiness_lines(res)[0]
    assert line.startswith(
        "Redo att vara modellkommun/-region enligt regeln ”inget moment på 1 och fler än "
        "hälften av momenten på 3” (Benchmarking 3): " + ("ja" if ready else "nej")
    ), line
    if blocking:
        assert f"; hindrande moment: {', '.join(blocking)}" in line
    if scores.count(3) <= 5:
        assert f"; {scores.count(3)} av 10 på 3, minst 6 krävs" in line


def test_readiness_2017_thirteen_items_needs_seven() -> None:
    assert _results("2017", {"S": [3] * 7 + [2] * 6}).readiness[0].ready
    r = _results("2017", {"S": [3] * 6 + [2] * 7}).readiness[0]
    assert (r.ready, r.n_at_least, r.needed) == (False, 6, 7)
    c17 = ck.get_checklist("2017")
    assert ck.ReadinessRule.default(c17).describe(c17) == (
        "ingen punkt på 1 och fler än hälften av punkterna på 3"
    )


@pytest.mark.parametrize(
    ("board", "ready", "n_at_least"),
    [
        ([3, 3, 3, 4, 4, 2, 2, 2, 2, 2], False, 5),  # exactly half at 3 or higher
        ([3, 3, 3, 4, 4, 4, 2, 2, 2, 2], True, 6),
        ([4, 4, 4, 4, 4, 4, 4, 4, 4, 1], False, 9),  # an item at 1 blocks
    ],
)
def test_readiness_on_the_1_to_4_scale_per_level(
    board: list[int], ready: bool, n_at_least: int
) -> None:
    overall = [4] * 10
    res = _results("2024", {"Uppstart": overall + board})
    over, nam = res.readiness
    assert (over.level, over.ready) == ("övergripande", True)
    assert (nam.level, nam.ready, nam.n_at_least, nam.needed) == ("nämnd", ready, n_at_least, 6)
    assert res.ready is ready
    line = rc.readiness_lines(res)[1]
    assert line.startswith("Nämnd/förvaltning – Redo att vara modellkommun/-region")
    assert "fler än hälften av momenten på 3 eller högre" in line
    assert "koladagaps tolkning av regeln för skalan 1–4" in line
    if board[-1] == 1:
        assert nam.blocking == ("10",) and "hindrande moment: 10" in line


def test_unscored_items_stop_readiness_and_are_named() -> None:
    res = _results("2019", {"Uppstart": [3] * 9 + [None]})
    (r,) = res.readiness
    assert (r.ready, r.unscored, r.n_at_least) == (False, ("10",), 9)
    assert rc.readiness_lines(res)[0].endswith("nej; ej skattade: 10")
    rule = ck.ReadinessRule(1, 3, require_all_scored=False)
    assert ck.checklist_results(
        ck.scores_from_frame(_filled("2019", {"U": [3] * 9 + [None]})), rule
    ).ready


def test_rules_are_configurable_and_validated() -> None:
    c19, c24 = ck.get_checklist("2019"), ck.get_checklist("2024")
    assert ck.ReadinessRule.default(c19) == ck.ReadinessRule(1, 3, 0.5)
    assert ck.ReadinessRule.default(c24) == ck.ReadinessRule(1, 3, 0.5)
    strict = ck.parse_rule("atleast=4", c24)
    assert strict == ck.ReadinessRule(1, 4)
    assert strict.describe(c24) == "inget moment på 1 och fler än hälften av momenten på 4"
    assert ck.parse_rule("floor=2,minst=3,andel=60%", c24) == ck.ReadinessRule(2, 3, 0.6)
    assert ck.parse_rule("floor=none", c19).describe(c19, "en") == (
        "more than half of the steps at 3"
    )
    assert ck.parse_rule("floor=2", c24).describe(c24) == (
        "inget moment på 1–2 och fler än hälften av momenten på 3 eller högre"
    )
    assert ck.ReadinessRule(1, 3).needed(10) == 6 and ck.ReadinessRule(1, 3).needed(13) == 7
    for bad in ("atleast=4", "colour=red", "floor", "share=1"):
        with pytest.raises(InputError, match="invalid readiness rule"):
            ck.parse_rule(bad, c19)
    # a stricter rule given to the results
    res = _results("2024", {"U": [4] * 10 + [3] * 10}, rule=strict)
    assert [r.ready for r in res.readiness] == [True, False]
    assert "momenten på 4 (" not in rc.readiness_lines(res)[1]  # no "our reading" note


# --- the user's own wording ----------------------------------------------------------------


def test_load_checklist_with_own_wording(tmp_path: Path) -> None:
    own = pd.DataFrame(
        {
            "Version": "2019",
            "Moment/punkt": [str(i) for i in range(1, 11)],
            "Beskrivning": [f"Vår formulering {i}" for i in range(1, 11)],
        }
    )
    p = tmp_path / "egen.csv"
    own.to_csv(p, index=False)
    c = ck.load_checklist(p)
    assert (c.version, c.scale_min, c.scale_max, c.scale_labels_sv[0]) == ("2019", 1, 3, "Saknas")
    assert c.items[0].label("en") == "Vår formulering 1"  # English falls back to Swedish
    sheet = _bad_csv(tmp_path, _filled("2019", {"Uppstart": [2] * 10}))
    s = ck.read_scores(sheet, c)
    assert s.checklist is c
    res = ck.checklist_results(s)
    assert res.items["label_sv"].iloc[0] == "Vår formulering 1"

    own2 = own.drop(columns=["Version"]).assign(Skala="1–4")
    own2.to_csv(p, index=False)
    c2 = ck.load_checklist(p, version="Egen")
    assert (c2.version, c2.scale_max, c2.scale_labels_sv) == ("Egen", 4, ())
    own.drop(columns=["Version"]).to_csv(p, index=False)
    with pytest.raises(ConfigError, match="no scale"):
        ck.load_checklist(p)
    assert ck.load_checklist(p, scale=(1, 4)).scale == range(1, 5)
    own.assign(**{"Moment/punkt": ["1"] * 10}).to_csv(p, index=False)
    with pytest.raises(
        ConfigError, match=r"rad 3, kolumn B \(Moment/punkt\): 1 finns redan på rad 2"
    ):
        ck.load_checklist(p)

    toml = tmp_path / "egen.toml"
    toml.write_text(
        'version = "Vår"\ntitle_sv = "Vår lista"\nlevels = ["övergripande", "nämnd"]\n'
        "[scale]\nmin = 0\nmax = 2\n"
        '[[items]]\nid = "A"\nsv = "Ett"\n[[items]]\nid = "B"\nsv = "Två"\n',
        encoding="utf-8",
    )
    c3 = ck.load_checklist(toml)
    assert (c3.version, c3.scale_min, len(c3.items), c3.levels) == (
        "Vår",
        0,
        4,
        ("övergripande", "nämnd"),
    )
    assert ck.ReadinessRule.default(c3) == ck.ReadinessRule(0, 2)


# --- the chart --------------------------------------------------------------------------------


def _lines(ax: object) -> dict[str, Line2D]:
    lines = ax.get_lines()  # type: ignore[attr-defined]
    return {str(x.get_gid()): x for x in lines if str(x.get_gid()).startswith("session:")}


def test_plot_checklist_artists() -> None:
    start = [1, 1, 2, 1, 2, 1, 1, 2, 1, 1]
    last = [3, 1, 3, 2, 3, 1, 3, 3, 2, 3]
    res = _results("2019", {"Uppstart": start, "Benchmarking 1": [2] * 10, "Benchmarking 2": last})
    fig = Figure(figsize=(10, 5.625))
    ax = rc.plot_checklist(res, fig.add_subplot())
    lines = _lines(ax)
    assert list(lines) == ["session:Uppstart", "session:Benchmarking 1", "session:Benchmarking 2"]
    first_x = np.asarray(lines["session:Uppstart"].get_xdata(), dtype=float)
    last_x = np.asarray(lines["session:Benchmarking 2"].get_xdata(), dtype=float)
    assert np.round(first_x).tolist() == start and np.round(last_x).tolist() == last
    assert (last_x - np.round(last_x) > 0).all()  # meetings side by side at a score
    y = np.asarray(lines["session:Uppstart"].get_ydata(), dtype=float)
    assert np.round(y).tolist() == list(range(10))  # item 1 at the top row
    assert ax.get_ylim()[0] > ax.get_ylim()[1]
    assert lines["session:Benchmarking 2"].get_markeredgecolor() == "#000000"
    colours = {line.get_markerfacecolor() for line in lines.values()}
    markers = {line.get_marker() for line in lines.values()}
    assert len(colours) == len(markers) == 3
    moved = [t for t in ax.texts if t.get_gid() == "movement"]
    assert len(moved) == sum(a != b for a, b in zip(start, last, strict=True)) == 8
    change = [t.get_text() for t in ax.texts if t.get_gid() == "change"]
    assert change == ["+2", "±0", "+1", "+1", "+1", "±0", "+2", "+1", "+1", "+2"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].replace("\n", " ") == "1. Politiskt beslut om jämställdhetsintegrering"
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["1", "2", "3"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Uppstart", "Benchmarking 1", "Benchmarking 2", "Förflyttning sedan Uppstart"]
    fig_texts = {t.get_gid(): t.get_text() for t in fig.texts}
    assert fig_texts["attribution"] == "Källa: egen självskattning"
    assert fig_texts["title"] == "Checklista för jämställdhetsintegrering, version 2019"
    assert "summa 13 → 20 → 24 av 30" in fig_texts["subtitle"]
    assert (
        fig_texts["readiness"]
        .replace("\n", " ")
        .endswith("(Benchmarking 2): nej; hindrande moment: 2, 6")
    )
    assert fig.get_figwidth() / fig.get_figheight() == pytest.approx(16 / 9)


def test_plot_checklist_english_levels_and_one_meeting() -> None:
    res = _results("2024", {"Uppstart": [2] * 10 + [1] * 10})
    ax = rc.plot_checklist(res, lang="en", level="nämnd")
    fig = ax.get_figure(root=True)
    texts = {t.get_gid(): t.get_text() for t in fig.texts}  # type: ignore[union-attr]
    assert texts["attribution"].startswith("Källa: egen självskattning")
    assert texts["subtitle"].startswith("Board/administration level: self-assessment")
    assert "blocking steps: 1, 2" in texts["readiness"].replace("\n", " ")
    assert not [t for t in ax.texts if t.get_gid() in ("movement", "change")]
    assert np.asarray(_lines(ax)["session:Uppstart"].get_xdata()).round().tolist() == [1] * 10
    assert ax.get_xticklabels()[-1].get_text() == "4\nIn place and followed up"
    default = rc.plot_checklist(res)
    assert default.get_yticklabels()[0].get_text().startswith("1. Politiskt")
    with pytest.raises(InputError, match="invalid level 'region'"):
        rc.plot_checklist(res, level="region")
    with pytest.raises(InputError, match="has no levels"):
        rc.plot_checklist(_results("2019", {"U": [1] * 10}), level="nämnd")


# --- the report and the command line ---------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="koladagap")
    p.add_argument("--lang", choices=("sv", "en"), default=None)
    register(p.add_subparsers(dest="command", required=True))
    return p


def test_cli_template_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.setattr(rc, "REPORT_DPI", 40)  # a small PNG: the test reads artists elsewhere
    sheet = tmp_path / "poang.xlsx"
    args = _parser().parse_args(["checklist", "template", "--version", "2019", "--out", str(sheet)])
    assert run(args) == 0
    assert "10 moment × 5 möten = 50 rader" in capsys.readouterr().err
    with pytest.raises(InputError, match="exists"):
        run(args)

    wb = openpyxl.load_workbook(sheet)
    ws = wb.worksheets[0]
    start = [1, 2, 1, 2, 2, 1, 1, 2, 2, 2]
    now = [3, 3, 1, 3, 3, 3, 1, 2, 2, 3]
    for i, v in enumerate(start + [None] * 10 + now):  # Uppstart, (Benchmarking 1), BM2
        ws.cell(row=2 + i, column=5, value=v)
    wb.save(sheet)

    out = tmp_path / "rapport"
    assert run(_parser().parse_args(["checklist", "report", str(sheet), "--out", str(out)])) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("Uppstart: summa 16 av 30")
    assert lines[1].startswith("Benchmarking 2: summa 24 av 30") and "+8 sedan Uppstart" in lines[1]
    assert lines[2] == (
        "Redo att vara modellkommun/-region enligt regeln ”inget moment på 1 och fler än hälften "
        "av momenten på 3” (Benchmarking 2): nej; hindrande moment: 3, 7"
    )
    assert lines[-1] == "Källa: egen självskattning"
    assert sorted(p.name for p in out.iterdir()) == [
        "checklista.png",
        "checklista.xlsx",
        "checklista_per_moment.csv",
        "checklista_sammanfattning.csv",
    ]
    assert out.joinpath("checklista.png").read_bytes()[:4] == b"\x89PNG"
    book = openpyxl.load_workbook(out / "checklista.xlsx")
    assert book.sheetnames == ["Sammanfattning", "Per moment", "Poäng och kommentarer", "Beredskap"]
    items = pd.read_csv(out / "checklista_per_moment.csv")  # plain CSV, default options
    assert list(items.columns[:3]) == ["Moment/punkt", "Beskrivning", "Uppstart"]
    assert items["Förändring sedan Uppstart"].tolist() == [2, 1, 0, 1, 1, 2, 0, 0, 0, 1]
    summary = pd.read_csv(out / "checklista_sammanfattning.csv")
    assert summary.columns[-1] == "source"
    assert set(summary["source"]) == {"Källa: egen självskattning"}
    assert set(items["source"]) == {"Källa: egen självskattning"}

    en = ["--lang", "en", "checklist", "report", str(sheet), "--out", str(out / "en")]
    assert run(_parser().parse_args([*en, "--rule", "floor=none,atleast=2"])) == 0
    assert "Ready to act as a model municipality/region by the rule" in capsys.readouterr().out
    assert (out / "en" / "checklist.png").exists()


def test_cli_errors_are_input_errors(tmp_path: Path) -> None:
    empty = tmp_path / "tom.csv"
    assert run(_parser().parse_args(["checklist", "template", "--out", str(empty)])) == 0
    assert "2024" in empty.read_text(encoding="utf-8-sig")  # the default version
    report = ["checklist", "report", str(empty), "--out", str(tmp_path / "r")]
    with pytest.raises(InputError, match="inga ifyllda poäng"):
        run(_parser().parse_args(report))
    _filled("2024", {"U": [2] * 20}).to_csv(empty, index=False)
    with pytest.raises(InputError, match="invalid readiness rule"):
        run(_parser().parse_args([*report, "--rule", "atleast=5"]))
    pd.DataFrame({"a": [1]}).to_csv(empty, index=False)
    with pytest.raises(ConfigError, match="rad 1: kolumnen"):
        run(_parser().parse_args(report))
    with pytest.raises(InputError, match="--scale goes with --checklist"):
        run(_parser().parse_args([*report, "--scale", "1-4"]))
    with pytest.raises(SystemExit):
        _parser().parse_args(["checklist", "template", "--version", "2020", "--out", "x.csv"])


def test_main_cli_has_the_checklist_command(tmp_path: Path) -> None:
    from koladagap.cli import main

    out = tmp_path / "mall.csv"
    assert main(["checklist", "template", "--version", "2017", "--out", str(out)]) == 0
    assert out.exists()


# --- the package layout and the names that moved to render --------------------------------------


def test_editions_ship_inside_the_package_and_the_cli_lists_them() -> None:
    from importlib.resources import files

    editions = files("koladagap.checklist").joinpath("editions")
    assert sorted(p.name for p in editions.iterdir() if p.name.endswith(".toml")) == [
        "2017.toml",
        "2019.toml",
        "2024.toml",
    ]
    p = _parser()
    for v in ck.checklist_versions():
        args = p.parse_args(["checklist", "template", "--version", v, "--out", "x.csv"])
        assert args.checklist_version == v


def test_moved_names_still_work_from_koladagap_checklist_with_a_warning() -> None:
    res = _results("2019", {"Uppstart": [1] * 10, "Benchmarking 1": [3] * 10})
    with pytest.warns(DeprecationWarning, match=r"render\.checklist\.plot_checklist"):
        old_plot = ck.plot_checklist
    assert old_plot is rc.plot_checklist
    with pytest.warns(DeprecationWarning, match=r"render\.checklist\.write_checklist_report"):
        assert ck.write_checklist_report is rc.write_checklist_report
    with pytest.warns(DeprecationWarning, match="SESSION_STYLE"):
        assert ck.SESSION_STYLE == rc.SESSION_STYLE
    with pytest.warns(DeprecationWarning, match="summary_lines"):
        assert res.summary_lines("en") == rc.summary_lines(res, "en")
    with pytest.warns(DeprecationWarning, match="readiness_lines"):
        assert res.readiness_lines() == rc.readiness_lines(res)
    with pytest.warns(DeprecationWarning, match="readiness_line"):
        assert res.readiness_line(res.readiness[0]) == rc.readiness_line(res, res.readiness[0])
    with pytest.raises(AttributeError, match="no attribute 'plot'"):
        ck.plot  # noqa: B018
    assert "plot_checklist" not in ck.__all__  # a star import does not warn
