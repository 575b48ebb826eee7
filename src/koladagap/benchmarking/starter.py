"""The commented starter plan that ``koladagap plan init`` writes (:func:`starter_plan`).

The text names every section of a plan file with its defaults, so a reader can
change one line at a time; :func:`koladagap.benchmarking.plan.parse_plan` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

from koladagap.kolada.metadata import PEER_FAMILIES

_STARTER = """\
# koladagap plan for {name} ({mid}). Edit, then run for example:
#   koladagap deviations --plan {file} --out avvikelser.xlsx
#   koladagap baseline --plan {file} --out baspaket
# Every setting not written here keeps the default printed in the report's
# methods annex. Ids are text in quotes so leading zeros stay ("0180").

[organisation]
id = "{mid}"            # {name}

[comparison]
{peers}
peer_family = "övergripande"
riket = true             # Riket (0000) as a reference line
groups = []              # further municipality groups (G…) shown as context

[kpis]
# Explicit KPI ids (search with: koladagap search TEXT --gender-split) ...
ids = [
{ids}
]{left_out}
# ... and/or Kolada KPI groups: SKR's "Jämställdhet" for {kind_plural} ({group}).
# Members that no longer exist in Kolada are reported.
groups = [{groups}]

# Per-KPI rules override the bundled KPI table (kind, direction, expected gap ...).
# [kpis.{rule_need}]
# direction = "need"      # no value judgement: compare with Riket's gap
# expected = "riket"
# [kpis.{rule_target}]
# target_gap = 0.0        # the organisation's own goal ("koppling till organisationens mål")
# target_year = 2026
# [kpis.{rule_exclude}]
# exclude = true
# reason = "Mäts annorlunda i vår personalredovisning"

[sessions]
# The data year shown at each meeting.
baseline = {{ name = "Benchmarking 1", year = {baseline} }}
followups = [
  {{ name = "Benchmarking 2", year = {followup} }},
]

# Thresholds (defaults shown). Uncomment to change; every report prints those used.
# [thresholds.materiality]
# share_pp = 5.0           # shares: |gap - expected| >= 5 percentage points ...
# share_relative = 0.25    # ... or, for small shares, >= 25 % of the advantaged value
# share_min_pp = 1.0       #     and >= 1 percentage point
# relative = 0.10          # amounts: |gap - expected| / advantaged value >= 10 %
# one_sex_band = [40.0, 60.0]
# [thresholds.credibility]
# alpha = 0.05             # the interval shown for the current year's gap (95 %)
# min_n = 10               # a sex counted fewer than this: too_small
# [thresholds.reference]
# watch_z = 2.75           # unusual among all municipalities of the type: watch ...
# act_z = 3.0              # ... act at this z ...
# act_fdr_q = 0.05         # ... when also the q-value across them is at most this
# pool_years = 3           # years whose distinct observations are pooled

# Gaps inside the organisation: per unit (V11 förskolor, V15 grundskolor, V17
# gymnasieskolor, V21 hemtjänst, V23 särskilda boenden ...), a section of the report.
# [units]
# type = "V15"
# kpis = ["N15428"]

# The organisation's own sex-disaggregated measurements, as extra KPIs
# (template: koladagap measurements template --out egna.xlsx). "Källa: egen mätning".
# [measurements]
# files = ["egna.xlsx"]

# Operating areas for managers (default: the KPI's operating area for a {kind}).
# [areas]
# {area_example}

[report]
lang = "sv"              # "sv" or "en"
"""


_PEERS_KOMMUN = """\
# RKA's "Liknande kommuner" family used as peers (7 kommuner, {name} itself not included):
# {families}"""

_PEERS_REGION = """\
# Peers: Kolada has no "Liknande regioner, övergripande", so "övergripande" means the
# other 20 regioner ("Övriga regioner"). RKA's "Liknande regioner" (7 regioner) are
# the other families: {families}"""

REGION_PEER_FAMILIES = ("övergripande", "socioekonomi", "hälso- och sjukvård (inkl läkemedel)")
"""The peer families of a region: the other 20 regioner, then RKA's "Liknande regioner"."""

_BY_KIND = {
    "kommun": {
        "kind_plural": "kommuner",
        "group": "G2KPI148333",
        "area_example": '"Skola" = ["N15428", "N15436"]',
        "rule_need": "N21704",
        "rule_target": "N15428",
        "rule_exclude": "N00090",
    },
    "region": {
        "kind_plural": "regioner",
        "group": "G2KPI148336",
        "area_example": '"Folkhälsa" = ["U01405", "U01429"]',
        "rule_need": "N00957",
        "rule_target": "N60077",
        "rule_exclude": "N60953",
    },
}


def starter_plan(
    municipality: str,
    name: str,
    kpis: Sequence[str],
    *,
    baseline: int = 2018,
    followup: int = 2022,
    file: str = "plan.toml",
    groups: Sequence[str] = (),
    left_out: str = "",
) -> str:
    """The text of a commented starter plan (what ``koladagap plan init`` writes).

    The text fits the organisation's type, read from its id: a kommun's peers are
    its "Liknande kommuner", a region's the other 20 regioner; the comments name the
    type's "Jämställdhet" KPI group and areas.

    Args:
        municipality: the kommun or region id.
        name: its name, for the comments.
        kpis: the explicit KPI ids.
        baseline: the data year of Benchmarking 1.
        followup: the data year of Benchmarking 2.
        file: the plan's file name, for the commands in the header.
        groups: KPI groups (``[kpis] groups``).
        left_out: one line on the KPIs left out and why, written as a comment.

    Examples:
        >>> import tomllib
        >>> from koladagap.benchmarking.plan import parse_plan
        >>> text = starter_plan("0180", "Stockholm", ["N15428", "N00906"])
        >>> p = parse_plan(tomllib.loads(text))
        >>> p.organisation, p.kpi_ids, p.baseline.year, p.followups[0].year
        ('0180', ('N15428', 'N00906'), 2018, 2022)
        >>> "Övriga regioner" in starter_plan("0001", "Region Stockholm", ["N01982"])
        True
    """
    kind = "region" if municipality.startswith("00") else "kommun"  # columns.org_kind's rule
    ids = "\n".join(f'  "{k}",' for k in kpis)
    if kind == "region":
        peers = _PEERS_REGION.format(families=", ".join(REGION_PEER_FAMILIES[1:]))
    else:
        peers = _PEERS_KOMMUN.format(name=name, families=", ".join(PEER_FAMILIES))
    text = _STARTER.format(
        mid=municipality,
        name=name,
        ids=ids,
        baseline=baseline,
        followup=followup,
        file=file,
        peers=peers,
        kind=kind,
        groups=", ".join(f'"{g}"' for g in groups),
        left_out=f"\n# {left_out}" if left_out else "",
        **_BY_KIND[kind],
    )
    return text.replace("ids = [\n\n]", "ids = []")


__all__ = ["REGION_PEER_FAMILIES", "starter_plan"]
