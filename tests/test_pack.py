"""The baseline pack: every file written, the deck and the PDF as expected, offline."""

from __future__ import annotations

import dataclasses
import logging
import re
import stat
import sys
from pathlib import Path

import pandas as pd
import pytest

from koladagap.errors import InputError, InvalidYearsError, UnknownIdError
from koladagap.render import pack

pptx = pytest.importorskip("pptx")

KPIS = ["N15428", "N01951", "N00945"]
# overview + N15428 (trend, gap, ranking) + N01951 (a count: trend, gap) + N00945 (share of men)
N_CHARTS = 1 + 3 + 2 + 1
STEM = "utgangslage_0180_2018"


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def _slide_text(slide: object) -> str:
    return "\n".join(
        s.text_frame.text
        for s in slide.shapes  # type: ignore[attr-defined]
        if s.has_text_frame
    )


@pytest.fixture(scope="module")
def inp() -> pack.PackInput:
    # levels as the deviation engine gives them: per KPI, organisation and year
    levels = pd.DataFrame(
        {
            "kpi": ["N15428", "N15428", "N15428"],
            "municipality_id": ["0180", "0180", "1280"],
            "period": [2017, 2018, 2018],
            "level": ["act", "watch", "none"],
        }
    )
    reasons = {"N15428": "Skillnaden är 1,6 procentenheter till nackdel för pojkar. " * 3}
    return dataclasses.replace(
        pack.baseline_pack_from_sample("0180", 2018, kpis=KPIS, levels=levels), reasons=reasons
    )


