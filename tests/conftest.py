"""Fixtures for tests/: the local Kolada stand-in and quick HTTP settings.

The network guard, the private cache and figure closing live in the root
``conftest.py`` so that they also cover the doctests in ``src/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def _standin_server() -> Iterator[Any]:
    from kolada_standin import KoladaStandin

    with KoladaStandin() as server:
        yield server


@pytest.fixture
def standin(_standin_server: Any) -> Iterator[Any]:
    """The shared local Kolada stand-in (the shipped sample), with no faults queued.

    Tests that revise or delete data start their own ``KoladaStandin`` instead.
    """
    server = _standin_server
    server.faults.clear()
    server.reset_counters()
    server.latency = 0.0
    yield server
    server.faults.clear()
    server.latency = 0.0


@pytest.fixture
def fast_settings() -> Any:
    """HTTP settings for tests: no rate cap, tiny backoff, short timeouts."""
    from koladagap.kolada.http import HTTPSettings

    return HTTPSettings(
        rate_limit=0, backoff_factor=0.01, backoff_max=0.05, retries=3, read_timeout=5.0
    )
