"""Running a plan on the sample, the manager's report in every format, and the CLI."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from koladagap.benchmarking.plan import load_plan, parse_plan, starter_plan
from koladagap.benchmarking.run import meeting_slug, run_plan
from koladagap.cli import EXIT_INPUT, main
from koladagap.kolada.sample import sample_manifest
from koladagap.render.report import SOURCE, report_frames, write_report

KPIS = sample_manifest()["values"]["kpis"]


def plan_for(mid: str, tmp_path: Path, extra: str = "") -> Path:
    p = tmp_path / "plan.toml"
    p.write_text(starter_plan(mid, "x", KPIS) + extra, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def vellinge(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Vellinge (1233): income gaps flagged `act` in the real 2022 data."""
    d = tmp_path_factory.mktemp("vellinge")
    return run_plan(load_plan(plan_for("1233", d)), source="sample", meetings_dir=d / "s")


def test_one_row_per_kpi_latest_year_up_to_session(tmp_path: Path) -> None:
    res = run_plan(load_plan(plan_for("0180", tmp_path)), source="sample", meetings_dir=None)
    assert sorted(res.table["kpi"]) == sorted(KPIS)
    assert res.table["period"].max() == 2022
    # KPIs that ended in 2021 are shown with their last year, not dropped
    assert res.table.set_index("kpi").loc["N00914", "period"] == 2021
    assert res.comparison is not None and set(res.comparison["kpi"]) == set(KPIS)
    assert res.baseline_source == "computed"
    assert res.peers["title"].tolist()[:2] == ["Uppsala", "Linköping"]


def test_sessions_are_kept_and_the_baseline_reused(tmp_path: Path) -> None:
    plan = load_plan(plan_for("0180", tmp_path))
    run_plan(plan, "Benchmarking 1", source="sample")  # default: sessions/ next to the plan
    assert (tmp_path / "sessions" / "plan" / "benchmarking-1.json").exists()
    res = run_plan(plan, source="sample")
    assert res.baseline_source == "stored"
    assert (tmp_path / "sessions" / "plan" / "benchmarking-2.parquet").exists()
    assert meeting_slug("Benchmarking 2") == "benchmarking-2"


def test_flags_are_traceable_to_printed_thresholds(vellinge: object) -> None:
    res = vellinge
    flags = res.flags  # type: ignore[attr-defined]
    assert set(flags["level"]) <= {"watch", "act"} and len(flags) >= 2
    assert flags["level"].iloc[0] == "act"  # act first
    for reasons in flags["reasons"]:
        assert re.search(r"material:", reasons) and re.search(r"reference:z=", reasons)
    frames = report_frames(res)  # type: ignore[arg-type]
    annex = frames.annex
    assert {
        "Väsentlighet, andelar (procentenheter)",
        "Jämförelse, år i underlaget",
        "Jämförelse, z för bevaka",
    } <= set(annex["Inställning"])
    # managers read sentences, not machine codes
    said = frames.overview["Skäl"].astype(str)
    assert not said.str.contains(r"\w+:\S", regex=True).any()
    assert said.str.contains("avvikelseanmälan").any()
    assert len(frames.notices) == len(flags)
    # the thresholds are printed in the report's language
    rules = frames.overview["Tröskel väsentlighet"].astype(str)
    assert rules.str.contains("procentenheter").any() and not rules.str.contains(">=").any()
    assert report_frames(res, "en").overview["Materiality threshold"].str.contains(">=").any()  # type: ignore[arg-type]


def test_notices_have_empty_fields_to_complete(vellinge: object, tmp_path: Path) -> None:
    frames = report_frames(vellinge)  # type: ignore[arg-type]
    n = frames.notices
    for col in ("Orsaker (analys)", "Åtgärd", "Ansvarig", "Uppföljningsdatum"):
        assert (n[col] == "").all()
    assert n["Organisation"].str.contains("1233").all()
    sex = n["Missgynnad grupp"].str.replace(" (underrepresenterat kön)", "", regex=False)
    assert sex.isin(["kvinnor", "män", "flickor", "pojkar"]).all()
    one_sex = n["Nyckeltal"] == "N00945"  # a share of one sex: the under-represented sex
    assert n.loc[one_sex, "Missgynnad grupp"].str.endswith("(underrepresenterat kön)").all()


