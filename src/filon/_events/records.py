"""One frozen record per contract event a reader needs."""

from __future__ import annotations

from dataclasses import dataclass

from filon._errors import FilonError
from filon._types import (
    Form,
    LotId,
    MineId,
    MineStatus,
    Role,
    SubjectKind,
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
class SerialAssigned(ChainEvent):
    """`SerialAssigned`: `refiner`, holding refined lot `lot_id`, gave it serial number `serial`."""

    lot_id: LotId
    refiner: str
    serial: str


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
class ParticipantRecordPublished(ChainEvent):
    """The registrar vouched for `account`'s record (a document in the store) with hash `record_hash`."""

    account: str
    record_hash: bytes


@dataclass(frozen=True)
class RegisterSnapshotRecorded(ChainEvent):
    """The registrar imported the government register as of `snapshot_date`; its file hashes to
    `snapshot_hash`."""

    snapshot_hash: bytes
    snapshot_date: int


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


# ---------------------------------------------------------------------------------------------- sharing


@dataclass(frozen=True)
class EncryptionKeyPublished(ChainEvent):
    """`account` published `public_key`; the latest one counts."""

    account: str
    public_key: bytes


@dataclass(frozen=True)
class AccessGranted(ChainEvent):
    """`granter` let `reader` open lot `lot_id`'s confidential layers, by the grant file of `grant_digest`."""

    lot_id: LotId
    reader: str
    granter: str
    grant_digest: bytes


@dataclass(frozen=True)
class AccessRevoked(ChainEvent):
    """`granter` withdrew the access it granted `reader` to lot `lot_id`."""

    lot_id: LotId
    reader: str
    granter: str


# ---------------------------------------------------------------------------------------------- attestations


@dataclass(frozen=True)
class AttestationAnchored(ChainEvent):
    """`AttestationAnchored`: `attester` anchored credential `credential_hash` about a lot or a mine."""

    credential_hash: bytes
    attester: str
    subject_kind: SubjectKind
    subject_id: int


@dataclass(frozen=True)
class AttestationRevoked(ChainEvent):
    """`AttestationRevoked`: `attester` revoked credential `credential_hash`."""

    credential_hash: bytes
    attester: str


MineEvent = MineRegistered | MinePermitUpdated | MineCapacityUpdated | MinePassportUpdated | MineStatusChanged
"""Any event about a mine."""

LotBirth = LotDeclared | LotProduced
"""The event that created a lot."""
