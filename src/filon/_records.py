"""Who is who: the records a registrar vouches for, of participants (`ParticipantRecord`) and of mines
(`MineRecord`).

A record's bytes are its RFC 8785 canonical JSON, kept in the document store under their CID; the chain keeps
only their SHA-256 (`publishParticipantRecord` for a participant, the mine's `passport_hash` slot through
`setMinePassport` for a mine). Reading a record back fetches the bytes the hash names and parses them: a
record is shown as the registrar's only when both succeed (`RecordState.VERIFIED`). The hash proves that the
registrar vouched for these bytes, not that what they say is true.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from pydantic import ValidationError

from filon._record_models import MineRecord, ParticipantRecord
from filon._types import Mine, RecordState, Role
from filon.passport._canonical import canonical_json
from filon.passport._store import DocumentCorrupted, DocumentNotFound, DocumentStore, cid_for_sha256

__all__ = [
    "MineRecord",
    "Participant",
    "ParticipantRecord",
    "RecordState",
    "read_record",
    "record_hash",
    "record_json",
    "search_text",
    "store_record",
    "with_record",
]


@dataclass(frozen=True)
class Participant:
    """An address as the chain and its registrar's record describe it.

    Attributes:
        address: The (checksummed) address.
        role: The role it is admitted with, or None if it is not admitted.
        record: The registrar's record, only when verified (never unverified content).
        record_hash: The SHA-256 of the latest record published for it, or None.
        record_state: What reading that record found.
    """

    address: str
    role: Role | None
    record: ParticipantRecord | None
    record_hash: bytes | None
    record_state: RecordState

    @property
    def verified(self) -> bool:
        """Whether the record shown is the one the registrar published."""
        return self.record_state is RecordState.VERIFIED

    @property
    def name(self) -> str | None:
        """The verified record's name, or None."""
        return self.record.name if self.record is not None else None


RecordT = TypeVar("RecordT", ParticipantRecord, MineRecord)


def record_bytes(record: ParticipantRecord | MineRecord) -> bytes:
    """The record's canonical bytes (RFC 8785 JSON, unset optional fields left out)."""
    return canonical_json(record.model_dump(mode="json", exclude_none=True))


def record_json(record: ParticipantRecord | MineRecord | None) -> dict[str, Any] | None:
    """A record as the JSON object its canonical bytes hold (unset fields left out), or None."""
    if record is None:
        return None
    data: dict[str, Any] = json.loads(record_bytes(record))
    return data


def record_hash(record: ParticipantRecord | MineRecord) -> bytes:
    """The SHA-256 of the record's canonical bytes: what the registrar publishes on chain."""
    return hashlib.sha256(record_bytes(record)).digest()


def store_record(store: DocumentStore, record: ParticipantRecord | MineRecord) -> bytes:
    """Stores the record's canonical bytes and returns their SHA-256 (storing them again changes nothing)."""
    data = record_bytes(record)
    store.put(data)
    return hashlib.sha256(data).digest()


def parse_record(data: bytes, model: type[RecordT]) -> RecordT | None:
    """The record `data` holds, or None if it is not JSON of that model."""
    try:
        return model.model_validate(json.loads(data))
    except (ValueError, ValidationError):
        return None


def read_record(
    store: DocumentStore, published: bytes | None, model: type[RecordT]
) -> tuple[RecordT | None, RecordState]:
    """The record the registrar published under hash `published`, as the store holds it.

    Args:
        store: The document store to read the bytes from.
        published: The hash on chain (None or zero: nothing published).
        model: `ParticipantRecord` or `MineRecord`.

    Returns:
        The record (None unless verified) and what reading it found.

    Raises:
        StoreUnavailable: A remote store cannot be reached (no verdict is possible then).
    """
    if published is None or published == bytes(32):
        return None, RecordState.NONE
    try:
        data = store.get(cid_for_sha256(published.hex()))
    except DocumentNotFound:
        return None, RecordState.MISSING
    except DocumentCorrupted:
        return None, RecordState.MISMATCH
    record = parse_record(data, model)
    return (record, RecordState.VERIFIED) if record is not None else (None, RecordState.MISMATCH)


def with_record(store: DocumentStore, mine: Mine) -> Mine:
    """`mine` with the record its `passport_hash` names, read from `store` (see `read_record`)."""
    record, state = read_record(store, mine.passport_hash, MineRecord)
    return replace(mine, record=record, record_state=state)


def search_text(*parts: str | None) -> str:
    """The form of `parts` a search compares: NFKD, combining marks removed, case folded, joined by spaces.

    Both the indexed text and the query are normalised this way, so that a plain `LIKE` finds "Orfebrería"
    from "orfebreria" on every database, whatever its collation.
    """
    text = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
