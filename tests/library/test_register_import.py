"""Government register snapshots and `Client.multicall`: a register import applied in one transaction."""

from __future__ import annotations

import pytest
from web3 import HTTPProvider, Web3

import filon

from .helpers import Roles, World, nonce, root

REGISTRAR_ROLE = Web3.keccak(text="REGISTRAR_ROLE")
SNAPSHOT = root("REINFO export")


def _now(world: World) -> int:
    return int(Web3(HTTPProvider(world.url)).eth.get_block("latest")["timestamp"])


def test_record_and_list_register_snapshots(
    world: World, registrar: filon.Client, reader: filon.Client
) -> None:
    date = _now(world) - 86_400
    assert reader.register_snapshots() == []

    first = registrar.record_register_snapshot(SNAPSHOT, date)
    second = registrar.record_register_snapshot("0x" + root("next export").hex(), date + 1)

    snapshots = reader.register_snapshots()
    assert [(s.snapshot_hash, s.snapshot_date, s.transaction_hash) for s in snapshots] == [
        (SNAPSHOT, date, first),
        (root("next export"), date + 1, second),
    ]
    assert snapshots[0].block_number < snapshots[1].block_number


def test_a_register_import_in_one_transaction(
    world: World, registrar: filon.Client, reader: filon.Client
) -> None:
    date, renewed = _now(world) - 86_400, world.permit_expiry + 1

    tx = registrar.multicall(
        [
            ("recordRegisterSnapshot", (SNAPSHOT, date)),
            ("suspendMine", (world.mine,)),
            ("updatePermit", (world.mine2, root("renewed permit"), renewed)),
        ]
    )

    (snapshot,) = reader.register_snapshots()
    assert snapshot.transaction_hash == tx
    assert reader.mine(world.mine).status is filon.MineStatus.SUSPENDED
    assert (reader.mine(world.mine2).permit_hash, reader.mine(world.mine2).permit_expiry) == (
        root("renewed permit"),
        renewed,
    )


def test_a_register_import_is_all_or_nothing(
    world: World, registrar: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    before = nonce(world.url, roles.registrar)

    with pytest.raises(filon.UnknownMine) as info:
        registrar.multicall(
            [
                ("recordRegisterSnapshot", (SNAPSHOT, _now(world) - 1)),
                ("suspendMine", (world.mine,)),
                ("suspendMine", (99,)),
            ]
        )

    assert info.value.mine_id == 99
    assert nonce(world.url, roles.registrar) == before
    assert reader.register_snapshots() == []
    assert reader.mine(world.mine).status is filon.MineStatus.ACTIVE


def test_a_multicall_keeps_the_sender(world: World, plant: filon.Client, roles: Roles) -> None:
    with pytest.raises(filon.Unauthorized) as info:
        plant.multicall([("suspendMine", (world.mine,))])

    assert (info.value.account, info.value.role_name) == (roles.plant.address, "REGISTRAR_ROLE")


def test_a_participant_cannot_be_made_registrar(registrar: filon.Client, roles: Roles) -> None:
    with pytest.raises(filon.ParticipantCannotAdminister) as info:
        registrar.multicall([("grantRole", (REGISTRAR_ROLE, roles.plant.address))])

    assert (info.value.account, info.value.role_name) == (roles.plant.address, "REGISTRAR_ROLE")
    assert str(info.value) == (
        f"{roles.plant.address} is an admitted participant and cannot be granted the REGISTRAR_ROLE: "
        "remove the participant first."
    )


def test_snapshot_rules(world: World, registrar: filon.Client, roles: Roles) -> None:
    now = _now(world)

    with pytest.raises(filon.InvalidSnapshotDate) as future:
        registrar.record_register_snapshot(SNAPSHOT, now + 3_600)
    with pytest.raises(filon.EmptyHash):
        registrar.record_register_snapshot(bytes(32), now - 1)
    with pytest.raises(filon.InvalidInput, match="snapshot_date must be a Unix time"):
        registrar.record_register_snapshot(SNAPSHOT, -1)

    assert future.value.snapshot_date == now + 3_600
    assert isinstance(future.value, ValueError)


@pytest.mark.parametrize(
    ("calls", "message"),
    [
        ([], "A multicall needs at least one call"),
        ([("burnEverything", ())], "FilonLots has no function 'burnEverything'"),
        ([("suspendMine", ("seven",))], "Invalid arguments for suspendMine"),
    ],
)
def test_a_multicall_that_cannot_be_encoded_sends_nothing(
    world: World,
    registrar: filon.Client,
    roles: Roles,
    calls: list[tuple[str, tuple[object, ...]]],
    message: str,
) -> None:
    before = nonce(world.url, roles.registrar)

    with pytest.raises(filon.InvalidInput, match=message):
        registrar.multicall(calls)

    assert nonce(world.url, roles.registrar) == before
