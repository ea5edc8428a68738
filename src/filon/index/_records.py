"""Who is who in the index: the records the registrar published, their contents from the document store,
names for pages, accent- and case-insensitive search, and the register snapshot behind a mine's status.

Record hashes come from the chain through the sync (`participant_records`, and a mine's `passport_hash` in
`mine_events`), rows tagged by block like every other. Their contents come from the document store, read by
`resolve` outside the sync's transactions (a slow or remote store never holds a database transaction open);
a hash the store does not hold yet gets no row and is read again at the next `resolve`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session
from web3 import Web3

from filon._record_models import MineRecord, ParticipantRecord
from filon._records import Participant, parse_record, record_bytes, search_text
from filon._types import MineId, RecordState, RegisterSnapshot, Role
from filon.index import _receipts
from filon.index._database import Database, mark_resolved, rows_in
from filon.index._models import (
    MineEventRow,
    ParticipantRecordRow,
    ParticipantRow,
    RecordContentRow,
    RegisterSnapshotRow,
)
from filon.passport._store import DocumentCorrupted, DocumentNotFound, DocumentStore, cid_for_sha256

PARTICIPANT = "participant"
MINE = "mine"
_ZERO_HASH = bytes(32)
_MAX_FOUND = 100


@dataclass(frozen=True)
class MineLabel:
    """What a page shows of a mine beside its id, from its verified record.

    Attributes:
        name: The mine's name.
        region: Its region.
        register_code: Its government register code, if the record has one.
    """

    name: str
    region: str
    register_code: str | None


def _pending(session: Session) -> list[tuple[bytes, str]]:
    """The (hash, kind) pairs the chain published that have no verified content row yet: a mismatch is
    read again each time (a damaged copy may be repaired, a gateway's bad answer may pass)."""
    verified = select(RecordContentRow.record_hash, RecordContentRow.kind).where(RecordContentRow.verified)
    known = {(bytes(h), k) for h, k in session.execute(verified)}
    published = {
        (bytes(h), PARTICIPANT) for h in session.scalars(select(ParticipantRecordRow.record_hash).distinct())
    }
    mines = select(MineEventRow.passport_hash).where(MineEventRow.passport_hash.is_not(None)).distinct()
    published |= {
        (bytes(h), MINE) for h in session.scalars(mines) if h is not None and bytes(h) != _ZERO_HASH
    }
    return sorted(published - known)


def _content(record_hash: bytes, kind: str, data: bytes | None) -> dict[str, Any]:
    """The content row of the bytes a hash named (None: they did not match it)."""
    record: ParticipantRecord | MineRecord | None = None
    if data is not None:
        record = parse_record(data, MineRecord) if kind == MINE else parse_record(data, ParticipantRecord)
    row: dict[str, Any] = {"record_hash": record_hash, "kind": kind, "verified": record is not None}
    if record is None:
        return row | {"body": None, "name": None, "region": None, "register_code": None, "search": ""}
    region = record.region if isinstance(record, MineRecord) else None
    district = record.district if isinstance(record, MineRecord) else None
    return row | {
        "body": record_bytes(record).decode("utf-8"),
        "name": record.name,
        "region": region,
        "register_code": record.register_code if isinstance(record, MineRecord) else None,
        "search": search_text(record.name, region, district),
    }


def resolve(database: Database, store: DocumentStore) -> int:
    """Reads from `store` the contents of the record hashes the index holds without them, and keeps them;
    then the receipts of the ore lots' latest passport versions (`filon.index._receipts.resolve`), which
    are resolved the same way.

    Returns:
        How many contents and receipts it kept (those the store does not hold are tried again next time).

    Raises:
        StoreUnavailable: A remote store cannot be reached (what was read before stays unread; the next
            call tries again).
    """
    return _resolve_records(database, store) + _receipts.resolve(database, store)


def _resolve_records(database: Database, store: DocumentStore) -> int:
    """Reads and keeps the records' contents (`resolve`).

    Returns:
        How many contents it kept (those the store does not hold are tried again next time).

    Raises:
        StoreUnavailable: A remote store cannot be reached (what was read before stays unread; the next
            call tries again).
    """
    with database.session() as session:
        pending = _pending(session)
    found = []
    for record_hash, kind in pending:  # outside any transaction: the store may be slow or remote
        try:
            data: bytes | None = store.get(cid_for_sha256(record_hash.hex()))
        except DocumentNotFound:
            continue
        except DocumentCorrupted:
            data = None
        found.append(_content(record_hash, kind, data))
    if not found:
        return 0
    with database.session() as session, session.begin():
        # Another resolver may have kept some meanwhile: keep only what is still missing.
        still = set(_pending(session))
        stored = {
            (bytes(h), k)
            for h, k in session.execute(select(RecordContentRow.record_hash, RecordContentRow.kind))
        }
        rows = [
            row
            for row in found
            if (key := (row["record_hash"], row["kind"])) in still and (row["verified"] or key not in stored)
        ]
        for row in rows:  # a verified content replaces a mismatch read before
            session.execute(
                delete(RecordContentRow).where(
                    RecordContentRow.record_hash == row["record_hash"], RecordContentRow.kind == row["kind"]
                )
            )
        if rows:
            session.execute(insert(RecordContentRow), rows)
            mark_resolved(session)
    return len(rows)


# Built once: every page and provenance that shows a mine or a participant reads its record's contents.
_CONTENTS = select(RecordContentRow).where(
    RecordContentRow.kind == bindparam("kind"),
    RecordContentRow.record_hash.in_(bindparam("hashes", expanding=True)),
)


def _contents(session: Session, kind: str, hashes: Iterable[bytes]) -> dict[bytes, RecordContentRow]:
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    found: dict[bytes, RecordContentRow] = {}
    for start in range(0, len(wanted), 500):
        chunk = {"kind": kind, "hashes": wanted[start : start + 500]}
        found.update((bytes(row.record_hash), row) for row in session.scalars(_CONTENTS, chunk))
    return found


def _state(published: bytes | None, content: RecordContentRow | None) -> tuple[str | None, RecordState]:
    """The verified record's JSON (else None), and the record's state."""
    if published is None or published == _ZERO_HASH:
        return None, RecordState.NONE
    if content is None:
        return None, RecordState.MISSING
    if content.verified and content.body is not None:
        return content.body, RecordState.VERIFIED
    return None, RecordState.MISMATCH


def mine_records(
    session: Session, passport_hashes: Iterable[bytes]
) -> dict[bytes, tuple[MineRecord | None, RecordState]]:
    """The mine record each hash names, as the index resolved it, and its state."""
    hashes = list(passport_hashes)
    contents = _contents(session, MINE, hashes)
    found: dict[bytes, tuple[MineRecord | None, RecordState]] = {}
    for record_hash in hashes:
        body, state = _state(record_hash, contents.get(record_hash))
        found[record_hash] = (MineRecord.model_validate_json(body) if body else None, state)
    return found


def participants(session: Session, addresses: Collection[str]) -> dict[str, Participant]:
    """Participants by (checksummed) address: role, latest published record, and that record's state."""
    wanted = sorted({Web3.to_checksum_address(a) for a in addresses})
    latest: dict[str, bytes] = {}
    roles: dict[str, int | None] = {}
    records = select(ParticipantRecordRow).order_by(
        ParticipantRecordRow.block_number, ParticipantRecordRow.log_index
    )
    admissions = select(ParticipantRow).order_by(ParticipantRow.block_number, ParticipantRow.log_index)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.scalars(records.where(ParticipantRecordRow.account.in_(chunk)))
        latest.update((row.account, bytes(row.record_hash)) for row in rows)
        roles.update(
            (row.account, row.role)
            for row in session.scalars(admissions.where(ParticipantRow.account.in_(chunk)))
        )
    contents = _contents(session, PARTICIPANT, latest.values())
    found: dict[str, Participant] = {}
    for address in wanted:
        published = latest.get(address)
        body, state = _state(published, contents.get(published) if published is not None else None)
        record = ParticipantRecord.model_validate_json(body) if body else None
        role = roles.get(address)
        found[address] = Participant(address, Role(role) if role else None, record, published, state)
    return found


def _current_passport_hashes(session: Session, mine_ids: Collection[int]) -> dict[int, bytes]:
    query = select(
        MineEventRow.mine_id, MineEventRow.passport_hash, MineEventRow.block_number, MineEventRow.log_index
    )
    rows = rows_in(
        session,
        query.where(MineEventRow.passport_hash.is_not(None)),
        MineEventRow.mine_id,
        sorted(set(mine_ids)),
    )
    return {
        row.mine_id: bytes(row.passport_hash)
        for row in sorted(rows, key=lambda r: (r.block_number, r.log_index))
    }


def mine_labels(session: Session, mine_ids: Collection[int]) -> dict[int, MineLabel]:
    """The name, region and register code of each mine whose current record is verified (others left out)."""
    current = _current_passport_hashes(session, mine_ids)
    records = mine_records(session, current.values())
    labels = {}
    for mine_id, record_hash in current.items():
        record, _ = records[record_hash]
        if record is not None:
            labels[mine_id] = MineLabel(record.name, record.region, record.register_code)
    return labels


def _like(text: str) -> str:
    escaped = search_text(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(session: Session, text: str) -> tuple[list[MineId], list[str]]:
    """The mines and accounts whose current verified record's name, region or district contains `text`,
    accents and case ignored (both sides normalised by `search_text`; plain LIKE on every database)."""
    if not search_text(text).strip():
        return [], []
    matched = session.execute(
        select(RecordContentRow.record_hash, RecordContentRow.kind)
        .where(RecordContentRow.verified, RecordContentRow.search.like(_like(text), escape="\\"))
        .limit(_MAX_FOUND)
    ).all()
    mine_hashes = [bytes(h) for h, kind in matched if kind == MINE]
    participant_hashes = [bytes(h) for h, kind in matched if kind == PARTICIPANT]
    mine_ids: list[MineId] = []
    if mine_hashes:
        mines = session.scalars(
            select(MineEventRow.mine_id).where(MineEventRow.passport_hash.in_(mine_hashes)).distinct()
        ).all()
        current = _current_passport_hashes(session, mines)
        mine_ids = sorted(MineId(m) for m, h in current.items() if h in mine_hashes)
    accounts: list[str] = []
    if participant_hashes:
        candidates = session.scalars(
            select(ParticipantRecordRow.account)
            .where(ParticipantRecordRow.record_hash.in_(participant_hashes))
            .distinct()
        ).all()
        found = participants(session, candidates)
        accounts = sorted(a for a, p in found.items() if p.record_hash in participant_hashes)
    return mine_ids, accounts


def status_snapshot(session: Session, mine_id: int) -> RegisterSnapshot | None:
    """The register snapshot whose import set the mine's current status (its latest status change), or None
    when that change came from elsewhere (or the mine never changed status)."""
    latest = session.scalar(
        select(MineEventRow.transaction_hash)
        .where(MineEventRow.mine_id == mine_id, MineEventRow.kind == "status")
        .order_by(MineEventRow.block_number.desc(), MineEventRow.log_index.desc())
        .limit(1)
    )
    if latest is None:
        return None
    row = session.scalar(select(RegisterSnapshotRow).where(RegisterSnapshotRow.transaction_hash == latest))
    if row is None:
        return None
    return RegisterSnapshot(
        bytes(row.snapshot_hash),
        int(row.snapshot_date),
        int(row.block_number),
        "0x" + bytes(row.transaction_hash).hex(),
    )
