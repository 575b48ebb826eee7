"""Deprecated alias of :mod:`koladagap.kolada.client`."""

from koladagap._deprecated import alias

alias(__name__, "koladagap.kolada.client")
