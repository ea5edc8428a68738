"""What the index tests share: who is who, a supply chain to index, and the check that the index equals the
chain (read back through `filon.Client`, which rebuilds everything from the node itself)."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select
from web3 import HTTPProvider, Web3

import filon
from common import CAPACITY_MG as CAPACITY_MG
from common import DAY as DAY
from common import LOCATION_HASH as LOCATION_HASH
from common import PERMIT_HASH as PERMIT_HASH
from common import TEN_YEARS as TEN_YEARS
from common import root as root
from common import rpc as rpc
from filon import _passports
from filon._events import topic as event_topic
from filon.index import Index
from filon.index._models import (
    IndexedBlock,
    LotRow,
    MineEventRow,
    ParentRow,
    ParticipantRow,
    PassportRow,
    SerialRow,
    TransferRow,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def head(url: str) -> int:
    return int(Web3(HTTPProvider(url)).eth.block_number)


def block_time(url: str, number: int | str = "latest") -> int:
    return int(Web3(HTTPProvider(url)).eth.get_block(number)["timestamp"])  # type: ignore[arg-type]


def utc_date(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).strftime("%Y-%m-%d")


def utc_year(timestamp: int) -> int:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).year


@dataclass(frozen=True)
class Roles:
    registrar: LocalAccount
    miner: LocalAccount
    miner2: LocalAccount
    miner3: LocalAccount
    plant: LocalAccount
    refiner: LocalAccount
    trader: LocalAccount
    outsider: LocalAccount

    def everyone(self) -> list[str]:
        return [account.address for account in vars(self).values()]


@dataclass(frozen=True)
class World:
    """A module's deployment: participants admitted, mines 1, 2 and 3 run by `miner`, `miner2`, `miner3`."""

    url: str
    deployment: filon.Deployment
    roles: Roles
    permit_expiry: int

    def client(self, account: LocalAccount | None = None, **options: Any) -> filon.Client:
        return filon.connect(self.url, deployment=self.deployment, account=account, **options)

    def index(self, database_url: str, **options: Any) -> Index:
        return filon.index.open_index(self.deployment, rpc_url=self.url, database_url=database_url, **options)


# ----------------------------------------------------------------------------- a supply chain


@dataclass(frozen=True)
class Story:
    """The lots the supply chain made, by what they are."""

    ore: tuple[filon.LotId, ...]
    concentrate: filon.LotId
    dore: tuple[filon.LotId, filon.LotId]
    bar: filon.LotId


def _ore(mine: int, fine: int, label: str) -> filon.LotDeclaration:
    return filon.LotDeclaration(
        filon.MineId(mine),
        fine_gold_mg=fine,
        gross_mass_mg=fine * 20,
        passport_root=root(label),
        passport_uri=f"ipfs://{label}",
        external_ref=label,
    )


def declare_offline(world: World, label: str, fine: int) -> filon.LotId:
    """An ore lot of mine 1 declared offline by the miner, submitted by the plant, minted to the plant."""
    signed = filon.sign_declaration(
        world.roles.miner,
        world.deployment,
        mine_id=1,
        fine_gold_mg=fine,
        gross_mass_mg=fine * 25,
        passport_root=root(label),
        recipient=world.roles.plant.address,
        nonce=filon.declaration_nonce(),
        deadline=world.permit_expiry,
        external_ref=label,
    )
    return world.client(world.roles.plant).submit_declaration(signed)


def first_half(world: World) -> tuple[filon.LotId, ...]:
    """Ore from two mines, carried to the plant; a second passport; ore declared offline and submitted by
    the plant; a mine's capacity, permit and passport change."""
    roles = world.roles
    miner, miner2 = world.client(roles.miner), world.client(roles.miner2)
    registrar = world.client(roles.registrar)
    ore = miner.declare_lots([_ore(1, 40_000 + i, f"ORE-1-{i}") for i in range(4)])
    ore += miner2.declare_lots([_ore(2, 30_000 + i, f"ORE-2-{i}") for i in range(2)])
    for lot in ore[:3]:
        miner.transfer(lot, roles.plant.address)
    for lot in ore[4:]:
        miner2.transfer(lot, roles.plant.address)
    world.client(roles.plant).record_passport(ore[0], root("ORE-1-0 assayed"), "ipfs://assay")
    ore.append(declare_offline(world, "ORE-1-offline", 12_000))
    registrar.set_mine_capacity(filon.MineId(1), 2 * CAPACITY_MG)
    registrar.update_permit(filon.MineId(2), b"\x07" * 32, world.permit_expiry + DAY)
    registrar.set_mine_passport(filon.MineId(1), b"\x08" * 32)
    return tuple(ore)


