"""What a lot's birth settles for good, derived once by the sync: the transformation that made it and its
loss, the extremes of the losses below it, late declarations below it, and the mines of its gold.

A lot's parents, their fine gold, and the declarations and transformations below it never change once it
is minted (a consumed lot can be neither transferred nor transformed again: the contract refuses it). So the
sync derives these facts with the lot's rows, in the same transaction, from the lot's own rows and its
parents' facts: each lot costs a few lookups once, instead of every page walking its provenance edge by
edge. The rows carry the lot's birth block and are deleted by a rewind with the lot (see `_models`).

`facts(session, ids)` reads them; a lot whose facts are not stored (rows written by another program than
the sync) has them computed on the spot by the same function, from its rows and its parents' facts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from filon.index._database import insert_rows, rows_in
from filon.index._models import IndexedBlock, LotFactsRow, LotOriginRow, LotRow, MineEventRow, ParentRow


@dataclass(frozen=True)
class LotFacts:
    """A lot's settled facts (see `LotFactsRow` for each one), and the mines of its gold."""

    lot_id: int
    block_number: int
    produced_by: int | None
    fine_in_mg: int | None
    fine_out_mg: int | None
    loss: float | None
    lowest_loss: float | None
    highest_loss: float | None
    declared_late: bool
    late_below: bool
    origins: frozenset[int]

    @property
    def representative(self) -> int:
        """The lot that stands for its transformation in a walk (itself for an ore lot)."""
        return self.produced_by if self.produced_by is not None else self.lot_id


def loss_of(fine_in_mg: int, fine_out_mg: int) -> float:
    """The share of fine gold a transformation lost (the red flags' figure)."""
    return (fine_in_mg - fine_out_mg) / fine_in_mg if fine_in_mg else 0.0


# What `_compute` reads of each lot (typed loosely: its rows are read by column name).
_BIRTH: Any = select(
    LotRow.id, LotRow.block_number, LotRow.log_index, LotRow.mine_id, LotRow.fine_gold_mg
).order_by(LotRow.block_number, LotRow.log_index)


def derive(session: Session, after_block: int) -> int:
    """Stores the facts of every lot born after `after_block`: the lots of the sync step being stored, whose
    rows are already written in `session`'s transaction.

    Returns:
        How many lots it derived facts for.
    """
    born = session.execute(_BIRTH.where(LotRow.block_number > after_block)).all()
    if not born:
        return 0
    found = _compute(session, born)
    insert_rows(
        session,
        LotFactsRow,
        [
            {
                "lot_id": fact.lot_id,
                "block_number": fact.block_number,
                "produced_by": fact.produced_by,
                "fine_in_mg": fact.fine_in_mg,
                "fine_out_mg": fact.fine_out_mg,
                "loss": fact.loss,
                "lowest_loss": fact.lowest_loss,
                "highest_loss": fact.highest_loss,
                "declared_late": fact.declared_late,
                "late_below": fact.late_below,
            }
            for fact in found.values()
        ],
    )
    origins = [
        {"lot_id": fact.lot_id, "mine_id": mine, "block_number": fact.block_number}
        for fact in found.values()
        for mine in sorted(fact.origins)
    ]
    if origins:
        insert_rows(session, LotOriginRow, origins)
    return len(found)


def facts(session: Session, lot_ids: Collection[int]) -> dict[int, LotFacts]:
    """The facts of lots, by id: stored ones, and computed ones for lots the sync did not store them for.
    Unknown lots are left out."""
    wanted = sorted(set(lot_ids))
    if not wanted:
        return {}
    origins: dict[int, set[int]] = {}
    query = select(LotOriginRow.lot_id, LotOriginRow.mine_id)
    for row in rows_in(session, query, LotOriginRow.lot_id, wanted):
        origins.setdefault(row.lot_id, set()).add(row.mine_id)
    found = {
        row.lot_id: LotFacts(
            lot_id=row.lot_id,
            block_number=row.block_number,
            produced_by=row.produced_by,
            fine_in_mg=row.fine_in_mg,
            fine_out_mg=row.fine_out_mg,
            loss=row.loss,
            lowest_loss=row.lowest_loss,
            highest_loss=row.highest_loss,
            declared_late=bool(row.declared_late),
            late_below=bool(row.late_below),
            origins=frozenset(origins.get(row.lot_id, ())),
        )
        for row in rows_in(session, select(LotFactsRow.__table__), LotFactsRow.lot_id, wanted)
    }
    missing = [lot for lot in wanted if lot not in found]
    if missing:
        born = sorted(
            rows_in(session, _BIRTH, LotRow.id, missing), key=lambda row: (row.block_number, row.log_index)
        )
        found.update(_compute(session, born))
    return found


