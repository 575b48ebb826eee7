"""Deprecated alias of :mod:`koladagap.kolada.metadata`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.kolada.metadata")
