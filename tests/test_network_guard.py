import socket

import pytest
import requests


def test_real_network_is_blocked() -> None:
    with pytest.raises(Exception, match="offline"):
        requests.get("https://api.kolada.se/v3/kpi", timeout=1)


def test_loopback_is_allowed() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.create_connection(srv.getsockname(), timeout=1)
    c.close()
    srv.close()