def test_xlsx_has_three_sheets_frozen_header_filters_and_colours(
    vellinge: object, tmp_path: Path
) -> None:
    from koladagap.render.style import level_fill

    (path,) = write_report(vellinge, tmp_path / "r.xlsx")  # type: ignore[arg-type]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Översikt", "Avvikelseanmälan", "Metodbilaga"]
    ws = wb["Översikt"]
    head_row = next(i for i in range(1, 12) if ws.cell(i, 1).value == "Nyckeltal")
    assert ws.freeze_panes == f"C{head_row + 1}"
    assert ws.auto_filter.ref.startswith(f"A{head_row}")
    assert any(SOURCE in str(c.value) for row in ws.iter_rows() for c in row)
    level_col = [c.value for c in ws[head_row]].index("Nivå") + 1
    fills = {
        ws.cell(r, level_col).value: ws.cell(r, 1).fill.fgColor.rgb
        for r in range(head_row + 1, ws.max_row + 1)
        if ws.cell(r, level_col).value
    }
    # one palette: the charts' level colours (koladagap.render.style)
    assert fills["Avvikelse – åtgärda (avvikelseanmälan)"] == "FF" + level_fill("act")[1:]
    if "Avvikelse – bevaka" in fills:
        assert fills["Avvikelse – bevaka"] == "FF" + level_fill("watch")[1:]
    notices = wb["Avvikelseanmälan"]
    header = [c.value for c in notices[head_row]]
    assert "Orsaker (analys)" in header and "Ansvarig" in header


def test_csv_md_html_and_english(vellinge: object, tmp_path: Path) -> None:
    files = write_report(vellinge, tmp_path / "r.csv")  # type: ignore[arg-type]
    assert [f.name for f in files] == ["r.csv", "r-avvikelseanmalan.csv", "r-metodbilaga.csv"]
    for f in files:  # plain CSV: the attribution is the last column, not a comment line
        assert "#" not in f.read_text(encoding="utf-8").splitlines()[-1]
        assert pd.read_csv(f)["source"].eq(SOURCE).all()
    with files[0].open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:2] == ["Nyckeltal", "Benämning"]
    (md,) = write_report(vellinge, tmp_path / "r.md")  # type: ignore[arg-type]
    text = md.read_text(encoding="utf-8")
    assert "## Avvikelseanmälan" in text and "**Ansvarig:** …………" in text and SOURCE in text
    (h,) = write_report(vellinge, tmp_path / "r.html", lang="en")  # type: ignore[arg-type]
    page = h.read_text(encoding="utf-8")
    assert "Deviation reports" in page and "Responsible" in page and SOURCE in page
    assert 'lang="en"' in page


@pytest.mark.parametrize(("lang", "shown"), [("sv", "3,5"), ("en", "3.5")])
def test_a_threshold_reads_the_same_in_the_overview_and_the_annex(
    tmp_path: Path, lang: str, shown: str
) -> None:
    plan = plan_for("1233", tmp_path, "\n[thresholds.materiality]\nshare_pp = 3.5\n")
    res = run_plan(load_plan(plan), source="sample", meetings_dir=None)
    (path,) = write_report(res, tmp_path / "r.xlsx", lang=lang)
    wb = openpyxl.load_workbook(path)
    sheets = {"sv": ("Översikt", "Metodbilaga"), "en": ("Overview", "Methods annex")}[lang]
    overview, annex = (list(wb[name].iter_rows(values_only=True)) for name in sheets)
    head = next(i for i, row in enumerate(overview) if row[0] in ("Nyckeltal", "KPI"))
    col = overview[head].index("Tröskel väsentlighet" if lang == "sv" else "Materiality threshold")
    rules = [str(row[col]) for row in overview[head + 1 :] if row[col]]
    unit = "procentenheter" if lang == "sv" else "pp"
    assert rules and any(f"≥ {shown} {unit}" in r or f">= {shown} {unit}" in r for r in rules)
    other = "3.5" if lang == "sv" else "3,5"
    assert not any(other in r for r in rules)
    name = "Väsentlighet, andelar" if lang == "sv" else "Materiality, shares"
    (value,) = [row[2] for row in annex if str(row[1]).startswith(name)]
    assert value == shown


def test_split_by_area_gives_each_manager_their_flags(vellinge: object, tmp_path: Path) -> None:
    res = vellinge
    files = write_report(res, tmp_path / "r.xlsx", split_by_area=True)  # type: ignore[arg-type]
    areas = sorted(set(res.areas.values()))  # type: ignore[attr-defined]
    assert len(files) == 1 + len(areas)
    total = 0
    for f, area in zip(files[1:], areas, strict=True):
        df = pd.read_excel(f, sheet_name="Översikt", header=None)
        start = df.index[df[0] == "Nyckeltal"][0]
        body = df.iloc[start + 1 :].dropna(subset=[0])
        kpis = body[0][body[0].astype(str).str.match(r"^[A-Z]\d{5}$")]
        assert set(kpis) == {k for k, a in res.areas.items() if a == area}  # type: ignore[attr-defined]
        total += len(kpis)
    assert total == len(res.table)  # type: ignore[attr-defined]


