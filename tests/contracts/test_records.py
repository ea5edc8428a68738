"""Records the registrar vouches for: participants' records and government register snapshots (event only),
and `multicall`, which applies a register import atomically with the caller as `msg.sender`."""

import pytest
from eth_utils import keccak

REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
ACTIVE, SUSPENDED = 1, 2  # IFilonRegistry.MineStatus
SNAPSHOT = keccak(text="REINFO export 2026-03-01")
RECORD_V1 = keccak(text="record: Minera Ejemplo SAC v1")
RECORD_V2 = keccak(text="record: Minera Ejemplo SAC v2")


# ---------------------------------------------------------------- participant records


@pytest.mark.anvil
def test_the_registrar_publishes_a_participant_record(lots, registrar, plant, emitted):
    receipt = lots.publishParticipantRecord(plant, RECORD_V1, sender=registrar)

    assert emitted(receipt) == [
        ("ParticipantRecordPublished", {"account": plant.address, "recordHash": RECORD_V1})
    ]


def test_a_newer_record_is_published_the_same_way(lots, registrar, plant, emitted):
    lots.publishParticipantRecord(plant, RECORD_V1, sender=registrar)

    receipt = lots.publishParticipantRecord(plant, RECORD_V2, sender=registrar)

    assert emitted(receipt) == [
        ("ParticipantRecordPublished", {"account": plant.address, "recordHash": RECORD_V2})
    ]


@pytest.mark.anvil
@pytest.mark.parametrize("who", ["plant", "outsider", "miner"])
def test_only_the_registrar_publishes_records(lots, plant, reverts, request, who):
    caller = request.getfixturevalue(who)

    with reverts(lots.AccessControlUnauthorizedAccount, account=caller.address, neededRole=REGISTRAR_ROLE):
        lots.publishParticipantRecord(plant, RECORD_V1, sender=caller)


def test_a_record_is_for_an_admitted_participant(lots, registrar, outsider, plant, reverts):
    with reverts(lots.NotParticipant, account=outsider.address):
        lots.publishParticipantRecord(outsider, RECORD_V1, sender=registrar)
    lots.removeParticipant(plant, sender=registrar)
    with reverts(lots.NotParticipant, account=plant.address):
        lots.publishParticipantRecord(plant, RECORD_V1, sender=registrar)


def test_a_record_hash_is_not_zero(lots, registrar, plant, reverts):
    with reverts(lots.EmptyHash):
        lots.publishParticipantRecord(plant, bytes(32), sender=registrar)


# ---------------------------------------------------------------- register snapshots


@pytest.fixture
def snapshot_date(chain):
    """A day before the next block."""
    return chain.pending_timestamp - 86_400


@pytest.mark.anvil
def test_the_registrar_records_a_register_snapshot(lots, registrar, snapshot_date, emitted):
    receipt = lots.recordRegisterSnapshot(SNAPSHOT, snapshot_date, sender=registrar)

    assert emitted(receipt) == [
        ("RegisterSnapshotRecorded", {"snapshotHash": SNAPSHOT, "snapshotDate": snapshot_date})
    ]


def test_only_the_registrar_records_snapshots(lots, plant, snapshot_date, reverts):
    with reverts(lots.AccessControlUnauthorizedAccount, account=plant.address, neededRole=REGISTRAR_ROLE):
        lots.recordRegisterSnapshot(SNAPSHOT, snapshot_date, sender=plant)


def test_a_snapshot_hash_is_not_zero(lots, registrar, snapshot_date, reverts):
    with reverts(lots.EmptyHash):
        lots.recordRegisterSnapshot(bytes(32), snapshot_date, sender=registrar)


def test_a_snapshot_is_dated_from_1970_to_now(lots, registrar, chain, reverts):
    now = chain.pending_timestamp
    chain.pending_timestamp = now

    with reverts(lots.InvalidSnapshotDate, snapshotDate=0, nowTimestamp=now):
        lots.recordRegisterSnapshot(SNAPSHOT, 0, sender=registrar)
    chain.pending_timestamp = now + 1
    with reverts(lots.InvalidSnapshotDate, snapshotDate=now + 2, nowTimestamp=now + 1):
        lots.recordRegisterSnapshot(SNAPSHOT, now + 2, sender=registrar)


