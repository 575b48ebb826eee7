"""Every number in the deviation report means what its label says, in plain words.

The reports of Vellinge (1233), Stockholm (0180) and Region Stockholm (0001), built
from the shipped sample in Swedish and in English, are read cell by cell in every
format (xlsx, every sheet; csv; md): no machine code, no raw float, no word of the
other language. The numbers are checked against ``kg.gaps`` (the demo's gaps.csv)
row by row.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import koladagap as kg
from koladagap.benchmarking.plan import load_plan, starter_plan
from koladagap.benchmarking.run import PlanResult, run_plan
from koladagap.engine.measures import DISTANCE_FROM_PARITY
from koladagap.kolada.sample import sample_manifest
from koladagap.labels import ATTRIBUTION, ATTRIBUTION_PROCESSED
from koladagap.render.i18n import LEVEL_LABELS
from koladagap.render.reports import build_report, write_report

KPIS = sample_manifest()["values"]["kpis"]
ORGS = ("1233", "0180", "0001")

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
LONG_DECIMAL = re.compile(r"\d[.,]\d{5,}")
ENGLISH = {
    "the", "and", "of", "is", "share", "direction", "reference", "material", "sample",
    "excluded", "missing", "value", "threshold", "lower", "higher", "better", "worse",
    "gap", "none", "watch", "act", "level", "not", "with", "from", "count", "counts",
    "context", "judge", "pooled", "evidence", "repeat", "rule", "mean", "change", "target",
    "baseline", "meeting", "peers", "women", "men", "girls", "boys", "distance",
}  # fmt: skip
SWEDISH = {
    "och", "är", "för", "inte", "skillnad", "skillnaden", "kvinnor", "män", "flickor",
    "pojkar", "andel", "andelen", "värde", "nivå", "bevaka", "åtgärda", "avvikelse",
    "medel", "procentenheter", "undantagen", "saknas", "eller", "samma", "kommuner",
    "regioner", "liknande", "basår", "mål", "ja", "nej", "förändring", "avstånd",
    "väsentlighet", "jämförelse", "uppföljning", "valåret", "urvalet",
}  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PlanResult]:
    """The follow-up (Benchmarking 2, 2022, against 2018) of each organisation."""
    out = {}
    for mid in ORGS:
        d = tmp_path_factory.mktemp(f"plan{mid}")
        (d / "plan.toml").write_text(starter_plan(mid, "x", KPIS), encoding="utf-8")
        out[mid] = run_plan(load_plan(d / "plan.toml"), source="sample", meetings_dir=None)
    return out


def _data_words(res: PlanResult) -> list[str]:
    """Texts that are data, not the report's words: names, titles, areas, the attribution."""
    texts = [
        *res.table["kpi_title"].astype(str),
        res.organisation_name,
        *res.peers["title"].astype(str),
        *res.areas.values(),
        str(res.peer_group_title),
        str(res.plan.peer_family),
        *(g.title for g in res.groups),
        res.meeting.name,
        res.plan.baseline.name,
        ATTRIBUTION_PROCESSED,
        ATTRIBUTION,
    ]
    return sorted({t for t in texts if t}, key=len, reverse=True)


def _cells(res: PlanResult, lang: str, folder: Path) -> list[tuple[str, str]]:
    """(where, text) of every cell of the xlsx (every sheet), the csv files and the md page."""
    cells: list[tuple[str, str]] = []
    (xlsx,) = write_report(res, folder / f"r-{lang}.xlsx", lang=lang)
    for ws in openpyxl.load_workbook(xlsx):
        for row in ws.iter_rows(values_only=True):
            cells += [(f"xlsx:{ws.title}", str(v)) for v in row if v is not None]
    for f in write_report(res, folder / f"r-{lang}.csv", lang=lang):
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        cells += [(f"csv:{f.name}", c) for c in frame.columns]
        cells += [(f"csv:{f.name}", v) for v in frame.to_numpy().ravel() if v]
    (md,) = write_report(res, folder / f"r-{lang}.md", lang=lang)
    for line in md.read_text(encoding="utf-8").splitlines():
        cells += [("md", part) for part in line.split("|") if part.strip()]
    return cells


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("mid", ORGS)
def test_every_cell_is_plain_words_in_the_reports_language(
    results: dict[str, PlanResult], mid: str, lang: str, tmp_path: Path
) -> None:
    res = results[mid]
    data = _data_words(res)
    foreign = ENGLISH if lang == "sv" else SWEDISH
    hits = []
    for where, text in _cells(res, lang, tmp_path):
        said = text
        for d in data:  # names and titles are Kolada's and the plan's, in their own words
            said = said.replace(d, " ")
        if SNAKE.search(said):
            hits.append((where, "code", SNAKE.search(said).group(0), text[:80]))  # type: ignore[union-attr]
        if LONG_DECIMAL.search(said):
            hits.append((where, "float", LONG_DECIMAL.search(said).group(0), text[:80]))  # type: ignore[union-attr]
        words = {w.lower() for w in re.findall(r"[A-Za-zÅÄÖåäöÉé]+", said)}
        if words & foreign:
            hits.append((where, "word", sorted(words & foreign), text[:80]))
        if "… och …" in text or "… and …" in text:
            hits.append((where, "unfilled", "…", text[:80]))
    assert not hits, hits[:10]


def test_report_csvs_are_plain_csv_with_a_source_column(
    results: dict[str, PlanResult], tmp_path: Path
) -> None:
    files = write_report(results["1233"], tmp_path / "r.csv")
    assert len(files) == 3
    for f in files:
        frame = pd.read_csv(f)  # default options: no comment line to skip
        assert frame.columns[-1] == "source"
        assert frame["source"].eq(ATTRIBUTION_PROCESSED).all()


