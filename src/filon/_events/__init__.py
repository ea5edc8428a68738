"""The contract's events as typed records, each decoded once, and the pure functions built on them.

This is the one place where a log of the FilonLots contract becomes Python values. `decode` turns a log
(from `eth_getLogs` or a receipt) into one of the records of `records`; the client rebuilds lots and
histories from them, the index turns them into rows, and both build a lot's history with the same
`lot_history`. A new event gets its record in `records`, a decoder in `decode`, and then its readers (a row
in the index, a field in the client).

Addresses are checksummed, hashes are `bytes`, amounts are ints, exactly as the contract emitted them.
"""

from filon._events.build import access_grants, holders, issuers, lot_from_events, lot_history
from filon._events.decode import decode, decode_all, of_type, topic
from filon._events.records import (
    ZERO_ADDRESS,
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
    LotBirth,
    LotDeclared,
    LotProduced,
    MineCapacityUpdated,
    MineEvent,
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

__all__ = [
    "ZERO_ADDRESS",
    "AccessGranted",
    "AccessRevoked",
    "Approval",
    "ApprovalForAll",
    "AttestationAnchored",
    "AttestationRevoked",
    "ChainEvent",
    "DeclarationCancelled",
    "DeclarationRelayed",
    "EncryptionKeyPublished",
    "EventDecodeError",
    "LotBirth",
    "LotDeclared",
    "LotProduced",
    "MineCapacityUpdated",
    "MineEvent",
    "MinePassportUpdated",
    "MinePermitUpdated",
    "MineRegistered",
    "MineStatusChanged",
    "ParticipantRecordPublished",
    "ParticipantRegistered",
    "ParticipantRemoved",
    "PassportVersionRecorded",
    "RegisterSnapshotRecorded",
    "RoleChanged",
    "SerialAssigned",
    "TokenTransfer",
    "access_grants",
    "decode",
    "decode_all",
    "holders",
    "issuers",
    "lot_from_events",
    "lot_history",
    "of_type",
    "topic",
]
