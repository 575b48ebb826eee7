"""Deprecated package: the report writers moved to :mod:`koladagap.render`."""
