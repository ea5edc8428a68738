"""The index's tables: what the contract's events say, one row per fact, each tagged with its block.

Rows are only ever inserted (by the sync) or deleted from a block onwards (by a rewind after a reorg), never
updated: the current state of a lot or a mine is the latest of its facts. That is what makes a rewind exact.
Lot ids and amounts are stored as Python ints in 64-bit columns: lot ids are below 2^48 and amounts below
2^40 by the contract's own packing.
"""

from __future__ import annotations

import datetime
import secrets

from sqlalchemy import BigInteger, Boolean, Date, Float, Index, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Constraint names that Alembic can refer to on every database.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


def new_generation() -> str:
    """A fresh `SyncState.generation`: 128 random bits in hex."""
    return secrets.token_hex(16)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SyncState(Base):
    """Where the index stands: one row, for the deployment it follows."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    contract: Mapped[str] = mapped_column(String(42))
    deployment_block: Mapped[int] = mapped_column(BigInteger)
    last_block: Mapped[int] = mapped_column(BigInteger)
    generation: Mapped[str] = mapped_column(String(32), default=new_generation)
    """Random, and new at every rewind: what a process may remember of the index holds only while it stays
    the same (`filon.index._consumed`)."""
    resolved: Mapped[int] = mapped_column(BigInteger, default=0)
    """How many times contents were resolved from the store after a sync (`mark_resolved`)."""


class IndexedBlock(Base):
    """A block the index has seen: those with events, and the last one synced (to detect reorgs)."""

    __tablename__ = "blocks"
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp: Mapped[int] = mapped_column(BigInteger)


class LotRow(Base):
    """A lot's birth: `LotDeclared` (ore from a mine) or `LotProduced` (a transformation's output)."""

    __tablename__ = "lots"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    log_index: Mapped[int] = mapped_column(Integer)
    transaction_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    form: Mapped[int] = mapped_column(Integer)
    fine_gold_mg: Mapped[int] = mapped_column(BigInteger)
    gross_mass_mg: Mapped[int] = mapped_column(BigInteger)
    mine_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    issuer: Mapped[str] = mapped_column(String(42))
    external_ref: Mapped[str] = mapped_column(Text, index=True)


class ParentRow(Base):
    """An edge of the provenance graph: `child` was produced from `parent`, its input number `position`
    (the order of the transformation's inputs, which `LotProduced` keeps)."""

    __tablename__ = "lot_parents"
    child_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    parent_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, index=True)
    position: Mapped[int] = mapped_column(Integer, server_default="0")
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)


class TransferRow(Base):
    """An ERC-721 `Transfer`: a mint (from zero), a change of custody, or a consumption (to zero)."""

    __tablename__ = "transfers"
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    transaction_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    lot_id: Mapped[int] = mapped_column(BigInteger)
    from_address: Mapped[str] = mapped_column(String(42))
    to_address: Mapped[str] = mapped_column(String(42), index=True)
    __table_args__ = (Index("ix_transfers_lot", "lot_id", "block_number", "log_index"),)


class PassportRow(Base):
    """A passport version: the first comes with the lot's birth, later ones with `PassportRecorded`."""

    __tablename__ = "passports"
    lot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    log_index: Mapped[int] = mapped_column(Integer)
    transaction_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    uri: Mapped[str] = mapped_column(Text)


MINE_RECORD_COLUMNS = (
    "operator",
    "country",
    "status",
    "permit_expiry",
    "capacity_mg",
    "permit_hash",
    "location_hash",
    "passport_hash",
)
"""The columns of `MineEventRow` that a mine's events set: each event fills its own, the others stay null."""


class MineEventRow(Base):
    """A change to a mine's record: registration, permit, capacity, passport hash or status.

    Each row carries only what its event says (the other columns are null); the mine's current record is
    the latest value of each column.
    """

    __tablename__ = "mine_events"
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    transaction_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    mine_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    operator: Mapped[str | None] = mapped_column(String(42), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[int | None] = mapped_column(Integer)
    permit_expiry: Mapped[int | None] = mapped_column(BigInteger)
    capacity_mg: Mapped[int | None] = mapped_column(BigInteger)
    permit_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    location_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    passport_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))


class ParticipantRow(Base):
    """`ParticipantRegistered` (role set) or `ParticipantRemoved` (role null)."""

    __tablename__ = "participants"
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String(42), index=True)
    role: Mapped[int | None] = mapped_column(Integer)


class LotFactsRow(Base):
    """What a lot's birth settles for good, derived by the sync from the rows of the lot and its ancestors
    (`_facts`), so that a page never walks the provenance edge by edge to find it.

    A lot's parents, their fine gold, the transformation that made it and the declarations below it never
    change once it is minted, so neither do these; the row carries the lot's birth block, and a rewind
    deletes it with the lot. A transformation is named by its first output (the smallest id it minted):
    every input is consumed once, so one set of inputs names one transformation.

    Attributes:
        produced_by: The transformation that made the lot (None for an ore lot).
        fine_in_mg: Fine gold of that transformation's inputs.
        fine_out_mg: Fine gold of all its outputs.
        loss: The share of its inputs' fine gold it lost, as `filon.index.lot_flags` computes it.
        lowest_loss: The lowest loss of any transformation of the lot's provenance, its own included.
        highest_loss: The highest.
        declared_late: An ore lot declared after the permit its mine had then expired.
        late_below: The lot or an ore lot of its provenance was declared late.
    """

    __tablename__ = "lot_facts"
    lot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    produced_by: Mapped[int | None] = mapped_column(BigInteger, index=True)
    fine_in_mg: Mapped[int | None] = mapped_column(BigInteger)
    fine_out_mg: Mapped[int | None] = mapped_column(BigInteger)
    loss: Mapped[float | None] = mapped_column(Float)
    lowest_loss: Mapped[float | None] = mapped_column(Float)
    highest_loss: Mapped[float | None] = mapped_column(Float)
    declared_late: Mapped[bool] = mapped_column(Boolean)
    late_below: Mapped[bool] = mapped_column(Boolean)


