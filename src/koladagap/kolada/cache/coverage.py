"""Coverage: which ``municipalities × years`` of a KPI the recorded fetches answer.

A coverage entry is ``{municipalities, years, fetched_at, from_date}`` with lists or
``"*"`` (all); a file's coverage is a list of entries whose union says which queries
the file answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def year_text(years: Iterable[int]) -> str:
    """``[2015, 2016, 2017, 2020]`` → ``"years 2015-2017, 2020"``.

    >>> year_text([2017, 2015, 2016, 2020]), year_text([2022])
    ('years 2015-2017, 2020', 'year 2022')
    """
    ys = sorted(set(years))
    runs: list[str] = []
    start = 0
    for i in range(1, len(ys) + 1):
        if i == len(ys) or ys[i] != ys[i - 1] + 1:
            a, b = ys[start], ys[i - 1]
            runs.append(str(a) if a == b else f"{a}-{b}")
            start = i
    word = "year" if len(ys) == 1 else "years"
    return f"{word} {', '.join(runs)}"


def norm_scope(value: Any, kind: str) -> str | list[Any]:
    """A query's ``municipalities`` or ``years`` as ``"*"`` or a sorted list without repeats."""
    if value is None or value == "*":
        return "*"
    if isinstance(value, (str, int)):
        value = [value]
    if kind == "years":
        return sorted({int(v) for v in value})
    return sorted({str(v) for v in value})


def subsumes(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when coverage entry ``a`` covers everything entry ``b`` covers.

    >>> subsumes({"municipalities": "*", "years": [2022]},
    ...          {"municipalities": ["0180"], "years": [2022]})
    True
    """
    for key in ("municipalities", "years"):
        if a[key] == "*":
            continue
        if b[key] == "*" or not set(b[key]) <= set(a[key]):
            return False
    return True


def uncovered(
    coverage: Sequence[Mapping[str, Any]], municipalities: list[str] | None, years: list[int] | None
) -> list[tuple[list[str] | None, list[int] | None]]:
    """What of ``municipalities × years`` the union of ``coverage`` misses.

    Returns ``(municipalities, years)`` pairs; ``None`` stands for "all".
    """
    by_years: dict[tuple[int, ...] | None, list[str] | None] = {}
    munis: list[str | None] = list(municipalities) if municipalities is not None else [None]
    for m in munis:
        entries = [
            e
            for e in coverage
            if e.get("municipalities") == "*" or (m is not None and m in e["municipalities"])
        ]
        if any(e.get("years") == "*" for e in entries):
            continue
        if years is None:
            gap: tuple[int, ...] | None = None
        else:
            have: set[int] = set()
            for e in entries:
                have.update(int(y) for y in e["years"])
            left = sorted(set(years) - have)
            if not left:
                continue
            gap = tuple(left)
        if m is None:
            by_years[gap] = None
        else:
            slot = by_years.setdefault(gap, [])
            if slot is not None:
                slot.append(m)
    return [(ms, list(ys) if ys is not None else None) for ys, ms in by_years.items()]


def describe(kpi: str, munis: list[str] | None, years: list[int] | None) -> str:
    """One missing piece in words, e.g. ``"N00906 municipality 1280 year 2022"``."""
    if munis is None:
        who = "all municipalities"
    else:
        shown = ", ".join(munis[:10]) + (" …" if len(munis) > 10 else "")
        who = f"{'municipality' if len(munis) == 1 else 'municipalities'} {shown}"
    when = "all years" if years is None else year_text(years)
    return f"{kpi} {who} {when}"
