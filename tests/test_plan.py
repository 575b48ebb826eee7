"""Plan files: parsing, defaults, rules, and one-line errors naming file and key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from koladagap.benchmarking.plan import Meeting, Plan, load_plan, parse_plan, starter_plan
from koladagap.errors import ConfigError

GOOD = """
[organisation]
id = "0180"

[comparison]
peer_family = "socioekonomi"
groups = ["G37523"]

[kpis]
ids = ["N15428", "N00906", "N21704"]
groups = ["G2KPI148333"]

[kpis.N21704]
direction = "need"
expected = "riket"

[kpis.N15428]
target_gap = 0
target_year = 2026
thresholds = { materiality = { share_pp = 3.0 } }

[kpis.N00906]
exclude = true
reason = "Inkomst påverkas inte av kommunens verksamhet"

[sessions]
baseline = { name = "Benchmarking 1", year = 2018 }
followups = [{ name = "Resultatkonferens", year = 2022 }, { name = "Benchmarking 2", year = 2020 }]

[thresholds.materiality]
share_pp = 4.0

[thresholds.reference]
act_z = 3.5

[areas]
"Skola" = ["N15428"]
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "plan.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_plan(tmp_path: Path) -> None:
    p = load_plan(write(tmp_path, GOOD))
    assert p.organisation == "0180"
    assert p.peer_family == "socioekonomi" and p.riket is True
    assert p.kpi_ids == ("N15428", "N00906", "N21704")
    assert p.kpi_groups == ("G2KPI148333",)
    assert [m.name for m in p.meetings] == ["Benchmarking 1", "Benchmarking 2", "Resultatkonferens"]
    assert p.meeting("benchmarking 2").year == 2020
    assert p.meeting(None).name == "Resultatkonferens"
    assert p.thresholds.materiality.share_pp == 4.0
    assert p.thresholds.reference.act_z == 3.5
    assert p.thresholds.reference.act_fdr_q == 0.05  # default kept
    assert p.thresholds.reference.pool_years == 3
    assert p.areas == {"Skola": ("N15428",)}


def test_rules_merge_table_and_plan(tmp_path: Path) -> None:
    p = load_plan(write(tmp_path, GOOD))
    rules = p.kpi_rules(["N15428", "N00906", "N21704", "N99998"])
    assert rules["N21704"].direction == "need" and rules["N21704"].expected == "riket"
    assert rules["N15428"].direction == "higher_is_better"  # from the bundled table
    assert rules["N15428"].target_gap == 0 and rules["N15428"].target_year == 2026
    assert rules["N15428"].overrides is not None
    assert rules["N15428"].overrides.materiality.share_pp == 3.0
    # the per-KPI override starts from the plan's thresholds, not the defaults
    assert rules["N15428"].overrides.reference.act_z == 3.5
    assert rules["N00906"].exclude and "Inkomst" in rules["N00906"].reason
    assert rules["N99998"].direction == "need"  # not in the table: no value judgement


def test_bad_override_in_rules_names_file(tmp_path: Path) -> None:
    text = GOOD.replace('direction = "need"', 'kind = "share_of_one_sex"')
    p = load_plan(write(tmp_path, text))
    with pytest.raises(ConfigError, match="share_of") as exc:
        p.kpi_rules(["N21704"])
    assert str(exc.value).startswith(str(tmp_path / "plan.toml"))


def test_starter_plan_round_trips(tmp_path: Path) -> None:
    text = starter_plan("0180", "Stockholm", ["N15428", "N00906"], baseline=2017, followup=2021)
    p = load_plan(write(tmp_path, text))
    assert p.organisation == "0180" and p.kpi_ids == ("N15428", "N00906")
    assert (p.baseline.year, p.followups[0].year) == (2017, 2021)
    assert "# Stockholm" in text


def test_starter_plan_thresholds_block_shows_the_defaults(tmp_path: Path) -> None:
    """Uncommenting the commented [thresholds] block changes nothing: it names the defaults."""
    from koladagap.engine import Thresholds

    text = starter_plan("0180", "Stockholm", ["N15428"], baseline=2017, followup=2021)
    block = text[text.index("# [thresholds.materiality]") :].split("\n\n", 1)[0]
    lines = [ln[2:] if ln.startswith("# ") else ln for ln in block.splitlines()]
    uncommented = text.replace(block, "\n".join(lines))
    p = load_plan(write(tmp_path, uncommented))
    assert p.thresholds == Thresholds()
    for removed in ("# fdr_q", "persistence_years", "persistence_hits", "act_watch"):
        assert removed not in text


@pytest.mark.parametrize(
    ("mid", "peers", "examples"),
    [
        ("1233", "Liknande kommuner", {"N21704", "N15428", "N00090"}),
        ("0001", "Övriga regioner", {"N00957", "N60077", "N60953"}),
    ],
)
def test_starter_plan_fits_the_organisation_type(
    tmp_path: Path, mid: str, peers: str, examples: set[str]
) -> None:
    """A region's starter names its peers and KPI group; its rule examples, uncommented, parse."""
    text = starter_plan(mid, "x", ["N01982"])
    assert peers in text and ("G2KPI148336" in text) == (mid == "0001")
    block = text[text.index("# Per-KPI rules") :].split("\n\n", 1)[0]
    lines = [ln[2:] if ln.startswith("# ") else ln for ln in block.splitlines()]
    p = load_plan(write(tmp_path, text.replace(block, "\n".join(lines[1:]))))
    assert set(p.rules) == examples


