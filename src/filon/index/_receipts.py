"""Each ore lot's receipt and assays (passport schema 1.1) in the index: what the assay red flags
(`filon.index._assay_flags`) and a plant's dashboard read, without reading packages per page.

Passport versions come from the chain through the sync (`passports`, tagged by block). The receipt of each
ore lot's latest version comes from the document store, read by `resolve` outside the sync's transactions
(a slow or remote store never holds a database transaction open) and checked against the version's root on
chain, like the registrar's records (`filon.index._records`): a package the store does not hold yet gets no
row and is read again at the next `resolve`; one that fails its checks gets an unverified row, and is read
again too (a damaged copy may be repaired).

Who recorded a receipt is checked, for the contract lets any holder record a passport version: a receipt
counts only from a version after the first (the first comes with the declaration) recorded while the lot was
held by someone other than its issuer (the mine's operator): the holder at a version is the receiver of the
lot's last transfer before the version's event. A miner's own receipt, in its declaration or recorded before
it hands the lot over, is never read.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, delete, exists, insert, or_, select
from sqlalchemy.orm import Session, aliased

from filon._errors import PassportUnavailable
from filon._passports import PassportVersion, published_package
from filon._types import LotId, MineId
from filon.index._database import Database, mark_resolved, rows_in
from filon.index._models import LotRow, PassportRow, ReceiptRow, TransferRow
from filon.passport._disclosure import DisclosureMismatch
from filon.passport._schema import Receipt
from filon.passport._store import DocumentStore

_RECEIPT = ("receipt",)
TONNE_MG = 1_000_000_000
"""Milligrams in a (metric) tonne."""


@dataclass(frozen=True)
class IndexedReceipt:
    """An ore lot's receipt from its latest passport version, as the index resolved it.

    Attributes:
        lot_id: The ore lot.
        mine_id: Its mine.
        fine_gold_mg: Its declared fine gold (on chain).
        version: The passport version the receipt is in.
        recorded_by: Who held the lot when that version was recorded (never its issuer).
        received_on: The day the plant weighed it (UTC).
        wet_mass_mg: Its mass as weighed.
        moisture_pct: Its moisture, percent of the wet mass.
        dry_mass_mg: Its dry mass.
        sample: (laboratory, grade g/t) of the plant's sample.
        counter_sample: (laboratory, grade g/t) of the counter-sample.
        umpire: (laboratory, grade g/t) of the umpire assay, if there was one.
    """

    lot_id: LotId
    mine_id: MineId
    fine_gold_mg: int
    version: int
    recorded_by: str
    received_on: datetime.date
    wet_mass_mg: int
    moisture_pct: float
    dry_mass_mg: int
    sample: tuple[str, float]
    counter_sample: tuple[str, float]
    umpire: tuple[str, float] | None

    @property
    def head_grade_g_t(self) -> float:
        """The grade the receipt settles on: the umpire's when there is one (it settled a dispute), else the
        mean of the sample's and the counter-sample's (as `filon.index._intake.settled_grade`)."""
        if self.umpire is not None:
            return self.umpire[1]
        return (self.sample[1] + self.counter_sample[1]) / 2

    @property
    def implied_gold_mg(self) -> float:
        """The fine gold the receipt implies: dry tonnes times the head grade in g/t, in milligrams
        (dry mass mg / 10^9 t x grade g/t x 1,000 mg/g)."""
        return self.dry_mass_mg * self.head_grade_g_t / 1_000_000


def _holder() -> ScalarSelect[str]:
    """Who held the lot when a passport version (`PassportRow`, correlated) was recorded: the receiver of the
    lot's last transfer before the version's event (None before its mint)."""
    before = or_(
        TransferRow.block_number < PassportRow.block_number,
        and_(
            TransferRow.block_number == PassportRow.block_number,
            TransferRow.log_index < PassportRow.log_index,
        ),
    )
    return (
        select(TransferRow.to_address)
        .where(TransferRow.lot_id == PassportRow.lot_id, before)
        .order_by(TransferRow.block_number.desc(), TransferRow.log_index.desc())
        .limit(1)
        .correlate(PassportRow)
        .scalar_subquery()
    )


def _receivable(holder: ScalarSelect[str]) -> ColumnElement[bool]:
    """Whether a passport version (`PassportRow`, of an ore lot joined as `LotRow`) is the lot's latest and
    was recorded by a holder other than its issuer, after the declaration's own version.

    The latest is found by a correlated NOT EXISTS on a later version of the same lot, which the primary key
    answers, rather than a grouped subquery over every passport the database would build for each query.
    """
    later = aliased(PassportRow)
    return and_(
        LotRow.mine_id.is_not(None),
        PassportRow.version > 1,
        ~exists().where(later.lot_id == PassportRow.lot_id, later.version > PassportRow.version),
        holder != LotRow.issuer,  # NULL (no transfer before it) is never true
    )


def _pending(session: Session) -> list[PassportVersion]:
    """The latest passport versions of ore lots, recorded by a holder other than their issuer, with no
    verified receipt row yet."""
    query = (
        select(PassportRow.lot_id, PassportRow.version, PassportRow.root, PassportRow.uri)
        .join(LotRow, LotRow.id == PassportRow.lot_id)
        .outerjoin(
            ReceiptRow,
            and_(
                ReceiptRow.lot_id == PassportRow.lot_id,
                ReceiptRow.version == PassportRow.version,
                ReceiptRow.root == PassportRow.root,
                ReceiptRow.verified,
            ),
        )
        .where(_receivable(_holder()), ReceiptRow.lot_id.is_(None))
        .order_by(PassportRow.lot_id)
    )
    return [
        PassportVersion(LotId(row.lot_id), row.version, bytes(row.root), row.uri)
        for row in session.execute(query)
    ]


def _row(entry: PassportVersion, receipt: Receipt | None, verified: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "lot_id": entry.lot_id,
        "version": entry.version,
        "root": entry.root,
        "verified": verified,
    }
    umpire = receipt.umpire if receipt is not None else None
    return row | {
        "received_on": receipt.received_on if receipt else None,
        "wet_mass_mg": receipt.wet_mass_mg if receipt else None,
        "moisture_pct": receipt.moisture_pct if receipt else None,
        "dry_mass_mg": receipt.dry_mass_mg if receipt else None,
        "sample_lab": receipt.sample.lab if receipt else None,
        "sample_g_t": receipt.sample.grade_g_t if receipt else None,
        "counter_lab": receipt.counter_sample.lab if receipt else None,
        "counter_g_t": receipt.counter_sample.grade_g_t if receipt else None,
        "umpire_lab": umpire.lab if umpire else None,
        "umpire_g_t": umpire.grade_g_t if umpire else None,
    }


def _read(store: DocumentStore, entry: PassportVersion) -> dict[str, Any] | None:
    """The receipt row of a passport version (None: the store does not hold its package yet)."""
    try:
        field = published_package(store, entry, _RECEIPT).fields.get("receipt")
    except PassportUnavailable:
        return None
    except DisclosureMismatch:
        return _row(entry, None, verified=False)
    receipt = None if field is None or field.value is None else Receipt.model_validate(field.value)
    return _row(entry, receipt, verified=True)


def resolve(database: Database, store: DocumentStore) -> int:
    """Reads from `store` the receipts of the ore lots' latest passport versions the index has none of (those
    recorded by a holder other than the lot's issuer: see the module).

    Returns:
        How many verified rows it kept (a version without a receipt counts: it is known to have none).

    Raises:
        StoreUnavailable: A remote store cannot be reached (the next call tries again).
    """
    with database.session() as session:
        pending = _pending(session)
    found = [row for entry in pending if (row := _read(store, entry)) is not None]  # outside a transaction
    if not found:
        return 0
    with database.session() as session, session.begin():
        # Another resolver may have kept some meanwhile: keep only what is still missing.
        still = {(entry.lot_id, entry.version, entry.root) for entry in _pending(session)}
        rows = [row for row in found if (row["lot_id"], row["version"], row["root"]) in still]
        for row in rows:  # a verified row replaces a mismatch read before; a mismatch replaces an older one
            session.execute(
                delete(ReceiptRow).where(
                    ReceiptRow.lot_id == row["lot_id"],
                    ReceiptRow.version == row["version"],
                    ReceiptRow.root == row["root"],
                )
            )
        if rows:
            session.execute(insert(ReceiptRow), rows)
            mark_resolved(session)
    return sum(1 for row in rows if row["verified"])


def recorded_by(session: Session, holder: str, lot_ids: Sequence[int]) -> dict[int, PassportVersion]:
    """The latest passport versions of these ore lots that `holder` recorded while it held the lot (other
    than their issuer), by lot: the versions whose receipts are `holder`'s own."""
    holder_then = _holder()
    query = (
        select(PassportRow.lot_id, PassportRow.version, PassportRow.root, PassportRow.uri)
        .join(LotRow, LotRow.id == PassportRow.lot_id)
        .where(_receivable(holder_then), holder_then == holder)
    )
    return {
        row.lot_id: PassportVersion(LotId(row.lot_id), row.version, bytes(row.root), row.uri)
        for row in rows_in(session, query, PassportRow.lot_id, lot_ids)
    }


