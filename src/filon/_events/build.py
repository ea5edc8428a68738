"""Pure functions from records to the library's own records: a lot, its history, holders, issuers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from filon._events.records import (
    ZERO_ADDRESS,
    AccessGranted,
    AccessRevoked,
    ChainEvent,
    DeclarationRelayed,
    LotBirth,
    LotDeclared,
    LotProduced,
    PassportVersionRecorded,
    SerialAssigned,
    TokenTransfer,
)
from filon._types import (
    AccessGrant,
    Consumed,
    Declared,
    Form,
    HistoryEvent,
    Lot,
    LotId,
    PassportRecorded,
    Produced,
    Transferred,
)

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
    """A lot's record from its own events (its birth, passport versions and serial, in chain order) and its
    holder (None once consumed); None when `events` hold no birth of `lot_id`."""
    birth: LotBirth | None = None
    latest: LotBirth | PassportVersionRecorded | None = None
    version = 1
    serial: SerialAssigned | None = None
    for event in events:
        if isinstance(event, LotDeclared | LotProduced) and event.lot_id == lot_id:
            birth = latest = event
        elif isinstance(event, SerialAssigned) and event.lot_id == lot_id:
            serial = event
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
        serial=serial.serial if serial is not None else None,
        refiner=serial.refiner if serial is not None else None,
    )


def lot_history(
    lot_id: LotId,
    events: Iterable[ChainEvent],
    outputs: Sequence[LotId] = (),
    *,
    issuer: str | None = None,
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


def access_grants(events: Iterable[ChainEvent]) -> list[AccessGrant]:
    """The grants standing after `events` (`AccessGranted` and `AccessRevoked`), in the order they were made.

    A grant is keyed by lot, reader and granter: a later grant of the same key replaces it (a new grant file),
    a later revocation by the same granter withdraws it. Other granters' grants are untouched.
    """
    standing: dict[tuple[LotId, str, str], AccessGranted] = {}
    for event in sorted(events, key=lambda event: event.position):
        if isinstance(event, AccessGranted | AccessRevoked):
            key = (event.lot_id, event.reader, event.granter)
            standing.pop(key, None)
            if isinstance(event, AccessGranted):
                standing[key] = event
    return [
        AccessGrant(g.lot_id, g.reader, g.granter, g.grant_digest, g.block_number, g.transaction)
        for g in standing.values()
    ]
