"""Saved sessions: each evaluation kept on disk so later sessions can compare with it.

A session is two files in a folder: ``<name>.parquet`` (the result frame,
exactly as :func:`~koladagap.engine.levels.evaluate` returned it) and
``<name>.json`` (the manifest: the plan, the thresholds, the data vintage, the
koladagap version and when it was made). Both are written to a temporary
file in the same folder and moved into place with :func:`os.replace`, the
Parquet file first, so a session either exists whole or not at all (the
manifest is the mark of a complete session).

Examples:
    >>> import tempfile
    >>> from koladagap.kolada.sample import sample_values, sample_municipalities
    >>> from koladagap.engine.levels import evaluate
    >>> res = evaluate(sample_values(), year=2022, municipalities=["0180"],
    ...                municipality_meta=sample_municipalities())
    >>> d = tempfile.mkdtemp()
    >>> _ = save_session(res, d, "benchmarking-1", {"plan": "Stockholm 2022"})
    >>> s = load_session(d, "benchmarking-1")
    >>> s.manifest["plan"], len(s.table) == len(res)
    ('Stockholm 2022', True)
    >>> list_sessions(d)["name"].tolist()
    ['benchmarking-1']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from koladagap._version import __version__
from koladagap.engine.thresholds import Thresholds
from koladagap.errors import CorruptCacheError, InputError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Session:
    """A loaded session.

    Attributes:
        name: the session name (file stem).
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
            f"invalid session name {name!r}: use 1–100 letters, digits, '.', '_' or '-', "
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
    raise TypeError(f"cannot store {type(obj).__name__} in a session manifest")


def _atomic_write(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_session(
    result: pd.DataFrame,
    directory: str | os.PathLike[str],
    name: str,
    manifest: Mapping[str, Any] | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write a result frame and its manifest as session ``name`` in ``directory``.

    The manifest gets ``name``, ``created_at`` (UTC, ISO 8601),
    ``koladagap_version``, ``rows``, ``years`` and ``municipalities`` added
    unless given; ``Thresholds`` objects and dataclasses are stored as dicts.

    Args:
        result: the frame to keep (usually :func:`evaluate`'s).
        directory: the sessions folder (created if missing).
        name: a file-safe name such as ``"2024-benchmarking-1"``.
        manifest: the plan, ``thresholds``, ``data_vintage`` and anything else.
        overwrite: replace an existing session of that name.

    Returns:
        The path of the manifest (``<directory>/<name>.json``).

    Raises:
        InputError: a bad name, or the session exists and ``overwrite`` is false.
    """
    _check_name(name)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    pq_path = folder / f"{name}.parquet"
    js_path = folder / f"{name}.json"
    if js_path.exists() and not overwrite:
        raise InputError(f"session {name!r} already exists in {folder}; pass overwrite=True")
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
    _atomic_write(pq_path, lambda p: result.to_parquet(p, index=False))
    _atomic_write(js_path, lambda p: Path(p).write_text(text + "\n", encoding="utf-8"))
    return js_path


def load_session(directory: str | os.PathLike[str], name: str) -> Session:
    """Read session ``name`` from ``directory``.

    Raises:
        InputError: no such session (the message lists the ones there are).
        CorruptCacheError: a session file that cannot be read.
    """
    _check_name(name)
    folder = Path(directory)
    pq_path = folder / f"{name}.parquet"
    js_path = folder / f"{name}.json"
    if not js_path.exists() or not pq_path.exists():
        have = ", ".join(list_sessions(folder)["name"]) or "none"
        raise InputError(f"no session {name!r} in {folder}; sessions: {have}")
    try:
        manifest = json.loads(js_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CorruptCacheError(f"unreadable session manifest: {err}", path=str(js_path)) from err
    try:
        table = pd.read_parquet(pq_path)
    except Exception as err:  # pyarrow raises several types for damaged files
        raise CorruptCacheError(f"unreadable session table: {err}", path=str(pq_path)) from err
    if not isinstance(manifest, dict):
        raise CorruptCacheError("session manifest is not a JSON object", path=str(js_path))
    return Session(name=name, table=table, manifest=manifest)


def list_sessions(directory: str | os.PathLike[str]) -> pd.DataFrame:
    """The complete sessions in ``directory``, oldest first.

    Columns: ``name, created_at, koladagap_version, rows, years, path``.
    Unreadable manifests are listed with ``created_at`` missing.
    """
    folder = Path(directory)
    cols = ["name", "created_at", "koladagap_version", "rows", "years", "path"]
    records: list[dict[str, Any]] = []
    if folder.is_dir():
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


__all__ = ["Session", "list_sessions", "load_session", "save_session"]
