"""Selective disclosure: reveal some passport fields with their salts and proofs, nothing else."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError

from filon._errors import FilonError, InvalidInput
from filon.passport._layers import LayerReference
from filon.passport._merkle import SALT_SIZE, build_tree, field_names, leaf_hash, process_proof
from filon.passport._schema import Passport

__all__ = ["DisclosedField", "Disclosure", "DisclosureMismatch", "disclose", "verify_disclosure_offline"]

_HEX32 = r"^0x[0-9a-f]{64}$"


class DisclosureMismatch(FilonError, ValueError):
    """A disclosure does not check out against its root.

    Attributes:
        field: The field that failed (None when the disclosure as a whole is malformed, e.g. its root).
        reason: Why, in words.
    """

    def __init__(self, field: str | None, reason: str) -> None:
        where = f"field {field!r}" if field is not None else "the disclosure"
        super().__init__(f"Disclosure mismatch in {where}: {reason}")
        self.field = field
        self.reason = reason


class DisclosedField(BaseModel):
    """One disclosed field: its JSON value, its salt and its Merkle proof.

    Attributes:
        value: The field's JSON value (as in `passport.model_dump(mode="json")`).
        salt: The 16-byte salt, 0x hex.
        proof: Sibling hashes from the leaf to the root, 0x hex.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: JsonValue
    salt: str
    proof: list[str]


class Disclosure(BaseModel):
    """Some fields of a passport, provable against its root (on chain: the lot's passport root).

    Serialise with `model_dump_json()`, read back with `Disclosure.model_validate_json(text)`.

    Attributes:
        lot_id: The lot whose on-chain root this refers to, if known.
        version: The passport version (as recorded on chain), if known.
        root: The passport root, 0x hex.
        fields: The disclosed fields by name.
        layer: In a published package, its version's confidential layer (the withheld fields, encrypted),
            if it has one; absent from the JSON otherwise.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    lot_id: int | None = None
    version: int | None = None
    root: str = Field(pattern=_HEX32)
    fields: dict[str, DisclosedField]
    # absent rather than null: packages without a layer keep the bytes (and CIDs) they always had
    layer: LayerReference | None = Field(default=None, exclude_if=lambda value: value is None)

    def leaf(self, field: str) -> bytes:
        """The leaf hash of disclosed `field`, as `verifyPassportLeaf` takes it.

        Raises:
            DisclosureMismatch: `field` is not disclosed, or its salt is malformed.
        """
        if field not in self.fields:
            raise DisclosureMismatch(field, "the field is not disclosed")
        item = self.fields[field]
        return leaf_hash(field, _salt(field, item.salt), item.value)

    def proof(self, field: str) -> list[bytes]:
        """The proof of disclosed `field` as bytes, as `verifyPassportLeaf` takes it.

        Raises:
            DisclosureMismatch: `field` is not disclosed, or a proof element is malformed.
        """
        if field not in self.fields:
            raise DisclosureMismatch(field, "the field is not disclosed")
        return [_bytes32(field, "a proof element", node) for node in self.fields[field].proof]


def _bytes32(field: str | None, what: str, text: str) -> bytes:
    raw = text[2:] if text.startswith("0x") else ""
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        value = b""
    if len(value) != 32:
        raise DisclosureMismatch(field, f"{what} is not 32 bytes of 0x hex: {text!r}")
    return value


def _salt(field: str, text: str) -> bytes:
    raw = text[2:] if text.startswith("0x") else ""
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        value = b""
    if len(value) != SALT_SIZE:
        raise DisclosureMismatch(field, f"the salt is not {SALT_SIZE} bytes of 0x hex: {text!r}")
    return value


def disclose(
    passport: Passport,
    salts: Mapping[str, bytes],
    fields: Sequence[str],
    *,
    lot_id: int | None = None,
    version: int | None = None,
) -> Disclosure:
    """Discloses `fields` of `passport`: their values, salts and proofs, and the root; nothing else.

    Args:
        passport: The passport.
        salts: The salts its root was built with (`PassportTree.salts`).
        fields: The top-level fields to reveal, e.g. ["carbon"].
        lot_id: The lot, recorded in the disclosure for the verifier.
        version: The passport version, recorded likewise.

    Returns:
        The disclosure.

    Raises:
        InvalidInput: A name in `fields` is not a passport field, or `salts` is incomplete.
    """
    unknown = [name for name in fields if name not in field_names(passport.schema_version)]
    if unknown:
        raise InvalidInput(f"Not passport fields: {', '.join(unknown)}.")
    tree = build_tree(passport, salts)
    data = passport.model_dump(mode="json")
    return Disclosure(
        lot_id=lot_id,
        version=version,
        root="0x" + tree.root.hex(),
        fields={
            name: DisclosedField(
                value=data[name],
                salt="0x" + tree.salts[name].hex(),
                proof=["0x" + node.hex() for node in tree.proof(name)],
            )
            for name in fields
        },
    )


_FIELD_TYPES: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(cast(Any, info.annotation)) for name, info in Passport.model_fields.items()
}


def verify_disclosure_offline(
    disclosure: Disclosure, root: bytes | str | None = None, fields: Collection[str] | None = None
) -> None:
    """Checks every disclosed field (or those of `fields` it discloses) against the disclosure's root (and
    `root`, if given), in Python.

    For each field: the name is a passport field, the value is valid for it, and the leaf of
    (name, salt, value) with its proof leads to the root. To trust the result, compare the root with the
    lot's on-chain passport root (pass it as `root`) or call the contract's `verifyPassportLeaf`.

    Args:
        disclosure: The disclosure.
        root: The root it must match, e.g. read from chain (32 bytes or 0x hex).
        fields: Check only these fields (a reader that uses one field need not hash them all); None: all.

    Raises:
        DisclosureMismatch: A field's value, salt or proof, or the root, does not check out; `field` and
            `reason` say which and why.
    """
    claimed = _bytes32(None, "the root", disclosure.root)
    if root is not None:
        expected = root if isinstance(root, bytes) else _bytes32(None, "the expected root", root)
        if expected != claimed:
            raise DisclosureMismatch(
                None, f"its root {disclosure.root} is not the expected 0x{expected.hex()}"
            )
    if not disclosure.fields:
        raise DisclosureMismatch(None, "it discloses no field")
    for name in disclosure.fields:
        if fields is not None and name not in fields:
            continue
        if name not in _FIELD_TYPES:
            raise DisclosureMismatch(name, "it is not a passport field")
        value = disclosure.fields[name].value
        try:
            _FIELD_TYPES[name].validate_python(value)
        except ValidationError as error:
            raise DisclosureMismatch(name, f"the value is not valid for this field: {error}") from None
        if process_proof(disclosure.leaf(name), disclosure.proof(name)) != claimed:
            raise DisclosureMismatch(
                name, "the leaf of its name, salt and value, with its proof, does not lead to the root"
            )
