"""Confidential layers: the withheld fields of a passport version, encrypted for the parties a holder chooses.

Every byte format here is documented in docs/passport.md ("Confidential layers"), precisely enough for
another implementation. Only standard constructions of the `cryptography` library are used:

- a participant's encryption key is a secp256k1 key derived from its account key with HKDF-SHA256
  (`KEY_INFO`), so it is never stored: the keystore regenerates it;
- a layer is the withheld fields' values and salts (canonical JSON) sealed with AES-256-GCM under a fresh
  256-bit content key, its associated data binding it to the passport root (`layer_aad`);
- a content key is wrapped to a reader's published public key with ECIES on secp256k1 (SEC 1: an ephemeral
  key, ECDH, HKDF-SHA256 over the ephemeral public key and the shared x, AES-256-GCM), its associated data
  binding it to the root and the reader (`wrap_aad`);
- a grant file lists, for one lot and one reader, the content keys of the versions a granter can open,
  each wrapped to the reader; its SHA-256 is anchored on chain (`grantAccess`).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from filon._errors import FilonError
from filon.passport._canonical import canonical_json
from filon.passport._merkle import SALT_SIZE, build_tree, field_names
from filon.passport._schema import SCHEMA_VERSIONS, Passport

__all__ = [
    "CIPHER",
    "GRANT_FORMAT",
    "KEY_INFO",
    "LAYER_FORMAT",
    "WRAP_INFO",
    "ConfidentialLayerError",
    "GrantFile",
    "GrantInvalid",
    "GrantedVersion",
    "LayerCorrupted",
    "LayerFile",
    "LayerMismatch",
    "LayerRecipient",
    "LayerReference",
    "NoEncryptionKey",
    "WrappedKeyInvalid",
    "encryption_private_key",
    "encryption_public_key",
    "open_layer",
    "passport_from_layers",
    "seal_layer",
    "unwrap_key",
    "wrap_key",
]

LAYER_FORMAT = "filon-layer/1"
GRANT_FORMAT = "filon-grant/1"
CIPHER = "AES-256-GCM"
KEY_INFO = b"filon/encryption-key/secp256k1/v1"
"""HKDF-SHA256 `info` deriving a participant's encryption key from its 32-byte account key."""
WRAP_INFO = b"filon/ecies-secp256k1/hkdf-sha256/aes-256-gcm/v1"
"""HKDF-SHA256 `info` deriving the key that wraps a content key, from the ECDH shared secret."""
WRAP_TAG = b"filon-wrap/1"
CONTENT_KEY_SIZE = 32
NONCE_SIZE = 12
WRAPPED_SIZE = 33 + NONCE_SIZE + CONTENT_KEY_SIZE + 16
"""Ephemeral public key (compressed), nonce, encrypted content key, GCM tag: 93 bytes."""

_CURVE = ec.SECP256K1()
_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HEX32 = r"^0x[0-9a-f]{64}$"
_ADDRESS = r"^0x[0-9a-fA-F]{40}$"


class ConfidentialLayerError(FilonError, ValueError):
    """A confidential layer, a wrapped key or a grant cannot be trusted: nothing of it is returned."""


class LayerCorrupted(ConfidentialLayerError):
    """A layer file is malformed, or its ciphertext fails authentication (a changed byte, another root)."""


class WrappedKeyInvalid(ConfidentialLayerError):
    """A wrapped content key does not open with the reader's key (changed, or wrapped for someone else)."""


class GrantInvalid(ConfidentialLayerError):
    """A grant file does not match the digest anchored on chain, or is for another lot, reader or chain."""


class LayerMismatch(ConfidentialLayerError):
    """Decrypted fields, with the published ones, do not rebuild the passport root recorded on chain.

    Attributes:
        fields: The decrypted fields that were checked.
    """

    def __init__(self, message: str, *, fields: Sequence[str]) -> None:
        super().__init__(message)
        self.fields = tuple(fields)


class NoEncryptionKey(FilonError, LookupError):
    """An address has published no encryption key, so nothing can be wrapped for it.

    Attributes:
        address: The address.
    """

    def __init__(self, address: str) -> None:
        super().__init__(
            f"{address} has published no encryption key (it must run `filon participant publish-key` first), "
            "so no content key can be wrapped for it"
        )
        self.address = address


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LayerReference(_Model):
    """What a published package says of its version's confidential layer.

    Attributes:
        cid: The layer file's CID in the document store.
        format: `filon-layer/1`.
        cipher: `AES-256-GCM`.
        fields: The withheld fields the layer holds.
    """

    cid: str = Field(max_length=200)
    format: str = LAYER_FORMAT
    cipher: str = CIPHER
    fields: list[str]


class LayerRecipient(_Model):
    """The content key wrapped to one reader (a reader standing when the version was published)."""

    reader: str = Field(pattern=_ADDRESS)
    wrapped_key: str = Field(pattern=r"^0x[0-9a-f]{186}$")


