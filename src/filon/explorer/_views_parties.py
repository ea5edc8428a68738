"""The participant page's data: who an address is, as the registrar vouched for it, and what it holds."""

from __future__ import annotations

from filon._records import record_json
from filon.explorer._models import ParticipantOut
from filon.explorer._names import RECORD_NOTES
from filon.explorer._views import Explorer, lot_summary
from filon.index._plants import received_ore


def participant(explorer: Explorer, address: str) -> ParticipantOut:
    """The participant page: role, the registrar's record (only when verified, else why not, in words) and
    the live lots it holds (`address` is an Ethereum address, in any case), and whether it is a plant.
    """
    found = explorer.index.participant(address)
    return ParticipantOut(
        address=found.address,
        name=found.name,
        role=found.role.name.lower() if found.role else None,
        record=record_json(found.record),
        record_hash="0x" + found.record_hash.hex() if found.record_hash is not None else None,
        record_state=found.record_state.value,
        verified=found.verified,
        record_note=RECORD_NOTES[found.record_state],
        lots=[lot_summary(lot) for lot in explorer.index.lots_held_by(found.address)],
        plant=received_ore(explorer.index, found.address),
    )
