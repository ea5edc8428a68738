"""A real Anvil with Filón deployed, keystores for its roles, and a runner that checks no key ever leaks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import filon
from filon.devchain import dev_accounts, start_anvil

from .helpers import FAR_FUTURE, PASSWORD, World, keystore
from .helpers import filon_cli as filon_cli


@pytest.fixture(scope="session")
def world() -> Iterator[World]:
    registrar, miner, plant, miner2, refiner, *spare = dev_accounts(10)
    with start_anvil() as anvil:
        deployment = filon.deploy(anvil.url, registrar)
        admin = filon.connect(anvil.url, deployment=deployment, account=registrar)
        for who, role in (
            (miner, filon.Role.MINE_OPERATOR),
            (miner2, filon.Role.MINE_OPERATOR),
            (plant, filon.Role.PROCESSOR),
            (refiner, filon.Role.REFINER),
        ):
            admin.register_participant(who.address, role)
        for operator in (miner, miner2):
            admin.register_mine(
                operator=operator.address,
                permit_hash=b"\1" * 32,
                permit_expiry=FAR_FUTURE,
                country="PE",
                location_hash=b"\2" * 32,
                capacity_mg=10**9,
            )
        yield World(anvil, deployment, registrar, miner, plant, miner2, refiner, tuple(spare))


@pytest.fixture
def keys(tmp_path: Path, world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Keystores of every role, the manifest, and the environment a CLI user would have, in `tmp_path`."""
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
        "plant": keystore(folder, world.plant, "plant"),
        "miner2": keystore(folder, world.miner2, "miner2"),
        "refiner": keystore(folder, world.refiner, "refiner"),
    }
