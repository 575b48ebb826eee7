"""Deprecated alias of :mod:`koladagap.benchmarking.units`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.benchmarking.units")
