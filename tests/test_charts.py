"""Chart tests on artists (lines, gids, labels, markers), never on pixels."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from koladagap.errors import InputError
from koladagap.kolada.frames import to_wide
from koladagap.kolada.metadata import peer_group
from koladagap.kolada.sample import sample_kpis, sample_municipality_groups, sample_values
from koladagap.render import charts, i18n, style

matplotlib.use("Agg")

ORG = "0180"
KPIS = ["N15428", "N00906", "N17461", "N01951", "N00945"]


@pytest.fixture(scope="module")
def gaps() -> pd.DataFrame:
    """The wide frame with ``gap`` for a few sample KPIs, every kommun and Riket."""
    v = sample_values()
    wide = to_wide(v.loc[v["kpi"].isin(KPIS).to_numpy()])
    wide["gap"] = wide["women"] - wide["men"]
    return wide


@pytest.fixture(scope="module")
def titles() -> dict[str, str]:
    k = sample_kpis()
    k = k.loc[k["id"].isin(KPIS)]
    return dict(zip(k["id"], k["title"], strict=True))


@pytest.fixture(scope="module")
def peers() -> list[str]:
    return peer_group(sample_municipality_groups(), "Stockholm")[2]


@pytest.fixture
def ax() -> Axes:
    return Figure(figsize=charts.SLIDE_SIZE).add_subplot()


def _lines(ax: Axes) -> dict[str, Line2D]:
    return {str(line.get_gid()): line for line in ax.get_lines()}


def _coll(ax: Axes, gid: str) -> Collection:
    hits = [c for c in ax.collections if c.get_gid() == gid]
    assert len(hits) == 1, gid
    return hits[0]


def _all_text(ax: Axes) -> str:
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    parts = [t.get_text() for t in fig.texts] + [t.get_text() for t in ax.texts]
    parts += [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
    legend = ax.get_legend()
    if legend is not None:
        parts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(parts)


# --- the KPI trend -------------------------------------------------------------------------


def test_trend_draws_organisation_riket_and_peers_with_one_point_per_year(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str], peers: list[str]
) -> None:
    charts.plot_kpi_trend(
        gaps,
        "N17461",
        ORG,
        peers=peers,
        kpi_title=titles["N17461"],
        baseline_year=2018,
        municipality_name="Stockholm",
        ax=ax,
    )
    lines = _lines(ax)
    assert set(lines) == {
        "women",
        "men",
        "riket_women",
        "riket_men",
        "peers_women",
        "peers_men",
        "baseline",
    }
    own = gaps.loc[(gaps["kpi"] == "N17461") & (gaps["municipality_id"] == ORG)]
    years_with_women = set(own.loc[own["women"].notna(), "period"])
    x = np.asarray(lines["women"].get_xdata(), dtype=float)
    y = np.asarray(lines["women"].get_ydata(), dtype=float)
    assert set(x[np.isfinite(y)].astype(int)) == years_with_women
    assert np.isfinite(y).sum() == len(years_with_women) == 8  # 2015–2022
    assert lines["baseline"].get_xdata()[0] == 2018
    # women and men differ in colour, marker and line style (grey print, colour blindness)
    w, m = lines["women"], lines["men"]
    assert w.get_color() != m.get_color()
    assert w.get_marker() != m.get_marker()
    assert w.get_linestyle() != m.get_linestyle()


def test_trend_of_pupils_is_girls_and_boys_in_swedish_by_default(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str]
) -> None:
    charts.plot_kpi_trend(gaps, "N15428", ORG, kpi_title=titles["N15428"], ax=ax)
    legend = [t.get_text().strip() for t in ax.get_legend().get_texts()]
    assert legend == [ORG, "flickor", "pojkar", "Riket", "flickor", "pojkar"]
    assert ax.get_xlabel() == "År"
    assert ax.get_ylabel() == "Andel (%)"
    assert "flickor och pojkar över tid" in ax.get_title(loc="left")


def test_trend_in_english(ax: Axes, gaps: pd.DataFrame, titles: dict[str, str]) -> None:
    charts.plot_kpi_trend(
        gaps, "N15428", ORG, kpi_title=titles["N15428"], lang="en", baseline_year=2018, ax=ax
    )
    legend = [t.get_text().strip() for t in ax.get_legend().get_texts()]
    assert legend == [ORG, "girls", "boys", "Sweden (Riket)", "girls", "boys"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Year", "Share (%)")
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "baseline_label"]
    assert labels == ["Baseline 2018"]


def test_trend_of_adults_is_women_and_men(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str]
) -> None:
    charts.plot_kpi_trend(gaps, "N00906", ORG, kpi_title=titles["N00906"], riket=False, ax=ax)
    legend = [t.get_text().strip() for t in ax.get_legend().get_texts()]
    assert legend == [ORG, "kvinnor", "män"]
    assert ax.get_ylabel() == "kr"


def test_counts_get_no_riket_or_peers(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str], peers: list[str]
) -> None:
    charts.plot_kpi_trend(gaps, "N01951", ORG, peers=peers, kpi_title=titles["N01951"], ax=ax)
    assert set(_lines(ax)) == {"women", "men"}
    assert "Antal beror på kommunens storlek" in _all_text(ax)


def test_share_of_one_sex_is_drawn_against_parity(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str], peers: list[str]
) -> None:
    charts.plot_kpi_trend(
        gaps,
        "N00945",
        ORG,
        peers=peers,
        kpi_title=titles["N00945"],
        parity_target=50.0,
        first_year=2010,
        ax=ax,
    )
    lines = _lines(ax)
    assert {"total", "riket_total", "peers_total", "parity_line"} <= set(lines)
    assert np.isfinite(np.asarray(lines["total"].get_ydata(), dtype=float)).sum() == 13


def test_no_values_is_an_input_error(ax: Axes, gaps: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="no values"):
        charts.plot_kpi_trend(gaps, "N15428", "9999", ax=ax)
    with pytest.raises(ValueError, match="'de' is not supported"):
        charts.plot_kpi_trend(gaps, "N15428", ORG, lang="de", ax=ax)


def _visible_gap(handle: Line2D, dashes: tuple[float, float]) -> float:
    """The points of a legend sample's line left blank by its dashes and not hidden by a marker.

    ``dashes`` is the (on, off) pattern as the style gives it; matplotlib scales it by the
    line width. Legend samples are drawn in points, so the answer is in points.
    """
    on, off = (d * handle.get_linewidth() for d in dashes)
    x = np.asarray(handle.get_xdata(), dtype=float)
    every = handle.get_markevery()
    marks = x if every is None else x[np.asarray(every)]
    half = (handle.get_markersize() + handle.get_markeredgewidth()) / 2
    step = 0.05
    at = np.arange(x[0], x[-1], step)
    in_gap = (at - x[0]) % (on + off) >= on
    hidden = np.zeros(len(at), dtype=bool)
    for m in marks:
        hidden |= np.abs(at - m) <= half
    return float((in_gap & ~hidden).sum() * step)


def test_the_legend_sample_of_mens_dashed_line_shows_its_dashes(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str]
) -> None:
    charts.plot_kpi_trend(gaps, "N00906", ORG, kpi_title=titles["N00906"], riket=False, ax=ax)
    legend = ax.get_legend()
    assert legend is not None
    samples = {
        t.get_text().strip(): h
        for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)
    }
    women, men = samples["kvinnor"], samples["män"]
    assert isinstance(women, Line2D) and isinstance(men, Line2D)
    assert women.get_linestyle() == "-" and men.get_linestyle() == "--"
    assert men.get_linestyle() == _lines(ax)["men"].get_linestyle()
    _, dashes = charts.SEX_STYLE["men"]["linestyle"]
    # at least one whole gap between two dashes shows beside the square markers
    off = dashes[1] * men.get_linewidth()
    assert _visible_gap(men, dashes) >= 0.9 * off


# --- the gap over time ----------------------------------------------------------------------


def _synthetic_gaps() -> pd.DataFrame:
    """Five years for one kommun; men's value is missing in 2020."""
    women = [60.0, 62.0, 64.0, 66.0, 68.0]
    men = [50.0, 51.0, np.nan, 53.0, 54.0]
    df = pd.DataFrame(
        {
            "kpi": "X",
            "municipality_id": ORG,
            "period": range(2018, 2023),
            "women": women,
            "men": men,
            "total": 58.0,
        }
    )
    df["gap"] = df["women"] - df["men"]
    return df


