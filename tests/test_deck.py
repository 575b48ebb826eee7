"""The meeting deck: at most 12 slides, text that fits, numbers that trace to the data."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from koladagap.render import pack
from koladagap.render.i18n import format_number
from koladagap.render.pack.model import PackData, wide_gaps

pptx = pytest.importorskip("pptx")
pypdf = pytest.importorskip("pypdf")

STEM = "utgangslage_1233_2018"
NUMBER = re.compile(r"[−+-]?\d[\d\u00a0\u202f ]*(?:,\d+)?")


def _plan(targets: bool = False) -> Any:
    from koladagap.benchmarking.plan import parse_plan

    kpis: dict[str, object] = {"ids": ["N15428", "N00945", "N00906", "N17473", "N31814"]}
    if targets:
        kpis["N15428"] = {"target_gap": 0.0, "target_year": 2026}
        kpis["N17473"] = {"target_gap": 2.0, "target_year": 2026}
    return parse_plan(
        {
            "organisation": {"id": "1233"},
            "kpis": kpis,
            "sessions": {
                "baseline": {"name": "Benchmarking 1", "year": 2018},
                "followups": [{"name": "Benchmarking 2", "year": 2022}],
            },
        }
    )


@pytest.fixture(scope="module")
def inp() -> pack.PackInput:
    from koladagap.benchmarking.baseline import run_baseline

    res = run_baseline(_plan(), source="sample", meetings_dir=None)
    return pack.pack_input(res)


@pytest.fixture(scope="module")
def written(inp: pack.PackInput, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("deck")
    return pack.write_baseline_pack(inp, out, "png,pdf,pptx", appendix=True)


def _file(written: list[Path], name: str) -> Path:
    return next(p for p in written if p.name == name)


def _boxes(deck_path: Path) -> list[tuple[int, Any]]:
    deck = pptx.Presentation(str(deck_path))
    return [(i, s) for i, sl in enumerate(deck.slides) for s in sl.shapes if s.has_text_frame]


def test_main_deck_and_pdf_have_at_most_12_slides_with_bookmarks(written: list[Path]) -> None:
    deck = pptx.Presentation(str(_file(written, f"{STEM}.pptx")))
    n = len(deck.slides)
    assert 4 <= n <= 12
    reader = pypdf.PdfReader(_file(written, f"{STEM}.pdf"))
    assert len(reader.pages) == n
    assert len(reader.outline) == n  # a bookmark per slide
    first = "\n".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "Utgångsläge inför Benchmarking 1" in first and "Vellinge (1233)" in first
    last = "\n".join(s.text_frame.text for s in deck.slides[-1].shapes if s.has_text_frame)
    assert "Förslag på nästa steg" in last
    notes = [s for _, s in _boxes(_file(written, f"{STEM}.pptx")) if s.name == "note"]
    assert any(
        "Hur hänger det ihop med andra utmaningar och mål?" in s.text_frame.text for s in notes
    )


def test_every_text_fits_its_box(written: list[Path]) -> None:
    """Characters × font size against the box: wrapped lines × line height ≤ the box."""
    for deck in (f"{STEM}.pptx", f"{STEM}_bilaga.pptx"):
        for i, shape in _boxes(_file(written, deck)):
            width = shape.width / 914400 - 0.2  # inches, less the insets
            height = shape.height / 914400 - 0.1
            used = 0.0
            for p in shape.text_frame.paragraphs:
                size = p.font.size.pt if p.font.size else 18.0
                per_line = max(int(width * 72 / (0.5 * size)), 1)
                lines = max(1, -(-len(p.text) // per_line))
                used += lines * 1.2 * size / 72
            assert used <= height + 0.05, (deck, i, shape.text_frame.text[:60], used, height)


def test_numbers_trace_to_the_values(inp: pack.PackInput, written: list[Path]) -> None:
    """Each number in a KPI's facts is a value, a gap (women − men) or a share − 50 of 2018."""
    d = PackData(inp)
    own = wide_gaps(inp.values)
    own = own.loc[(own["municipality_id"] == "1233") & (own["period"] == 2018)]
    candidates = np.concatenate(
        [own[c].to_numpy(dtype=float) for c in ("women", "men", "total", "gap")]
        + [own["total"].to_numpy(dtype=float) - 50.0, np.array([2018.0])]
    )
    shown = {format_number(x, "sv") for x in candidates[np.isfinite(candidates)]}
    shown |= {format_number(x, "sv", sign=True) for x in candidates[np.isfinite(candidates)]}
    seen = 0
    for _, shape in _boxes(_file(written, f"{STEM}.pptx")):
        if shape.name != "facts" or "Bedömning:" not in shape.text_frame.text:
            continue
        for line in shape.text_frame.text.splitlines()[1:]:
            if ":" not in line or line.startswith("Bedömning"):
                continue
            value = line.rsplit(":", 1)[1]
            for num in NUMBER.findall(value):
                assert num.strip() in shown, (line, num)
                seen += 1
    assert seen >= 6
    assert "N00945" in d.one_sex


