"""Offline lot declarations: a mine operator signs at the pit, a plant submits later.

Artisanal miners often work underground with no network and no ether for gas. The operator signs an
EIP-712 `Declaration` (mine, fine gold, gross mass, passport root, external reference, recipient, nonce,
deadline) with nothing but its key and the deployment manifest; the signed declaration travels as compact
JSON or as a QR code shown on a phone at the plant's gate; any admitted participant then submits it with
`Client.submit_declaration`, and the contract checks the signature and every rule of a declaration.
"""

from __future__ import annotations

import io
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import segno
from eth_account.signers.local import LocalAccount
from eth_utils.address import is_checksum_address, is_hex_address, to_checksum_address

from filon._errors import InvalidInput

DOMAIN_NAME = "Filon"
DOMAIN_VERSION = "1"
FORMAT_VERSION = 1

DECLARATION_TYPES: dict[str, list[dict[str, str]]] = {
    "Declaration": [
        {"name": "mineId", "type": "uint256"},
        {"name": "fineGoldMg", "type": "uint256"},
        {"name": "grossMassMg", "type": "uint256"},
        {"name": "passportRoot", "type": "bytes32"},
        {"name": "externalRef", "type": "string"},
        {"name": "recipient", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}
"""The EIP-712 type the contract checks (`FilonLots.DECLARATION_TYPEHASH`)."""


class _HasDomain(Protocol):
    @property
    def chain_id(self) -> int: ...

    @property
    def address(self) -> str: ...


@dataclass(frozen=True)
class DeclarationDomain:
    """The EIP-712 domain of a Filón deployment: what binds a signature to one contract on one chain.

    Attributes:
        chain_id: The chain the deployment lives on.
        verifying_contract: The address of its `FilonLots` contract.
    """

    chain_id: int
    verifying_contract: str

    def __post_init__(self) -> None:
        if not is_hex_address(self.verifying_contract):
            raise InvalidInput(f"verifying_contract is not an address: {self.verifying_contract!r}")
        object.__setattr__(self, "verifying_contract", to_checksum_address(self.verifying_contract))

    @classmethod
    def of(cls, deployment: DeclarationDomain | _HasDomain) -> DeclarationDomain:
        """The domain of `deployment` (a `filon.Deployment`, or a domain already)."""
        if isinstance(deployment, DeclarationDomain):
            return deployment
        return cls(chain_id=deployment.chain_id, verifying_contract=deployment.address)

    def as_eip712(self) -> dict[str, Any]:
        """The domain as EIP-712 typed data."""
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }


@dataclass(frozen=True)
class SignedDeclaration:
    """A lot declaration signed off-chain by its mine's operator, ready for anyone admitted to submit.

    Attributes:
        chain_id: The chain of the deployment it was signed for.
        verifying_contract: The `FilonLots` address it was signed for.
        operator: The address that signed it (the mine's operator).
        mine_id: The mine the ore comes from.
        fine_gold_mg: Fine gold in the lot, in milligrams.
        gross_mass_mg: Gross mass of the lot, in milligrams.
        passport_root: The 32-byte root of the lot's passport.
        external_ref: The operator's own reference for the lot ("" for none); unique per operator.
        recipient: Who receives the lot: the operator itself, or the plant buying it.
        nonce: The operator's declaration nonce this uses (declarations are submitted in nonce order).
        deadline: Unix time after which the declaration can no longer be submitted.
        signature: The operator's 65-byte EIP-712 signature.
        passport_uri: Where the passport can be fetched (not signed: the root binds its content).
    """

    chain_id: int
    verifying_contract: str
    operator: str
    mine_id: int
    fine_gold_mg: int
    gross_mass_mg: int
    passport_root: bytes
    external_ref: str
    recipient: str
    nonce: int
    deadline: int
    signature: bytes
    passport_uri: str = ""

    @property
    def domain(self) -> DeclarationDomain:
        """The deployment this declaration was signed for."""
        return DeclarationDomain(self.chain_id, self.verifying_contract)

    def message(self) -> dict[str, Any]:
        """The signed EIP-712 message."""
        return _message(
            self.mine_id,
            self.fine_gold_mg,
            self.gross_mass_mg,
            self.passport_root,
            self.external_ref,
            self.recipient,
            self.nonce,
            self.deadline,
        )

    def as_contract_tuple(self) -> tuple[Any, ...]:
        """The declaration as the contract's `Declaration` struct."""
        return (
            self.mine_id,
            self.fine_gold_mg,
            self.gross_mass_mg,
            self.passport_root,
            self.external_ref,
            to_checksum_address(self.recipient),
            self.nonce,
            self.deadline,
        )

    def to_json(self) -> str:
        """Compact JSON (no spaces, stable key order): what the QR code and the file carry."""
        data = asdict(self)
        data["passport_root"] = "0x" + self.passport_root.hex()
        data["signature"] = "0x" + self.signature.hex()
        return json.dumps(
            {"filon_declaration": FORMAT_VERSION, **data}, separators=(",", ":"), sort_keys=True
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> SignedDeclaration:
        """Reads a declaration written by `to_json`.

        Raises:
            InvalidInput: The text is not a Filón signed declaration (with the reason).
        """
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"not a signed declaration: invalid JSON ({exc})") from None
        if not isinstance(data, dict) or data.pop("filon_declaration", None) != FORMAT_VERSION:
            raise InvalidInput(f"not a signed declaration: no 'filon_declaration': {FORMAT_VERSION} marker")
        try:
            return cls(
                chain_id=_int(data, "chain_id"),
                verifying_contract=_address(data, "verifying_contract"),
                operator=_address(data, "operator"),
                mine_id=_int(data, "mine_id"),
                fine_gold_mg=_int(data, "fine_gold_mg"),
                gross_mass_mg=_int(data, "gross_mass_mg"),
                passport_root=_hex_bytes(data, "passport_root", 32),
                external_ref=_str(data, "external_ref"),
                recipient=_address(data, "recipient"),
                nonce=_int(data, "nonce"),
                deadline=_int(data, "deadline"),
                signature=_hex_bytes(data, "signature", None),
                passport_uri=_str(data, "passport_uri"),
            )
        except KeyError as exc:
            raise InvalidInput(f"not a signed declaration: missing field {exc}") from None

    def to_qr_svg(self) -> str:
        """The declaration as a QR code, SVG text (scannable from a phone screen or paper)."""
        out = io.BytesIO()
        self._qr().save(out, kind="svg", scale=4, border=4, xmldecl=False)
        return out.getvalue().decode()

    def to_qr_png(self) -> bytes:
        """The declaration as a QR code, PNG bytes."""
        out = io.BytesIO()
        self._qr().save(out, kind="png", scale=6, border=4)
        return out.getvalue()

    def _qr(self) -> segno.QRCode:
        return segno.make(self.to_json(), error="m", micro=False)


def declaration_nonce(key: int | None = None, sequence: int = 0) -> int:
    """A declaration nonce: a 192-bit key and a 64-bit sequence, packed (OpenZeppelin `NoncesKeyed`).

    Declarations under one key must be submitted in sequence order; declarations under different keys in any
    order. With no key, a fresh random one is drawn, so that the declaration depends on no other: what a miner
    signing several declarations offline wants.

    Args:
        key: The key (below 2**192); None draws a random non-zero one.
        sequence: The position under that key (0 for a fresh key).
    """
    if key is None:
        key = secrets.randbits(192) or 1
    if not 0 <= key < 2**192 or not 0 <= sequence < 2**64:
        raise InvalidInput(f"A nonce key is below 2**192 and a sequence below 2**64, not {key}, {sequence}")
    return (key << 64) | sequence


def sign_declaration(
    account: LocalAccount,
    domain: DeclarationDomain | _HasDomain,
    *,
    mine_id: int,
    fine_gold_mg: int,
    gross_mass_mg: int,
    passport_root: bytes | str,
    recipient: str,
    nonce: int,
    deadline: int,
    external_ref: str = "",
    passport_uri: str = "",
) -> SignedDeclaration:
    """Signs a lot declaration with the mine operator's key, with no network at all.

    Args:
        account: The mine operator's key.
        domain: The deployment (a `filon.Deployment` loaded from its manifest, or a `DeclarationDomain`).
        mine_id: The mine the ore comes from.
        fine_gold_mg: Fine gold, in milligrams.
        gross_mass_mg: Gross mass, in milligrams.
        passport_root: The passport's 32-byte root (bytes or 0x hex).
        recipient: Who receives the lot (the operator, or the plant buying it).
        nonce: A declaration nonce: `declaration_nonce()` for a fresh random key (independent of every other
            declaration), or the next one of a key (`Client.declaration_nonce` tells it when online).
        deadline: Unix time after which the declaration can no longer be submitted.
        external_ref: The operator's own reference for the lot, unique per operator ("" for none).
        passport_uri: Where the passport can be fetched (carried along, not signed).

    Returns:
        The signed declaration.

    Raises:
        InvalidInput: An argument cannot be encoded (negative amount, malformed root or address).
    """
    resolved = DeclarationDomain.of(domain)
    root = _as_bytes32(passport_root)
    for name, value in (
        ("mine_id", mine_id),
        ("fine_gold_mg", fine_gold_mg),
        ("gross_mass_mg", gross_mass_mg),
        ("nonce", nonce),
        ("deadline", deadline),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**256:
            raise InvalidInput(f"{name} must be a non-negative integer below 2**256, not {value!r}")
    if not is_hex_address(recipient):
        raise InvalidInput(f"recipient is not an address: {recipient!r}")
    message = _message(mine_id, fine_gold_mg, gross_mass_mg, root, external_ref, recipient, nonce, deadline)
    signed = account.sign_typed_data(
        domain_data=resolved.as_eip712(), message_types=DECLARATION_TYPES, message_data=message
    )
    return SignedDeclaration(
        chain_id=resolved.chain_id,
        verifying_contract=to_checksum_address(resolved.verifying_contract),
        operator=account.address,
        mine_id=mine_id,
        fine_gold_mg=fine_gold_mg,
        gross_mass_mg=gross_mass_mg,
        passport_root=root,
        external_ref=external_ref,
        recipient=to_checksum_address(recipient),
        nonce=nonce,
        deadline=deadline,
        signature=bytes(signed.signature),
        passport_uri=passport_uri,
    )


def _message(
    mine_id: int,
    fine_gold_mg: int,
    gross_mass_mg: int,
    passport_root: bytes,
    external_ref: str,
    recipient: str,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    return {
        "mineId": mine_id,
        "fineGoldMg": fine_gold_mg,
        "grossMassMg": gross_mass_mg,
        "passportRoot": passport_root,
        "externalRef": external_ref,
        "recipient": to_checksum_address(recipient),
        "nonce": nonce,
        "deadline": deadline,
    }


def _as_bytes32(value: bytes | str) -> bytes:
    raw = bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else bytes(value)
    if len(raw) != 32:
        raise InvalidInput(f"passport_root must be 32 bytes, not {len(raw)}")
    return raw


def _int(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"not a signed declaration: {key} must be a non-negative integer")
    return value


def _str(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise InvalidInput(f"not a signed declaration: {key} must be a string")
    return value


def _address(data: dict[str, Any], key: str) -> str:
    value = _str(data, key)
    if not is_hex_address(value) or (value != value.lower() and not is_checksum_address(value)):
        raise InvalidInput(f"not a signed declaration: {key} is not an address")
    return to_checksum_address(value)


def _hex_bytes(data: dict[str, Any], key: str, length: int | None) -> bytes:
    value = _str(data, key)
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise InvalidInput(f"not a signed declaration: {key} is not hex") from None
    if length is not None and len(raw) != length:
        raise InvalidInput(f"not a signed declaration: {key} must be {length} bytes")
    return raw
