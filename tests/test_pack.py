"""The baseline pack: every file written, the deck and the PDF as expected, offline."""

from __future__ import annotations

import dataclasses
import re
import stat
import sys
import zlib
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


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes: ``\\(``, ``\\)``, ``\\\\`` and octal escapes resolved."""

    def one(m: re.Match[bytes]) -> bytes:
        esc = m.group(1)
        if esc[:1].isdigit():
            return bytes([int(esc, 8)])
        return {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(esc, esc)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def _pdf_text(path: Path) -> str:
    """The text a reader extracts from the PDF's pages (each ``TJ``/``Tj`` run, joined).

    The content streams are deflated; matplotlib's text runs are literal strings in
    Latin-1 codes (with kerning numbers between them), one ``TJ`` per run.
    """
    runs: list[str] = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", path.read_bytes(), re.S):
        try:
            content = zlib.decompress(raw)
        except zlib.error:
            continue
        for arr in re.findall(rb"\[((?:\\.|[^\]\\])*)\]\s*TJ|(\((?:\\.|[^\\)])*\))\s*Tj", content):
            body = arr[0] or arr[1]
            parts = re.findall(rb"\(((?:\\.|[^\\)])*)\)", body, re.S)
            runs.append(b"".join(_unescape(p) for p in parts).decode("latin-1"))
    return "\n".join(runs)


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
    return pack.write_baseline_pack(inp, out, formats="png,svg,pdf,pptx", appendix=True)


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
    decks = [f"{STEM}{x}" for x in (".pdf", ".pptx", "_bilaga.pdf", "_bilaga.pptx")]
    assert sorted(set(names)) == sorted([*expected, *decks])
    for p in written:
        assert p.stat().st_size > 1000, p
        assert stat.S_IMODE(p.stat().st_mode) & 0o044, p  # not the 0600 of a temp file
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]  # atomic: no leftovers
    assert (out / "charts" / "01_oversikt.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "charts" / "N15428_1_trend.svg").read_bytes()[:500]


def _appendix(written: list[Path], suffix: str) -> Path:
    return next(p for p in written if p.name == f"{STEM}_bilaga{suffix}")


def test_pdf_has_title_index_and_a_page_per_chart(written: list[Path]) -> None:
    pdf = _appendix(written, ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert _pdf_pages(pdf) == 1 + 1 + N_CHARTS


def test_pdf_is_vector_with_searchable_text_and_metadata(written: list[Path]) -> None:
    pdf = _appendix(written, ".pdf")
    data = pdf.read_bytes()
    assert b"/Subtype /Image" not in data  # drawn as vectors, not as page images
    assert b"/ToUnicode" in data  # readers map the glyphs back to characters
    text = _pdf_text(pdf)
    assert "Utgångsläge inför Benchmarking 1" in text  # the title page
    assert "Stockholm (0180)" in text and "Innehåll" in text
    assert "(N15428)" in text and "Elever i åk 9 som är behöriga" in text  # a KPI's title
    assert re.search(r"^7$", text, re.M)  # a page number, as text
    from pypdf import PdfReader

    meta = PdfReader(pdf).metadata
    assert meta is not None and (meta.author, meta.creator) == ("koladagap", "koladagap")
    assert meta.title == "Utgångsläge inför Benchmarking 1: Stockholm"


def test_pptx_has_title_slide_and_a_slide_per_chart(written: list[Path]) -> None:
    deck = pptx.Presentation(str(_appendix(written, ".pptx")))
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
    assert "Skillnad (flickor − pojkar): +1,6 p.e." in trend
    assert "Bedömning: Avvikelse – bevaka" in trend
    assert "Skillnaden är 1,6 procentenheter till nackdel för pojkar." in trend  # the reason
    assert "Kommentar: …" in trend
    box = next(s for s in slides[2].shapes if s.has_text_frame and "Bedömning" in s.text_frame.text)
    sizes = {p.text[:10]: p.font.size.pt for p in box.text_frame.paragraphs}
    assert sizes["Skillnaden"] < sizes["Bedömning:"]  # a sentence is set smaller
    count = _slide_text(slides[5])
    assert "Kvinnor: " in count and "Bedömning: …" in count  # no level given for N01951
    vab = _slide_text(slides[7]).replace("\u00a0", " ")
    assert "Andel män: " in vab and "Avstånd från 50/50 (procentenheter): " in vab  # N00945


def test_overview_slide_counts_levels(written: list[Path]) -> None:
    deck = pptx.Presentation(str(next(p for p in written if p.name == f"{STEM}.pptx")))
    text = _slide_text(deck.slides[1])
    assert "3 nyckeltal" in text  # N00945 (the men's share) is in it too
    assert "Avvikelse – bevaka: 1" in text


def test_pack_in_english(tmp_path: Path) -> None:
    inp = pack.baseline_pack_from_sample("1280", 2020, kpis=["N17461"], lang="en")
    files = pack.write_baseline_pack(inp, tmp_path, formats=["pdf", "pptx"], appendix=True)
    stem = "utgangslage_1280_2020"
    assert [p.name for p in files] == [
        f"{stem}{x}" for x in (".pdf", ".pptx", "_bilaga.pdf", "_bilaga.pptx")
    ]
    assert not (tmp_path / "charts").exists()
    assert _pdf_pages(files[2]) == 1 + 1 + 4
    deck = pptx.Presentation(str(files[3]))
    assert "Baseline for Benchmarking 1" in _slide_text(deck.slides[0])
    assert "Malmö (1280)" in _slide_text(deck.slides[0])
    text = _slide_text(deck.slides[2]).replace("\u00a0", " ")
    assert "Baseline 2020" in text and "Girls: " in text and " pp" in text


def test_region_pack_and_kolada_source(tmp_path: Path) -> None:
    import koladagap

    inp = pack.baseline_pack_input(
        "0001", 2018, kpis="N15428", source=koladagap.Kolada(mode="sample")
    )
    assert inp.organisation_name == "Region Stockholm" and "0001" not in inp.peers
    same = pack.baseline_pack_from_sample("0001", 2018, kpis=["N15428"])
    assert len(inp.values) == len(same.values)
    files = pack.write_baseline_pack(inp, tmp_path, formats="png", appendix=True)
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


def test_pack_input_from_a_plan_result(tmp_path: Path) -> None:
    """A baseline result is all the pack needs: values, levels, reasons, names and peers."""
    from koladagap.benchmarking.baseline import run_baseline
    from koladagap.benchmarking.plan import parse_plan

    plan = parse_plan(
        {
            "organisation": {"id": "0180"},
            "kpis": {"ids": ["N15428", "N00945"]},
            "sessions": {"baseline": {"name": "Benchmarking 1", "year": 2018}},
        }
    )
    res = run_baseline(plan, source="sample", meetings_dir=None)
    inp = pack.pack_input(res)
    assert (inp.organisation_id, inp.organisation_name) == ("0180", "Stockholm")
    assert (inp.baseline_year, inp.first_year, len(inp.peers)) == (2018, 2010, 7)
    assert inp.kpis == ("N15428", "N00945") and inp.lang == "sv"  # the plan's order
    assert dict(inp.levels or {}) == {str(k): str(v) for k, v in res.level.items()}
    assert inp.reasons and set(inp.reasons) == set(inp.kpis)
    assert set(inp.kpi_meta["id"]) == set(inp.kpis)
    names = [p.name for p in pack.write_baseline_pack(res, tmp_path, "png", appendix=True)]
    assert names[0] == "01_oversikt.png"
    assert {"N15428_3_kommuner.png", "N00945_1_trend.png"} <= set(names)
    with pytest.raises(InputError, match="carries no values"):
        pack.pack_input(dataclasses.replace(res, values=pd.DataFrame()))
