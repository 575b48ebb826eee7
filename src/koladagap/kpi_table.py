"""Deprecated alias of :mod:`koladagap.benchmarking.kpi_table`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.benchmarking.kpi_table")