class LayerFile(_Model):
    """A confidential layer as stored (its JSON is the stored file)."""

    format: str
    cipher: str
    root: str = Field(pattern=_HEX32)
    nonce: str = Field(pattern=r"^0x[0-9a-f]{24}$")
    ciphertext: str = Field(description="Base64 (RFC 4648, padded) of AES-256-GCM ciphertext and tag.")
    recipients: list[LayerRecipient] = []


class GrantedVersion(_Model):
    """One version's content key in a grant file."""

    version: int = Field(ge=1)
    root: str = Field(pattern=_HEX32)
    layer: str = Field(max_length=200)
    wrapped_key: str = Field(pattern=r"^0x[0-9a-f]{186}$")


class GrantFile(_Model):
    """A grant as stored: the content keys of one lot's versions, wrapped to one reader."""

    format: str
    chain_id: int
    contract: str = Field(pattern=_ADDRESS)
    lot_id: int
    reader: str = Field(pattern=_ADDRESS)
    granter: str = Field(pattern=_ADDRESS)
    versions: list[GrantedVersion]

    def to_bytes(self) -> bytes:
        """The stored bytes: RFC 8785 canonical JSON (their SHA-256 is what `grantAccess` anchors)."""
        return canonical_json(self.model_dump(mode="json"))


# ----------------------------------------------------------------------------- keys


def _hkdf(material: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(material)


def encryption_private_key(account_key: bytes) -> ec.EllipticCurvePrivateKey:
    """The encryption key of an account: HKDF-SHA256 (no salt, `KEY_INFO`) of its 32-byte account key to
    48 bytes, read as a big-endian integer, reduced modulo (n - 1), plus 1 (FIPS 186-5 A.2.1: a uniform
    scalar in [1, n - 1]). Independent of the signing key as far as anyone without the account key can tell.
    """
    scalar = int.from_bytes(_hkdf(bytes(account_key), KEY_INFO, 48), "big") % (_ORDER - 1) + 1
    return ec.derive_private_key(scalar, _CURVE)


def _compressed(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


def encryption_public_key(account_key: bytes) -> bytes:
    """The 33-byte compressed public encryption key of an account (what it publishes on chain)."""
    return _compressed(encryption_private_key(account_key).public_key())


def wrap_aad(root: bytes, reader: str) -> bytes:
    """Associated data of a wrapped key: `filon-wrap/1`, the 32-byte root, the reader's 20-byte address."""
    return WRAP_TAG + root + bytes.fromhex(reader.removeprefix("0x"))


def wrap_key(content_key: bytes, reader_public_key: bytes, aad: bytes) -> bytes:
    """ECIES on secp256k1: the content key wrapped to `reader_public_key` (SEC 1, 33 or 65 bytes).

    Returns:
        `ephemeral public key (33, compressed) || nonce (12) || AES-256-GCM(content key) with tag (48)`,
        the AES key being HKDF-SHA256(ephemeral public key || ECDH x, info `WRAP_INFO`).
    """
    reader = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, reader_public_key)
    ephemeral = ec.generate_private_key(_CURVE)
    sender = _compressed(ephemeral.public_key())
    key = _hkdf(sender + ephemeral.exchange(ec.ECDH(), reader), WRAP_INFO, 32)
    nonce = os.urandom(NONCE_SIZE)
    return sender + nonce + AESGCM(key).encrypt(nonce, content_key, aad)


def unwrap_key(wrapped: bytes, private_key: ec.EllipticCurvePrivateKey, aad: bytes) -> bytes:
    """The content key `wrap_key` wrapped to this private key's public key.

    Raises:
        WrappedKeyInvalid: It is malformed, changed, bound to another root or reader, or not for this key.
    """
    if len(wrapped) != WRAPPED_SIZE:
        raise WrappedKeyInvalid(f"A wrapped content key has {WRAPPED_SIZE} bytes, not {len(wrapped)}")
    sender, nonce, sealed = wrapped[:33], wrapped[33 : 33 + NONCE_SIZE], wrapped[33 + NONCE_SIZE :]
    try:
        ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, sender)
        key = _hkdf(sender + private_key.exchange(ec.ECDH(), ephemeral), WRAP_INFO, 32)
        return AESGCM(key).decrypt(nonce, sealed, aad)
    except (ValueError, InvalidTag):
        raise WrappedKeyInvalid(
            "The wrapped content key does not open with this account's encryption key: it was changed, or "
            "wrapped for another reader or another passport version"
        ) from None


# ----------------------------------------------------------------------------- layers


def layer_aad(root: bytes) -> bytes:
    """Associated data of a layer: `filon-layer/1` (ASCII), then the 32-byte passport root."""
    return LAYER_FORMAT.encode() + root


