"""What the hostile-input tests share beyond the CLI tests' helpers (tests/cli/helpers.py): who is who, and
fingerprints of all a failure must leave alone."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

import filon
from filon.devchain import Anvil

PDF = b"%PDF-1.7 mining permit REINFO-2024-1187"
TOO_BIG = 2**256  # one past the largest uint256
HUGE = 2**300


@dataclass(frozen=True)
class World:
    """One chain for the module: mine 1 run by `miner` (active), mine 2 by `miner2` (suspended); lot `LOT`
    declared by `miner` and held by it; `plant` admitted; `outsider` not."""

    anvil: Anvil
    deployment: filon.Deployment
    registrar: LocalAccount
    miner: LocalAccount
    miner2: LocalAccount
    plant: LocalAccount
    outsider: LocalAccount
    lot: filon.LotId

    def client(self, account: LocalAccount | None = None, store: Path | None = None) -> filon.Client:
        return filon.connect(self.anvil.url, deployment=self.deployment, account=account, store=store)


def passport_json(*, mine_id: int = 1, fine_mg: int = 1000, gross_mg: int = 2000, cites: bytes = PDF) -> str:
    return json.dumps(
        {
            "lot": {"batch_id": "H-1"},
            "producer": {"name": "Cooperativa Santa Rosa"},
            "facility": {"mine_id": mine_id, "name": "Santa Rosa", "country": "PE"},
            "production_date": "2026-11-02",
            "quantity": {
                "gross_mass_mg": gross_mg,
                "fineness_ppt": round(1000 * fine_mg / gross_mg, 3),
                "fine_gold_mg": fine_mg,
            },
            "conformity": [
                {
                    "type": "mining_permit",
                    "issuer": "MINEM",
                    "date": "2026-01-05",
                    "sha256": hashlib.sha256(cites).hexdigest(),
                    "name": "permit.pdf",
                }
            ],
        }
    )


def files(*folders: Path) -> dict[str, str]:
    """Every file under `folders`, by path, with the SHA-256 of its bytes."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def chain_state(world: World) -> dict[str, Any]:
    """What a refused command must leave as it was: lots, holdings, mines, and every account's nonce."""
    reader = world.client()
    w3 = Web3(HTTPProvider(world.anvil.url))
    people = [world.registrar, world.miner, world.miner2, world.plant, world.outsider]
    return {
        "lot_count": reader.lot_count(),
        "lots_of": {p.address: reader.lots_of(p.address) for p in people},
        "mines": [reader.mine(filon.MineId(i)) for i in (1, 2)],
        "passport_versions": len(reader.passport_versions(world.lot)),
        "nonces": {p.address: w3.eth.get_transaction_count(p.address, "pending") for p in people},
    }
