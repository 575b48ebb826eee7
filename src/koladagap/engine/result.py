"""The result frame of :func:`~koladagap.engine.levels.evaluate`: columns and reasons.

Columns that only matter for reading (ratios, names, the ``reasons`` string)
are computed here for the result rows only. Strings are built in Arrow, so a
national screen of every KPI and year stays fast. The engine writes codes
(``level``, ``disadvantaged`` = ``women``/``men``), never a reader's words:
``label_women``/``label_men`` are copied from the ``kpi_meta`` the caller gives,
and the level names and the rules as sentences live in :mod:`koladagap.render`.

This docstring is the one description of the reason codes: the ``reasons``
column of :func:`~koladagap.engine.levels.evaluate` and of
:func:`~koladagap.engine.followup.compare`. They hold codes and numbers, never a
reader's words (:func:`koladagap.render.explain.reason_codes` reads them back,
:mod:`koladagap.render.i18n.explain` has the sentences). The only free text is
the ``reason`` a KPI table or plan gives for excluding a KPI, copied as data.

``evaluate``'s ``reasons`` is a ``"; "``-joined account of the level, e.g.
``material:5.2pp; evidence:3 obs size; reference:z=2.7 p99 q=0.21`` or
``not_computable:missing``. Its parts, in order:

- one of, for a row that is not judged:

  - ``excluded:not_election_year`` (:data:`NOT_ELECTION_YEAR`: an event KPI in a
    year without an election) or ``excluded:<reason>`` (the KPI table's or plan's
    ``reason`` text; ``excluded:`` when it gives none);
  - ``not_computable:missing`` (:data:`VALUE_MISSING`: the value for women or men)
    or ``not_computable:expected_missing`` (:data:`EXPECTED_MISSING`: the expected
    gap, from Riket or the peers);
  - ``too_small:n<10`` (the smallest group is under the KPI's ``min_n``);

- ``material:<size>`` or ``not_material:<size>`` (size in pp for shares, % of
  the advantaged value for amounts, ``value v`` for one-sex shares, ``|g|``
  for gap values);
- ``expected:<riket=|peers=>g`` when the expected gap is not 0;
- ``evidence:<k> obs <basis>`` — the distinct observations pooled and where the
  chance part came from (``counts``, ``moe``, ``size``, ``spread``), with
  ``repeat`` when the current value repeats the previous year's;
- ``reference:z=… p… q=…`` (oriented funnel z, oriented percentile, BH q; a
  percentile or q that is not known is left out, e.g. ``reference:z=0 q=1`` for a
  municipality at the median, whose percentile is undefined) or ``reference:none``
  when too few municipalities have a value (own measurements get
  ``reference:unavailable`` from :mod:`koladagap.benchmarking.measurements`: only
  one organisation has values);
- ``no_rule`` (:data:`NO_RULE`) when the KPI has no rule in the KPI table or plan,
  so its level is ``info`` at most.

``compare``'s ``reasons`` is ``"; "``-joined too, e.g.
``change:worsened delta=3.1 min=2.0; z=2.41; noise=1.5; crossed; widened:raised``:

- ``change:<change> delta=<d> min=<threshold>`` (the oriented change of the
  evidence and the smallest change that counts) or ``change:not_comparable``;
- ``z=<z_change>`` and ``noise=<noise>`` where known;
- ``crossed`` (:data:`CROSSED`) when the gap improved or worsened across parity,
  so the other sex is now behind;
- ``widened:raised`` (:data:`RAISED`) when the follow-up level was raised from
  ``info`` to ``watch`` because the gap widened as clearly as a flag.

Older results (stored meetings) may hold the earlier English details
(``event (not an election year)``, ``value missing``, ``no_rule:info at most``
…); the reader in :mod:`koladagap.render.explain` accepts both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from koladagap.engine.decision import orientation
from koladagap.engine.evidence import aux_values
from koladagap.engine.gaps import advantaged_value, expected_gap, peer_median, riket_gap
from koladagap.engine.rules import (
    AMOUNT,
    EXP_NUMBER,
    EXPECTED_SOURCES,
    GAP_VALUE,
    LOWER,
    NEED,
    ONE_SEX,
    SHARE,
)
from koladagap.engine.run import (
    CREDIBILITY_METHODS,
    EXCLUDED,
    LEVELS,
    MOE,
    NONE,
    NOT_COMPUTABLE,
    TOO_SMALL,
    EngineRun,
)

NOT_ELECTION_YEAR = "not_election_year"
"""``excluded:`` detail: an event KPI (e.g. an election) in a year without one."""
VALUE_MISSING = "missing"
"""``not_computable:`` detail: the value for women or men is missing."""
EXPECTED_MISSING = "expected_missing"
"""``not_computable:`` detail: the expected gap (Riket or peers) is missing."""
NO_RULE = "no_rule"
"""Part of ``reasons``: the KPI has no rule, so its level is ``info`` at most."""
CROSSED = "crossed"
"""Part of ``compare``'s ``reasons``: the other sex is now behind."""
RAISED = "widened:raised"
"""Part of ``compare``'s ``reasons``: the follow-up level was raised to ``watch``."""

