"""Deprecated alias of :mod:`koladagap.benchmarking.data`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.benchmarking.data")
