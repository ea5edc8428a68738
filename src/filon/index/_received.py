"""The ore lots a plant received over a span of time (`Index.received`), with their latest passport version
when the plant recorded it: what its intake report (`filon.index._intake`) reads from the index.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from filon._errors import InvalidInput
from filon._passports import PassportVersion
from filon._types import LotId, MineId
from filon.index._models import IndexedBlock, LotRow, ParticipantRow, TransferRow
from filon.index._receipts import recorded_by


@dataclass(frozen=True)
class Received:
    """An ore lot a plant received in a period (`Index.received`).

    Attributes:
        lot_id: The lot.
        mine_id: Its mine.
        fine_gold_mg: Its declared fine gold.
        passport: Its latest passport version, when the plant recorded it while it held the lot (None
            otherwise: a receipt the miner or another holder recorded is not the plant's; see
            `filon.index._receipts.recorded_by`).
    """

    lot_id: LotId
    mine_id: MineId
    fine_gold_mg: int
    passport: PassportVersion | None


def received(session: Session, plant: str, since: int, until: int) -> list[Received]:
    """The ore lots transferred to `plant` in a block of time `since` <= t < `until`, by lot id.

    Raises:
        InvalidInput: `plant` was never an admitted participant.
    """
    if session.scalar(select(ParticipantRow.account).where(ParticipantRow.account == plant).limit(1)) is None:
        raise InvalidInput(f"{plant} was never an admitted participant: the index knows no plant there")
    query = (
        select(LotRow.id, LotRow.mine_id, LotRow.fine_gold_mg)
        .join(TransferRow, TransferRow.lot_id == LotRow.id)
        .join(IndexedBlock, IndexedBlock.number == TransferRow.block_number)
        .where(
            TransferRow.to_address == plant,
            IndexedBlock.timestamp >= since,
            IndexedBlock.timestamp < until,
            LotRow.mine_id.is_not(None),
        )
        .distinct()
        .order_by(LotRow.id)
    )
    lots = session.execute(query).all()
    latest = recorded_by(session, plant, [lot.id for lot in lots])
    return [
        Received(LotId(lot.id), MineId(lot.mine_id), lot.fine_gold_mg, latest.get(lot.id)) for lot in lots
    ]
