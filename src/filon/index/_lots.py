"""Reads about lots: their records, ancestry, provenance and history, each in a few queries.

Every function takes an open session (the `Index` opens it) and returns the library's own records, exactly
as `Client` rebuilds them from the chain.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, bindparam, func, select, union
from sqlalchemy.orm import Session

from filon import _events
from filon._errors import InvalidInput, UnknownLot
from filon._types import Form, HistoryEvent, Lot, LotId, MineId, Provenance
from filon.index import _mines, _rows
from filon.index._consumed import ConsumedLots
from filon.index._database import IN_CHUNK, rows_in
from filon.index._models import (
    IndexedBlock,
    LotRow,
    ParentRow,
    PassportRow,
    SerialRow,
    SyncState,
    TransferRow,
)

ZERO_ADDRESS = _events.ZERO_ADDRESS


@dataclass(frozen=True)
class Timed:
    """A history entry with the time of its block (Unix seconds)."""

    event: HistoryEvent
    timestamp: int


@dataclass(frozen=True)
class Birth:
    """What a lot's birth says of it, which never changes (a lot page lists its ancestors by it)."""

    id: LotId
    form: Form
    fine_gold_mg: int
    gross_mass_mg: int
    mine_id: MineId | None
    external_ref: str


def checked_id(lot_id: int) -> int:
    """A lot id fit for a query; out of any lot's range is simply unknown.

    Raises:
        InvalidInput: Not a whole number.
        UnknownLot: Out of any lot's range.
    """
    if isinstance(lot_id, bool) or not isinstance(lot_id, int):
        raise InvalidInput(f"A lot id is a whole number, not {lot_id!r}")
    if not 0 <= lot_id < 2**63:
        raise UnknownLot(lot_id=lot_id)
    return lot_id


def lots(session: Session, ids: Collection[int]) -> dict[LotId, Lot]:
    """Lots by id, in four queries per 500 ids; unknown ids are left out."""
    wanted = sorted(set(ids))
    found: dict[LotId, Lot] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        found.update(_read_lots(session, _lot_queries(wanted[start : start + IN_CHUNK]), {}))
    return found


_LotQueries = tuple[
    Select[int, int, int, int, int | None, str, str | None, str | None],  # births, with a bar's serial
    Select[int, int],  # parents
    Select[int, str],  # transfers
    Select[int, int, bytes, str],  # passport versions
]


def _lot_queries(ids: Collection[int] | Select[Any]) -> _LotQueries:
    """The four queries of the lots whose id is in `ids` (a few values, or a query of ids that the database
    runs itself): births, parents, transfers and passport versions, each ordered so that a lot's last row is
    its latest."""
    return (
        # A lot's serial comes with its birth (at most one per lot): no query of its own.
        select(*_BIRTH)
        .outerjoin(SerialRow, SerialRow.lot_id == LotRow.id)
        .where(LotRow.id.in_(ids))
        .order_by(LotRow.id),
        select(ParentRow.child_id, ParentRow.parent_id)
        .where(ParentRow.child_id.in_(ids))
        .order_by(ParentRow.child_id, ParentRow.position),
        select(TransferRow.lot_id, TransferRow.to_address)
        .where(TransferRow.lot_id.in_(ids))
        .order_by(TransferRow.lot_id, TransferRow.block_number, TransferRow.log_index),
        select(PassportRow.lot_id, PassportRow.version, PassportRow.root, PassportRow.uri)
        .where(PassportRow.lot_id.in_(ids))
        .order_by(PassportRow.lot_id, PassportRow.version),
    )


@functools.cache
def _ancestry_queries() -> _LotQueries:
    """The lot queries of a lot and all its ancestors, built once (building them took as long as running
    them), the lot's id bound as `lot_id`."""
    return _lot_queries(_ancestry_ids())