def _query() -> Select[ReceiptRow, int | None, int, str]:
    holder = _holder()
    return (
        select(ReceiptRow, LotRow.mine_id, LotRow.fine_gold_mg, holder.label("recorded_by"))
        .join(
            PassportRow,
            and_(
                PassportRow.lot_id == ReceiptRow.lot_id,
                PassportRow.version == ReceiptRow.version,
                PassportRow.root == ReceiptRow.root,
            ),
        )
        .join(LotRow, LotRow.id == ReceiptRow.lot_id)
        .where(ReceiptRow.verified, ReceiptRow.received_on.is_not(None), _receivable(holder))
    )


def _receipt(row: Any) -> IndexedReceipt:
    receipt: ReceiptRow = row[0]
    umpire = None
    if receipt.umpire_lab is not None and receipt.umpire_g_t is not None:
        umpire = (receipt.umpire_lab, receipt.umpire_g_t)
    assert receipt.received_on is not None and receipt.wet_mass_mg is not None  # verified with a receipt
    assert receipt.moisture_pct is not None and receipt.dry_mass_mg is not None
    assert receipt.sample_lab is not None and receipt.sample_g_t is not None
    assert receipt.counter_lab is not None and receipt.counter_g_t is not None
    return IndexedReceipt(
        lot_id=LotId(receipt.lot_id),
        mine_id=MineId(row.mine_id),
        fine_gold_mg=row.fine_gold_mg,
        version=receipt.version,
        recorded_by=row.recorded_by,
        received_on=receipt.received_on,
        wet_mass_mg=receipt.wet_mass_mg,
        moisture_pct=receipt.moisture_pct,
        dry_mass_mg=receipt.dry_mass_mg,
        sample=(receipt.sample_lab, receipt.sample_g_t),
        counter_sample=(receipt.counter_lab, receipt.counter_g_t),
        umpire=umpire,
    )


