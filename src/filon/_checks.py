"""Argument checks: every value a caller passes is checked here before it is encoded or sent.

Each check returns the value in the form the contract takes (checksummed address, 32 bytes, int) or raises
`InvalidInput` with one sentence naming the argument and what it must be. The client, the CSV intake and the
CLI's parameter types call these, so that a rule about an argument has one home.
"""

from __future__ import annotations

from web3 import Web3

from filon._errors import InvalidInput, InvalidMass, UnknownMine
from filon._types import MAX_FINE_GOLD_MG, MineId, SubjectKind

UINT256_MAX = 2**256 - 1

ZERO_HASH = b"\0" * 32
"""The zero bytes32 (e.g. a mine with no documents of its own)."""

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

PREFLIGHT_ROOT = bytes(Web3.keccak(text="filon:preflight"))
"""A non-zero passport root for checking a write before the real root exists (no rule reads its value)."""


def bytes32(value: bytes | str, name: str) -> bytes:
    """`value` as 32 bytes, from bytes or a 0x-prefixed 64-digit hex string.

    Raises:
        InvalidInput: It is neither.
    """
    if isinstance(value, bytes) and len(value) == 32:
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise InvalidInput(f"{name} must be 32 bytes or a 0x-prefixed 64-digit hex string, got {value!r}")


def address(value: str, name: str) -> str:
    """`value` as a checksummed address.

    Raises:
        InvalidInput: It is not a 20-byte address.
    """
    if isinstance(value, str) and Web3.is_address(value):
        return str(Web3.to_checksum_address(value))
    raise InvalidInput(f"{name} must be a 0x-prefixed 20-byte address, got {value!r}")


def uint(value: int, name: str) -> int:
    """`value` as a uint256.

    Raises:
        InvalidInput: It is not an int (bools are not), is negative, or does not fit 256 bits.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= UINT256_MAX:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > UINT256_MAX:
        digits = str(value)
        shown = digits if len(digits) <= 80 else f"{digits[:20]}... ({len(digits)} digits)"
        raise InvalidInput(f"{name} must be below 2^256 (what the contract can hold), got {shown}")
    raise InvalidInput(f"{name} must be a non-negative int, got {value!r}")


def timepoint(value: int, name: str) -> int:
    """`value` as a Unix time that fits the contract's `uint48` timepoints.

    Raises:
        InvalidInput: It is not a non-negative int below 2^48.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**48:
        return value
    raise InvalidInput(f"{name} must be a Unix time (a non-negative int below 2^48), got {value!r}")


def country(value: str) -> bytes:
    """An ISO 3166-1 alpha-2 code as the contract's `bytes2`.

    Raises:
        InvalidInput: It is not two ASCII characters (the contract then checks they are upper-case letters).
    """
    if isinstance(value, str) and len(value) == 2 and value.isascii():
        return value.encode("ascii")
    raise InvalidInput(f"country must be a two-letter ISO 3166-1 code such as 'PE', got {value!r}")


def hex0x(value: bytes) -> str:
    """Bytes as 0x hex."""
    return "0x" + bytes(value).hex()


def declaration(mine_id: int, fine_gold_mg: int, gross_mass_mg: int) -> None:
    """Checks an ore lot declaration's numbers as `declareLot` would, without a chain, so that a caller (the
    CLI's ore-intake ledger) learns of a bad row before it builds, stores or sends anything for it.

    What it cannot check here (the mine's status, operator and capacity, the external reference) the
    contract still checks when the lot is declared.

    Args:
        mine_id: The mine the ore comes from.
        fine_gold_mg: Fine gold in the lot, in milligrams.
        gross_mass_mg: Gross mass of the lot, in milligrams.

    Raises:
        InvalidInput: A number is not an int from 0 to 2^256 - 1 (it cannot be sent at all).
        InvalidMass: Fine gold is zero, more than the gross mass, or beyond the contract's 40 bits.
        UnknownMine: `mine_id` is 0 (mine ids start at 1).
    """
    uint(mine_id, "mine_id")
    uint(fine_gold_mg, "fine_gold_mg")
    uint(gross_mass_mg, "gross_mass_mg")
    # The contract's order: the mass first, then (after the passport root) the mine.
    if fine_gold_mg == 0 or fine_gold_mg > gross_mass_mg or fine_gold_mg > MAX_FINE_GOLD_MG:
        raise InvalidMass(fine_gold_mg=fine_gold_mg, gross_mass_mg=gross_mass_mg)
    if mine_id == 0:
        raise UnknownMine(mine_id=MineId(mine_id))


def subject_kind(value: int) -> SubjectKind:
    """`value` as the kind of an attestation's subject.

    Raises:
        InvalidInput: It is neither `SubjectKind.LOT` (1) nor `SubjectKind.MINE` (2).
    """
    if isinstance(value, int) and not isinstance(value, bool) and value in set(SubjectKind):
        return SubjectKind(value)
    raise InvalidInput(f"subject_kind must be SubjectKind.LOT (1) or SubjectKind.MINE (2), got {value!r}")


_SECP256K1_P = 2**256 - 2**32 - 977


def encryption_key(value: bytes) -> bytes:
    """`value` as a public encryption key: a secp256k1 point in SEC 1 form, compressed (33 bytes, 0x02 or 0x03
    then x) or uncompressed (65 bytes, 0x04 then x and y), on the curve (the curve of Ethereum's own keys, for
    ECIES).

    Raises:
        InvalidInput: It is not bytes, not one of the two forms, or not a point of the curve.
    """
    p = _SECP256K1_P
    if isinstance(value, bytes) and len(value) in (33, 65):
        x = int.from_bytes(value[1:33], "big")
        right = (pow(x, 3, p) + 7) % p
        if len(value) == 33 and value[0] in (2, 3) and x < p:
            y = pow(right, (p + 1) // 4, p)  # p = 3 mod 4: the square root, if `right` has one
            if y * y % p == right:
                return bytes(value)
        if len(value) == 65 and value[0] == 4:
            y = int.from_bytes(value[33:], "big")
            if x < p and y < p and y * y % p == right:
                return bytes(value)
    shown = "0x" + value.hex() if isinstance(value, bytes) else repr(value)
    raise InvalidInput(
        "public_key must be a secp256k1 public key in SEC 1 form (33 bytes compressed or 65 uncompressed), "
        f"on the curve; got {shown}"
    )
