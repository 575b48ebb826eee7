"""Deprecated alias of :mod:`koladagap.render.report`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.render.report")
