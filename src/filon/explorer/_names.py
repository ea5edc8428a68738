"""Names on the explorer's pages: who holds a lot and who handed it on, which mine its gold comes from, and
whether a mine's or participant's record is the one the registrar published.

Names come from the registrar's records as the index resolved them (`Index.participants`, the `record` of
the index's mines); a record whose stored bytes do not match its published hash is never shown, and the page
says so in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from filon._records import Participant, record_json
from filon._types import Mine, MineId, RecordState
from filon.explorer._models import LotOut, MineOut, PartyOut, SnapshotOut
from filon.index import Index

RECORD_NOTES = {
    RecordState.NONE: "The registrar has published no record.",
    RecordState.VERIFIED: "Published by the registrar: the stored record matches the hash on chain.",
    RecordState.MISSING: "The registrar published a record, but this explorer's store does not hold it yet.",
    RecordState.MISMATCH: "The stored record does not match what the registrar published: it is not shown.",
}
"""What a record's state means, in the words the pages use."""


def mine_names(mine: Mine) -> dict[str, Any]:
    """The `name` and `region` fields of a mine's summary (None without a verified record)."""
    record = mine.record
    return {"name": record.name if record else None, "region": record.region if record else None}


def named_lot(index: Index, page: LotOut) -> LotOut:
    """The lot page with the names of its holder, of everyone in its custody timeline and of a bar's refiner
    (its brand)."""
    addresses = {a for a in (page.holder, page.refiner) if a}
    for entry in page.custody:
        addresses |= {a for a in (entry.from_address, entry.to_address) if a}
    parties = index.participants(addresses)
    custody = [
        entry.model_copy(
            update={
                "from_name": parties[entry.from_address].name if entry.from_address else None,
                "to_name": parties[entry.to_address].name if entry.to_address else None,
            }
        )
        for entry in page.custody
    ]
    holder = PartyOut.of(parties[page.holder]) if page.holder else None
    brand = parties[page.refiner].name if page.refiner else None
    return page.model_copy(update={"holder_party": holder, "custody": custody, "brand": brand})


def parties_out(parties: Iterable[Participant]) -> list[PartyOut]:
    """Participants' names and roles, for a list."""
    return [PartyOut.of(party) for party in parties]


def named_mine(index: Index, page: MineOut) -> MineOut:
    """The mine page with its record (only when verified), what its state means, and the register snapshot
    that set its current status."""
    mine = index.mine(MineId(page.id))
    snapshot = index.status_snapshot(mine.id)
    return page.model_copy(
        update={
            **mine_names(mine),
            "record": record_json(mine.record),
            "record_state": mine.record_state.value,
            "record_note": RECORD_NOTES[mine.record_state],
            "register_snapshot": SnapshotOut(
                snapshot_hash="0x" + snapshot.snapshot_hash.hex(),
                snapshot_date=snapshot.snapshot_date,
                block_number=snapshot.block_number,
                transaction_hash=snapshot.transaction_hash,
            )
            if snapshot is not None
            else None,
        }
    )
