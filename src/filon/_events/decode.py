"""Logs to records: each event decoded once, from the ABI shipped in the package.

The decoders read the ABI's 32-byte words themselves rather than through eth-abi's generic decoder, which
cost about 80 µs per declaration (most of an index sync's decoding). They are as strict as eth-abi's strict
mode on what they read: every word present, offsets and lengths inside the data, padding zero, small
integers in range, strings valid UTF-8; anything else is an `EventDecodeError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from typing import Any, TypeVar, cast

from eth_typing import HexStr
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from filon import _artifact
from filon._chain import Log
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
    SerialAssigned,
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
def _address(topic: str) -> str:
    """A checksummed address from its topic (cached: a chain has few distinct addresses)."""
    if len(topic) != 66 or int(topic[2:26], 16):
        raise ValueError(f"{topic} is not an address topic")
    return str(to_checksum_address("0x" + topic[-40:]))


def _id(topic: str) -> int:
    """A uint256 topic (a lot or mine id)."""
    if len(topic) != 66:
        raise ValueError(f"{topic} is not a 32-byte topic")
    return int(topic, 16)


# A lot's and a mine's id topics, typed as such without a call to the NewType per log (an index sync decodes
# thousands: `LotId(...)` is a Python call).
_lot_id = cast(Callable[[str], LotId], _id)
_mine_id = cast(Callable[[str], MineId], _id)


def _uint(word: bytes) -> int:
    return int.from_bytes(word, "big")


def _word(data: bytes, index: int) -> bytes:
    """Word `index` of the data's head."""
    word = data[32 * index : 32 * index + 32]
    if len(word) != 32:
        raise ValueError(f"the data ends before its word {index}")
    return word


def _small(word: bytes, bits: int) -> int:
    """A `uint<bits>` word, which must fit in `bits` bits."""
    value = _uint(word)
    if value >> bits:
        raise ValueError(f"{value} does not fit in a uint{bits}")
    return value


def _fixed(word: bytes, size: int) -> bytes:
    """A `bytes<size>` word, whose padding must be zero."""
    if any(word[size:]):
        raise ValueError(f"a bytes{size} value has non-zero padding")
    return word[:size]


