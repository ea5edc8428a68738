"""One real chain for the shared store's tests: Anvil, a fresh deployment with a registrar, a miner running a
mine, a plant, and an outsider nobody admitted; and a real `filon explorer serve` process serving the store
from its own folder, checking uploaders on that chain.

Package scope: Anvil starts and the deployment is made once for the directory. Each party is a `filon.Client`
with its own cache folder, as each would be on its own machine.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

import filon
from common import TEN_YEARS
from filon.devchain import Anvil, dev_accounts, start_anvil
from filon.passport import (
    CarbonEmissions,
    Document,
    DocumentType,
    Facility,
    LotReference,
    Party,
    Passport,
    Quantity,
)
from servers import ExplorerProcess


@dataclass(frozen=True)
class Chain:
    """The chain, its deployment and who is who."""

    anvil: Anvil
    deployment: filon.Deployment
    manifest: Path
    registrar: LocalAccount
    miner: LocalAccount
    plant: LocalAccount
    outsider: LocalAccount
    newcomer: LocalAccount  # admitted by the test that needs it
    mine: filon.MineId

    def client(self, account: LocalAccount | None, store: str, cache: Path) -> filon.Client:
        """A party on its own machine: its own cache folder (and salts beside it)."""
        return filon.connect(
            self.anvil.url, deployment=self.deployment, account=account, store=store, store_cache=cache
        )


@pytest.fixture(scope="package")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    registrar, miner, plant, outsider, newcomer = dev_accounts(5)
    folder = tmp_path_factory.mktemp("chain")
    with start_anvil() as anvil:
        deployment = filon.deploy(anvil.url, registrar)
        admin = filon.connect(anvil.url, deployment=deployment, account=registrar, store=folder / "admin")
        admin.register_participant(miner.address, filon.Role.MINE_OPERATOR)
        admin.register_participant(plant.address, filon.Role.PROCESSOR)
        now = int(Web3(HTTPProvider(anvil.url)).eth.get_block("latest")["timestamp"])
        mine = admin.register_mine(
            operator=miner.address,
            permit_hash=b"\1" * 32,
            permit_expiry=now + TEN_YEARS,
            country="PE",
            location_hash=b"\2" * 32,
            capacity_mg=10**9,
        )
        manifest = deployment.save(folder / "deployment.json")
        yield Chain(anvil, deployment, manifest, registrar, miner, plant, outsider, newcomer, mine)


@pytest.fixture(scope="package")
def explorer(chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExplorerProcess]:
    """The explorer serving the shared store, from its own folder (`store`)."""
    folder = tmp_path_factory.mktemp("explorer")
    server = ExplorerProcess(
        chain.manifest, folder / "store", folder / "index.sqlite", rpc_url=chain.anvil.url
    )
    with server:
        yield server


def passport_citing(mine: int, documents: tuple[bytes, ...], batch: str) -> Passport:
    """An ore lot's passport citing `documents` as its mining permits."""
    return Passport(
        lot=LotReference(batch_id=batch),
        producer=Party(name="Cooperativa Santa Rosa"),
        facility=Facility(mine_id=mine, name="Santa Rosa", country="PE", region="Arequipa"),
        production_date=datetime.date(2026, 5, 6),
        quantity=Quantity(gross_mass_mg=2_000_000, fineness_ppt=10.0, fine_gold_mg=20_000),
        conformity=[
            Document(
                type=DocumentType.MINING_PERMIT,
                issuer="GREM Arequipa",
                date=datetime.date(2026, 1, 5),
                sha256=hashlib.sha256(data).hexdigest(),
            )
            for data in documents
        ],
        carbon=CarbonEmissions(kg_co2e=12.5, scope=[1, 2], method="GHG Protocol", boundary="mine gate"),
    )
