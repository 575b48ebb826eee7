"""Two requests for exploring Kolada and a look at the cache, beside the client.

- :func:`join_metadata`: the tidy values with each KPI's title, unit and operating
  area and each municipality's name, type and county (*län*), by vectorised lookups
  in the catalogues;
- :func:`municipality_values`: every KPI's values for one municipality, from the
  data form ``/data/municipality/{id}/year/{years}`` (years in chunks of at most 25,
  every page followed); rows Kolada sends for another municipality or another year
  are left out, never counted;
- :func:`probe`: does Kolada answer, and how fast — one small request
  (``/municipality/0000``) sent once, without retries, so that a dead API is said
  at once;
- :func:`cache_summary`: what the cache holds (KPIs, damaged files, files, bytes,
  when last fetched), without reading the values.

Examples:
    >>> c = KoladaClient("https://api.kolada.se/v3")
    >>> urls = municipality_urls(c, "0180", range(1990, 2031))
    >>> [(u.split("/v3/")[1].split("/year/")[0], u.split("/year/")[1].count(",") + 1) for u in urls]
    [('data/municipality/0180', 25), ('data/municipality/0180', 16)]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from koladagap.columns import KPI, MUNICIPALITY_ID, PERIOD, RIKET_ID, is_group, org_kind
from koladagap.errors import APIError, CacheError
from koladagap.kolada.cache import Cache
from koladagap.kolada.client import FIRST_YEAR, KoladaClient
from koladagap.kolada.frames import records_to_frame
from koladagap.kolada.http import get_json, make_session
from koladagap.kolada.source import KoladaSource

log = logging.getLogger("koladagap.kolada.explore")

PROBE_TIMEOUT = 10.0
"""The longest a health check waits for a connection and for the answer, in seconds."""


JOIN_COLUMNS = [
    "kpi_title",
    "kpi_unit",
    "operating_area",
    "municipality",
    "municipality_type",
    "county_id",
    "county",
]
"""The columns :func:`join_metadata` adds (KPI ones after ``kpi``, the others after the id)."""

_UNIT_HEAD = re.compile(
    r"^(?:\(%\)|%|(?:andel|antal|kr|tkr|mkr|miljoner kronor|kronor|index|genomsnitt|"
    r"medelvärde|medianvärde|median|mediantid|dagar|år|timmar|minuter|kg|gram|ton|MWh|kWh|"
    r"GWh|MW|meter|km|kvm|kbm|liter|hektar|procent|procentenheter|promille|poäng|"
    r"meritvärdespoäng|balanstal|kvot|svarsfrekvens|recept|Mbit/s)(?![\w]))",
    re.IGNORECASE,
)
_TITLE_TAIL = re.compile(r",\s*([^,]+?)\s*(?:\(\s*-\s*\d{4}\s*\))?\s*$")


def kpi_units(catalogue: pd.DataFrame) -> pd.Series:
    """Each KPI's unit (index: the id), from a ``unit`` column or else from its title.

    The title's last comma-separated part is the unit when it begins with a unit
    word (``andel``, ``antal``, ``kr`` …, ``%``); a note that the series ended
    (``"(-2024)"``) is left out; a long phrase is cut to its unit word.

    Examples:
        >>> cat = pd.DataFrame({"id": ["A", "B", "C", "D"], "title": [
        ...     "Elever, andel (%)", "Kostnad, kr/inv (-2024)", "Fråga, index för påståendet "
        ...     "Jag vet vad som förväntas av mig i mitt arbete.", "Finns plan (Ja=1, Nej=0)"]})
        >>> kpi_units(cat).tolist()
        ['andel (%)', 'kr/inv', 'index', <NA>]
    """
    ids = catalogue["id"].astype("string")
    if "unit" in catalogue.columns and catalogue["unit"].notna().any():
        return catalogue["unit"].astype("string").set_axis(pd.Index(ids)).rename("unit")
    tail = catalogue["title"].astype("string").str.extract(_TITLE_TAIL)[0].str.strip()
    head = tail.str.extract(f"({_UNIT_HEAD.pattern})", flags=re.IGNORECASE, expand=False)
    unit = tail.where(head.notna() & (tail.str.len() <= 40), head)
    return unit.astype("string").set_axis(pd.Index(ids)).rename("unit")


def lookup(table: pd.DataFrame, key: str, column: str) -> pd.Series:
    """``table[column]`` indexed by ``table[key]`` as strings (first row of a repeated key).

    >>> lookup(pd.DataFrame({"id": ["a", "a"], "title": ["x", "y"]}), "id", "title").to_dict()
    {'a': 'x'}
    """
    t = table.drop_duplicates(key)
    return pd.Series(t[column].to_numpy(), index=t[key].astype("string"))


def join_metadata(
    values: pd.DataFrame,
    kpi_meta: pd.DataFrame,
    municipality_meta: pd.DataFrame,
    group_meta: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The tidy values with :data:`JOIN_COLUMNS` added (vectorised lookups, rows unchanged).

    ``kpi_title``, ``kpi_unit`` (see :func:`kpi_units`) and ``operating_area`` come
    after ``kpi``; ``municipality`` (the name), ``municipality_type`` (``kommun``,
    ``region``, ``riket`` or ``group``), ``county_id`` and ``county`` after
    ``municipality_id``. A kommun's county is the region whose id is ``00`` and
    the kommun code's first two digits (1233 Vellinge → 0012 Region Skåne); a
    region is its own county; Riket and groups have none. Ids the catalogue lacks
    get empty names, never dropped rows. ``group_meta`` (the municipality groups)
    names group ids (``G…``).

    Examples:
        >>> from koladagap.kolada import sample as s
        >>> v = s.sample_values().query("kpi == 'N15428' and municipality_id == '1233'").head(1)
        >>> j = join_metadata(v, s.sample_kpis(), s.sample_municipalities())
        >>> j[["kpi_unit", "municipality", "municipality_type", "county_id", "county"]]
        ... # doctest: +NORMALIZE_WHITESPACE
          kpi_unit municipality municipality_type county_id        county
        0 andel (%)     Vellinge            kommun      0012  Region Skåne
    """
    out = values.reset_index(drop=True)
    k_codes, k_ids = pd.factorize(out[KPI].astype("string"))
    m_codes, m_ids = pd.factorize(out[MUNICIPALITY_ID].astype("string"))
    kpi, mid = pd.Series(k_ids, dtype="string"), pd.Series(m_ids, dtype="string")
    names = lookup(municipality_meta, "id", "title").astype("string")
    if group_meta is not None and len(group_meta):
        names = pd.concat([names, lookup(group_meta, "group_id", "group_title")])
    kind = org_kind(mid)
    county_id = pd.Series(pd.NA, index=mid.index, dtype="string")
    county_id = county_id.mask(kind == "kommun", "00" + mid.str.slice(0, 2))
    county_id = county_id.mask(kind == "region", mid)
    kmeta = kpi_meta.loc[kpi_meta["id"].isin(kpi).to_numpy(dtype=bool)]
    per_kpi = {  # one value per distinct KPI, then spread over the rows
        "kpi_title": kpi.map(lookup(kmeta, "id", "title")),
        "kpi_unit": kpi.map(kpi_units(kmeta)),
        "operating_area": kpi.map(lookup(kmeta, "id", "operating_area")),
    }
    per_muni = {
        "municipality": mid.map(names),
        "municipality_type": kind.replace("", pd.NA),
        "county_id": county_id,
        "county": county_id.map(names),
    }
    for after, cols, codes in ((KPI, per_kpi, k_codes), (MUNICIPALITY_ID, per_muni, m_codes)):
        at = out.columns.tolist().index(after) + 1
        for i, (name, col) in enumerate(cols.items()):
            spread = col.astype("string").array.take(codes, allow_fill=True)
            out.insert(at + i, name, pd.Series(spread, index=out.index, dtype="string"))
    return out


