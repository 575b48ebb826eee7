"""The members' checklists side by side: a table and a chart of the mean score per meeting.

``NetworkResult.scores`` maps a member id to its
:class:`koladagap.checklist.ChecklistResult`. :func:`checklist_table` stacks their
summaries (one row per member, level and meeting: sum, maximum, mean, the movement
since the previous meeting) with the readiness rule's verdict at the latest meeting;
:func:`draw_checklist` draws the mean score per member and meeting as grouped bars.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from koladagap.benchmarking.network_model import NetworkResult
from koladagap.render.i18n import check_lang, format_number
from koladagap.render.i18n.network import text
from koladagap.render.network.charts import _figure, attribution
from koladagap.render.network.model import organisations
from koladagap.render.style import OKABE_ITO

SESSION_COLOURS = ("grey", "sky", "blue", "orange", "green", "purple")
"""The meetings' bar colours, in order (Okabe–Ito names)."""


def checklist_table(result: NetworkResult) -> pd.DataFrame:
    """One row per member × level × meeting with scores, in the network's order.

    Columns: ``member, level, session, sum, max_sum, mean, change_prev, ready``
    (``ready`` is the rule's verdict for the level at its latest meeting, else empty).
    """
    lang = check_lang(result.lang)
    yes_no = {True: text(lang, "yes"), False: text(lang, "no")}
    names = dict(zip(organisations(result)["id"], organisations(result)["header"], strict=True))
    frames = []
    for mid in [m for m in names if m in result.scores]:
        res: Any = result.scores[mid]
        c = res.checklist
        s = res.summary.copy()
        s["member"] = names[mid]
        verdicts = {(r.level, r.session): yes_no[bool(r.ready)] for r in res.readiness}
        keys = zip(s["level"].astype(str), s["session"].astype(str), strict=True)
        s["ready"] = [verdicts.get(k, "") for k in keys]
        s["level"] = s["level"].astype(str).map(lambda v, c=c: c.level_name(v, lang) if v else "")
        frames.append(s)
    cols = ["member", "level", "session", "sum", "max_sum", "mean", "change_prev", "ready"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out: pd.DataFrame = pd.concat(frames, ignore_index=True).loc[:, cols]
    out["mean"] = pd.to_numeric(out["mean"], errors="coerce").round(2)
    return out


def checklist_headers(lang: str) -> list[str]:
    """The table's headers in ``lang``."""
    keys = ("member", "ck_level", "meeting", "ck_sum", "ck_max", "ck_mean", "ck_change", "ck_ready")
    return [text(lang, k) for k in keys]


def draw_checklist(result: NetworkResult, ax: Axes) -> Axes:
    """Mean score per member (groups) and meeting (bars), the first level of each checklist."""
    lang = check_lang(result.lang)
    t = checklist_table(result)
    t = t.loc[t["level"] == t.groupby("member")["level"].transform("first")]
    members = list(dict.fromkeys(t["member"]))
    sessions = list(dict.fromkeys(t["session"]))
    width = 0.8 / max(len(sessions), 1)
    x = np.arange(len(members))
    for k, session in enumerate(sessions):
        rows = t.loc[t["session"] == session].set_index("member").reindex(members)
        mean = pd.to_numeric(rows["mean"], errors="coerce").to_numpy(dtype=float)
        colour = OKABE_ITO[SESSION_COLOURS[k % len(SESSION_COLOURS)]]
        pos = x - 0.4 + width * (k + 0.5)
        ax.bar(pos, np.nan_to_num(mean), width=width * 0.92, color=colour, label=session)
        for xi, m in zip(pos, mean, strict=True):
            if np.isfinite(m):
                ax.text(xi, m, format_number(m, lang), ha="center", va="bottom", fontsize=9)
    ready = t.drop_duplicates("member", keep="last").set_index("member")["ready"]
    ax.set_xticks(x, [f"{m}\n{text(lang, 'ck_ready')}: {ready.get(m, '')}" for m in members])
    ax.set_ylabel(text(lang, "ck_mean"), fontsize=11)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, lang)))
    ax.tick_params(labelsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=10)
    fig = _figure(ax)
    fig.subplots_adjust(left=0.08, right=0.8, top=0.95, bottom=0.2)
    attribution(fig, lang, text(lang, "ck_source"))
    return ax


__all__ = ["checklist_headers", "checklist_table", "draw_checklist"]