Arr = NDArray[Any]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

ROW_COLUMNS: list[str] = [
    "kpi",
    "kpi_title",
    "municipality_id",
    "municipality",
    "period",
    "women",
    "men",
    "total",
    "gap",
    "relative_gap",
]
"""The first columns of every engine result (:data:`RESULT_COLUMNS`, the screen's):
what row it is and its values."""

RESULT_COLUMNS: list[str] = [
    *ROW_COLUMNS,
    "ratio",
    "parity",
    "kind",
    "direction",
    "disadvantaged",
    "label_women",
    "label_men",
    "expected",
    "expected_source",
    "excess_gap",
    "material",
    "credibility",
    "credible",
    "p_value",
    "q_value",
    "ci_low",
    "ci_high",
    "gap_se",
    "n_women",
    "n_men",
    "evidence",
    "evidence_years",
    "repeated",
    "z_ref",
    "percentile_ref",
    "reference_n",
    "reference_median",
    "reference_scale",
    "reference_tau",
    "peer_median_gap",
    "peer_n",
    "riket_gap",
    "level",
    "reasons",
]
"""The columns of :func:`~koladagap.engine.levels.evaluate`'s result, in order."""


def empty_result() -> pd.DataFrame:
    """An empty result frame with :data:`RESULT_COLUMNS`."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in RESULT_COLUMNS})


def strings(codes: Arr, uniques: Arr) -> pd.Series:
    """A ``string`` column from integer codes into ``uniques`` (−1 → missing), built in Arrow."""
    c = np.asarray(codes, dtype=np.int64)
    dic = pa.array([None if u is None else str(u) for u in uniques], type=pa.string())
    idx = pa.array(np.maximum(c, 0).astype(np.int32), mask=c < 0)
    decoded = pa.DictionaryArray.from_arrays(idx, dic).dictionary_decode()
    return pd.Series(pd.arrays.ArrowStringArray(decoded))


def _from_arrow(a: pa.Array) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(a))


def _fmt(x: Arr, digits: int) -> pa.Array:
    """Numbers as short strings, in Arrow (NaN → null; no ``-0``)."""
    v = np.round(np.asarray(x, dtype="float64"), digits) + 0.0
    return pc.cast(pa.array(v, from_pandas=True), pa.string())


def _int_or_na(x: Arr, known: BoolArray) -> pd.Series:
    return pd.Series(pd.array(np.where(known, x, 0), dtype="Int64")).mask(~known)


def shape(run: EngineRun, i: IntArray) -> dict[str, Arr]:
    """Relative gap, ratio, parity and the disadvantaged sex (1 women, 2 men, 0 none)."""
    r = run.rows
    kind = r["kind"][i]
    dirn = run.per_kpi("direction", i)
    share_of_m = run.per_kpi("share_of_m", i).astype(bool)
    ok = r["computable"][i]
    gap = r["gap"][i]
    one = kind == ONE_SEX
    t = r["total"][i]
    kd = np.where(one, np.where(share_of_m, 100.0 - t, t), r["women"][i])
    md = np.where(one, 100.0 - kd, r["men"][i])
    hi = np.fmax(np.abs(kd), np.abs(md))
    lo = np.fmin(np.abs(kd), np.abs(md))
    adv = advantaged_value(run, i)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(adv > 0, gap / adv, np.nan)
        ratio = np.where(md != 0, kd / md, np.nan)
        parity = np.where(hi > 0, lo / hi, np.where(hi == 0, 1.0, np.nan))
    blank = (kind == GAP_VALUE) | ~ok
    flip = (dirn == LOWER) ^ (one & share_of_m)
    s = orientation(run, i) * np.where(flip, -1.0, 1.0)
    dis = np.where((dirn == NEED) | ~ok, 0, np.where(s < 0, 1, np.where(s > 0, 2, 0)))
    return {
        "adv": adv,
        "relative_gap": np.where(ok, rel, np.nan),
        "ratio": np.where(blank, np.nan, ratio),
        "parity": np.where(blank, np.nan, parity),
        "disadvantaged": dis.astype(np.int8),
    }


def _per_kpi(kpi_meta: pd.DataFrame, column: str, ids: pd.Series) -> pd.Series:
    """``column`` of ``kpi_meta`` (by ``id``) for each KPI id in ``ids``; NaN where missing."""
    m = kpi_meta.dropna(subset=["id", column]).drop_duplicates("id")
    return ids.map(dict(zip(m["id"].astype(str), m[column], strict=True)))


def _labels(run: EngineRun, kpi_meta: pd.DataFrame | None) -> dict[str, Arr]:
    """Per-KPI titles, and the readers' words for women and men when ``kpi_meta`` has them.

    Titles come from ``kpi_meta`` (``id, title``), else from the rules;
    ``label_women``/``label_men`` only from ``kpi_meta`` (``""`` where it has none):
    the engine writes no language.
    """
    ids = pd.Series(run.panel.kpis, dtype=object).astype(str)
    out: dict[str, Arr] = {
        "title": run.kpis.text["title"].copy(),
        "label_women": np.full(len(ids), "", dtype=object),
        "label_men": np.full(len(ids), "", dtype=object),
    }
    cols = set() if kpi_meta is None else set(kpi_meta.columns)
    for name in ("title", "label_women", "label_men"):
        if kpi_meta is not None and {"id", name} <= cols:
            got = _per_kpi(kpi_meta, name, ids)
            out[name] = np.where(got.isna().to_numpy(), out[name], got.astype(object).to_numpy())
    out["title"] = np.asarray([t if isinstance(t, str) else "" for t in out["title"]], dtype=object)
    return out


def assemble(
    run: EngineRun, i: IntArray, meta: pd.DataFrame | None, kpi_meta: pd.DataFrame | None
) -> pd.DataFrame:
    """The result frame for the rows at positions ``i``."""
    r, at, panel = run.rows, run.kpis, run.panel
    kc, mc = r["kc"][i], r["mc"][i]
    names = np.full(len(panel.munis), None, dtype=object)
    if meta is not None and {"id", "title"} <= set(meta.columns):
        m = meta.drop_duplicates("id")
        mapped = pd.Series(panel.munis).map(dict(zip(m["id"].astype(str), m["title"], strict=True)))
        names = mapped.astype(object).where(mapped.notna(), None).to_numpy(dtype=object)
    lab = _labels(run, kpi_meta)
    sh = shape(run, i)
    dis = sh["disadvantaged"]
    lvl = r["level"][i]
    credible = r["credible"][i]
    cred_col = pd.array(credible == 1, dtype="boolean")
    cred_col[credible < 0] = pd.NA
    basis = _basis(run, i)
    years = run.ref.get("years", i, 0)
    has_ev = np.isfinite(run.ref.get("evidence", i))
    peer_med, peer_n = peer_median(run, i)
    cnt_k, cnt_m = aux_values(run, i, "denom")
    tests = run.tests
    z_ref = run.ref.get("z", i)
    cols: dict[str, Any] = {
        "kpi": strings(kc, panel.kpis),
        "kpi_title": strings(kc, lab["title"]),
        "municipality_id": strings(mc, panel.munis),
        "municipality": strings(mc, names),
        "period": r["period"][i].astype(np.int64),
        "women": r["women"][i],
        "men": r["men"][i],
        "total": r["total"][i],
        "gap": r["gap"][i],
        "relative_gap": sh["relative_gap"],
        "ratio": sh["ratio"],
        "parity": sh["parity"],
        "kind": strings(kc, at.text["kind"]),
        "direction": strings(kc, at.text["direction"]),
        "disadvantaged": strings(np.where(dis == 0, -1, dis - 1), np.array(["women", "men"])),
        "label_women": strings(kc, lab["label_women"]),
        "label_men": strings(kc, lab["label_men"]),
        "expected": expected_gap(run, i),
        "expected_source": strings(at.num["exp_src"][kc], np.array(EXPECTED_SOURCES)),
        "excess_gap": r["excess_gap"][i],
        "material": r["material"][i],
        "credibility": strings(basis - 1, np.array(CREDIBILITY_METHODS)),
        "credible": cred_col,
        "p_value": run.ref.get("p", i),
        "q_value": run.ref.get("q", i),
        "ci_low": tests.get("ci_low", i),
        "ci_high": tests.get("ci_high", i),
        "gap_se": tests.get("se", i),
        "n_women": cnt_k,
        "n_men": cnt_m,
        "evidence": run.ref.get("evidence", i),
        "evidence_years": _int_or_na(years, has_ev),
        "repeated": ~r["first"][i],
        "z_ref": z_ref,
        "percentile_ref": run.ref.get("percentile", i),
        "reference_n": _int_or_na(run.ref.get("n", i, 0), np.isfinite(z_ref)),
        "reference_median": run.ref.get("median", i),
        "reference_scale": run.ref.get("scale", i),
        "reference_tau": run.ref.get("tau", i),
        "peer_median_gap": peer_med,
        "peer_n": peer_n,
        "riket_gap": riket_gap(run, i),
        "level": strings(lvl, np.array(LEVELS)),
        "reasons": _from_arrow(reasons(run, i, sh["adv"])),
    }
    return pd.DataFrame(cols)[RESULT_COLUMNS]


def _basis(run: EngineRun, i: IntArray) -> IntArray:
    """Per row: 0 no reference, 1 counts, 2 margins of error, 3 size, 4 one spread."""
    b = run.ref.get("basis", i, 0).astype(np.int64)
    known_moe = (b == 1) & (run.rows["var_method"][i] == MOE)
    out: IntArray = np.where(b == 0, 0, np.where(b == 1, np.where(known_moe, 2, 1), b + 1))
    out = np.where(np.isfinite(run.ref.get("evidence", i)), out, 0)
    return out


def _choice(codes: Arr, labels: list[str]) -> pa.Array:
    """Strings picked from ``labels`` by integer code (−1 → null), via an Arrow dictionary."""
    c = np.asarray(codes, dtype=np.int64)
    idx = pa.array(np.maximum(c, 0).astype(np.int32), mask=c < 0)
    dic = pa.array(labels, type=pa.string())
    out: pa.Array = pa.DictionaryArray.from_arrays(idx, dic).dictionary_decode()
    return out


def _join(*parts: Any) -> pa.Array:
    out: pa.Array = pc.binary_join_element_wise(*parts, "", null_handling="emit_null")
    return out


def join_present(parts: list[pa.Array], sep: str = "; ") -> pa.Array:
    """Join string arrays element-wise with ``sep``, leaving nulls out; ``""`` when all are null.

    (``pc.binary_join_element_wise(..., null_handling="skip")`` drops rows whose
    inputs are all null in pyarrow 26, so it is not used.)
    """
    out: pa.Array = pc.fill_null(parts[0], "")
    seen = pc.is_valid(parts[0])
    for p in parts[1:]:
        valid = pc.is_valid(p)
        glue = pc.if_else(pc.and_(seen, valid), sep, "")
        out = pc.binary_join_element_wise(out, glue, pc.fill_null(p, ""), "")
        seen = pc.or_(seen, valid)
    return out


def _part(mask: BoolArray, build: Callable[[IntArray], pa.Array]) -> pa.Array:
    """``build(j)`` for the rows ``j`` where ``mask`` holds, null elsewhere (full length)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return pa.nulls(len(mask), pa.string())
    sub = build(np.flatnonzero(mask))
    pos = np.cumsum(mask, dtype=np.int64) - 1
    idx = pa.array(np.where(mask, pos, 0).astype(np.int32), mask=~mask)
    out: pa.Array = pc.take(sub, idx)
    return out