def joined(values: pd.DataFrame, kg: KoladaSource) -> pd.DataFrame:
    """:func:`join_metadata` with the catalogues of ``kg`` (what ``values(join=True)`` does)."""
    groups = None
    if len(values) and is_group(values[MUNICIPALITY_ID]).any():
        groups = kg._metadata("municipality_groups")
    return join_metadata(values, kg._metadata("kpis"), kg._metadata("municipalities"), groups)


def all_years() -> list[int]:
    """Every year Kolada can hold: from its earliest series (1970) to this year.

    >>> all_years()[0], all_years()[-1] == dt.date.today().year
    (1970, True)
    """
    return list(range(FIRST_YEAR, dt.date.today().year + 1))


def municipality_urls(client: KoladaClient, municipality: str, years: Iterable[int]) -> list[str]:
    """The first-page URLs of every KPI's values for ``municipality`` in ``years``."""
    return client.build_urls("data", municipalities=[municipality], years=list(years))


def municipality_values(
    client: KoladaClient, municipality: str, years: Iterable[int] | None = None
) -> pd.DataFrame:
    """Every KPI's values for one municipality as the tidy long frame.

    ``years=None`` asks for every year from 1970 to this year (three requests of at
    most 25 years, each followed through all its pages). Rows of another
    municipality or of a year not asked are dropped with a warning: an answer is
    checked against its question.
    """
    wanted = all_years() if years is None else sorted({int(y) for y in years})
    urls = municipality_urls(client, municipality, wanted)
    frame = records_to_frame(client.fetch_all(urls), source=urls[0] if urls else client.base_url)
    keep = (frame[MUNICIPALITY_ID] == municipality).to_numpy(dtype=bool) & frame[PERIOD].isin(
        wanted
    ).to_numpy(dtype=bool)
    if not keep.all():
        log.warning(
            "Kolada's answer for municipality %s held %d rows of other municipalities or "
            "years; left out [%s]",
            municipality,
            int((~keep).sum()),
            urls[0],
        )
    return frame.loc[keep].reset_index(drop=True)