def _tail(data: bytes, head: int, item_size: int) -> tuple[bytes, int]:
    """The content of the dynamic value whose offset is head word `head`, and its count of items of
    `item_size` bytes; the content is padded with zeros to a whole word."""
    size = len(data)
    at = 32 * head
    if at + 32 > size:
        raise ValueError(f"the data ends before its word {head}")
    offset = int.from_bytes(data[at : at + 32], "big")
    if offset > size - 32:
        raise ValueError(f"the offset {offset} of word {head} is past the data")
    count = int.from_bytes(data[offset : offset + 32], "big")
    start = offset + 32
    end = start + count * item_size
    padded = start + -(-count * item_size // 32) * 32
    if padded > size:
        raise ValueError(f"{count} items at offset {offset} do not fit in the data")
    if data.count(0, end, padded) != padded - end:
        raise ValueError(f"the value at offset {offset} has non-zero padding")
    return data[start:end], count


def _head(data: bytes, words: int) -> None:
    """Checks that the data's head holds `words` words (the decoders then read them directly)."""
    if len(data) < 32 * words:
        raise ValueError(f"the data ends before its word {len(data) // 32}")


def _string(data: bytes, head: int) -> str:
    content, _ = _tail(data, head, 1)
    return content.decode("utf-8")  # a UnicodeDecodeError is a ValueError


def _uints(data: bytes, head: int) -> tuple[int, ...]:
    content, count = _tail(data, head, 32)
    return tuple(_uint(content[32 * i : 32 * i + 32]) for i in range(count))


def _country(value: bytes) -> str:
    return bytes(value).decode("latin-1")


_Record = TypeVar("_Record", bound=ChainEvent)
Where = tuple[int, int, bytes]


def _transfer(where: Where, topics: Sequence[str], data: bytes) -> TokenTransfer:
    return TokenTransfer(*where, _address(topics[1]), _address(topics[2]), _lot_id(topics[3]))


def _declared(where: Where, topics: Sequence[str], data: bytes) -> LotDeclared:
    """`(uint256 fineGold, uint256 grossMass, bytes32 root, string uri, string externalRef)`."""
    _head(data, 5)  # a declaration a block holds hundreds of: its fixed words read directly
    return LotDeclared(
        *where,
        _lot_id(topics[1]),
        _mine_id(topics[2]),
        int.from_bytes(data[0:32], "big"),
        int.from_bytes(data[32:64], "big"),
        data[64:96],
        _string(data, 3),
        _string(data, 4),
    )


def _produced(where: Where, topics: Sequence[str], data: bytes) -> LotProduced:
    """`(uint8 form, uint256 fineGold, uint256 grossMass, uint256[] parents, bytes32 root, string uri)`."""
    return LotProduced(
        *where,
        _lot_id(topics[1]),
        Form(_small(_word(data, 0), 8)),
        _uint(_word(data, 1)),
        _uint(_word(data, 2)),
        tuple(LotId(p) for p in _uints(data, 3)),
        _word(data, 4),
        _string(data, 5),
    )


def _passport(where: Where, topics: Sequence[str], data: bytes) -> PassportVersionRecorded:
    """`(uint256 version, bytes32 root, string uri)`."""
    return PassportVersionRecorded(
        *where, _lot_id(topics[1]), _uint(_word(data, 0)), _word(data, 1), _string(data, 2)
    )


def _serial(where: Where, topics: Sequence[str], data: bytes) -> SerialAssigned:
    """`(string serial)` after the indexed lot id and refiner."""
    return SerialAssigned(*where, _lot_id(topics[1]), _address(topics[2]), _string(data, 0))


def _relayed(where: Where, topics: Sequence[str], data: bytes) -> DeclarationRelayed:
    return DeclarationRelayed(
        *where, _lot_id(topics[1]), _address(topics[2]), _address(topics[3]), _uint(_word(data, 0))
    )


def _cancelled(where: Where, topics: Sequence[str], data: bytes) -> DeclarationCancelled:
    return DeclarationCancelled(*where, _address(topics[1]), _uint(_word(data, 0)))


def _approval(where: Where, topics: Sequence[str], data: bytes) -> Approval:
    return Approval(*where, _address(topics[1]), _address(topics[2]), _lot_id(topics[3]))


def _approval_for_all(where: Where, topics: Sequence[str], data: bytes) -> ApprovalForAll:
    return ApprovalForAll(*where, _address(topics[1]), _address(topics[2]), bool(_uint(_word(data, 0))))


def _registered(where: Where, topics: Sequence[str], data: bytes) -> ParticipantRegistered:
    return ParticipantRegistered(*where, _address(topics[1]), Role(_uint(_word(data, 0))))


def _removed(where: Where, topics: Sequence[str], data: bytes) -> ParticipantRemoved:
    return ParticipantRemoved(*where, _address(topics[1]))


def _bytes32(topic: str) -> bytes:
    """A bytes32 topic (a hash)."""
    if len(topic) != 66:
        raise ValueError(f"{topic} is not a 32-byte topic")
    return bytes.fromhex(topic[2:])


def _record(where: Where, topics: Sequence[str], data: bytes) -> ParticipantRecordPublished:
    return ParticipantRecordPublished(*where, _address(topics[1]), _word(data, 0))


def _snapshot(where: Where, topics: Sequence[str], data: bytes) -> RegisterSnapshotRecorded:
    """`(uint256 snapshotDate)` after the indexed snapshot hash."""
    return RegisterSnapshotRecorded(*where, _bytes32(topics[1]), _uint(_word(data, 0)))


def _mine_registered(where: Where, topics: Sequence[str], data: bytes) -> MineRegistered:
    """`(bytes2 country, bytes32 permit, uint256 expiry, bytes32 location, uint256 capacity, bytes32
    passport)`."""
    return MineRegistered(
        *where,
        _mine_id(topics[1]),
        _address(topics[2]),
        _country(_fixed(_word(data, 0), 2)),
        _word(data, 1),
        _uint(_word(data, 2)),
        _word(data, 3),
        _uint(_word(data, 4)),
        _word(data, 5),
    )


def _permit(where: Where, topics: Sequence[str], data: bytes) -> MinePermitUpdated:
    return MinePermitUpdated(*where, _mine_id(topics[1]), _word(data, 0), _uint(_word(data, 1)))


def _capacity(where: Where, topics: Sequence[str], data: bytes) -> MineCapacityUpdated:
    return MineCapacityUpdated(*where, _mine_id(topics[1]), _uint(_word(data, 0)))


def _mine_passport(where: Where, topics: Sequence[str], data: bytes) -> MinePassportUpdated:
    return MinePassportUpdated(*where, _mine_id(topics[1]), _word(data, 0))


def _status(where: Where, topics: Sequence[str], data: bytes) -> MineStatusChanged:
    return MineStatusChanged(*where, _mine_id(topics[1]), MineStatus(_uint(_word(data, 0))))


def _role_granted(where: Where, topics: Sequence[str], data: bytes) -> RoleChanged:
    return RoleChanged(*where, bytes.fromhex(topics[1][2:]), _address(topics[2]), _address(topics[3]), True)


def _role_revoked(where: Where, topics: Sequence[str], data: bytes) -> RoleChanged:
    return RoleChanged(*where, bytes.fromhex(topics[1][2:]), _address(topics[2]), _address(topics[3]), False)


def _key(where: Where, topics: Sequence[str], data: bytes) -> EncryptionKeyPublished:
    """`(bytes publicKey)`."""
    key, _ = _tail(data, 0, 1)
    return EncryptionKeyPublished(*where, _address(topics[1]), bytes(key))


def _granted(where: Where, topics: Sequence[str], data: bytes) -> AccessGranted:
    return AccessGranted(*where, _lot_id(topics[1]), _address(topics[2]), _address(topics[3]), _word(data, 0))


def _access_revoked(where: Where, topics: Sequence[str], data: bytes) -> AccessRevoked:
    return AccessRevoked(*where, _lot_id(topics[1]), _address(topics[2]), _address(topics[3]))


def _anchored(where: Where, topics: Sequence[str], data: bytes) -> AttestationAnchored:
    """`(uint8 subjectKind)` after the indexed credential hash, attester and subject id."""
    return AttestationAnchored(
        *where,
        _bytes32(topics[1]),
        _address(topics[2]),
        SubjectKind(_small(_word(data, 0), 8)),
        _id(topics[3]),
    )


def _attestation_revoked(where: Where, topics: Sequence[str], data: bytes) -> AttestationRevoked:
    return AttestationRevoked(*where, _bytes32(topics[1]), _address(topics[2]))


_Decoder = Callable[[Where, Sequence[str], bytes], ChainEvent]

_DECODERS: dict[str, _Decoder] = {
    "Transfer": _transfer,
    "LotDeclared": _declared,
    "LotProduced": _produced,
    "PassportRecorded": _passport,
    "SerialAssigned": _serial,
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
def _by_topic() -> dict[str, tuple[str, _Decoder | None]]:
    """topic0 (lower-case 0x hex) -> (event name, its decoder or None), from the shipped ABI."""
    table: dict[str, tuple[str, _Decoder | None]] = {}
    for item in _artifact.abi():
        if item.get("type") == "event":
            signature = f"{item['name']}({','.join(_abi_type(p) for p in item['inputs'])})"
            table["0x" + keccak(text=signature).hex()] = (item["name"], _DECODERS.get(item["name"]))
    return table


@cache
def topic(name: str) -> HexStr:
    """The topic0 of the contract's event `name`, as 0x hex (for `eth_getLogs` filters)."""
    for value, (event, _) in _by_topic().items():
        if event == name:
            return HexStr(value)
    raise KeyError(name)


def decode(log: Log) -> ChainEvent | None:
    """The record of one log of the FilonLots contract, or None for a log no reader needs.

    Args:
        log: A log as `Chain.logs` or a receipt from `Chain.receipts` gives it. The caller checks that it
            was emitted by the deployment's contract.

    Raises:
        EventDecodeError: The log has a Filón event's topic but not that event's layout.
    """
    topics = log["topics"]
    if not topics:
        return None
    name, decoder = _by_topic().get(topics[0], _UNKNOWN)
    if decoder is None:
        return None
    where: Where = (log["blockNumber"], log["logIndex"], log["transactionHash"])
    try:
        return decoder(where, topics, log["data"])
    except (ValueError, IndexError, TypeError) as exc:
        raise _undecodable(name, where, exc) from None


def decode_all(logs: Iterable[Log]) -> list[ChainEvent]:
    """The records of `logs` that readers need, in the order given (`decode`'s loop, inlined: an index sync
    decodes thousands of logs at a time)."""
    table = _by_topic()
    found = []
    for log in logs:
        topics = log["topics"]
        if not topics:
            continue
        name, decoder = table.get(topics[0], _UNKNOWN)
        if decoder is None:
            continue
        where: Where = (log["blockNumber"], log["logIndex"], log["transactionHash"])
        try:
            found.append(decoder(where, topics, log["data"]))
        except (ValueError, IndexError, TypeError) as exc:
            raise _undecodable(name, where, exc) from None
    return found


_UNKNOWN: tuple[str, _Decoder | None] = ("", None)


def _undecodable(name: str, where: Where, problem: Exception) -> EventDecodeError:
    return EventDecodeError(
        f"A {name} log in block {where[0]} (index {where[1]}) cannot be decoded: {problem}"
    )


def of_type(events: Iterable[ChainEvent], kind: type[_Record]) -> list[_Record]:
    """The events of one kind, in the order given."""
    return [event for event in events if isinstance(event, kind)]
