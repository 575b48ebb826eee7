"""Deprecated alias of :mod:`koladagap.render.charts`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.render.charts")
