"""Records the registrar vouches for: participants' records (event only)."""

import pytest
from eth_utils import keccak

REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
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
