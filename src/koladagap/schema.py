"""Deprecated alias of :mod:`koladagap.kolada.schema`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.kolada.schema")
