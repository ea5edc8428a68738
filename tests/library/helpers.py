"""Constants and helpers shared by the library tests (fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

import filon
from common import CAPACITY_MG as CAPACITY_MG
from common import LOCATION_HASH as LOCATION_HASH
from common import PERMIT_HASH as PERMIT_HASH
from common import TEN_YEARS as TEN_YEARS
from common import root as root
from common import rpc as rpc


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
