"""Confidential passport layers on a real Anvil: derived keys, layers, grants (with provenance), transfers
that grant, revocation going forward, and every tamper refused with its own error.

Every party has its own secret folder (salts and content keys) and all share one document store, as the
supply chain's participants would.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

import filon
from filon.passport import Document, DocumentType, Facility, Party, Quantity
from filon.passport._canonical import canonical_json
from filon.passport._layers import (
    KEY_INFO,
    GrantFile,
    LayerFile,
    encryption_public_key,
    layer_aad,
    wrap_aad,
    wrap_key,
)

from .helpers import Roles, World, nonce

MARKER = "MARKER-7f3a-confidential-miner-identity"
PERMIT_PDF = b"%PDF-1.7 mining permit REINFO-2024-1187"
PUBLIC = [
    "schema_version",
    "lot",
    "facility",
    "production_date",
    "quantity",
    "materials_provenance",
    "carbon",
]
WITHHELD = ("producer", "conformity", "notes")


def _ore_passport(note: str = "first assay") -> filon.Passport:
    return filon.Passport(
        lot=filon.LotReference(batch_id="ORE-1"),
        producer=Party(name=f"{MARKER} Cooperativa Santa Rosa"),
        facility=Facility(mine_id=1, name="Santa Rosa", country="PE", region="Arequipa"),
        production_date=datetime.date(2026, 11, 2),
        quantity=Quantity(gross_mass_mg=100_000, fineness_ppt=850.0, fine_gold_mg=85_000),
        conformity=[
            Document(
                type=DocumentType.MINING_PERMIT,
                issuer="MINEM",
                date=datetime.date(2026, 1, 5),
                sha256=hashlib.sha256(PERMIT_PDF).hexdigest(),
            )
        ],
        carbon=filon.CarbonEmissions(kg_co2e=4.0, scope=[1], method="GHG Protocol", boundary="mine gate"),
        notes=f"{MARKER} {note}",
    )


def _dore_passport(ore: int) -> filon.Passport:
    return filon.Passport(
        lot=filon.LotReference(batch_id="DORE-1"),
        producer=Party(name="Planta Chala"),
        facility=Facility(name="Planta Chala", country="PE"),
        production_date=datetime.date(2026, 11, 10),
        quantity=Quantity(gross_mass_mg=90_000, fineness_ppt=900.0, fine_gold_mg=81_000),
        materials_provenance=[filon.MaterialInput(lot_id=ore, mass_fraction=1.0)],
    )


@dataclass(frozen=True)
class Parties:
    miner: filon.Client
    plant: filon.Client
    refiner: filon.Client
    jeweller: filon.Client  # an admitted participant nobody granted anything
    outsider: filon.Client  # not admitted: it can read, but publish no key
    store: Path


@pytest.fixture
def parties(world: World, roles: Roles, tmp_path: Path) -> Parties:
    def client(account: LocalAccount, name: str) -> filon.Client:
        return filon.connect(
            world.url,
            deployment=world.deployment,
            account=account,
            store=tmp_path / "store",
            salts_folder=tmp_path / name / "secrets",
        )

    found = Parties(
        client(roles.miner, "miner"),
        client(roles.plant, "plant"),
        client(roles.refiner, "refiner"),
        client(roles.miner2, "jeweller"),
        client(roles.outsider, "outsider"),
        tmp_path / "store",
    )
    found.plant.publish_encryption_key()
    found.refiner.publish_encryption_key()
    return found


def _ore_lot(parties: Parties, world: World) -> filon.LotId:
    return parties.miner.declare_lot_with_passport(
        world.mine, _ore_passport(), documents={"permit.pdf": PERMIT_PDF}, public_fields=PUBLIC
    )


def test_the_published_key_is_derived_from_the_account_key(parties: Parties, roles: Roles) -> None:
    expected = encryption_public_key(bytes(roles.plant.key))

    assert parties.jeweller.encryption_key(roles.plant.address) == expected
    assert len(expected) == 33 and expected[0] in (2, 3)
    assert expected != bytes(roles.plant._key_obj.public_key.to_compressed_bytes())  # not the signing key
    assert KEY_INFO == b"filon/encryption-key/secp256k1/v1"


def test_a_refiner_opens_the_ore_lots_after_a_provenance_grant(
    parties: Parties, world: World, roles: Roles
) -> None:
    ore = _ore_lot(parties, world)
    parties.miner.transfer(ore, roles.plant.address)  # grants the plant by default, in one multicall
    assert parties.plant.passport(ore) == _ore_passport()
    dore = parties.plant.transform_with_passport(
        [ore], [filon.LotOutput(filon.Form.DORE, 81_000, 90_000)], _dore_passport(ore)
    )[0]
    parties.plant.transfer(dore, roles.refiner.address)
    with pytest.raises(filon.PassportWithheld):
        parties.refiner.passport(ore)

    parties.plant.grant_access(dore, roles.refiner.address, with_provenance=True)

    assert parties.refiner.passport(ore) == _ore_passport()
    assert parties.refiner.passport(dore) == _dore_passport(ore)
    grants = parties.refiner.access_grants(ore)
    assert [(g.reader, g.granter) for g in grants] == [
        (roles.plant.address, roles.miner.address),
        (roles.refiner.address, roles.plant.address),
    ]
    for other in (
        parties.jeweller,
        parties.outsider,
        filon.connect(world.url, world.deployment, store=parties.store),
    ):
        with pytest.raises(filon.PassportWithheld) as info:
            other.passport(ore)
        assert info.value.withheld == WITHHELD
        assert info.value.disclosed == tuple(PUBLIC)


def test_a_grant_needs_the_readers_published_key(parties: Parties, world: World, roles: Roles) -> None:
    ore = _ore_lot(parties, world)
    before = nonce(world.url, roles.miner)

    with pytest.raises(filon.NoEncryptionKey) as info:
        parties.miner.grant_access(ore, roles.miner2.address)
    with pytest.raises(filon.NoEncryptionKey):
        parties.miner.transfer(ore, roles.miner2.address)

    assert info.value.address == roles.miner2.address
    assert str(info.value) == (
        f"{roles.miner2.address} has published no encryption key (it must run `filon participant "
        "publish-key` first), so no content key can be wrapped for it"
    )
    assert nonce(world.url, roles.miner) == before
    parties.miner.transfer(ore, roles.miner2.address, grant=False)
    assert parties.miner.lot(ore).holder == roles.miner2.address


def test_a_transfer_grants_in_a_multicall_only_when_there_is_something_to_grant(
    parties: Parties, world: World, roles: Roles
) -> None:
    public = parties.miner.declare_lot_with_passport(world.mine, _ore_passport())  # every field published
    ore = _ore_lot(parties, world)
    w3 = Web3(HTTPProvider(world.url))

    plain = parties.miner.transfer(public, roles.miner2.address)  # miner2 has no key: nothing to grant anyway
    granting = parties.miner.transfer(ore, roles.plant.address)

    transfer_from = Web3.keccak(text="transferFrom(address,address,uint256)")[:4]
    assert bytes(w3.eth.get_transaction(plain)["input"])[:4] == transfer_from
    assert bytes(w3.eth.get_transaction(granting)["input"])[:4] == Web3.keccak(text="multicall(bytes[])")[:4]
    assert [g.reader for g in parties.miner.access_grants(ore)] == [roles.plant.address]
    assert parties.plant.passport(ore) == _ore_passport()


def test_later_versions_reach_only_the_holders_own_readers(
    parties: Parties, world: World, roles: Roles
) -> None:
    """The contract records a grant from any participant on any lot: a self-granted outsider, or a reader
    with a malformed published key, is never a recipient of the holder's next version."""
    ore = _ore_lot(parties, world)
    parties.jeweller.publish_encryption_key()
    parties.jeweller.anchor_grant(ore, roles.miner2.address, b"\x11" * 32)  # it grants itself
    # a participant publishes a key that is not a curve point, past the library's check
    parties.plant._access._contract.send_for_hash("publish a key", "publishEncryptionKey", b"\x05" * 33)
    parties.miner.grant_access(ore, roles.refiner.address)
    with pytest.raises(filon.NoEncryptionKey) as info:
        parties.miner.grant_access(ore, roles.plant.address)
    assert str(info.value) == (
        f"{roles.plant.address} has published a malformed encryption key (not a secp256k1 point) (it must "
        "run `filon participant publish-key` first), so no content key can be wrapped for it"
    )
    parties.miner.anchor_grant(ore, roles.plant.address, b"\x22" * 32)  # a grant of its own, by hand

    second = parties.miner.publish_passport(ore, _ore_passport("second assay"), public_fields=PUBLIC)

    package = parties.jeweller.published_passport(ore, second.version)
    assert package.layer is not None
    layer = LayerFile.model_validate_json(parties.jeweller.store.get(package.layer.cid))
    assert [r.reader for r in layer.recipients] == [roles.refiner.address]
    with pytest.raises(filon.GrantInvalid, match="has no intact file"):  # its self-grant is all it has
        parties.jeweller.passport(ore, second.version)
    assert parties.refiner.passport(ore, second.version) == _ore_passport("second assay")


