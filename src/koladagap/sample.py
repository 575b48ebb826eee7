"""Deprecated alias of :mod:`koladagap.kolada.sample`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.kolada.sample")
