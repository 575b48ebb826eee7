"""The shipped real-data sample: Kolada values and metadata packaged with koladagap.

Built by ``scripts/build_sample.py`` from public snapshots of the Kolada API
(see ``manifest.json`` beside this file). Values are Kolada's own: cite
"Källa: Kolada".

Nothing is read at import time; each loader reads its Parquet file when
called and returns a fresh frame.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from koladagap.kolada.schema import DATA_SCHEMA, normalise_data_frame

SAMPLE_FILES = (
    "values.parquet",
    "kpis.parquet",
    "municipalities.parquet",
    "municipality_groups.parquet",
    "kpi_groups.parquet",
)


def sample_dir() -> Path:
    """The folder holding the sample's Parquet files."""
    return Path(str(resources.files(__name__)))


@cache
def _read(name: str) -> pd.DataFrame:
    path = sample_dir() / name
    schema = DATA_SCHEMA if name == "values.parquet" else None
    table = pq.read_table(path, schema=schema)
    df: pd.DataFrame = table.to_pandas()
    return df


def sample_values() -> pd.DataFrame:
    """All sample values as a tidy long frame (a copy)."""
    return normalise_data_frame(_read("values.parquet"))


def sample_kpis() -> pd.DataFrame:
    """The Kolada v3 KPI catalogue (6 099 KPIs) plus the 2 ended KPIs of the sample values."""
    return _read("kpis.parquet").copy()


def sample_municipalities() -> pd.DataFrame:
    """All 312 Kolada municipality ids: 290 kommuner, 21 regioner and Riket (0000)."""
    return _read("municipalities.parquet").copy()


def sample_municipality_groups() -> pd.DataFrame:
    """Municipality groups, one row per member.

    Columns: ``group_id, group_title, member_id, member_title``.
    """
    return _read("municipality_groups.parquet").copy()


def sample_kpi_groups() -> pd.DataFrame:
    """KPI groups, one row per member (``group_id, group_title, member_id, member_title``)."""
    return _read("kpi_groups.parquet").copy()


def sample_manifest() -> dict[str, Any]:
    """What the sample holds and where it came from."""
    data: dict[str, Any] = json.loads((sample_dir() / "manifest.json").read_text("utf-8"))
    return data