def test_gap_trend_missing_year_is_a_break_not_a_zero(ax: Axes) -> None:
    charts.plot_gap_trend(_synthetic_gaps(), "X", ORG, kpi_title="Examen, andel (%)", ax=ax)
    lines = _lines(ax)
    assert {"zero", "gap", "gap_mean3"} <= set(lines)
    gap = dict(zip(lines["gap"].get_xdata(), lines["gap"].get_ydata(), strict=True))
    assert math.isnan(gap[2020])
    assert gap[2019] == pytest.approx(11.0)
    mean3 = dict(zip(lines["gap_mean3"].get_xdata(), lines["gap_mean3"].get_ydata(), strict=True))
    assert math.isnan(mean3[2018]) and math.isnan(mean3[2020]) and math.isnan(mean3[2022])
    marked = [t.get_text() for t in ax.texts if t.get_gid() == "not_computable_label"]
    assert marked == ["kan inte beräknas"]
    assert "Tomrum i linjen" in _all_text(ax)


def test_gap_trend_mean3_references_and_units(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str], peers: list[str]
) -> None:
    charts.plot_gap_trend(
        gaps,
        "N15428",
        ORG,
        peers=peers,
        kpi_title=titles["N15428"],
        baseline_year=2018,
        first_year=2012,
        ax=ax,
    )
    lines = _lines(ax)
    assert {"gap", "gap_mean3", "riket_gap", "peers_gap", "baseline", "zero"} <= set(lines)
    own = gaps.loc[(gaps["kpi"] == "N15428") & (gaps["municipality_id"] == ORG)]
    g = own.set_index("period")["gap"]
    mean3 = dict(zip(lines["gap_mean3"].get_xdata(), lines["gap_mean3"].get_ydata(), strict=True))
    assert mean3[2012] == pytest.approx(g.loc[2010:2012].mean())  # uses years before the start
    assert ax.get_ylabel() == "Skillnad flickor − pojkar\n(procentenheter)"
    hints = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert hints["hint_women"] == "▲ flickor högre" and hints["hint_men"] == "▼ pojkar högre"