@pytest.fixture(scope="module")
def written(inp: pack.PackInput, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("pack")
    return pack.write_baseline_pack(inp, out, formats="png,svg,pdf,pptx", parallel=False)


def test_pack_writes_every_file(written: list[Path]) -> None:
    out = written[0].parents[1]
    names = sorted(p.relative_to(out).as_posix() for p in written)
    stems = [
        "01_oversikt",
        "N15428_1_trend",
        "N15428_2_skillnad",
        "N15428_3_kommuner",
        "N01951_1_trend",
        "N01951_2_skillnad",
        "N00945_1_trend",
    ]
    expected = [f"charts/{s}.{ext}" for s in stems for ext in ("png", "svg")]
    assert names == sorted([*expected, f"{STEM}.pdf", f"{STEM}.pptx"])
    for p in written:
        assert p.stat().st_size > 1000, p
        assert stat.S_IMODE(p.stat().st_mode) & 0o044, p  # not the 0600 of a temp file
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]  # atomic: no leftovers
    assert (out / "charts" / "01_oversikt.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "charts" / "N15428_1_trend.svg").read_bytes()[:500]


def test_pdf_has_title_index_and_a_page_per_chart(written: list[Path]) -> None:
    pdf = next(p for p in written if p.suffix == ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert _pdf_pages(pdf) == 1 + 1 + N_CHARTS


def test_pptx_has_title_slide_and_a_slide_per_chart(written: list[Path]) -> None:
    deck = pptx.Presentation(str(next(p for p in written if p.suffix == ".pptx")))
    slides = list(deck.slides)
    assert len(slides) == 1 + N_CHARTS
    assert deck.slide_width * 9 == deck.slide_height * 16
    first = _slide_text(slides[0])
    assert "Utgångsläge inför Benchmarking 1" in first
    assert "Stockholm (0180)" in first and "Basår (utgångsläge): 2018" in first
    assert "Liknande kommuner, övergripande, Stockholm" in first
    for slide in slides[1:]:
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1
        assert pictures[0]._element.nvPicPr.cNvPr.get("descr")  # alt text
    # the editable text of the N15428 slides: values, gap and level
    trend = _slide_text(slides[2]).replace("\u00a0", " ")
    assert "Utgångsläge 2018" in trend
    assert "Flickor: 90,0 %" in trend and "Pojkar: 88,4 %" in trend
    assert "Skillnad: +1,6 p.e." in trend
    assert "Bedömning: Avvikelse – bevaka" in trend
    assert "Skillnaden är 1,6 procentenheter till nackdel för pojkar." in trend  # the reason
    assert "Kommentar: …" in trend
    box = next(s for s in slides[2].shapes if s.has_text_frame and "Bedömning" in s.text_frame.text)
    sizes = {p.text[:10]: p.font.size.pt for p in box.text_frame.paragraphs}
    assert sizes["Skillnaden"] < sizes["Bedömning:"]  # a sentence is set smaller
    count = _slide_text(slides[5])
    assert "Kvinnor: " in count and "Bedömning: …" in count  # no level given for N01951
    assert "Värde 2018: " in _slide_text(slides[7])  # N00945 is one value, men's share


def test_overview_slide_counts_levels(written: list[Path]) -> None:
    deck = pptx.Presentation(str(next(p for p in written if p.suffix == ".pptx")))
    text = _slide_text(deck.slides[1])
    assert "2 nyckeltal" in text  # N00945 (one value, no women/men) is not in it
    assert "Avvikelse – bevaka: 1" in text


def test_pack_in_english(tmp_path: Path) -> None:
    inp = pack.baseline_pack_from_sample("1280", 2020, kpis=["N17461"], lang="en")
    files = pack.write_baseline_pack(inp, tmp_path, formats=["pdf", "pptx"])
    assert [p.name for p in files] == ["utgangslage_1280_2020.pdf", "utgangslage_1280_2020.pptx"]
    assert not (tmp_path / "charts").exists()
    assert _pdf_pages(files[0]) == 1 + 1 + 4
    deck = pptx.Presentation(str(files[1]))
    assert "Baseline for Benchmarking 1" in _slide_text(deck.slides[0])
    assert "Malmö (1280)" in _slide_text(deck.slides[0])
    text = _slide_text(deck.slides[2]).replace("\u00a0", " ")
    assert "Baseline 2020" in text and "Girls: " in text and " pp" in text


def test_region_pack_and_kolada_source(tmp_path: Path) -> None:
    import koladagap

    inp = pack.baseline_pack_input(
        "0001", 2018, kpis="N15428", source=koladagap.Kolada(mode="sample")
    )
    assert (inp.organisation_name, inp.peers) == ("Region Stockholm", ())
    same = pack.baseline_pack_from_sample("0001", 2018, kpis=["N15428"])
    assert len(inp.values) == len(same.values)
    files = pack.write_baseline_pack(inp, tmp_path, formats="png")
    assert [p.name for p in files][-1] == "N15428_3_regioner.png"


def test_bad_input_fails_before_anything_is_written(tmp_path: Path, inp: pack.PackInput) -> None:
    with pytest.raises(InputError, match="unknown pack format"):
        pack.write_baseline_pack(inp, tmp_path / "a", formats="png,docx")
    with pytest.raises(InvalidYearsError, match="baseline year 2030"):
        pack.write_baseline_pack(
            pack.baseline_pack_from_sample("0180", 2030, kpis=["N15428"]), tmp_path / "b"
        )
    with pytest.raises(UnknownIdError, match="9999"):
        pack.baseline_pack_from_sample("9999", 2018)
    with pytest.raises(UnknownIdError, match="N99999"):
        pack.baseline_pack_from_sample("0180", 2018, kpis=["N99999"])
    assert not list(tmp_path.iterdir())


def test_missing_python_pptx_is_one_clear_error(
    tmp_path: Path, inp: pack.PackInput, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pptx", None)
    with pytest.raises(InputError, match=r"needs python-pptx: pip install 'koladagap\[pptx\]'"):
        pack.write_baseline_pack(inp, tmp_path / "out", formats="png,pptx")
    assert not (tmp_path / "out").exists()


def test_parse_formats() -> None:
    assert pack.parse_formats(" PNG,svg ,png") == ("png", "svg")
    assert pack.parse_formats(["pdf"]) == ("pdf",)
    with pytest.raises(InputError):
        pack.parse_formats("")


@pytest.mark.slow  # starts a Python child process (~2 s)
def test_parallel_pack_draws_the_pdf_in_a_child_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inp = pack.baseline_pack_from_sample("0180", 2018, kpis=["N17461"])
    with caplog.at_level(logging.WARNING, logger="koladagap"):
        files = pack.write_baseline_pack(
            inp, tmp_path, formats="png,pdf", parallel=True, vector_pdf=True
        )
    assert not [r for r in caplog.records if "PDF worker failed" in r.getMessage()]
    pdf = tmp_path / f"{STEM}.pdf"
    assert pdf in files and _pdf_pages(pdf) == 1 + 1 + 4
    assert len([p for p in files if p.suffix == ".png"]) == 4


def test_raster_pdf_reuses_the_chart_images(tmp_path: Path) -> None:
    """The default PDF embeds each chart's PNG unchanged, with the page number as text."""
    import re

    from PIL import Image

    inp = pack.baseline_pack_from_sample("0180", 2018, kpis=["N15428"])
    files = pack.write_baseline_pack(inp, tmp_path, formats="png,pdf")
    pdf = next(f for f in files if f.suffix == ".pdf").read_bytes()
    pngs = sorted((tmp_path / "charts").glob("*.png"))
    assert pdf.count(b"/Subtype /Image") == 2 + len(pngs)  # title, index, one per chart
    with Image.open(pngs[0]) as img:
        width, height = img.size
    assert f"/Width {width} /Height {height}".encode() in pdf
    numbers = re.findall(rb"\((\d+)\) Tj", pdf)
    assert [int(n) for n in numbers] == list(range(3, 3 + len(pngs)))


@pytest.mark.slow  # starts a Python child process (~2 s)
def test_a_helper_process_draws_half_the_charts_identically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inp = pack.baseline_pack_from_sample("0180", 2018, kpis=["N17461", "N15428"])
    serial = pack.write_baseline_pack(inp, tmp_path / "a", formats="png,pdf", parallel=False)
    split = pack.write_baseline_pack(inp, tmp_path / "b", formats="png,pdf", parallel=True)
    a = sorted(p for p in serial if p.suffix == ".png")
    b = sorted(p for p in split if p.suffix == ".png")
    assert [p.name for p in a] == [p.name for p in b] and len(a) >= 6
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))
    assert _pdf_pages(tmp_path / "b" / f"{STEM}.pdf") == _pdf_pages(tmp_path / "a" / f"{STEM}.pdf")
    # a helper that delivers nothing: every chart is drawn here instead
    monkeypatch.setattr(pack._PngWorker, "result", lambda self: {})
    again = pack.write_baseline_pack(inp, tmp_path / "c", formats="png", parallel=True)
    assert len([p for p in again if p.suffix == ".png"]) == len(a)
