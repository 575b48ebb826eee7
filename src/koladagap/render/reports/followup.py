"""The follow-up's columns of the report, each number under a label that says what it is.

At a follow-up the overview shows, per KPI:

- ``baseline_year`` and ``gap_baseline``: the gap of the baseline year, the same
  number as ``gaps.csv`` and the baseline pack show for that year (labelled
  ``Skillnad 2018 (K − M)`` when every KPI's baseline year is 2018); for a share of
  one sex its distance from 50/50 (``distance_baseline``);
- ``mean_baseline`` and ``mean_followup``: the means the engine compares (the
  independent measurements of ``reference.pool_years`` years up to each end, or the
  election year of an event KPI), labelled ``Medel 2016–2018`` when every KPI covers
  the same years; ``measure`` says per row what they measure (percentage points,
  per cent on the log scale for amounts, distance from 50/50) and which years;
- ``delta``: the change computed from the two printed means (one decimal), turned
  so that + means worse for the sex behind, as the engine judges it, so a reader
  can reproduce it: for N31814 Vellinge medel 2016–2018 −0,3 and 2020–2022 −9,4
  (men behind) give +9,1.

Examples:
    >>> printed_change(pd.Series([-0.28, 4.64]), pd.Series([-9.43, 5.92]),
    ...                pd.Series([9.15, 1.28])).tolist()
    [9.1, 1.3]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from koladagap.engine.rules import ELECTION_YEARS
from koladagap.render.i18n import Lang, format_setting, level_labels
from koladagap.render.i18n.measures import ONE_SEX, gap_heading, years_heading
from koladagap.render.i18n.movement import change_names, movement_names
from koladagap.render.i18n.report import MEASURE_WORDS
from koladagap.render.reports.model import Column

if TYPE_CHECKING:
    from koladagap.benchmarking.run import PlanResult
    from koladagap.engine import KpiRule

DIGITS = 1
"""The decimals the means and the change are printed with (and kept with)."""


def _number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float).reset_index(drop=True)


def printed_change(before: pd.Series, after: pd.Series, delta: pd.Series) -> pd.Series:
    """The change of two means as printed (``DIGITS`` decimals), turned like ``delta``.

    ``delta`` is the engine's change (+ = worse); its sign against ``after − before``
    says which way is worse for the row, and the printed means give the size.
    """
    b, a, d = (_number(x) for x in (before, after, delta))
    raw = (a - b).to_numpy(dtype=float)
    dv = d.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        turn = np.where((raw != 0) & (dv != 0), np.sign(raw) * np.sign(dv), 1.0)
    shown = turn * (a.round(DIGITS) - b.round(DIGITS)).to_numpy(dtype=float)
    out = pd.Series(np.round(shown, DIGITS) + 0.0, dtype=float)
    return out.where(d.notna().to_numpy() & np.isfinite(shown))


def _election_year(year: pd.Series) -> pd.Series:
    """The latest election year at or before each year (missing stays missing)."""
    ey = np.array(sorted(ELECTION_YEARS), dtype="int64")
    y = pd.to_numeric(year, errors="coerce").to_numpy(dtype=float)
    pos = np.searchsorted(ey, np.nan_to_num(y), side="right") - 1
    out = np.where(pos >= 0, ey[np.maximum(pos, 0)], y)
    return pd.Series(np.where(np.isfinite(y), out, np.nan)).astype("Int64")


def _windows(c: pd.DataFrame) -> dict[str, pd.Series]:
    """Per row the years of each end's mean: ``first``/``last`` at baseline and follow-up."""
    event = c["compared_on"].astype("string").eq("election_years").fillna(False)
    known = c["compared_on"].notna().to_numpy(dtype=bool)
    pool = pd.to_numeric(c["pool_years"], errors="coerce").fillna(1).astype(int)
    out: dict[str, pd.Series] = {}
    for end, col in (("b", "baseline_year"), ("f", "followup_year")):
        year = pd.to_numeric(c[col], errors="coerce").astype("Int64").reset_index(drop=True)
        last = year.where(~event.to_numpy(), _election_year(year))
        first = last.where(event.to_numpy(), last - pool.to_numpy() + 1)
        out[f"last_{end}"] = last.where(known)
        out[f"first_{end}"] = first.where(known)
        out[f"year_{end}"] = last
    out["event"] = event.reset_index(drop=True)
    return out


