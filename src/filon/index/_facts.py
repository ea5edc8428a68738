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

from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from filon.index._database import insert_rows, insert_tuples, rows_in
from filon.index._models import (
    IndexedBlock,
    LotFactsRow,
    LotOriginRow,
    LotRow,
    MineEventRow,
    ParentRow,
    column_names,
)
from filon.index._rows import Rows


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


class Birth(NamedTuple):
    """What the facts are derived from of each lot: its row's birth and fine gold."""

    id: int
    block_number: int
    log_index: int
    mine_id: int | None
    fine_gold_mg: int


# What `_compute` reads of each lot (the columns of `Birth`, in chain order).
_BIRTH: Any = select(
    LotRow.id, LotRow.block_number, LotRow.log_index, LotRow.mine_id, LotRow.fine_gold_mg
).order_by(LotRow.block_number, LotRow.log_index)
# The same columns of a lot's row as the sync builds it (`_rows`: in the table's order).
_BIRTH_VALUES = itemgetter(*map(column_names(LotRow).index, Birth._fields))


def derive(session: Session, rows: Rows, timestamps: Mapping[int, int]) -> int:
    """Stores the facts of the lots born in a sync step, whose rows (`rows`, already written in `session`'s
    transaction) it reads in memory: only what lies outside the step (older parents, mines' permits) is read
    from the database. `timestamps` holds the step's block times, by number.

    A transformation's outputs are minted in one transaction, so the step holds all of them; so does it
    every row a lot of the step was born with.

    Returns:
        How many lots it derived facts for.
    """
    born = [Birth._make(_BIRTH_VALUES(row)) for row in rows.get(LotRow, ())]
    if not born:
        return 0
    edges = [row[:3] for row in rows.get(ParentRow, ())]  # (child_id, parent_id, position)
    inputs = _inputs(edges)
    fine = {lot.id: lot.fine_gold_mg for lot in born}
    outputs: dict[int, dict[int, int]] = {}
    firsts = {group[0] for group in inputs.values()}
    for child, parent, _ in edges:
        if parent in firsts:
            outputs.setdefault(parent, {})[child] = fine[child]
    _read_fine(session, fine, inputs)
    ore = [lot for lot in born if lot.mine_id is not None]
    found = _settle(
        born, inputs, outputs, fine, _declared_late(session, ore, timestamps), _known(session, inputs, born)
    )
    _store(session, found.values())
    return len(found)


def _store(session: Session, found: Iterable[LotFacts]) -> None:
    produced: list[tuple[Any, ...]] = []
    # A lot no transformation produced has no loss: its row leaves those columns out (NULL) rather than bind
    # six None, each of which sqlite3 looks up in its adapter registry (see `_database._BOUND_AS`).
    declared: list[dict[str, Any]] = []
    origins: list[tuple[int, int, int]] = []
    for fact in found:
        if fact.produced_by is None:
            declared.append(
                {
                    "lot_id": fact.lot_id,
                    "block_number": fact.block_number,
                    "declared_late": fact.declared_late,
                    "late_below": fact.late_below,
                }
            )
        else:
            produced.append(
                (
                    fact.lot_id,
                    fact.block_number,
                    fact.produced_by,
                    fact.fine_in_mg,
                    fact.fine_out_mg,
                    fact.loss,
                    fact.lowest_loss,
                    fact.highest_loss,
                    fact.declared_late,
                    fact.late_below,
                )
            )
        origins.extend((fact.lot_id, mine, fact.block_number) for mine in fact.origins)
    insert_rows(session, LotFactsRow, declared)
    insert_tuples(session, LotFactsRow, produced)
    insert_tuples(session, LotOriginRow, origins)


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
            (Birth._make(row) for row in rows_in(session, _BIRTH, LotRow.id, missing)),
            key=lambda lot: (lot.block_number, lot.log_index),
        )
        found.update(_compute(session, born))
    return found


def _compute(session: Session, born: Sequence[Birth]) -> dict[int, LotFacts]:
    """The facts of lots from their rows in the database, in chain order; their parents' come from `facts`
    (stored, or computed in turn: parents are always older)."""
    ids = [lot.id for lot in born]
    edges = select(ParentRow.child_id, ParentRow.parent_id, ParentRow.position)
    inputs = _inputs(tuple(row) for row in rows_in(session, edges, ParentRow.child_id, ids))
    fine = {lot.id: lot.fine_gold_mg for lot in born}
    _read_fine(session, fine, inputs)
    outputs = _outputs(session, {group[0] for group in inputs.values()})
    ore = [lot for lot in born if lot.mine_id is not None]
    query = select(IndexedBlock.number, IndexedBlock.timestamp)
    blocks = sorted({lot.block_number for lot in ore})
    times = {row.number: row.timestamp for row in rows_in(session, query, IndexedBlock.number, blocks)}
    return _settle(
        born, inputs, outputs, fine, _declared_late(session, ore, times), _known(session, inputs, born)
    )


