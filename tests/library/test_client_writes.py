"""Every write of the client, checked through the client's reads and through web3 directly."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from web3 import HTTPProvider, Web3

import filon

from .helpers import CAPACITY_MG, LOCATION_HASH, PERMIT_HASH, Roles, World, nonce, root


def _succeeded(world: World, transaction_hash: str) -> bool:
    receipt = Web3(HTTPProvider(world.url)).eth.get_transaction_receipt(transaction_hash)  # type: ignore[arg-type]
    return bool(receipt["status"] == 1)


def _chain_year(world: World) -> int:
    """The UTC year of the chain's latest block: the year the contract counts capacity in."""
    timestamp = Web3(HTTPProvider(world.url)).eth.get_block("latest")["timestamp"]
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).year


def test_register_change_and_remove_a_participant(
    world: World, registrar: filon.Client, roles: Roles
) -> None:
    assert registrar.role_of(roles.outsider.address) is None

    tx = registrar.register_participant(roles.outsider.address, filon.Role.TRADER)
    assert _succeeded(world, tx)
    assert registrar.role_of(roles.outsider.address) is filon.Role.TRADER

    registrar.register_participant(roles.outsider.address.lower(), filon.Role.MANUFACTURER)
    assert registrar.role_of(roles.outsider.address) is filon.Role.MANUFACTURER

    registrar.remove_participant(roles.outsider.address)
    assert registrar.role_of(roles.outsider.address) is None


def test_register_a_mine_and_read_it(world: World, registrar: filon.Client, roles: Roles) -> None:
    registrar.register_participant(roles.outsider.address, filon.Role.MINE_OPERATOR)

    mine_id = registrar.register_mine(
        operator=roles.outsider.address,
        permit_hash="0x" + "aa" * 32,
        permit_expiry=world.permit_expiry,
        country="BO",
        location_hash=LOCATION_HASH,
        capacity_mg=5_000,
        passport_hash=b"\x03" * 32,
    )

    assert mine_id == 3
    mine = registrar.mine(mine_id)
    assert mine == filon.Mine(
        id=filon.MineId(3),
        operator=roles.outsider.address,
        status=filon.MineStatus.ACTIVE,
        country="BO",
        permit_expiry=world.permit_expiry,
        capacity_mg=5_000,
        declared_this_year_mg=0,
        year=_chain_year(world),
        permit_hash=b"\xaa" * 32,
        location_hash=LOCATION_HASH,
        passport_hash=b"\x03" * 32,
        record_state=filon.RecordState.MISSING,
    )
    assert registrar.mine_count() == 3


def test_passport_hash_of_a_mine_defaults_to_zero(
    world: World, registrar: filon.Client, roles: Roles
) -> None:
    mine = registrar.mine(world.mine)

    assert mine.passport_hash == filon.ZERO_HASH == b"\0" * 32
    assert mine.permit_hash == PERMIT_HASH
    assert mine.capacity_mg == CAPACITY_MG


def test_update_permit(world: World, registrar: filon.Client) -> None:
    registrar.update_permit(world.mine, permit_hash=b"\x09" * 32, permit_expiry=world.permit_expiry + 100)

    mine = registrar.mine(world.mine)
    assert (mine.permit_hash, mine.permit_expiry) == (b"\x09" * 32, world.permit_expiry + 100)


def test_set_mine_capacity_counts_what_was_declared(
    world: World, registrar: filon.Client, miner: filon.Client
) -> None:
    miner.declare_lot(world.mine, fine_gold_mg=300, gross_mass_mg=900, passport_root=root("a"))

    registrar.set_mine_capacity(world.mine, 2_000)

    mine = registrar.mine(world.mine)
    assert (mine.capacity_mg, mine.declared_this_year_mg, mine.remaining_mg) == (2_000, 300, 1_700)


def test_set_mine_passport(world: World, registrar: filon.Client) -> None:
    registrar.set_mine_passport(world.mine, "0x" + "0b" * 32)

    assert registrar.mine(world.mine).passport_hash == b"\x0b" * 32


def test_set_mine_status_suspends_reactivates_and_revokes(world: World, registrar: filon.Client) -> None:
    statuses = []
    for status in (filon.MineStatus.SUSPENDED, filon.MineStatus.ACTIVE, filon.MineStatus.REVOKED):
        registrar.set_mine_status(world.mine, status)
        statuses.append(registrar.mine(world.mine).status)

    assert statuses == [filon.MineStatus.SUSPENDED, filon.MineStatus.ACTIVE, filon.MineStatus.REVOKED]
    assert registrar.mine(world.mine2).status is filon.MineStatus.ACTIVE