def _years_text(first: pd.Series, last: pd.Series, lang: Lang) -> pd.Series:
    """``"medel 2016–2018"`` or ``"2018"`` per row (missing where a year is missing)."""
    return pd.Series(
        [
            years_heading(lang, int(f), int(y)) if pd.notna(f) and pd.notna(y) else pd.NA
            for f, y in zip(first, last, strict=True)
        ],
        dtype="string",
    )


def _common(texts: pd.Series) -> str | None:
    """The one value every known row shares, else ``None``."""
    known = texts.dropna().unique()
    return str(known[0]) if len(known) == 1 else None


def _measure(kinds: pd.Series, excess: pd.Series, w: dict[str, pd.Series], lang: Lang) -> pd.Series:
    """Per row what the means measure and the years they cover, in words."""
    words = MEASURE_WORDS[lang]
    what = kinds.map(words).fillna(words["share"]).astype("string")
    less = np.where(excess.to_numpy(dtype=bool), words["excess"], "")
    what = what + pd.Series(less, index=what.index, dtype="string")
    b = _years_text(w["first_b"], w["last_b"], lang)
    f = _years_text(w["first_f"], w["last_f"], lang)
    event = w["event"].to_numpy(dtype=bool)
    b = b.where(~event, words["election"] + w["last_b"].astype("string"))
    f = f.where(~event, words["election"] + w["last_f"].astype("string"))
    years = "; " + b + words["and"] + f
    out: pd.Series = (what + years.fillna("")).astype("string")
    return out


def _label(common: str | None, fallback: str) -> str:
    """A mean's header: ``"Medel 2016–2018"`` when every row covers those years."""
    if common is None:
        return fallback
    if common[:1].isdigit():
        return f"{fallback} ({common})"
    return common[:1].upper() + common[1:]


LABEL_PREFIX = "label:"
"""Data columns holding a row's own header of a column (``label:mean_baseline`` …): the
notices, one KPI each, say the years of that KPI where the table's header cannot."""


def _row_labels(w: dict[str, pd.Series], lang: Lang, t: Mapping[str, Any]) -> pd.DataFrame:
    """Per row the headers of the baseline's gap and of both means, with the row's years."""
    words = MEASURE_WORDS[lang]
    event = w["event"].to_numpy(dtype=bool)
    year = w["year_b"].astype("string")
    out = {
        "gap_baseline": year.map(lambda y: gap_heading(lang, years=y), na_action="ignore"),
        "distance_baseline": year.map(
            lambda y: gap_heading(lang, kind=ONE_SEX, years=y), na_action="ignore"
        ),
    }
    for end, key in (("b", "mean_baseline"), ("f", "mean_followup")):
        text = _years_text(w[f"first_{end}"], w[f"last_{end}"], lang)
        text = text.where(~event, words["election"] + w[f"last_{end}"].astype("string"))
        out[key] = text.map(lambda x, k=key: _label(str(x), str(t[k])), na_action="ignore")
    frame = pd.DataFrame({LABEL_PREFIX + k: v.astype("string") for k, v in out.items()})
    return frame.reset_index(drop=True)


