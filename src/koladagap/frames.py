"""Deprecated alias of :mod:`koladagap.kolada.frames`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.kolada.frames")
