"""A plant's intake over a period, one row per supplying mine (`intake_report`): what `filon report intake`
writes for a plant manager or an auditor.

The lots a plant received in a period are the ore lots transferred to it by a transfer whose block time
falls in the period: whole UTC days, both ends included (from 00:00:00 UTC of the first day to 23:59:59 UTC
of the last). A lot transferred to it twice in the period counts once. Fine gold is the lots' declared fine
gold (on chain); dry mass and grade come from each lot's receipt (passport schema 1.1) in its latest
passport version when the plant recorded it while it held the lot (`filon.index._receipts.recorded_by`: a
miner's or another holder's receipt is not the plant's), read from the document store and checked against
the root recorded on chain. A lot without such a version, whose latest passport has no receipt, or whose
package the store does not hold, adds nothing to the dry mass and
the grade, and its mine's row says so with the flag `RECEIPT_MISSING`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from web3 import Web3

from filon._errors import InvalidInput, PassportUnavailable
from filon._passports import PassportVersion, published_package
from filon._types import MineId
from filon.index._identities import mine_identities
from filon.index._received import Received
from filon.index._risk import mine_risk_flags
from filon.passport._schema import Receipt
from filon.passport._store import DocumentStore

if TYPE_CHECKING:
    from filon.index._index import Index

DAY = 86_400

COLUMNS = (
    "mine_id",
    "mine_name",
    "lots",
    "dry_mass_kg",
    "fine_gold_mg",
    "average_grade_g_t",
    "capacity_mg",
    "capacity_used_pct",
    "flags",
)
"""The report's columns, in order (`intake_table`)."""

RECEIPT_MISSING = "RECEIPT_MISSING"
"""The flag of a mine with a lot in the period whose receipt could not be read (no receipt, or no package)."""


@dataclass(frozen=True)
class IntakeRow:
    """What a plant received from one mine in the period.

    Attributes:
        mine_id: The mine.
        mine_name: Its name from its registrar's record, when the index knows it.
        lots: The ore lots received.
        dry_mass_mg: Their dry mass from their receipts (None when none of them has one).
        fine_gold_mg: Their declared fine gold.
        average_grade_g_t: Their grades from their receipts, weighted by dry mass (None when none has one).
        capacity_mg: The mine's yearly capacity, as the index stands.
        capacity_used_pct: `fine_gold_mg` as a percentage of `capacity_mg` (None for a capacity of 0).
        flags: The codes of the mine's red flags as the index stands (`mine_risk_flags`), and
            `RECEIPT_MISSING`.
    """

    mine_id: MineId
    mine_name: str | None
    lots: int
    dry_mass_mg: int | None
    fine_gold_mg: int
    average_grade_g_t: float | None
    capacity_mg: int
    capacity_used_pct: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class IntakeReport:
    """A plant's intake over whole UTC days (`intake_report`).

    Attributes:
        plant: The plant's checksummed address.
        first_day: The period's first day (UTC), included.
        last_day: Its last day (UTC), included.
        rows: One per supplying mine, by mine id.
    """

    plant: str
    first_day: datetime.date
    last_day: datetime.date
    rows: list[IntakeRow]


def settled_grade(receipt: Receipt) -> float:
    """The grade a receipt settles on: the umpire's when there is one (it settled a dispute), else the mean
    of the sample's and the counter-sample's."""
    if receipt.umpire is not None:
        return receipt.umpire.grade_g_t
    return (receipt.sample.grade_g_t + receipt.counter_sample.grade_g_t) / 2


def day_start(day: datetime.date) -> int:
    """00:00:00 UTC of `day`, in Unix seconds."""
    return int(datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC).timestamp())


def _receipt(store: DocumentStore, passport: PassportVersion | None) -> Receipt | None:
    if passport is None:
        return None
    try:
        field = published_package(store, passport, ("receipt",)).fields.get("receipt")
    except PassportUnavailable:
        return None
    if field is None or field.value is None:
        return None
    return Receipt.model_validate(field.value)


def intake_report(
    index: Index, store: DocumentStore, plant: str, first_day: datetime.date, last_day: datetime.date
) -> IntakeReport:
    """What `plant` received from each mine over the UTC days `first_day` to `last_day`, both included.

    Raises:
        InvalidInput: `plant` is not an address, or was never an admitted participant, or the period ends
            before it starts.
        DisclosureMismatch: A passport package in the store fails its checks against its root.
    """
    if not Web3.is_address(plant):
        raise InvalidInput(f"{plant!r} is not an Ethereum address")
    if last_day < first_day:
        raise InvalidInput(f"The period ends ({last_day}) before it starts ({first_day})")
    address = Web3.to_checksum_address(plant)
    lots = index.received(address, day_start(first_day), day_start(last_day) + DAY)
    by_mine: dict[MineId, list[tuple[Received, Receipt | None]]] = {}
    for lot in lots:
        by_mine.setdefault(lot.mine_id, []).append((lot, _receipt(store, lot.passport)))
    mines = index.mines_of(list(by_mine))
    names = mine_identities(index, list(by_mine))
    rows = []
    for mine_id in sorted(by_mine):
        mine = mines[mine_id]
        found = by_mine[mine_id]
        receipts = [receipt for _, receipt in found if receipt is not None]
        dry = sum(receipt.dry_mass_mg for receipt in receipts)
        fine = sum(lot.fine_gold_mg for lot, _ in found)
        flags = [flag.code for flag in mine_risk_flags(index, mine_id)]
        if len(receipts) < len(found):
            flags.append(RECEIPT_MISSING)
        rows.append(
            IntakeRow(
                mine_id=mine_id,
                mine_name=names[mine_id].name,
                lots=len(found),
                dry_mass_mg=dry if receipts else None,
                fine_gold_mg=fine,
                average_grade_g_t=(
                    sum(settled_grade(receipt) * receipt.dry_mass_mg for receipt in receipts) / dry
                    if receipts
                    else None
                ),
                capacity_mg=mine.capacity_mg,
                capacity_used_pct=100 * fine / mine.capacity_mg if mine.capacity_mg else None,
                flags=tuple(flags),
            )
        )
    return IntakeReport(plant=address, first_day=first_day, last_day=last_day, rows=rows)


def intake_table(report: IntakeReport) -> list[dict[str, Any]]:
    """The report's rows as the file's columns: masses in kilograms, the grade to 0.001 g/t, the capacity
    used to 0.01 %, flags joined by `;`, and None for what is unknown (an empty cell)."""
    return [
        {
            "mine_id": row.mine_id,
            "mine_name": row.mine_name,
            "lots": row.lots,
            "dry_mass_kg": None if row.dry_mass_mg is None else row.dry_mass_mg / 1_000_000,
            "fine_gold_mg": row.fine_gold_mg,
            "average_grade_g_t": None if row.average_grade_g_t is None else round(row.average_grade_g_t, 3),
            "capacity_mg": row.capacity_mg,
            "capacity_used_pct": None if row.capacity_used_pct is None else round(row.capacity_used_pct, 2),
            "flags": ";".join(row.flags),
        }
        for row in report.rows
    ]