def reasons(run: EngineRun, i: IntArray, adv: FloatArray) -> pa.Array:
    """The machine-readable ``reasons`` string of each row at positions ``i``."""
    r = run.rows
    lvl = r["level"][i]
    kind = r["kind"][i]
    mat = r["material"][i]
    judged = lvl >= NONE
    ex = r["excess_gap"][i]
    kc = r["kc"][i]

    def excluded(j: IntArray) -> pa.Array:
        texts = [f"excluded:{NOT_ELECTION_YEAR}"] + [
            f"excluded:{t}" for t in run.kpis.text["reason"]
        ]
        return _choice(np.where(r["event_skip"][i[j]], 0, kc[j] + 1), texts)

    def not_computable(j: IntArray) -> pa.Array:
        labels = [f"not_computable:{VALUE_MISSING}", f"not_computable:{EXPECTED_MISSING}"]
        return _choice(r["expected_missing"][i[j]].astype(np.int64), labels)

    def size(j: IntArray) -> pa.Array:
        e = ex[j]
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(e) / np.abs(adv[j]) * 100.0
        # an amount without a usable advantaged value shows its absolute size, like a gap value
        k = np.where((kind[j] == AMOUNT) & ~np.isfinite(rel), GAP_VALUE, kind[j])
        number = np.select([k == SHARE, k == AMOUNT, k == ONE_SEX], [np.abs(e), rel, e + 50.0], e)
        pre = _choice(mat[j] * 4 + np.minimum(k, 3), [*_SIZE_PREFIX["not"], *_SIZE_PREFIX["is"]])
        post = _choice(np.minimum(k, 3), ["pp", "%", "", "|"])
        return _join(pre, _fmt(number, 1), post)

    z_ref = run.ref.get("z", i)
    parts = [
        _part(lvl == EXCLUDED, excluded),
        _part(lvl == NOT_COMPUTABLE, not_computable),
        _part(
            lvl == TOO_SMALL, lambda j: _join("too_small:n<", _fmt(run.per_kpi("min_n", i[j]), 0))
        ),
        _part(judged, size),
        _expected_reason(run, i, judged),
        _evidence_reason(run, i, judged & mat),
        _reference_reason(run, i, judged & mat, z_ref),
        _part(judged & mat & ~np.isfinite(z_ref), lambda j: pa.array(["reference:none"] * len(j))),
        _part(r["capped"][i], lambda j: pa.array([NO_RULE] * len(j))),
    ]
    return join_present(parts)


