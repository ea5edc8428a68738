"""A lot's EPCIS 2.0 document from the index: the same document `Client.epcis` builds from the chain's logs.

The history is the one `Client.trace` gathers: every entry of the lot and of each ancestor, plus the births of
the other outputs of the transformations that consumed them (they complete those transformations' outputs and
quantities), with the time of each entry's block. `filon.epcis_document` turns it into the document.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy.orm import Session

from filon._deployment import Deployment
from filon._errors import InvalidInput
from filon._types import HistoryEvent, LotId, Produced
from filon.index import _lots
from filon.index._consumed import ConsumedLots
from filon.passport._epcis import epcis_document


def epcis(
    session: Session, deployment: Deployment, lot_id: int, max_lots: int, consumed: ConsumedLots | None = None
) -> dict[str, Any]:
    """The EPCIS document of a lot and its ancestry (its consumed lots from `consumed` where it keeps them).

    Raises:
        UnknownLot: The index has no lot with this id.
        InvalidInput: The ancestry holds more than `max_lots` lots (each costs a few queries: a program
            exports such a tree with `Client.epcis` or `filon passport epcis`).
    """
    provenance = _lots.provenance(session, lot_id, consumed)
    if len(provenance.lots) > max_lots:
        raise InvalidInput(
            f"Lot {lot_id}'s ancestry holds {len(provenance.lots):,} lots, more than the {max_lots:,} this "
            "export reads from the index: export it with `filon passport epcis` (or Client.epcis)"
        )
    history: list[HistoryEvent] = []
    times: dict[int, datetime.datetime] = {}
    outside: set[LotId] = set()

    def add(entry: _lots.Timed) -> None:
        history.append(entry.event)
        times[entry.event.block_number] = datetime.datetime.fromtimestamp(entry.timestamp, datetime.UTC)

    for member in sorted(provenance.lots):
        story = _lots.story(session, member)
        outside |= set(story.children) - provenance.lots.keys()
        for entry in story.timeline:
            add(entry)
    for other in sorted(outside):
        for entry in _lots.story(session, other).timeline:
            if isinstance(entry.event, Produced):
                add(entry)
    return epcis_document(
        history,
        chain_id=deployment.chain_id,
        contract=deployment.address,
        lots=provenance.lots,
        block_times=times,
        mines=provenance.mines,
    )
