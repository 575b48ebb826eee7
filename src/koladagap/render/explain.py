"""Plain-language reasons for a level, in Swedish (default) or English.

The engine's ``reasons`` column is machine-readable (``material:7pp; evidence:3
obs size; reference:z=4.3 p99 q=0.001``). Managers read :func:`explain`'s
sentences instead, built from the result's structured columns, vectorised over
the rows.

Examples:
    >>> import pandas as pd
    >>> row = pd.DataFrame({"level": ["act"], "kind": ["share"], "gap": [-7.0],
    ...     "relative_gap": [-0.29], "total": [20.0], "disadvantaged_label": ["kvinnor"],
    ...     "disadvantaged_label_en": ["women"], "z_ref": [4.3], "evidence_years": [2],
    ...     "reference_median": [-1.5], "repeated": [False], "reasons": ["material:7pp"]})
    >>> import textwrap
    >>> print(textwrap.fill(explain(row)[0], 80))
    Skillnaden är 7 procentenheter till nackdel för kvinnor. Den är större än i
    nästan alla kommuner av samma typ, även med hänsyn till slumpen och storleken (z
    = 4,3; underlaget är 2 oberoende mätningar). Upprätta en avvikelseanmälan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "not_computable": "Värdet för kvinnor eller män saknas (redovisas inte): kan inte bedömas.",
        "too_small": "För få personer i en av grupperna för att bedöma.",
        "excluded": "Undantagen från bedömningen",
        "none": "Skillnaden ({size}) är inte så stor att den räknas som väsentlig.",
        "gap": "Skillnaden är {size} till nackdel för {who}.",
        "gap_need": "Skillnaden mot det förväntade är {size} ({who} fler).",
        "info": (
            " Den ligger inom det vanliga bland kommuner av samma typ, med hänsyn till slumpen "
            "och storleken (z = {z})."
        ),
        "info_noref": " Det finns för få jämförbara värden för att säga om den är ovanlig.",
        "info_small": (
            " Den är mindre än vad som är vanligt bland kommuner av samma typ (z = {z})."
        ),
        "watch": (
            " Den är större än i de flesta kommuner av samma typ, även med hänsyn till slumpen "
            "och storleken (z = {z}; underlaget är {k} oberoende mätningar). Bevaka och analysera."
        ),
        "act": (
            " Den är större än i nästan alla kommuner av samma typ, även med hänsyn till slumpen "
            "och storleken (z = {z}; underlaget är {k} oberoende mätningar). Upprätta en "
            "avvikelseanmälan."
        ),
        "repeated": " Värdet är detsamma som året före och räknas bara en gång.",
        "capped": (
            " Nyckeltalet saknar regel i KPI-tabellen och planen, så det kan inte bli mer än "
            "känt mönster förrän planen anger riktning."
        ),
        "pp": "{v} procentenheter",
        "pct": "{v} %",
        "one_sex": "andelen är {v} % ({who} underrepresenterade)",
        "kr": "{v}",
    },
    "en": {
        "not_computable": "The value for women or men is missing (not published): cannot assess.",
        "too_small": "Too few people in one of the groups to judge.",
        "excluded": "Excluded from the assessment",
        "none": "The gap ({size}) is not large enough to count as material.",
        "gap": "The gap is {size} to the disadvantage of {who}.",
        "gap_need": "The difference from the expected is {size} (more {who}).",
        "info": (
            " It is within what is usual among municipalities of the same type, given chance "
            "and size (z = {z})."
        ),
        "info_noref": " Too few comparable values to say whether it is unusual.",
        "info_small": " It is smaller than usual among municipalities of the same type (z = {z}).",
        "watch": (
            " It is larger than in most municipalities of the same type, even given chance "
            "and size (z = {z}; based on {k} independent measurements). Watch and analyse."
        ),
        "act": (
            " It is larger than in almost all municipalities of the same type, even given "
            "chance and size (z = {z}; based on {k} independent measurements). File a "
            "deviation report."
        ),
        "repeated": " The value is the same as the year before and counts once.",
        "capped": (
            " The KPI has no rule in the KPI table or the plan, so it cannot go beyond a "
            "known pattern until the plan gives its direction."
        ),
        "pp": "{v} percentage points",
        "pct": "{v} %",
        "one_sex": "the share is {v} % ({who} under-represented)",
        "kr": "{v}",
    },
}


def _num(x: pd.Series, digits: int, lang: str) -> pd.Series:
    """Numbers as text with the language's decimal mark (NaN → "–")."""
    v = pd.to_numeric(x, errors="coerce").round(digits)
    txt = v.map(lambda n: f"{n:,.{digits}f}" if pd.notna(n) else "–")
    if lang == "sv":
        txt = txt.str.replace(",", " ", regex=False).str.replace(".", ",", regex=False)
    return txt.str.replace(",0", "", regex=False) if digits == 1 else txt


