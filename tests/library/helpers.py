"""Constants and helpers shared by the library tests (fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

import filon

CAPACITY_MG = 1_000_000  # one kilogram of fine gold a year
TEN_YEARS = 10 * 365 * 86_400
PERMIT_HASH = b"\x01" * 32
LOCATION_HASH = b"\x02" * 32


def root(label: str) -> bytes:
    """A deterministic, non-zero 32-byte passport root."""
    return Web3.keccak(text=f"passport:{label}")


def rpc(url: str, method: str, *params: Any) -> Any:
    """A raw JSON-RPC call (Anvil's evm_* and anvil_* methods)."""
    response = HTTPProvider(url).make_request(method, list(params))
    assert "error" not in response, response
    return response["result"]


@dataclass(frozen=True)
class Roles:
    registrar: LocalAccount
    miner: LocalAccount
    miner2: LocalAccount
    plant: LocalAccount
    refiner: LocalAccount
    outsider: LocalAccount


@dataclass(frozen=True)
class World:
    """A module's deployment: participants admitted, mine 1 run by `miner`, mine 2 by `miner2`."""

    url: str
    deployment: filon.Deployment
    mine: filon.MineId
    mine2: filon.MineId
    permit_expiry: int


def nonce(url: str, account: LocalAccount) -> int:
    """The account's pending nonce: proves that a call sent nothing."""
    return int(Web3(HTTPProvider(url)).eth.get_transaction_count(account.address, "pending"))