def _read_lots(session: Session, queries: _LotQueries, parameters: dict[str, Any]) -> dict[LotId, Lot]:
    """Runs `queries` on the session's connection: Core rows, not ORM objects (a provenance of 1,000
    ancestors reads thousands of rows)."""
    connection = session.connection()
    births_query, parents_query, transfers_query, passports_query = queries
    parents: dict[int, list[LotId]] = {}
    for child, parent in connection.execute(parents_query, parameters).all():
        parents.setdefault(child, []).append(LotId(parent))
    holders = {lot_id: holder for lot_id, holder in connection.execute(transfers_query, parameters).all()}
    passports = {
        lot_id: (version, root, uri)
        for lot_id, version, root, uri in connection.execute(passports_query, parameters).all()
    }
    found: dict[LotId, Lot] = {}
    for (
        lot_id,
        form,
        fine_gold_mg,
        gross_mass_mg,
        mine_id,
        external_ref,
        serial,
        refiner,
    ) in connection.execute(births_query, parameters).all():
        holder = holders.get(lot_id, ZERO_ADDRESS)
        version, root, uri = passports[lot_id]
        found[LotId(lot_id)] = Lot(
            id=LotId(lot_id),
            holder=None if holder == ZERO_ADDRESS else holder,
            form=_FORMS[form],
            fine_gold_mg=fine_gold_mg,
            gross_mass_mg=gross_mass_mg,
            mine_id=None if mine_id is None else MineId(mine_id),
            parents=tuple(parents.get(lot_id, ())),
            consumed=holder == ZERO_ADDRESS,
            passport_root=root,
            passport_version=version,
            passport_uri=uri,
            external_ref=external_ref,
            serial=serial,
            refiner=refiner,
        )
    return found


_BIRTH = (
    LotRow.id,
    LotRow.form,
    LotRow.fine_gold_mg,
    LotRow.gross_mass_mg,
    LotRow.mine_id,
    LotRow.external_ref,
    SerialRow.serial,
    SerialRow.refiner,
)
_FORMS = {form.value: form for form in Form}


def ancestors(session: Session, lot_id: int) -> list[LotId]:
    """Every lot `lot_id` was made from, down to the ore lots: one recursive SQL query."""
    tree = (
        select(ParentRow.parent_id.label("id"))
        .where(ParentRow.child_id == lot_id)
        .cte("ancestry", recursive=True)
    )
    tree = tree.union(select(ParentRow.parent_id).join(tree, ParentRow.child_id == tree.c.id))
    return sorted(LotId(i) for i in session.scalars(select(tree.c.id)))


def children(session: Session, lot_id: int) -> list[LotId]:
    """The lots produced from `lot_id` (empty while it is live)."""
    return sorted(
        LotId(i) for i in session.scalars(select(ParentRow.child_id).where(ParentRow.parent_id == lot_id))
    )


def provenance(session: Session, lot_id: int, consumed: ConsumedLots | None = None) -> Provenance:
    """The ancestry of a lot down to its mines: one recursive query, then the lots and mines it names.

    With `consumed`, the ancestors it keeps are not read again: the recursive query then gives only the
    ancestors' ids, and the lots it does not keep are read by id (or all at once, by the recursive query,
    when none of them is kept); what was read is kept for the next time.

    Raises:
        UnknownLot: The index has no lot with this id.
    """
    if consumed is None:
        found = _read_lots(session, _ancestry_queries(), {"lot_id": lot_id})
    else:
        found = _ancestry_through(session, lot_id, consumed)
    if LotId(lot_id) not in found:
        raise UnknownLot(lot_id=lot_id)
    mine_ids = sorted({lot.mine_id for lot in found.values() if lot.mine_id is not None})
    mines = _mines.mines(session, mine_ids)
    edges = tuple(sorted((parent, child) for child, lot in found.items() for parent in lot.parents))
    return Provenance(lot_id=LotId(lot_id), lots=dict(sorted(found.items())), edges=edges, mines=mines)