def test_one_sex_share_is_labelled_as_a_share(written: list[Path]) -> None:
    text = "\n".join(s.text_frame.text for _, s in _boxes(_file(written, f"{STEM}.pptx"))).replace(
        "\u00a0", " "
    )
    assert "Andel män: 32,3 %" in text
    assert "Avstånd från 50/50 (procentenheter): −17,7" in text
    assert "Skillnad (K − M): −17,7" not in text


def test_overview_counts_every_kpi_and_shows_the_one_sex_share(
    inp: pack.PackInput, written: list[Path]
) -> None:
    deck = pptx.Presentation(str(_file(written, f"{STEM}.pptx")))
    text = "\n".join(s.text_frame.text for s in deck.slides[1].shapes if s.has_text_frame)
    levels = pd.Series(inp.levels).value_counts()
    assert f"{len(inp.kpis)} nyckeltal" in text
    assert f"Avvikelse – bevaka: {int(levels.get('watch', 0))}" in text
    from matplotlib.figure import Figure

    from koladagap.render.pack.content import overview

    chart = overview(PackData(inp))
    assert chart is not None
    ax: Any = chart.draw(ax=Figure().add_subplot())
    values = [t.get_text() for t in ax.texts if t.get_gid() == "value_text"]
    assert any(v.startswith("Andel män") for v in values)
    assert len(values) == len(inp.kpis)


def test_problems_are_ordered_act_watch_then_material_by_size(inp: pack.PackInput) -> None:
    from koladagap.render.pack.main import TIERS, problems

    d = PackData(inp)
    found = problems(d)
    tiers = [TIERS[d.levels[k]] for k in found]
    assert tiers == sorted(tiers) and found
    assert found[0] == "N00945"  # watch before the material gaps


def test_appendix_pdf_is_searchable_with_bookmarks(
    inp: pack.PackInput, written: list[Path]
) -> None:
    pdf = _file(written, f"{STEM}_bilaga.pdf")
    reader = pypdf.PdfReader(pdf)
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Innehåll" in titles
    assert any(t.endswith("(N15428)") for t in titles)
    children = [o for o in reader.outline if isinstance(o, list)]
    assert children and all(len(c) >= 1 for c in children)  # each KPI's charts under it
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Elever i åk 9 som är behöriga" in text


def test_followup_deck_shows_targets(tmp_path: Path) -> None:
    from koladagap.benchmarking.baseline import run_meeting

    res = run_meeting(_plan(targets=True), "Benchmarking 2", source="sample", meetings_dir=None)
    files = pack.write_baseline_pack(pack.pack_input(res), tmp_path, "pdf,pptx")
    assert [p.name for p in files] == ["uppfoljning_1233_2022.pdf", "uppfoljning_1233_2022.pptx"]
    deck = pptx.Presentation(str(files[1]))
    assert len(deck.slides) <= 12
    text = "\n".join(
        s.text_frame.text for sl in deck.slides for s in sl.shapes if s.has_text_frame
    ).replace("\u00a0", " ")
    assert "Prioriterade nyckeltal och mål inför Benchmarking 2" in text
    assert "Mål för skillnaden år 2026: 0,0 p.e." in text
    assert "Kvar till målet: " in text and "Mål för skillnaden år 2026: +2,0 p.e." in text


def test_cli_baseline_steps_claims_the_folder_and_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from koladagap.checklist import template_frame
    from koladagap.cli import main

    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[organisation]\nid = "1233"\n[kpis]\nids = ["N15428", "N00945"]\n'
        '[sessions]\nbaseline = { name = "Benchmarking 1", year = 2018 }\n',
        encoding="utf-8",
    )
    scores = template_frame("2019", ["Uppstart", "Benchmarking 1"])
    scores["Poäng (1–3)"] = [1] * 10 + [1, 2, 3, 3, 3, 3, 3, 3, 2, 2]
    sheet = tmp_path / "poang.csv"
    scores.to_csv(sheet, index=False)
    out = tmp_path / "out"
    argv = ["baseline", "--plan", str(plan), "--sample", "--out", str(out), "--format", "pptx"]
    assert main([*argv, "--scores", str(sheet), "--meetings-dir", str(tmp_path / "m")]) == 0
    err = capsys.readouterr().err
    assert "Hämtar värden" in err and "Ritar baspaketet" in err
    deck = pptx.Presentation(str(out / f"{STEM}.pptx"))
    text = "\n".join(s.text_frame.text for sl in deck.slides for s in sl.shapes if s.has_text_frame)
    assert "Självskattning med checklistan" in text
    (out / ".koladagap.json").write_text('{"organisation": "0180"}\n', encoding="utf-8")
    assert main([*argv, "--meetings-dir", str(tmp_path / "m")]) != 0
    assert main([*argv, "--force", "--meetings-dir", str(tmp_path / "m")]) == 0


