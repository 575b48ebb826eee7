"""Plain-language reasons for a level, in Swedish (default) or English.

The engine says why a row has its level in codes and numbers: the ``reasons``
column (``material:7pp; evidence:2 obs counts; reference:z=4.3 p99 q=0.001``, see
:mod:`koladagap.engine.result`) beside the numeric columns. :func:`reason_codes`
reads the codes into typed columns; :func:`explain` turns codes and numbers into
sentences, vectorised over the rows. The words come from
:mod:`koladagap.render.i18n.explain`, the numbers from
:func:`koladagap.render.i18n.format_number`; no English text is translated.

Examples:
    >>> import pandas as pd
    >>> row = pd.DataFrame({"level": ["act"], "kind": ["share"], "gap": [-7.0],
    ...     "relative_gap": [-0.29], "total": [20.0], "disadvantaged": ["women"],
    ...     "label_women": ["kvinnor"],
    ...     "reasons": ["material:7pp; evidence:2 obs counts; reference:z=4.3 p99 q=0.001"]})
    >>> import textwrap
    >>> print(textwrap.fill(explain(row)[0], 80))
    Skillnaden är 7,0 procentenheter till nackdel för kvinnor. Den är större än i
    nästan alla kommuner av samma typ, även med hänsyn till slumpen och storleken (z
    = 4,3; underlaget är 2 oberoende mätningar). Upprätta en avvikelseanmälan.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from koladagap.columns import org_kind
from koladagap.engine.result import EXPECTED_MISSING, NO_RULE, NOT_ELECTION_YEAR, VALUE_MISSING
from koladagap.render.i18n import check_lang, format_numbers
from koladagap.render.i18n.explain import AMONG, EXCLUSION_REASONS, explain_text
from koladagap.render.i18n.groups import label_columns

_NUM = r"-?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|inf|nan)"
_PATTERNS: dict[str, str] = {
    # the status of a row that is not judged: excluded / not computable / too small
    "unjudged": (
        r"^(?P<status>excluded|not_computable|too_small):(?P<detail>.*?)(?:; no_rule(?::.*)?)?$"
    ),
    "size": (
        rf"(?:^|; )(?P<material>not_material|material):(?P<prefix>value |\|)?"
        rf"(?P<size>{_NUM})(?P<unit>pp|%|\|)?(?:;|$)"
    ),
    "expected": rf"(?:^|; )expected:(?:(?P<expected_source>riket|peers)=)?(?P<expected>{_NUM})",
    "evidence": r"(?:^|; )evidence:(?P<evidence_k>\d+) obs (?P<basis>[a-z]+)(?P<repeat> repeat)?",
    "reference": (
        rf"(?:^|; )reference:z=(?P<z>{_NUM})(?: p(?P<percentile>{_NUM}))?(?: q=(?P<q>{_NUM}))?"
    ),
}
_FLOATS = ("size", "expected", "z", "percentile", "q")
_NO_RULE = rf"(?:^|; ){NO_RULE}(?::|;|$)"  # also the older ``no_rule:info at most``
_OLD_DETAILS = {  # the English details of older results (stored meetings) → codes
    r"^event(?:\s|\(|$)": NOT_ELECTION_YEAR,
    r"^value missing$": VALUE_MISSING,
    r"^expected gap missing$": EXPECTED_MISSING,
}


def reason_codes(reasons: pd.Series | Iterable[str | None]) -> pd.DataFrame:
    """The engine's ``reasons`` strings as typed columns, one row per string.

    Columns: ``status`` (``excluded``, ``not_computable``, ``too_small``, ``material``,
    ``not_material``), ``detail`` (why excluded: ``not_election_year`` or the KPI
    table's or plan's text; what is missing: ``missing``, ``expected_missing``;
    ``n<10``; older results' English details are read as these codes), ``size``
    and ``unit`` (``pp``, ``%``, ``value``, ``|g|``), ``expected`` and
    ``expected_source``, ``evidence_k``, ``basis`` and ``repeat``, ``z``,
    ``percentile``, ``q``, ``no_reference`` and ``no_rule``.

    >>> c = reason_codes(["not_material:2.9pp; reference:z=-1.6 p9",
    ...                   "excluded:not_election_year; no_rule"])
    >>> row = c.iloc[0]
    >>> row["status"], row["unit"], float(row["size"]), float(row["z"]), float(row["percentile"])
    ('not_material', 'pp', 2.9, -1.6, 9.0)
    >>> c[["status", "detail"]].iloc[1].tolist()
    ['excluded', 'not_election_year']
    >>> bool(c["no_rule"].iloc[1]), bool(c["no_rule"].iloc[0])
    (True, False)
    """
    s = pd.Series(reasons, dtype="string") if not isinstance(reasons, pd.Series) else reasons
    s = s.astype("string").fillna("")
    parts = [s.str.extract(p) for p in _PATTERNS.values()]
    out = pd.concat(parts, axis=1)
    out["status"] = out["status"].fillna(out["material"]).astype("string")
    unit = out["unit"].fillna(out["prefix"].str.strip()).replace({"|": "|g|"})
    out["unit"] = unit.astype("string")
    for col in _FLOATS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["evidence_k"] = pd.to_numeric(out["evidence_k"], errors="coerce").astype("Int64")
    out["repeat"] = out["repeat"].notna()
    out["no_reference"] = s.str.contains("reference:none", regex=False).to_numpy(dtype=bool)
    out["no_rule"] = s.str.contains(_NO_RULE, regex=True).to_numpy(dtype=bool)
    detail = out["detail"].astype("string").str.strip()
    for old, code in _OLD_DETAILS.items():
        detail = detail.mask(detail.str.contains(old, regex=True).fillna(False), code)
    out["detail"] = detail
    cols = ["status", "detail", "size", "unit", "expected", "expected_source", "evidence_k"]
    cols += ["basis", "repeat", "z", "percentile", "q", "no_reference", "no_rule"]
    return out[cols]


def disadvantaged_words(table: pd.DataFrame, lang: str = "sv") -> pd.Series:
    """Who is disadvantaged, in the reader's words: kvinnor/män, flickor/pojkar (or English).

    Read from ``disadvantaged`` (``"women"``/``"men"`` or the codes 1/2; missing or 0:
    none) and, for girls and boys, whether the KPI is about children
    (:func:`about_children`).
    Missing where no sex is disadvantaged.

    >>> t = pd.DataFrame({"disadvantaged": ["women", None, "men"],
    ...                   "label_women": ["kvinnor", "kvinnor", "flickor"]})
    >>> disadvantaged_words(t, "en").tolist()
    ['women', <NA>, 'boys']
    """
    t = explain_text(lang)
    code = disadvantaged_code(table)
    child = about_children(table)
    women = np.where(child, t["girls"], t["women"])
    men = np.where(child, t["boys"], t["men"])
    words = np.select([code == 1, code == 2], [women, men], "")
    return pd.Series(words, index=table.index, dtype="string").replace("", pd.NA)


def about_children(table: pd.DataFrame) -> np.ndarray:
    """Per row: is the KPI about children (girls and boys)?

    Read from ``label_women`` where the result has the readers' words, else from
    ``kpi_title`` (:func:`koladagap.render.i18n.groups.label_columns`).

    >>> about_children(pd.DataFrame({"label_women": ["flickor", "", "kvinnor"],
    ...     "kpi_title": ["Elever i åk 9", "Elever i åk 9", "Elever i åk 9"]})).tolist()
    [True, True, False]
    """
    said = (
        table["label_women"].astype("string").fillna("")
        if "label_women" in table.columns
        else pd.Series("", index=table.index, dtype="string")
    )
    if "kpi_title" in table.columns and said.eq("").any():
        titles = table["kpi_title"].astype("string").fillna("")
        from_title = label_columns(titles)["label_women"].to_numpy(dtype=object)
        said = said.where(said.ne(""), pd.Series(from_title, index=table.index, dtype="string"))
    return said.isin(["flickor", "girls"]).to_numpy(dtype=bool)


def disadvantaged_code(table: pd.DataFrame) -> np.ndarray:
    """The disadvantaged sex per row as a code: 0 none, 1 women/girls, 2 men/boys."""
    if "disadvantaged" not in table.columns:
        return np.zeros(len(table), dtype=np.int8)
    d = table["disadvantaged"]
    as_text = d.astype("string").str.lower()
    code = as_text.map({"women": 1, "men": 2, "1": 1, "2": 2}).astype("Int8").fillna(0)
    return code.to_numpy(dtype=np.int8)


def _fill(template: str, **cols: pd.Series) -> pd.Series:
    """``template`` with ``{name}`` replaced element-wise by the columns given."""
    out: pd.Series | None = None
    parts = template.split("{")
    pieces: list[str | pd.Series] = [parts[0]]
    for p in parts[1:]:
        name, rest = p.split("}", 1)
        pieces += [cols[name].astype("string"), rest]
    for piece in pieces:
        out = piece if out is None else out + piece  # type: ignore[assignment,operator]
    assert isinstance(out, pd.Series)
    return out


def _numbers(x: pd.Series, lang: str, decimals: int) -> pd.Series:
    return format_numbers(pd.to_numeric(x, errors="coerce"), lang, decimals).astype("string")


def _size(table: pd.DataFrame, who: pd.Series, lang: str) -> tuple[pd.Series, pd.Series]:
    """The size of the gap as a reader says it (by kind of KPI), and the kind."""
    t = explain_text(lang)
    idx = table.index
    kind = table["kind"].astype("string").fillna("share")
    gap = pd.to_numeric(table["gap"], errors="coerce").abs()
    rel = pd.to_numeric(table["relative_gap"], errors="coerce").abs() * 100
    share = _fill(t["pp"], v=_numbers(gap, lang, 1))
    amount = _fill(t["pct"], v=_numbers(rel, lang, 0))
    one = _fill(
        t["one_sex"], v=_numbers(table["total"], lang, 1), d=_numbers(gap, lang, 1), who=who
    )
    value = _fill(t["kr"], v=_numbers(gap, lang, 0))
    size = np.select(
        [kind == "share", kind == "amount", kind == "share_of_one_sex"], [share, amount, one], value
    )
    return pd.Series(size, index=idx, dtype="string"), kind


def _number(table: pd.DataFrame, column: str, coded: pd.Series) -> pd.Series:
    """The result's exact number (``column``), else the one in the reason codes (rounded)."""
    if column not in table.columns:
        return coded
    exact = pd.to_numeric(table[column], errors="coerce").astype(coded.dtype)
    return exact.fillna(coded)


def compared_with(table: pd.DataFrame, lang: str = "sv", among: str | None = None) -> pd.Series:
    """Per row: who the organisation is compared with, in words.

    ``among="unit"`` for an organisation's units; else read from ``municipality_id``
    (a region is compared with the regions, a kommun with kommuner of the same type).

    >>> compared_with(pd.DataFrame({"municipality_id": ["0001", "1233"]})).tolist()
    ['regioner', 'kommuner av samma typ']
    """
    words = AMONG[check_lang(lang)]
    if among is not None:
        return pd.Series(words[among], index=table.index, dtype="string")
    if "municipality_id" not in table.columns:
        return pd.Series(words["kommun"], index=table.index, dtype="string")
    region = org_kind(table["municipality_id"]).eq("region").to_numpy(dtype=bool)
    out = np.where(region, words["region"], words["kommun"])
    return pd.Series(out, index=table.index, dtype="string")


def _none(table: pd.DataFrame, size: pd.Series, lang: str) -> pd.Series:
    """Why a gap is not material: its size; a one-sex share's share and distance from 50/50."""
    t = explain_text(lang)
    kind = table["kind"].astype("string").fillna("share")
    gap = pd.to_numeric(table["gap"], errors="coerce").abs()
    one = _fill(t["none_one_sex"], v=_numbers(table["total"], lang, 1), d=_numbers(gap, lang, 1))
    out: pd.Series = _fill(t["none"], size=size).where(kind != "share_of_one_sex", one)
    return out


def explain(table: pd.DataFrame, lang: str = "sv", *, among: str | None = None) -> pd.Series:
    """One plain sentence or two per row of an evaluation result, saying why it has its level.

    Args:
        table: rows of :func:`koladagap.engine.evaluate`'s result: ``level`` and
            ``reasons`` (the codes), ``kind``, ``gap``, ``relative_gap``, ``total`` (the
            size) and, when present, ``disadvantaged``, ``label_women`` or ``kpi_title``
            (girls and boys), ``direction`` and ``municipality_id`` (a region is
            compared with the regions).
        lang: ``"sv"`` (default) or ``"en"``.
        among: ``"unit"`` when the rows are an organisation's units
            (:func:`compared_with`).
    """
    t = explain_text(lang)
    idx = table.index
    peers = compared_with(table, lang, among)
    level = table["level"].astype("string").fillna("")
    codes = reason_codes(table["reasons"]).set_axis(idx)
    who = disadvantaged_words(table, lang).fillna("–")
    size, kind = _size(table, who, lang)
    zz = _number(table, "z_ref", codes["z"])
    z = _numbers(zz, lang, 1)
    k = _number(table, "evidence_years", codes["evidence_k"]).fillna(0).astype(int).astype("string")
    repeated = codes["repeat"].to_numpy(dtype=bool)
    if "repeated" in table.columns:  # the result's flag, also where no evidence is coded
        repeated = table["repeated"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    need = (
        table["direction"].astype("string").eq("need").fillna(False).to_numpy(dtype=bool)
        if "direction" in table.columns
        else np.zeros(len(table), dtype=bool)
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
    info = np.select(
        [zz.isna(), zz <= -2.0],
        [t["info_noref"], _fill(t["info_small"], z=z, among=peers)],
        _fill(t["info"], z=z, among=peers),
    )
    body = np.select(
        [level == "act", level == "watch", level == "info"],
        [_fill(t["act"], z=z, k=k, among=peers), _fill(t["watch"], z=z, k=k, among=peers), info],
        "",
    )
    judged = (
        head
        + body
        + np.where(repeated, t["repeated"], "")
        + np.where(codes["no_rule"], t["capped"], "")
    )
    detail = codes["detail"].fillna("")
    said = detail.replace(EXCLUSION_REASONS[check_lang(lang)])  # the KPI table's text, in words
    why = said.mask(detail == NOT_ELECTION_YEAR, t["not_election_year"])
    excluded = t["excluded"] + why.map(lambda r: f": {r}." if r else ".")
    missing = np.where(
        detail == EXPECTED_MISSING, t["not_computable_expected"], t["not_computable"]
    )
    out = np.select(
        [
            level == "not_computable",
            level == "too_small",
            level == "excluded",
            level == "none",
        ],
        [missing, t["too_small"], excluded, _none(table, size, lang)],
        judged,
    )
    return pd.Series(out, index=idx, dtype="string")


def reasons_by_kpi(table: pd.DataFrame, lang: str = "sv") -> dict[str, str]:
    """KPI id → :func:`explain`'s text, for a one-organisation, one-year result table."""
    if table.empty:
        return {}
    return dict(zip(table["kpi"].astype(str), explain(table, lang).astype(str), strict=True))


__all__ = [
    "about_children",
    "compared_with",
    "disadvantaged_code",
    "disadvantaged_words",
    "explain",
    "reason_codes",
    "reasons_by_kpi",
]
