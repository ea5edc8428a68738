"""Ids, enums and the records the client returns: plain, frozen, typed values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, NewType

if TYPE_CHECKING:
    from filon._record_models import MineRecord

LotId = NewType("LotId", int)
"""The id of a gold lot: its ERC-721 token id.

Unique and never reused, but neither contiguous nor in minting order: lots minted to a holder take the ids
of its own block of 100 (the contract's `LOT_ID_BLOCK`), and a holder takes the next free block (1-100,
101-200, ...) when its first lot is minted and whenever its block runs out.
"""

MAX_CAPACITY_MG = 2**39 - 1
"""The largest yearly capacity a mine can have, in mg of fine gold (about 550 tonnes): the contract's
`MAX_CAPACITY_MG`, the largest int40 (capacity left can go negative when the registrar lowers it)."""

MAX_FINE_GOLD_MG = 2**40 - 1
"""The most fine gold one lot can hold, in mg (about 1,100 tonnes): the contract packs it in a uint40."""

MineId = NewType("MineId", int)
"""The id of a registered mine (1, 2, ... in registration order)."""


class Role(IntEnum):
    """The role a registrar admits a participant with (`IFilonRegistry.Role`, same numbers).

    The five supply-chain roles hold lots. The attesters, `AUDITOR` and `LABORATORY`, anchor credentials
    about lots and mines (`Client.anchor_attestation`) and never hold lots: no lot can be sent to them, and an
    account holding lots cannot be made one.
    """

    MINE_OPERATOR = 1
    PROCESSOR = 2
    REFINER = 3
    TRADER = 4
    MANUFACTURER = 5
    AUDITOR = 6
    LABORATORY = 7

    @property
    def is_attester(self) -> bool:
        """Whether the role is an attester's (auditor, laboratory), which holds no lots."""
        return self >= Role.AUDITOR


class SubjectKind(IntEnum):
    """What an attestation is about (`anchorAttestation`'s `subjectKind`)."""

    LOT = 1
    MINE = 2


class MineStatus(IntEnum):
    """A mine's permit status (`IFilonRegistry.MineStatus`). Only `ACTIVE` mines declare ore."""

    ACTIVE = 1
    SUSPENDED = 2
    REVOKED = 3


class Form(IntEnum):
    """The physical form of a lot (`IFilonLots.Form`, same numbers)."""

    ORE = 0
    CONCENTRATE = 1
    DORE = 2
    REFINED = 3
    PRODUCT = 4


@dataclass(frozen=True)
class LotOutput:
    """One output of a transformation, as passed to `Client.transform`.

    Attributes:
        form: The physical form of the new lot.
        fine_gold_mg: Its fine gold, in milligrams (positive, at most `gross_mass_mg`).
        gross_mass_mg: Its gross mass, in milligrams.
        serial: The serial number the refiner stamps on a refined output (a bar), e.g. "RAM-2026-000123":
            1 to 64 bytes of UTF-8, unique among the refiner's serials; None for none. Only a refiner's
            refined outputs take one.
    """

    form: Form
    fine_gold_mg: int
    gross_mass_mg: int
    serial: str | None = None


@dataclass(frozen=True)
class LotDeclaration:
    """One ore lot to declare, as passed to `Client.declare_lots`.

    Attributes:
        mine_id: The mine the ore comes from; the sender must be its operator.
        fine_gold_mg: Fine gold in the lot, in milligrams.
        gross_mass_mg: Gross mass of the lot, in milligrams.
        passport_root: The 32-byte root of the lot's passport (bytes or a 0x hex string).
        passport_uri: Where the passport document can be fetched (may be empty).
        external_ref: The partner's own lot number; unique per sender, so that a retry never mints twice.
    """

    mine_id: MineId
    fine_gold_mg: int
    gross_mass_mg: int
    passport_root: bytes | str
    passport_uri: str = ""
    external_ref: str = ""