# --- the dumbbell overview --------------------------------------------------------------------


def _latest(gaps: pd.DataFrame) -> pd.DataFrame:
    at = (gaps["municipality_id"] == ORG) & (gaps["period"] == 2018)
    return gaps.loc[at & gaps["kpi"].isin(["N15428", "N00906", "N17461"])]


def test_dumbbell_rows_colours_and_level_column(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str]
) -> None:
    levels = pd.DataFrame(
        {"kpi": ["N15428", "N00906", "N17461"], "level": ["watch", "act", "none"]}
    )
    order = ["N00906", "N15428", "N17461"]
    charts.plot_dumbbell(
        _latest(gaps),
        levels=levels,
        kpi_titles=titles,
        order=order,
        municipality_name="Stockholm",
        year=2018,
        ax=ax,
    )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("Sammanräknad förvärvsinkomst")  # top row = first in order
    bars = _coll(ax, "level_lines")
    expected = [charts.LEVEL_COLOURS[x] for x in ("act", "watch", "none")]
    got = [matplotlib.colors.to_hex(c).upper() for c in bars.get_colors()]
    assert got == [e.upper() for e in expected]
    assert len(_coll(ax, "women").get_offsets()) == 3 == len(_coll(ax, "men").get_offsets())
    levels_text = [t.get_text() for t in ax.texts if t.get_gid() == "level_text"]
    assert levels_text == ["Åtgärda", "Bevaka", "Ej påtaglig"]
    values = [t.get_text().replace("\u00a0", " ") for t in ax.texts if t.get_gid() == "value_text"]
    assert values[0].endswith(" kr") and values[1].endswith(" %")
    title = next(t for t in ax.texts if t.get_gid() == "title").get_text()
    assert title.startswith("Stockholm 2018:")


def test_dumbbell_without_levels_and_with_a_missing_row(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str]
) -> None:
    latest = _latest(gaps).copy()
    latest.loc[latest["kpi"] == "N17461", "men"] = np.nan
    charts.plot_dumbbell(latest, kpi_titles=titles, lang="en", ax=ax)
    assert not [t for t in ax.texts if t.get_gid() == "level_text"]
    assert [t.get_text() for t in ax.texts if t.get_gid() == "not_computable"] == ["not computable"]
    assert len(_coll(ax, "women").get_offsets()) == 2  # the missing row has no dots
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Women / girls", "Men / boys"]


