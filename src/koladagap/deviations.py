"""Deprecated alias of :mod:`koladagap.benchmarking.run`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.benchmarking.run")