_SIZE_PREFIX = {
    "not": ["not_material:", "not_material:", "not_material:value ", "not_material:|"],
    "is": ["material:", "material:", "material:value ", "material:|"],
}


def _expected_reason(run: EngineRun, i: IntArray, judged: BoolArray) -> pa.Array:
    src = run.per_kpi("exp_src", i)
    exp = run.rows["gap"][i] - run.rows["excess_gap"][i]
    show = judged & ((src != EXP_NUMBER) | (exp != 0))
    labels = ["expected:", "expected:riket=", "expected:peers="]
    return _part(show, lambda j: _join(_choice(src[j], labels), _fmt(exp[j], 1)))


def _reference_reason(run: EngineRun, i: IntArray, show: BoolArray, z_ref: FloatArray) -> pa.Array:
    """``reference:z=… p… q=…`` where z is known; a missing percentile or q is left out."""
    pct = run.ref.get("percentile", i)
    q = run.ref.get("q", i)

    def build(j: IntArray) -> pa.Array:
        parts = [
            _join("reference:z=", _fmt(z_ref[j], 1)),
            _join("p", _fmt(pct[j], 0)),
            _join("q=", _fmt(q[j], 3)),
        ]
        return join_present(parts, " ")

    return _part(show & np.isfinite(z_ref), build)


def _evidence_reason(run: EngineRun, i: IntArray, show: BoolArray) -> pa.Array:
    basis = _basis(run, i)
    years = run.ref.get("years", i, 0)
    repeat = ~run.rows["first"][i]

    def build(j: IntArray) -> pa.Array:
        return _join(
            "evidence:",
            _fmt(years[j], 0),
            " obs ",
            _choice(basis[j] - 1, list(CREDIBILITY_METHODS)),
            _choice(repeat[j].astype(np.int64), ["", " repeat"]),
        )

    return _part(show & (basis > 0), build)


__all__ = [
    "CROSSED",
    "EXPECTED_MISSING",
    "NOT_ELECTION_YEAR",
    "NO_RULE",
    "RAISED",
    "RESULT_COLUMNS",
    "ROW_COLUMNS",
    "VALUE_MISSING",
    "assemble",
    "empty_result",
    "reasons",
    "shape",
    "strings",
]