def second_half(world: World, ore: Sequence[filon.LotId]) -> Story:
    """The plant merges ore into concentrate, then doré split in two; a refiner makes a bar of one half,
    stamped with its serial number;
    mines are suspended, reactivated and revoked; a participant is removed."""
    roles = world.roles
    plant, refiner = world.client(roles.plant), world.client(roles.refiner)
    registrar = world.client(roles.registrar)
    held = [ore[0], ore[1], ore[2], ore[4], ore[5]]
    fine = sum(world.client().lot(lot).fine_gold_mg for lot in held)
    (concentrate,) = plant.transform(
        held, [filon.LotOutput(filon.Form.CONCENTRATE, fine - 2_000, fine * 5)], root("concentrate")
    )
    half = (fine - 5_000) // 2
    dore_a, dore_b = plant.transform(
        [concentrate],
        [
            filon.LotOutput(filon.Form.DORE, half, half + 900),
            filon.LotOutput(filon.Form.DORE, half, half + 800),
        ],
        root("dore"),
        "ipfs://dore",
    )
    plant.transfer(dore_a, roles.refiner.address)
    (bar,) = refiner.transform(
        [dore_a],
        [filon.LotOutput(filon.Form.REFINED, half - 100, half - 99, serial="RAM-2026-000123")],
        root("bar"),
        "ipfs://bar",
    )
    refiner.record_passport(bar, root("bar v2"), "ipfs://bar-v2")
    refiner.record_passport(bar, root("bar v3"), "")
    refiner.transfer(bar, roles.trader.address)
    registrar.set_mine_status(filon.MineId(2), filon.MineStatus.SUSPENDED)
    registrar.set_mine_status(filon.MineId(2), filon.MineStatus.ACTIVE)
    registrar.set_mine_status(filon.MineId(3), filon.MineStatus.REVOKED)
    registrar.register_participant(roles.outsider.address, filon.Role.MANUFACTURER)
    registrar.remove_participant(roles.outsider.address)
    return Story(ore=tuple(ore), concentrate=concentrate, dore=(dore_a, dore_b), bar=bar)


def declare(
    world: World, count: int, *, miner: LocalAccount | None = None, fine: int = 1_000
) -> list[filon.LotId]:
    """`count` ore lots from mine 1 (or the mine of `miner`), one block each (Anvil mines a block per
    transaction, and these are sent one after the other)."""
    account = miner or world.roles.miner
    client = world.client(account)
    mine = {world.roles.miner.address: 1, world.roles.miner2.address: 2, world.roles.miner3.address: 3}
    label = Web3.keccak(text=f"{account.address}:{head(world.url)}").hex()[:12]
    lots = []
    for i in range(count):
        ore = _ore(mine[account.address], fine + i, f"{label}-{i}")
        lots.append(
            client.declare_lot(
                ore.mine_id,
                ore.fine_gold_mg,
                ore.gross_mass_mg,
                ore.passport_root,
                ore.passport_uri,
                ore.external_ref,
            )
        )
    return lots


# ----------------------------------------------------------------------------- the chain's own view


def contract_logs(world: World, to_block: int | str = "latest") -> list[Any]:
    """Every log of the deployment's contract, straight from the node."""
    return list(
        Web3(HTTPProvider(world.url)).eth.get_logs(
            {
                "address": world.deployment.address,  # type: ignore[typeddict-item]
                "fromBlock": world.deployment.deployment_block,
                "toBlock": to_block,  # type: ignore[typeddict-item]
            }
        )
    )


_TOPICS = {
    bytes.fromhex(event_topic(name)[2:]): name
    for name in (
        "Transfer",
        "LotDeclared",
        "LotProduced",
        "PassportRecorded",
        "MineRegistered",
        "MinePermitUpdated",
        "MineCapacityUpdated",
        "MinePassportUpdated",
        "MineStatusChanged",
        "ParticipantRegistered",
        "ParticipantRemoved",
        "SerialAssigned",
    )
}


def minted_lots(world: World) -> list[filon.LotId]:
    """Every lot ever minted (consumed ones too): the Transfer logs from the zero address."""
    minted = []
    for log in contract_logs(world):
        if _TOPICS.get(bytes(log["topics"][0])) == "Transfer" and int.from_bytes(log["topics"][1]) == 0:
            minted.append(filon.LotId(int.from_bytes(log["topics"][3])))
    return sorted(minted)


