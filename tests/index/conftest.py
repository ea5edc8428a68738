"""Fixtures for the index tests: one real Anvil per session, a deployment per module, a database per test.

Every test that uses `world` runs between an `evm_snapshot` and an `evm_revert`, so it starts from its
module's state. `database_url` is an empty SQLite file, or an empty database on the session's throwaway
PostgreSQL server (tests/servers.py: skipped with the reason when PostgreSQL is missing, failed under CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

import filon
from filon.devchain import Anvil, dev_accounts
from servers import postgres_database as postgres_database
from servers import postgres_dsn as postgres_dsn

from .helpers import CAPACITY_MG, LOCATION_HASH, PERMIT_HASH, TEN_YEARS, Roles, World, rpc


@pytest.fixture(scope="session")
def roles() -> Roles:
    return Roles(*dev_accounts(8))


def make_world(url: str, roles: Roles) -> World:
    """Deploys Filón, admits the participants and registers mines 1, 2 and 3."""
    deployment = filon.deploy(url, roles.registrar)
    registrar = filon.connect(url, deployment, roles.registrar)
    for account, role in (
        (roles.miner, filon.Role.MINE_OPERATOR),
        (roles.miner2, filon.Role.MINE_OPERATOR),
        (roles.miner3, filon.Role.MINE_OPERATOR),
        (roles.plant, filon.Role.PROCESSOR),
        (roles.refiner, filon.Role.REFINER),
        (roles.trader, filon.Role.TRADER),
    ):
        registrar.register_participant(account.address, role)
    expiry = int(Web3(HTTPProvider(url)).eth.get_block("latest")["timestamp"]) + TEN_YEARS
    for operator, country in ((roles.miner, "PE"), (roles.miner2, "PE"), (roles.miner3, "BO")):
        registrar.register_mine(
            operator=operator.address,
            permit_hash=PERMIT_HASH,
            permit_expiry=expiry,
            country=country,
            location_hash=LOCATION_HASH,
            capacity_mg=CAPACITY_MG,
        )
    return World(url, deployment, roles, expiry)


@pytest.fixture(scope="module")
def world(anvil: Anvil, roles: Roles) -> World:
    return make_world(anvil.url, roles)


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Reverts the chain after each test that uses the module's world."""
    if "world" not in request.fixturenames:
        yield
        return
    url = request.getfixturevalue("world").url
    snapshot = rpc(url, "evm_snapshot")
    yield
    assert rpc(url, "evm_revert", snapshot) is True


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'index.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty index database: an SQLite file, or a fresh database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.sqlite'}"
    url: str = request.getfixturevalue("postgres_database")
    return url
