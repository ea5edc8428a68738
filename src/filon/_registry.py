"""The registrar's writes (participants, mines) and the registry's reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from web3 import Web3

from filon import _checks as check
from filon import _events
from filon._chain import address_topic
from filon._contract import Contract
from filon._types import Mine, MineId, MineStatus, RegisterSnapshot, Role

_STATUS_FUNCTIONS = {
    MineStatus.ACTIVE: "reactivateMine",
    MineStatus.SUSPENDED: "suspendMine",
    MineStatus.REVOKED: "revokeMine",
}


def mine_from_record(mine_id: int, record: Sequence[Any]) -> Mine:
    """A `Mine` from the contract's `mine(mineId)` tuple."""
    operator, status, country, expiry, capacity, declared, year, permit, location, passport = record
    return Mine(
        id=MineId(mine_id),
        operator=Web3.to_checksum_address(operator),
        status=MineStatus(status),
        country=bytes(country).decode("latin-1"),
        permit_expiry=expiry,
        capacity_mg=capacity,
        declared_this_year_mg=declared,
        year=year,
        permit_hash=bytes(permit),
        location_hash=bytes(location),
        passport_hash=bytes(passport),
    )


class Registry:
    """Participants and mines, through `contract`."""

    def __init__(self, contract: Contract) -> None:
        self._contract = contract

    def register_participant(self, address: str, role: Role) -> str:
        return self._contract.send_for_hash(
            "register a participant",
            "registerParticipant",
            check.address(address, "address"),
            int(Role(role)),
        )

    def remove_participant(self, address: str) -> str:
        return self._contract.send_for_hash(
            "remove a participant", "removeParticipant", check.address(address, "address")
        )

    def publish_participant_record(self, address: str, record_hash: bytes | str) -> str:
        return self._contract.send_for_hash(
            "publish a participant record",
            "publishParticipantRecord",
            check.address(address, "address"),
            check.bytes32(record_hash, "record_hash"),
        )

    def participant_record(self, address: str) -> bytes | None:
        """The latest record hash published for `address`, from one `eth_getLogs` filtered on it."""
        account = address_topic(check.address(address, "address"))
        found = self._contract.logs([_events.topic("ParticipantRecordPublished"), account])
        records = _events.of_type(found, _events.ParticipantRecordPublished)
        return records[-1].record_hash if records else None

    def record_register_snapshot(self, snapshot_hash: bytes | str, snapshot_date: int) -> str:
        return self._contract.send_for_hash(
            "record a register snapshot",
            "recordRegisterSnapshot",
            check.bytes32(snapshot_hash, "snapshot_hash"),
            check.timepoint(snapshot_date, "snapshot_date"),
        )

    def register_snapshots(self) -> list[RegisterSnapshot]:
        """Every register snapshot recorded, oldest first, from one `eth_getLogs`."""
        found = self._contract.logs([_events.topic("RegisterSnapshotRecorded")])
        return [
            RegisterSnapshot(event.snapshot_hash, event.snapshot_date, event.block_number, event.transaction)
            for event in _events.of_type(found, _events.RegisterSnapshotRecorded)
        ]

    def role_of(self, address: str) -> Role | None:
        (role,) = self._contract.read("roleOf", check.address(address, "address"))
        return Role(role) if role else None

    def register_mine(
        self,
        operator: str,
        permit_hash: bytes | str,
        permit_expiry: int,
        country: str,
        location_hash: bytes | str,
        capacity_mg: int,
        passport_hash: bytes | str,
    ) -> MineId:
        receipt = self._contract.send(
            "register a mine",
            "registerMine",
            check.address(operator, "operator"),
            check.bytes32(permit_hash, "permit_hash"),
            check.uint(permit_expiry, "permit_expiry"),
            check.country(country),
            check.bytes32(location_hash, "location_hash"),
            check.uint(capacity_mg, "capacity_mg"),
            check.bytes32(passport_hash, "passport_hash"),
        )
        (event,) = self._contract.events(receipt, _events.MineRegistered)
        return event.mine_id

    def update_permit(self, mine_id: MineId, permit_hash: bytes | str, permit_expiry: int) -> str:
        return self._contract.send_for_hash(
            "update a permit",
            "updatePermit",
            check.uint(mine_id, "mine_id"),
            check.bytes32(permit_hash, "permit_hash"),
            check.uint(permit_expiry, "permit_expiry"),
        )

    def set_mine_capacity(self, mine_id: MineId, capacity_mg: int) -> str:
        return self._contract.send_for_hash(
            "set a mine's capacity",
            "setMineCapacity",
            check.uint(mine_id, "mine_id"),
            check.uint(capacity_mg, "capacity_mg"),
        )

    def set_mine_passport(self, mine_id: MineId, passport_hash: bytes | str) -> str:
        return self._contract.send_for_hash(
            "set a mine's passport",
            "setMinePassport",
            check.uint(mine_id, "mine_id"),
            check.bytes32(passport_hash, "passport_hash"),
        )

    def set_mine_status(self, mine_id: MineId, status: MineStatus) -> str:
        function = _STATUS_FUNCTIONS[MineStatus(status)]
        return self._contract.send_for_hash(
            "change a mine's status", function, check.uint(mine_id, "mine_id")
        )

    def mine(self, mine_id: MineId) -> Mine:
        (record,) = self._contract.read("mine", check.uint(mine_id, "mine_id"))
        return mine_from_record(mine_id, record)

    def mines(self, mine_ids: Sequence[MineId]) -> dict[MineId, Mine]:
        """Several mines' records in one batch of calls."""
        records = self._contract.chain.read_many(self._contract.address, "mine", [[m] for m in mine_ids])
        return {m: mine_from_record(m, record[0]) for m, record in zip(mine_ids, records, strict=True)}

    def register_import(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> str:
        """Sends a register import's calls (its snapshot first) in one `multicall`."""
        receipt = self._contract.multicall("import a register", calls)
        return "0x" + bytes(receipt["transactionHash"]).hex()

    def chain_time(self) -> int:
        """The time of the latest block (Unix seconds): the chain's "now" for permit expiries."""
        return int(self._contract.chain.w3.eth.get_block("latest")["timestamp"])

    def mine_count(self) -> int:
        (count,) = self._contract.read("mineCount")
        return int(count)