def test_to_dict_round_trips(tmp_path: Path) -> None:
    p = load_plan(write(tmp_path, GOOD))
    q = parse_plan(p.to_dict())
    assert q.thresholds == p.thresholds and q.meetings == p.meetings and q.rules == p.rules


BAD = [
    ("organisation]\nid=1", "not valid TOML", None),
    ('[organisation]\nid = 180\n[kpis]\nids=["N15428"]\n', "in quotes", "organisation.id"),
    ('[organisation]\nid = "0180"\ncolour = "red"\n', "unknown key", "organisation.colour"),
    ('[organisaton]\nid = "0180"\n', "accepted: organisation", "organisaton"),
    ('[organisation]\nid = "0000"\n', "Riket", "organisation.id"),
    ("[comparison]\npeer_family = 'skola'\n", "accepted: övergripande", "comparison.peer_family"),
    ('[kpis]\nids = ["N1542"]\n', "invalid id", "kpis.ids"),
    ("[kpis.N15428]\ndirection = 'up'\n", "accepted: higher_is_better", "kpis.N15428.direction"),
    ("[kpis.N15428]\nexclude = true\n", "needs a reason", "kpis.N15428.reason"),
    ("[kpis.N15428]\nexpected = 'median'\n", "'riket' or 'peers'", "kpis.N15428.expected"),
    ("[kpis.N15428]\ntarget_gap = 0\n", "target_year", "kpis.N15428.target_year"),
    ("[kpis.N15428]\ncolour = 1\n", "unknown key", "kpis.N15428.colour"),
    ("[thresholds.materiality]\nshare_pp = -1\n", "must be > 0", "thresholds.materiality.share_pp"),
    ("[thresholds.materiality]\nshare = 5\n", "accepted: share_pp", "thresholds.materiality.share"),
    ("[thresholds.reference]\nact_z = 1.5\n", "greater than", "thresholds.reference.act_z"),
    ("[thresholds.colours]\nx = 1\n", "accepted: materiality", "thresholds.colours.x"),
]


def _base(extra: str) -> str:
    org = (
        ""
        if "[organisation" in extra or "organisation]" in extra
        else '[organisation]\nid = "0180"\n'
    )
    kpis = "" if "[kpis]" in extra else '[kpis]\nids = ["N15428"]\n'
    sessions = '[sessions]\nbaseline = { name = "B1", year = 2018 }\n'
    return org + kpis + extra + "\n" + sessions


@pytest.mark.parametrize(("extra", "needle", "key"), BAD)
def test_bad_plan_one_line_naming_file_and_key(
    tmp_path: Path, extra: str, needle: str, key: str | None
) -> None:
    path = write(tmp_path, _base(extra))
    with pytest.raises(ConfigError) as exc:
        load_plan(path)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(str(path))
    assert needle in msg
    if key is not None:
        assert exc.value.key == key
        assert f": {key}: " in msg


@pytest.mark.parametrize(
    ("sessions", "needle"),
    [
        ("", "missing section [sessions]"),
        ("[sessions]\nfollowups = []\n", "missing the baseline"),
        ('[sessions]\nbaseline = { name = "B1", year = 2099 }\n', "between 1950 and"),
        ('[sessions]\nbaseline = { name = "B1", year = "2018" }\n', "between 1950 and"),
        (
            '[sessions]\nbaseline = { name = "B1", year = 2020 }\n'
            'followups = [{ name = "B2", year = 2018 }]\n',
            "cannot come before",
        ),
        (
            '[sessions]\nbaseline = { name = "B1", year = 2018 }\n'
            'followups = [{ name = "b1", year = 2020 }]\n',
            "used twice",
        ),
    ],
)
def test_bad_sessions(tmp_path: Path, sessions: str, needle: str) -> None:
    text = '[organisation]\nid = "0180"\n[kpis]\nids = ["N15428"]\n' + sessions
    with pytest.raises(ConfigError, match=re.escape(needle)):
        load_plan(write(tmp_path, text))


def test_missing_file_and_no_kpis(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="plan init"):
        load_plan(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="no KPIs"):
        parse_plan(
            tomllib.loads('[organisation]\nid="0180"\n[sessions]\nbaseline={name="B",year=2018}')
        )


def test_unknown_meeting_name(tmp_path: Path) -> None:
    p: Plan = load_plan(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match=r"no meeting named 'Benchmarking 9'.*Benchmarking 1"):
        p.meeting("Benchmarking 9")


def test_meetings_table_is_the_sessions_table(tmp_path: Path) -> None:
    old = load_plan(write(tmp_path, GOOD))
    new = parse_plan(tomllib.loads(GOOD.replace("[sessions]", "[meetings]")))
    assert new.meetings == old.meetings and len(new.meetings) == 3
    both = GOOD + '\n[meetings]\nbaseline = { name = "B1", year = 2018 }\n'
    with pytest.raises(ConfigError, match="not both"):
        parse_plan(tomllib.loads(both))
    with pytest.raises(ConfigError, match="missing the baseline") as err:
        parse_plan(tomllib.loads(GOOD.split("[sessions]")[0] + "[meetings]\nfollowups = []\n"))
    assert err.value.key == "meetings.baseline"


def test_session_names_still_work_and_warn(tmp_path: Path) -> None:
    p: Plan = load_plan(write(tmp_path, GOOD))
    with pytest.warns(DeprecationWarning, match="Plan.meetings"):
        assert p.sessions == p.meetings
    with pytest.warns(DeprecationWarning, match=r"Plan.meeting\(\)"):
        assert p.session(None) == p.meetings[-1]
    with pytest.warns(DeprecationWarning, match="Meeting"):
        from koladagap.benchmarking.plan import Session
    assert Session is Meeting
