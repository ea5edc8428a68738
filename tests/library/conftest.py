"""Fixtures for the library tests: one real Anvil per session, a fresh deployment per module.

Every test runs between an `evm_snapshot` and an `evm_revert`, so it starts from its module's state, and
gets fresh clients (whose local nonces start from the chain's). Nothing here uses Ape: only web3 and
`filon.devchain`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

import filon
from filon.devchain import Anvil, dev_accounts

from .helpers import CAPACITY_MG, LOCATION_HASH, PERMIT_HASH, TEN_YEARS, Roles, World, rpc


@pytest.fixture(scope="session")
def roles() -> Roles:
    return Roles(*dev_accounts(6))


@pytest.fixture(scope="module")
def world(anvil: Anvil, roles: Roles) -> World:
    deployment = filon.deploy(anvil.url, roles.registrar)
    registrar = filon.connect(anvil.url, deployment, roles.registrar)
    registrar.register_participant(roles.miner.address, filon.Role.MINE_OPERATOR)
    registrar.register_participant(roles.miner2.address, filon.Role.MINE_OPERATOR)
    registrar.register_participant(roles.plant.address, filon.Role.PROCESSOR)
    registrar.register_participant(roles.refiner.address, filon.Role.REFINER)
    now = int(Web3(HTTPProvider(anvil.url)).eth.get_block("latest")["timestamp"])
    expiry = now + TEN_YEARS
    mines = [
        registrar.register_mine(
            operator=operator.address,
            permit_hash=PERMIT_HASH,
            permit_expiry=expiry,
            country="PE",
            location_hash=LOCATION_HASH,
            capacity_mg=CAPACITY_MG,
        )
        for operator in (roles.miner, roles.miner2)
    ]
    return World(anvil.url, deployment, mines[0], mines[1], expiry)


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Reverts the chain after each test that uses a module world."""
    if "world" not in request.fixturenames:
        yield
        return
    url = request.getfixturevalue("world").url
    snapshot = rpc(url, "evm_snapshot")
    yield
    assert rpc(url, "evm_revert", snapshot) is True


@pytest.fixture
def client_for(world: World) -> Callable[[LocalAccount | None], filon.Client]:
    """A fresh client of the module's deployment for an account (None: read-only)."""

    def make(account: LocalAccount | None) -> filon.Client:
        return filon.connect(world.url, deployment=world.deployment, account=account)

    return make


@pytest.fixture
def registrar(client_for: Callable[[LocalAccount | None], filon.Client], roles: Roles) -> filon.Client:
    return client_for(roles.registrar)


@pytest.fixture
def miner(client_for: Callable[[LocalAccount | None], filon.Client], roles: Roles) -> filon.Client:
    return client_for(roles.miner)


@pytest.fixture
def miner2(client_for: Callable[[LocalAccount | None], filon.Client], roles: Roles) -> filon.Client:
    return client_for(roles.miner2)


@pytest.fixture
def plant(client_for: Callable[[LocalAccount | None], filon.Client], roles: Roles) -> filon.Client:
    return client_for(roles.plant)


@pytest.fixture
def refiner(client_for: Callable[[LocalAccount | None], filon.Client], roles: Roles) -> filon.Client:
    return client_for(roles.refiner)


@pytest.fixture
def reader(client_for: Callable[[LocalAccount | None], filon.Client]) -> filon.Client:
    return client_for(None)
