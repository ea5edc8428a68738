"""Between the contract's event records (`filon._events`) and the index's rows, both ways.

The sync stores `rows(events)`: one row per fact, as `_models` describes, as a tuple of its values in its
table's column order (the sync inserts them in bulk: building an ORM object per row took a third of its
time, and a dict per row more than the tuple). A lot's history is read back by turning its rows into the
same records again (`lot_events`) and handing them to `filon._events.lot_history`, the function
`Client.history` uses, so that the index and the client tell a lot's story with one builder.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from filon import _events
from filon._events import (
    ZERO_ADDRESS,
    AttestationAnchored,
    AttestationRevoked,
    ChainEvent,
    LotDeclared,
    LotProduced,
    MineCapacityUpdated,
    MineEvent,
    MinePassportUpdated,
    MinePermitUpdated,
    MineRegistered,
    ParticipantRecordPublished,
    ParticipantRegistered,
    ParticipantRemoved,
    PassportVersionRecorded,
    RegisterSnapshotRecorded,
    SerialAssigned,
    TokenTransfer,
)
from filon._types import Form, LotId, MineId, MineStatus
from filon.index._models import (
    MINE_RECORD_COLUMNS,
    AttestationRow,
    Base,
    LotRow,
    MineEventRow,
    ParentRow,
    ParticipantRecordRow,
    ParticipantRow,
    PassportRow,
    RegisterSnapshotRow,
    SerialRow,
    TransferRow,
    column_names,
)

Values = tuple[Any, ...]
"""One row's values, in its table's column order (`_models`)."""

Rows = dict[type[Base], list[Values]]
"""Rows to insert, by table."""


def rows(events: Sequence[ChainEvent]) -> Rows:
    """The rows of a part of a sync step's events (whole blocks), by table, each table's in the order of the
    events.

    A lot's mint, its birth and, for a declaration a plant relayed, its `DeclarationRelayed` share a
    transaction, hence a block: the events of whole blocks alone say who issued each lot they create.
    Events the index keeps no row of (approvals, relays and cancellations of declarations, keys and grants)
    give none.
    """
    declared_by = _events.issuers(events)
    minted = {
        event.lot_id: event.to_address
        for event in _events.of_type(events, TokenTransfer)
        if event.from_address == ZERO_ADDRESS
    }
    found: Rows = defaultdict(list)
    for event in events:
        if isinstance(event, TokenTransfer):
            found[TransferRow].append(
                (
                    event.block_number,
                    event.log_index,
                    event.transaction_hash,
                    event.lot_id,
                    event.from_address,
                    event.to_address,
                )
            )
        elif isinstance(event, LotDeclared):
            # The operator, also when the lot was minted to the plant that relayed its offline declaration.
            _birth(found, event, declared_by[event.lot_id])
        elif isinstance(event, LotProduced):  # issued by the holder whose transformation minted it
            _birth(found, event, minted.get(event.lot_id, ZERO_ADDRESS))
        elif isinstance(event, PassportVersionRecorded):
            found[PassportRow].append(_passport(event, event.version))
        elif isinstance(event, MineEvent):
            found[MineEventRow].append(_mine_row(event))
        elif isinstance(event, ParticipantRegistered):
            found[ParticipantRow].append(_participant(event, int(event.role)))
        elif isinstance(event, ParticipantRemoved):
            found[ParticipantRow].append(_participant(event, None))
        elif isinstance(event, AttestationAnchored | AttestationRevoked):
            found[AttestationRow].append(_attestation(event))
        elif isinstance(event, ParticipantRecordPublished):
            found[ParticipantRecordRow].append(
                (event.block_number, event.log_index, event.account, event.record_hash)
            )
        elif isinstance(event, RegisterSnapshotRecorded):
            found[RegisterSnapshotRow].append(
                (
                    event.block_number,
                    event.log_index,
                    event.transaction_hash,
                    event.snapshot_hash,
                    event.snapshot_date,
                )
            )
        elif isinstance(event, SerialAssigned):
            found[SerialRow].append(
                (
                    event.lot_id,
                    event.block_number,
                    event.log_index,
                    event.transaction_hash,
                    event.refiner,
                    event.serial,
                )
            )
    return found


def _birth(found: Rows, event: LotDeclared | LotProduced, issuer: str) -> None:
    """Adds a lot's row, its parents' rows (for a produced lot) and its passport version 1."""
    parents: tuple[LotId, ...] = ()
    if isinstance(event, LotDeclared):
        form, mine_id, external_ref = Form.ORE, event.mine_id, event.external_ref
    else:
        form, mine_id, external_ref, parents = event.form, None, "", event.parents
    found[LotRow].append(
        (
            event.lot_id,
            event.block_number,
            event.log_index,
            event.transaction_hash,
            int(form),
            event.fine_gold_mg,
            event.gross_mass_mg,
            mine_id,
            issuer,
            external_ref,
        )
    )
    found[ParentRow].extend(
        (event.lot_id, parent, position, event.block_number) for position, parent in enumerate(parents)
    )
    found[PassportRow].append(_passport(event, 1))


def _passport(event: LotDeclared | LotProduced | PassportVersionRecorded, version: int) -> Values:
    return (
        event.lot_id,
        version,
        event.block_number,
        event.log_index,
        event.transaction_hash,
        event.passport_root,
        event.passport_uri,
    )


def _mine_row(event: MineEvent) -> Values:
    """The row of a change to a mine: the columns its event sets, the others null."""
    row: dict[str, Any] = dict.fromkeys(MINE_RECORD_COLUMNS)
    row |= {
        "block_number": event.block_number,
        "log_index": event.log_index,
        "transaction_hash": event.transaction_hash,
        "mine_id": event.mine_id,
    }
    if isinstance(event, MineRegistered):
        row |= {
            "kind": "registered",
            "operator": event.operator,
            "country": event.country,
            "status": int(MineStatus.ACTIVE),
            "permit_expiry": event.permit_expiry,
            "capacity_mg": event.capacity_mg,
            "permit_hash": event.permit_hash,
            "location_hash": event.location_hash,
            "passport_hash": event.passport_hash,
        }
    elif isinstance(event, MinePermitUpdated):
        row |= {"kind": "permit", "permit_hash": event.permit_hash, "permit_expiry": event.permit_expiry}
    elif isinstance(event, MineCapacityUpdated):
        row |= {"kind": "capacity", "capacity_mg": event.capacity_mg}
    elif isinstance(event, MinePassportUpdated):
        row |= {"kind": "passport", "passport_hash": event.passport_hash}
    else:
        row |= {"kind": "status", "status": int(event.status)}
    return tuple(row[name] for name in _MINE_COLUMNS)


_MINE_COLUMNS = column_names(MineEventRow)


def _participant(event: ParticipantRegistered | ParticipantRemoved, role: int | None) -> Values:
    return (event.block_number, event.log_index, event.account, role)


def _attestation(event: AttestationAnchored | AttestationRevoked) -> Values:
    return (
        event.block_number,
        event.log_index,
        event.transaction_hash,
        event.credential_hash,
        event.attester,
        "anchored" if isinstance(event, AttestationAnchored) else "revoked",
        int(event.subject_kind) if isinstance(event, AttestationAnchored) else None,
        event.subject_id if isinstance(event, AttestationAnchored) else None,
    )


def lot_events(
    birth: LotRow,
    passports: Iterable[PassportRow],
    transfers: Iterable[TransferRow],
    parents: Sequence[int],
) -> list[ChainEvent]:
    """A lot's own records, rebuilt from its rows, in no particular order.

    Args:
        birth: The lot's row.
        passports: Its passport versions (version 1 is part of its birth event).
        transfers: Its transfers, the mint and a burn included.
        parents: A produced lot's parents in the order of the transformation's inputs.
    """
    where = (birth.block_number, birth.log_index, birth.transaction_hash)
    events: list[ChainEvent] = []
    for row in passports:
        if row.version == 1:
            born: ChainEvent
            if birth.mine_id is not None:
                born = LotDeclared(
                    *where,
                    lot_id=LotId(birth.id),
                    mine_id=MineId(birth.mine_id),
                    fine_gold_mg=birth.fine_gold_mg,
                    gross_mass_mg=birth.gross_mass_mg,
                    passport_root=row.root,
                    passport_uri=row.uri,
                    external_ref=birth.external_ref,
                )
            else:
                born = LotProduced(
                    *where,
                    lot_id=LotId(birth.id),
                    form=Form(birth.form),
                    fine_gold_mg=birth.fine_gold_mg,
                    gross_mass_mg=birth.gross_mass_mg,
                    parents=tuple(LotId(parent) for parent in parents),
                    passport_root=row.root,
                    passport_uri=row.uri,
                )
            events.append(born)
        else:
            events.append(
                PassportVersionRecorded(
                    row.block_number,
                    row.log_index,
                    row.transaction_hash,
                    lot_id=LotId(row.lot_id),
                    version=row.version,
                    passport_root=row.root,
                    passport_uri=row.uri,
                )
            )
    events.extend(
        TokenTransfer(
            row.block_number,
            row.log_index,
            row.transaction_hash,
            from_address=row.from_address,
            to_address=row.to_address,
            lot_id=LotId(row.lot_id),
        )
        for row in transfers
    )
    return events
