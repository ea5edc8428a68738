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
from ape.api.transactions import ReceiptAPI

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

# After each transaction to a contract, Ape traces it to print the `console.log` lines of Hardhat's
# console.sol (ape_ethereum.provider._post_send_transaction, which has no setting for it): a fifth of the
# contract tests' time on the in-process EVM. Filón's contracts import no console and log nothing
# (tests/contracts/test_artifacts.py checks it), so the tests skip the trace.
ReceiptAPI.show_debug_logs = lambda self: None  # type: ignore[method-assign]

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


# The files that take longest, first: `--dist loadfile` hands whole files to the workers in the order they
# were collected, so a long file collected last keeps one worker busy long after the other ran out of work.
# Measured with `--durations=0` (tests/README.md); the order of the rest is unchanged.
SLOW_FILES = (
    "tests/contracts/test_access_matrix.py",
    "tests/packaging/test_wheel.py",
    "tests/contracts/test_lots.py",
    "tests/scripts/test_networks.py",
    "tests/contracts/test_invariants.py",
    "tests/scripts/test_scripts.py",
    "tests/contracts/test_registry.py",
    "tests/security/test_slither.py",
    "tests/explorer/test_api_fuzz.py",
    "tests/toolchain/test_offline_toolchain.py",
    "tests/contracts/test_artifacts.py",
    "tests/store/test_shared_store.py",
    "tests/scripts/test_sepolia.py",
)
_ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: position for position, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.relative_to(_ROOT).as_posix(), len(SLOW_FILES)))
