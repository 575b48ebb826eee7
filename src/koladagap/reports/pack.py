"""Deprecated alias of :mod:`koladagap.render.pack`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.render.pack")
