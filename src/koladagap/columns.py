"""The names every layer shares: the tidy frame's columns and Kolada's gender codes.

The tidy long frame of Kolada values has one row per KPI × municipality (or
organisational unit) × period × gender. :mod:`koladagap.kolada.schema` adds the dtypes
and validation; the engine reads frames by these names without knowing Kolada.
"""

from __future__ import annotations

KPI = "kpi"
MUNICIPALITY_ID = "municipality_id"
OU_ID = "ou_id"
PERIOD = "period"
GENDER = "gender"
VALUE = "value"
COUNT = "count"
STATUS = "status"
ISDELETED = "isdeleted"

GENDERS = ("T", "K", "M")
"""Kolada's gender codes: total, women (girls), men (boys)."""

DATA_COLUMNS = [KPI, MUNICIPALITY_ID, PERIOD, GENDER, VALUE, COUNT, STATUS, ISDELETED]
OU_DATA_COLUMNS = [KPI, OU_ID, PERIOD, GENDER, VALUE, COUNT, STATUS, ISDELETED]

RIKET_ID = "0000"
"""Kolada's id of Sweden as a whole (Riket)."""