def test_declare_a_lot(world: World, miner: filon.Client, roles: Roles) -> None:
    lot_id = miner.declare_lot(
        world.mine,
        fine_gold_mg=850,
        gross_mass_mg=1_000,
        passport_root=root("ore-1"),
        passport_uri="ipfs://ore-1",
        external_ref="PIT-0001",
    )

    assert lot_id == 1
    assert miner.lot(lot_id) == filon.Lot(
        id=filon.LotId(1),
        holder=roles.miner.address,
        form=filon.Form.ORE,
        fine_gold_mg=850,
        gross_mass_mg=1_000,
        mine_id=world.mine,
        parents=(),
        consumed=False,
        passport_root=root("ore-1"),
        passport_version=1,
        passport_uri="ipfs://ore-1",
        external_ref="PIT-0001",
    )
    assert miner.mine(world.mine).declared_this_year_mg == 850
    assert miner.lot_by_external_ref(roles.miner.address, "PIT-0001") == 1
    assert miner.lot_by_external_ref(roles.miner.address, "PIT-0002") is None
    assert miner.lot_count() == 1


def test_record_passport_appends_a_version(world: World, miner: filon.Client) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("v1"))

    versions = [
        miner.record_passport(lot_id, passport_root=root("v2"), passport_uri="ipfs://v2"),
        miner.record_passport(lot_id, passport_root="0x" + root("v3").hex(), passport_uri="ipfs://v3"),
    ]

    lot = miner.lot(lot_id)
    assert versions == [2, 3]
    assert (lot.passport_root, lot.passport_version, lot.passport_uri) == (root("v3"), 3, "ipfs://v3")


def test_a_removed_holder_records_no_passport_but_its_lot_stays_readable(
    world: World, registrar: filon.Client, miner: filon.Client, plant: filon.Client, roles: Roles
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("kept"))
    miner.transfer(lot_id, roles.plant.address)
    registrar.remove_participant(roles.plant.address)
    before = nonce(world.url, roles.plant)

    with pytest.raises(filon.NotParticipant) as info:
        plant.record_passport(lot_id, passport_root=root("v2"))

    assert info.value.account == roles.plant.address
    assert nonce(world.url, roles.plant) == before
    lot = plant.lot(lot_id)
    assert (lot.holder, lot.passport_root, lot.passport_version) == (roles.plant.address, root("kept"), 1)


def test_transfer_a_lot(world: World, miner: filon.Client, plant: filon.Client, roles: Roles) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("t"))

    tx = miner.transfer(lot_id, roles.plant.address)

    assert _succeeded(world, tx)
    assert plant.lot(lot_id).holder == roles.plant.address
    assert plant.lots_of(roles.plant.address) == [lot_id]
    assert plant.lots_of(roles.miner.address) == []


def test_transform_consumes_inputs_and_mints_outputs(world: World, miner: filon.Client, roles: Roles) -> None:
    a = miner.declare_lot(world.mine, fine_gold_mg=600, gross_mass_mg=1_000, passport_root=root("a"))
    b = miner.declare_lot(world.mine, fine_gold_mg=400, gross_mass_mg=1_000, passport_root=root("b"))

    outputs = miner.transform(
        [a, b],
        [
            filon.LotOutput(form=filon.Form.CONCENTRATE, fine_gold_mg=700, gross_mass_mg=900),
            filon.LotOutput(form=filon.Form.CONCENTRATE, fine_gold_mg=300, gross_mass_mg=400),
        ],
        passport_root=root("c"),
        passport_uri="ipfs://c",
    )

    assert outputs == [3, 4]
    assert miner.lot(filon.LotId(3)) == filon.Lot(
        id=filon.LotId(3),
        holder=roles.miner.address,
        form=filon.Form.CONCENTRATE,
        fine_gold_mg=700,
        gross_mass_mg=900,
        mine_id=None,
        parents=(a, b),
        consumed=False,
        passport_root=root("c"),
        passport_version=1,
        passport_uri="ipfs://c",
        external_ref="",
    )
    consumed = miner.lot(a)
    assert (consumed.consumed, consumed.holder, consumed.form, consumed.fine_gold_mg) == (True, None, 0, 600)
    assert (consumed.mine_id, consumed.passport_root, consumed.passport_version) == (world.mine, root("a"), 1)
    assert miner.lots_of(roles.miner.address) == [3, 4]


