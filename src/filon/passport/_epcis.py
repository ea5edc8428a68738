"""A lot's history (and its ancestors') as a GS1 EPCIS 2.0 JSON-LD document.

Lots, mines and events are named by the URNs of `filon.passport._ids` (`urn:filon:eip155:<chainId>:<FilonLots
address>:lot:<id>`, `...:mine:<id>`, `...:tx:<hash>[:log:<index>]`), parties by their `did:pkh`, masses
in grams (UN/ECE Recommendation 20 code `GRM`) of fine gold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from filon._errors import InvalidInput
from filon._types import Consumed, Declared, HistoryEvent, Lot, LotId, Mine, MineId, Produced, Transferred
from filon.passport._dpp import GRAMS
from filon.passport._ids import deployment_urn, did_pkh, iso_timestamp

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
"""The JSON-LD context of an EPCIS 2.0 document."""

_Lots = Mapping[LotId, Lot] | Mapping[int, Lot]


def epcis_document(
    history: Sequence[HistoryEvent],
    *,
    chain_id: int,
    contract: str,
    lots: _Lots,
    block_times: Mapping[int, datetime],
    mines: Mapping[MineId, Mine] | Mapping[int, Mine] | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Lot histories as one GS1 EPCIS 2.0 JSON-LD document.

    - `Declared`: an `ObjectEvent`, action `ADD`, bizStep `commissioning`, at the mine (`bizLocation`),
      owned by the holder it was minted to; its ILMD states the mine's country (`cbvmda:countryOfOrigin`,
      from `mines`) and the operator's own lot number (`cbvmda:lotNumber`) where known.
    - `Transferred`: an `ObjectEvent`, action `OBSERVE`, bizStep `shipping`, from the old owning party to
      the new one.
    - `Consumed` and `Produced` entries of one transaction: one `TransformationEvent` whose inputs are the
      consumed lots (and the parents of produced ones) and whose outputs are the produced lots (and the
      outputs of consumed ones), with quantities of fine gold in grams for every lot whose fine gold is
      known (from the event or `lots`).
    - `PassportRecorded`: not exported; EPCIS records physical events, the passport credential is the
      export of passport versions.

    Give the histories of a lot and of all its ancestors (`Client.epcis` does) for a document that traces
    the lot back to its mines. Entries are sorted by block and log index, and an entry given twice is
    exported once.

    Args:
        history: The entries (`Client.history` of one or several lots).
        chain_id: The chain of the deployment.
        contract: The `FilonLots` address.
        lots: Known lots by id (e.g. `Provenance.lots`), for the fine gold of consumed lots.
        block_times: The timestamp of every block the entries are in (history carries block numbers only).
        mines: The mines' records by id (e.g. `Provenance.mines`), for the country of ore lots.
        created: The document's `creationDate` (now by default).

    Returns:
        The EPCIS document, ready for `json.dumps`.

    Raises:
        InvalidInput: A block has no time, a time is naive, or the chain id or contract is unusable.
    """
    prefix = deployment_urn(chain_id, contract)
    known_mines: dict[int, Mine] = {int(mine_id): mine for mine_id, mine in (mines or {}).items()}
    ordered = sorted(
        {
            (e.block_number, e.log_index, e.transaction_hash, e.lot_id, type(e).__name__): e for e in history
        }.values(),
        key=lambda e: (e.block_number, e.log_index),
    )
    transformations: dict[str, list[Consumed | Produced]] = {}
    for entry in ordered:
        if isinstance(entry, Consumed | Produced):
            transformations.setdefault(entry.transaction_hash, []).append(entry)

    def when(entry: HistoryEvent) -> dict[str, str]:
        if entry.block_number not in block_times:
            raise InvalidInput(f"no time given for block {entry.block_number}")
        return {
            "eventTime": iso_timestamp(block_times[entry.block_number], f"block_times[{entry.block_number}]"),
            "eventTimeZoneOffset": "+00:00",
        }

    def lot(lot_id: int) -> str:
        return f"{prefix}:lot:{lot_id}"

    def party(address: str) -> str:
        return did_pkh(chain_id, address)

    events: list[dict[str, Any]] = []
    for entry in ordered:
        event_id = f"{prefix}:tx:{entry.transaction_hash}:log:{entry.log_index}"
        if isinstance(entry, Declared):
            event = {
                "type": "ObjectEvent",
                **when(entry),
                "eventID": event_id,
                "epcList": [lot(entry.lot_id)],
                "action": "ADD",
                "bizStep": "commissioning",
                "disposition": "active",
                "bizLocation": {"id": f"{prefix}:mine:{entry.mine_id}"},
                "destinationList": [{"type": "owning_party", "destination": party(entry.holder)}],
            }
            ilmd = _ore_lot_master_data(entry, known_mines.get(int(entry.mine_id)))
            if ilmd:
                event["ilmd"] = ilmd
            events.append(event)
        elif isinstance(entry, Transferred):
            events.append(
                {
                    "type": "ObjectEvent",
                    **when(entry),
                    "eventID": event_id,
                    "epcList": [lot(entry.lot_id)],
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "sourceList": [{"type": "owning_party", "source": party(entry.from_address)}],
                    "destinationList": [{"type": "owning_party", "destination": party(entry.to_address)}],
                }
            )
        elif isinstance(entry, Consumed | Produced):
            group = transformations.pop(entry.transaction_hash, None)
            if group is not None:  # the first entry of its transaction stands for the whole transformation
                events.append(
                    _transformation(group, f"{prefix}:tx:{entry.transaction_hash}", when, lot, lots)
                )
        # PassportRecorded entries are not exported (see above)
    return {
        "@context": EPCIS_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": iso_timestamp(created or datetime.now(UTC), "created"),
        "epcisBody": {"eventList": events},
    }


def _ore_lot_master_data(entry: Declared, mine: Mine | None) -> dict[str, str]:
    """The instance/lot master data (ILMD) of an ore lot, from its declaration and its mine's record."""
    found: dict[str, str] = {}
    if mine is not None:
        found["cbvmda:countryOfOrigin"] = mine.country
    if entry.external_ref:
        found["cbvmda:lotNumber"] = entry.external_ref
    return found


def _transformation(
    group: Sequence[Consumed | Produced],
    event_id: str,
    when: Callable[[HistoryEvent], dict[str, str]],
    lot: Callable[[int], str],
    lots: _Lots,
) -> dict[str, Any]:
    fine_gold = {int(lot_id): known.fine_gold_mg for lot_id, known in lots.items()}
    inputs: set[int] = set()
    outputs: set[int] = set()
    for entry in group:
        if isinstance(entry, Consumed):
            inputs.add(entry.lot_id)
            outputs.update(entry.outputs)
        else:
            outputs.add(entry.lot_id)
            inputs.update(entry.parents)
    for entry in group:
        if isinstance(entry, Produced):
            fine_gold[entry.lot_id] = entry.fine_gold_mg

    def quantities(ids: set[int]) -> list[dict[str, Any]]:
        return [
            {"epcClass": lot(i), "quantity": fine_gold[i] / 1000, "uom": GRAMS}
            for i in sorted(ids)
            if i in fine_gold
        ]

    return {
        "type": "TransformationEvent",
        **when(group[0]),
        "eventID": event_id,
        "inputEPCList": [lot(i) for i in sorted(inputs)],
        "inputQuantityList": quantities(inputs),
        "outputEPCList": [lot(i) for i in sorted(outputs)],
        "outputQuantityList": quantities(outputs),
        "bizStep": "commissioning",
        "disposition": "active",
    }
