"""Scoring: sums, means and counts per meeting, movement between meetings, readiness.

:func:`checklist_results` turns :class:`~koladagap.checklist.scores.Scores`
into a :class:`ChecklistResult`: per level and meeting the sum, mean and
counts per score, the movement per item and in total since the previous
meeting and since the first, and readiness by a
:class:`~koladagap.checklist.readiness.ReadinessRule`. Every item must be
scored at the meeting judged (the latest one with scores); unscored items are
reported. For 2024 each level is judged on its own. The items that block
readiness are the ones at or below the floor.

The result holds numbers; its ``*_table`` methods put headers in a language
for the report. The running text (summary and readiness lines) and the chart
are :mod:`koladagap.render.checklist`'s.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from koladagap.checklist._moved import moved
from koladagap.checklist.model import Checklist
from koladagap.checklist.readiness import Readiness, ReadinessRule
from koladagap.checklist.scores import Scores
from koladagap.checklist.text import REPORT_TEXT, language, report_text
from koladagap.errors import InputError


@dataclass(frozen=True)
class ChecklistResult:
    """Sums, means, counts, movement and readiness of one organisation's scores.

    Attributes:
        checklist: the checklist.
        rule: the readiness rule applied.
        sessions: the meetings with scores, in order.
        scores: the scored rows (``level, session, order, item, score,
            comment``) with ``change_prev`` (since the previous meeting with
            scores at the level; ``<NA>`` when the item was not scored at both)
            and ``change_first`` (since the first).
        summary: one row per level and meeting: ``level, session, order,
            n_items, n_scored, sum, max_sum, mean, n_at_<k>`` for each score
            ``k``, ``change_prev`` and ``change_first`` (the item movements
            added up, over items scored at both meetings), ``n_up, n_down``
            (items up and down since the previous meeting).
        items: one row per item: ``level, item, label_sv, label_en``, one
            column per meeting with its score, ``change_prev`` and
            ``change_first`` of the latest meeting.
        readiness: one :class:`Readiness` per level with scores.
    """

    checklist: Checklist
    rule: ReadinessRule
    sessions: tuple[str, ...]
    scores: pd.DataFrame
    summary: pd.DataFrame
    items: pd.DataFrame
    readiness: tuple[Readiness, ...]

    @property
    def ready(self) -> bool:
        """Every level judged meets the rule (``False`` when nothing is scored)."""
        return bool(self.readiness) and all(r.ready for r in self.readiness)

    def summary_lines(self, lang: str = "sv") -> list[str]:
        """Deprecated: :func:`koladagap.render.checklist.summary_lines` (goes in 0.3)."""
        f = moved("ChecklistResult.summary_lines", "summary_lines")
        return list(f(self, lang))

    def readiness_line(self, r: Readiness, lang: str = "sv") -> str:
        """Deprecated: :func:`koladagap.render.checklist.readiness_line` (goes in 0.3)."""
        return str(moved("ChecklistResult.readiness_line", "readiness_line")(self, r, lang))

    def readiness_lines(self, lang: str = "sv") -> list[str]:
        """Deprecated: :func:`koladagap.render.checklist.readiness_lines` (goes in 0.3)."""
        f = moved("ChecklistResult.readiness_lines", "readiness_lines")
        return list(f(self, lang))

    def summary_table(self, lang: str = "sv") -> pd.DataFrame:
        """:attr:`summary` with headers in ``lang`` (for the report)."""
        lang = language(lang)
        c = self.checklist
        s = self.summary.drop(columns=["order"])
        if not c.levels:
            s = s.drop(columns=["level"])
        else:
            s["level"] = s["level"].map(lambda x: c.level_name(x, lang))
        s["mean"] = s["mean"].round(2)
        names = {
            col: report_text(lang, col)
            for col in REPORT_TEXT["sv"]
            if col in s.columns and col != "change_first"
        }
        names.update({f"n_at_{k}": report_text(lang, "n_at", k=k) for k in c.scale})
        names["change_first"] = report_text(lang, "change_first_generic")
        return s.rename(columns=names)

    def items_table(self, lang: str = "sv") -> pd.DataFrame:
        """:attr:`items` with headers in ``lang`` and labels in ``lang`` (for the report)."""
        lang = language(lang)
        c = self.checklist
        t = self.items.copy()
        en = t["label_en"].where(t["label_en"].ne(""), t["label_sv"])
        t.insert(2, "label", en if lang == "en" else t["label_sv"])
        t = t.drop(columns=["label_sv", "label_en"])
        if not c.levels:
            t = t.drop(columns=["level"])
        else:
            t["level"] = t["level"].map(lambda x: c.level_name(x, lang))
        first = self.sessions[0] if self.sessions else ""
        names = {col: report_text(lang, col) for col in ("level", "item", "label", "change_prev")}
        names["change_first"] = report_text(lang, "change_first", first=first)
        return t.rename(columns=names)

    def scores_table(self, lang: str = "sv") -> pd.DataFrame:
        """Every score with its comment, headers in ``lang``."""
        lang = language(lang)
        c = self.checklist
        cols = ["session", "level", "item", "score", "comment", "change_prev", "change_first"]
        t = self.scores[cols].copy()
        if not c.levels:
            t = t.drop(columns=["level"])
        else:
            t["level"] = t["level"].map(lambda x: c.level_name(x, lang))
        names = {col: report_text(lang, col) for col in cols if col != "change_first"}
        names["change_first"] = report_text(lang, "change_first_generic")
        return t.rename(columns=names)

    def readiness_table(self, lang: str = "sv") -> pd.DataFrame:
        """One row per level judged, headers in ``lang``."""
        lang = language(lang)
        c = self.checklist
        rows = [
            {
                report_text(lang, "level"): c.level_name(r.level, lang),
                report_text(lang, "session"): r.session,
                report_text(lang, "ready"): report_text(lang, "yes" if r.ready else "no"),
                report_text(lang, "rule"): self.rule.describe(c, lang),
                report_text(lang, "blocking"): ", ".join(r.blocking),
                report_text(lang, "unscored"): ", ".join(r.unscored),
                report_text(lang, "n_at_least"): r.n_at_least,
                report_text(lang, "needed"): r.needed,
                report_text(lang, "n_items"): r.n_items,
            }
            for r in self.readiness
        ]
        t = pd.DataFrame(rows)
        if not c.levels and len(t):
            t = t.drop(columns=[report_text(lang, "level")])
        return t


def checklist_results(scores: Scores, rule: ReadinessRule | None = None) -> ChecklistResult:
    """Sum, mean, counts per score, movement and readiness, per level and meeting.

    Meetings without any score are left out; movement compares each meeting
    with the previous one that has scores at the same level, item by item
    (an item not scored at both meetings has no movement).

    Examples:
        >>> from koladagap.checklist import get_checklist, scores_from_frame, template_frame
        >>> c = get_checklist("2019")
        >>> t = template_frame(c, ["Uppstart", "Benchmarking 1"])
        >>> t["Poäng (1–3)"] = [1] * 10 + [1, 2, 3, 3, 3, 3, 3, 3, 2, 2]
        >>> res = checklist_results(scores_from_frame(t))
        >>> res.summary[["session", "sum", "mean", "n_at_3", "change_prev", "n_up"]]
                  session  sum  mean  n_at_3  change_prev  n_up
        0        Uppstart   10   1.0       0         <NA>     0
        1  Benchmarking 1   25   2.5       6           15     9
        >>> r = res.readiness[0]
        >>> r.ready, r.blocking, r.n_at_least, r.needed
        (False, ('1',), 6, 6)
    """
    c = scores.checklist
    rule = (rule or ReadinessRule.default(c)).validate(c)
    s = scores.scored
    items = c.items_frame()
    items["label_en"] = [i.label("en") for i in c.items]
    items = items.rename(columns={"label": "label_sv"})
    s = s.merge(items[["level", "item", "position"]], on=["level", "item"], how="left")
    s = s.sort_values(["level", "order", "position"], kind="stable", ignore_index=True)
    s["score_f"] = s["score"].astype("float64")

    # per level: the meetings with scores there, in order; each meeting's predecessor
    meetings = s[["level", "order", "session"]].drop_duplicates().sort_values(["level", "order"])
    meetings["prev"] = meetings.groupby("level")["order"].shift(1)
    meetings["first"] = meetings.groupby("level")["order"].transform("min")
    s = s.merge(meetings[["level", "order", "prev", "first"]], on=["level", "order"], how="left")
    ref = s[["level", "item", "order", "score_f"]]
    prev = ref.rename(columns={"order": "prev", "score_f": "score_prev"})
    first = ref.rename(columns={"order": "first", "score_f": "score_first"})
    s = s.merge(prev, on=["level", "item", "prev"], how="left")
    s = s.merge(first, on=["level", "item", "first"], how="left")
    s["change_prev"] = (s["score_f"] - s["score_prev"]).astype("Int64")
    s["change_first"] = (s["score_f"] - s["score_first"]).astype("Int64")
    s.loc[s["order"].eq(s["first"]), "change_first"] = pd.NA  # the first meeting has no change

    summary = _summary(s, c)
    wide = _items_wide(s, c, items, scores.sessions)
    readiness = _readiness(s, c, rule, meetings)
    keep = ["level", "session", "order", "item", "score", "comment", "change_prev", "change_first"]
    return ChecklistResult(c, rule, scores.sessions, s[keep], summary, wide, readiness)


def sheet_results(path: str | os.PathLike[str], lang: str = "sv") -> ChecklistResult:
    """The result of a filled-in score sheet (xlsx or csv, the shipped checklist's wording).

    Raises:
        InputError: the sheet cannot be read (one line naming the row and column), or
            it holds no scores yet.
    """
    from koladagap.checklist.scores import read_scores

    scores = read_scores(Path(path), None, lang=lang)
    if not scores.sessions:
        raise InputError(f"no scores in {path}: fill in the score sheet first")
    return checklist_results(scores)


def _summary(s: pd.DataFrame, c: Checklist) -> pd.DataFrame:
    cols = ["level", "session", "order", "n_items", "n_scored", "sum", "max_sum", "mean"]
    cols += [f"n_at_{k}" for k in c.scale]
    cols += ["change_prev", "change_first", "n_up", "n_down"]
    if s.empty:
        return pd.DataFrame(columns=cols)
    g = s.groupby(["level", "order", "session"], sort=True)
    out = g.agg(
        n_scored=("score_f", "size"),
        sum=("score_f", "sum"),
        mean=("score_f", "mean"),
        change_prev=("change_prev", lambda x: x.sum(min_count=1)),
        change_first=("change_first", lambda x: x.sum(min_count=1)),
        n_up=("change_prev", lambda x: int((x > 0).sum())),
        n_down=("change_prev", lambda x: int((x < 0).sum())),
    ).reset_index()
    counts = pd.crosstab([s["level"], s["order"]], s["score"].astype(int))
    counts = counts.reindex(columns=list(c.scale), fill_value=0)
    counts.columns = [f"n_at_{k}" for k in c.scale]
    out = out.merge(counts.reset_index(), on=["level", "order"], how="left")
    n_items = pd.Series([i.level for i in c.items]).value_counts()
    out["n_items"] = out["level"].map(n_items).astype("int64")
    out["max_sum"] = out["n_items"] * c.scale_max
    out["sum"] = out["sum"].astype("int64")
    for col in ("change_prev", "change_first"):
        out[col] = out[col].astype("Int64")
    level_rank = {lvl: i for i, lvl in enumerate(c.levels or ("",))}
    out["_lv"] = out["level"].map(level_rank)
    out = out.sort_values(["_lv", "order"], ignore_index=True).drop(columns="_lv")
    return out[cols]


def _items_wide(
    s: pd.DataFrame, c: Checklist, items: pd.DataFrame, sessions: Sequence[str]
) -> pd.DataFrame:
    base = items[["level", "item", "label_sv", "label_en"]].copy()
    if s.empty:
        base["change_prev"] = pd.array([pd.NA] * len(base), dtype="Int64")
        base["change_first"] = pd.array([pd.NA] * len(base), dtype="Int64")
        return base
    wide = s.pivot(index=["level", "item"], columns="session", values="score")
    wide = wide.reindex(columns=[x for x in sessions if x in wide.columns])
    wide.columns = [str(x) for x in wide.columns]
    out = base.merge(wide.reset_index(), on=["level", "item"], how="left")
    # the movement at the latest meeting with scores at the item's level
    latest = s.loc[s["order"].eq(s.groupby("level")["order"].transform("max"))]
    out = out.merge(
        latest[["level", "item", "change_prev", "change_first"]], on=["level", "item"], how="left"
    )
    for col in list(wide.columns) + ["change_prev", "change_first"]:
        out[col] = out[col].astype("Int64")
    return out


def _readiness(
    s: pd.DataFrame, c: Checklist, rule: ReadinessRule, meetings: pd.DataFrame
) -> tuple[Readiness, ...]:
    if s.empty:
        return ()
    last = meetings.groupby("level").tail(1).set_index("level")
    at_last = s.merge(last[["order"]].reset_index(), on=["level", "order"])
    items = c.items_frame()
    joined = items.merge(
        at_last[["level", "item", "score_f"]], on=["level", "item"], how="left"
    ).sort_values("position")
    floor, k = rule.no_item_at_or_below, rule.more_than_half_at_least
    joined["blocking"] = joined["score_f"].le(floor) if floor is not None else False
    joined["at_least"] = joined["score_f"].ge(k) if k is not None else False
    joined["unscored"] = joined["score_f"].isna()
    out: list[Readiness] = []
    for level in [lvl for lvl in (c.levels or ("",)) if lvl in last.index]:
        j = joined.loc[joined["level"].eq(level)]
        n = len(j)
        needed = rule.needed(n) if k is not None else 0
        n_at_least = int(j["at_least"].sum())
        blocking = tuple(j.loc[j["blocking"], "item"])
        unscored = tuple(j.loc[j["unscored"], "item"])
        ready = (
            not blocking
            and (k is None or n_at_least >= needed)
            and not (rule.require_all_scored and unscored)
        )
        out.append(
            Readiness(
                level,
                str(last.loc[level, "session"]),
                ready,
                blocking,
                unscored,
                n,
                n_at_least,
                needed,
            )
        )
    return tuple(out)


__all__ = ["ChecklistResult", "checklist_results", "sheet_results"]