class LotOriginRow(Base):
    """A mine some of a lot's gold comes from: its own for an ore lot, its inputs' for a produced one."""

    __tablename__ = "lot_origins"
    lot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    mine_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)


class AttestationRow(Base):
    """`AttestationAnchored` (kind "anchored", with its subject) or `AttestationRevoked` (kind "revoked", the
    subject null): an attester's credential, by its hash, and its revocation."""

    __tablename__ = "attestations"
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    transaction_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    credential_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    attester: Mapped[str] = mapped_column(String(42), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    subject_kind: Mapped[int | None] = mapped_column(Integer)
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    __table_args__ = (Index("ix_attestations_subject", "subject_kind", "subject_id"),)


class ParticipantRecordRow(Base):
    """`ParticipantRecordPublished`: the registrar vouched for an account's record, by its hash (a mine's
    record hash is its `passport_hash`, in `mine_events`)."""

    __tablename__ = "participant_records"
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String(42), index=True)
    record_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)


class RegisterSnapshotRow(Base):
    """`RegisterSnapshotRecorded`: a government register import; the mine events of its transaction came
    from it."""

    __tablename__ = "register_snapshots"
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    transaction_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    snapshot_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    snapshot_date: Mapped[int] = mapped_column(BigInteger)


class RecordContentRow(Base):
    """What the document store holds under a record hash, read outside the sync (`_records.resolve`).

    Not tagged by block: a hash names the same bytes on every branch of the chain, so a rewind leaves it
    true. A hash the store does not hold yet has no row, and is read again at the next resolve.

    Attributes:
        record_hash: The SHA-256 the chain published.
        kind: "participant" or "mine".
        verified: The bytes parse as a record of that kind (else the store's bytes are not the registrar's
            record, and nothing of them is kept).
        body: The record's canonical JSON (verified only).
        name: Its name (verified only).
        region: A mine record's region.
        register_code: A mine record's register code.
        search: Name, region and district as `filon._records.search_text` normalises them, for `LIKE`.
    """

    __tablename__ = "record_contents"
    record_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    verified: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    register_code: Mapped[str | None] = mapped_column(Text)
    search: Mapped[str] = mapped_column(Text, index=True)


class SerialRow(Base):
    """`SerialAssigned`: the serial number a refiner gave a refined lot (once, for good), by lot."""

    __tablename__ = "serials"
    lot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    log_index: Mapped[int] = mapped_column(Integer)
    transaction_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    refiner: Mapped[str] = mapped_column(String(42))
    serial: Mapped[str] = mapped_column(Text, index=True)


# Every table whose rows belong to a block, for rewinds.
BLOCK_TABLES = (
    LotRow,
    ParentRow,
    TransferRow,
    PassportRow,
    MineEventRow,
    ParticipantRow,
    LotFactsRow,
    LotOriginRow,
    AttestationRow,
    ParticipantRecordRow,
    RegisterSnapshotRow,
    SerialRow,
)


class ReceiptRow(Base):
    """The receipt (passport schema 1.1) in a passport version of an ore lot, read from the document store
    outside the sync (`_receipts.resolve`) and checked against the version's root.

    Not tagged by block, like `RecordContentRow`: a (lot, version, root) names the same package on every
    branch of the chain, and a rewind that replaces a version leaves a row no passport row joins. A package
    the store does not hold yet has no row; one that fails its checks has an unverified row and is read
    again at the next resolve. Only each ore lot's latest version is read, and only when a holder other than
    the lot's issuer recorded it (`_receipts`: a miner's own receipt is never read).

    Attributes:
        lot_id: The ore lot.
        version: Its passport version.
        root: The version's root on chain.
        verified: The package proved its receipt field against `root` (else nothing of it is kept).
        received_on: The day the plant weighed the lot (None: the version has no receipt).
        wet_mass_mg: Its mass as weighed.
        moisture_pct: Its moisture, percent of the wet mass.
        dry_mass_mg: Its dry mass.
        sample_lab: The laboratory of the plant's sample.
        sample_g_t: The sample's grade, grams per dry tonne.
        counter_lab: The laboratory of the counter-sample.
        counter_g_t: The counter-sample's grade.
        umpire_lab: The umpire's laboratory, if there was an umpire assay.
        umpire_g_t: The umpire's grade.
    """

    __tablename__ = "receipts"
    lot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    verified: Mapped[bool] = mapped_column(Boolean)
    received_on: Mapped[datetime.date | None] = mapped_column(Date)
    wet_mass_mg: Mapped[int | None] = mapped_column(BigInteger)
    moisture_pct: Mapped[float | None] = mapped_column(Float)
    dry_mass_mg: Mapped[int | None] = mapped_column(BigInteger)
    sample_lab: Mapped[str | None] = mapped_column(Text)
    sample_g_t: Mapped[float | None] = mapped_column(Float)
    counter_lab: Mapped[str | None] = mapped_column(Text)
    counter_g_t: Mapped[float | None] = mapped_column(Float)
    umpire_lab: Mapped[str | None] = mapped_column(Text)
    umpire_g_t: Mapped[float | None] = mapped_column(Float)


def column_names(model: type[Base]) -> tuple[str, ...]:
    """The names of `model`'s columns in its table's order: the order of a row's values as the sync builds
    and inserts it (`_rows`, `_database.insert_tuples`)."""
    return tuple(model.__table__.columns.keys())