def _ancestry_through(session: Session, lot_id: int, consumed: ConsumedLots) -> dict[LotId, Lot]:
    """A lot and its ancestors, the consumed ones from `consumed` where it has them."""
    connection = session.connection()
    # Read first: lots read after a rewind that comes later are kept under the old generation, then dropped.
    generation = connection.execute(_GENERATION).scalar_one()
    known = consumed.known(generation)
    ids = consumed.ancestry(generation, LotId(lot_id))
    if ids is None:
        ids = tuple(LotId(i) for i in connection.execute(_ancestry_ids(), {"lot_id": lot_id}).scalars())
    found: dict[LotId, Lot] = {}
    missing: list[int] = []
    for ancestor in ids:
        kept = known.get(ancestor)
        if kept is None:
            missing.append(ancestor)
        else:
            found[kept.id] = kept
    if not found:
        read = _read_lots(session, _ancestry_queries(), {"lot_id": lot_id})
    elif missing == [lot_id]:  # the lot itself, live: its ancestors are all consumed
        read = _read_lots(session, _one_lot_queries(), {"lot_id": lot_id})
    else:
        read = lots(session, missing)
    consumed.keep(generation, read.values())
    found.update(read)
    if LotId(lot_id) in found:
        consumed.keep_ancestry(generation, LotId(lot_id), ids)
    return found


_GENERATION = select(SyncState.generation).where(SyncState.id == 1)


@functools.cache
def _one_lot_queries() -> _LotQueries:
    """The lot queries of one lot, its id bound as `lot_id`, built once."""
    return _lot_queries(select(bindparam("lot_id", type_=BigInteger)))


@functools.cache
def _ancestry_ids() -> Select[int]:
    """The ids of a lot (bound as `lot_id`, whether it exists or not) and of all its ancestors."""
    # BigInteger: PostgreSQL types the recursive CTE by its first term, which must match lot_parents' ids.
    tree = select(bindparam("lot_id", type_=BigInteger).label("id")).cte("ancestry", recursive=True)
    tree = tree.union(select(ParentRow.parent_id).join(tree, ParentRow.child_id == tree.c.id))
    return select(tree.c.id)


@dataclass(frozen=True)
class Story:
    """A lot as it stands, everything that happened to it with the time of each entry's block, and the
    lots it was consumed into (empty while it is live)."""

    lot: Lot
    timeline: list[Timed]
    children: list[LotId]


def timeline(session: Session, lot_id: int) -> list[Timed]:
    """A lot's history, as `Client.history` builds it, with the time of each entry's block.

    Raises:
        UnknownLot: The index has no lot with this id.
    """
    return story(session, lot_id).timeline


def story(session: Session, lot_id: int) -> Story:
    """A lot's record, history and children from one read of its rows: its history as `Client.history`
    builds it (by `filon._events.lot_history`, from the records its rows were made of), with the time of
    each entry's block.

    Raises:
        UnknownLot: The index has no lot with this id.
    """
    # The serial (at most one per lot) comes with the birth: no statement of its own.
    found = session.execute(
        select(LotRow, SerialRow)
        .outerjoin(SerialRow, SerialRow.lot_id == LotRow.id)
        .where(LotRow.id == lot_id)
    ).first()
    if found is None:
        raise UnknownLot(lot_id=lot_id)
    birth, serial = found
    transfers = list(session.scalars(select(TransferRow).where(TransferRow.lot_id == lot_id)))
    passports = list(session.scalars(select(PassportRow).where(PassportRow.lot_id == lot_id)))
    parents = list(
        session.scalars(
            select(ParentRow.parent_id).where(ParentRow.child_id == lot_id).order_by(ParentRow.position)
        )
    )
    outputs = [
        LotId(c)
        for c in session.scalars(
            select(ParentRow.child_id).where(ParentRow.parent_id == lot_id).order_by(ParentRow.child_id)
        )
    ]
    # The issuer is stored rather than the `DeclarationRelayed` event it is read from.
    history = _events.lot_history(
        LotId(lot_id),
        _rows.lot_events(birth, passports, transfers, parents),
        outputs,
        issuer=birth.issuer,
    )
    times = block_times(session, {entry.block_number for entry in history})
    holder = max(transfers, key=lambda row: (row.block_number, row.log_index)).to_address
    passport = max(passports, key=lambda row: row.version)
    lot = Lot(
        id=LotId(lot_id),
        holder=None if holder == ZERO_ADDRESS else holder,
        form=Form(birth.form),
        fine_gold_mg=birth.fine_gold_mg,
        gross_mass_mg=birth.gross_mass_mg,
        mine_id=MineId(birth.mine_id) if birth.mine_id is not None else None,
        parents=tuple(LotId(parent) for parent in parents),
        consumed=holder == ZERO_ADDRESS,
        passport_root=passport.root,
        passport_version=passport.version,
        passport_uri=passport.uri,
        external_ref=birth.external_ref,
        serial=serial.serial if serial is not None else None,
        refiner=serial.refiner if serial is not None else None,
    )
    return Story(lot, [Timed(entry, times[entry.block_number]) for entry in history], outputs)


