"""Logs to records: each event decoded once, from the ABI shipped in the package."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from typing import Any, TypeVar

from eth_abi.abi import decode as abi_decode
from eth_typing import HexStr
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from filon import _artifact
from filon._events.records import (
    AccessGranted,
    AccessRevoked,
    Approval,
    ApprovalForAll,
    AttestationAnchored,
    AttestationRevoked,
    ChainEvent,
    DeclarationCancelled,
    DeclarationRelayed,
    EncryptionKeyPublished,
    EventDecodeError,
    LotDeclared,
    LotProduced,
    MineCapacityUpdated,
    MinePassportUpdated,
    MinePermitUpdated,
    MineRegistered,
    MineStatusChanged,
    ParticipantRecordPublished,
    ParticipantRegistered,
    ParticipantRemoved,
    PassportVersionRecorded,
    RegisterSnapshotRecorded,
    RoleChanged,
    TokenTransfer,
)
from filon._types import (
    Form,
    LotId,
    MineId,
    MineStatus,
    Role,
    SubjectKind,
)

# ---------------------------------------------------------------------------------------------- decoding


@lru_cache(maxsize=65_536)
def _address(raw: bytes) -> str:
    """A checksummed address from its 32-byte ABI word (cached: a chain has few distinct addresses)."""
    return str(to_checksum_address(raw[-20:]))


def _uint(word: bytes) -> int:
    return int.from_bytes(word, "big")


def _country(value: bytes) -> str:
    return bytes(value).decode("latin-1")


_Record = TypeVar("_Record", bound=ChainEvent)
Where = tuple[int, int, bytes]


def _transfer(where: Where, topics: Sequence[bytes], data: bytes) -> TokenTransfer:
    return TokenTransfer(*where, _address(topics[1]), _address(topics[2]), LotId(_uint(topics[3])))


def _declared(where: Where, topics: Sequence[bytes], data: bytes) -> LotDeclared:
    fine, gross, root, uri, ref = abi_decode(["uint256", "uint256", "bytes32", "string", "string"], data)
    return LotDeclared(*where, LotId(_uint(topics[1])), MineId(_uint(topics[2])), fine, gross, root, uri, ref)


def _produced(where: Where, topics: Sequence[bytes], data: bytes) -> LotProduced:
    form, fine, gross, parents, root, uri = abi_decode(
        ["uint8", "uint256", "uint256", "uint256[]", "bytes32", "string"], data
    )
    return LotProduced(
        *where,
        LotId(_uint(topics[1])),
        Form(form),
        fine,
        gross,
        tuple(LotId(p) for p in parents),
        root,
        uri,
    )


def _passport(where: Where, topics: Sequence[bytes], data: bytes) -> PassportVersionRecorded:
    version, root, uri = abi_decode(["uint256", "bytes32", "string"], data)
    return PassportVersionRecorded(*where, LotId(_uint(topics[1])), version, root, uri)


def _relayed(where: Where, topics: Sequence[bytes], data: bytes) -> DeclarationRelayed:
    return DeclarationRelayed(
        *where, LotId(_uint(topics[1])), _address(topics[2]), _address(topics[3]), _uint(data[:32])
    )


def _cancelled(where: Where, topics: Sequence[bytes], data: bytes) -> DeclarationCancelled:
    return DeclarationCancelled(*where, _address(topics[1]), _uint(data[:32]))


def _approval(where: Where, topics: Sequence[bytes], data: bytes) -> Approval:
    return Approval(*where, _address(topics[1]), _address(topics[2]), LotId(_uint(topics[3])))


def _approval_for_all(where: Where, topics: Sequence[bytes], data: bytes) -> ApprovalForAll:
    return ApprovalForAll(*where, _address(topics[1]), _address(topics[2]), bool(_uint(data[:32])))


def _registered(where: Where, topics: Sequence[bytes], data: bytes) -> ParticipantRegistered:
    return ParticipantRegistered(*where, _address(topics[1]), Role(_uint(data[:32])))


def _removed(where: Where, topics: Sequence[bytes], data: bytes) -> ParticipantRemoved:
    return ParticipantRemoved(*where, _address(topics[1]))


def _record(where: Where, topics: Sequence[bytes], data: bytes) -> ParticipantRecordPublished:
    return ParticipantRecordPublished(*where, _address(topics[1]), bytes(data[:32]))


def _snapshot(where: Where, topics: Sequence[bytes], data: bytes) -> RegisterSnapshotRecorded:
    return RegisterSnapshotRecorded(*where, bytes(topics[1]), _uint(data[:32]))


def _mine_registered(where: Where, topics: Sequence[bytes], data: bytes) -> MineRegistered:
    country, permit, expiry, location, capacity, passport = abi_decode(
        ["bytes2", "bytes32", "uint256", "bytes32", "uint256", "bytes32"], data
    )
    return MineRegistered(
        *where,
        MineId(_uint(topics[1])),
        _address(topics[2]),
        _country(country),
        permit,
        expiry,
        location,
        capacity,
        passport,
    )


def _permit(where: Where, topics: Sequence[bytes], data: bytes) -> MinePermitUpdated:
    return MinePermitUpdated(*where, MineId(_uint(topics[1])), bytes(data[:32]), _uint(data[32:64]))


def _capacity(where: Where, topics: Sequence[bytes], data: bytes) -> MineCapacityUpdated:
    return MineCapacityUpdated(*where, MineId(_uint(topics[1])), _uint(data[:32]))


def _mine_passport(where: Where, topics: Sequence[bytes], data: bytes) -> MinePassportUpdated:
    return MinePassportUpdated(*where, MineId(_uint(topics[1])), bytes(data[:32]))


def _status(where: Where, topics: Sequence[bytes], data: bytes) -> MineStatusChanged:
    return MineStatusChanged(*where, MineId(_uint(topics[1])), MineStatus(_uint(data[:32])))


def _role_granted(where: Where, topics: Sequence[bytes], data: bytes) -> RoleChanged:
    return RoleChanged(*where, bytes(topics[1]), _address(topics[2]), _address(topics[3]), True)


def _role_revoked(where: Where, topics: Sequence[bytes], data: bytes) -> RoleChanged:
    return RoleChanged(*where, bytes(topics[1]), _address(topics[2]), _address(topics[3]), False)


def _key(where: Where, topics: Sequence[bytes], data: bytes) -> EncryptionKeyPublished:
    (key,) = abi_decode(["bytes"], data)
    return EncryptionKeyPublished(*where, _address(topics[1]), bytes(key))


def _granted(where: Where, topics: Sequence[bytes], data: bytes) -> AccessGranted:
    return AccessGranted(
        *where, LotId(_uint(topics[1])), _address(topics[2]), _address(topics[3]), bytes(data[:32])
    )


def _access_revoked(where: Where, topics: Sequence[bytes], data: bytes) -> AccessRevoked:
    return AccessRevoked(*where, LotId(_uint(topics[1])), _address(topics[2]), _address(topics[3]))


def _anchored(where: Where, topics: Sequence[bytes], data: bytes) -> AttestationAnchored:
    return AttestationAnchored(
        *where, bytes(topics[1]), _address(topics[2]), SubjectKind(_uint(data[:32])), _uint(topics[3])
    )


def _attestation_revoked(where: Where, topics: Sequence[bytes], data: bytes) -> AttestationRevoked:
    return AttestationRevoked(*where, bytes(topics[1]), _address(topics[2]))


_Decoder = Callable[[Where, Sequence[bytes], bytes], ChainEvent]

_DECODERS: dict[str, _Decoder] = {
    "Transfer": _transfer,
    "LotDeclared": _declared,
    "LotProduced": _produced,
    "PassportRecorded": _passport,
    "DeclarationRelayed": _relayed,
    "DeclarationCancelled": _cancelled,
    "Approval": _approval,
    "ApprovalForAll": _approval_for_all,
    "ParticipantRegistered": _registered,
    "ParticipantRemoved": _removed,
    "ParticipantRecordPublished": _record,
    "RegisterSnapshotRecorded": _snapshot,
    "MineRegistered": _mine_registered,
    "MinePermitUpdated": _permit,
    "MineCapacityUpdated": _capacity,
    "MinePassportUpdated": _mine_passport,
    "MineStatusChanged": _status,
    "RoleGranted": _role_granted,
    "RoleRevoked": _role_revoked,
    "EncryptionKeyPublished": _key,
    "AccessGranted": _granted,
    "AccessRevoked": _access_revoked,
    "AttestationAnchored": _anchored,
    "AttestationRevoked": _attestation_revoked,
}
"""Event name -> decoder. Events not listed (e.g. `EIP712DomainChanged`, `RoleAdminChanged`) carry nothing a
reader of Filón needs and decode to None."""


def _abi_type(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(component) for component in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@cache
def _by_topic() -> dict[bytes, tuple[str, _Decoder | None]]:
    """topic0 -> (event name, its decoder or None), from the shipped ABI."""
    table: dict[bytes, tuple[str, _Decoder | None]] = {}
    for item in _artifact.abi():
        if item.get("type") == "event":
            signature = f"{item['name']}({','.join(_abi_type(p) for p in item['inputs'])})"
            table[bytes(keccak(text=signature))] = (item["name"], _DECODERS.get(item["name"]))
    return table


@cache
def topic(name: str) -> HexStr:
    """The topic0 of the contract's event `name`, as 0x hex (for `eth_getLogs` filters)."""
    for value, (event, _) in _by_topic().items():
        if event == name:
            return HexStr("0x" + value.hex())
    raise KeyError(name)


