"""Confidential layers without a chain: key derivation, ECIES key wrapping, AES-256-GCM layers bound to their
root, and the whole passport rebuilt and checked from published and decrypted fields."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from passport_examples import ORE

from filon.passport import build_tree
from filon.passport._layers import (
    WRAPPED_SIZE,
    LayerCorrupted,
    LayerMismatch,
    WrappedKeyInvalid,
    encryption_private_key,
    encryption_public_key,
    open_layer,
    parse_layer,
    passport_from_layers,
    seal_layer,
    unwrap_key,
    wrap_aad,
    wrap_key,
)

ACCOUNT_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
READER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
WITHHELD = ["producer", "facility"]


def test_the_encryption_key_is_hkdf_of_the_account_key_reduced_into_the_curve_order() -> None:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=48, salt=None, info=b"filon/encryption-key/secp256k1/v1"
    ).derive(ACCOUNT_KEY)
    order = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    scalar = int.from_bytes(derived, "big") % (order - 1) + 1

    assert encryption_private_key(ACCOUNT_KEY).private_numbers().private_value == scalar
    public = ec.derive_private_key(scalar, ec.SECP256K1()).public_key()
    expected = public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    assert encryption_public_key(ACCOUNT_KEY) == expected


def test_a_wrapped_key_opens_only_with_the_readers_key_root_and_address() -> None:
    content_key = bytes(range(32))
    root = hashlib.sha256(b"root").digest()
    reader = encryption_private_key(ACCOUNT_KEY)
    aad = wrap_aad(root, READER)
    wrapped = wrap_key(content_key, encryption_public_key(ACCOUNT_KEY), aad)

    assert len(wrapped) == WRAPPED_SIZE == 93
    assert unwrap_key(wrapped, reader, aad) == content_key
    changed = bytearray(wrapped)
    changed[50] ^= 1
    for bad, key, data in (
        (bytes(changed), reader, aad),
        (wrapped, encryption_private_key(b"\x01" * 32), aad),
        (wrapped, reader, wrap_aad(hashlib.sha256(b"other root").digest(), READER)),
        (wrapped, reader, wrap_aad(root, "0x" + "11" * 20)),
        (wrapped[:-1], reader, aad),
    ):
        with pytest.raises(WrappedKeyInvalid):
            unwrap_key(bad, key, data)


def test_a_layer_opens_and_rebuilds_the_root() -> None:
    tree = build_tree(ORE)
    sealed = seal_layer(ORE, tree.salts, WITHHELD, tree.root)
    layer = parse_layer(sealed.data)
    data = ORE.model_dump(mode="json")
    public = {name: (data[name], tree.salts[name]) for name in data if name not in WITHHELD}

    opened = open_layer(layer, sealed.content_key, tree.root)

    assert sorted(opened) == sorted(WITHHELD)
    assert passport_from_layers(public, opened, tree.root) == ORE
    assert ORE.producer.name.encode() not in sealed.data
    assert (layer.format, layer.cipher, layer.root) == (
        "filon-layer/1",
        "AES-256-GCM",
        "0x" + tree.root.hex(),
    )


def test_a_changed_ciphertext_or_another_root_does_not_authenticate() -> None:
    tree = build_tree(ORE)
    sealed = seal_layer(ORE, tree.salts, WITHHELD, tree.root)
    layer = parse_layer(sealed.data)
    ciphertext = bytearray(base64.b64decode(layer.ciphertext))
    ciphertext[0] ^= 0x80
    changed = layer.model_copy(update={"ciphertext": base64.b64encode(bytes(ciphertext)).decode()})

    with pytest.raises(LayerCorrupted, match="does not authenticate"):
        open_layer(changed, sealed.content_key, tree.root)
    with pytest.raises(LayerCorrupted, match="does not authenticate"):
        open_layer(layer, sealed.content_key, hashlib.sha256(b"another").digest())
    with pytest.raises(LayerCorrupted, match="not a filon-layer/1 file"):
        parse_layer(b'{"format": "filon-layer/1"}')


def test_a_changed_salt_or_value_does_not_rebuild_the_root() -> None:
    tree = build_tree(ORE)
    data = ORE.model_dump(mode="json")
    public = {name: (data[name], tree.salts[name]) for name in data if name not in WITHHELD}
    opened = {name: (data[name], tree.salts[name]) for name in WITHHELD}

    with pytest.raises(LayerMismatch) as info:
        passport_from_layers(public, {**opened, "producer": (data["producer"], bytes(16))}, tree.root)
    assert info.value.fields == ("facility", "producer")
    renamed = {**data["producer"], "name": "Someone else"}
    with pytest.raises(LayerMismatch, match="not the root"):
        passport_from_layers(public, {**opened, "producer": (renamed, tree.salts["producer"])}, tree.root)
    with pytest.raises(LayerMismatch, match="not exactly the passport's fields"):
        passport_from_layers(public, {"producer": opened["producer"]}, tree.root)