def test_later_versions_reach_standing_readers_until_revoked(
    parties: Parties, world: World, roles: Roles
) -> None:
    ore = _ore_lot(parties, world)
    parties.miner.grant_access(ore, roles.refiner.address)
    second = parties.miner.publish_passport(ore, _ore_passport("second assay"), public_fields=PUBLIC)

    assert parties.refiner.passport(ore, 2) == _ore_passport("second assay")  # wrapped in the layer itself
    parties.miner.revoke_access(ore, roles.refiner.address)
    parties.miner.publish_passport(ore, _ore_passport("third assay"), public_fields=PUBLIC)

    assert parties.refiner.passport(ore, second.version) == _ore_passport("second assay")
    with pytest.raises(filon.PassportWithheld) as info:
        parties.refiner.passport(ore, 3)
    assert info.value.withheld == WITHHELD
    assert parties.miner.passport(ore, 3) == _ore_passport("third assay")


# ---------------------------------------------------------------------------------------------- tampering


def _republish(
    holder: filon.Client,
    lot: filon.LotId,
    passport: filon.Passport,
    change: Callable[[LayerFile, bytes], bytes],
) -> int:
    """Records a version whose layer file `change` rewrote (given the parsed layer and its content key),
    as a careless or hostile holder could, with the content key kept where the holder keeps it."""
    prepared = filon.prepare_passport(passport, holder.store, public_fields=PUBLIC)
    package = filon.Disclosure.model_validate_json(holder.store.get(prepared.cid))
    assert package.layer is not None and prepared.content_key is not None
    layer = LayerFile.model_validate_json(holder.store.get(package.layer.cid))
    cid = holder.store.put(change(layer, prepared.content_key))
    changed = package.model_copy(update={"layer": package.layer.model_copy(update={"cid": cid})})
    uri = "ipfs://" + holder.store.put(changed.model_dump_json().encode())
    assert holder.address is not None
    holder._passports.salts.keep_content_key(prepared.root, holder.address, prepared.content_key)
    return holder.record_passport(lot, prepared.root, uri)