def test_lot_ids_come_from_per_holder_blocks(
    world: World, miner: filon.Client, miner2: filon.Client, plant: filon.Client, roles: Roles
) -> None:
    first = miner.declare_lot(world.mine, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("m1"))
    other = miner2.declare_lot(world.mine2, fine_gold_mg=2, gross_mass_mg=2, passport_root=root("m2"))
    second = miner.declare_lot(world.mine, fine_gold_mg=3, gross_mass_mg=3, passport_root=root("m3"))
    miner.transfer(first, roles.plant.address)  # a transfer takes no id
    (produced,) = plant.transform([first], [filon.LotOutput(filon.Form.DORE, 1, 1)], root("p"))

    assert (first, other, second, produced) == (1, 101, 2, 201)
    assert miner.lot_count() == 4
    assert [miner.lot(lot_id).fine_gold_mg for lot_id in (other, second, produced)] == [2, 3, 1]
    assert miner.lots_of(roles.miner.address) == [second]
    assert miner.lots_of(roles.plant.address) == [produced]
    with pytest.raises(filon.UnknownLot) as unminted:
        miner.lot(filon.LotId(3))  # in miner's block, not minted yet
    assert unminted.value.lot_id == 3


WRITES: list[tuple[str, Callable[[filon.Client, World, Roles], Any]]] = [
    ("register a participant", lambda c, w, r: c.register_participant(r.outsider.address, filon.Role.TRADER)),
    ("remove a participant", lambda c, w, r: c.remove_participant(r.plant.address)),
    (
        "register a mine",
        lambda c, w, r: c.register_mine(
            r.miner.address, PERMIT_HASH, w.permit_expiry, "PE", LOCATION_HASH, 1
        ),
    ),
    ("update a permit", lambda c, w, r: c.update_permit(w.mine, PERMIT_HASH, w.permit_expiry)),
    ("set a mine's capacity", lambda c, w, r: c.set_mine_capacity(w.mine, 1)),
    ("change a mine's status", lambda c, w, r: c.set_mine_status(w.mine, filon.MineStatus.SUSPENDED)),
    ("declare a lot", lambda c, w, r: c.declare_lot(w.mine, 1, 1, root("x"))),
    ("declare lots", lambda c, w, r: c.declare_lots([filon.LotDeclaration(w.mine, 1, 1, root("x"))])),
    ("record a passport", lambda c, w, r: c.record_passport(filon.LotId(1), root("x"))),
    ("transfer a lot", lambda c, w, r: c.transfer(filon.LotId(1), r.plant.address)),
    (
        "transform lots",
        lambda c, w, r: c.transform([filon.LotId(1)], [filon.LotOutput(filon.Form.DORE, 1, 1)], root("x")),
    ),
]


@pytest.mark.parametrize(("action", "write"), WRITES, ids=[action for action, _ in WRITES])
def test_a_read_only_client_refuses_writes(
    world: World, reader: filon.Client, roles: Roles, action: str, write: Callable[..., Any]
) -> None:
    before = [nonce(world.url, account) for account in (roles.registrar, roles.miner)]

    with pytest.raises(filon.AccountRequired, match=f"Cannot {action}: this client is read-only"):
        write(reader, world, roles)

    assert [nonce(world.url, account) for account in (roles.registrar, roles.miner)] == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"passport_root": b"\x01" * 31}, "passport_root must be 32 bytes"),
        ({"passport_root": "0x" + "zz" * 32}, "passport_root must be 32 bytes"),
        ({"fine_gold_mg": -1}, "fine_gold_mg must be a non-negative int"),
        ({"gross_mass_mg": True}, "gross_mass_mg must be a non-negative int"),
    ],
)
def test_unencodable_arguments_are_refused_before_sending(
    world: World, miner: filon.Client, roles: Roles, kwargs: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"fine_gold_mg": 1, "gross_mass_mg": 1, "passport_root": root("x")} | kwargs
    before = nonce(world.url, roles.miner)

    with pytest.raises(filon.InvalidInput, match=message) as info:
        miner.declare_lot(world.mine, **arguments)

    assert isinstance(info.value, ValueError)
    assert nonce(world.url, roles.miner) == before


def test_country_and_addresses_are_checked_locally(
    world: World, registrar: filon.Client, roles: Roles
) -> None:
    with pytest.raises(filon.InvalidInput, match="two-letter ISO 3166-1 code"):
        registrar.register_mine(
            roles.miner.address, PERMIT_HASH, world.permit_expiry, "PER", LOCATION_HASH, 1
        )
    with pytest.raises(filon.InvalidInput, match="operator must be a 0x-prefixed 20-byte address"):
        registrar.register_mine("0x1234", PERMIT_HASH, world.permit_expiry, "PE", LOCATION_HASH, 1)