def block_times(session: Session, blocks: Iterable[int]) -> dict[int, int]:
    """The time of indexed blocks, by number."""
    return {
        row.number: row.timestamp
        for row in rows_in(session, select(IndexedBlock.__table__), IndexedBlock.number, sorted(set(blocks)))
    }


def last_activity(session: Session, lot_ids: Collection[int]) -> dict[LotId, int]:
    """The time (Unix seconds) of the latest event of each lot: birth, transfer or passport version."""
    wanted = sorted(set(lot_ids))
    latest: dict[LotId, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        moved = select(TransferRow.lot_id.label("lot"), TransferRow.block_number.label("block")).where(
            TransferRow.lot_id.in_(chunk)
        )
        recorded = select(PassportRow.lot_id, PassportRow.block_number).where(PassportRow.lot_id.in_(chunk))
        both = union(moved, recorded).subquery()
        query = (
            select(both.c.lot, func.max(IndexedBlock.timestamp))
            .join(IndexedBlock, IndexedBlock.number == both.c.block)
            .group_by(both.c.lot)
        )
        for lot_id, timestamp in session.execute(query):
            latest[LotId(lot_id)] = int(timestamp)
    return latest


def by_external_ref(session: Session, external_ref: str, *, limit: int | None = None) -> list[Lot]:
    """The lots declared with this external reference (unique per issuer, so possibly several)."""
    query = select(LotRow.id).where(LotRow.external_ref == external_ref)
    if limit is not None:
        query = query.limit(limit)
    return list(lots(session, list(session.scalars(query))).values())


def by_serial(session: Session, serial: str, *, limit: int | None = None) -> list[Lot]:
    """The lots given this serial number (unique per refiner, so possibly several), by id."""
    query = select(SerialRow.lot_id).where(SerialRow.serial == serial).order_by(SerialRow.lot_id)
    if limit is not None:
        query = query.limit(limit)
    return list(lots(session, list(session.scalars(query))).values())


def held_by(session: Session, address: str) -> list[Lot]:
    """The live lots a (checksummed) address holds now, by id."""
    received = list(session.scalars(select(TransferRow.lot_id).where(TransferRow.to_address == address)))
    return [lot for lot in lots(session, received).values() if lot.holder == address]


def transformation_of(session: Session, lot_id: int) -> tuple[list[Lot], list[Lot]]:
    """The inputs and all the outputs of the transformation that produced `lot_id` (empty for ore)."""
    inputs = list(session.scalars(select(ParentRow.parent_id).where(ParentRow.child_id == lot_id)))
    if not inputs:
        return [], []
    outputs = list(
        session.scalars(select(ParentRow.child_id).where(ParentRow.parent_id.in_(inputs)).distinct())
    )
    found = lots(session, set(inputs) | set(outputs))
    return [found[LotId(i)] for i in sorted(inputs)], [found[LotId(o)] for o in sorted(outputs)]