@pytest.mark.parametrize("mid", ORGS)
def test_relative_gap_is_one_number_in_gaps_and_the_report(
    results: dict[str, PlanResult], mid: str
) -> None:
    """The report's "Relativ skillnad (%)" is gaps.csv's relative_gap × 100, row by row."""
    res = results[mid]
    report = build_report(res)
    ov = report.overview.data
    g = kg.gaps(KPIS, mid, source="sample")
    g = g.assign(period=g["period"].astype(int)).set_index(["kpi", "period"])
    keys = list(zip(ov["kpi"].astype(str), ov["period"].astype(int), strict=True))
    mine = ov["relative_gap"].to_numpy(dtype=float) / 100
    theirs = g["relative_gap"].reindex(keys).to_numpy(dtype=float)
    assert np.isfinite(mine).sum() >= 10
    np.testing.assert_allclose(mine, theirs, rtol=1e-9, equal_nan=True)
    lower = [k for k, r in res.rules.items() if r.direction == "lower_is_better"]
    assert set(lower) & set(ov["kpi"].astype(str))  # lower-is-better KPIs were compared


def test_a_one_sex_share_is_its_share_and_distance_from_parity_everywhere(
    results: dict[str, PlanResult],
) -> None:
    """N00945 (men's share of VAB days): share 33,3, distance −16,7, never a "K − M" gap."""
    res = results["1233"]
    g = kg.gaps("N00945", "1233", 2022, source="sample").iloc[0]
    assert g["status"] == DISTANCE_FROM_PARITY
    assert g["gap"] == pytest.approx(g["total"] - 50)
    assert g["relative_gap"] == pytest.approx(g["gap"] / 50)
    for lang, share, distance, gap in [
        ("sv", "Andel män", "Avstånd från 50/50 (procentenheter)", "Skillnad (K − M)"),
        ("en", "Men's share", "Distance from 50/50 (percentage points)", "Gap (W − M)"),
    ]:
        frame = (
            build_report(res, lang)
            .overview.frame()
            .set_index("Nyckeltal" if lang == "sv" else "KPI")
        )
        row = frame.loc["N00945"]
        assert row[share] == pytest.approx(round(g["total"], 2))
        assert row[distance] == pytest.approx(round(g["gap"], 2))
        assert pd.isna(row[gap])  # not women − men
        assert frame[distance].drop("N00945").isna().all()


def test_the_baseline_gap_is_the_baseline_years_gap_and_the_change_adds_up(
    results: dict[str, PlanResult],
) -> None:
    """Skillnad 2018 = gaps.csv's 2018 gap; the means are labelled; change = printed means."""
    res = results["1233"]
    report = build_report(res)
    ov = report.overview
    assert ov.column("gap_baseline").label == "Skillnad 2018 (K − M)"
    d = ov.data.set_index("kpi")
    g = kg.gaps(KPIS, "1233", 2018, source="sample").set_index("kpi")
    split = d["gap_baseline"].notna()
    base = d.loc[split, "baseline_year"].eq(2018)
    kpis = base[base].index
    np.testing.assert_allclose(d.loc[kpis, "gap_baseline"], g.loc[kpis, "gap"], rtol=1e-9)
    # N31814 Vellinge: 2018's gap +5,2 (as the pack), the 2016–2018 mean −0,3
    assert d.loc["N31814", "gap_baseline"] == pytest.approx(5.23, abs=0.01)
    assert d.loc["N31814", "mean_baseline"] == pytest.approx(-0.3)
    # the change is the difference of the printed means, turned so + = worse
    shown = d[["mean_baseline", "mean_followup", "delta"]].dropna()
    diff = (shown["mean_followup"] - shown["mean_baseline"]).round(1).abs()
    np.testing.assert_allclose(shown["delta"].abs(), diff, atol=1e-9)
    assert d.loc["N31814", "delta"] == pytest.approx(9.1)  # −0,3 → −9,4, men behind: worse
    # each notice labels the means with its years
    texts = report.notices.texts()
    i = texts.index[texts["Nyckeltal"] == "N31814"][0]
    assert report.label("mean_baseline", i) == "Medel 2016–2018"
    assert report.label("mean_followup", i) == "Medel 2020–2022"
    assert "2016–2018" in texts.loc[i, "Vad medelvärdena mäter"]


def test_the_consequences_header_names_the_groups(results: dict[str, PlanResult]) -> None:
    report = build_report(results["1233"])
    header = report.notices.column("consequences").label
    assert header == "Konsekvenser för kvinnor och män"  # N00945 too: women and men
    assert report.consequences == ["Konsekvenser för kvinnor och män"] * len(report.notices)
    en = build_report(results["1233"], "en")
    assert en.notices.column("consequences").label == "Consequences for women and men"


def test_an_excluded_kpi_has_one_name(results: dict[str, PlanResult]) -> None:
    """N01951 is "Undantagen" in the table, the header's counts and its reason."""
    report = build_report(results["1233"])
    d = report.overview.data.set_index("kpi")
    assert d.loc["N01951", "level"] == LEVEL_LABELS["sv"]["excluded"]
    assert "Undantagen: 1" in report.header[3]
    assert str(d.loc["N01951", "reasons"]).startswith("Undantagen från bedömningen: ett antal")


def test_a_regions_report_compares_with_the_regions(results: dict[str, PlanResult]) -> None:
    report = build_report(results["0001"])
    said = report.overview.data["reasons"].astype(str)
    assert said.str.contains("regioner").any() and not said.str.contains("kommuner").any()
    assert report.overview.column("peer_median_gap").label.startswith("Övriga regioner")
