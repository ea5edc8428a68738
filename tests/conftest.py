"""Shared test setup: no test may reach anything but this machine.

Filón's tests run against local chains (Ape's in-process EVM, Anvil on loopback) and local stores only.
A connection to any other address fails loudly, so that a test which quietly depends on the network (a solc
download, a remote RPC) cannot pass here and then break on a locked-down server.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from filon.devchain import Anvil, start_anvil

# A run that skipped the PostgreSQL or browser tests ends with a banner (servers.py).
from servers import pytest_terminal_summary as pytest_terminal_summary

# The demo's scenario (scripts/_scenario.py) is test data for the demo, index and explorer tests. It is loaded
# by its path: scripts/ is not a package, and putting it on sys.path would expose every Ape script as a
# top-level module.
_SCENARIO = Path(__file__).resolve().parent.parent / "scripts" / "_scenario.py"
if "_scenario" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("_scenario", _SCENARIO)
    assert _spec is not None and _spec.loader is not None
    sys.modules["_scenario"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["_scenario"])

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkAccessError(RuntimeError):
    """A test tried to connect to a host that is not on this machine."""


def _check_address(address: Any) -> None:
    if not isinstance(address, tuple):  # AF_UNIX paths are local by definition
        return
    host = address[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost":
            return
        raise NetworkAccessError(f"tests may not connect to {host!r}") from None
    if not ip.is_loopback:
        raise NetworkAccessError(f"tests may not connect to {host}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    """One real Anvil node for the session: each module deploys its own FilonLots on it, and tests take time
    from the chain (never the wall clock), so modules that move its clock do not disturb the others."""
    with start_anvil() as node:
        yield node
