"""The ``slutrapport`` command (issue 12; being built)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add the command to the ``koladagap`` parser (nothing yet)."""
    del sub