def test_plan_areas_override_kolada(tmp_path: Path) -> None:
    extra = '\n[areas]\n"Skola" = ["N15428", "N17461", "N17473"]\n'
    text = starter_plan("0180", "x", KPIS) + extra
    plan = parse_plan(__import__("tomllib").loads(text))
    res = run_plan(plan, source="sample", meetings_dir=None)
    assert {k for k, a in res.areas.items() if a == "Skola"} == {"N15428", "N17461", "N17473"}


def test_raising_thresholds_never_adds_flags(tmp_path: Path) -> None:
    base = run_plan(load_plan(plan_for("1233", tmp_path)), source="sample", meetings_dir=None)
    strict = plan_for(
        "1233",
        tmp_path,
        "\n[thresholds.materiality]\nshare_pp = 10.0\nrelative = 0.3\n",
    )
    res = run_plan(load_plan(strict), source="sample", meetings_dir=None)
    assert set(res.flags["kpi"]) <= set(base.flags["kpi"])
    assert len(res.flags) < len(base.flags)


def test_excluded_kpi_and_reason_in_annex(tmp_path: Path) -> None:
    extra = '\n[kpis.N00906]\nexclude = true\nreason = "Styrs inte av kommunen"\n'
    res = run_plan(load_plan(plan_for("1233", tmp_path, extra)), source="sample", meetings_dir=None)
    assert res.level["N00906"] == "excluded"
    annex = report_frames(res).annex
    row = annex.loc[annex["Inställning"] == "N00906"]
    assert "Styrs inte av kommunen" in row["Förklaring"].item()


# --- CLI ------------------------------------------------------------------------------------


def test_cli_deviations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_for("1233", tmp_path)
    out = tmp_path / "avvikelser.xlsx"
    code = main(["deviations", "--plan", str(plan), "--sample", "--out", str(out)])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert out.exists()
    assert re.search(
        r"Vellinge \(1233\), Benchmarking 2 \(data för 2022\): "
        r"Avvikelse – åtgärda \(avvikelseanmälan\): \d+;",
        stdout,
    )
    assert SOURCE in stdout


def test_cli_deviations_bad_plan_and_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[organisation]\nid = "0180"\ncolour = 1\n', encoding="utf-8")
    code = main(["deviations", "--plan", str(bad), "--sample", "--out", str(tmp_path / "r.md")])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT and err.count("\n") == 1
    assert str(bad) in err and "organisation.colour" in err
    plan = plan_for("0180", tmp_path)
    code = main(
        [
            "deviations",
            "--plan",
            str(plan),
            "--sample",
            "--session",
            "B9",
            "--out",
            str(tmp_path / "r.md"),
        ]
    )
    err = capsys.readouterr().err
    assert code == EXIT_INPUT and "Benchmarking 1" in err