def _inputs(edges: Iterable[tuple[int, int, int]]) -> dict[int, tuple[int, ...]]:
    """Each produced lot's inputs, in their order, from its (child, parent, position) edges."""
    parents: dict[int, list[tuple[int, int]]] = {}
    for child, parent, position in edges:
        parents.setdefault(child, []).append((position, parent))
    return {child: tuple(parent for _, parent in sorted(group)) for child, group in parents.items()}


def _read_fine(session: Session, fine: dict[int, int], inputs: Mapping[int, tuple[int, ...]]) -> None:
    """Adds to `fine` the fine gold of the inputs it does not hold (lots born before)."""
    outside = sorted({p for group in inputs.values() for p in group} - fine.keys())
    query = select(LotRow.id, LotRow.fine_gold_mg)
    fine.update((row.id, row.fine_gold_mg) for row in rows_in(session, query, LotRow.id, outside))


def _known(
    session: Session, inputs: Mapping[int, tuple[int, ...]], born: Sequence[Birth]
) -> dict[int, LotFacts]:
    """The facts of the inputs born before the lots being derived (`born`)."""
    return facts(session, {p for group in inputs.values() for p in group} - {lot.id for lot in born})


def _settle(
    born: Sequence[Birth],
    inputs: Mapping[int, tuple[int, ...]],
    outputs: Mapping[int, Mapping[int, int]],
    fine: Mapping[int, int],
    late: Collection[int],
    known: Mapping[int, LotFacts],
) -> dict[int, LotFacts]:
    """The facts of lots in chain order, from their inputs, each transformation's outputs (by its first
    input) with their fine gold, the fine gold of every lot involved, the late declarations among them, and
    the facts of the inputs born before them."""
    found = dict(known)
    for lot in born:
        group = inputs.get(lot.id, ())
        if lot.mine_id is not None or not group:
            found[lot.id] = LotFacts(
                lot_id=lot.id,
                block_number=lot.block_number,
                produced_by=None,
                fine_in_mg=None,
                fine_out_mg=None,
                loss=None,
                lowest_loss=None,
                highest_loss=None,
                declared_late=lot.id in late,
                late_below=lot.id in late,
                origins=frozenset([lot.mine_id] if lot.mine_id is not None else []),
            )
            continue
        made = outputs[group[0]]
        fine_in = sum(fine[parent] for parent in group)
        fine_out = sum(made.values())
        loss = loss_of(fine_in, fine_out)
        below = [found[parent] for parent in group]
        lows = [loss, *(f.lowest_loss for f in below if f.lowest_loss is not None)]
        highs = [loss, *(f.highest_loss for f in below if f.highest_loss is not None)]
        found[lot.id] = LotFacts(
            lot_id=lot.id,
            block_number=lot.block_number,
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
    return {lot.id: found[lot.id] for lot in born}


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


def _declared_late(session: Session, ore: Sequence[Birth], times: Mapping[int, int]) -> set[int]:
    """The ore lots declared after the permit their mine had at that point of the chain had expired (the
    contract refuses them: an index built from another deployment of the rules could hold some). `times`
    holds their blocks' timestamps."""
    if not ore:
        return set()
    query = select(
        MineEventRow.mine_id, MineEventRow.block_number, MineEventRow.log_index, MineEventRow.permit_expiry
    ).where(MineEventRow.permit_expiry.is_not(None))
    permits: dict[int | None, list[tuple[tuple[int, int], int]]] = {}
    mines = sorted({lot.mine_id for lot in ore if lot.mine_id is not None})
    for row in rows_in(session, query, MineEventRow.mine_id, mines):
        permits.setdefault(row.mine_id, []).append(((row.block_number, row.log_index), row.permit_expiry))
    # Each mine's permits in chain order: the one a lot was declared under is the last one before it.
    changes = {mine: sorted(found) for mine, found in permits.items()}
    positions = {mine: [at for at, _ in found] for mine, found in changes.items()}
    late = set()
    for lot in ore:
        earlier = bisect_left(positions.get(lot.mine_id, ()), (lot.block_number, lot.log_index))
        when = times.get(lot.block_number)
        if earlier and when is not None and when > changes[lot.mine_id][earlier - 1][1]:
            late.add(lot.id)
    return late
