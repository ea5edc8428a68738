"""Encryption keys and access grants through the client (the on-chain part of confidential passports)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount

import filon

from .helpers import Roles, World, nonce, root

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def _uncompressed(account: LocalAccount) -> bytes:
    return b"\x04" + account._key_obj.public_key.to_bytes()


def _compressed(account: LocalAccount) -> bytes:
    return bytes(account._key_obj.public_key.to_compressed_bytes())


def test_publish_and_read_encryption_keys(
    world: World, plant: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    assert reader.encryption_key(roles.plant.address) is None

    plant.publish_encryption_key(_uncompressed(roles.plant))
    assert reader.encryption_key(roles.plant.address) == _uncompressed(roles.plant)
    plant.publish_encryption_key(_compressed(roles.plant))

    assert reader.encryption_key(roles.plant.address) == _compressed(roles.plant)
    assert len(_compressed(roles.plant)) == 33
    assert reader.encryption_key(roles.refiner.address) is None


def _off_curve(account: LocalAccount) -> bytes:
    key = bytearray(_uncompressed(account))
    key[-1] ^= 1
    return bytes(key)


@pytest.mark.parametrize(
    "make_key",
    [
        lambda account: b"\x04" * 65,
        lambda account: _uncompressed(account)[:64],
        lambda account: b"\x05" + _uncompressed(account)[1:],
        lambda account: b"\x04" + b"\xff" * 64,
        _off_curve,
        lambda account: b"\x02" + b"\xff" * 32,
        lambda account: "0x" + _compressed(account).hex(),
    ],
    ids=[
        "not-a-point",
        "short",
        "bad-prefix",
        "beyond-the-field",
        "off-curve",
        "no-square-root",
        "hex-string",
    ],
)
def test_only_secp256k1_keys_are_published(
    world: World, plant: filon.Client, roles: Roles, make_key: Callable[[LocalAccount], bytes]
) -> None:
    key = make_key(roles.plant)
    before = nonce(world.url, roles.plant)

    with pytest.raises(filon.InvalidInput, match="public_key must be a secp256k1 public key in SEC 1 form"):
        plant.publish_encryption_key(key)

    assert nonce(world.url, roles.plant) == before


def test_only_admitted_participants_publish_keys(
    world: World, client_for: Callable[[LocalAccount | None], filon.Client], roles: Roles
) -> None:
    outsider = client_for(roles.outsider)

    with pytest.raises(filon.NotParticipant) as info:
        outsider.publish_encryption_key(_compressed(roles.outsider))

    assert info.value.account == roles.outsider.address


def test_grants_standing_on_a_lot(
    world: World, miner: filon.Client, plant: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("secret"))
    assert reader.access_grants(lot_id) == []

    first = miner.anchor_grant(lot_id, roles.plant.address, root("grant 1"))
    miner.anchor_grant(lot_id, roles.refiner.address, root("grant 2"))
    plant.anchor_grant(lot_id, roles.refiner.address, root("grant 3"))
    miner.revoke_access(lot_id, roles.refiner.address)
    replaced = miner.anchor_grant(lot_id, roles.plant.address, "0x" + root("grant 4").hex())

    grants = reader.access_grants(lot_id)
    assert [(g.reader, g.granter, g.grant_digest) for g in grants] == [
        (roles.refiner.address, roles.plant.address, root("grant 3")),
        (roles.plant.address, roles.miner.address, root("grant 4")),
    ]
    assert grants[1].transaction_hash == replaced != first
    assert all(g.lot_id == lot_id for g in grants)


def test_a_lot_handed_over_with_its_grant(
    world: World, miner: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("sold"))

    tx = miner.multicall(
        [
            ("transferFrom", (roles.miner.address, roles.plant.address, lot_id)),
            ("grantAccess", (lot_id, roles.plant.address, root("grant"))),
        ]
    )

    assert reader.lot(lot_id).holder == roles.plant.address
    (grant,) = reader.access_grants(lot_id)
    assert (grant.reader, grant.granter, grant.transaction_hash) == (
        roles.plant.address,
        roles.miner.address,
        tx,
    )


def test_grant_rules(world: World, miner: filon.Client, roles: Roles) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("ruled"))
    before = nonce(world.url, roles.miner)

    with pytest.raises(filon.UnknownLot):
        miner.anchor_grant(filon.LotId(99), roles.plant.address, root("grant"))
    with pytest.raises(filon.InvalidAccount):
        miner.anchor_grant(lot_id, ZERO_ADDRESS, root("grant"))
    with pytest.raises(filon.EmptyHash):
        miner.anchor_grant(lot_id, roles.plant.address, bytes(32))
    with pytest.raises(filon.UnknownLot):
        miner.revoke_access(filon.LotId(99), roles.plant.address)
    with pytest.raises(filon.InvalidInput, match="reader must be a 0x-prefixed 20-byte address"):
        miner.revoke_access(lot_id, "plant")

    assert nonce(world.url, roles.miner) == before