def _compute(session: Session, born: Sequence[Row[Any]]) -> dict[int, LotFacts]:
    """The facts of lots from their rows, in chain order; their parents' come from `facts` (stored, or
    computed in turn: parents are always older)."""
    ids = [row.id for row in born]
    parents: dict[int, list[Row[Any]]] = {}
    edges = select(ParentRow.child_id, ParentRow.parent_id, ParentRow.position)
    for row in rows_in(session, edges, ParentRow.child_id, ids):
        parents.setdefault(row.child_id, []).append(row)
    inputs = {
        child: tuple(edge.parent_id for edge in sorted(edges, key=lambda e: e.position))
        for child, edges in parents.items()
    }
    here = set(ids)
    found = facts(session, {p for group in inputs.values() for p in group} - here)
    fine = {row.id: row.fine_gold_mg for row in born}
    outside = sorted({p for group in inputs.values() for p in group} - fine.keys())
    query = select(LotRow.id, LotRow.fine_gold_mg)
    fine.update((row.id, row.fine_gold_mg) for row in rows_in(session, query, LotRow.id, outside))
    outputs = _outputs(session, {group[0] for group in inputs.values()})
    late = _declared_late(session, [row for row in born if row.mine_id is not None])
    for row in born:
        group = inputs.get(row.id, ())
        if row.mine_id is not None or not group:
            found[row.id] = LotFacts(
                lot_id=row.id,
                block_number=row.block_number,
                produced_by=None,
                fine_in_mg=None,
                fine_out_mg=None,
                loss=None,
                lowest_loss=None,
                highest_loss=None,
                declared_late=row.id in late,
                late_below=row.id in late,
                origins=frozenset([row.mine_id] if row.mine_id is not None else []),
            )
            continue
        made = outputs[group[0]]
        fine_in = sum(fine[parent] for parent in group)
        fine_out = sum(made.values())
        loss = loss_of(fine_in, fine_out)
        below = [found[parent] for parent in group]
        lows = [loss, *(f.lowest_loss for f in below if f.lowest_loss is not None)]
        highs = [loss, *(f.highest_loss for f in below if f.highest_loss is not None)]
        found[row.id] = LotFacts(
            lot_id=row.id,
            block_number=row.block_number,
            produced_by=min(made),
            fine_in_mg=fine_in,
            fine_out_mg=fine_out,
            loss=loss,
            lowest_loss=min(lows),
            highest_loss=max(highs),
            declared_late=False,
            late_below=any(f.late_below for f in below),
            origins=frozenset().union(*(f.origins for f in below)),
        )
    return {lot: found[lot] for lot in ids}


def _outputs(session: Session, first_inputs: Iterable[int]) -> dict[int, dict[int, int]]:
    """Every output of the transformations that consumed these lots, with its fine gold, by input: the
    children of a transformation's first input are all of its outputs (an input is consumed once)."""
    query = select(ParentRow.parent_id, LotRow.id, LotRow.fine_gold_mg).join(
        LotRow, LotRow.id == ParentRow.child_id
    )
    made: dict[int, dict[int, int]] = {}
    for row in rows_in(session, query, ParentRow.parent_id, sorted(set(first_inputs))):
        made.setdefault(row.parent_id, {})[row.id] = row.fine_gold_mg
    return made


def _declared_late(session: Session, ore: Sequence[Row[Any]]) -> set[int]:
    """The ore lots declared after the permit their mine had at that point of the chain had expired (the
    contract refuses them: an index built from another deployment of the rules could hold some)."""
    if not ore:
        return set()
    query = select(
        MineEventRow.mine_id, MineEventRow.block_number, MineEventRow.log_index, MineEventRow.permit_expiry
    ).where(MineEventRow.permit_expiry.is_not(None))
    permits: dict[int, list[tuple[tuple[int, int], int]]] = {}
    for row in rows_in(session, query, MineEventRow.mine_id, sorted({lot.mine_id for lot in ore})):
        permits.setdefault(row.mine_id, []).append(((row.block_number, row.log_index), row.permit_expiry))
    times = {
        row.number: row.timestamp
        for row in rows_in(
            session,
            select(IndexedBlock.number, IndexedBlock.timestamp),
            IndexedBlock.number,
            sorted({lot.block_number for lot in ore}),
        )
    }
    late = set()
    for lot in ore:
        declared = (lot.block_number, lot.log_index)
        before = [expiry for at, expiry in sorted(permits.get(lot.mine_id, [])) if at < declared]
        when = times.get(lot.block_number)
        if before and when is not None and when > before[-1]:
            late.add(lot.id)
    return late
