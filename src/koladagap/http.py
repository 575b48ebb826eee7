"""Deprecated alias of :mod:`koladagap.kolada.http`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.kolada.http")