@dataclass(frozen=True)
class SealedLayer:
    """A layer ready to store: its file's bytes and the content key that opens it (the holder's secret)."""

    data: bytes
    content_key: bytes


def seal_layer(
    passport: Passport,
    salts: Mapping[str, bytes],
    fields: Sequence[str],
    root: bytes,
    recipients: Mapping[str, bytes] | None = None,
) -> SealedLayer:
    """Encrypts the values and salts of `fields` under a fresh content key, bound to `root`.

    Args:
        passport: The passport.
        salts: Its salts (those its root was built with).
        fields: The withheld fields.
        root: The passport's root.
        recipients: Readers' published public keys by address: the content key is wrapped to each.
    """
    data = passport.model_dump(mode="json")
    plaintext = canonical_json(
        {"fields": {name: {"salt": "0x" + salts[name].hex(), "value": data[name]} for name in fields}}
    )
    content_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_SIZE)
    sealed = AESGCM(content_key).encrypt(nonce, plaintext, layer_aad(root))
    layer = LayerFile(
        format=LAYER_FORMAT,
        cipher=CIPHER,
        root="0x" + root.hex(),
        nonce="0x" + nonce.hex(),
        ciphertext=base64.b64encode(sealed).decode(),
        recipients=[
            LayerRecipient(
                reader=reader, wrapped_key="0x" + wrap_key(content_key, key, wrap_aad(root, reader)).hex()
            )
            for reader, key in sorted((recipients or {}).items())
        ],
    )
    return SealedLayer(canonical_json(layer.model_dump(mode="json")), content_key)


def parse_layer(data: bytes) -> LayerFile:
    """A stored layer file, parsed.

    Raises:
        LayerCorrupted: It is not a `filon-layer/1` file of AES-256-GCM.
    """
    try:
        layer = LayerFile.model_validate_json(data)
    except ValidationError:
        raise LayerCorrupted("The confidential layer is not a filon-layer/1 file") from None
    if layer.format != LAYER_FORMAT or layer.cipher != CIPHER:
        raise LayerCorrupted(f"The confidential layer is {layer.format} {layer.cipher}, not {LAYER_FORMAT}")
    return layer


def open_layer(layer: LayerFile, content_key: bytes, root: bytes) -> dict[str, tuple[JsonValue, bytes]]:
    """The fields of a layer (value and salt, by name), decrypted with its content key and bound to `root`.

    Raises:
        LayerCorrupted: The ciphertext does not authenticate (a changed byte, another root or key), or
            its plaintext is malformed.
    """
    try:
        sealed = base64.b64decode(layer.ciphertext, validate=True)
        plaintext = AESGCM(content_key).decrypt(bytes.fromhex(layer.nonce[2:]), sealed, layer_aad(root))
    except (ValueError, InvalidTag):
        raise LayerCorrupted(
            f"The confidential layer of root 0x{root.hex()} does not authenticate: its ciphertext, nonce or "
            "root was changed, or the content key is not its own"
        ) from None
    try:
        fields: dict[str, Any] = json.loads(plaintext)["fields"]
        return {name: (item["value"], _salt(item["salt"])) for name, item in fields.items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise LayerCorrupted("The confidential layer's plaintext is not a filon-layer/1 field list") from None


def _salt(text: str) -> bytes:
    value = bytes.fromhex(text.removeprefix("0x"))
    if len(value) != SALT_SIZE or not text.startswith("0x"):
        raise ValueError(text)
    return value


def passport_from_layers(
    public: Mapping[str, tuple[JsonValue, bytes]], opened: Mapping[str, tuple[JsonValue, bytes]], root: bytes
) -> Passport:
    """The whole passport from its published and decrypted fields, every field checked: the Merkle tree
    rebuilt from all values and salts must give `root` (the root recorded on chain), so each leaf is proven.

    Raises:
        LayerMismatch: The fields are not exactly the passport's, a value is invalid, or the rebuilt root
            is not `root` (a changed value or salt).
    """
    merged = {**public, **opened}
    decrypted = sorted(opened)
    version = merged.get("schema_version", (None, b""))[0]
    expected = field_names(version) if isinstance(version, str) and version in SCHEMA_VERSIONS else ()
    if set(merged) != set(expected) or set(public) & set(opened):
        raise LayerMismatch(
            "The published and decrypted fields are not exactly the passport's fields", fields=decrypted
        )
    try:
        passport = Passport.model_validate({name: value for name, (value, _) in merged.items()})
    except ValidationError as error:
        raise LayerMismatch(f"A decrypted value is not valid: {error}", fields=decrypted) from None
    tree = build_tree(passport, {name: salt for name, (_, salt) in merged.items()})
    if tree.root != root:
        raise LayerMismatch(
            f"The decrypted fields {', '.join(decrypted)} with the published ones rebuild root "
            f"0x{tree.root.hex()}, not the root 0x{root.hex()} recorded on chain",
            fields=decrypted,
        )
    return passport
