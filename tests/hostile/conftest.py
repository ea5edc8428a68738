"""One Anvil for the hostile-input tests, a deployment per module, keystores and a CLI runner per test.

Each test runs between `evm_snapshot` and `evm_revert`, so lot ids and state do not depend on test order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import HTTPProvider
from web3.types import RPCEndpoint

import filon
from cli.helpers import FAR_FUTURE, PASSWORD, keystore
from cli.helpers import filon_cli as filon_cli
from common import rpc
from filon.devchain import Anvil, dev_accounts

from .helpers import World


@pytest.fixture(scope="module")
def world(anvil: Anvil) -> World:
    registrar, miner, miner2, plant, outsider = dev_accounts(5)
    deployment = filon.deploy(anvil.url, registrar)
    admin = filon.connect(anvil.url, deployment=deployment, account=registrar)
    for who, role in ((miner, filon.Role.MINE_OPERATOR), (miner2, filon.Role.MINE_OPERATOR)):
        admin.register_participant(who.address, role)
    admin.register_participant(plant.address, filon.Role.PROCESSOR)
    for operator in (miner, miner2):
        admin.register_mine(operator.address, b"\1" * 32, FAR_FUTURE, "PE", b"\2" * 32, 10**9)
    admin.set_mine_status(filon.MineId(2), filon.MineStatus.SUSPENDED)
    lot = filon.connect(anvil.url, deployment=deployment, account=miner).declare_lot(
        filon.MineId(1), 1_000, 2_000, b"\3" * 32, "ipfs://first", "H-0"
    )
    return World(anvil, deployment, registrar, miner, miner2, plant, outsider, lot)


@pytest.fixture(autouse=True)
def _isolated(world: World) -> Iterator[None]:
    snapshot = rpc(world.anvil.url, "evm_snapshot")
    yield
    response = HTTPProvider(world.anvil.url).make_request(RPCEndpoint("evm_revert"), [snapshot])
    assert response.get("result") is True, response


@pytest.fixture
def keys(tmp_path: Path, world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Keystores, the manifest and a CLI user's environment in `tmp_path` (store in `store/`, salts in
    `salts/`)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FILON_ACCOUNT_PASSWORD", PASSWORD)
    monkeypatch.setenv("FILON_RPC_URL", world.anvil.url)
    monkeypatch.setenv("FILON_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("APE_DATA_FOLDER", str(tmp_path / "ape"))
    manifest = world.deployment.save(tmp_path / "deployment.json")
    monkeypatch.setenv("FILON_DEPLOYMENT", str(manifest))
    folder = tmp_path / "keys"
    return {
        "deployment": manifest,
        "registrar": keystore(folder, world.registrar, "registrar"),
        "miner": keystore(folder, world.miner, "miner"),
        "miner2": keystore(folder, world.miner2, "miner2"),
        "plant": keystore(folder, world.plant, "plant"),
    }