def test_dumbbell_index_is_relative_to_the_mean_of_the_two() -> None:
    out = charts.dumbbell_index(pd.DataFrame({"women": [30.0, 0.0], "men": [10.0, 0.0]}))
    assert out["women_index"].tolist()[0] == pytest.approx(150.0)
    assert out["men_index"].tolist()[0] == pytest.approx(50.0)
    assert math.isnan(out["women_index"].tolist()[1])  # mean 0: not an index


# --- the gap among kommuner -----------------------------------------------------------------


def test_ranking_highlights_organisation_and_peers(
    ax: Axes, gaps: pd.DataFrame, titles: dict[str, str], peers: list[str]
) -> None:
    charts.plot_gap_among_municipalities(
        gaps,
        ORG,
        kpi="N15428",
        year=2018,
        peers=peers,
        kpi_title=titles["N15428"],
        municipality_name="Stockholm",
        ax=ax,
    )
    year = gaps.loc[(gaps["kpi"] == "N15428") & (gaps["period"] == 2018)]
    kommuner = year.loc[~year["municipality_id"].str.startswith("00")].dropna(subset=["gap"])
    ranked = kommuner.sort_values("gap", kind="stable")["municipality_id"].tolist()
    org, peer, rest = _coll(ax, "organisation"), _coll(ax, "peers"), _coll(ax, "kommuner")
    assert len(org.get_offsets()) == 1
    x, y = org.get_offsets()[0]
    assert int(x) == ranked.index(ORG) + 1
    assert y == pytest.approx(float(kommuner.set_index("municipality_id").loc[ORG, "gap"]))
    assert len(peer.get_offsets()) == len(set(peers) & set(ranked)) == 7
    assert len(rest.get_offsets()) == len(ranked) - 8
    # highlighted markers are larger and differently coloured than the grey crowd
    assert org.get_sizes()[0] > peer.get_sizes()[0] > rest.get_sizes()[0]
    assert len({tuple(c.get_facecolor()[0]) for c in (org, peer, rest)}) == 3
    assert "riket" in _lines(ax)
    label = next(t for t in ax.texts if t.get_gid() == "organisation_label").get_text()
    assert label.startswith("Stockholm: +") and f"plats {ranked.index(ORG) + 1} av" in label


def test_ranking_needs_one_kpi_and_year(ax: Axes, gaps: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="needs one"):
        charts.plot_gap_among_municipalities(gaps, ORG, kpi="N15428", ax=ax)


def test_ranking_counts_kommuner_without_a_gap(ax: Axes) -> None:
    df = pd.DataFrame(
        {
            "kpi": "X",
            "municipality_id": ["0180", "0181", "0182", "0183"],
            "period": 2022,
            "gap": [3.0, -1.0, np.nan, 5.0],
        }
    )
    charts.plot_gap_among_municipalities(df, "0182", peers=["0999"], ax=ax)
    text = _all_text(ax)
    assert "1 kommuner saknar uppgift" in text
    assert "0182: skillnaden kan inte beräknas 2022" in text
    gids = {c.get_gid() for c in ax.collections}
    assert gids == {"kommuner"}  # no empty organisation or peer markers in the legend
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Övriga kommuner"]


def test_a_region_is_ranked_among_regions(ax: Axes, gaps: pd.DataFrame) -> None:
    charts.plot_gap_among_municipalities(
        gaps,
        "0001",
        kpi="N15428",
        year=2018,
        municipality_name="Region Stockholm",
        lang="en",
        ax=ax,
    )
    assert len(_coll(ax, "kommuner").get_offsets()) == 20
    assert len(_coll(ax, "organisation").get_offsets()) == 1
    assert ax.get_xlabel() == "Regions sorted by difference (n = 21)"
    assert "in all regions, 2018" in ax.get_title(loc="left")