def _bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


def decode(log: Any) -> ChainEvent | None:
    """The record of one log of the FilonLots contract, or None for a log no reader needs.

    Args:
        log: A log as `eth_getLogs` or a receipt gives it (web3's `LogReceipt`, or the same keys with bytes
            or 0x hex values). The caller checks that it was emitted by the deployment's contract.

    Raises:
        EventDecodeError: The log has a Filón event's topic but not that event's layout.
    """
    topics = [_bytes(t) for t in log["topics"]]
    if not topics:
        return None
    name, decoder = _by_topic().get(topics[0], ("", None))
    if decoder is None:
        return None
    where: Where = (int(log["blockNumber"]), int(log["logIndex"]), _bytes(log["transactionHash"]))
    try:
        return decoder(where, topics, _bytes(log["data"]))
    except (ValueError, IndexError, TypeError) as exc:  # eth-abi's DecodingError is a ValueError
        raise EventDecodeError(
            f"A {name} log in block {where[0]} (index {where[1]}) cannot be decoded: {exc}"
        ) from None


def decode_all(logs: Iterable[Any]) -> list[ChainEvent]:
    """The records of `logs` that readers need, in the order given."""
    found = []
    for log in logs:
        event = decode(log)
        if event is not None:
            found.append(event)
    return found


def of_type(events: Iterable[ChainEvent], kind: type[_Record]) -> list[_Record]:
    """The events of one kind, in the order given."""
    return [event for event in events if isinstance(event, kind)]
