"""Own measurements: template round trips, layouts, one-line errors, engine integration."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from koladagap.benchmarking.measurements import (
    MIXED_SOURCE,
    REFERENCE_UNAVAILABLE,
    SOURCE,
    Measurements,
    annotate_reasons,
    attribution,
    combine,
    count_kpi,
    empty,
    from_frames,
    is_own,
    measurements_template,
    merge_into,
    read_many,
    read_measurements,
)
from koladagap.cli.measurements import register, run, summary_lines
from koladagap.columns import DATA_COLUMNS
from koladagap.engine import evaluate
from koladagap.errors import ConfigError, InputError
from koladagap.kolada.schema import DATA_DTYPES

EXAMPLE = Path(__file__).parent / "data" / "measurements_example.csv"

DEFS = """[Nyckeltal]
Id;Benämning;Enhet;Typ;Riktning;Organisation
EGEN-A;Andel A (%);%;andel;need;0180
EGEN-B;Belopp B, kr;kr;belopp;higher_is_better;0180
"""
VALUES_HEAD = "[Värden]\nId;År;Kön;Värde;Antal\n"
GOOD_VALUES = "EGEN-A;2021;K;40;100\nEGEN-A;2021;M;50;120\nEGEN-B;2021;K;300;\n"


def write_csv(tmp_path: Path, text: str, name: str = "egna.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --- templates and layouts -------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "lang"), [(".xlsx", "sv"), (".csv", "sv"), (".xlsx", "en")])
def test_template_round_trip(tmp_path: Path, suffix: str, lang: str) -> None:
    p = measurements_template(tmp_path / f"mall{suffix}", lang=lang)
    m = read_measurements(p)
    assert m.ids == ["EGEN-CHEFSUTB"]
    assert m.n_values == 6 and m.years == [2021, 2022] and m.organisations == ["0180"]
    rule = m.rules["EGEN-CHEFSUTB"]
    assert (rule.kind, rule.direction, rule.denominator_kpi) == ("share", "need", "EGEN-CHEFSUTB-N")
    own = m.values.set_index(["kpi", "period", "gender"])
    assert own.loc[("EGEN-CHEFSUTB", 2022, "K"), "value"] == pytest.approx(7.0)
    assert own.loc[("EGEN-CHEFSUTB-N", 2022, "M"), "value"] == 600
    assert list(m.values.columns) == DATA_COLUMNS
    assert {c: str(m.values[c].dtype) for c in DATA_COLUMNS} == {
        c: str(pd.Series(dtype=DATA_DTYPES[c]).dtype)  # type: ignore[call-overload]
        for c in DATA_COLUMNS
    }


def test_example_file_long_layout() -> None:
    m = read_measurements(EXAMPLE)
    assert m.ids == ["EGEN-HELTID", "SKOLA-TRYGG8", "EGEN-LON"]
    assert m.with_counts == ["EGEN-HELTID"]
    cat = m.kpis.set_index("id")
    assert cat.at["EGEN-LON", "organisation"] == "0180"  # "180" padded
    assert bool(cat.at["SKOLA-TRYGG8", "about_children"])
    assert set(cat["source"]) == {SOURCE}
    assert set(cat["operating_area"]) == {"Egen mätning"}
    v = m.values.set_index(["kpi", "period", "gender"])["value"]
    assert v[("EGEN-LON", 2022, "M")] == 37700.0  # "37 700"
    assert v[("SKOLA-TRYGG8", 2019, "K")] == 79.5  # "flickor", "79,5"
    assert (m.values["municipality_id"] == "0180").all()
    assert not m.values["isdeleted"].any() and (m.values["status"] == "").all()


def test_wide_layout_matches_long(tmp_path: Path) -> None:
    defs = pd.DataFrame(
        {
            "Id": ["EGEN-A"],
            "Benämning": ["Andel A (%)"],
            "Enhet": ["%"],
            "Typ": ["share"],
            "Riktning": ["need"],
            "Organisation": ["0180"],
        }
    )
    wide = pd.DataFrame(
        {
            "Id": ["EGEN-A", "EGEN-A"],
            "År": [2020, 2021],
            "Kvinnor": [40.0, 41.5],
            "Män": [50.0, 52.0],
            "Totalt": [44.0, None],
            "Antal kvinnor": [100, 110],
            "Antal män": [120, 125],
        }
    )
    long = pd.DataFrame(
        {
            "Id": ["EGEN-A"] * 5,
            "År": [2020, 2020, 2020, 2021, 2021],
            "Kön": ["K", "M", "T", "K", "M"],
            "Värde": [40.0, 50.0, 44.0, 41.5, 52.0],
            "Antal": [100, 120, None, 110, 125],
        }
    )
    p = tmp_path / "bred.xlsx"
    with pd.ExcelWriter(p, engine="xlsxwriter") as xw:
        defs.to_excel(xw, sheet_name="Nyckeltal", index=False)
        wide.to_excel(xw, sheet_name="Värden", index=False)
    from_wide = read_measurements(p).values
    from_long = from_frames(defs, long).values
    pd.testing.assert_frame_equal(from_wide, from_long)
    assert len(from_wide.loc[from_wide["kpi"] == "EGEN-A"]) == 5  # the blank Totalt is no row


def test_english_headers_and_words(tmp_path: Path) -> None:
    text = (
        "[KPIs]\nid,title,unit,kind,direction,organisation,share_of\n"
        "own-women_mgr,Women among managers (%),%,share_of_one_sex,parity_target,0001,women\n"
        "[Values]\nid,year,gender,value\nOWN-WOMEN_MGR,2022,total,58.5\n"
    )
    m = read_measurements(write_csv(tmp_path, text))
    rule = m.rules["OWN-WOMEN_MGR"]
    assert (rule.kind, rule.share_of, rule.denominator_kpi) == ("share_of_one_sex", "K", None)
    assert m.kpis.set_index("id").at["OWN-WOMEN_MGR", "municipality_type"] == "L"


# --- one-line errors naming row and column -------------------------------------------------

ERRORS = [
    # (values rows or a replacement of the whole text, message pattern, key pattern)
    ("EGEN-A;2021;K;sju;100\n", r"not a number: 'sju'", r"row 7, column D \(Värde\)"),
    ("EGEN-A;2021;X;40;100\n", r"expected K, M or T", r"row 7, column C \(Kön\)"),
    ("EGEN-A;20x1;K;40;100\n", r"expected a year between 1950", r"row 7, column B \(År\)"),
    ("EGEN-A;1900;K;40;100\n", r"got '1900'", r"row 7, column B \(År\)"),
    ("EGEN-A;2021;K;40;-5\n", r"negative count", r"row 7, column E \(Antal\)"),
    ("EGEN-A;2021;K;40;2,5\n", r"whole number", r"row 7, column E \(Antal\)"),
    ("EGEN-A;2021;K;120;100\n", r"between 0 and 100", r"row 7, column D \(Värde\)"),
    ("EGEN-Z;2021;K;40;100\n", r"not defined", r"row 7, column A \(Id\)"),
    (
        "EGEN-A;2021;K;40;100\negen-a;2021;kvinnor;41;100\n",
        r"a second value for EGEN-A 2021 K \(first in row 7\)",
        r"row 8, column D \(Värde\)",
    ),
]


@pytest.mark.parametrize(("rows", "message", "key"), ERRORS)
def test_value_errors(tmp_path: Path, rows: str, message: str, key: str) -> None:
    p = write_csv(tmp_path, DEFS + VALUES_HEAD + rows)
    with pytest.raises(ConfigError, match=message) as exc:
        read_measurements(p)
    text = str(exc.value)
    assert "\n" not in text and text.startswith(str(p))
    assert re.search(r"part \[Värden\], " + key, text), text


DEF_ERRORS = [
    ("N00906;Kolada (%);%;andel;need;0180", r"invalid id 'N00906'", "A", "Id"),
    ("EGEN-A;Igen (%);%;andel;need;0180", r"defined twice \(first in row 3\)", "A", "Id"),
    ("EGEN-C-N;C (%);%;andel;need;0180", r"reserved", "A", "Id"),
    ("EGEN-C;C (%);%;procent;need;0180", r"unknown kind 'procent'", "D", "Typ"),
    ("EGEN-C;C (%);%;andel;bättre;0180", r"unknown direction 'bättre'", "E", "Riktning"),
    ("EGEN-C;C (%);%;andel;need;G1234", r"4-digit id", "F", "Organisation"),
    ("EGEN-C;;%;andel;need;0180", r"missing", "B", "Benämning"),
]


@pytest.mark.parametrize(("row", "message", "letter", "header"), DEF_ERRORS)
def test_definition_errors(
    tmp_path: Path, row: str, message: str, letter: str, header: str
) -> None:
    p = write_csv(tmp_path, DEFS + row + "\n" + VALUES_HEAD + GOOD_VALUES)
    with pytest.raises(ConfigError, match=message) as exc:
        read_measurements(p)
    assert f"part [Nyckeltal], row 5, column {letter} ({header})" in str(exc.value)


def test_column_errors(tmp_path: Path) -> None:
    bad_head = "[Värden]\nId;År;Kön;Värdet;Antal\n"
    with pytest.raises(ConfigError, match=r"row 6, column D \(Värdet\): unknown column"):
        read_measurements(write_csv(tmp_path, DEFS + bad_head + GOOD_VALUES))
    no_unit = DEFS.replace(";Enhet", "").replace(";%;", ";").replace(";kr;", ";")
    with pytest.raises(ConfigError, match=r"row 2: missing column\(s\): Enhet"):
        read_measurements(write_csv(tmp_path, no_unit + VALUES_HEAD + GOOD_VALUES))
    mixed = "[Värden]\nId;År;Kön;Värde;Kvinnor\n"
    with pytest.raises(ConfigError, match="mixes the long layout"):
        read_measurements(write_csv(tmp_path, DEFS + mixed + GOOD_VALUES))
    with pytest.raises(ConfigError, match=r"no part \[Värden\]"):
        read_measurements(write_csv(tmp_path, DEFS))
    one_sex = DEFS.replace("EGEN-B;Belopp B, kr;kr;belopp", "EGEN-B;Kvinnor, andel;%;könsandel")
    with pytest.raises(ConfigError, match=r"row 4, column D \(Typ\): .*Andel av"):
        read_measurements(write_csv(tmp_path, one_sex + VALUES_HEAD + GOOD_VALUES))


def test_xlsx_error_names_sheet_row_and_column(tmp_path: Path) -> None:
    p = measurements_template(tmp_path / "mall.xlsx")
    book = pd.read_excel(p, sheet_name=None, dtype=str)
    book["Värden"].loc[3, "Värde"] = "tio"
    with pd.ExcelWriter(p, engine="xlsxwriter") as xw:
        for name, df in book.items():
            df.to_excel(xw, sheet_name=name, index=False)
    with pytest.raises(ConfigError) as exc:
        read_measurements(p)
    assert str(exc.value) == f"{p}: sheet Värden, row 5, column D (Värde): not a number: 'tio'"


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        read_measurements(tmp_path / "saknas.xlsx")
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="unsupported file type"):
        read_measurements(tmp_path / "x.json")
    p = tmp_path / "blad.xlsx"
    with pd.ExcelWriter(p, engine="xlsxwriter") as xw:
        pd.DataFrame({"a": [1]}).to_excel(xw, sheet_name="Data1", index=False)
    with pytest.raises(ConfigError, match="no sheet Nyckeltal"):
        read_measurements(p)


# --- engine integration ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def merged() -> tuple[pd.DataFrame, pd.DataFrame, Measurements]:
    from koladagap.kolada.sample import sample_kpis, sample_values

    m = read_measurements(EXAMPLE)
    values, kpi_meta = merge_into(sample_values(), sample_kpis(), m, organisation="0180")
    return values, kpi_meta, m


def test_merge_into(merged: tuple[pd.DataFrame, pd.DataFrame, Measurements]) -> None:
    from koladagap.kolada.sample import sample_kpis, sample_values

    values, kpi_meta, m = merged
    n_sample = len(sample_values())
    assert len(values) == n_sample + len(m.values)  # type: ignore[attr-defined]
    assert list(values.columns) == DATA_COLUMNS
    meta = kpi_meta.set_index("id")
    assert meta.at["EGEN-HELTID", "source"] == SOURCE
    assert meta.at["N00906", "source"] == "Källa: Kolada"
    assert meta.at["EGEN-HELTID-N", "unit"] == "antal"
    assert len(kpi_meta) == len(sample_kpis()) + 4
    again_v, again_k = merge_into(values, kpi_meta, m)  # type: ignore[arg-type]
    assert len(again_v) == len(values) and len(again_k) == len(kpi_meta)
    windowed, _ = merge_into(values, kpi_meta, m, years=(2021, 2022))  # type: ignore[arg-type]
    own = windowed.loc[windowed["kpi"].str.startswith("EGEN-HELTID")]
    assert sorted(own["period"].unique()) == [2021, 2022]
    with pytest.raises(ConfigError, match="plan's organisation is 1280"):
        merge_into(values, kpi_meta, m, organisation="1280")  # type: ignore[arg-type]


def test_evaluate_own_measurements(merged: tuple[pd.DataFrame, pd.DataFrame, Measurements]) -> None:
    from koladagap.benchmarking.kpi_table import kpi_table
    from koladagap.engine.rules import rules_from_table
    from koladagap.kolada.frames import label_columns
    from koladagap.kolada.sample import sample_municipalities

    values, kpi_meta, m = merged
    rules = rules_from_table(["N00906"], table=kpi_table()) | m.rules
    # as run_plan does: the readers' words for K/M come from the (merged) catalogue's titles
    labels = label_columns(kpi_meta["title"]).set_axis(kpi_meta.index)
    res = evaluate(
        values,
        rules,
        municipalities=["0180"],
        municipality_meta=sample_municipalities(),
        kpi_meta=kpi_meta.assign(**labels),
    )
    assert "EGEN-HELTID-N" not in set(res["kpi"])  # the counts KPI is only a denominator
    own = annotate_reasons(res).set_index(["kpi", "period"])
    heltid = own.loc["EGEN-HELTID"]
    # the counts (the denominator KPI) give the chance part and the interval shown
    assert (heltid["credibility"] == "counts").all()
    assert heltid["n_women"].tolist() == [29500.0, 29800.0, 30100.0, 30400.0]
    assert (heltid["ci_high"] < 0).all() and (heltid["ci_low"] < heltid["gap"]).all()
    assert heltid["evidence_years"].tolist() == [1, 2, 3, 3]  # pooled over pool_years (3)
    # one organisation: no reference z (so no p- or q-value), and a material gap stops at "info"
    assert heltid["z_ref"].isna().all() and heltid["percentile_ref"].isna().all()
    assert heltid["p_value"].isna().all() and heltid["q_value"].isna().all()
    assert (heltid["level"] == "info").all()
    assert heltid["reasons"].str.endswith(REFERENCE_UNAVAILABLE).all()
    trygg = own.loc["SKOLA-TRYGG8"]
    assert trygg.loc[2022, "credibility"] == "size"  # no counts: the population's size
    assert trygg.loc[2022, "evidence"] == pytest.approx((-8.1 - 7.4 - 6.3) / 3)
    assert trygg.loc[2022, "label_women"] == "flickor"
    assert own.loc[("EGEN-LON", 2022), "level"] == "none"
    assert REFERENCE_UNAVAILABLE not in str(own.loc[("EGEN-LON", 2022), "reasons"])
    kolada = own.loc["N00906"]
    assert not kolada["reasons"].str.contains("unavailable").any()


def test_small_counts_are_too_small() -> None:
    defs = pd.DataFrame(
        {
            "Id": ["EGEN-X"],
            "Benämning": ["X (%)"],
            "Enhet": ["%"],
            "Typ": ["andel"],
            "Riktning": ["need"],
            "Organisation": ["0180"],
        }
    )
    vals = pd.DataFrame(
        {
            "Id": ["EGEN-X"] * 2,
            "År": [2022] * 2,
            "Kön": ["K", "M"],
            "Värde": [20, 60],
            "Antal": [8, 9],
        }
    )
    m = from_frames(defs, vals)
    res = evaluate(m.values, m.rules)
    assert res["level"].tolist() == ["too_small"]


# --- attribution, ids, combining ----------------------------------------------------------------


def test_attribution_and_ids() -> None:
    assert attribution(["N00906", "N15428"]) == "Källa: Kolada; egen bearbetning"
    assert attribution(["EGEN-A", count_kpi("EGEN-A")]) == SOURCE == "Källa: egen mätning"
    assert attribution(["N00906", "EGEN-A"]) == MIXED_SOURCE
    assert attribution([]) == "Källa: Kolada; egen bearbetning"
    assert [is_own(k) for k in ("EGEN-A", "skola-trygg_8", "N00906", "EGEN", "E-A")] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_read_many_and_combine(tmp_path: Path) -> None:
    a = write_csv(tmp_path, DEFS + VALUES_HEAD + GOOD_VALUES, "a.csv")
    both = read_many([a, EXAMPLE])
    assert both.ids == ["EGEN-A", "EGEN-B", "EGEN-HELTID", "SKOLA-TRYGG8", "EGEN-LON"]
    assert len(both.paths) == 2
    with pytest.raises(ConfigError, match="EGEN-A is also defined in"):
        read_many([a, a])
    assert combine([]).ids == [] and empty().values.empty


# --- CLI ------------------------------------------------------------------------------------------


def cli(argv: list[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="koladagap")
    parser.add_argument("--lang", choices=("sv", "en"), default="sv")
    register(parser.add_subparsers(dest="command", required=True))
    out = io.StringIO()
    code = run(parser.parse_args(argv), stdout=out)
    return code, out.getvalue()


def test_cli_template_and_check(tmp_path: Path) -> None:
    target = tmp_path / "egna.xlsx"
    assert cli(["measurements", "template", "--out", str(target)]) == (0, "")
    with pytest.raises(InputError, match="finns redan"):
        cli(["measurements", "template", "--out", str(target)])
    code, text = cli(["measurements", "check", str(EXAMPLE)])
    assert code == 0
    lines = text.splitlines()
    assert lines[0].endswith("3 egna nyckeltal, 24 värden, år 2019–2022, organisation 0180.")
    assert "Med antal (statistiskt test av skillnaden): EGEN-HELTID." in lines
    assert lines[-1] == "Källa: egen mätning"
    code, text = cli(["--lang", "en", "measurements", "check", str(target)])
    assert code == 0 and "1 own KPIs, 6 values" in text


def test_numbers_parse_like_swedish_excel() -> None:
    defs = pd.DataFrame(
        {
            "Id": ["EGEN-B"],
            "Benämning": ["B"],
            "Enhet": ["kr"],
            "Typ": ["amount"],
            "Riktning": ["higher_is_better"],
            "Organisation": [180],
        }
    )
    vals = pd.DataFrame(
        {
            "Id": ["EGEN-B"] * 3,
            "År": ["2022"] * 3,
            "Kön": ["K", "M", "T"],
            "Värde": ["1 234,5", "−12", ""],
        }
    )
    v = from_frames(defs, vals).values
    assert v["municipality_id"].tolist() == ["0180"] * 3
    got = v["value"].to_numpy()
    assert got[0] == 1234.5 and got[1] == -12.0 and np.isnan(got[2])


def test_coverage_and_summary_of_a_kpi_without_values(tmp_path: Path) -> None:
    m = read_measurements(write_csv(tmp_path, DEFS + VALUES_HEAD + GOOD_VALUES.split("\n", 1)[0]))
    cover = m.coverage
    assert cover.index.tolist() == ["EGEN-A", "EGEN-B"]
    assert cover["n_values"].tolist() == [1, 0]
    assert cover["first_year"].tolist() == [2021, pd.NA]
    lines = summary_lines(m, "en")
    assert lines[1].endswith("– 1 values, 2021") and lines[2].endswith("– 0 values, –")


def test_summary_spans_the_years_of_each_kpi() -> None:
    m = read_measurements(EXAMPLE)
    cover = m.coverage
    assert int(cover["n_values"].sum()) == m.n_values
    assert cover["first_year"].min() == min(m.years) and cover["last_year"].max() == max(m.years)
    per_kpi = summary_lines(m)[1 : 1 + len(m.ids)]
    assert [line.split(":")[0].strip() for line in per_kpi] == m.ids