# --- every chart: attribution, size, language ----------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("kind", ["trend", "gap", "dumbbell", "rank"])
def test_every_chart_carries_attribution_and_is_16_9(
    kind: str, lang: str, gaps: pd.DataFrame, titles: dict[str, str]
) -> None:
    t = titles["N15428"]
    if kind == "trend":
        ax = charts.plot_kpi_trend(gaps, "N15428", ORG, kpi_title=t, lang=lang)
    elif kind == "gap":
        ax = charts.plot_gap_trend(gaps, "N15428", ORG, kpi_title=t, lang=lang)
    elif kind == "dumbbell":
        ax = charts.plot_dumbbell(_latest(gaps), kpi_titles=titles, lang=lang)
    else:
        ax = charts.plot_gap_among_municipalities(
            gaps, ORG, kpi="N15428", year=2018, kpi_title=t, lang=lang
        )
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    footer = [x.get_text() for x in fig.texts if x.get_gid() == "attribution"]
    assert len(footer) == 1 and footer[0].startswith("Källa: Kolada; egen bearbetning")
    w, h = fig.get_size_inches()
    assert w / h == pytest.approx(16 / 9)


def test_an_axes_given_is_used_and_returned(ax: Axes, gaps: pd.DataFrame) -> None:
    assert charts.plot_gap_trend(gaps, "N15428", ORG, ax=ax) is ax


# --- text helpers and levels ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("sv", ["Kan inte beräknas", "Bevaka", "Åtgärda"]),
        ("en", ["Not computable", "Watch", "Act"]),
    ],
)
def test_charts_use_the_one_palette_and_the_one_level_vocabulary(
    lang: str, words: list[str], ax: Axes, gaps: pd.DataFrame, titles: dict[str, str]
) -> None:
    for name in ("OKABE_ITO", "SEX_STYLE", "LEVELS", "LEVEL_COLOURS", "NO_LEVEL_COLOUR"):
        assert getattr(charts, name) is getattr(style, name), name
    for name in ("LEVEL_LABELS", "LEVEL_SHORT", "check_lang", "format_number"):
        assert getattr(charts, name) is getattr(i18n, name), name
    levels = {"N00906": "not_computable", "N15428": "watch", "N17461": "act"}
    charts.plot_dumbbell(_latest(gaps), levels=levels, kpi_titles=titles, lang=lang, ax=ax)
    assert [t.get_text() for t in ax.texts if t.get_gid() == "level_text"] == words


def test_numbers_and_units_in_swedish_and_english() -> None:
    assert charts.format_number(-46800.0, sign=True) == "−46\u00a0800"
    assert charts.format_number(1234.5, "en") == "1,234"
    assert charts.format_number(0.04, sign=True) == "0,0"
    share = charts.kpi_units("Elever i åk 9 som är behöriga, andel (%)")
    assert charts.format_gap(1.6, share) == "+1,6\u00a0p.e."
    days = charts.kpi_units("Sjukpenningtalet, 16–64 år, dagar/registrerad försäkrad")
    assert charts.format_value(10.4, days) == "10,4\u00a0dagar"
    assert charts.kpi_units("Invånare totalt, antal").is_count
    assert not charts.kpi_units(
        "Invånare 25-64 år med eftergymnasial utbildning, andel (%)"
    ).is_count


def test_level_map_accepts_mappings_and_engine_frames_and_rejects_unknown_levels() -> None:
    assert charts.level_map({"A": " ACT "}) == {"A": "act"}
    frame = pd.DataFrame(
        {
            "kpi": ["A", "A", "B"],
            "municipality_id": ["0180", "0180", "0180"],
            "period": [2018, 2021, 2018],
            "level": ["info", "act", "watch"],
        }
    )
    assert charts.level_map(frame, municipality_id="0180", year=2019) == {"A": "info", "B": "watch"}
    with pytest.raises(InputError, match="unknown level"):
        charts.level_map({"A": "red"})
    with pytest.raises(InputError, match="more than one level"):
        charts.level_map(pd.DataFrame({"kpi": ["A", "A"], "level": ["info", "act"]}))


def test_a_regions_peers_are_named_as_regions() -> None:
    """Region Stockholm's peers are "Övriga regioner", never "Liknande kommuner"."""
    from koladagap.render.charts.base import _peer_note, peers_name

    assert peers_name("sv", "0180") == "Liknande kommuner"
    assert peers_name("sv", "0001", "Övriga regioner") == "Övriga regioner"
    assert peers_name("en", "0001", "Övriga regioner") == "Other regions"
    note = _peer_note("sv", ["0003"] * 20, "Övriga regioner", "0001")
    assert note.startswith("Övriga regioner: median av 20 regioner") and "(Övriga" not in note
