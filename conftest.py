"""Root test set-up, shared by tests/ and the doctests in src/: no real network.

Any attempt to connect to an address outside the loopback range fails the
test at once (the local Kolada stand-in listens on 127.0.0.1). Every test gets
a private, empty cache directory and never the user's; figures are closed.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

_real_connect = socket.socket.connect
_real_create_connection = socket.create_connection
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    else:
        return True  # AF_UNIX paths and the like stay on this machine
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkBlocked(RuntimeError):
    """A test tried to reach the network beyond loopback."""


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests are offline: blocked connection to {address!r}")
    return _real_connect(self, address)


def _guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests are offline: blocked connection to {address!r}")
    return _real_create_connection(address, *args, **kwargs)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None and not _is_loopback((host if isinstance(host, str) else host.decode(), 0)):
        raise NetworkBlocked(f"tests are offline: blocked name lookup of {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket, "create_connection", _guarded_create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own empty cache dir and never the user's."""
    d = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("KOLADAGAP_CACHE_DIR", str(d))
    monkeypatch.delenv("KOLADA_API_URL", raising=False)
    return d


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover
        return
    plt.close("all")


# Doctest collection skips the deprecated alias modules (importing them warns).
_SRC = Path(__file__).parent / "src" / "koladagap"
collect_ignore = [
    str(p)
    for p in _SRC.rglob("*.py")
    if "from koladagap._deprecated import alias" in p.read_text(encoding="utf-8")
]