def followup_columns(
    result: PlanResult, kpis: pd.Series, lang: Lang, t: Mapping[str, Any]
) -> tuple[pd.DataFrame, list[Column]]:
    """The follow-up's columns for the overview rows ``kpis``: data and labelled columns."""
    assert result.comparison is not None
    c = result.comparison.set_index("kpi").reindex(kpis.astype(str)).reset_index(drop=True)
    rules: Mapping[str, KpiRule] = result.rules
    ids = kpis.astype(str).reset_index(drop=True)
    kinds = ids.map({k: r.kind for k, r in rules.items()}).astype("string")
    one = kinds.eq(ONE_SEX).fillna(False).to_numpy(dtype=bool)
    excess = ids.map(
        {k: isinstance(r.expected, int | float) and r.expected != 0 for k, r in rules.items()}
    ).fillna(False)
    w = _windows(c)
    gap_b = _number(c["gap_baseline"])
    mean_b = _number(c["evidence_baseline"]).round(DIGITS) + 0.0  # no "−0,0"
    mean_f = _number(c["evidence_followup"]).round(DIGITS) + 0.0
    measured = (mean_b.notna() | mean_f.notna()).to_numpy(dtype=bool)
    names = level_labels(lang)
    target = [
        _target_text(g, v, y, lang, t)
        for g, v, y in zip(c["target_gap"], c["target_value"], c["target_year"], strict=True)
    ]
    data = pd.DataFrame(
        {
            "baseline_year": w["year_b"],
            "gap_baseline": gap_b.where(~one),
            "distance_baseline": gap_b.where(one),
            "measure": _measure(kinds, excess, w, lang).where(measured),
            "mean_baseline": mean_b,
            "mean_followup": mean_f,
            "delta": printed_change(mean_b, mean_f, c["delta"]),
            "change": change_names(c["change"], lang),
            "level_baseline": c["level_baseline"].astype("string").map(names).astype("string"),
            "flag_movement": movement_names(c["flag_movement"], lang),
            "target": pd.Series(target, dtype="string"),
            "to_target": _number(c["gap_to_target"]),
            "on_track": c["gap_on_track"].astype(object).where(c["gap_on_track"].notna(), None),
        }
    )
    data = data.join(_row_labels(w, lang, t))
    year = _common(w["year_b"].astype("string"))
    one_dp = {"digits": DIGITS, "decimals": DIGITS}
    columns = [
        Column("baseline_year", t["baseline_year"], "int"),
        Column(
            "gap_baseline",
            gap_heading(lang, years=year) if year else t["gap_baseline"],
            "number",
        ),
    ]
    if one.any():
        label = gap_heading(lang, kind=ONE_SEX, years=year) if year else t["distance_baseline"]
        columns.append(Column("distance_baseline", label, "number"))
    columns += [
        Column("measure", t["measure"]),
        Column(
            "mean_baseline",
            _label(_common(_years_text(w["first_b"], w["last_b"], lang)), t["mean_baseline"]),
            "number",
            **one_dp,  # type: ignore[arg-type]
        ),
        Column(
            "mean_followup",
            _label(_common(_years_text(w["first_f"], w["last_f"], lang)), t["mean_followup"]),
            "number",
            **one_dp,  # type: ignore[arg-type]
        ),
        Column("delta", t["delta"], "number", sign=True, **one_dp),  # type: ignore[arg-type]
        Column("change", t["change"]),
        Column("level_baseline", t["level_baseline"]),
        Column("flag_movement", t["flag_movement"]),
        Column("target", t["target"]),
        Column("to_target", t["to_target"], "number"),
        Column("on_track", t["on_track"], "setting"),
    ]
    return data, columns


def _target_text(gap: Any, value: Any, year: Any, lang: Lang, t: Mapping[str, Any]) -> str:
    """The organisation's own target: ``skillnad 0 år 2026`` (settings of the plan)."""
    parts = [
        t[key].format(v=format_setting(float(x), lang))
        for key, x in (("target_gap", gap), ("target_value", value))
        if pd.notna(x)
    ]
    if not parts:
        return ""
    by = t["target_by"].format(year=int(year)) if pd.notna(year) else ""
    return ", ".join(parts) + by


__all__ = ["DIGITS", "LABEL_PREFIX", "followup_columns", "printed_change"]