def _fill(template: str, **cols: pd.Series) -> pd.Series:
    """``template`` with ``{name}`` replaced element-wise by the columns given."""
    out: pd.Series | None = None
    parts = template.split("{")
    first = parts[0]
    pieces: list[Any] = [first]
    for p in parts[1:]:
        name, rest = p.split("}", 1)
        pieces += [cols[name].astype("string"), rest]
    for piece in pieces:
        out = piece if out is None else out + piece
    assert isinstance(out, pd.Series)
    return out


def explain(table: pd.DataFrame, lang: str = "sv") -> pd.Series:
    """One plain sentence or two per row of an evaluation result, saying why it has its level.

    Args:
        table: rows of :func:`koladagap.engine.evaluate`'s result (at least
            ``level, kind, gap, relative_gap, total, disadvantaged_label, z_ref,
            evidence_years, repeated, reasons``).
        lang: ``"sv"`` (default) or ``"en"``.
    """
    t = _TEXT["sv" if lang == "sv" else "en"]
    idx = table.index
    level = table["level"].astype("string").fillna("")
    kind = table["kind"].astype("string").fillna("share")
    who_col = "disadvantaged_label" if lang == "sv" else "disadvantaged_label_en"
    who = (
        table[who_col].astype("string")
        if who_col in table.columns
        else pd.Series("", index=idx, dtype="string")
    ).fillna("–")
    gap = pd.to_numeric(table["gap"], errors="coerce").abs()
    rel = pd.to_numeric(table["relative_gap"], errors="coerce").abs() * 100
    share = _fill(t["pp"], v=_num(gap, 1, lang))
    amount = _fill(t["pct"], v=_num(rel, 0, lang))
    one = _fill(t["one_sex"], v=_num(table["total"], 1, lang), who=who)
    value = _fill(t["kr"], v=_num(gap, 0, lang))
    size = pd.Series(
        np.select(
            [kind == "share", kind == "amount", kind == "share_of_one_sex"],
            [share, amount, one],
            value,
        ),
        index=idx,
        dtype="string",
    )
    z = _num(table["z_ref"], 1, lang)
    k = (
        pd.to_numeric(table["evidence_years"], errors="coerce")
        .fillna(0)
        .astype(int)
        .astype("string")
    )
    need = (
        table["direction"].astype("string").eq("need").fillna(False)
        if "direction" in table
        else (pd.Series(False, index=idx))
    )
    head = pd.Series(
        np.where(
            need, _fill(t["gap_need"], size=size, who=who), _fill(t["gap"], size=size, who=who)
        ),
        index=idx,
        dtype="string",
    )
    head = head.where(
        kind != "share_of_one_sex", size.str.slice(0, 1).str.upper() + size.str.slice(1) + "."
    )
    zz = pd.to_numeric(table["z_ref"], errors="coerce")
    info = pd.Series(
        np.select(
            [zz.isna(), zz <= -2.0],
            [t["info_noref"], _fill(t["info_small"], z=z)],
            _fill(t["info"], z=z),
        ),
        index=idx,
    )
    body = pd.Series(
        np.select(
            [level == "act", level == "watch", level == "info"],
            [_fill(t["act"], z=z, k=k), _fill(t["watch"], z=z, k=k), info],
            "",
        ),
        index=idx,
        dtype="string",
    )
    reasons = table["reasons"].astype("string").fillna("")
    excl = t["excluded"] + reasons.str.extract(r"excluded:([^;]*)", expand=False).fillna("").map(
        lambda r: f": {r}." if r else "."
    )
    rep = table["repeated"].fillna(False).astype(bool) if "repeated" in table else False
    capped = reasons.str.contains("no_rule:", regex=False)
    judged = head + body + np.where(rep, t["repeated"], "") + np.where(capped, t["capped"], "")
    out = np.select(
        [
            level == "not_computable",
            level == "too_small",
            level == "excluded",
            level == "none",
        ],
        [t["not_computable"], t["too_small"], excl, _fill(t["none"], size=size)],
        judged,
    )
    return pd.Series(out, index=idx, dtype="string")


def reasons_by_kpi(table: pd.DataFrame, lang: str = "sv") -> dict[str, str]:
    """KPI id → :func:`explain`'s text, for a one-organisation, one-year result table."""
    if table.empty:
        return {}
    return dict(zip(table["kpi"].astype(str), explain(table, lang).astype(str), strict=True))


__all__ = ["explain", "reasons_by_kpi"]
