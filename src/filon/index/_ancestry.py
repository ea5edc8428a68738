"""Walks down a lot's provenance one transformation at a time, never one parent edge at a time.

A transformation of 64 lots into 64 has 4,096 parent edges but one set of inputs: every output is made from
all of them. A walk therefore goes from a transformation (named by its first output, `LotFacts.produced_by`)
to its inputs, and from each input to the transformation that made it: one recursive SQL query whose work
grows with the lots of the ancestry, not with its edges. The red flags walk only where a lot's stored facts
say a flag lies below (`_facts`), and the lot page walks at most a given number of transformations.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, aliased

from filon._types import Form, LotId, MineId
from filon.index._facts import LotFacts, facts
from filon.index._lots import Birth
from filon.index._models import LotFactsRow, LotRow, ParentRow


@dataclass(frozen=True)
class Ancestry:
    """A lot's provenance as transformations: what each was made from.

    Attributes:
        lot_id: The lot.
        inputs: By representative (a transformation's first output, or an ore lot itself): the inputs of its
            transformation, in the order of the transformation's inputs (empty for an ore lot).
        representative: Every lot of the ancestry, the lot included, with its representative.
        births: What the birth of every lot of the ancestry but the lot itself says (form, amounts, mine).
        fine_out_mg: By representative of a transformation: the fine gold of all its outputs, where the
            stored facts give it.
        complete: Whether the walk reached every transformation (False when it stopped at its limit: then
            some lots' inputs are not known).
    """

    lot_id: int
    inputs: dict[int, tuple[int, ...]]
    representative: dict[int, int]
    births: dict[int, Birth]
    fine_out_mg: dict[int, int]
    complete: bool

    def parents(self, lot_id: int) -> tuple[int, ...]:
        """A lot's parents, in the order of its transformation's inputs (empty for an ore lot, or beyond
        where an incomplete walk stopped)."""
        return self.inputs.get(self.representative[lot_id], ())

    def nearest(self, limit: int) -> list[int]:
        """At most `limit` lots of the ancestry, the lot first, then its parents, theirs, and so on, each
        generation by id."""
        order = [self.lot_id]
        seen = {self.lot_id}
        queue = deque([self.representative[self.lot_id]])
        walked = set(queue)
        while queue and len(order) < limit:
            for parent in sorted(self.inputs.get(queue.popleft(), ())):
                if parent not in seen:
                    seen.add(parent)
                    order.append(parent)
                    if self.representative[parent] not in walked:
                        walked.add(self.representative[parent])
                        queue.append(self.representative[parent])
        return order[:limit]


# The stored facts of the parent a walk steps to: what a pruned walk's condition reads.
PARENT = aliased(LotFactsRow, name="parent_facts")


def walk(keep: ColumnElement[bool] | None) -> Any:
    """The recursive query of the representatives below the parameter `start`; `keep` (on `PARENT`) says
    where to go down (lots without stored facts are walked through, as their own representatives)."""
    stored = PARENT
    # BigInteger: PostgreSQL types the recursive CTE by its first term, which must match lot_parents' ids.
    walk = select(bindparam("start", type_=BigInteger).label("id")).cte("walk", recursive=True)
    step = (
        select(func.coalesce(stored.produced_by, ParentRow.parent_id))
        .select_from(walk)
        .join(ParentRow, ParentRow.child_id == walk.c.id)
        .outerjoin(stored, stored.lot_id == ParentRow.parent_id)
    )
    if keep is not None:
        step = step.where(or_(stored.lot_id.is_(None), keep))
    return walk.union(step)


def _inputs(walked: Any) -> Select[Any]:
    """Each walked representative with its own stored facts, and its inputs (none for an ore lot) with
    their births and their stored facts."""
    own = aliased(LotFactsRow, name="own_facts")
    stored = aliased(LotFactsRow, name="input_facts")
    return (
        select(
            walked.c.id,
            own.produced_by.label("own_produced_by"),
            own.loss.label("own_loss"),
            own.fine_in_mg.label("own_fine_in_mg"),
            own.fine_out_mg.label("own_fine_out_mg"),
            ParentRow.parent_id,
            ParentRow.position,
            func.coalesce(stored.produced_by, ParentRow.parent_id).label("parent_representative"),
            stored.fine_out_mg.label("parent_fine_out_mg"),
            LotRow.form,
            LotRow.fine_gold_mg,
            LotRow.gross_mass_mg,
            LotRow.mine_id,
            LotRow.external_ref,
        )
        .select_from(walked)
        .outerjoin(own, own.lot_id == walked.c.id)
        .outerjoin(ParentRow, ParentRow.child_id == walked.c.id)
        .outerjoin(stored, stored.lot_id == ParentRow.parent_id)
        .outerjoin(LotRow, LotRow.id == ParentRow.parent_id)
    )


# Built once: SQLAlchemy then reuses their compiled form, and a page pays only for running them.
_EVERY = walk(None)
_ANCESTRY = _inputs(select(_EVERY.c.id).subquery("walked"))
_NEAREST = _inputs(select(_EVERY.c.id).limit(bindparam("limit")).subquery("walked"))
_LOSSES = walk(or_(PARENT.lowest_loss < bindparam("low"), PARENT.highest_loss > bindparam("high")))
_LOSS_INPUTS = _inputs(select(_LOSSES.c.id).subquery("walked"))
_LATE = select(walk(PARENT.late_below.is_(True)).c.id)


def ancestry(session: Session, lot: LotFacts, limit: int | None) -> Ancestry:
    """The provenance of a lot, walking at most `limit` representatives (nearest first; None: all)."""
    if limit is None:
        rows = session.execute(_ANCESTRY, {"start": lot.representative})
    else:
        rows = session.execute(_NEAREST, {"start": lot.representative, "limit": limit + 1})
    inputs: dict[int, list[tuple[int, int]]] = {}
    representative = {lot.lot_id: lot.representative}
    births: dict[int, Birth] = {}
    fine_out: dict[int, int] = {}
    if lot.produced_by is not None and lot.fine_out_mg is not None:
        fine_out[lot.produced_by] = lot.fine_out_mg
    for row in rows:
        edges = inputs.setdefault(row.id, [])
        if row.parent_id is None:
            continue
        edges.append((row.position, row.parent_id))
        representative[row.parent_id] = row.parent_representative
        births[row.parent_id] = Birth(
            id=LotId(row.parent_id),
            form=Form(row.form),
            fine_gold_mg=row.fine_gold_mg,
            gross_mass_mg=row.gross_mass_mg,
            mine_id=MineId(row.mine_id) if row.mine_id is not None else None,
            external_ref=row.external_ref,
        )
        if row.parent_fine_out_mg is not None:
            fine_out[row.parent_representative] = row.parent_fine_out_mg
    return Ancestry(
        lot_id=lot.lot_id,
        inputs={rep: tuple(parent for _, parent in sorted(edges)) for rep, edges in inputs.items()},
        representative=representative,
        births=births,
        fine_out_mg=fine_out,
        complete=limit is None or len(inputs) <= limit,
    )


@dataclass(frozen=True)
class Transformation:
    """A transformation of a lot's provenance: its inputs and outputs (each by id) and fine gold."""

    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    fine_in_mg: int
    fine_out_mg: int
    loss: float


def out_of_band(session: Session, lot: LotFacts, low: float, high: float) -> list[Transformation]:
    """The transformations of a lot's provenance (its own included) whose loss is below `low` or above
    `high`, in the order of their first outputs; the walk goes down only where a lot's stored extremes say
    such a transformation lies below it."""
    if lot.lowest_loss is None or lot.highest_loss is None:
        return []
    if low <= lot.lowest_loss and lot.highest_loss <= high:
        return []
    inputs: dict[int, list[tuple[int, int]]] = {}
    made: dict[int, LotFacts | Row[Any]] = {}
    for row in session.execute(_LOSS_INPUTS, {"start": lot.representative, "low": low, "high": high}):
        if row.parent_id is None:
            continue
        inputs.setdefault(row.id, []).append((row.position, row.parent_id))
        if row.own_produced_by is not None:
            made[row.id] = row
    # A representative without stored facts (rows written outside a sync): computed as the sync would.
    made.update(facts(session, [rep for rep in inputs if rep not in made]))
    flagged: dict[int, tuple[int, tuple[int, ...]]] = {}
    for rep, edges in inputs.items():
        first, loss = _own(made[rep])
        if first is not None and loss is not None and not low <= loss <= high:
            flagged[first] = (rep, tuple(parent for _, parent in sorted(edges)))
    outputs = _outputs(session, [group[0] for _, group in flagged.values()])
    found = []
    for first in sorted(flagged):
        rep, group = flagged[first]
        fine_in, fine_out, loss = _figures(made[rep])
        found.append(
            Transformation(
                inputs=tuple(sorted(group)),
                outputs=tuple(sorted(outputs[group[0]])),
                fine_in_mg=fine_in,
                fine_out_mg=fine_out,
                loss=loss,
            )
        )
    return found


def _own(made: LotFacts | Row[Any]) -> tuple[int | None, float | None]:
    """(first output, loss) of the transformation a representative stands for."""
    if isinstance(made, LotFacts):
        return made.produced_by, made.loss
    return made.own_produced_by, made.own_loss


def _figures(made: LotFacts | Row[Any]) -> tuple[int, int, float]:
    """(fine gold in, out, loss) of the transformation a representative stands for."""
    if isinstance(made, LotFacts):
        assert made.fine_in_mg is not None and made.fine_out_mg is not None and made.loss is not None
        return made.fine_in_mg, made.fine_out_mg, made.loss
    return made.own_fine_in_mg, made.own_fine_out_mg, made.own_loss


def _outputs(session: Session, first_inputs: list[int]) -> dict[int, list[int]]:
    made: dict[int, list[int]] = {}
    query = select(ParentRow.parent_id, ParentRow.child_id).where(ParentRow.parent_id.in_(first_inputs))
    for row in session.execute(query):
        made.setdefault(row.parent_id, []).append(row.child_id)
    return made


def declared_late(session: Session, lot: LotFacts) -> list[int]:
    """The ore lots of a lot's provenance (itself included) declared after their mine's permit had expired,
    by id; the walk goes down only where a lot's stored facts say one lies below it."""
    if not lot.late_below:
        return []
    walked = [int(i) for i in session.scalars(_LATE, {"start": lot.representative})]
    return sorted(lot_id for lot_id, found in facts(session, walked).items() if found.declared_late)
