"""Exploring Kolada: joined values, available KPIs, rankings and the health check.

Offline: the shipped sample, the local stand-in (tests/kolada_standin.py) and a
private cache per test.
"""

from __future__ import annotations

import argparse
import importlib
import io
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import koladagap
from koladagap.benchmarking.data import Kolada
from koladagap.benchmarking.explore import (
    AVAILABLE_COLUMNS,
    JOIN_COLUMNS,
    available,
    join_metadata,
    kpi_units,
    rank,
    rank_values,
    status,
)
from koladagap.cli import explore as cli_explore
from koladagap.errors import InputError, UnknownIdError
from koladagap.kolada.explore import cache_summary, municipality_values, probe
from koladagap.kolada.http import HTTPSettings
from koladagap.kolada.sample import sample_kpis, sample_municipalities, sample_values

cli_main = importlib.import_module("koladagap.cli.main")
FAST = HTTPSettings(rate_limit=0, backoff_factor=0.01, backoff_max=0.05, retries=2)


def online(standin: Any, tmp_path: Path, **kw: Any) -> Kolada:
    return Kolada(standin.base_url, cache_dir=str(tmp_path / "cache"), settings=FAST, **kw)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``koladagap`` parser with this family, whether or not main lists it yet."""
    if "explore" not in cli_main.FAMILIES:
        monkeypatch.setattr(cli_main, "FAMILIES", (*cli_main.FAMILIES, "explore"))
    commands = {"available": "explore", "rank": "explore", "status": "explore"}
    monkeypatch.setattr(cli_main, "COMMANDS", {**cli_main.COMMANDS, **commands})


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli_main.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- join ---------------------------------------------------------------------------


def test_join_adds_kpi_and_municipality_columns_in_place() -> None:
    v = koladagap.values(
        ["N15428", "N00945"], ["1233", "0980", "0012", "0000"], 2022, source="sample"
    )
    j = koladagap.values(
        ["N15428", "N00945"], ["1233", "0980", "0012", "0000"], 2022, source="sample", join=True
    )
    assert len(j) == len(v)
    cols = j.columns.tolist()
    assert cols[:4] == ["kpi", "kpi_title", "kpi_unit", "operating_area"]
    at = cols.index("municipality_id")
    assert cols[at + 1 : at + 5] == ["municipality", "municipality_type", "county_id", "county"]
    assert [c for c in cols if c not in JOIN_COLUMNS] == v.columns.tolist()
    pd.testing.assert_frame_equal(j[v.columns], v)  # the values are untouched
    by_id = j.drop_duplicates("municipality_id").set_index("municipality_id")
    place = ["municipality", "municipality_type", "county_id", "county"]
    assert by_id.loc["1233", place].tolist() == ["Vellinge", "kommun", "0012", "Region Skåne"]
    assert by_id.loc["0980", ["county_id", "county"]].tolist() == ["0009", "Region Gotland"]
    assert by_id.loc["0012", ["municipality_type", "county"]].tolist() == [
        "region", "Region Skåne"
    ]  # fmt: skip
    assert by_id.loc["0000", "municipality_type"] == "riket"
    assert pd.isna(by_id.loc["0000", "county"]) and pd.isna(by_id.loc["0000", "county_id"])
    units = j.drop_duplicates("kpi").set_index("kpi")["kpi_unit"]
    assert units["N15428"] == "andel (%)"
    assert j.loc[j.kpi == "N15428", "operating_area"].iloc[0].startswith("Grundskola")
    for c in JOIN_COLUMNS:
        assert str(j[c].dtype) in ("string", "string[python]", "string[pyarrow]"), c


def test_join_keeps_rows_of_ids_the_catalogue_lacks_and_names_groups() -> None:
    v = pd.DataFrame(
        {
            "kpi": ["N15428", "X99999", "N15428"],
            "municipality_id": ["9999", "0180", "G1"],
            "period": 2022,
            "gender": "T",
            "value": [1.0, 2.0, 3.0],
        }
    )
    groups = pd.DataFrame(
        {"group_id": ["G1"], "group_title": ["En grupp"], "member_id": ["0180"],
         "member_title": ["Stockholm"]}
    )  # fmt: skip
    j = join_metadata(v, sample_kpis(), sample_municipalities(), groups)
    assert len(j) == 3
    assert pd.isna(j.loc[0, "municipality"]) and j.loc[0, "county_id"] == "0099"
    assert pd.isna(j.loc[1, "kpi_title"]) and j.loc[1, "municipality"] == "Stockholm"
    assert j.loc[2, "municipality"] == "En grupp" and j.loc[2, "municipality_type"] == "group"
    assert pd.isna(j.loc[2, "county"])


def test_units_from_a_catalogue_column_when_there_is_one_else_from_the_title() -> None:
    cat = pd.DataFrame(
        {"id": ["A", "B"], "title": ["Något, antal", "Annat, kr/inv"], "unit": ["st", None]}
    )
    assert kpi_units(cat).tolist()[0] == "st"
    units = kpi_units(sample_kpis())
    assert units["N15428"] == "andel (%)"
    assert units["N00906"] == "kr"
    assert units.notna().mean() > 0.85  # most titles end in their unit
    assert not units.dropna().str.len().gt(40).any()


def test_fetch_join_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["fetch", "--kpi", "N15428", "--municipality", "1233", "--years", "2022", "--sample",
         "--join"], capsys
    )  # fmt: skip
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out), dtype={"municipality_id": str, "county_id": str})
    assert df["county"].unique().tolist() == ["Region Skåne"]
    assert df["source"].unique().tolist() == ["Källa: Kolada"]


# --- available ----------------------------------------------------------------------


def expected_available(mid: str) -> pd.DataFrame:
    s = sample_values()
    s = s[(s.municipality_id == mid) & s.value.notna()]
    return s.groupby("kpi").agg(first=("period", "min"), last=("period", "max"),
                                n=("period", "nunique"))  # fmt: skip


def test_available_from_the_sample() -> None:
    a = available("1233", source="sample")
    assert a.columns.tolist() == AVAILABLE_COLUMNS
    exp = expected_available("1233")
    assert a["kpi"].tolist() == exp.index.tolist()
    assert a["first_year"].tolist() == exp["first"].tolist()
    assert a["last_year"].tolist() == exp["last"].tolist()
    assert a["n_years"].tolist() == exp["n"].tolist()
    split = a.set_index("kpi")["gender_split"]
    assert not split["N00945"] and split["N15428"]  # a share of one sex has no K/M
    assert a.loc[a.kpi == "N15428", "kpi_title"].item().startswith("Elever i åk 9")
    two = available("1233", "2021-2022", source="sample")
    assert set(two["first_year"]) <= {2021, 2022} and two["n_years"].max() <= 2


def test_available_counts_no_null_or_deleted_value() -> None:
    from koladagap.benchmarking.explore import summarise_available

    v = pd.DataFrame(
        {"kpi": ["A", "A", "B", "C"], "period": [2020, 2021, 2020, 2020],
         "gender": ["T", "T", "T", "K"], "value": [1.0, np.nan, 2.0, 3.0],
         "isdeleted": [False, False, True, False]}
    )  # fmt: skip
    a = summarise_available(v, sample_kpis())
    assert a["kpi"].tolist() == ["A", "C"]
    assert a["n_years"].tolist() == [1, 1]
    assert a["gender_split"].tolist() == [False, True]


@pytest.mark.parametrize(
    ("mid", "error"),
    [("9999", UnknownIdError), ("0180,1233", InputError), ("G123", InputError), ("", InputError)],
)
def test_available_refuses_what_is_not_one_organisation(mid: str, error: type) -> None:
    with pytest.raises(error):
        available(mid, source="sample")


def test_available_online_asks_by_municipality_in_chunks_of_25_years(
    standin: Any, tmp_path: Path
) -> None:
    kg = online(standin, tmp_path)
    kg.municipalities()  # the catalogue first, so that only data requests are counted below
    standin.reset_counters()
    a = available("1233", source=kg)
    data = [r for r in standin.requests if r.startswith("/v3/data/")]
    assert data and all(r.startswith("/v3/data/municipality/1233/year/") for r in data)
    years = [r.split("/year/")[1].split("?")[0].split(",") for r in data if "&page=" not in r]
    assert max(len(y) for y in years) <= 25
    assert sorted(int(y) for ys in years for y in ys)[0] == 1970
    exp = available("1233", source="sample")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), exp.reset_index(drop=True))
    assert not kg.cache.info().shape[0]  # nothing cached


def test_available_online_leaves_out_rows_kolada_was_not_asked_for(
    standin: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kg = online(standin, tmp_path)
    stray = {"kpi": "N00906", "municipality": "0180", "period": 2022,
             "values": [{"gender": "T", "value": 1.0, "count": 1, "status": "",
                         "isdeleted": False}]}  # fmt: skip
    real = kg.client.fetch_all
    monkeypatch.setattr(kg.client, "fetch_all", lambda urls: [*real(urls), stray])
    v = municipality_values(kg.client, "1233", [2021, 2022])
    assert set(v["municipality_id"]) == {"1233"}
    assert set(v["period"]) <= {2021, 2022}


def test_available_offline_answers_from_the_cache_only(standin: Any, tmp_path: Path) -> None:
    kg = online(standin, tmp_path)
    kg.values(["N15428", "N00906"], ["1233", "0180"], "2018-2022")
    off = Kolada(cache_dir=str(tmp_path / "cache"), mode="offline")
    a = available("1233", source=off)
    assert a["kpi"].tolist() == ["N00906", "N15428"]
    assert a["first_year"].min() >= 2018
    assert available("0114", source=off).empty  # cached KPIs, but not for this kommun


def test_available_on_the_command_line(capsys: pytest.CaptureFixture[str], cli: None) -> None:
    code, out, err = run(["available", "--municipality", "1233", "--sample"], capsys)
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert len(df) == 19 and "gender_split" in df.columns
    assert "1233 Vellinge: 19 nyckeltal med värden" in err
    code, _, err = run(["available", "--municipality", "9999", "--sample"], capsys)
    assert code == 2 and err.count("\n") == 1 and "9999" in err
    code, _, err = run(["available", "--municipality", "1233", "--years", "1980", "--sample"],
                       capsys)  # fmt: skip
    assert code == 5 and "Inga nyckeltal" in err


# --- rank ---------------------------------------------------------------------------


def frame(values: dict[str, float | None], gender: str = "T") -> pd.DataFrame:
    return pd.DataFrame(
        {"kpi": "A", "municipality_id": list(values), "period": 2022, "gender": gender,
         "value": [np.nan if v is None else v for v in values.values()], "isdeleted": False}
    )  # fmt: skip


META = pd.DataFrame(
    {"id": ["0000", "0001", "0003", "0114", "0115", "0117", "0120", "0123"],
     "title": ["Riket", "R1", "R3", "a", "b", "c", "d", "e"]}
)  # fmt: skip


def test_rank_shares_ties_and_puts_missing_last_never_as_zero() -> None:
    r = rank_values(frame({"0114": 5.0, "0115": 7.0, "0117": 5.0, "0120": None, "0000": 9.0}), META)
    assert r["municipality_id"].tolist() == ["0115", "0114", "0117", "0120", "0123"]
    assert r["rank"].tolist()[:3] == [1, 2, 2]
    assert r["rank"].iloc[3:].isna().all() and r["value"].iloc[3:].isna().all()
    assert "0000" not in set(r["municipality_id"])  # Riket is the reference, not ranked
    up = rank_values(frame({"0114": 5.0, "0115": 7.0, "0117": 0.0}), META, ascending=True)
    assert up["municipality_id"].tolist()[:3] == ["0117", "0114", "0115"]
    assert up["rank"].tolist()[:3] == [1, 2, 3]


def test_rank_regions_and_the_gap_by_size_with_its_sign() -> None:
    v = pd.concat(
        [frame({"0001": 60.0, "0003": 50.0, "0114": 10.0}, "K"),
         frame({"0001": 50.0, "0003": 58.0, "0114": 0.0}, "M")]
    )  # fmt: skip
    r = rank_values(v, META, gender="gap", kind="L")
    assert r["municipality_id"].tolist() == ["0001", "0003"]
    assert r["value"].tolist() == [10.0, -8.0]
    assert r[["women", "men"]].iloc[1].tolist() == [50.0, 58.0]
    assert r["rank"].tolist() == [1, 2]
    assert rank_values(v, META, gender="gap", kind="L", ascending=True)["value"].tolist() == [
        -8.0, 10.0
    ]  # fmt: skip


def test_rank_on_the_sample_matches_the_values() -> None:
    r = rank("N15428", 2022, gender="K", source="sample")
    s = sample_values()
    k = s[(s.kpi == "N15428") & (s.period == 2022) & (s.gender == "K")]
    k = k[k.municipality_id.str.len().eq(4) & ~k.municipality_id.str.startswith("00")]
    assert len(r) == 290 and r["rank"].notna().sum() == k["value"].notna().sum()
    best = k.sort_values("value", ascending=False).iloc[0]
    assert r.iloc[0]["value"] == best["value"] and r.iloc[0]["rank"] == 1
    ranks = r["rank"].dropna().astype(int).to_numpy()
    assert (np.diff(ranks) >= 0).all()
    regions = rank("N15428", 2022, kind="L", source="sample")
    assert len(regions) == 21 and "0000" not in set(regions["municipality_id"])


@pytest.mark.parametrize(
    "kw",
    [{"gender": "X"}, {"kind": "G"}, {"kpi": "N15428,N00906"}, {"year": "2021-2022"},
     {"kpi": "N00945", "gender": "K"}],
)  # fmt: skip
def test_rank_refuses_bad_input_with_what_is_accepted(kw: dict[str, Any]) -> None:
    args: dict[str, Any] = {"kpi": "N15428", "year": 2022, "source": "sample", **kw}
    with pytest.raises(InputError) as err:
        rank(args.pop("kpi"), args.pop("year"), **args)
    assert "e.g." in str(err.value) or "accepted" in str(err.value) or "expected" in str(err.value)


def test_rank_online_equals_the_sample(standin: Any, tmp_path: Path) -> None:
    got = rank("N15428", 2022, gender="gap", source=online(standin, tmp_path))
    exp = rank("N15428", 2022, gender="gap", source="sample")
    pd.testing.assert_frame_equal(got, exp)


def test_rank_on_the_command_line(capsys: pytest.CaptureFixture[str], cli: None) -> None:
    code, out, err = run(
        ["rank", "--kpi", "N15428", "--year", "2022", "--gender", "gap", "--sample"], capsys
    )
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out), dtype={"municipality_id": str})
    assert df.columns[0] == "rank" and df["source"].iloc[0] == "Källa: Kolada; egen bearbetning"
    assert "N15428 2022" in err and "kommuner rangordnade" in err
    code, _, err = run(["rank", "--kpi", "N15428", "--year", "1990", "--sample"], capsys)
    assert code == 5
    code, out, _ = run(["rank", "--kpi", "N15428", "--year", "2022", "--gender", "k", "--kind",
                        "l", "--sample", "--ascending"], capsys)  # fmt: skip
    assert code == 0 and pd.read_csv(io.StringIO(out))["gender"].iloc[0] == "K"
    with pytest.raises(SystemExit) as exc:
        run(["rank", "--kpi", "N15428", "--year", "2022", "--gender", "X"], capsys)
    assert exc.value.code == 2


# --- status -------------------------------------------------------------------------


def test_status_says_kolada_answers_and_how_fast(standin: Any, tmp_path: Path) -> None:
    kg = online(standin, tmp_path)
    kg.values("N15428", "1233", 2022)
    standin.reset_counters()
    st = status(kg)
    assert st.reachable is True and st.ok and st.ms is not None and st.ms > 0
    assert standin.requests == ["/v3/municipality/0000?per_page=5000"]
    assert st.api_url == standin.base_url
    # one data file (its checksum beside it counts in bytes, not as a data file)
    assert st.kpis == 1 and st.corrupt == 0 and st.files == 1 and st.bytes > 0
    assert st.last_fetched is not None


def test_status_of_an_api_that_fails_is_said_at_once_without_retries(
    standin: Any, tmp_path: Path
) -> None:
    standin.faults.add("503", times=3)
    st = status(online(standin, tmp_path))
    assert st.reachable is False and not st.ok and "503" in st.reason
    assert standin.request_count == 1
    dead = Kolada(f"http://127.0.0.1:{free_port()}/v3", cache_dir=str(tmp_path / "c"))
    p = probe(dead.client)
    assert not p.ok and "refused" in p.reason and p.url.endswith("/municipality/0000?per_page=5000")


def test_status_of_a_server_that_is_not_kolada(standin: Any, tmp_path: Path) -> None:
    kg = Kolada(standin.root_url + "/v3/kpi/N00906", cache_dir=str(tmp_path / "c"), settings=FAST)
    st = status(kg)
    assert st.reachable is False and st.reason
    standin.faults.add("html")
    st = status(online(standin, tmp_path))
    assert st.reachable is False and "HTML" in st.reason
    standin.faults.add("empty")
    st = status(online(standin, tmp_path))
    assert st.reachable is False and "Riket" in st.reason


def test_status_offline_sends_nothing(tmp_path: Path) -> None:
    st = status(Kolada(cache_dir=str(tmp_path / "c"), mode="offline"))
    assert st.reachable is None and st.ok and st.kpis == 0
    assert cache_summary(Kolada(cache_dir=str(tmp_path / "none")).cache)["files"] == 0


def test_status_on_the_command_line(
    standin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], cli: None
) -> None:
    cache = str(tmp_path / "cache")
    code, out, err = run(["status", "--api-url", standin.base_url, "--cache-dir", cache], capsys)
    assert code == 0, err
    assert out.splitlines()[0].startswith("Kolada: svarar på ") and " ms " in out
    assert "Cache: " in out and "tom" in out
    dead = f"http://127.0.0.1:{free_port()}/v3"
    code, out, err = run(["status", "--api-url", dead, "--cache-dir", cache, "--lang", "en"],
                         capsys)  # fmt: skip
    assert code == 3
    assert "does not answer" in out
    assert err.count("\n") == 1 and dead in err and "refused" in err
    assert "Traceback" not in err


def test_the_family_registers_its_commands() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    cli_explore.register(sub)
    args = p.parse_args(["rank", "--kpi", "N15428", "--year", "2022", "--kind", "L"])
    assert args.kind == "L" and args.gender == "T" and args.run is cli_explore.cmd_rank


def test_status_still_answers_when_the_cache_cannot_be_read(
    standin: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kg = online(standin, tmp_path)

    def broken() -> pd.DataFrame:
        raise PermissionError(13, "Permission denied", str(kg.cache.path))

    monkeypatch.setattr(kg.cache, "info", broken)
    st = status(kg)
    assert st.reachable is True and "Permission denied" in st.cache_problem


def test_join_of_no_rows_has_the_columns() -> None:
    v = koladagap.values("N15428", "1233", 2022, source="sample").iloc[:0]
    j = join_metadata(v, sample_kpis(), sample_municipalities())
    assert j.empty and set(JOIN_COLUMNS) <= set(j.columns)


def test_bad_input_on_the_command_line_is_one_line_with_its_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli: None
) -> None:
    cases = [
        (["available", "--municipality", "1233", "--years", "2999", "--sample"], 2, "2999"),
        (["available", "--municipality", "0180,1233", "--sample"], 2, "0180,1233"),
        (["rank", "--kpi", "N15428,N00906", "--year", "2022", "--sample"], 2, "N15428,N00906"),
        (["rank", "--kpi", "N15428", "--year", "2021-2022", "--sample"], 2, "2021-2022"),
        (["rank", "--kpi", "X00000", "--year", "2022", "--sample"], 2, "X00000"),
        (["rank", "--kpi", "N00945", "--year", "2022", "--gender", "K", "--sample"], 2, "N00945"),
        (["rank", "--kpi", "N15428", "--year", "2022", "--offline", "--cache-dir",
          str(tmp_path / "c")], 4, "N15428"),
        (["rank", "--kpi", "N15428", "--year", "2022", "--out", str(tmp_path / "r.txt"),
          "--sample"], 2, "r.txt"),
        (["status", "--api-url", "ftp://example.org/v3"], 2, "ftp://example.org/v3"),
    ]  # fmt: skip
    for argv, code, named in cases:
        got, _, err = run(argv, capsys)
        assert got == code, (argv, err)
        assert err.count("\n") == 1 and named in err and "Traceback" not in err, (argv, err)
