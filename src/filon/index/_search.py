"""Free-text search over the index: lot and mine ids, external references, addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from web3 import Web3

from filon._types import Lot, Mine
from filon.index import _lots, _mines

# "42", "#42", "lot 42", "mine 3", "m3": an id, and what kind of thing it names (a lot or a mine if none).
_ID = re.compile(r"(?i)(lot|mine|m|#)?\s*#?\s*(\d{1,18})")
_MAX_BY_REFERENCE = 100


@dataclass(frozen=True)
class SearchResults:
    """What a free-text search found: lots by id or external reference, mines by id or operator."""

    query: str
    lots: list[Lot] = field(default_factory=list)
    mines: list[Mine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lots and not self.mines


def search(session: Session, query: str) -> SearchResults:
    """Lots and mines matching a query: a lot or mine id ("42", "lot 42", "mine 3"), an external
    reference, or an address (the mine it operates and the lots it holds)."""
    text = query.strip()
    results = SearchResults(query=text)
    if not text:
        return results
    match = _ID.fullmatch(text)
    if match is not None:
        kind, number = (match.group(1) or "").lower(), int(match.group(2))
        if kind in ("", "lot", "#"):
            results.lots.extend(_lots.lots(session, [number]).values())
        if kind in ("", "mine", "m"):
            results.mines.extend(_mines.mines(session, [number]).values())
    if Web3.is_address(text):
        address = Web3.to_checksum_address(text)
        operated = _mines.operated_by(session, address)
        if operated is not None:
            results.mines.append(operated)
        results.lots.extend(_lots.held_by(session, address))
    known = {lot.id for lot in results.lots}
    by_reference = _lots.by_external_ref(session, text, limit=_MAX_BY_REFERENCE)
    results.lots.extend(lot for lot in by_reference if lot.id not in known)
    return results
