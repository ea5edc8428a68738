"""The passport's Merkle tree: one salted leaf per top-level field, built like OpenZeppelin's tree.

A leaf is OpenZeppelin `StandardMerkleTree`'s leaf for the value `(field name, salt, canonical JSON of the
field's value)` with leaf encoding `["string", "bytes16", "bytes"]`:
`keccak256(keccak256(abi.encode(name, salt, value)))`. Leaves are sorted by hash and laid out as a complete
binary tree whose inner nodes hash their two children in sorted order, so `MerkleProof.verify` accepts the
proofs on chain.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from filon._errors import InvalidInput
from filon.passport._canonical import canonical_json
from filon.passport._schema import Passport, field_names

__all__ = ["LEAF_ENCODING", "PassportTree", "build_tree", "field_names", "leaf_hash", "process_proof"]

LEAF_ENCODING = ("string", "bytes16", "bytes")
"""The ABI types of a leaf's value: field name, salt, canonical JSON bytes of the field's value."""

SALT_SIZE = 16


def leaf_hash(name: str, salt: bytes, value: Any) -> bytes:
    """The leaf of field `name` holding the JSON `value` under `salt`.

    Args:
        name: The field's name, e.g. "carbon".
        salt: Its 16-byte salt.
        value: The field's JSON value (as in `passport.model_dump(mode="json")[name]`).

    Returns:
        `keccak256(keccak256(abi.encode(name, salt, canonical_json(value))))`, 32 bytes.
    """
    if len(salt) != SALT_SIZE:
        raise InvalidInput(f"The salt of {name!r} has {len(salt)} bytes, not {SALT_SIZE}.")
    return keccak(keccak(encode(list(LEAF_ENCODING), [name, salt, canonical_json(value)])))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """An inner node: keccak256 of the two children, smaller first (OpenZeppelin's commutative hash)."""
    return keccak(a + b) if a < b else keccak(b + a)


def process_proof(leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root a leaf and its proof lead to (OpenZeppelin `MerkleProof.processProof`)."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node


@dataclass(frozen=True)
class PassportTree:
    """The Merkle tree of one passport under one set of salts.

    Attributes:
        root: The 32-byte root recorded on chain.
        salts: Each field's 16-byte salt (keep them: they are needed to disclose a field later).
        leaves: Each field's leaf hash.
        nodes: The tree as a flat array: the root at 0, the children of node i at 2i+1 and 2i+2.
    """

    root: bytes
    salts: Mapping[str, bytes]
    leaves: Mapping[str, bytes]
    nodes: tuple[bytes, ...]

    def proof(self, field: str) -> list[bytes]:
        """The proof of `field`'s leaf: the sibling hashes from the leaf up to the root.

        Raises:
            InvalidInput: `field` is not a passport field.
        """
        if field not in self.leaves:
            raise InvalidInput(f"{field!r} is not a passport field (fields: {', '.join(self.leaves)}).")
        index = self.nodes.index(self.leaves[field], len(self.nodes) // 2)
        proof = []
        while index > 0:
            proof.append(self.nodes[index + 1 if index % 2 else index - 1])
            index = (index - 1) // 2
        return proof


def _checked_salts(salts: Mapping[str, bytes] | None, schema_version: str) -> dict[str, bytes]:
    names = field_names(schema_version)
    if salts is None:
        return {name: secrets.token_bytes(SALT_SIZE) for name in names}
    missing = [name for name in names if name not in salts]
    unknown = [name for name in salts if name not in names]
    if missing or unknown:
        raise InvalidInput(
            f"The salts must cover exactly the passport's fields (missing {missing}, unknown {unknown})."
        )
    for name in names:
        if not isinstance(salts[name], bytes) or len(salts[name]) != SALT_SIZE:
            raise InvalidInput(f"The salt of {name!r} must be {SALT_SIZE} bytes.")
    return {name: salts[name] for name in names}


def build_tree(passport: Passport, salts: Mapping[str, bytes] | None = None) -> PassportTree:
    """Builds the passport's Merkle tree: one leaf per top-level field of its schema version (None fields as
    JSON null; a 1.0 passport has no `receipt` leaf).

    Args:
        passport: The passport.
        salts: One 16-byte salt per field; by default fresh random ones (`secrets.token_bytes(16)`).

    Returns:
        The tree; `tree.root` goes on chain, `tree.salts` must be kept to disclose fields later.

    Raises:
        InvalidInput: `salts` does not give exactly one 16-byte salt per passport field.
    """
    chosen = _checked_salts(salts, passport.schema_version)
    data = passport.model_dump(mode="json")
    leaves = {name: leaf_hash(name, chosen[name], data[name]) for name in chosen}
    ordered = sorted(leaves.values())
    nodes: list[bytes] = [b""] * (2 * len(ordered) - 1)
    for i, leaf in enumerate(ordered):
        nodes[len(nodes) - 1 - i] = leaf
    for i in range(len(nodes) - 1 - len(ordered), -1, -1):
        nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
    return PassportTree(
        root=nodes[0],
        salts=MappingProxyType(chosen),
        leaves=MappingProxyType(leaves),
        nodes=tuple(nodes),
    )