def test_a_snapshot_may_be_dated_now(lots, registrar, chain, emitted):
    now = chain.pending_timestamp
    chain.pending_timestamp = now

    receipt = lots.recordRegisterSnapshot(SNAPSHOT, now, sender=registrar)

    assert emitted(receipt) == [("RegisterSnapshotRecorded", {"snapshotHash": SNAPSHOT, "snapshotDate": now})]


# ---------------------------------------------------------------- multicall: a register import at once


@pytest.fixture
def two_mines(register_mine, miner, miner2):
    return register_mine(miner, label="one"), register_mine(miner2, label="two")


def register_import(lots, snapshot_date, suspended, renewed, expiry):
    """The calls of a register import: its snapshot, a suspension and a renewed permit."""
    return [
        lots.recordRegisterSnapshot.encode_input(SNAPSHOT, snapshot_date),
        lots.suspendMine.encode_input(suspended),
        lots.updatePermit.encode_input(renewed, keccak(text="permit:renewed"), expiry),
    ]


@pytest.mark.anvil
def test_a_register_import_is_one_transaction(
    lots, registrar, two_mines, snapshot_date, permit_expiry, emitted
):
    one, two = two_mines
    calls = register_import(lots, snapshot_date, one, two, permit_expiry + 1)

    receipt = lots.multicall(calls, sender=registrar)

    assert emitted(receipt) == [
        ("RegisterSnapshotRecorded", {"snapshotHash": SNAPSHOT, "snapshotDate": snapshot_date}),
        ("MineStatusChanged", {"mineId": one, "status": SUSPENDED}),
        (
            "MinePermitUpdated",
            {"mineId": two, "permitHash": keccak(text="permit:renewed"), "permitExpiry": permit_expiry + 1},
        ),
    ]
    assert (lots.mine(one).status, lots.mine(two).permitExpiry) == (SUSPENDED, permit_expiry + 1)


@pytest.mark.anvil
@pytest.mark.parametrize("who", ["plant", "outsider"])
def test_multicall_keeps_the_caller(lots, two_mines, snapshot_date, permit_expiry, reverts, request, who):
    """Each call runs with the multicall's caller as `msg.sender`, never with the contract's own address."""
    caller = request.getfixturevalue(who)
    calls = register_import(lots, snapshot_date, two_mines[0], two_mines[1], permit_expiry)

    with reverts(lots.AccessControlUnauthorizedAccount, account=caller.address, neededRole=REGISTRAR_ROLE):
        lots.multicall(calls, sender=caller)


@pytest.mark.anvil
def test_a_register_import_is_all_or_nothing(
    lots, registrar, two_mines, snapshot_date, permit_expiry, reverts
):
    one, two = two_mines
    calls = [
        *register_import(lots, snapshot_date, one, two, permit_expiry + 1),
        lots.suspendMine.encode_input(7),
    ]

    with reverts(lots.UnknownMine, mineId=7):
        lots.multicall(calls, sender=registrar)

    assert (lots.mine(one).status, lots.mine(two).permitExpiry) == (ACTIVE, permit_expiry)


def test_a_call_failing_late_undoes_the_earlier_ones(lots, registrar, two_mines, reverts):
    one, _ = two_mines

    with reverts(lots.InvalidMineStatusChange, mineId=one, status=SUSPENDED, requested=SUSPENDED):
        lots.multicall([lots.suspendMine.encode_input(one)] * 2, sender=registrar)

    assert lots.mine(one).status == ACTIVE


def test_multicall_returns_each_result(lots, miner, mine_id):
    declare = lots.declareLot.encode_input(mine_id, 1_000, 2_000, keccak(text="ore"), "", "")

    results = lots.multicall.call([declare, declare], sender=miner)

    assert [int.from_bytes(result, "big") for result in results] == [1, 2]


def test_a_call_to_no_function_fails_the_multicall(lots, registrar, reverts):
    with reverts(lots.FailedCall):
        lots.multicall([bytes.fromhex("deadbeef")], sender=registrar)