def _flip(text: str) -> str:
    sealed = bytearray(base64.b64decode(text))
    sealed[3] ^= 1
    return base64.b64encode(bytes(sealed)).decode()


def test_a_changed_ciphertext_byte_is_refused(parties: Parties, world: World, roles: Roles) -> None:
    ore = _ore_lot(parties, world)
    version = _republish(
        parties.miner,
        ore,
        _ore_passport(),
        lambda layer, _: canonical_json(
            {**layer.model_dump(mode="json"), "ciphertext": _flip(layer.ciphertext)}
        ),
    )
    parties.miner.grant_access(ore, roles.refiner.address)  # the holder's keys of both versions

    with pytest.raises(filon.LayerCorrupted, match="does not authenticate"):
        parties.refiner.passport(ore, version)


def test_a_damaged_layer_file_is_refused_to_its_readers_and_withheld_from_others(
    parties: Parties, world: World, roles: Roles
) -> None:
    ore = _ore_lot(parties, world)
    parties.miner.grant_access(ore, roles.refiner.address)
    layer = parties.jeweller.published_passport(ore).layer
    assert layer is not None
    path = parties.store / layer.cid
    path.write_bytes(path.read_bytes().replace(b'"ciphertext":"', b'"ciphertext":"A', 1))

    with pytest.raises(filon.LayerCorrupted, match="cannot be read intact from the document store"):
        parties.refiner.passport(ore)
    with pytest.raises(filon.PassportWithheld):
        parties.jeweller.passport(ore)


def test_a_changed_salt_is_refused(parties: Parties, world: World, roles: Roles) -> None:
    ore = _ore_lot(parties, world)
    passport = _ore_passport()
    data = passport.model_dump(mode="json")

    def reseal(layer: LayerFile, key: bytes) -> bytes:
        """The layer as docs/passport.md defines it, sealed under its own key, with the salts changed."""
        salts = {name: "0x" + bytes([7]).hex() * 16 for name in WITHHELD}
        plaintext = canonical_json({"fields": {n: {"salt": salts[n], "value": data[n]} for n in WITHHELD}})
        root = bytes.fromhex(layer.root[2:])
        sealed = AESGCM(key).encrypt(bytes.fromhex(layer.nonce[2:]), plaintext, layer_aad(root))
        return canonical_json(
            {**layer.model_dump(mode="json"), "ciphertext": base64.b64encode(sealed).decode()}
        )

    version = _republish(parties.miner, ore, passport, reseal)
    parties.miner.grant_access(ore, roles.refiner.address)

    with pytest.raises(filon.LayerMismatch) as info:
        parties.refiner.passport(ore, version)
    assert info.value.fields == ("conformity", "notes", "producer")


