"""Search as analysts use it: KPIs by words, descriptions, ids and filters; areas; units.

The KPI catalogue is the shipped one (Kolada's 6 101 real KPIs with their
descriptions); the operating areas joined with a bare comma are Kolada's real
v2 values; the units are 753 of Kolada's 35 368 real units
(tests/data/ou_real.json, every type), served by the v3 stand-in.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from kolada_standin import KoladaStandin
from koladagap.benchmarking.data import Kolada, areas, kpis, units
from koladagap.cli import EXIT_INPUT, EXIT_OK, main
from koladagap.errors import InputError, OfflineMissingError, UnknownIdError
from koladagap.kolada import metadata as meta
from koladagap.kolada.http import HTTPSettings
from koladagap.kolada.sample import sample_kpis, sample_values
from koladagap.kolada.source import UnknownIdWarning

DATA = Path(__file__).parent / "data"


def real_units() -> pd.DataFrame:
    """753 real Kolada units (``id, municipality, title``), every unit type."""
    return pd.DataFrame(json.loads((DATA / "ou_real.json").read_text(encoding="utf-8")))


# --- KPIs: words, descriptions, ids ------------------------------------------------------


def test_a_word_only_in_descriptions_is_found_after_the_title_hits() -> None:
    cat = sample_kpis()
    hits = meta.search_kpis(cat, "föräldrapenning")
    assert hits["match"].tolist() == sorted(
        hits["match"].tolist(), key=["title", "description"].index
    )
    titles = hits.loc[hits["match"] == "title", "title"].str.lower()
    assert titles.str.contains("föräldrapenning").all() and len(titles) >= 6
    by_desc = hits.loc[hits["match"] == "description"]
    assert len(by_desc) > 0
    assert not by_desc["title"].str.lower().str.contains("föräldrapenning").any()
    assert by_desc["description"].str.lower().str.contains("föräldrapenning").all()
    # a word in no title at all: the old title-only search found nothing
    word = "dividerat"
    assert not cat["title"].str.lower().str.contains(word).any()
    assert len(meta.search_kpis(cat, word)) > 100


def test_the_whole_phrase_in_a_title_ranks_first() -> None:
    hits = meta.search_kpis(sample_kpis(), "andel av antal dagar")
    first = hits["title"].iloc[0].lower()
    assert "andel av antal dagar" in first


def test_several_ids_are_a_lookup_in_the_order_given() -> None:
    assert kpis("N00906 N15428", source="sample")["id"].tolist() == ["N00906", "N15428"]
    assert kpis("n15428,N00906", source="sample")["id"].tolist() == ["N15428", "N00906"]
    assert kpis(["N15428", "N00945"], source="sample")["match"].tolist() == ["id", "id"]
    assert kpis("N00906 N99999", source="sample")["id"].tolist() == ["N00906"]


# --- filters -----------------------------------------------------------------------------


def test_filters_area_perspective_type_units_and_date() -> None:
    cat = sample_kpis()
    school = meta.search_kpis(cat, area="grundskola")
    assert set(school["operating_area"]) == {"Grundskola åk 0-9 inkl förskoleklass"}
    exact = meta.search_kpis(cat, area="Gymnasieskola åk 1-3")
    assert len(exact) == 301
    qual = meta.search_kpis(cat, perspective="kvalitet och resultat", gender_split=True)
    assert set(qual["perspective"]) == {"Kvalitet och resultat"}
    assert qual["is_divided_by_gender"].all()
    k = meta.search_kpis(cat, municipality_type="k")
    assert set(k["municipality_type"]) == {"K", "A"}
    assert set(meta.search_kpis(cat, municipality_type="A")["municipality_type"]) == {"A"}
    ou = meta.search_kpis(cat, has_ou_data=True)
    assert len(ou) == int(cat["has_ou_data"].sum()) and ou["has_ou_data"].all()
    late = meta.search_kpis(cat, since="2027-01-01")
    assert (late["publication_date"] >= "2027-01-01").all()
    assert 0 < len(late) < len(cat)
    both = meta.search_kpis(cat, "sjukpenningtal", area="arbetsmarknad", gender_split=True)
    assert both["id"].tolist()[:1] == ["N00938"]


@pytest.mark.parametrize(
    ("kw", "said"),
    [
        ({"area": "rymdfart"}, "no operating area matches --area 'rymdfart'; accepted "),
        ({"perspective": "nej"}, "Kvalitet och resultat"),
        ({"municipality_type": "X"}, "expected K (kommuner), L (regioner) or A"),
        ({"since": "1/1/2024"}, "expected a date YYYY-MM-DD"),
    ],
)
def test_a_filter_matching_nothing_says_what_is_accepted(kw: dict[str, str], said: str) -> None:
    with pytest.raises(InputError, match=said.replace("(", r"\(").replace(")", r"\)")):
        meta.search_kpis(sample_kpis(), **kw)  # type: ignore[arg-type]


# --- operating areas ---------------------------------------------------------------------


def test_areas_split_kolada_lists_joined_with_a_bare_comma() -> None:
    cat = meta.kpi_frame(
        [  # real v2 values: several areas joined with "," while a name holds ", "
            {
                "id": "N1",
                "operating_area": "Grundskola åk 0-9 inkl förskoleklass,Kommunen, övergripande",
                "is_divided_by_gender": 1,
            },
            {"id": "N2", "operating_area": "Kommunen, övergripande,Äldre och funktionshindrade"},
            {"id": "N3", "operating_area": "Kommunen, övergripande", "is_divided_by_gender": 1},
            {"id": "N4", "operating_area": None},
        ]
    )
    a = meta.list_areas(cat).set_index("area")
    assert a.to_dict("index") == {
        "Kommunen, övergripande": {"n_kpis": 3, "n_gender_split": 2},
        "Grundskola åk 0-9 inkl förskoleklass": {"n_kpis": 1, "n_gender_split": 1},
        "Äldre och funktionshindrade": {"n_kpis": 1, "n_gender_split": 0},
    }
    hits = meta.search_kpis(cat, area="Kommunen, övergripande")
    assert hits["id"].tolist() == ["N1", "N2", "N3"]


def test_areas_of_the_shipped_catalogue() -> None:
    a = areas(source="sample")
    assert a["n_kpis"].sum() == len(sample_kpis())
    assert a["n_kpis"].is_monotonic_decreasing
    assert (a["n_gender_split"] <= a["n_kpis"]).all()


# --- the catalogue from the cache, offline -----------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[KoladaStandin]:
    s = sample_values()
    with KoladaStandin(s.loc[s["kpi"].eq("N15428") & s["period"].eq(2022)], ou=real_units()) as srv:
        yield srv


def online(server: KoladaStandin, cache: Path) -> Kolada:
    settings = HTTPSettings(rate_limit=0, backoff_factor=0.01, retries=2)
    return Kolada(server.base_url, cache_dir=str(cache), settings=settings)


def test_the_catalogue_is_searched_offline_once_fetched(
    server: KoladaStandin, tmp_path: Path
) -> None:
    first = online(server, tmp_path).kpis("föräldrapenning", gender_split=True)
    server.reset_counters()
    offline = Kolada(cache_dir=str(tmp_path), mode="offline")
    again = offline.kpis("föräldrapenning", gender_split=True)
    assert server.request_count == 0
    pd.testing.assert_frame_equal(first, again)
    assert offline.areas()["n_kpis"].sum() == len(sample_kpis())


# --- units -------------------------------------------------------------------------------


def test_unit_types_come_from_the_real_units(server: KoladaStandin, tmp_path: Path) -> None:
    t = online(server, tmp_path).unit_types().set_index("type")
    real = real_units()["id"].str[:3]
    assert t["n_units"].to_dict() == real.value_counts().to_dict()
    for kind in ("V28", "V36", "V42", "V70", "V35"):
        assert kind in t.index
    assert t.loc["V70", "label"] == "sjukhus" and t.loc["V36", "label"] == "personlig assistans"
    assert pd.isna(t.loc["V35", "label"]) and t.loc["V35", "example"] == "3:an"


LABEL_EVIDENCE = {  # type: (a word of its label, stems of real unit names, least share)
    "V11": ("förskola", ("förskol",), 0.5),
    "V17": ("gymnasieskola", ("gymnas",), 0.4),
    "V21": ("hemtjänst", ("hemtjänst", "hemvård", "htj"), 0.3),
    "V25": ("gruppbostad", ("gruppbo", "servicebo"), 0.15),
    "V26": ("daglig verksamhet", ("daglig", "dv"), 0.15),
    "V28": ("daglig verksamhet", ("daglig", "dv"), 0.15),
    "V29": ("gruppbostad", ("gruppbo", "lss"), 0.15),
    "V30": ("servicebostad", ("servicebo",), 0.15),
    "V31": ("boendestöd", ("boendestöd",), 0.5),
    "V32": ("boende", ("boende", "bostad"), 0.15),
    "V34": ("sysselsättning", ("sysselsättning",), 0.2),
    "V36": ("personlig assistans", ("assistans",), 0.5),
    "V42": ("sysselsättning", ("sysselsättning", "daglig", "dv"), 0.3),
    "V60": ("fastigheter", ("fastighet",), 0.9),
    "V70": ("sjukhus", ("sjukhus", "lasarett", "klinik"), 0.4),
}


@pytest.mark.parametrize("kind", sorted(LABEL_EVIDENCE))
def test_unit_type_labels_agree_with_real_unit_names(kind: str) -> None:
    from koladagap.benchmarking.units import OU_TYPES

    word, stems, least = LABEL_EVIDENCE[kind]
    assert word in OU_TYPES[kind]
    u = real_units()
    names = u.loc[u["id"].str.startswith(kind), "title"].str.lower()
    share = names.str.contains("|".join(stems)).mean()
    assert share >= least, f"{kind} {OU_TYPES[kind]!r}: {share:.0%} of real names fit"


def test_the_old_wrong_labels_are_gone() -> None:
    from koladagap.benchmarking.units import OU_TYPES

    assert "servicebostad" not in OU_TYPES["V26"] and "daglig" not in OU_TYPES["V29"]
    assert "korttid" not in OU_TYPES["V30"] and OU_TYPES["V31"] == "SoL boendestöd"
    assert OU_TYPES["V32"] == "SoL boende"


def test_search_units_by_name_type_and_municipality(server: KoladaStandin, tmp_path: Path) -> None:
    k = online(server, tmp_path)
    hits = k.units("förskola", municipality="1233")
    assert len(hits) > 0 and (hits["municipality"] == "1233").all()
    assert hits["title"].str.lower().str.contains("förskola").all()
    assert set(hits["municipality_title"]) == {"Vellinge"}
    for kind in ("V28", "V36", "V42", "V70"):  # real types, once rejected
        got = k.units(kind=kind)
        assert len(got) == int(real_units()["id"].str.startswith(kind).sum())
        assert (got["type"] == kind).all()
    sjukhus = k.units("universitetssjukhus", kind="v70")
    assert len(sjukhus) > 0 and set(sjukhus["type_label"]) == {"sjukhus"}
    with pytest.raises(InputError, match="V and two digits"):
        k.units("x", kind="skola")


def test_look_units_up_by_id(server: KoladaStandin, tmp_path: Path) -> None:
    k = online(server, tmp_path)
    ids = real_units()["id"].iloc[[5, 400]].tolist()
    got = k.units(" ".join(reversed(ids)))
    assert got["id"].tolist() == list(reversed(ids))
    with pytest.warns(UnknownIdWarning, match="V15E999999999"):
        assert k.units([ids[0], "V15E999999999"])["id"].tolist() == [ids[0]]
    with pytest.raises(UnknownIdError, match="V15E999999999"):
        k.units("V15E999999999")


def test_units_offline_from_the_cache(server: KoladaStandin, tmp_path: Path) -> None:
    online(server, tmp_path).units(municipality="1233")
    server.reset_counters()
    off = Kolada(cache_dir=str(tmp_path), mode="offline")
    assert len(off.units("förskola", municipality="1233")) > 0
    assert len(off.units("förskola")) > 0  # the municipalities' lists cached so far
    assert server.request_count == 0
    with pytest.raises(OfflineMissingError):
        Kolada(cache_dir=str(tmp_path / "empty"), mode="offline").units("skola")
    with pytest.raises(InputError, match="no unit"):
        units("skola", source="sample")


def test_unit_values_joined_with_names(tmp_path: Path) -> None:
    from koladagap.benchmarking.units import unit_values

    u = real_units()
    schools = u.loc[u["id"].str.startswith("V15") & u["municipality"].eq("1233")]
    ids = schools["id"].tolist()[:2]
    rows = [
        ("N15428", i, 2022, g, v) for i in ids for g, v in (("T", 80.0), ("K", 82.0), ("M", 78.0))
    ]
    vals = pd.DataFrame(rows, columns=["kpi", "ou_id", "period", "gender", "value"])
    vals["count"] = pd.array([pd.NA] * len(vals), dtype="Int64")
    vals["status"], vals["isdeleted"] = "", False
    with KoladaStandin(sample_values().iloc[:0], ou=u, ou_values=vals) as srv:
        k = online(srv, tmp_path)
        plain = unit_values(k, "N15428", ids, 2022)
        joined = unit_values(k, "N15428", ids, 2022, join=True)
        out = tmp_path / "enheter.csv"
        src = ["--api-url", srv.base_url, "--rate", "0", "--cache-dir", str(tmp_path / "c")]
        argv = ["units", "values", *ids, "--kpi", "N15428", "--years", "2022", "--out", str(out)]
        assert main([*argv, *src]) == EXIT_OK
        assert main(["units", "values", "--kpi", "N15428", *src]) == EXIT_INPUT
    cli = pd.read_csv(out, dtype=str)
    assert set(cli["unit_title"]) == set(schools["title"].iloc[:2])
    assert set(cli["source"]) == {"Källa: Kolada"}
    assert list(plain.columns) == [c for c in joined.columns if c in plain.columns]
    names = dict(zip(schools["id"], schools["title"], strict=True))
    assert joined["unit_title"].tolist() == joined["ou_id"].map(names).tolist()
    assert set(joined["municipality"]) == {"Vellinge"} and set(joined["unit_type"]) == {"V15"}
    assert joined["kpi_title"].str.startswith("Elever i åk 9").all()


# --- the command line --------------------------------------------------------------------


def test_cli_search_filters_and_areas(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["search", "--area", "grundskola", "--gender-split", "--since", "2026-01-01",
                 "--municipality-type", "K", "--sample", "--lang", "en"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == EXIT_OK and "N15428" in out
    code = main(["search", "N00906", "N15428", "--sample"])
    out = capsys.readouterr().out
    assert code == EXIT_OK and out.index("N00906") < out.index("N15428")
    assert main(["search", "--sample"]) == EXIT_INPUT
    assert "--area" in capsys.readouterr().err
    assert main(["search", "x", "--perspective", "nej", "--sample"]) == EXIT_INPUT
    assert main(["areas", "--sample"]) == EXIT_OK
    assert "Gymnasieskola åk 1-3" in capsys.readouterr().out


def test_cli_units_search_show_types(
    server: KoladaStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = ["--api-url", server.base_url, "--rate", "0", "--cache-dir", str(tmp_path)]
    assert main(["units", "search", "förskola", "--municipality", "1233", *src]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Vellinge" in out and "V11" in out
    one = real_units()["id"].iloc[0]
    assert main(["units", "show", one, *src]) == EXIT_OK
    assert one in capsys.readouterr().out
    table = tmp_path / "typer.csv"
    assert main(["units", "types", "--out", str(table), *src, "--lang", "en"]) == EXIT_OK
    t = pd.read_csv(table).set_index("type")
    assert t.loc["V70", "label"] == "hospitals" and t.loc["V28", "n_units"] == 43
    assert main(["units", "show", "V15E999999999", *src]) == EXIT_INPUT
    assert main(["units", "search", *src]) == EXIT_INPUT
    assert main(["units", "search", "skola", "--sample"]) == EXIT_INPUT
    assert main(["units", "--municipality", "1233", *src]) == EXIT_INPUT
    assert "--type, --kpi, --years" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["units", "search", "skola", "--type", "V70x", *src]) == EXIT_INPUT


def test_units_kolada_did_not_ask_for_are_not_cached(
    server: KoladaStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer to "the units of 1233" that also carries another municipality's units."""
    k = online(server, tmp_path)
    hostile = [
        {"id": "V15E123399901", "municipality": "1233", "title": "Asked skola"},
        {"id": "V15E018099901", "municipality": "0180", "title": "Injected skola"},
    ]
    monkeypatch.setattr(k.client, "ou", lambda *a, **kw: hostile)
    got = k.units(municipality="1233")
    assert got["id"].tolist() == ["V15E123399901"]
    off = Kolada(cache_dir=str(tmp_path), mode="offline")
    assert "V15E018099901" not in set(off.units("skola")["id"])
    with pytest.raises(UnknownIdError):
        k.units("V15E777777777")  # the answer holds only ids nobody asked for