def test_cli_plan_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan.toml"
    assert main(["plan", "init", "--municipality", "0180", "--sample", "--out", str(out)]) == 0
    plan = load_plan(out)
    assert plan.organisation == "0180" and set(plan.kpi_ids) == set(KPIS)
    assert main(["plan", "init", "--municipality", "0180", "--sample", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    code = main(
        ["plan", "init", "--municipality", "9999", "--sample", "--out", str(tmp_path / "x")]
    )
    assert code == EXIT_INPUT and "9999" in capsys.readouterr().err
    region = tmp_path / "region.toml"
    assert main(["plan", "init", "--municipality", "0001", "--offline", "--out", str(region)]) == 0
    assert load_plan(region).kpi_groups == ("G2KPI148336",)


def test_cli_baseline_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pptx import Presentation

    plan = tmp_path / "plan.toml"
    plan.write_text(starter_plan("1233", "Vellinge", ["N00906", "N15428", "N00945"]), "utf-8")
    out = tmp_path / "pack"
    code = main(
        ["baseline", "--plan", str(plan), "--sample", "--out", str(out), "--format", "png,pdf,pptx"]
    )
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert "Vellinge" in stdout and SOURCE in stdout
    deck = Presentation(str(out / "utgangslage_1233_2018.pptx"))
    firsts = [
        next(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides
    ]
    # title, the overview, the two main problems (act, then material), the next steps
    assert len(firsts) == 5 and firsts[0] == "Utgångsläge inför Benchmarking 1"
    assert firsts[1].startswith("Översikt") and firsts[-1] == "Förslag på nästa steg"
    assert firsts[2].startswith("Skillnad 1 av 2: Tillfälliga föräldrapenningdagar (VAB)")
    assert (out / "utgangslage_1233_2018.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "charts" / "01_oversikt.png").exists()
    # the baseline session was stored next to the plan for later comparisons
    assert (tmp_path / "sessions" / "plan" / "benchmarking-1.json").exists()


def test_plan_with_own_measurements(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from koladagap.benchmarking.measurements import read_measurements

    example = Path(__file__).parent / "data" / "measurements_example.csv"
    shutil.copy(example, tmp_path / "egna.csv")
    own = read_measurements(tmp_path / "egna.csv")
    extra = '\n[measurements]\nfiles = ["egna.csv"]\n'
    plan_path = plan_for(own.organisations[0], tmp_path, extra)
    plan = load_plan(plan_path)
    assert plan.measurement_files == (str(tmp_path / "egna.csv"),)
    res = run_plan(plan, source="sample", meetings_dir=None)
    assert set(own.ids) <= set(res.table["kpi"])
    assert not any(k.endswith("-N") for k in res.table["kpi"])
    frames = report_frames(res)
    assert frames.source == "Källa: Kolada; egen bearbetning; egen mätning"
    assert frames.header[-1] == frames.source
    assert res.areas[own.ids[0]] == "Egen mätning"
    # only Kolada figures in a plan: the plain processed-Kolada source line
    x = tmp_path / "x"
    x.mkdir()
    plain = run_plan(load_plan(plan_for("0180", x)), source="sample", meetings_dir=None)
    assert report_frames(plain).source == SOURCE
    code = main(["measurements", "check", str(tmp_path / "egna.csv")])
    assert code == 0, capsys.readouterr().err


def test_plan_measurement_file_missing(tmp_path: Path) -> None:
    from koladagap.errors import ConfigError

    with pytest.raises(ConfigError, match=r"measurements\.files: file not found"):
        load_plan(plan_for("0180", tmp_path, '\n[measurements]\nfiles = ["nope.xlsx"]\n'))


def test_two_plans_in_one_folder_keep_their_own_sessions(tmp_path: Path) -> None:
    a = tmp_path / "stockholm.toml"
    b = tmp_path / "vellinge.toml"
    a.write_text(starter_plan("0180", "Stockholm", KPIS), encoding="utf-8")
    b.write_text(starter_plan("1233", "Vellinge", KPIS), encoding="utf-8")
    run_plan(load_plan(a), "Benchmarking 1", source="sample")
    res = run_plan(load_plan(b), source="sample")
    assert res.baseline_source == "computed"  # not Stockholm's stored baseline
    assert (tmp_path / "sessions" / "stockholm" / "benchmarking-1.json").exists()
    assert (tmp_path / "sessions" / "vellinge" / "benchmarking-2.json").exists()
    assert res.comparison is not None and res.comparison["kpi"].is_unique


def test_baseline_pack_charts_own_measurements_with_their_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from koladagap.benchmarking.measurements import read_measurements

    example = Path(__file__).parent / "data" / "measurements_example.csv"
    shutil.copy(example, tmp_path / "egna.csv")
    own = read_measurements(tmp_path / "egna.csv")
    text = (
        starter_plan("0180", "Stockholm", ["N15428"]) + '\n[measurements]\nfiles = ["egna.csv"]\n'
    )
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    out = tmp_path / "pack"
    argv = ["baseline", "--plan", str(plan), "--sample", "--out", str(out), "--format", "png,pdf"]
    assert main(argv) == 0, capsys.readouterr().err
    # the main deck: the overview and one slide of the own measurements
    assert sorted(p.name for p in (out / "charts").glob("*.png")) == [
        "00_egna.png",
        "01_oversikt.png",
    ]
    # the appendix: every KPI's charts, the own measurements' too
    assert main([*argv, "--appendix"]) == 0, capsys.readouterr().err
    charted = {p.name.split("_")[0] for p in (out / "charts").glob("*.png")}
    assert "N15428" in charted and set(own.ids) <= charted
    # an own measurement's chart names its own source, never Kolada
    import dataclasses

    import matplotlib.pyplot as plt

    from koladagap.render import pack as pk

    inp = pk.baseline_pack_from_sample("0180", 2018, kpis=["N15428"])
    kpi = own.ids[0]
    mine = own.values.loc[own.values["kpi"] == kpi]
    inp = dataclasses.replace(
        inp,
        kpis=[*inp.kpis, kpi],
        values=pd.concat([inp.values, mine], ignore_index=True),
        kpi_meta=pd.concat([inp.kpi_meta, own.kpis[["id", "title"]]], ignore_index=True),
    )
    (first, *_) = pk._kpi_charts(pk._Data(inp), kpi)
    _, ax = plt.subplots()
    first.draw(ax=ax)
    texts = [t.get_text() for t in ax.figure.texts if t.get_gid() == "attribution"]
    assert texts and all("egen mätning" in t and "Kolada" not in t for t in texts)


def test_the_result_carries_values_evaluation_and_one_engine_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import koladagap.engine.followup as followup
    from koladagap.engine.levels import run_engine as real

    runs: list[int | None] = []

    def counted(*args: object, **kw: object) -> object:
        out = real(*args, **kw)  # type: ignore[arg-type]
        runs.append(out.year)
        return out

    def second_run(*args: object, **kw: object) -> object:
        raise AssertionError("the follow-up ran the engine a second time")

    monkeypatch.setattr("koladagap.benchmarking.engine_runs.run_engine", counted)
    monkeypatch.setattr(followup, "run_engine", second_run)
    res = run_plan(load_plan(plan_for("0180", tmp_path)), source="sample", meetings_dir=None)
    assert runs == [None]  # one run, of every year, shared by evaluation and comparison
    assert res.comparison is not None and len(res.comparison) == len(KPIS)
    # the values cover every municipality and the years from 4 before the baseline
    assert res.values["municipality_id"].nunique() > 290
    assert int(res.values["period"].min()) == 2018 - 4
    assert {"N01951", *KPIS} <= set(res.values["kpi"])
    # the table is the evaluation's latest row per KPI up to the meeting's year
    ev = res.evaluation
    assert set(ev["municipality_id"]) == {"0180"} and ev["period"].nunique() > 1
    last = ev.loc[ev["period"] <= 2022].sort_values("period").groupby("kpi").tail(1)
    assert sorted(last["kpi"]) == sorted(res.table["kpi"])
    assert res.kpis == res.table["kpi"].tolist()


def test_run_baseline_carries_the_packs_history_and_later_own_measurements(
    tmp_path: Path,
) -> None:
    import shutil

    from koladagap.benchmarking.baseline import HISTORY_YEARS, run_baseline
    from koladagap.benchmarking.measurements import read_measurements

    shutil.copy(Path(__file__).parent / "data" / "measurements_example.csv", tmp_path / "e.csv")
    own = read_measurements(tmp_path / "e.csv")
    text = starter_plan("0180", "Stockholm", ["N15428"]) + '\n[measurements]\nfiles = ["e.csv"]\n'
    (tmp_path / "plan.toml").write_text(text, encoding="utf-8")
    plan = load_plan(tmp_path / "plan.toml")
    base = run_baseline(plan, source="sample", meetings_dir=None)
    plain = run_plan(plan, plan.baseline.name, source="sample", meetings_dir=None)
    assert base.meeting == plan.baseline and base.comparison is None
    kolada = base.values.loc[base.values["kpi"] == "N15428"]
    assert int(kolada["period"].min()) == 2018 - HISTORY_YEARS
    # the longer history changes no level at the baseline
    pd.testing.assert_frame_equal(base.table, plain.table)
    # own measurements begun after the baseline year are the pack's too
    assert base.kpis[0] == "N15428" and set(own.ids) <= set(base.kpis)
    assert not set(own.ids) & set(plain.kpis)
    assert set(own.ids) <= set(base.values.loc[base.values["period"] > 2018, "kpi"])
    assert not any(k.endswith("-N") for k in base.kpis)


def test_session_names_still_work_and_warn(tmp_path: Path) -> None:
    import koladagap.benchmarking.meetings as meetings
    import koladagap.benchmarking.run as run_mod

    plan = load_plan(plan_for("0180", tmp_path))
    with pytest.warns(DeprecationWarning, match="meetings_dir"):
        res = run_plan(plan, source="sample", sessions_dir=None)
    with pytest.warns(DeprecationWarning, match="PlanResult.meeting"):
        assert res.session == res.meeting == plan.followups[-1]
    with pytest.warns(DeprecationWarning, match="meeting=…"):
        old = run_plan(plan, session="Benchmarking 1", source="sample", meetings_dir=None)
    assert old.meeting == plan.baseline
    with pytest.warns(DeprecationWarning, match="meeting_slug"):
        assert run_mod.session_slug("Benchmarking 1") == "benchmarking-1"
    for old_name, new_name in [
        ("Session", "MeetingResult"),
        ("save_session", "save_meeting"),
        ("load_session", "load_meeting"),
        ("list_sessions", "list_meetings"),
    ]:
        with pytest.warns(DeprecationWarning, match=new_name):
            assert getattr(meetings, old_name) is getattr(meetings, new_name)
