"""The final report (slutrapport): a Word document from the plan's baseline and latest meeting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

docx = pytest.importorskip("docx")

KPIS = ["N15428", "N00945", "N00906", "N17473", "N31814"]

HEADINGS_SV = [
    "Slutrapport – jämställdhetsintegrering",
    "1. Utgångsläget vid Benchmarking 1",
    "2. Vad har hänt från Benchmarking 1 till Benchmarking 2",
    "Nyckeltal för nyckeltal",
    "3. Checklistan – självskattningen",
    "4. Framgångsfaktorer",
    "5. Utmaningar",
    "6. Lärdomar",
    "7. Fortsatt arbete",
    "8. Metod och källor",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from koladagap.benchmarking.starter import starter_plan
    from koladagap.checklist import template_frame

    d = tmp_path_factory.mktemp("slutrapport")
    text = starter_plan("1233", "Vellinge", KPIS, baseline=2018, followup=2022)
    text += "\n[kpis.N17473]\ntarget_gap = 2.0\ntarget_year = 2026\n"  # a target of its own
    (d / "plan.toml").write_text(text, encoding="utf-8")
    scores = template_frame("2019", ["Uppstart", "Resultatkonferens"])
    scores["Poäng (1–3)"] = [1] * 10 + [1, 2, 3, 3, 3, 3, 3, 3, 2, 2]
    scores.to_csv(d / "poang.csv", index=False)
    return d


def _run(folder: Path, out: Path, *extra: str) -> int:
    from koladagap.cli import main

    argv = ["slutrapport", "--plan", str(folder / "plan.toml"), "--out", str(out), "--sample"]
    return main([*argv, "--meetings-dir", str(folder / "m"), *extra])


@pytest.fixture(scope="module")
def report(folder: Path) -> Any:
    out = folder / "slutrapport.docx"
    assert _run(folder, out, "--scores", str(folder / "poang.csv")) == 0
    return docx.Document(str(out))


def _headings(doc: Any) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def test_the_document_has_the_outline_in_order(report: Any) -> None:
    assert _headings(report) == HEADINGS_SV
    body = "\n".join(p.text for p in report.paragraphs)
    assert "Programperiod: 2018–2022" in body and "Vellinge (1233)" in body
    assert "Källa: Kolada; egen bearbetning" in body
    prompts = [p for p in report.paragraphs if p.runs and p.runs[0].italic]
    assert any("Vad har gjort att arbetet kommit framåt" in p.text for p in prompts)


def test_the_baseline_table_is_the_runs_table(folder: Path, report: Any) -> None:
    from koladagap.benchmarking.plan import load_plan
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.i18n import LEVEL_LABELS, format_number

    plan = load_plan(folder / "plan.toml")
    res = run_plan(plan, "Benchmarking 1", source="sample", meetings_dir=None)
    t = res.table.set_index("kpi")
    table = report.tables[0]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert set(rows) == set(t.index)
    for kpi, cells in rows.items():
        row = t.loc[kpi]
        assert cells[2] == format_number(row["women"], "sv")
        assert cells[3] == format_number(row["men"], "sv")
        assert cells[4] == format_number(row["gap"], "sv", sign=True)
        assert cells[5] == LEVEL_LABELS["sv"][row["level"]]
    assert rows["N00945"][2] == "–"  # a share of one sex: its distance, labelled as such
    body = "\n".join(p.text for p in report.paragraphs)
    assert "N00945 är en andel av ett kön: Andel män" in body
    assert "avstånd från 50/50 (procentenheter)" in body


def test_changes_charts_and_the_checklist_verdict(report: Any) -> None:
    changes = report.tables[1]
    cells = {r.cells[0].text: [c.text for c in r.cells] for r in changes.rows[1:]}
    assert cells["N31814"][3] == "försämrad" and cells["N31814"][5] == "ny"
    assert cells["N31814"][4] == "Känt mönster → Åtgärda"
    # the overview, the gap over time of flagged KPIs and the checklist chart
    assert len(report.inline_shapes) >= 3
    body = "\n".join(p.text for p in report.paragraphs).replace("\u00a0", " ")
    assert "Mål för skillnaden år 2026: +2,0 p.e." in body and "Kvar till målet: " in body
    assert "Inget eget mål i planen." in body  # the KPIs without a target
    assert "Modellregeln är inte uppfylld vid Resultatkonferens." in body
    summary = report.tables[2]
    assert [c.text for c in summary.rows[2].cells][:2] == ["Resultatkonferens", "25 / 30"]


def test_english(folder: Path) -> None:
    out = folder / "final.docx"
    assert _run(folder, out, "--lang", "en") == 0
    doc = docx.Document(str(out))
    heads = _headings(doc)
    assert heads[0] == "Final report – gender mainstreaming"
    assert "8. Method and sources" in heads and "4. Success factors" in heads
    gaps = {r.cells[0].text: r.cells[4].text for r in doc.tables[0].rows[1:]}
    assert gaps["N17473"] == "+10.8" and gaps["N00906"] == "−90,579"
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "No self-assessment attached" in body


def test_one_line_errors_and_no_overwrite(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from koladagap.cli import main

    out = folder / "x.docx"
    assert main(["slutrapport", "--plan", str(folder / "nej.toml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nej.toml" in err
    out.write_bytes(b"not mine")
    assert _run(folder, out) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[-1].endswith("lägg till --force för att skriva över den")
    assert out.read_bytes() == b"not mine"
    assert _run(folder, out, "--force") == 0
    assert docx.Document(str(out)).paragraphs[0].text.startswith("Slutrapport")


def test_missing_python_docx_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from koladagap.errors import InputError
    from koladagap.render.slutrapport import _docx

    real = builtins.__import__

    def no_docx(name: str, *a: Any, **k: Any) -> Any:
        if name == "docx":
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_docx)
    with pytest.raises(InputError, match=r"pip install 'koladagap\[docx\]'"):
        _docx()


NETWORK = """
[network]
name = "Nätverk Skåne"

