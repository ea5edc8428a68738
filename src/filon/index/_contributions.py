"""A lot's contributions by mine from the index, mixed exactly by `filon._contributions` (the same figures
as `Client.contributions`).

A lot whose stored facts name one mine of origin needs no walk: all its gold is from that mine. Otherwise one
recursive query (`_ancestry.walk`, by transformation) reads each transformation's inputs with just what the
mixing needs (their fine gold, their mine, the transformation that made them), and each transformation is
mixed once, however many of its outputs the ancestry holds.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from filon._contributions import Contribution, mine_shares, split
from filon._errors import UnknownLot
from filon._types import MineId
from filon.index._ancestry import Ancestry, walk
from filon.index._facts import facts
from filon.index._models import LotFactsRow, LotRow, ParentRow

_STORED = aliased(LotFactsRow, name="input_facts")
_WALKED = select(walk(None).c.id).subquery("walked")
# Built once: SQLAlchemy then reuses its compiled form.
_INPUTS: Any = (
    select(
        _WALKED.c.id,
        ParentRow.position,
        ParentRow.parent_id,
        func.coalesce(_STORED.produced_by, ParentRow.parent_id).label("parent_representative"),
        LotRow.fine_gold_mg,
        LotRow.mine_id,
    )
    .select_from(_WALKED)
    .join(ParentRow, ParentRow.child_id == _WALKED.c.id)
    .outerjoin(_STORED, _STORED.lot_id == ParentRow.parent_id)
    .join(LotRow, LotRow.id == ParentRow.parent_id)
)
_BIRTH = select(LotRow.fine_gold_mg).where(LotRow.id == bindparam("lot", type_=BigInteger))


def _one_mine(origins: frozenset[int], fine_gold_mg: int) -> list[Contribution]:
    (mine,) = origins
    return [Contribution(mine_id=MineId(mine), fine_gold_mg=fine_gold_mg, share=Fraction(1))]


def over(
    lot_id: int, fine_gold_mg: int, origins: frozenset[int], walked: Ancestry
) -> list[Contribution] | None:
    """The contributions to a lot over its ancestry already walked (the lot page's), or None when the walk
    stopped at its limit and the lot's gold comes from more than one mine (its mixture is then not known).

    Args:
        lot_id: The lot.
        fine_gold_mg: Its fine gold.
        origins: The mines of its gold (its stored facts).
        walked: Its ancestry (`Index.ancestry`).
    """
    if len(origins) == 1:
        return _one_mine(origins, fine_gold_mg)
    if not walked.complete:
        return None
    fine = {lot_id: fine_gold_mg, **{i: birth.fine_gold_mg for i, birth in walked.births.items()}}
    mines = {i: birth.mine_id for i, birth in walked.births.items()}
    return split(fine_gold_mg, mine_shares(lot_id, walked.parents, fine, mines))


def contributions(session: Session, lot_id: int) -> list[Contribution]:
    """The contributions to a lot: two queries for its birth and facts, and one of its whole ancestry when
    its gold comes from several mines.

    Raises:
        UnknownLot: The index has no lot with this id.
    """
    fine_gold_mg = session.scalar(_BIRTH, {"lot": lot_id})
    found = facts(session, [lot_id]).get(lot_id)
    if fine_gold_mg is None or found is None:
        raise UnknownLot(lot_id=lot_id)
    if len(found.origins) == 1:
        return _one_mine(found.origins, fine_gold_mg)
    edges: dict[int, list[tuple[int, int]]] = {}
    representative = {lot_id: found.representative}
    fine = {lot_id: fine_gold_mg}
    mines: dict[int, MineId | None] = {}
    for row in session.execute(_INPUTS, {"start": found.representative}):
        edges.setdefault(row.id, []).append((row.position, row.parent_id))
        representative[row.parent_id] = row.parent_representative
        fine[row.parent_id] = row.fine_gold_mg
        mines[row.parent_id] = MineId(row.mine_id) if row.mine_id is not None else None
    # One tuple per transformation, shared by all its outputs.
    inputs = {rep: tuple(parent for _, parent in sorted(group)) for rep, group in edges.items()}
    shares = mine_shares(lot_id, lambda lot: inputs.get(representative[lot], ()), fine, mines)
    return split(fine_gold_mg, shares)
