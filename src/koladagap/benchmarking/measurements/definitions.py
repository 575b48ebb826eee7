"""The KPI sheet (``Nyckeltal``): validated definitions, their rules and their catalogue rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from koladagap.benchmarking.measurements.model import (
    BOOL_COLUMNS,
    CATALOGUE_COLUMNS,
    COUNT_SUFFIX,
    OPERATING_AREA,
    OWN_ID,
    SOURCE,
    count_kpi,
)
from koladagap.benchmarking.measurements.sheet import Sheet, mapped, numbers, organisation
from koladagap.benchmarking.measurements.vocabulary import (
    BOOL_WORDS,
    DEF_ALIASES,
    DEF_REQUIRED,
    DIRECTION_WORDS,
    GENDER_WORDS,
    KIND_WORDS,
)
from koladagap.columns import RIKET_ID
from koladagap.engine.thresholds import KpiRule
from koladagap.errors import ConfigError
from koladagap.kolada.frames import GROUP_LABELS, label_columns
from koladagap.kolada.metadata import municipality_kind

OWN_ID_HINT = (
    "own ids need a prefix, a hyphen and a name, e.g. EGEN-SJUK or SKOLA-TRYGG_AK8 "
    "(2–10 letters, '-', then letters, digits, _ or -); Kolada ids such as N00906 cannot be used"
)
"""What an own id looks like, for the message about a bad one."""
_CHILD_LABELS = GROUP_LABELS["sv"]["children"]


def definitions(sheet: Sheet) -> pd.DataFrame:
    """Validated definitions: one row per own KPI, with canonical values.

    Columns: ``id, title, unit, kind, direction, organisation, row,
    about_children, share_of, expected, description`` (``row``: the spreadsheet
    row; ``about_children`` ``None`` when not given).

    Raises:
        ConfigError: the first bad cell, naming its row and column.
    """
    sheet.require(DEF_REQUIRED, DEF_ALIASES)
    d = sheet.data
    if d.empty:
        raise ConfigError(
            "no KPIs defined: add a row per own KPI below the header",
            path=sheet.path,
            key=sheet.label,
        )
    ids = d["id"].str.upper()
    for col in DEF_REQUIRED:
        sheet.check(d[col] == "", col, lambda _i: "missing: every KPI needs this column filled")
    sheet.check(~ids.str.match(OWN_ID), "id", lambda i: f"invalid id {d['id'][i]!r}: {OWN_ID_HINT}")
    sheet.check(
        ids.str.endswith(COUNT_SUFFIX),
        "id",
        lambda i: f"id {d['id'][i]!r} ends in -N, which is reserved for the counts behind an id",
    )
    first = pd.Series(sheet.rows).groupby(ids.to_numpy()).transform("min").to_numpy()
    sheet.check(
        ids.duplicated().to_numpy(),
        "id",
        lambda i: f"id {ids[i]} is defined twice (first in row {first[i]})",
    )
    kind = mapped(d["kind"], KIND_WORDS)
    sheet.check(
        kind.isna(),
        "kind",
        lambda i: (
            f"unknown kind {d['kind'][i]!r}; accepted: share (andel), amount (belopp), "
            "share_of_one_sex (andel av ett kön), gap_value (skillnad)"
        ),
    )
    direction = mapped(d["direction"], DIRECTION_WORDS)
    sheet.check(
        direction.isna(),
        "direction",
        lambda i: (
            f"unknown direction {d['direction'][i]!r}; accepted: higher_is_better "
            "(högre är bättre), lower_is_better (lägre är bättre), need (behov), "
            "parity_target (jämn fördelning)"
        ),
    )
    org = organisation(d["organisation"])
    sheet.check(
        ~org.str.fullmatch(r"\d{4}") | (org == RIKET_ID),
        "organisation",
        lambda i: (
            f"expected the 4-digit id of a kommun or region such as 0180; "
            f"got {d['organisation'][i]!r}"
        ),
    )
    out = pd.DataFrame(
        {
            "id": ids,
            "title": d["title"],
            "unit": d["unit"],
            "kind": kind,
            "direction": direction,
            "organisation": org,
            "row": sheet.rows,
        }
    )
    out["about_children"] = _children(sheet)
    out["share_of"] = _share_of(sheet, kind)
    out["expected"] = _expected(sheet)
    out["description"] = d.get("description", "")
    return out


def _children(sheet: Sheet) -> pd.Series:
    d = sheet.data
    if "about_children" not in d:
        return pd.Series([None] * len(d), dtype=object)
    raw = d["about_children"]
    val = mapped(raw, BOOL_WORDS)
    sheet.check(
        (raw != "") & val.isna(),
        "about_children",
        lambda i: f"expected ja or nej (yes/no); got {raw[i]!r}",
    )
    return val.astype(object).where(val.notna(), None)


def _share_of(sheet: Sheet, kind: pd.Series) -> pd.Series:
    d = sheet.data
    need = (kind == "share_of_one_sex").to_numpy()
    if "share_of" not in d:
        if need.any():
            raise ConfigError(
                "a share_of_one_sex KPI needs a column Andel av (K or M: whose share it is)",
                path=sheet.path,
                key=sheet.where(int(sheet.rows[int(np.argmax(need))]), "kind"),
            )
        return pd.Series([None] * len(d), dtype=object)
    raw = d["share_of"]
    sex = mapped(raw, GENDER_WORDS)
    sheet.check(
        need & ~sex.isin(["K", "M"]).to_numpy(),
        "share_of",
        lambda i: f"a share_of_one_sex KPI needs K or M here (whose share it is); got {raw[i]!r}",
    )
    return sex.where(pd.Series(need), None).astype(object)


def _expected(sheet: Sheet) -> pd.Series:
    d = sheet.data
    if "expected" not in d:
        return pd.Series([np.nan] * len(d), dtype="float64")
    num, bad = numbers(d["expected"])
    sheet.check(
        bad,
        "expected",
        lambda i: (
            f"expected a number (the normal gap, in the KPI's unit); got {d['expected'][i]!r}"
        ),
    )
    return num


# --- what the engine and the catalogue receive ----------------------------------------------


def rules(defs: pd.DataFrame, has_counts: set[str]) -> dict[str, KpiRule]:
    """The validated :class:`~koladagap.engine.KpiRule` of each definition, by id.

    ``has_counts``: the ids with counts, which get ``denominator_kpi = <id>-N``.
    """
    out: dict[str, KpiRule] = {}
    for r in defs.to_dict("records"):
        k = str(r["id"])
        exp = r["expected"]
        rule = KpiRule(
            kpi=k,
            kind=r["kind"],
            direction=r["direction"],
            expected=None if pd.isna(exp) else float(exp),
            share_of=r["share_of"] if r["share_of"] in ("K", "M") else None,
            denominator_kpi=count_kpi(k) if k in has_counts else None,
            title=str(r["title"]),
        )
        rule.validate()
        out[k] = rule
    return out


def catalogue(defs: pd.DataFrame, has_counts: set[str]) -> pd.DataFrame:
    """Catalogue rows (:data:`~.model.CATALOGUE_COLUMNS`) of the own KPIs and their counts KPIs.

    A KPI said to be about children whose title does not already read so gets
    ``" (flickor/pojkar)"`` appended, so that reports label K/M as girls/boys.
    """
    title = defs["title"].astype(str)
    said = (label_columns(title)["label_women"] == _CHILD_LABELS[0]).to_numpy()
    child = defs["about_children"].eq(True).to_numpy(dtype=bool)
    title = title.where(~(child & ~said), title + f" ({'/'.join(_CHILD_LABELS)})")
    given = defs["about_children"].notna().to_numpy(dtype=bool)
    about = np.where(given, child, said)
    own = pd.DataFrame(
        {
            "id": defs["id"],
            "title": title,
            "description": defs["description"],
            "unit": defs["unit"],
            "organisation": defs["organisation"],
            "about_children": about,
        }
    )
    sub = own.loc[own["id"].isin(has_counts)]
    aux = sub.assign(
        id=sub["id"] + COUNT_SUFFIX,
        title=sub["title"] + " – antal (underlag för test)",
        description="Antal som andelen räknas på, per kön (egen mätning)",
        unit="antal",
    )
    cat = pd.concat([own, aux], ignore_index=True)
    cat["is_divided_by_gender"] = True
    region = municipality_kind(cat["organisation"]).eq("region").to_numpy(dtype=bool)
    cat["municipality_type"] = np.where(region, "L", "K")
    for c in ("auspice", "perspective", "prel_publication_date", "publication_date"):
        cat[c] = ""
    cat["publ_period"] = ""
    cat["operating_area"] = OPERATING_AREA
    cat["has_ou_data"] = False
    cat["source"] = SOURCE
    cat = cat[CATALOGUE_COLUMNS]
    for c in CATALOGUE_COLUMNS:
        if c not in BOOL_COLUMNS:
            cat[c] = cat[c].astype("string")
    return cat.reset_index(drop=True)


__all__ = ["OWN_ID_HINT", "catalogue", "definitions", "rules"]