{members}

[mentor]
id = "1283"

[kpis]
ids = {kpis}

[meetings]
baseline = {{ name = "Benchmarking 1", year = 2018 }}
followups = [{{ name = "Benchmarking 2", year = 2022 }}]
"""


def _network_file(path: Path, members: list[str]) -> Path:
    rows = "\n".join(f'[[members]]\nid = "{m}"' for m in members)
    kpis = "[" + ", ".join(f'"{k}"' for k in KPIS) + "]"
    path.write_text(NETWORK.format(members=rows, kpis=kpis), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def with_network(folder: Path) -> tuple[Any, Path]:
    net = _network_file(folder / "natverk.toml", ["1233", "1280", "0180", "1480"])
    out = folder / "med_natverk.docx"
    assert _run(folder, out, "--network", str(net)) == 0
    return docx.Document(str(out)), net


def _section(doc: Any, heading: str) -> list[Any]:
    """The body's elements (paragraphs and tables, as XML) under ``heading`` up to the next one."""
    body = list(doc.element.body.iterchildren())
    heads = {id(p._p): p for p in doc.paragraphs if p.style.name.startswith("Heading")}
    start = next(i for i, e in enumerate(body) if id(e) in heads and heads[id(e)].text == heading)
    rest = body[start + 1 :]
    end = next((i for i, e in enumerate(rest) if id(e) in heads), len(rest))
    return rest[:end]


def test_the_network_section_sits_between_checklist_and_own_text(
    with_network: tuple[Any, Path],
) -> None:
    doc, _ = with_network
    heads = _headings(doc)
    i = heads.index("Nätverkets resultat")
    assert heads[i - 1] == "3. Checklistan – självskattningen"
    assert heads[i + 1] == "4. Framgångsfaktorer"
    section = _section(doc, "Nätverkets resultat")
    words = "\n".join("".join(e.itertext()) for e in section)
    assert "Nätverk Skåne" in words
    assert "Medlemmar: Vellinge, Malmö, Stockholm, Göteborg." in words
    assert "Mentororganisation: Helsingborg." in words
    assert "Källa: Kolada; egen bearbetning" in words
    assert "flaggas av mer än en medlem" in words or "Områden som flera medlemmar" in words
    blips = [e for e in section if e.xpath(".//a:blip")]
    assert len(blips) == 1  # the heat map, embedded in the section


def test_the_network_table_counts_are_the_networks(
    folder: Path, with_network: tuple[Any, Path]
) -> None:
    from koladagap.benchmarking.network import load_network, run_network
    from koladagap.render.i18n import LEVEL_SHORT

    doc, net = with_network
    result = run_network(load_network(net), "Benchmarking 2", source="sample")
    t = result.table
    flagged = t.loc[(t["role"] == "member") & t["level"].isin(["watch", "act"])]
    expected = flagged.groupby("kpi")["municipality_id"].nunique()
    own = t.loc[t["municipality_id"] == "1233"].set_index("kpi")["level"]
    table = next(tb for tb in doc.tables if tb.rows[0].cells[2].text == "Flaggas av")
    assert table.rows[0].cells[4].text == "Vellinge"
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert set(rows) == set(KPIS)
    for kpi, cells in rows.items():
        assert cells[2] == f"{int(expected.get(kpi, 0))} av 4"
        assert cells[4] == LEVEL_SHORT["sv"][own[kpi]]
        names = set(flagged.loc[flagged["kpi"] == kpi, "member"])
        assert set(filter(None, cells[3].split(", "))) == names
    counts = [int(r[2].split()[0]) for r in rows.values()]
    assert counts == sorted(counts, reverse=True)  # the most shared first


def test_a_plan_outside_the_network_is_one_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    net = _network_file(folder / "annat.toml", ["1280", "0180", "1480"])
    out = folder / "utanfor.docx"
    assert _run(folder, out, "--network", str(net)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "plan.toml" in err[0] and "annat.toml" in err[0]
    assert "1233" in err[0]
    assert not out.exists()


def test_hostile_titles_and_names_reach_word_harmless(folder: Path, tmp_path: Path) -> None:
    """Control characters in a KPI title or a name cannot break the document (Word's XML)."""
    import dataclasses

    from koladagap.benchmarking.final_report import final_report_data
    from koladagap.benchmarking.plan import load_plan
    from koladagap.render.slutrapport import write_final_report

    data = final_report_data(load_plan(folder / "plan.toml"), source="sample", meetings_dir=None)
    bad = 'Andel\x07 =HYPERLINK("x") $x^{$\x1b[2J'

    def hostile(res: Any) -> Any:
        t = res.table.assign(kpi_title=bad)
        return dataclasses.replace(res, table=t, organisation_name="Vellinge\x00\x0b")

    assert data.latest is not None
    data = dataclasses.replace(data, baseline=hostile(data.baseline), latest=hostile(data.latest))
    out = write_final_report(data, tmp_path / "s.docx")
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Vellinge" in text
    assert not any(c in text for c in "\x00\x07\x0b\x1b")
