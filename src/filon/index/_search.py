"""Free-text search over the index: lot and mine ids, external references, addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session
from web3 import Web3

from filon._records import Participant
from filon._types import Lot, LotId, Mine
from filon.index import _lots, _mines, _records
from filon.index._database import rows_in
from filon.index._models import LotOriginRow, LotRow

# "42", "#42", "lot 42", "mine 3", "m3": an id, and what kind of thing it names (a lot or a mine if none).
_ID = re.compile(r"(?i)(lot|mine|m|#)?\s*#?\s*(\d{1,18})")
_MAX_BY_REFERENCE = 100


FoundBy = Literal["id", "reference", "serial", "holder", "name"]


@dataclass(frozen=True)
class SearchResults:
    """What a free-text search found: lots by id, external reference or serial, mines by id or operator.

    Attributes:
        query: The query, stripped.
        lots: The lots found, by id first, then by the address holding them, then by reference, then by
            serial number.
        mines: The mines found.
        found_by: How each lot was found: by its id, its issuer's external reference, its refiner's serial
            number, its holder, or a name (of its holder, or of a mine its gold comes from, in their verified
            records).
        participants: The participants whose verified record's name matches.
        issuers: Who issued each lot (declared it, or minted it in a transformation): an external reference
            is unique per issuer only, so a reference found is only as good as who issued it.
    """

    query: str
    lots: list[Lot] = field(default_factory=list)
    mines: list[Mine] = field(default_factory=list)
    found_by: dict[LotId, FoundBy] = field(default_factory=dict)
    issuers: dict[LotId, str] = field(default_factory=dict)
    participants: list[Participant] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lots and not self.mines and not self.participants


def search(session: Session, query: str) -> SearchResults:
    """Lots and mines matching a query: a lot or mine id ("42", "lot 42", "mine 3"), an external
    reference, a bar's serial number, an address (the mine it operates and the lots it holds), or a name in
    the registrar's records (mines by name, region or district and the lots of their gold, participants and
    the lots they hold), accents and case ignored."""
    text = query.strip()
    results = SearchResults(query=text)
    if not text:
        return results
    match = _ID.fullmatch(text)
    if match is not None:
        kind, number = (match.group(1) or "").lower(), int(match.group(2))
        if kind in ("", "lot", "#"):
            results.lots.extend(_lots.lots(session, [number]).values())
            results.found_by.update(dict.fromkeys((lot.id for lot in results.lots), "id"))
        if kind in ("", "mine", "m"):
            results.mines.extend(_mines.mines(session, [number]).values())
    if Web3.is_address(text):
        address = Web3.to_checksum_address(text)
        operated = _mines.operated_by(session, address)
        if operated is not None:
            results.mines.append(operated)
        held = _lots.held_by(session, address)
        results.lots.extend(held)
        results.found_by.update(dict.fromkeys((lot.id for lot in held), "holder"))
    by_reference = _lots.by_external_ref(session, text, limit=_MAX_BY_REFERENCE)
    for lot in by_reference:
        if lot.id not in results.found_by:
            results.lots.append(lot)
            results.found_by[lot.id] = "reference"
    for lot in _lots.by_serial(session, text, limit=_MAX_BY_REFERENCE):
        if lot.id not in results.found_by:
            results.lots.append(lot)
            results.found_by[lot.id] = "serial"
    _by_name(session, text, results)
    issued = select(LotRow.id, LotRow.issuer)
    for row in rows_in(session, issued, LotRow.id, sorted(results.found_by)):
        results.issuers[LotId(row.id)] = row.issuer
    return results


def _by_name(session: Session, text: str, results: SearchResults) -> None:
    """Adds the mines and participants whose verified records match `text`, and their lots."""
    mine_ids, accounts = _records.search(session, text)
    known = {mine.id for mine in results.mines}
    results.mines.extend(m for i, m in _mines.mines(session, mine_ids).items() if i not in known)
    results.participants.extend(_records.participants(session, accounts).values())
    origin = select(LotOriginRow.lot_id).where(LotOriginRow.mine_id.in_(mine_ids)).limit(_MAX_BY_REFERENCE)
    lot_ids = list(session.scalars(origin)) if mine_ids else []
    for account in accounts:
        lot_ids.extend(lot.id for lot in _lots.held_by(session, account))
    for lot_id, lot in sorted(_lots.lots(session, lot_ids).items()):
        if lot_id not in results.found_by:
            results.lots.append(lot)
            results.found_by[lot_id] = "name"