@dataclass(frozen=True)
class Lot:
    """A gold lot, rebuilt from the contract and the lot's events.

    Attributes:
        id: The lot id.
        holder: The current holder, or None once the lot has been consumed.
        form: Its physical form.
        fine_gold_mg: Fine gold, in milligrams.
        gross_mass_mg: Gross mass, in milligrams.
        mine_id: The mine an ore lot was declared from; None for a lot produced by a transformation.
        parents: The lots a transformation consumed to produce this one (empty for an ore lot).
        consumed: Whether a transformation consumed (burned) the lot.
        passport_root: The current passport root.
        passport_version: The current passport version (1 when minted, +1 per recorded passport).
        passport_uri: The URI given with the current passport version.
        external_ref: The issuer's external reference of an ore lot ("" if none, or for a produced lot).
        serial: The serial number its refiner gave a refined lot (the number stamped on the bar), or None.
        refiner: The refiner that gave that serial number (with it, the bar's brand), or None.
    """

    id: LotId
    holder: str | None
    form: Form
    fine_gold_mg: int
    gross_mass_mg: int
    mine_id: MineId | None
    parents: tuple[LotId, ...]
    consumed: bool
    passport_root: bytes
    passport_version: int
    passport_uri: str
    external_ref: str
    serial: str | None = None
    refiner: str | None = None


class RecordState(StrEnum):
    """What reading a published record found.

    NONE: The registrar published no record. VERIFIED: The stored bytes hash to the published hash and are a
    record. MISSING: The store does not hold the bytes of the published hash. MISMATCH: The stored bytes do
    not hash to the published hash, or are not a record of the kind expected.
    """

    NONE = "none"
    VERIFIED = "verified"
    MISSING = "missing"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class Mine:
    """A registered mine, as the contract reports it now.

    Attributes:
        id: The mine id.
        operator: The address that declares the mine's ore lots.
        status: Active, suspended or revoked.
        country: ISO 3166-1 alpha-2 country code, e.g. "PE".
        permit_expiry: Unix time after which the mine can no longer declare lots.
        capacity_mg: Fine gold the mine may declare per calendar year (UTC), in milligrams.
        declared_this_year_mg: Fine gold declared in `year` so far.
        year: The calendar year `declared_this_year_mg` counts (the chain's current year).
        permit_hash: Hash of the mine's permit document.
        location_hash: Hash of the mine's location record.
        passport_hash: Hash of the mine's record (`filon.MineRecord`) the registrar published (zero if none).
        record: That record, only when the bytes the store holds match the hash (never unverified content).
        record_state: What reading the record found (`RecordState.NONE` when nothing was read).
    """

    id: MineId
    operator: str
    status: MineStatus
    country: str
    permit_expiry: int
    capacity_mg: int
    declared_this_year_mg: int
    year: int
    permit_hash: bytes
    location_hash: bytes
    passport_hash: bytes
    record: MineRecord | None = None
    record_state: RecordState = RecordState.NONE

    @property
    def remaining_mg(self) -> int:
        """Fine gold the mine may still declare this year, in milligrams."""
        return max(self.capacity_mg - self.declared_this_year_mg, 0)

    @property
    def verified(self) -> bool:
        """Whether `record` is the record the registrar published for the mine."""
        return self.record_state is RecordState.VERIFIED


@dataclass(frozen=True)
class RegisterSnapshot:
    """A government register snapshot the registrar imported (`recordRegisterSnapshot`).

    The mine status and permit changes of the same transaction (a register import sends them together, with
    `Client.multicall`) come from this snapshot.

    Attributes:
        snapshot_hash: The hash of the register file imported.
        snapshot_date: The Unix time the register was exported (as of when it speaks).
        block_number: The block of the import.
        transaction_hash: The import's transaction, as a 0x hex string.
    """

    snapshot_hash: bytes
    snapshot_date: int
    block_number: int
    transaction_hash: str


