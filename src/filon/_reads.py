"""Reads of lots rebuilt from the contract's event logs: lot, history, provenance, holdings, EPCIS.

The contract keeps in storage only what its rules read; gross masses, parents, passport URIs and references
live in events. These reads fetch them with one `eth_getLogs` per kind of event (per generation of ancestors
for `provenance`), never one per lot, and build records with the pure functions of `filon._events`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from filon import _checks as check
from filon import _events
from filon._chain import address_topic
from filon._contract import Contract
from filon._errors import FilonError, UnknownLot
from filon._registry import Registry
from filon._types import HistoryEvent, Lot, LotId, Produced, Provenance
from filon.passport._epcis import epcis_document

_LOT_EVENTS = ("LotDeclared", "LotProduced", "PassportRecorded", "SerialAssigned")


@dataclass(frozen=True)
class Trace:
    """A lot's provenance and the history of it and its ancestors (`LogReads.trace`).

    Attributes:
        provenance: The lot's ancestry down to its mines.
        history: Every entry of the lot and its ancestors, plus the births of the other outputs of the
            transformations that consumed them.
        block_times: The timestamp of every block of `history`.
    """

    provenance: Provenance
    history: list[HistoryEvent]
    block_times: dict[int, datetime.datetime]


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

    def _ancestry(self, root: LotId, kinds: Sequence[str]) -> tuple[list[_events.ChainEvent], set[LotId]]:
        """The events of kinds `kinds` (births among them) of `root` and all its ancestors, and their ids:
        one `eth_getLogs` per generation of ancestors."""
        events: list[_events.ChainEvent] = []
        known: set[LotId] = set()
        frontier: set[LotId] = {root}
        while frontier:
            found = self._contract.logs_by_id(kinds, frontier)
            new = {e.lot_id: e for e in found if isinstance(e, _events.LotDeclared | _events.LotProduced)}
            missing = frontier - set(new)
            if root in missing:
                raise UnknownLot(lot_id=root)
            if missing:
                raise self._missing(sorted(missing))
            events.extend(found)
            known |= frontier
            parents = {p for e in new.values() if isinstance(e, _events.LotProduced) for p in e.parents}
            frontier = parents - known
        return events, known

    def _provenance_of(
        self,
        root: LotId,
        events: Sequence[_events.ChainEvent],
        known: set[LotId],
        transfers: Sequence[_events.ChainEvent],
    ) -> Provenance:
        holders = _events.holders(transfers)
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

    def provenance(self, lot_id: LotId) -> Provenance:
        root = LotId(check.uint(lot_id, "lot_id"))
        events, known = self._ancestry(root, _LOT_EVENTS)
        transfers = self._contract.logs_by_id(["Transfer"], known, position=3)
        return self._provenance_of(root, events, known, transfers)

    def trace(self, lot_id: LotId) -> Trace:
        """The lot's provenance and the history of it and every ancestor, with the times of their blocks.

        One `eth_getLogs` per generation of ancestors, one for their transfers, one batch for the mines'
        records, one batch of receipts of the transformations that consumed them (for outputs outside the
        ancestry, such as the other bars of a split), and one batch of block headers.
        """
        root = LotId(check.uint(lot_id, "lot_id"))
        events, known = self._ancestry(root, (*_LOT_EVENTS, "DeclarationRelayed"))
        transfers = self._contract.logs_by_id(["Transfer"], known, position=3)
        provenance = self._provenance_of(root, events, known, transfers)
        burns = {
            t.lot_id: t.transaction
            for t in _events.of_type(transfers, _events.TokenTransfer)
            if t.to_address == check.ZERO_ADDRESS
        }
        hashes = sorted(set(burns.values()))
        outputs: dict[str, list[_events.ChainEvent]] = {}
        for transaction, receipt in zip(hashes, self._contract.chain.receipts(hashes), strict=True):
            if receipt is not None:
                outputs[transaction] = [
                    *self._contract.events(receipt, _events.LotProduced),
                    *self._contract.events(receipt, _events.TokenTransfer),
                ]
        by_lot: dict[LotId, list[_events.ChainEvent]] = {}
        for event in [*events, *transfers]:
            by_lot.setdefault(getattr(event, "lot_id", LotId(0)), []).append(event)
        history: list[HistoryEvent] = []
        for i in sorted(known):
            made = outputs.get(burns[i], []) if i in burns else []
            children = tuple(e.lot_id for e in _events.of_type(made, _events.LotProduced) if i in e.parents)
            history.extend(_events.lot_history(i, by_lot[i], children))
        # The outputs of those transformations born outside the ancestry: their births complete the
        # transformations' outputs and quantities.
        for made in outputs.values():
            for produced in _events.of_type(made, _events.LotProduced):
                if produced.lot_id not in known:
                    history.extend(
                        entry
                        for entry in _events.lot_history(produced.lot_id, made)
                        if isinstance(entry, Produced)
                    )
        return Trace(provenance=provenance, history=history, block_times=self._block_times(history))

    def _block_times(self, history: Sequence[HistoryEvent]) -> dict[int, datetime.datetime]:
        blocks = sorted({event.block_number for event in history})
        answers = self._contract.chain.batch([("eth_getBlockByNumber", [hex(n), False]) for n in blocks])
        times: dict[int, datetime.datetime] = {}
        for number, block in zip(blocks, answers, strict=True):
            if isinstance(block, FilonError):
                raise block
            times[number] = datetime.datetime.fromtimestamp(int(block["timestamp"], 16), tz=datetime.UTC)
        return times

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

    def lot_by_serial(self, refiner: str, serial: str) -> LotId | None:
        (lot_id,) = self._contract.read("lotBySerial", check.address(refiner, "refiner"), serial)
        return LotId(lot_id) if lot_id else None

    def epcis(self, lot_id: LotId) -> dict[str, Any]:
        return self.epcis_of(self.trace(lot_id))

    def epcis_of(self, trace: Trace) -> dict[str, Any]:
        """The EPCIS document of a lot's trace: every event of the lot and its ancestors."""
        deployment = self._contract.deployment
        return epcis_document(
            trace.history,
            chain_id=deployment.chain_id,
            contract=deployment.address,
            lots=trace.provenance.lots,
            block_times=trace.block_times,
            mines=trace.provenance.mines,
        )