def receipts_of(session: Session, lot_ids: Collection[int]) -> dict[LotId, IndexedReceipt]:
    """The receipts of these lots' latest passport versions, by lot (lots without one, or whose latest
    version their issuer recorded, left out)."""
    found = rows_in(session, _query(), ReceiptRow.lot_id, sorted(set(lot_ids)))
    return {receipt.lot_id: receipt for receipt in map(_receipt, found)}


def mine_receipts(session: Session, mine_ids: Collection[int]) -> dict[MineId, list[IndexedReceipt]]:
    """The receipts of these mines' ore lots, by mine, each mine's in the order the lots were declared
    (their block and log index on chain: lot ids are handed out per account, not in time)."""
    query = _query().order_by(LotRow.block_number, LotRow.log_index)
    found: dict[MineId, list[IndexedReceipt]] = {MineId(mine): [] for mine in sorted(set(mine_ids))}
    for row in rows_in(session, query, LotRow.mine_id, sorted(set(mine_ids))):
        receipt = _receipt(row)
        found[receipt.mine_id].append(receipt)
    return found


def _before(key: tuple[int, int], *, inclusive: bool = False) -> ColumnElement[bool]:
    """Whether a lot (`LotRow`) was declared before the lot at `key` (block, log index), or is it."""
    block, log = key
    last = LotRow.log_index <= log if inclusive else LotRow.log_index < log
    return or_(LotRow.block_number < block, and_(LotRow.block_number == block, last))


def mine_receipts_around(
    session: Session, lot_ids: Collection[int], window: int
) -> dict[MineId, list[IndexedReceipt]]:
    """For the mines of these ore lots: each mine's receipts from the `window` declared before the earliest
    of the lots through the latest of them, in the order of declaration (as `mine_receipts`).

    What judging these lots' receipts by at most `window` earlier receipts of their mines needs, in one
    statement plus two per mine, and rows that grow with the span of the lots, not with the mines' histories.
    """
    spans: dict[int, tuple[tuple[int, int], tuple[int, int]]] = {}
    query = select(LotRow.mine_id, LotRow.block_number, LotRow.log_index).where(LotRow.mine_id.is_not(None))
    for row in rows_in(session, query, LotRow.id, sorted(set(lot_ids))):
        key = (row.block_number, row.log_index)
        first, last = spans.get(row.mine_id, (key, key))
        spans[row.mine_id] = (min(first, key), max(last, key))
    found: dict[MineId, list[IndexedReceipt]] = {}
    for mine_id, (first, last) in sorted(spans.items()):
        mine = _query().where(LotRow.mine_id == mine_id)
        earlier = session.execute(
            mine.where(_before(first))
            .order_by(LotRow.block_number.desc(), LotRow.log_index.desc())
            .limit(window)
        ).all()
        span = session.execute(
            mine.where(~_before(first), _before(last, inclusive=True)).order_by(
                LotRow.block_number, LotRow.log_index
            )
        ).all()
        found[MineId(mine_id)] = [_receipt(row) for row in [*reversed(earlier), *span]]
    return found
