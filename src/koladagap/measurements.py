"""Deprecated alias of :mod:`koladagap.benchmarking.measurements`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.benchmarking.measurements")
