"""Confidential passports' on-chain part: published encryption keys and access grants (event only)."""

import pytest
from eth_utils import keccak

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
AUDITOR, REFINED = 6, 3  # IFilonRegistry.Role, IFilonLots.Form
KEY = bytes.fromhex("02" + "11" * 32)  # 33 bytes: the contract checks only the length
GRANT = keccak(text="grant file")


@pytest.fixture
def lot_id(declare):
    return declare(10_000)


# ---------------------------------------------------------------- encryption keys


@pytest.mark.anvil
def test_a_participant_publishes_its_encryption_key(lots, plant, emitted):
    receipt = lots.publishEncryptionKey(KEY, sender=plant)

    assert emitted(receipt) == [("EncryptionKeyPublished", {"account": plant.address, "publicKey": KEY})]


@pytest.mark.parametrize("length", [1, 32, 65])
def test_a_key_is_1_to_65_bytes(lots, plant, emitted, length):
    receipt = lots.publishEncryptionKey(b"\x04" * length, sender=plant)

    assert emitted(receipt)[0][1]["publicKey"] == b"\x04" * length


@pytest.mark.parametrize("length", [0, 66, 200])
def test_a_key_of_another_length_is_refused(lots, plant, reverts, length):
    with reverts(lots.InvalidEncryptionKey, length=length):
        lots.publishEncryptionKey(b"\x04" * length, sender=plant)


def test_an_attester_publishes_a_key_too(lots, registrar, outsider, emitted):
    lots.registerParticipant(outsider, AUDITOR, sender=registrar)

    receipt = lots.publishEncryptionKey(KEY, sender=outsider)

    assert emitted(receipt) == [("EncryptionKeyPublished", {"account": outsider.address, "publicKey": KEY})]


@pytest.mark.anvil
def test_only_admitted_participants_publish_keys(lots, registrar, plant, outsider, reverts):
    with reverts(lots.NotParticipant, account=outsider.address):
        lots.publishEncryptionKey(KEY, sender=outsider)
    lots.removeParticipant(plant, sender=registrar)
    with reverts(lots.NotParticipant, account=plant.address):
        lots.publishEncryptionKey(KEY, sender=plant)


# ---------------------------------------------------------------- grants


@pytest.mark.anvil
def test_the_holder_grants_and_revokes_access(lots, miner, plant, lot_id, emitted):
    granted = lots.grantAccess(lot_id, plant, GRANT, sender=miner)
    revoked = lots.revokeAccess(lot_id, plant, sender=miner)

    assert emitted(granted) == [
        (
            "AccessGranted",
            {"lotId": lot_id, "reader": plant.address, "granter": miner.address, "grantDigest": GRANT},
        )
    ]
    assert emitted(revoked) == [
        ("AccessRevoked", {"lotId": lot_id, "reader": plant.address, "granter": miner.address})
    ]


def test_a_past_holder_grants_access_to_a_consumed_ancestor(lots, miner, plant, refiner, lot_id, emitted):
    lots.transferFrom(miner, plant, lot_id, sender=miner)
    lots.transform([lot_id], [(REFINED, 9_000, 9_000)], keccak(text="bar"), "", sender=plant)

    receipt = lots.grantAccess(lot_id, refiner, GRANT, sender=miner)

    assert emitted(receipt) == [
        (
            "AccessGranted",
            {"lotId": lot_id, "reader": refiner.address, "granter": miner.address, "grantDigest": GRANT},
        )
    ]


@pytest.mark.anvil
@pytest.mark.parametrize("function", ["grantAccess", "revokeAccess"])
def test_only_admitted_participants_grant_and_revoke(lots, plant, outsider, lot_id, reverts, function):
    args = (lot_id, plant, GRANT) if function == "grantAccess" else (lot_id, plant)

    with reverts(lots.NotParticipant, account=outsider.address):
        getattr(lots, function)(*args, sender=outsider)


@pytest.mark.parametrize("function", ["grantAccess", "revokeAccess"])
@pytest.mark.parametrize("unknown", [0, 2])
def test_grants_are_about_minted_lots(lots, miner, plant, lot_id, reverts, function, unknown):
    args = (unknown, plant, GRANT) if function == "grantAccess" else (unknown, plant)

    with reverts(lots.UnknownLot, lotId=unknown):
        getattr(lots, function)(*args, sender=miner)


@pytest.mark.parametrize("function", ["grantAccess", "revokeAccess"])
def test_a_reader_is_not_the_zero_address(lots, miner, lot_id, reverts, function):
    args = (lot_id, ZERO_ADDRESS, GRANT) if function == "grantAccess" else (lot_id, ZERO_ADDRESS)

    with reverts(lots.InvalidAccount, account=ZERO_ADDRESS):
        getattr(lots, function)(*args, sender=miner)


def test_a_grant_digest_is_not_zero(lots, miner, plant, lot_id, reverts):
    with reverts(lots.EmptyHash):
        lots.grantAccess(lot_id, plant, bytes(32), sender=miner)


# ---------------------------------------------------------------- a transfer with its grant, at once


@pytest.mark.anvil
def test_a_transfer_and_its_grant_in_one_multicall(lots, miner, plant, lot_id, emitted):
    calls = [
        lots.transferFrom.encode_input(miner, plant, lot_id),
        lots.grantAccess.encode_input(lot_id, plant, GRANT),
    ]

    receipt = lots.multicall(calls, sender=miner)

    assert emitted(receipt) == [
        ("Transfer", {"from": miner.address, "to": plant.address, "tokenId": lot_id}),
        (
            "AccessGranted",
            {"lotId": lot_id, "reader": plant.address, "granter": miner.address, "grantDigest": GRANT},
        ),
    ]
    assert lots.ownerOf(lot_id) == plant.address


def test_a_transfer_whose_grant_fails_does_not_happen(lots, miner, plant, lot_id, reverts):
    calls = [
        lots.transferFrom.encode_input(miner, plant, lot_id),
        lots.grantAccess.encode_input(lot_id, plant, bytes(32)),
    ]

    with reverts(lots.EmptyHash):
        lots.multicall(calls, sender=miner)

    assert lots.ownerOf(lot_id) == miner.address