def _grant_file(client: filon.Client, lot: filon.LotId) -> GrantFile:
    (grant,) = client.access_grants(lot)
    return GrantFile.model_validate_json(client.store.get(filon.cid_for_sha256(grant.grant_digest.hex())))


def test_a_changed_wrapped_key_is_refused(parties: Parties, world: World, roles: Roles) -> None:
    ore = _ore_lot(parties, world)
    parties.miner.grant_access(ore, roles.refiner.address)
    original = _grant_file(parties.miner, ore)
    version = original.versions[0]
    wrapped = bytearray.fromhex(version.wrapped_key[2:])
    wrapped[40] ^= 1  # a byte of the encrypted content key
    changed = original.model_copy(
        update={"versions": [version.model_copy(update={"wrapped_key": "0x" + wrapped.hex()})]}
    )
    cid = parties.miner.store.put(changed.to_bytes())
    parties.miner.revoke_access(ore, roles.refiner.address)  # the changed grant is the only one standing

    parties.miner.anchor_grant(ore, roles.refiner.address, "0x" + parties.miner.store.sha256_of(cid))

    with pytest.raises(filon.WrappedKeyInvalid, match="does not open with this account's encryption key"):
        parties.refiner.passport(ore)


def test_a_grant_that_opens_nothing_hides_no_good_grant(parties: Parties, world: World, roles: Roles) -> None:
    """Anyone admitted can anchor a well-formed grant file wrapping some other key to a reader (lot, reader,
    chain, contract and root are all public): the reader still opens the lot with the holder's grant."""
    ore = _ore_lot(parties, world)
    parties.miner.grant_access(ore, roles.refiner.address)
    good = _grant_file(parties.miner, ore)
    (version,) = good.versions
    reader_key = parties.jeweller.encryption_key(roles.refiner.address)
    assert reader_key is not None
    bogus_key = wrap_key(
        AESGCM.generate_key(256),
        reader_key,
        wrap_aad(bytes.fromhex(version.root[2:]), roles.refiner.address.lower()),
    )
    bogus = good.model_copy(
        update={
            "granter": roles.miner2.address,
            "versions": [version.model_copy(update={"wrapped_key": "0x" + bogus_key.hex()})],
        }
    )
    cid = parties.jeweller.store.put(bogus.to_bytes())

    parties.jeweller.anchor_grant(ore, roles.refiner.address, "0x" + parties.jeweller.store.sha256_of(cid))

    assert [g.granter for g in parties.refiner.access_grants(ore)] == [
        roles.miner.address,
        roles.miner2.address,
    ]
    assert parties.refiner.passport(ore) == _ore_passport()


def test_a_grant_of_another_lot_is_refused(parties: Parties, world: World, roles: Roles) -> None:
    ore = _ore_lot(parties, world)
    other = _ore_lot(parties, world)
    parties.miner.grant_access(other, roles.refiner.address)
    (grant,) = parties.miner.access_grants(other)

    parties.miner.anchor_grant(ore, roles.refiner.address, grant.grant_digest)

    with pytest.raises(filon.GrantInvalid, match=f"anchored on lot {ore}, is for lot {other} and reader"):
        parties.refiner.passport(ore)
    assert parties.refiner.passport(other) == _ore_passport()


def test_a_grant_file_not_matching_its_anchored_digest_is_refused(
    parties: Parties, world: World, roles: Roles
) -> None:
    ore = _ore_lot(parties, world)
    parties.miner.grant_access(ore, roles.refiner.address)
    (grant,) = parties.miner.access_grants(ore)
    path = parties.store / filon.cid_for_sha256(grant.grant_digest.hex())
    path.write_bytes(path.read_bytes() + b" ")  # still the same JSON, but no longer the anchored bytes

    with pytest.raises(filon.GrantInvalid, match="has no intact file"):
        parties.refiner.passport(ore)


# ---------------------------------------------------------------------------------------------- no plaintext


def test_no_plaintext_of_a_withheld_field_leaves_the_holders_folder(
    parties: Parties, world: World, roles: Roles, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ore = _ore_lot(parties, world)
    parties.miner.transfer(ore, roles.plant.address)
    parties.plant.grant_access(ore, roles.refiner.address)
    assert parties.refiner.passport(ore).producer.name.startswith(MARKER)

    stored = {path.name: path.read_bytes() for path in parties.store.iterdir()}
    assert len(stored) >= 5  # the package, the layer, the permit, two grant files
    assert [name for name, data in stored.items() if MARKER.encode() in data] == []
    assert MARKER not in caplog.text
