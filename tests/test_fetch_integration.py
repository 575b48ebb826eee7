"""End to end against the local stand-in: `koladagap fetch`, the cache, offline and refresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import koladagap
from kolada_standin import KoladaStandin
from koladagap.benchmarking.data import Kolada, UnknownIdWarning
from koladagap.cli import EXIT_API, EXIT_CACHE, EXIT_INPUT, main
from koladagap.errors import OfflineMissingError
from koladagap.kolada.http import HTTPSettings
from koladagap.kolada.sample import sample_values

KEYS = ["kpi", "municipality_id", "period", "gender"]
FAST = ["--rate", "0", "--max-workers", "4"]


def want(kpis: list[str], munis: list[str] | None, years: range) -> pd.DataFrame:
    s = sample_values()
    m = s["kpi"].isin(kpis) & s["period"].isin(list(years))
    if munis:
        m &= s["municipality_id"].isin(munis)
    return s.loc[m].sort_values(KEYS, ignore_index=True)


def assert_values_equal(got: pd.DataFrame, exp: pd.DataFrame) -> None:
    got = got.sort_values(KEYS, ignore_index=True)
    assert len(got) == len(exp)
    for c in KEYS:
        assert got[c].astype(str).tolist() == exp[c].astype(str).tolist()
    np.testing.assert_array_equal(got["value"].to_numpy(float), exp["value"].to_numpy(float))


def fetch(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the CLI's default HTTP settings retry quickly (backoff in ms)."""
    import koladagap.kolada.http as http

    orig = http.HTTPSettings.__init__

    def init(self: Any, *a: Any, **kw: Any) -> None:
        kw.setdefault("backoff_factor", 0.01)
        kw.setdefault("backoff_max", 0.05)
        orig(self, *a, **kw)

    monkeypatch.setattr(http.HTTPSettings, "__init__", init)