@dataclass(frozen=True)
class AccessGrant:
    """A standing grant: `granter` let `reader` open the confidential layers of a lot (`Client.grant_access`).

    Attributes:
        lot_id: The lot.
        reader: Who may open it.
        granter: Who granted it; only it revokes the grant.
        grant_digest: SHA-256 of the grant file in the document store (the content keys wrapped to the
            reader's published key), from which its CID follows.
        block_number: The block of the grant.
        transaction_hash: The grant's transaction, as a 0x hex string.
    """

    lot_id: LotId
    reader: str
    granter: str
    grant_digest: bytes
    block_number: int
    transaction_hash: str


@dataclass(frozen=True)
class Attestation:
    """A credential an attester anchored on chain (the credential itself is a document off chain).

    Attributes:
        credential_hash: The hash the attester anchored (32 bytes).
        attester: The auditor or laboratory that anchored it; only it can revoke it.
        subject_kind: Whether it is about a lot or a mine.
        subject_id: The lot id or mine id.
        revoked: Whether the attester revoked it (for good).
    """

    credential_hash: bytes
    attester: str
    subject_kind: SubjectKind
    subject_id: int
    revoked: bool


@dataclass(frozen=True)
class LotEvent:
    """What every entry of a lot's history has: which lot, and where on chain it happened.

    Attributes:
        lot_id: The lot the entry is about.
        block_number: The block of the transaction.
        transaction_hash: The transaction, as a 0x hex string.
        log_index: The log's position in its block (entries are ordered by block, then log index).
    """

    lot_id: LotId
    block_number: int
    transaction_hash: str
    log_index: int


@dataclass(frozen=True)
class Declared(LotEvent):
    """An ore lot was declared from a mine and minted to `holder` (passport version 1).

    `holder` is the mine's operator, or the recipient of a declaration the operator signed offline;
    `issuer` is the operator in both cases (the account its external reference is filed under).
    """

    holder: str
    mine_id: MineId
    fine_gold_mg: int
    gross_mass_mg: int
    passport_root: bytes
    passport_uri: str
    external_ref: str
    issuer: str = ""


@dataclass(frozen=True)
class Produced(LotEvent):
    """A transformation of `parents` produced the lot and minted it to `holder` (passport version 1)."""

    holder: str
    form: Form
    fine_gold_mg: int
    gross_mass_mg: int
    parents: tuple[LotId, ...]
    passport_root: bytes
    passport_uri: str


@dataclass(frozen=True)
class PassportRecorded(LotEvent):
    """The holder recorded passport version `version` (2, 3, ...)."""

    version: int
    passport_root: bytes
    passport_uri: str


@dataclass(frozen=True)
class Transferred(LotEvent):
    """The lot moved from one holder to another."""

    from_address: str
    to_address: str


@dataclass(frozen=True)
class Consumed(LotEvent):
    """A transformation consumed (burned) the lot; `outputs` are the lots it produced."""

    holder: str
    outputs: tuple[LotId, ...]


HistoryEvent = Declared | Produced | PassportRecorded | Transferred | Consumed
"""Any entry of `Client.history`."""


@dataclass(frozen=True)
class Provenance:
    """The ancestry of a lot: every lot it came from, down to the mines.

    Attributes:
        lot_id: The lot whose provenance this is.
        lots: Every lot of the ancestry, the lot itself included, by id.
        edges: (parent, child) pairs: the child was produced by a transformation that consumed the parent.
        mines: Every mine an ore lot of the ancestry was declared from, with its current status.
    """

    lot_id: LotId
    lots: Mapping[LotId, Lot]
    edges: tuple[tuple[LotId, LotId], ...]
    mines: Mapping[MineId, Mine] = field(default_factory=dict)

    @property
    def ore_lots(self) -> tuple[Lot, ...]:
        """The ore lots of the ancestry (the leaves of the DAG), by id."""
        return tuple(lot for _, lot in sorted(self.lots.items()) if lot.mine_id is not None)
