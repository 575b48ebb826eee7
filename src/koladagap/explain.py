"""Deprecated alias of :mod:`koladagap.render.explain`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.render.explain")
