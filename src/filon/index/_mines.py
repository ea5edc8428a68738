"""Reads about mines and participants: a mine's record is the latest value of each column of its events
(and the contents of its published `MineRecord`, as `_records` resolved them).

Every function takes an open session (the `Index` opens it) and returns the library's own records, exactly
as `Client` reads them from the chain.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from filon._types import Mine, MineId, MineStatus, Role
from filon.index._database import IN_CHUNK
from filon.index._models import MINE_RECORD_COLUMNS, IndexedBlock, LotRow, MineEventRow, ParticipantRow
from filon.index._records import mine_records

_ZERO_HASH = bytes(32)


def _year(timestamp: int) -> int:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).year


def _year_start(year: int) -> int:
    return int(datetime.datetime(year, 1, 1, tzinfo=datetime.UTC).timestamp())


# Built once: building a statement costs about as much as SQLite running these (a provenance reads its mines).
_HEAD_TIME = select(IndexedBlock.timestamp).order_by(IndexedBlock.number.desc()).limit(1)
_EVENTS = select(MineEventRow.__table__).where(MineEventRow.mine_id.in_(bindparam("ids", expanding=True)))
_DECLARED = (
    select(LotRow.mine_id, func.sum(LotRow.fine_gold_mg))
    .join(IndexedBlock, IndexedBlock.number == LotRow.block_number)
    .where(LotRow.mine_id.in_(bindparam("ids", expanding=True)), IndexedBlock.timestamp >= bindparam("since"))
    .group_by(LotRow.mine_id)
)


def head_time(session: Session) -> int:
    """The time of the last block indexed (Unix seconds): the index's "now"; 0 before the first sync."""
    return int(session.connection().execute(_HEAD_TIME).scalar() or 0)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + IN_CHUNK] for start in range(0, len(ids), IN_CHUNK)]


def mines(session: Session, mine_ids: Collection[int], *, now: int | None = None) -> dict[MineId, Mine]:
    """Mines by id, as of the last indexed block (`declared_this_year_mg` counts its UTC year, `now` when the
    caller has read it); unknown ids are left out."""
    wanted = sorted(set(mine_ids))
    if not wanted:
        return {}
    connection = session.connection()
    events = sorted(
        (row for ids in _chunks(wanted) for row in connection.execute(_EVENTS, {"ids": ids})),
        key=lambda row: (row.block_number, row.log_index),
    )
    state: dict[int, dict[str, Any]] = {}
    for row in events:
        record = state.setdefault(row.mine_id, {})
        for column in MINE_RECORD_COLUMNS:
            value = getattr(row, column)
            if value is not None:
                record[column] = value
    year = _year(head_time(session) if now is None else now)
    since = _year_start(year)
    declared: dict[int, int] = {}
    for ids in _chunks(wanted):
        for mine_id, total in connection.execute(_DECLARED, {"ids": ids, "since": since}):
            declared[int(cast(int, mine_id))] = int(total)
    records = mine_records(session, {record.get("passport_hash", _ZERO_HASH) for record in state.values()})
    return {
        MineId(mine_id): Mine(
            id=MineId(mine_id),
            operator=record["operator"],
            status=MineStatus(record["status"]),
            country=record["country"],
            permit_expiry=record["permit_expiry"],
            capacity_mg=record["capacity_mg"],
            declared_this_year_mg=declared.get(mine_id, 0),
            year=year,
            permit_hash=record["permit_hash"],
            location_hash=record["location_hash"],
            passport_hash=record.get("passport_hash", _ZERO_HASH),
            record=records[record.get("passport_hash", _ZERO_HASH)][0],
            record_state=records[record.get("passport_hash", _ZERO_HASH)][1],
        )
        for mine_id, record in state.items()
        if "operator" in record
    }


def all_mines(session: Session) -> list[Mine]:
    """Every registered mine, by id."""
    ids = list(session.scalars(select(MineEventRow.mine_id).distinct()))
    return [mine for _, mine in sorted(mines(session, ids).items())]


def operated_by(session: Session, operator: str) -> Mine | None:
    """The mine a (checksummed) address operates, if any."""
    mine_id = session.scalar(select(MineEventRow.mine_id).where(MineEventRow.operator == operator))
    if mine_id is None:
        return None
    return mines(session, [mine_id])[MineId(mine_id)]


def ore_lot_ids(session: Session, mine_id: int, limit: int) -> list[int]:
    """The ids of the ore lots declared from a mine, newest first (at most `limit`)."""
    return list(
        session.scalars(
            select(LotRow.id)
            .where(LotRow.mine_id == mine_id)
            .order_by(LotRow.block_number.desc(), LotRow.log_index.desc())
            .limit(limit)
        )
    )


def declared_in_year(session: Session, mine_id: int, year: int) -> int:
    """Fine gold (mg) the mine declared in a UTC calendar year."""
    total = session.scalar(
        select(func.sum(LotRow.fine_gold_mg))
        .join(IndexedBlock, IndexedBlock.number == LotRow.block_number)
        .where(
            LotRow.mine_id == mine_id,
            IndexedBlock.timestamp >= _year_start(year),
            IndexedBlock.timestamp < _year_start(year + 1),
        )
    )
    return int(total or 0)


def declarations_between(session: Session, mine_id: int, since: int, until: int) -> int:
    """How many ore lots the mine declared in blocks of time `since` < t <= `until`."""
    count = session.scalar(
        select(func.count(LotRow.id))
        .join(IndexedBlock, IndexedBlock.number == LotRow.block_number)
        .where(LotRow.mine_id == mine_id, IndexedBlock.timestamp > since, IndexedBlock.timestamp <= until)
    )
    return int(count or 0)


def permit_expiry_at(session: Session, mine_id: int, block_number: int, log_index: int) -> int | None:
    """The permit expiry the mine had at a point of the chain (None if not yet registered)."""
    rows = session.scalars(
        select(MineEventRow.permit_expiry)
        .where(MineEventRow.mine_id == mine_id, MineEventRow.permit_expiry.is_not(None))
        .where(
            (MineEventRow.block_number < block_number)
            | ((MineEventRow.block_number == block_number) & (MineEventRow.log_index < log_index))
        )
        .order_by(MineEventRow.block_number.desc(), MineEventRow.log_index.desc())
        .limit(1)
    )
    return next(iter(rows), None)


def role_of(session: Session, account: str) -> Role | None:
    """The role a (checksummed) address is admitted with, or None."""
    row = session.scalar(
        select(ParticipantRow)
        .where(ParticipantRow.account == account)
        .order_by(ParticipantRow.block_number.desc(), ParticipantRow.log_index.desc())
        .limit(1)
    )
    return Role(row.role) if row is not None and row.role is not None else None
