"""Reports from the index for the people a plant or a refiner answers to: `bar_report`, a bar's producers.

A refiner's customer asks of a bar: whose gold is in it, how much of it from each, and are those mines in good
standing? `bar_report` answers from the index: the lot's contributions by mine (`Index.contributions`),
each mine's status and permit as the index stands, and each mine's name and government register code from
the one lookup of them (`filon.index._identities`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from filon._types import Lot, LotId, MineId, MineStatus
from filon.index._identities import mine_identities

if TYPE_CHECKING:
    from filon.index._index import Index


@dataclass(frozen=True)
class Producer:
    """One mine whose gold is in a lot, with its standing.

    Attributes:
        mine_id: The mine.
        name: Its name, when the index knows it.
        register_code: Its code in the government's mining register, when the index knows it.
        country: ISO 3166-1 alpha-2 code.
        status: Active, suspended or revoked, as the index stands.
        permit_expired: Whether its permit had expired at the index's time.
        fine_gold_mg: Its milligrams of the lot's fine gold (they sum to the lot's).
        share: Its exact share of the lot's fine gold (the shares sum to 1).
    """

    mine_id: MineId
    name: str | None
    register_code: str | None
    country: str
    status: MineStatus
    permit_expired: bool
    fine_gold_mg: int
    share: Fraction


@dataclass(frozen=True)
class BarReport:
    """A lot's producers (`bar_report`).

    Attributes:
        lot: The lot.
        producers: Its mines, the largest share first.
        as_of: The index's time (Unix seconds): the statuses and permits are as they stood then.
    """

    lot: Lot
    producers: list[Producer]
    as_of: int


def bar_report(index: Index, lot_id: LotId) -> BarReport:
    """The producers of a lot (a bar, or any lot): each mine's share of its fine gold and its standing.

    Raises:
        UnknownLot: The index has no lot with this id.
    """
    lot = index.lot(lot_id)
    parts = index.contributions(lot_id)
    now = index.head_time()
    mines = index.mines_of([part.mine_id for part in parts], now=now)
    known = mine_identities(index, [part.mine_id for part in parts])
    return BarReport(
        lot=lot,
        producers=[
            Producer(
                mine_id=part.mine_id,
                name=known[part.mine_id].name,
                register_code=known[part.mine_id].register_code,
                country=mines[part.mine_id].country,
                status=mines[part.mine_id].status,
                # As the explorer says it: the contract accepts a declaration up to its expiry second.
                permit_expired=now > 0 and mines[part.mine_id].permit_expiry < now,
                fine_gold_mg=part.fine_gold_mg,
                share=part.share,
            )
            for part in parts
        ],
        as_of=now,
    )
