"""Reads of lots rebuilt from the contract's event logs: lot, history, provenance, holdings, EPCIS.

The contract keeps in storage only what its rules read; gross masses, parents, passport URIs and references
live in events. These reads fetch them with one `eth_getLogs` per kind of event (per generation of ancestors
for `provenance`), never one per lot, and build records with the pure functions of `filon._events`.
"""

from __future__ import annotations

import datetime
from typing import Any

from web3 import Web3

from filon import _checks as check
from filon import _events
from filon._chain import address_topic
from filon._contract import Contract
from filon._errors import FilonError, UnknownLot
from filon._registry import Registry
from filon._types import Consumed, HistoryEvent, Lot, LotId, Provenance
from filon.passport._exports import epcis_document

_LOT_EVENTS = ("LotDeclared", "LotProduced", "PassportRecorded")


class LogReads:
    """What the event logs say about lots, through `contract` (mines' current records through `registry`)."""

    def __init__(self, contract: Contract, registry: Registry) -> None:
        self._contract = contract
        self._registry = registry

    def _missing(self, lot_ids: object) -> FilonError:
        return FilonError(
            f"The event logs from block {self._contract.deployment.deployment_block} lack lots {lot_ids}: "
            "is the manifest's deployment_block right?"
        )

    def lot(self, lot_id: LotId) -> Lot:
        holder, _, _, _, consumed, _, _ = self._contract.read("lot", check.uint(lot_id, "lot_id"))[0]
        events = self._contract.logs_by_id(_LOT_EVENTS, [lot_id])
        found = _events.lot_from_events(
            LotId(lot_id), events, None if consumed else Web3.to_checksum_address(holder)
        )
        if found is None:
            raise self._missing([lot_id])
        return found

    def history(self, lot_id: LotId) -> list[HistoryEvent]:
        lot_id = LotId(check.uint(lot_id, "lot_id"))
        own = self._contract.logs_by_id((*_LOT_EVENTS, "DeclarationRelayed"), [lot_id])
        if not _events.of_type(own, _events.LotDeclared) and not _events.of_type(own, _events.LotProduced):
            raise UnknownLot(lot_id=lot_id)
        transfers = self._contract.logs_by_id(["Transfer"], [lot_id], position=3)
        burns = [
            t for t in _events.of_type(transfers, _events.TokenTransfer) if t.to_address == check.ZERO_ADDRESS
        ]
        outputs = self._outputs_of(lot_id, burns[0].transaction) if burns else ()
        return _events.lot_history(lot_id, own + transfers, outputs)

    def _outputs_of(self, lot_id: LotId, burn: str) -> tuple[LotId, ...]:
        """The lots produced by the transformation `burn` (a transaction hash) that consumed `lot_id`."""
        (receipt,) = self._contract.chain.receipts([burn])
        if receipt is None:
            return ()
        produced = self._contract.events(receipt, _events.LotProduced)
        return tuple(event.lot_id for event in produced if lot_id in event.parents)

    def provenance(self, lot_id: LotId) -> Provenance:
        root = LotId(check.uint(lot_id, "lot_id"))
        events: list[_events.ChainEvent] = []
        known: set[LotId] = set()
        frontier: set[LotId] = {root}
        births: dict[LotId, _events.LotBirth] = {}
        while frontier:
            found = self._contract.logs_by_id(_LOT_EVENTS, frontier)
            new = {e.lot_id: e for e in found if isinstance(e, _events.LotDeclared | _events.LotProduced)}
            missing = frontier - set(new)
            if root in missing:
                raise UnknownLot(lot_id=root)
            if missing:
                raise self._missing(sorted(missing))
            events.extend(found)
            births.update(new)
            known |= frontier
            parents = {p for e in new.values() if isinstance(e, _events.LotProduced) for p in e.parents}
            frontier = parents - known
        holders = _events.holders(self._contract.logs_by_id(["Transfer"], known, position=3))
        by_lot: dict[LotId, list[_events.ChainEvent]] = {}
        for event in events:
            by_lot.setdefault(getattr(event, "lot_id", LotId(0)), []).append(event)
        lots: dict[LotId, Lot] = {}
        for i in sorted(known):
            lot = _events.lot_from_events(i, by_lot[i], holders.get(i))
            assert lot is not None  # every id of `known` has its birth in `events`
            lots[i] = lot
        edges = tuple(sorted((parent, child) for child, lot in lots.items() for parent in lot.parents))
        mine_ids = sorted({lot.mine_id for lot in lots.values() if lot.mine_id is not None})
        return Provenance(lot_id=root, lots=lots, edges=edges, mines=self._registry.mines(mine_ids))

    def lots_of(self, address: str) -> list[LotId]:
        holder = check.address(address, "address")
        topic = address_topic(holder)
        transfer = _events.topic("Transfer")
        found = self._contract.logs([transfer, None, topic]) + self._contract.logs([transfer, topic])
        found.sort(key=lambda event: event.position)
        held: set[LotId] = set()
        for event in _events.of_type(found, _events.TokenTransfer):
            if event.to_address == holder:
                held.add(event.lot_id)
            else:
                held.discard(event.lot_id)
        return sorted(held)

    def lot_count(self) -> int:
        mint = [_events.topic("Transfer"), address_topic(check.ZERO_ADDRESS)]
        deployment = self._contract.deployment
        return len(
            self._contract.chain.logs(deployment.address, mint, from_block=deployment.deployment_block)
        )

    def lot_by_external_ref(self, issuer: str, external_ref: str) -> LotId | None:
        (lot_id,) = self._contract.read("lotByExternalRef", check.address(issuer, "issuer"), external_ref)
        return LotId(lot_id) if lot_id else None

    def epcis(self, lot_id: LotId) -> dict[str, Any]:
        history = self.history(lot_id)
        lots: dict[int, Lot] = {int(i): lot for i, lot in self.provenance(lot_id).lots.items()}
        for event in history:
            if isinstance(event, Consumed):
                for output in event.outputs:
                    if int(output) not in lots:
                        lots[int(output)] = self.lot(output)
        blocks = sorted({event.block_number for event in history})
        chain = self._contract.chain
        answers = chain.batch([("eth_getBlockByNumber", [hex(number), False]) for number in blocks])
        times: dict[int, datetime.datetime] = {}
        for number, block in zip(blocks, answers, strict=True):
            if isinstance(block, FilonError):
                raise block
            times[number] = datetime.datetime.fromtimestamp(int(block["timestamp"], 16), tz=datetime.UTC)
        deployment = self._contract.deployment
        return epcis_document(
            history, chain_id=deployment.chain_id, contract=deployment.address, lots=lots, block_times=times
        )
