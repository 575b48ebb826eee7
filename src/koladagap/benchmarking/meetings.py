"""Meeting results: each meeting's evaluation kept on disk so later meetings can compare with it.

A meeting result is two files in a folder: ``<name>.parquet`` (the result frame,
exactly as :func:`~koladagap.engine.levels.evaluate` returned it) and
``<name>.json`` (the manifest: the plan, the thresholds, the data vintage, the
koladagap version and when it was made). Both are written to a temporary
file in the same folder and moved into place with :func:`os.replace`, the
Parquet file first, so a meeting result either exists whole or not at all (the
manifest is the mark of a complete one).

The names before "meeting" was the word (``Session``, ``save_session``,
``load_session``, ``list_sessions``) still work for one release and warn.

Examples:
    >>> import tempfile
    >>> from koladagap.kolada.sample import sample_values, sample_municipalities
    >>> from koladagap.benchmarking.kpi_table import kpi_table
    >>> from koladagap.engine.levels import evaluate
    >>> res = evaluate(sample_values(), year=2022, municipalities=["0180"],
    ...                municipality_meta=sample_municipalities(), kpi_table=kpi_table())
    >>> d = tempfile.mkdtemp()
    >>> _ = save_meeting(res, d, "benchmarking-1", {"plan": "Stockholm 2022"})
    >>> m = load_meeting(d, "benchmarking-1")
    >>> m.manifest["plan"], len(m.table) == len(res)
    ('Stockholm 2022', True)
    >>> list_meetings(d)["name"].tolist()
    ['benchmarking-1']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from koladagap._files import atomic_path, write_atomic
from koladagap._version import __version__
from koladagap.engine.thresholds import Thresholds
from koladagap.errors import CorruptCacheError, InputError

if TYPE_CHECKING:
    from koladagap.benchmarking.plan import Meeting, Plan

log = logging.getLogger("koladagap")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SLUG = re.compile(r"[^a-z0-9]+")
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class MeetingResult:
    """A meeting's stored result, loaded.

    Attributes:
        name: the file stem (e.g. ``"benchmarking-1"``).
        table: the saved result frame.
        manifest: the saved manifest (plan, thresholds, vintage, version, created_at, ...).
    """

    name: str
    table: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def thresholds(self) -> Thresholds:
        """The thresholds recorded in the manifest (defaults when none were)."""
        data = self.manifest.get("thresholds")
        return Thresholds.from_dict(data) if isinstance(data, Mapping) else Thresholds()


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or name.endswith(".tmp"):
        raise InputError(
            f"invalid meeting result name {name!r}: use 1–100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Thresholds):
        return obj.to_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in a meeting result's manifest")


def save_meeting(
    result: pd.DataFrame,
    directory: str | os.PathLike[str],
    name: str,
    manifest: Mapping[str, Any] | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write a result frame and its manifest as meeting result ``name`` in ``directory``.

    The manifest gets ``name``, ``created_at`` (UTC, ISO 8601),
    ``koladagap_version``, ``rows``, ``years`` and ``municipalities`` added
    unless given; ``Thresholds`` objects and dataclasses are stored as dicts.

    Args:
        result: the frame to keep (usually :func:`evaluate`'s).
        directory: the folder of meeting results (created if missing).
        name: a file-safe name such as ``"2024-benchmarking-1"``.
        manifest: the plan, ``thresholds``, ``data_vintage`` and anything else.
        overwrite: replace an existing result of that name.

    Returns:
        The path of the manifest (``<directory>/<name>.json``).

    Raises:
        InputError: a bad name, or the result exists and ``overwrite`` is false.
    """
    _check_name(name)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    pq_path = folder / f"{name}.parquet"
    js_path = folder / f"{name}.json"
    if js_path.exists() and not overwrite:
        raise InputError(f"meeting result {name!r} already exists in {folder}; pass overwrite=True")
    info: dict[str, Any] = dict(manifest or {})
    info.setdefault("name", name)
    info.setdefault("created_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    info.setdefault("koladagap_version", __version__)
    info.setdefault("manifest_version", MANIFEST_VERSION)
    info.setdefault("rows", len(result))
    if "period" in result.columns and len(result):
        info.setdefault("years", sorted(int(y) for y in pd.unique(result["period"].dropna())))
    if "municipality_id" in result.columns:
        info.setdefault("municipalities", int(result["municipality_id"].nunique()))
    text = json.dumps(info, ensure_ascii=False, indent=2, default=_jsonable)
    with atomic_path(pq_path) as tmp:
        result.to_parquet(tmp, index=False)
    write_atomic(js_path, text + "\n")
    return js_path


def load_meeting(directory: str | os.PathLike[str], name: str) -> MeetingResult:
    """Read meeting result ``name`` from ``directory``.

    Raises:
        InputError: no such result (the message lists the ones there are).
        CorruptCacheError: a file of it that cannot be read.
    """
    _check_name(name)
    folder = Path(directory)
    pq_path = folder / f"{name}.parquet"
    js_path = folder / f"{name}.json"
    if not js_path.exists() or not pq_path.exists():
        have = ", ".join(list_meetings(folder)["name"]) or "none"
        raise InputError(f"no meeting result {name!r} in {folder}; there are: {have}")
    try:
        manifest = json.loads(js_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CorruptCacheError(
            f"unreadable meeting result manifest: {err}", path=str(js_path)
        ) from err
    try:
        table = pd.read_parquet(pq_path)
    except Exception as err:  # pyarrow raises several types for damaged files
        raise CorruptCacheError(
            f"unreadable meeting result table: {err}", path=str(pq_path)
        ) from err
    if not isinstance(manifest, dict):
        raise CorruptCacheError("meeting result manifest is not a JSON object", path=str(js_path))
    return MeetingResult(name=name, table=table, manifest=manifest)


def list_meetings(directory: str | os.PathLike[str] | None) -> pd.DataFrame:
    """The complete meeting results in ``directory``, oldest first (``None``: none).

    Columns: ``name, created_at, koladagap_version, rows, years, path``.
    Unreadable manifests are listed with ``created_at`` missing.
    """
    cols = ["name", "created_at", "koladagap_version", "rows", "years", "path"]
    records: list[dict[str, Any]] = []
    folder = Path(directory) if directory is not None else None
    if folder is not None and folder.is_dir():
        for js in sorted(folder.glob("*.json")):
            if not (folder / f"{js.stem}.parquet").exists():
                continue
            try:
                m = json.loads(js.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                m = {}
            m = m if isinstance(m, dict) else {}
            years = m.get("years")
            records.append(
                {
                    "name": js.stem,
                    "created_at": m.get("created_at"),
                    "koladagap_version": m.get("koladagap_version"),
                    "rows": m.get("rows"),
                    "years": ",".join(str(y) for y in years) if isinstance(years, list) else None,
                    "path": str(js.with_suffix(".parquet")),
                }
            )
    df = pd.DataFrame.from_records(records, columns=cols)
    df = df.sort_values(["created_at", "name"], na_position="first", ignore_index=True)
    for c in ("name", "created_at", "koladagap_version", "years", "path"):
        df[c] = df[c].astype("string")
    df["rows"] = df["rows"].astype("Int64")
    return df


# --- a plan's meetings ------------------------------------------------------------------


def meeting_slug(name: str) -> str:
    """A file-safe name for a meeting's stored result (``"Benchmarking 1"`` → ``"benchmarking-1"``).

    >>> meeting_slug("Resultatkonferens 2024/25")
    'resultatkonferens-2024-25'
    """
    table = str.maketrans("åäöéü", "aaoeu")
    return _SLUG.sub("-", name.casefold().translate(table)).strip("-") or "session"


def meetings_folder(plan: Plan, meetings_dir: str | os.PathLike[str] | None) -> Path | None:
    """Where a plan's meeting results are kept (``None``: nowhere).

    ``"default"`` is ``sessions/<plan file name>/`` next to the plan file: one folder
    per plan file, so two plans side by side never share results (the folder keeps
    its old name, so results stored before are found).
    """
    if meetings_dir is None:
        return None
    if meetings_dir == "default":
        base = Path(plan.path).parent if plan.path else Path.cwd()
        stem = Path(plan.path).stem if plan.path else f"plan-{plan.organisation}"
        return base / "sessions" / stem
    return Path(meetings_dir)


def save_plan_meeting(
    folder: str | os.PathLike[str],
    plan: Plan,
    meeting: Meeting,
    table: pd.DataFrame,
    *,
    data_source: str,
    data_vintage: str,
) -> Path:
    """Keep ``table`` as ``meeting``'s result, with the plan and the data's origin."""
    manifest = {
        "session": {"name": meeting.name, "year": meeting.year},
        "plan": plan.to_dict(),
        "plan_path": plan.path,
        "thresholds": plan.thresholds.to_dict(),
        "data_source": data_source,
        "data_vintage": data_vintage,
    }
    return save_meeting(table, folder, meeting_slug(meeting.name), manifest, overwrite=True)


def stored_baseline(
    folder: str | os.PathLike[str] | None, plan: Plan
) -> tuple[pd.DataFrame | None, str | None]:
    """The baseline stored for this plan's organisation: ``(table, "stored")`` or ``(None, None)``.

    A baseline stored for another organisation is not used (and says so in the log).
    """
    slug = meeting_slug(plan.baseline.name)
    if folder is None or not (Path(folder) / f"{slug}.json").exists():
        return None, None
    stored = load_meeting(folder, slug)
    org = stored.manifest.get("plan", {}).get("organisation", {}).get("id")
    if org == plan.organisation:
        return stored.table, "stored"
    log.warning(
        "the stored baseline in %s is for %s, not %s: computing the baseline now",
        folder,
        org,
        plan.organisation,
    )
    return None, None


def stored_meetings(
    plan: Plan, meetings_dir: str | os.PathLike[str] | None = "default"
) -> pd.DataFrame:
    """The plan's meetings in the plan's order (baseline first), with what is stored for each.

    Columns: ``meeting, year, stored`` and those of :func:`list_meetings`
    (``name`` is the file stem; ``created_at``, ``rows`` … are missing for a
    meeting not yet run). ``meetings_dir`` as for
    :func:`~koladagap.benchmarking.run.run_plan`.

    Examples:
        >>> import tempfile
        >>> from koladagap.benchmarking.plan import parse_plan
        >>> from koladagap.benchmarking.run import run_plan
        >>> plan = parse_plan({"organisation": {"id": "0180"}, "kpis": {"ids": ["N00906"]},
        ...                    "sessions": {"baseline": {"name": "B1", "year": 2018},
        ...                                 "followups": [{"name": "B2", "year": 2022}]}})
        >>> d = tempfile.mkdtemp()
        >>> _ = run_plan(plan, source="sample", meetings_dir=d)  # stores B2, and B1 computed
        >>> stored_meetings(plan, d)[["meeting", "year", "stored"]].values.tolist()
        [['B1', 2018, True], ['B2', 2022, True]]
    """
    plan_order = pd.DataFrame(
        {
            "meeting": pd.array([m.name for m in plan.meetings], dtype="string"),
            "year": [m.year for m in plan.meetings],
            "name": pd.array([meeting_slug(m.name) for m in plan.meetings], dtype="string"),
        }
    )
    have = list_meetings(meetings_folder(plan, meetings_dir))
    out = plan_order.merge(have, on="name", how="left")
    out.insert(2, "stored", out["path"].notna().to_numpy(bool))
    return out


_OLD_NAMES: dict[str, tuple[str, Callable[..., Any] | type]] = {
    "Session": ("MeetingResult", MeetingResult),
    "save_session": ("save_meeting", save_meeting),
    "load_session": ("load_meeting", load_meeting),
    "list_sessions": ("list_meetings", list_meetings),
}


def __getattr__(name: str) -> Any:
    """The names before "meeting" was the word, for one release, with a warning."""
    if name in _OLD_NAMES:
        new, value = _OLD_NAMES[name]
        warnings.warn(
            f"koladagap.benchmarking.meetings.{name} is now {new}; "
            "the old name goes in koladagap 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MeetingResult",
    "list_meetings",
    "load_meeting",
    "meeting_slug",
    "meetings_folder",
    "save_meeting",
    "save_plan_meeting",
    "stored_baseline",
    "stored_meetings",
]