def expected_rows(world: World, up_to: int) -> dict[str, int]:
    """How many rows of each table the index must hold once it has read the chain up to block `up_to`."""
    logs = contract_logs(world, to_block=up_to)
    names = Counter(_TOPICS.get(bytes(log["topics"][0]), "other") for log in logs)
    parents = 0
    client = world.client()
    for log in logs:
        if _TOPICS.get(bytes(log["topics"][0])) == "LotProduced":
            lot_id = filon.LotId(int.from_bytes(log["topics"][1]))
            parents += len(client.lot(lot_id).parents)
    return {
        "transfers": names["Transfer"],
        "lots": names["LotDeclared"] + names["LotProduced"],
        "lot_parents": parents,
        "passports": names["LotDeclared"] + names["LotProduced"] + names["PassportRecorded"],
        "mine_events": sum(count for name, count in names.items() if name.startswith("Mine")),
        "participants": names["ParticipantRegistered"] + names["ParticipantRemoved"],
        "serials": names["SerialAssigned"],
    }


_TABLES = {
    "transfers": TransferRow,
    "lots": LotRow,
    "lot_parents": ParentRow,
    "passports": PassportRow,
    "mine_events": MineEventRow,
    "participants": ParticipantRow,
    "serials": SerialRow,
}


def stored_rows(index: Index) -> dict[str, int]:
    """How many rows each table of the index holds."""
    with index.engine.connect() as connection:
        return {
            name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in _TABLES.items()
        }


def newest_row_block(index: Index) -> int:
    """The highest block number of any row of the index (-1 when empty)."""
    with index.engine.connect() as connection:
        found = [connection.scalar(select(func.max(table.block_number))) for table in _TABLES.values()]
        found.append(connection.scalar(select(func.max(IndexedBlock.number))))
    return max((int(n) for n in found if n is not None), default=-1)


def assert_rows_exactly_up_to(index: Index, world: World, block: int) -> None:
    """The index holds every row of the chain up to `block` and nothing after it: no gap, no duplicate."""
    assert index.last_block == block
    assert newest_row_block(index) <= block
    assert stored_rows(index) == expected_rows(world, block)


@dataclass(frozen=True)
class _Known:
    """A lot's history, as the passport functions read it."""

    events: list[filon.HistoryEvent]

    def history(self, lot_id: filon.LotId) -> list[filon.HistoryEvent]:
        return self.events


def assert_index_matches_chain(index: Index, client: filon.Client, accounts: Iterable[str] = ()) -> None:
    """Everything the index says equals what `client` rebuilds from the chain: every lot minted (its
    record, history, provenance, passport versions, ancestors), every mine, and every account's lots and
    role. The index must have read up to the head."""
    chain = Web3(HTTPProvider(client._chain.url))
    assert index.last_block == chain.eth.block_number
    logs = chain.eth.get_logs(
        {
            "address": client.contract_address,  # type: ignore[typeddict-item]
            "fromBlock": client.deployment.deployment_block,
            "topics": [event_topic("Transfer"), "0x" + "00" * 32],  # type: ignore[list-item]
        }
    )
    lots = sorted(filon.LotId(int.from_bytes(log["topics"][3])) for log in logs)
    assert index.lot_count() == len(lots) == client.lot_count()
    for lot_id in lots:
        assert index.has_lot(lot_id)
        assert index.lot(lot_id) == client.lot(lot_id), lot_id
        history = client.history(lot_id)
        assert index.history(lot_id) == history, lot_id
        provenance = client.provenance(lot_id)
        assert index.provenance(lot_id) == provenance, lot_id
        assert index.ancestors(lot_id) == sorted(set(provenance.lots) - {lot_id}), lot_id
        # As Client.passport_versions reads them, from the history already fetched.
        assert index.passport_versions(lot_id) == _passports.versions(_Known(history), lot_id), lot_id
    mines = [client.mine(filon.MineId(m)) for m in range(1, client.mine_count() + 1)]
    assert index.mines() == mines
    for mine in mines:
        assert index.mine(mine.id) == mine
    for account in accounts:
        assert index.lots_of(account) == client.lots_of(account), account
        assert index.role_of(account) == client.role_of(account), account


def registered_mine_row(block_number: int, operator: str, permit_expiry: int) -> MineEventRow:
    """Mine 1's registration (active, a 1 kg capacity) as the sync writes it: for rows written by hand."""
    return MineEventRow(
        block_number=block_number,
        log_index=0,
        mine_id=1,
        kind="registered",
        operator=operator,
        country="PE",
        status=int(filon.MineStatus.ACTIVE),
        permit_expiry=permit_expiry,
        capacity_mg=1_000_000,
        permit_hash=PERMIT_HASH,
        location_hash=LOCATION_HASH,
        passport_hash=bytes(32),
    )
