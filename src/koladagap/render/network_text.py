"""A network's words: the plain reasons in a network's result (``NetworkResult.table``).

:func:`koladagap.benchmarking.network.run_network` leaves the ``reason`` column
empty, since the sentences are made here (benchmarking does not import render):
:func:`with_reasons` fills it with :func:`koladagap.render.explain.explain`, the
same sentence the organisation's own report gives. :func:`with_scores` adds the
members' checklist results from their score sheets.

Examples:
    >>> import pandas as pd
    >>> from koladagap.benchmarking.network_model import NetworkResult, NETWORK_COLUMNS
    >>> t = pd.DataFrame({c: [pd.NA] for c in NETWORK_COLUMNS}).assign(kpi="N15428")
    >>> r = NetworkResult("Test", "Benchmarking 1", 2022, pd.DataFrame(), pd.DataFrame(), t)
    >>> with_reasons(r).table["reason"].tolist()
    ['Inga värden för året.']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from koladagap.benchmarking.network_model import NetworkResult
from koladagap.render.explain import explain
from koladagap.render.i18n import check_lang

NO_VALUES: Mapping[str, str] = {
    "sv": "Inga värden för året.",
    "en": "No values for the year.",
}
"""The reason of a KPI × organisation without values up to the meeting's year."""


def with_reasons(result: NetworkResult, lang: str | None = None) -> NetworkResult:
    """``result`` with ``reason`` filled in ``lang`` (default: the result's language).

    The sentence is :func:`~koladagap.render.explain.explain`'s for the engine's row
    (:attr:`NetworkResult.details`), the one the organisation's own report shows.
    """
    lang = check_lang(lang or result.lang)
    table = result.table.copy()
    has = table["level"].notna().to_numpy(bool)
    reason = pd.Series(NO_VALUES[lang], index=table.index, dtype="string")
    details = result.details
    if details is not None and has.any():
        rows = details.loc[has]
        reason.loc[has] = explain(rows, lang).set_axis(rows.index).to_numpy()
    table["reason"] = reason
    return dataclasses.replace(result, table=table, lang=lang)


def with_scores(
    result: NetworkResult, sheets: Mapping[str, str | Path], lang: str = "sv"
) -> NetworkResult:
    """``result`` with the checklist result of each member's score sheet (id → sheet file).

    Raises:
        InputError: a sheet that cannot be read, or one without scores.
    """
    if not sheets:
        return result
    from koladagap.checklist import sheet_results

    scores: dict[str, object] = dict(result.scores)
    for mid, path in sheets.items():
        scores[mid] = sheet_results(path, lang)
    return dataclasses.replace(result, scores=scores)


__all__ = ["NO_VALUES", "with_reasons", "with_scores"]
