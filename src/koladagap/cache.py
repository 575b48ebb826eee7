"""Deprecated alias of :mod:`koladagap.kolada.cache`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.kolada.cache")