_WORKERS_SCRIPT = """
import json, pickle, sys
from concurrent import futures
import koladagap.render.pack.write as w
from koladagap.render.pack.main import baseline_slides
from koladagap.render.pack.model import PackData

forks = []
class Counting(futures.ProcessPoolExecutor):
    def __init__(self, *a, **k):
        forks.append(1)
        super().__init__(*a, **k)
w.ProcessPoolExecutor = Counting
inp = pickle.load(open(sys.argv[1], "rb"))
charts = [s.chart for s in baseline_slides(PackData(inp)) if s.chart is not None][:3]
here = w.draw_charts(charts, ("png", "pdf"), parallel=False)
there = w.draw_charts(charts, ("png", "pdf"))
print(json.dumps({"forks": len(forks), "here": [[len(p), pdf[:4].decode()] for p, pdf in here],
                  "there": [[len(p), pdf[:4].decode()] for p, pdf in there],
                  "png": [p[:8] == b"\\x89PNG\\r\\n\\x1a\\n" for p, _ in there]}))
"""


def test_charts_drawn_in_workers_or_in_process_alike(inp: pack.PackInput, tmp_path: Path) -> None:
    """In a process of one thread the charts are drawn by two forked workers, the same."""
    import json
    import pickle
    import subprocess
    import sys

    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("this system cannot fork")
    (tmp_path / "inp.pickle").write_bytes(pickle.dumps(inp))
    proc = subprocess.run(
        [sys.executable, "-c", _WORKERS_SCRIPT, str(tmp_path / "inp.pickle")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["forks"] == 1  # the second call forked; the first did not
    assert len(got["here"]) == len(got["there"]) == 3 and all(got["png"])
    for (png_a, pdf_a), (png_b, pdf_b) in zip(got["here"], got["there"], strict=True):
        assert pdf_a == pdf_b == "%PDF"
        assert abs(png_a - png_b) < png_a // 20  # the same picture


def test_a_process_with_threads_is_never_forked(inp: pack.PackInput) -> None:
    """Another thread running: the charts are drawn here even when parallel is asked for."""
    import threading

    import koladagap.render.pack.write as w
    from koladagap.render.pack.main import baseline_slides

    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()
    try:
        charts = [s.chart for s in baseline_slides(PackData(inp)) if s.chart is not None][:1]
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(w, "ProcessPoolExecutor", None)  # would fail if used
            drawn = w.draw_charts(charts, ("png",), parallel=True)
    finally:
        stop.set()
        t.join()
    assert drawn[0][0] is not None and drawn[0][0][:4] == b"\x89PNG"


def test_the_followup_deck_follows_a_one_sex_shares_target(tmp_path: Path) -> None:
    """N00945's target is for the share itself: what is left and where the trend points."""
    from koladagap.benchmarking.plan import starter_plan
    from koladagap.cli import main

    plan = tmp_path / "plan.toml"
    text = starter_plan("1233", "Vellinge", ["N00945"], baseline=2018, followup=2022)
    plan.write_text(text + "\n[kpis.N00945]\ntarget_value = 45.0\ntarget_year = 2026\n", "utf-8")
    out = tmp_path / "bp"
    argv = ["baseline", "--plan", str(plan), "--sample", "--out", str(out), "--format", "pptx"]
    assert main([*argv, "--meeting", "Benchmarking 2", "--meetings-dir", str(tmp_path / "m")]) == 0
    deck = pptx.Presentation(str(out / "uppfoljning_1233_2022.pptx"))
    text = "\n".join(s.text_frame.text for sl in deck.slides for s in sl.shapes if s.has_text_frame)
    assert "Mål för andelen år 2026: 45,0\xa0%" in text
    assert "Kvar till målet: +11,7\xa0p.e." in text  # 45,0 − 33,3 (the 2022 share)
    assert "Trenden pekar på 35,5\xa0% år 2026" in text and "Inte i fas mot målet" in text
