"""The contract's events as typed records, each decoded once, and the pure functions built on them.

This is the one place where a log of the FilonLots contract becomes Python values. `decode` turns a log
(from `eth_getLogs` or a receipt) into one of the records below; the client rebuilds lots and histories from
them, the index turns them into rows, and both build a lot's history with the same `lot_history`. A new event
gets its record here, a line in `_DECODERS`, and then a reader (a row in the index, a field in the client).

Addresses are checksummed, hashes are `bytes`, amounts are ints, exactly as the contract emitted them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, TypeVar

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from filon import _artifact
from filon._errors import FilonError
from filon._types import (
    Consumed,
    Declared,
    Form,
    HistoryEvent,
    Lot,
    LotId,
    MineId,
    MineStatus,
    PassportRecorded,
    Produced,
    Role,
    Transferred,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class EventDecodeError(FilonError):
    """A log carries the topic of a FilonLots event but its data cannot be decoded as that event."""


@dataclass(frozen=True)
class ChainEvent:
    """Where any event happened.

    Attributes:
        block_number: The block of the transaction.
        log_index: The log's position in its block.
        transaction_hash: The transaction (32 bytes).
    """

    block_number: int
    log_index: int
    transaction_hash: bytes

    @property
    def position(self) -> tuple[int, int]:
        """(block, log index): chain order."""
        return (self.block_number, self.log_index)

    @property
    def transaction(self) -> str:
        """The transaction hash as 0x hex."""
        return "0x" + self.transaction_hash.hex()


# ---------------------------------------------------------------------------------------------- lots


@dataclass(frozen=True)
class TokenTransfer(ChainEvent):
    """ERC-721 `Transfer`: a mint (from zero), a move, or a consumption by a transformation (to zero)."""

    from_address: str
    to_address: str
    lot_id: LotId


@dataclass(frozen=True)
class LotDeclared(ChainEvent):
    """`LotDeclared`: an ore lot from a mine, passport version 1."""

    lot_id: LotId
    mine_id: MineId
    fine_gold_mg: int
    gross_mass_mg: int
    passport_root: bytes
    passport_uri: str
    external_ref: str


@dataclass(frozen=True)
class LotProduced(ChainEvent):
    """`LotProduced`: an output of a transformation of `parents` (in the transformation's input order)."""

    lot_id: LotId
    form: Form
    fine_gold_mg: int
    gross_mass_mg: int
    parents: tuple[LotId, ...]
    passport_root: bytes
    passport_uri: str


@dataclass(frozen=True)
class PassportVersionRecorded(ChainEvent):
    """`PassportRecorded`: passport version `version` (2, 3, ...) of a lot."""

    lot_id: LotId
    version: int
    passport_root: bytes
    passport_uri: str


@dataclass(frozen=True)
class DeclarationRelayed(ChainEvent):
    """`DeclarationRelayed`: lot `lot_id` was declared by `operator`'s offline signature, sent by
    `relayer`."""

    lot_id: LotId
    operator: str
    relayer: str
    nonce: int


@dataclass(frozen=True)
class DeclarationCancelled(ChainEvent):
    """`DeclarationCancelled`: `operator` used up nonce `key_nonce` without declaring."""

    operator: str
    key_nonce: int


@dataclass(frozen=True)
class Approval(ChainEvent):
    """ERC-721 `Approval` of one lot."""

    owner: str
    approved: str
    lot_id: LotId


@dataclass(frozen=True)
class ApprovalForAll(ChainEvent):
    """ERC-721 `ApprovalForAll`."""

    owner: str
    operator: str
    approved: bool


# ---------------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class ParticipantRegistered(ChainEvent):
    """`account` was admitted (or re-admitted) as `role`."""

    account: str
    role: Role


@dataclass(frozen=True)
class ParticipantRemoved(ChainEvent):
    """`account`'s admission was withdrawn."""

    account: str


@dataclass(frozen=True)
class MineRegistered(ChainEvent):
    """A mine was registered (it starts active)."""

    mine_id: MineId
    operator: str
    country: str
    permit_hash: bytes
    permit_expiry: int
    location_hash: bytes
    capacity_mg: int
    passport_hash: bytes


@dataclass(frozen=True)
class MinePermitUpdated(ChainEvent):
    """A mine's permit was renewed or replaced."""

    mine_id: MineId
    permit_hash: bytes
    permit_expiry: int


@dataclass(frozen=True)
class MineCapacityUpdated(ChainEvent):
    """A mine's yearly capacity changed."""

    mine_id: MineId
    capacity_mg: int


@dataclass(frozen=True)
class MinePassportUpdated(ChainEvent):
    """The hash of a mine's own documents changed."""

    mine_id: MineId
    passport_hash: bytes


@dataclass(frozen=True)
class MineStatusChanged(ChainEvent):
    """A mine was suspended, reactivated or revoked."""

    mine_id: MineId
    status: MineStatus


@dataclass(frozen=True)
class RoleChanged(ChainEvent):
    """AccessControl's `RoleGranted` (`granted`) or `RoleRevoked`."""

    role: bytes
    account: str
    sender: str
    granted: bool


MineEvent = MineRegistered | MinePermitUpdated | MineCapacityUpdated | MinePassportUpdated | MineStatusChanged
"""Any event about a mine."""

LotBirth = LotDeclared | LotProduced
"""The event that created a lot."""


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
    "MineRegistered": _mine_registered,
    "MinePermitUpdated": _permit,
    "MineCapacityUpdated": _capacity,
    "MinePassportUpdated": _mine_passport,
    "MineStatusChanged": _status,
    "RoleGranted": _role_granted,
    "RoleRevoked": _role_revoked,
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
def topic(name: str) -> str:
    """The topic0 of the contract's event `name`, as 0x hex (for `eth_getLogs` filters)."""
    for value, (event, _) in _by_topic().items():
        if event == name:
            return "0x" + value.hex()
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


# ---------------------------------------------------------------------------------------------- pure builders


def issuers(events: Iterable[ChainEvent]) -> dict[LotId, str]:
    """Who declared each ore lot among `events`: the mine's operator, also for a declaration it signed offline
    and a plant relayed (the lot is then minted to the plant, not to the operator)."""
    minted: dict[bytes, dict[LotId, str]] = {}
    found: dict[LotId, str] = {}
    relayed: dict[LotId, str] = {}
    for event in events:
        if isinstance(event, TokenTransfer) and event.from_address == ZERO_ADDRESS:
            minted.setdefault(event.transaction_hash, {})[event.lot_id] = event.to_address
        elif isinstance(event, LotDeclared):
            found[event.lot_id] = minted.get(event.transaction_hash, {}).get(event.lot_id, ZERO_ADDRESS)
        elif isinstance(event, DeclarationRelayed):
            relayed[event.lot_id] = event.operator
    found.update((lot_id, operator) for lot_id, operator in relayed.items() if lot_id in found)
    return found


def lot_from_events(lot_id: LotId, events: Iterable[ChainEvent], holder: str | None) -> Lot | None:
    """A lot's record from its own events (its birth and passport versions, in chain order) and its holder
    (None once consumed); None when `events` hold no birth of `lot_id`."""
    birth: LotBirth | None = None
    latest: LotBirth | PassportVersionRecorded | None = None
    version = 1
    for event in events:
        if isinstance(event, LotDeclared | LotProduced) and event.lot_id == lot_id:
            birth = latest = event
        elif (
            isinstance(event, PassportVersionRecorded) and event.lot_id == lot_id and event.version >= version
        ):
            latest, version = event, event.version
    if birth is None or latest is None:
        return None
    return Lot(
        id=lot_id,
        holder=holder,
        form=Form.ORE if isinstance(birth, LotDeclared) else birth.form,
        fine_gold_mg=birth.fine_gold_mg,
        gross_mass_mg=birth.gross_mass_mg,
        mine_id=birth.mine_id if isinstance(birth, LotDeclared) else None,
        parents=() if isinstance(birth, LotDeclared) else birth.parents,
        consumed=holder is None,
        passport_root=latest.passport_root,
        passport_version=version,
        passport_uri=latest.passport_uri,
        external_ref=birth.external_ref if isinstance(birth, LotDeclared) else "",
    )


def lot_history(
    lot_id: LotId, events: Iterable[ChainEvent], outputs: Sequence[LotId] = (), *, issuer: str | None = None
) -> list[HistoryEvent]:
    """Everything that happened to a lot, in chain order: `Declared` or `Produced` first, then
    `PassportRecorded` and `Transferred` entries, and `Consumed` last if a transformation consumed it.

    Args:
        lot_id: The lot.
        events: The lot's own events: its birth, passport versions, transfers (mint and burn included) and,
            for a relayed declaration, `DeclarationRelayed`. Events of other lots are ignored.
        outputs: The lots produced by the transformation that consumed it (empty while it is live).
        issuer: Who declared an ore lot, for a caller that knows it without the lot's `DeclarationRelayed`
            (the index, which stores the issuer instead of that event); by default the operator that event
            names, else the account the lot was minted to.

    Returns:
        The history; empty when `events` hold no birth of the lot.
    """
    own = sorted(
        (event for event in events if getattr(event, "lot_id", None) == lot_id),
        key=lambda event: event.position,
    )
    minted = {
        e.transaction_hash: e.to_address
        for e in own
        if isinstance(e, TokenTransfer) and not _real(e.from_address)
    }
    relayed = {e.transaction_hash: e.operator for e in own if isinstance(e, DeclarationRelayed)}
    history: list[HistoryEvent] = []
    for event in own:
        where = (lot_id, event.block_number, event.transaction, event.log_index)
        if isinstance(event, LotDeclared):
            holder = minted.get(event.transaction_hash, ZERO_ADDRESS)
            history.append(
                Declared(
                    *where,
                    holder=holder,
                    mine_id=event.mine_id,
                    fine_gold_mg=event.fine_gold_mg,
                    gross_mass_mg=event.gross_mass_mg,
                    passport_root=event.passport_root,
                    passport_uri=event.passport_uri,
                    external_ref=event.external_ref,
                    issuer=issuer if issuer is not None else relayed.get(event.transaction_hash, holder),
                )
            )
        elif isinstance(event, LotProduced):
            history.append(
                Produced(
                    *where,
                    holder=minted.get(event.transaction_hash, ZERO_ADDRESS),
                    form=event.form,
                    fine_gold_mg=event.fine_gold_mg,
                    gross_mass_mg=event.gross_mass_mg,
                    parents=event.parents,
                    passport_root=event.passport_root,
                    passport_uri=event.passport_uri,
                )
            )
        elif isinstance(event, PassportVersionRecorded):
            history.append(
                PassportRecorded(
                    *where,
                    version=event.version,
                    passport_root=event.passport_root,
                    passport_uri=event.passport_uri,
                )
            )
        elif isinstance(event, TokenTransfer) and _real(event.from_address):
            if _real(event.to_address):
                history.append(
                    Transferred(*where, from_address=event.from_address, to_address=event.to_address)
                )
            else:
                history.append(Consumed(*where, holder=event.from_address, outputs=tuple(outputs)))
    if not any(isinstance(entry, Declared | Produced) for entry in history):
        return []
    return history


def _real(address: str) -> bool:
    return address != ZERO_ADDRESS


def holders(events: Iterable[ChainEvent]) -> dict[LotId, str | None]:
    """Each lot's holder after `events` (its transfers, in chain order): None once consumed."""
    found: dict[LotId, str | None] = {}
    for event in events:
        if isinstance(event, TokenTransfer):
            found[event.lot_id] = event.to_address if _real(event.to_address) else None
    return found