@dataclasses.dataclass(frozen=True)
class Probe:
    """The answer to "does Kolada answer?".

    Attributes:
        url: the URL asked.
        ok: a v3 answer came back (holding Riket, 0000).
        ms: how long the request took, in milliseconds (``None`` when none came).
        reason: why not, in a few words (``""`` when ``ok``).
    """

    url: str
    ok: bool
    ms: float | None
    reason: str = ""


def probe(client: KoladaClient, *, timeout: float = PROBE_TIMEOUT) -> Probe:
    """Ask Kolada for Riket's catalogue entry once (no retries); say whether and how fast.

    The client's proxies and certificates are used; its retries are not, so that
    an API that is down is reported within ``timeout`` seconds rather than after the
    retries and their backoff.
    """
    base = client.settings
    settings = dataclasses.replace(
        base,
        retries=0,
        connect_retries=0,
        body_retries=0,
        connect_timeout=min(base.connect_timeout, timeout),
        read_timeout=min(base.read_timeout, timeout),
    )
    session = make_session(settings)
    for attr in ("proxies", "verify", "cert", "trust_env"):
        setattr(session, attr, getattr(client.session, attr))
    url = client.build_urls("municipality", ids=RIKET_ID)[0]
    start = time.perf_counter()
    try:
        payload: dict[str, Any] = get_json(session, url, settings)
    except APIError as err:
        return Probe(url, False, None, str(err).removesuffix(f" [{err.url}]"))
    finally:
        session.close()
    ms = (time.perf_counter() - start) * 1000.0
    ids = {str(v.get("id")) for v in payload["values"] if isinstance(v, dict)}
    if RIKET_ID not in ids:
        return Probe(url, False, ms, "the answer does not hold Riket (0000): not a Kolada v3 API?")
    return Probe(url, True, ms)


def _folder_size(path: Path) -> tuple[int, int]:
    """``(data files, bytes)`` under ``path``; what cannot be listed or read is not counted.

    The data files are the Parquet files; ``bytes`` counts everything (checksums,
    locks and quarantined files too).
    """
    files = size = 0
    for root, _dirs, names in os.walk(path, onerror=lambda err: None):
        for name in names:
            try:
                size += (Path(root) / name).stat().st_size
            except OSError:
                continue
            files += name.endswith(".parquet") and Path(root).name != "quarantine"
    return files, size


def cache_summary(cache: Cache) -> dict[str, Any]:
    """What the cache holds: ``path, kpis, corrupt, files, bytes, last_fetched, problem``.

    ``kpis`` counts the KPIs with a values file, ``corrupt`` those whose file cannot
    be read, ``files`` the Parquet data files and ``bytes`` everything under the
    folder (checksums, locks and quarantine too), ``last_fetched``
    the newest fetch (UTC; ``None`` for an empty cache). A cache that cannot be
    read at all is not an error here: ``problem`` says why (``""`` when none).

    Examples:
        >>> import tempfile
        >>> s = cache_summary(Cache(tempfile.mkdtemp()))
        >>> s["kpis"], s["files"], s["bytes"], s["last_fetched"], s["problem"]
        (0, 0, 0, None, '')
    """
    files, size = _folder_size(cache.path)
    problem = ""
    try:
        info = cache.info()
    except (CacheError, OSError) as err:
        info = pd.DataFrame({"status": [], "fetched_at": []})
        problem = " ".join(str(err).split())
    last = info["fetched_at"].max() if len(info) else None
    return {
        "path": str(cache.path),
        "kpis": len(info),
        "corrupt": int((info["status"] == "corrupt").sum()) if len(info) else 0,
        "files": files,
        "bytes": size,
        "last_fetched": None if last is None or pd.isna(last) else last.to_pydatetime(),
        "problem": problem,
    }


__all__ = [
    "JOIN_COLUMNS",
    "PROBE_TIMEOUT",
    "Probe",
    "all_years",
    "cache_summary",
    "join_metadata",
    "joined",
    "kpi_units",
    "lookup",
    "municipality_urls",
    "municipality_values",
    "probe",
]
