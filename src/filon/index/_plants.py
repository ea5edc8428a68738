"""A plant's dashboard (`plant_dashboard`): what it received from each mine month by month, how much of each
supplying mine's capacity is used, the recovery of each of its campaigns, and the open red flags of its
supply.

A plant is a participant that received ore lots (a transfer of an ore lot to it). A lot counts in the UTC
month of its first transfer to the plant, by block time (the intake report counts a lot in a period when any
transfer of it to the plant falls in the period). A supplying mine's capacity used is what it declared this
UTC year over its capacity (the report's is what the plant received in the period over the capacity).

Fine gold is the lots' declared fine gold (on chain); dry mass and grade come from their
receipts as the index resolved them (`filon.index._receipts`), counting only a receipt the plant recorded
itself (a version recorded while it held the lot): a month's dry mass and average grade count only its lots
with such a receipt, the grade weighted by dry mass, and the receipt flags are those of such receipts.
Its campaigns are the transformations it made whose inputs are all ore lots and whose outputs are not ore
(`filon.index._assay_flags.Campaign`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import func, select
from web3 import Web3

from filon._errors import InvalidInput
from filon._types import LotId, MineId
from filon.index._assay_flags import Campaign, campaign_flags, campaigns, received_flags
from filon.index._database import Database
from filon.index._flags import FlagRules, RedFlag
from filon.index._identities import mine_identities
from filon.index._index import Index
from filon.index._models import IndexedBlock, LotFactsRow, LotRow, ParticipantRow, TransferRow
from filon.index._receipts import IndexedReceipt, mine_receipts
from filon.index._risk import mine_risk_flags

DEFAULT_RULES = FlagRules()


class NotAPlant(InvalidInput):
    """The address was never an admitted participant, or received no ore lot."""


@dataclass(frozen=True)
class MonthIntake:
    """What a plant received from one mine in one UTC month.

    Attributes:
        month: The month, "YYYY-MM".
        mine_id: The mine.
        lots: The ore lots received.
        fine_gold_mg: Their declared fine gold.
        dry_mass_mg: The dry mass of those with a receipt (0 when none has one).
        average_grade_g_t: Their head grades weighted by dry mass (None when none has a receipt).
    """

    month: str
    mine_id: MineId
    lots: int
    fine_gold_mg: int
    dry_mass_mg: int
    average_grade_g_t: float | None


@dataclass(frozen=True)
class SupplyingMine:
    """A mine a plant received ore from, and its capacity used this year.

    Attributes:
        mine_id: The mine.
        name: Its name from its registrar's record, when the index knows it.
        lots: The ore lots the plant received from it (ever).
        received_mg: Their declared fine gold.
        capacity_mg: The mine's yearly capacity.
        declared_this_year_mg: What it declared this UTC year (to every buyer).
        capacity_used_pct: `declared_this_year_mg` as a percentage of `capacity_mg` (None for 0).
    """

    mine_id: MineId
    name: str | None
    lots: int
    received_mg: int
    capacity_mg: int
    declared_this_year_mg: int
    capacity_used_pct: float | None


@dataclass(frozen=True)
class PlantDashboard:
    """A plant's dashboard (`plant_dashboard`).

    Attributes:
        plant: Its checksummed address.
        intake: One row per month and mine, by month then mine.
        mines: Its supplying mines, by id.
        campaigns: Its campaigns, by first output.
        flags: The open red flags of its supplying mines (`mine_risk_flags`), of the receipts of their ore
            lots (`filon.index._assay_flags`) and of its campaigns, in that order.
    """

    plant: str
    intake: list[MonthIntake]
    mines: list[SupplyingMine]
    campaigns: list[Campaign]
    flags: list[RedFlag]


def _month(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).strftime("%Y-%m")


def _intake(
    received: list[tuple[int, int, int, int]], receipts: dict[LotId, IndexedReceipt]
) -> list[MonthIntake]:
    groups: dict[tuple[str, int], list[tuple[int, IndexedReceipt | None]]] = {}
    for lot_id, mine_id, fine, when in received:
        groups.setdefault((_month(when), mine_id), []).append((fine, receipts.get(LotId(lot_id))))
    rows = []
    for (month, mine_id), lots in sorted(groups.items()):
        assayed = [receipt for _, receipt in lots if receipt is not None]
        dry = sum(receipt.dry_mass_mg for receipt in assayed)
        grade = sum(r.head_grade_g_t * r.dry_mass_mg for r in assayed) / dry if dry else None
        rows.append(MonthIntake(month, MineId(mine_id), len(lots), sum(f for f, _ in lots), dry, grade))
    return rows


def received_ore(index: Index, address: str) -> bool:
    """Whether `address` (checksummed) received an ore lot: whether it is a plant with a dashboard."""
    query = (
        select(TransferRow.lot_id)
        .join(LotRow, LotRow.id == TransferRow.lot_id)
        .where(TransferRow.to_address == address, LotRow.mine_id.is_not(None))
        .limit(1)
    )
    with Database(index.engine).session() as session:
        return session.scalar(query) is not None


def plant_dashboard(index: Index, plant: str, rules: FlagRules = DEFAULT_RULES) -> PlantDashboard:
    """The dashboard of the plant at `plant`, as the index stands.

    Raises:
        InvalidInput: `plant` is not an address.
        NotAPlant: It was never an admitted participant, or received no ore lot.
    """
    if not Web3.is_address(plant):
        raise InvalidInput(f"{plant!r} is not an Ethereum address")
    address = Web3.to_checksum_address(plant)
    admitted = select(ParticipantRow.account).where(ParticipantRow.account == address).limit(1)
    with Database(index.engine).session() as session:
        if session.scalar(admitted) is None:
            raise NotAPlant(f"{address} was never an admitted participant")
        received = [
            (row.id, row.mine_id, row.fine_gold_mg, row.received)
            for row in session.execute(
                select(
                    LotRow.id,
                    LotRow.mine_id,
                    LotRow.fine_gold_mg,
                    func.min(IndexedBlock.timestamp).label("received"),
                )
                .join(TransferRow, TransferRow.lot_id == LotRow.id)
                .join(IndexedBlock, IndexedBlock.number == TransferRow.block_number)
                .where(TransferRow.to_address == address, LotRow.mine_id.is_not(None))
                .group_by(LotRow.id, LotRow.mine_id, LotRow.fine_gold_mg)
                .order_by(LotRow.id)
            )
        ]
        if not received:
            raise NotAPlant(f"{address} received no ore lot: it is not a plant")
        mine_ids = sorted({mine for _, mine, _, _ in received})
        histories = mine_receipts(session, mine_ids)
        firsts = session.scalars(
            select(LotFactsRow.lot_id)
            .join(LotRow, LotRow.id == LotFactsRow.lot_id)
            .where(LotFactsRow.produced_by == LotFactsRow.lot_id, LotRow.issuer == address)
        ).all()
        made = campaigns(session, firsts)
    ours = {lot for lot, _, _, _ in received}
    receipts = {
        r.lot_id: r
        for history in histories.values()
        for r in history
        if r.lot_id in ours and r.recorded_by == address  # another holder's receipt is not the plant's
    }
    now = index.head_time()
    mines = index.mines_of(mine_ids, now=now)
    names = mine_identities(index, mine_ids)
    supplying = []
    for mine_id in mine_ids:
        mine = mines[MineId(mine_id)]
        lots = [fine for _, m, fine, _ in received if m == mine_id]
        used = 100 * mine.declared_this_year_mg / mine.capacity_mg if mine.capacity_mg else None
        supplying.append(
            SupplyingMine(
                MineId(mine_id),
                names[MineId(mine_id)].name,
                len(lots),
                sum(lots),
                mine.capacity_mg,
                mine.declared_this_year_mg,
                used,
            )
        )
    flags = [flag for mine_id in mine_ids for flag in mine_risk_flags(index, MineId(mine_id), rules)]
    flags += received_flags(histories, set(receipts), rules) + [
        flag for campaign in made for flag in campaign_flags(campaign, rules)
    ]
    return PlantDashboard(address, _intake(received, receipts), supplying, made, flags)
