"""Deprecated alias of :mod:`koladagap.benchmarking.plan`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.benchmarking.plan")