@pytest.mark.parametrize("faults", [[], ["429", "500", "502", "503", "html", "truncated", "reset"]])
def test_cli_fetch_returns_exactly_what_is_served(
    standin: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    faults: list[str],
    fast_retries: None,
) -> None:
    for kind in faults:
        standin.faults.add(kind, retry_after=0)
    out = tmp_path / "v.csv"
    munis = ["0180", "0114", "1280", "2584", "0000"]
    code, _, err = fetch(
        [
            "fetch",
            "--api-url",
            standin.base_url,
            *FAST,
            "--kpi",
            "N00906,N15428,N00945",
            "--municipality",
            ",".join(munis),
            "--years",
            "2010-2022",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0, err
    assert len(standin.faults.fired) == len(faults)
    got = pd.read_csv(out, dtype={"municipality_id": str, "kpi": str})
    assert_values_equal(got, want(["N00906", "N15428", "N00945"], munis, range(2010, 2023)))


def test_cli_fetch_all_municipalities_bulk(
    standin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "v.parquet"
    code, _, err = fetch(
        ["fetch", "--api-url", standin.base_url, *FAST, "--kpi", "N00906", "--years", "2022"]
        + ["--out", str(out)],
        capsys,
    )
    assert code == 0, err
    got = pd.read_parquet(out)
    assert not got["municipality_id"].str.startswith("G").any()  # group means dropped
    assert_values_equal(got, want(["N00906"], None, range(2022, 2023)))


def test_persistent_failure_exit_3_with_url(
    standin: Any, capsys: pytest.CaptureFixture[str], fast_retries: None
) -> None:
    standin.faults.add("500", times=None)
    code, out, err = fetch(
        ["fetch", "--api-url", standin.base_url, *FAST, "--kpi", "N00906"]
        + ["--municipality", "0180", "--years", "2022"],
        capsys,
    )
    assert code == EXIT_API
    assert out == ""
    assert "HTTP 500" in err and standin.base_url in err and err.count("\n") == 1


def test_failed_fetch_leaves_cache_untouched(
    standin: Any, tmp_path: Path, fast_settings: HTTPSettings
) -> None:
    kg = Kolada(standin.base_url, cache_dir=str(tmp_path), settings=fast_settings)
    first = kg.values("N00906", ["0180"], "2020-2022")
    standin.faults.add("503", times=None, retry_after=0)
    with pytest.raises(koladagap.errors.HTTPStatusError):
        kg.values("N00906", ["0180", "0114"], "2020-2022")
    standin.faults.clear()
    offline = Kolada(cache_dir=str(tmp_path), mode="offline")
    assert_values_equal(offline.values("N00906", ["0180"], "2020-2022"), first)
    with pytest.raises(OfflineMissingError, match="0114"):
        offline.values("N00906", ["0180", "0114"], "2020-2022")


def test_second_call_is_served_from_cache(
    standin: Any, tmp_path: Path, fast_settings: HTTPSettings
) -> None:
    kg = Kolada(standin.base_url, cache_dir=str(tmp_path), settings=fast_settings)
    a = kg.values(["N00906", "N15428"], ["0180", "1280"], "2015-2022")
    n = standin.request_count
    b = kg.values("N15428", ["1280"], "2018-2020")  # a subset: no request
    assert standin.request_count == n
    assert_values_equal(b, want(["N15428"], ["1280"], range(2018, 2021)))
    assert len(a) == len(want(["N00906", "N15428"], ["0180", "1280"], range(2015, 2023)))


def test_offline_cli_after_online_fetch(
    standin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--kpi", "N00906", "--municipality", "0180", "--years", "2020-2022"]
    assert fetch(["fetch", "--api-url", standin.base_url, *FAST, *args], capsys)[0] == 0
    n = standin.request_count
    code, out, _ = fetch(["fetch", "--offline", *args], capsys)
    assert code == 0 and standin.request_count == n
    assert out.count("\n") == 1 + 9
    code, _, err = fetch(
        ["fetch", "--offline", "--kpi", "N00906", "--municipality", "0180", "--years", "2019"],
        capsys,
    )
    assert code == EXIT_CACHE and "N00906" in err and "2019" in err


def test_refresh_applies_revisions_and_deletes(tmp_path: Path, fast_settings: HTTPSettings) -> None:
    with KoladaStandin(values=want(["N00906"], None, range(2018, 2023))) as server:
        kg = Kolada(server.base_url, cache_dir=str(tmp_path), settings=fast_settings)
        before = kg.values("N00906", ["0180", "1280"], "2018-2022")
        assert len(before) == 2 * 5 * 3
        server.set_today("2099-01-01")
        server.revise("N00906", "0180", 2022, "K", 1.0)
        server.delete("N00906", "1280", 2018)
        server.reset_counters()
        after = kg.values("N00906", ["0180", "1280"], "2018-2022", refresh=True)
        assert any("from_date=" in r for r in server.requests)
    k2022 = after.query("municipality_id == '0180' and period == 2022 and gender == 'K'")
    assert k2022["value"].tolist() == [1.0]
    assert after.query("municipality_id == '1280' and period == 2018").empty
    assert len(after) == len(before) - 3


def test_unknown_ids_warn_by_name(standin: Any, fast_settings: HTTPSettings) -> None:
    kg = Kolada(standin.base_url, settings=fast_settings)
    with pytest.warns(UnknownIdWarning, match="N99999"):
        v = kg.values(["N00906", "N99999"], ["0180"], 2022)
    assert set(v["kpi"]) == {"N00906"}


def test_cli_unknown_ids_online_exit_2(standin: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = fetch(
        ["fetch", "--api-url", standin.base_url, *FAST, "--kpi", "N00906"]
        + ["--municipality", "0180,9999", "--years", "2022"],
        capsys,
    )
    assert code == EXIT_INPUT and "9999" in err


def test_corrupt_cache_file_is_refetched_online_and_an_error_offline(
    standin: Any, tmp_path: Path, fast_settings: HTTPSettings
) -> None:
    kg = Kolada(standin.base_url, cache_dir=str(tmp_path), settings=fast_settings)
    kg.values("N00906", ["0180"], 2022)
    (part,) = (tmp_path / "values").glob("kpi=N00906/*.parquet")
    part.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(koladagap.errors.CorruptCacheError, match="N00906"):
        Kolada(cache_dir=str(tmp_path), mode="offline").values("N00906", ["0180"], 2022)
    again = kg.values("N00906", ["0180"], 2022)
    assert_values_equal(again, want(["N00906"], ["0180"], range(2022, 2023)))


def test_dry_run_sends_nothing(standin: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = fetch(
        ["fetch", "--api-url", standin.base_url, "--dry-run", "--kpi", "N00906", "--years", "2022"],
        capsys,
    )
    assert code == 0 and standin.request_count == 0
    assert out.strip() == standin.base_url + "/data/kpi/N00906/year/2022?per_page=5000"


def test_offline_knows_what_was_fetched_without_a_catalogue(
    standin: Any, tmp_path: Path, fast_settings: HTTPSettings
) -> None:
    """A cold fetch checks ids with /kpi/{ids}, not the whole catalogue; offline still works."""
    kg = Kolada(standin.base_url, cache_dir=str(tmp_path), settings=fast_settings)
    kg.values("N00906", ["0180"], 2022)
    assert not any(r.split("?")[0].endswith("/v3/kpi") for r in standin.requests)
    assert not (tmp_path / "meta" / "kpis.parquet").exists()
    offline = Kolada(cache_dir=str(tmp_path), mode="offline")
    assert len(offline.values("N00906", ["0180"], 2022)) == 3


def test_screen_through_the_stand_in_equals_the_sample_screen(
    standin: Any, tmp_path: Path, fast_settings: HTTPSettings
) -> None:
    """`kg.screen` online fetches the KPI, its pooling window and the population, then
    gives the same levels as on the shipped sample; offline it answers from the cache."""
    kg = Kolada(standin.base_url, cache_dir=str(tmp_path), settings=fast_settings)
    online = koladagap.screen("N15428", "2022", source=kg)
    sample = koladagap.screen("N15428", "2022", source="sample")
    assert len(online) == len(sample) == 290
    cols = ["municipality_id", "level", "evidence_years", "credibility"]
    pd.testing.assert_frame_equal(
        online[cols].reset_index(drop=True).astype(str),
        sample[cols].reset_index(drop=True).astype(str),
    )
    n = standin.request_count
    offline = koladagap.screen(
        "N15428", "2022", source=Kolada(cache_dir=str(tmp_path), mode="offline")
    )
    assert standin.request_count == n
    assert (offline["level"].to_numpy() == online["level"].to_numpy()).all()
