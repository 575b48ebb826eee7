"""Thresholds and per-KPI rules of the deviation method, as frozen dataclasses.

Every number the engine uses to turn a gap into a level lives here, with the
method's default. A plan file (TOML) maps onto these classes one to one: the
section names are the attribute names (``materiality``, ``credibility``,
``reference``, ``followup``) and the keys are the field names, so
``[thresholds.materiality] share_pp = 3`` means
``Thresholds().replace(**{"materiality.share_pp": 3})``.

Examples:
    >>> t = Thresholds().replace(**{"materiality.share_pp": 3.0, "reference.act_z": 3.5})
    >>> t.materiality.share_pp, t.reference.act_z
    (3.0, 3.5)
    >>> try:
    ...     Thresholds().replace(**{"reference.act_z": 1.0})
    ... except ConfigError as err:
    ...     print(err)
    reference.act_z: must be greater than reference.watch_z (2.75); got 1.0
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from koladagap.errors import ConfigError

Kind = Literal["share", "amount", "share_of_one_sex", "gap_value"]
Direction = Literal["higher_is_better", "lower_is_better", "need", "parity_target"]
Expected = float | Literal["riket", "peers"] | None

KINDS: tuple[str, ...] = ("share", "amount", "share_of_one_sex", "gap_value")
DIRECTIONS: tuple[str, ...] = ("higher_is_better", "lower_is_better", "need", "parity_target")
EXPECTED_WORDS: tuple[str, ...] = ("riket", "peers")

MAX_COUNT = 1_000_000_000
"""The largest count a threshold may name (``credibility.min_n``): beyond any population."""
MAX_MUNICIPALITIES = 10_000
"""The largest ``reference.min_n``: Sweden has 290 kommuner and 21 regioner."""


@dataclass(frozen=True)
class Materiality:
    """When a gap is large enough to matter (method section 4, *Material*).

    Attributes:
        share_pp: shares (%): the excess gap must be at least this many
            percentage points (default 5.0) ...
        share_relative: ... or, for small shares (unemployment at 3–5 %), at
            least this fraction of the advantaged sex's value (0.25) ...
        share_min_pp: ... and at least this many pp (1.0). Without it no gap in
            a share below 10 % could ever be material at 5 pp.
        relative: amounts (kr, days, rates, index): the excess gap divided by
            the advantaged sex's value must be at least this fraction (0.10).
        one_sex_band: shares of one sex (N00943, N00945, N05815, N05816): the
            even band; a value outside it (strictly below the lower or above
            the upper end) is material. Default (40.0, 60.0) as SCB defines
            an even gender distribution.
        gap_value_tolerance: gap values (N00951, the pay gap in kr): the
            value must differ from the target by more than this. Default
            1000.0 (kr per month), about 3 % of the median monthly pay of a
            municipal employee; a choice of koladagap, see docs/methods.md.
    """

    share_pp: float = 5.0
    share_relative: float = 0.25
    share_min_pp: float = 1.0
    relative: float = 0.10
    one_sex_band: tuple[float, float] = (40.0, 60.0)
    gap_value_tolerance: float = 1000.0


@dataclass(frozen=True)
class Credibility:
    """Chance and counts (method section 4, *Credible*).

    Whether a gap is more than chance is judged by the reference (the funnel
    z of :class:`Reference` accounts for each municipality's precision); these
    settings cover the confidence interval shown for the current year and the
    smallest groups.

    Attributes:
        alpha: two-sided level of the interval shown for the current year's gap
            (Newcombe when counts are known, margins of error when published):
            0.05, i.e. 95 % intervals.
        min_n: a sex with a known count below this gives ``too_small`` (10).
    """

    alpha: float = 0.05
    min_n: int = 10


@dataclass(frozen=True)
class Reference:
    """Is the gap unusual among all municipalities of the same type, beyond chance?

    The evidence is the mean of the gap over the distinct observations of the
    last ``pool_years`` years (a value repeated from an earlier year, or a
    survey estimate that pools several years, counts once); it is compared
    with every municipality of the same type by a funnel z that allows for
    each municipality's precision and for real between-municipality spread
    (see docs/methods.md). The z is oriented: positive means further in the
    direction of this municipality's own disadvantage than is typical.

    Attributes:
        watch_z: a material gap with z at least this is ``watch`` (2.75).
        act_z: ... and ``act`` at least this (3.0) ...
        act_fdr_q: ... when also the Benjamini–Hochberg q-value of its
            two-sided p-value, across all municipalities of the type for the KPI
            and year, is at most this (0.05): ``act`` asks for action, so its
            false discoveries are controlled across the screen.
        pool_years: the window of years whose distinct observations are
            pooled (3).
        min_n: fewest municipalities with a value needed to compute z; fewer
            gives no z and the level stays at ``info`` (10).
    """

    watch_z: float = 2.75
    act_z: float = 3.0
    act_fdr_q: float = 0.05
    pool_years: int = 3
    min_n: int = 10


@dataclass(frozen=True)
class FollowUp:
    """When a change between baseline and follow-up counts (method section 5).

    Attributes:
        min_change_pp: shares: ``|Δ|`` must reach this many pp (2.0).
        min_change_relative: amounts: ``|Δ|`` must reach this fraction of the
            advantaged sex's baseline value (0.05).
        baseline_fraction: and at least this fraction of the baseline gap (1/3).
        z: a change counts only when significant at this z (1.96); its
            standard error comes from the reference's chance part at both ends.
        noise_quantile: the "normal variation" shown beside a change is this
            quantile of |Δgap| from one year to the next across all
            municipalities of the same type, per KPI (0.90); for reading only.
        mean_years: the trend toward a target starts this many years before the
            baseline year, the baseline included (3).
    """

    min_change_pp: float = 2.0
    min_change_relative: float = 0.05
    baseline_fraction: float = 1.0 / 3.0
    z: float = 1.96
    noise_quantile: float = 0.90
    mean_years: int = 3


_SECTIONS = ("materiality", "credibility", "reference", "followup")

REMOVED: dict[str, str] = {
    "credibility.fdr_q": "act is controlled across the screen by reference.act_fdr_q",
    "credibility.persistence_years": "evidence is pooled over reference.pool_years",
    "credibility.persistence_hits": "evidence is pooled over reference.pool_years",
    "reference.act_watch_years": "evidence is pooled over reference.pool_years",
    "reference.act_watch_hits": "evidence is pooled over reference.pool_years",
    "followup.far_apart_years": "changes compare the pooled evidence of both ends",
}
"""Thresholds of the earlier method, with what replaced them (a plan naming one gets an
error that says so)."""


@dataclass(frozen=True)
class Thresholds:
    """All thresholds of the method, grouped by step. Defaults are the method's."""

    materiality: Materiality = field(default_factory=Materiality)
    credibility: Credibility = field(default_factory=Credibility)
    reference: Reference = field(default_factory=Reference)
    followup: FollowUp = field(default_factory=FollowUp)

    def replace(self, **changes: Any) -> Thresholds:
        """A copy with some thresholds changed, validated.

        Keys are dotted (``"materiality.share_pp"``) or use a double
        underscore (``materiality__share_pp``); a section name alone
        replaces the whole section with a dataclass or a mapping.

        Raises:
            ConfigError: an unknown key (naming the accepted ones) or a value
                out of range.
        """
        sections: dict[str, Any] = {s: getattr(self, s) for s in _SECTIONS}
        for raw_key, value in changes.items():
            key = raw_key.replace("__", ".")
            section, _, name = key.partition(".")
            if section not in sections:
                raise ConfigError(
                    f"unknown threshold section; accepted: {', '.join(_SECTIONS)}", key=key
                )
            current = sections[section]
            if not name:
                if isinstance(value, Mapping):
                    sections[section] = _section_from_mapping(type(current), value, section)
                elif isinstance(value, type(current)):
                    sections[section] = value
                else:
                    raise ConfigError(
                        f"expected a table of {type(current).__name__} settings", key=key
                    )
                continue
            names = [f.name for f in fields(current)]
            if key in REMOVED:
                raise ConfigError(f"no longer used: {REMOVED[key]}; delete the line", key=key)
            if name not in names:
                raise ConfigError(f"unknown threshold; accepted: {', '.join(names)}", key=key)
            sections[section] = dataclasses.replace(
                current, **{name: _coerce(value, current, name, key)}
            )
        out = Thresholds(**sections)
        out.validate()
        return out

    def validate(self) -> None:
        """Check every threshold against its accepted range.

        Raises:
            ConfigError: naming the dotted key and the accepted range.
        """
        m, c, r, f = self.materiality, self.credibility, self.reference, self.followup
        _check_range("materiality.share_pp", m.share_pp, 0.0, 100.0, low_open=True)
        _check_range("materiality.relative", m.relative, 0.0, 10.0, low_open=True)
        lo, hi = _band(m.one_sex_band)
        if not 0.0 <= lo < 50.0 < hi <= 100.0:
            raise ConfigError(
                f"must satisfy 0 <= low < 50 < high <= 100; got ({lo}, {hi})",
                key="materiality.one_sex_band",
            )
        _check_range("materiality.gap_value_tolerance", m.gap_value_tolerance, 0.0, None)
        _check_range("materiality.share_relative", m.share_relative, 0.0, 10.0, low_open=True)
        _check_range("materiality.share_min_pp", m.share_min_pp, 0.0, 100.0)
        _check_range("credibility.alpha", c.alpha, 0.0, 0.5, low_open=True)
        _check_int("credibility.min_n", c.min_n, 0, MAX_COUNT)
        _check_range("reference.watch_z", r.watch_z, 0.0, None, low_open=True)
        _check_range("reference.act_z", r.act_z, 0.0, None, low_open=True)
        if r.act_z <= r.watch_z:
            raise ConfigError(
                f"must be greater than reference.watch_z ({r.watch_z}); got {r.act_z}",
                key="reference.act_z",
            )
        _check_range("reference.act_fdr_q", r.act_fdr_q, 0.0, 1.0, low_open=True)
        _check_int("reference.pool_years", r.pool_years, 1, 20)
        _check_int("reference.min_n", r.min_n, 3, MAX_MUNICIPALITIES)
        _check_range("followup.min_change_pp", f.min_change_pp, 0.0, 100.0)
        _check_range("followup.min_change_relative", f.min_change_relative, 0.0, 10.0)
        _check_range("followup.baseline_fraction", f.baseline_fraction, 0.0, 1.0)
        _check_range("followup.z", f.z, 0.0, None, low_open=True)
        _check_range("followup.noise_quantile", f.noise_quantile, 0.0, 1.0, low_open=True)
        _check_int("followup.mean_years", f.mean_years, 1, 20)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Nested plain dict (JSON/TOML friendly; the band becomes a list)."""
        out: dict[str, dict[str, Any]] = {}
        for s in _SECTIONS:
            sec = getattr(self, s)
            out[s] = {
                f.name: list(v) if isinstance(v := getattr(sec, f.name), tuple) else v
                for f in fields(sec)
            }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        """Thresholds from a nested mapping (as :meth:`to_dict` writes), validated.

        Missing keys keep their defaults; unknown ones raise :class:`ConfigError`.
        """
        flat: dict[str, Any] = {}
        for section, values in data.items():
            if not isinstance(values, Mapping):
                raise ConfigError("expected a table of settings", key=str(section))
            for k, v in values.items():
                flat[f"{section}.{k}"] = v
        return cls().replace(**flat)

    def to_dict_flat(self) -> dict[str, Any]:
        """``{"materiality.share_pp": 5.0, ...}``: every threshold by its dotted key."""
        return {f"{s}.{k}": v for s, sec in self.to_dict().items() for k, v in sec.items()}


def _section_from_mapping(cls: type[Any], data: Mapping[str, Any], section: str) -> Any:
    names = [f.name for f in fields(cls)]
    out = cls()
    for k, v in data.items():
        if f"{section}.{k}" in REMOVED:
            raise ConfigError(
                f"no longer used: {REMOVED[f'{section}.{k}']}; delete the line",
                key=f"{section}.{k}",
            )
        if k not in names:
            raise ConfigError(
                f"unknown threshold; accepted: {', '.join(names)}", key=f"{section}.{k}"
            )
        out = dataclasses.replace(out, **{k: _coerce(v, out, k, f"{section}.{k}")})
    return out


def _coerce(value: Any, section: Any, name: str, key: str) -> Any:
    """Convert a TOML/JSON value to the type of the field's default."""
    default = getattr(type(section)(), name)
    if isinstance(default, tuple):
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ConfigError(f"expected two numbers [low, high]; got {value!r}", key=key)
        return tuple(_number(x, key) for x in value)
    if isinstance(default, bool):  # pragma: no cover - no bool thresholds today
        if not isinstance(value, bool):
            raise ConfigError(f"expected true or false; got {value!r}", key=key)
        return value
    if isinstance(default, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"expected a whole number; got {shown_value(value)}", key=key)
        return value
    return _number(value, key, finite=False)  # the range check names the accepted range


def _number(value: Any, key: str, *, finite: bool = True) -> float:
    """``value`` as a finite float, or a one-line :class:`ConfigError` naming ``key``.

    >>> _number(3, "reference.act_z")
    3.0
    >>> try:
    ...     _number(float("inf"), "reference.act_z")
    ... except ConfigError as err:
    ...     print(err)
    reference.act_z: expected a finite number; got inf
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"expected a number; got {value!r}", key=key)
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        number = math.inf
    if finite and not math.isfinite(number):
        raise ConfigError(f"expected a finite number; got {shown_value(value)}", key=key)
    return number


def _band(band: Any) -> tuple[float, float]:
    if not isinstance(band, tuple | list) or len(band) != 2:
        raise ConfigError(
            f"expected two numbers [low, high]; got {band!r}", key="materiality.one_sex_band"
        )
    return _number(band[0], "materiality.one_sex_band"), _number(
        band[1], "materiality.one_sex_band"
    )


def _check_range(
    key: str, value: Any, low: float, high: float | None, *, low_open: bool = False
) -> None:
    v = _number(value, key, finite=False)
    ok = (v > low if low_open else v >= low) and (high is None or v <= high)
    if not ok or not math.isfinite(v):
        lo_txt = f"> {low}" if low_open else f">= {low}"
        rng = lo_txt + (f" and <= {high}" if high is not None else "")
        what = "" if math.isfinite(v) else "a finite number "
        raise ConfigError(f"must be {what}{rng}; got {shown_value(value)}", key=key)


def _check_int(key: str, value: Any, low: int, high: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"expected a whole number; got {shown_value(value)}", key=key)
    if value < low or (high is not None and value > high):
        rng = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ConfigError(f"must be a whole number {rng}; got {shown_value(value)}", key=key)


def shown_value(value: Any) -> str:
    """``value`` for a one-line message: an integer too long to read is named by its size.

    >>> shown_value(2.5), shown_value(10**40)
    ('2.5', 'a number of 41 digits')
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return f"a number of {len(str(abs(value)))} digits"
    return repr(value)


@dataclass(frozen=True)
class KpiRule:
    """How one KPI is judged: the KPI table's row, possibly overridden by a plan.

    Attributes:
        kpi: the KPI id (``"N15428"``).
        kind: ``share`` (%), ``amount`` (kr, days, rates, index),
            ``share_of_one_sex`` (the value is one sex's share, parity 50) or
            ``gap_value`` (the value is already a gap, e.g. kr).
        direction: ``higher_is_better``, ``lower_is_better``, ``need`` (no value
            judgement: no disadvantaged sex, compare with ``expected``) or
            ``parity_target`` (the sex below parity is the disadvantaged one).
        expected: the gap regarded as normal: a number in the KPI's unit
            (``0`` by default), ``"riket"`` (Riket's gap in the same year) or
            ``"peers"`` (the median gap of the municipality's peers). For
            ``gap_value`` it is the target value (0); for ``share_of_one_sex``
            it shifts parity (``expected = 2`` means 52 is "even").
        exclude: leave the KPI out (level ``excluded``) — with ``reason``.
        reason: why it is excluded (or any note), shown in reports.
        denominator_kpi: a KPI whose women/men values are the counts behind
            this share (e.g. inhabitants 80+ for N21704): enables Newcombe tests.
        moe_kpi: a KPI whose women/men values are published 95 % margins of
            error (e.g. U01511 for U01405): enables the margin-of-error test.
        event: the value repeats between events (elections): only election
            years are evaluated and compared.
        pooled_years: each published value pools this many years (a survey
            estimate over four years: 4; a 3-year average: 3); only values that
            do not overlap are pooled as evidence (1: annual values).
        provisional: the rule was guessed (the KPI is in neither the KPI table
            nor the plan): such a KPI reaches at most ``info`` until the plan
            gives it a rule.
        share_of: for ``share_of_one_sex``: whose share the value is,
            ``"K"`` (women) or ``"M"`` (men).
        title: a short title for labels (``girls/boys`` when about pupils).
        target_gap: follow-up goal for the gap (K − M, KPI unit).
        target_value: follow-up goal for the value of each sex.
        target_year: the year the goals should be reached.
        overrides: thresholds for this KPI only (``None``: the plan's).
    """

    kpi: str
    kind: Kind = "share"
    direction: Direction = "higher_is_better"
    expected: Expected = None
    exclude: bool = False
    reason: str = ""
    denominator_kpi: str | None = None
    moe_kpi: str | None = None
    event: bool = False
    pooled_years: int = 1
    provisional: bool = False
    share_of: Literal["K", "M"] | None = None
    title: str = ""
    target_gap: float | None = None
    target_value: float | None = None
    target_year: int | None = None
    overrides: Thresholds | None = None

    def validate(self) -> None:
        """Check kind, direction, expected and targets.

        Raises:
            ConfigError: naming ``kpis.<id>.<field>`` and the accepted values.
        """
        key = f"kpis.{self.kpi}"
        if self.kind not in KINDS:
            raise ConfigError(
                f"unknown kind {self.kind!r}; accepted: {', '.join(KINDS)}", key=f"{key}.kind"
            )
        if self.direction not in DIRECTIONS:
            raise ConfigError(
                f"unknown direction {self.direction!r}; accepted: {', '.join(DIRECTIONS)}",
                key=f"{key}.direction",
            )
        e = self.expected
        if not (e is None or (isinstance(e, str) and e in EXPECTED_WORDS) or _is_number(e)):
            raise ConfigError(
                f"expected must be a finite number, 'riket' or 'peers'; got {e!r}",
                key=f"{key}.expected",
            )
        if self.share_of not in (None, "K", "M"):
            raise ConfigError(
                f"expected share_of = 'K' or 'M'; got {self.share_of!r}", key=f"{key}.share_of"
            )
        if self.kind == "share_of_one_sex" and self.share_of not in ("K", "M"):
            raise ConfigError(
                "a share_of_one_sex KPI needs share_of = 'K' or 'M'", key=f"{key}.share_of"
            )
        for name in ("target_gap", "target_value"):
            v = getattr(self, name)
            if v is not None and not _is_number(v):
                raise ConfigError(f"expected a finite number; got {v!r}", key=f"{key}.{name}")
        self._validate_types(key)
        if self.target_year is not None and (
            isinstance(self.target_year, bool)
            or not isinstance(self.target_year, int)
            or not 1950 <= self.target_year <= 2100
        ):
            raise ConfigError(
                f"expected a year between 1950 and 2100; got {self.target_year!r}",
                key=f"{key}.target_year",
            )
        if (
            isinstance(self.pooled_years, bool)
            or not isinstance(self.pooled_years, int)
            or not 1 <= self.pooled_years <= 20
        ):
            raise ConfigError(
                f"expected a whole number of years from 1 to 20; got {self.pooled_years!r}",
                key=f"{key}.pooled_years",
            )
        if self.overrides is not None:
            self.overrides.validate()

    def _validate_types(self, key: str) -> None:
        """Text fields hold text and KPI references ids (flags are checked where read)."""
        for name in ("reason", "title"):
            if not isinstance(getattr(self, name), str):
                raise ConfigError(
                    f'expected text in quotes, e.g. {name} = "…"; got {getattr(self, name)!r}',
                    key=f"{key}.{name}",
                )
        for name in ("denominator_kpi", "moe_kpi"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise ConfigError(
                    f"expected a KPI id such as U01511; got {v!r}", key=f"{key}.{name}"
                )

    @property
    def expected_source(self) -> str:
        """``"number"``, ``"riket"`` or ``"peers"``."""
        return self.expected if isinstance(self.expected, str) else "number"

    @property
    def expected_number(self) -> float:
        """The numeric expected gap (0 when ``None`` or a word)."""
        e = self.expected
        return float(e) if isinstance(e, int | float) and not isinstance(e, bool) else 0.0


def _is_number(x: Any) -> bool:
    """A finite int or float (not a bool; an int beyond any float is not finite).

    >>> _is_number(2), _is_number(float("nan")), _is_number(10**400), _is_number(True)
    (True, False, False, False)
    """
    if isinstance(x, bool) or not isinstance(x, int | float):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


__all__ = [
    "DIRECTIONS",
    "KINDS",
    "Credibility",
    "FollowUp",
    "KpiRule",
    "Materiality",
    "Reference",
    "Thresholds",
]
