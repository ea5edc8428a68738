"""The registrar's verbs of `filon.Client`: participants and mines (a mixin that keeps the façade small)."""

from __future__ import annotations

from filon._checks import ZERO_HASH
from filon._registry import Registry
from filon._types import Mine, MineId, MineStatus, RegisterSnapshot, Role


class RegistrarVerbs:
    """Admitting participants and managing mines, through `_registry` (set by `Client`)."""

    _registry: Registry

    def register_participant(self, address: str, role: Role) -> str:
        """Admits `address` with `role`, or changes the role of an admitted participant (registrar only).

        Returns:
            The transaction hash.

        Raises:
            Unauthorized: The client's account is not a registrar.
            InvalidAccount: `address` is the zero address.
        """
        return self._registry.register_participant(address, role)

    def remove_participant(self, address: str) -> str:
        """Withdraws the admission of `address`; it keeps its lots but can receive none (registrar only).

        Returns:
            The transaction hash.

        Raises:
            Unauthorized: The client's account is not a registrar.
            NotParticipant: `address` is not admitted.
        """
        return self._registry.remove_participant(address)

    def publish_participant_record(self, address: str, record_hash: bytes | str) -> str:
        """Vouches for an admitted participant's record (its name, registration and address, a document in the
        document store) by publishing its hash (registrar only). The latest published record counts.

        Args:
            address: The participant.
            record_hash: The record's hash (32 bytes or 0x hex), not zero.

        Returns:
            The transaction hash.

        Raises:
            Unauthorized: The client's account is not a registrar.
            NotParticipant: `address` is not admitted.
            EmptyHash: `record_hash` is zero.
        """
        return self._registry.publish_participant_record(address, record_hash)

    def participant_record(self, address: str) -> bytes | None:
        """The hash of the latest record the registrar published for `address`, or None.

        The contract keeps no record (event only): this reads the `ParticipantRecordPublished` logs of
        `address` in one `eth_getLogs` from the deployment block.
        """
        return self._registry.participant_record(address)

    def record_register_snapshot(self, snapshot_hash: bytes | str, snapshot_date: int) -> str:
        """Records that the registrar imported the government register of mines as of `snapshot_date`
        (registrar only). A register import sends it in one `multicall` with the status and permit changes it
        applies, so that readers attribute them to the snapshot.

        Args:
            snapshot_hash: The hash of the register file imported (32 bytes or 0x hex), not zero.
            snapshot_date: The Unix time the register speaks for; after 1970-01-01 and not in the future.

        Returns:
            The transaction hash.

        Raises:
            Unauthorized: The client's account is not a registrar.
            EmptyHash: `snapshot_hash` is zero.
            InvalidSnapshotDate: `snapshot_date` is zero or in the future.
        """
        return self._registry.record_register_snapshot(snapshot_hash, snapshot_date)

    def register_snapshots(self) -> list[RegisterSnapshot]:
        """Every government register snapshot recorded, oldest first, each with the block and transaction
        of its import (the contract keeps none: one `eth_getLogs`)."""
        return self._registry.register_snapshots()

    def role_of(self, address: str) -> Role | None:
        """The role `address` is admitted with, or None if it is not admitted."""
        return self._registry.role_of(address)

    def register_mine(
        self,
        operator: str,
        permit_hash: bytes | str,
        permit_expiry: int,
        country: str,
        location_hash: bytes | str,
        capacity_mg: int,
        passport_hash: bytes | str = ZERO_HASH,
    ) -> MineId:
        """Registers an active mine run by `operator` (registrar only).

        Args:
            operator: The mine operator, admitted as `Role.MINE_OPERATOR` and operating no other mine (an
                address operates at most one mine: a cooperative with several mines uses one key per mine).
            permit_hash: Hash of the mining permit (32 bytes or 0x hex).
            permit_expiry: Unix time the permit expires; must be in the future.
            country: ISO 3166-1 alpha-2 code, e.g. "PE".
            location_hash: Hash of the location record.
            capacity_mg: Fine gold the mine may declare per calendar year, in milligrams.
            passport_hash: Hash of the mine's own documents (zero if none).

        Returns:
            The new mine's id.

        Raises:
            Unauthorized: The client's account is not a registrar.
            NotMineOperatorRole: `operator` is not admitted as a mine operator.
            OperatorHasMine: `operator` already operates a mine (`mine_id` says which).
            InvalidCountry, InvalidPermitExpiry, InvalidCapacity: An argument breaks a rule.
        """
        return self._registry.register_mine(
            operator, permit_hash, permit_expiry, country, location_hash, capacity_mg, passport_hash
        )

    def update_permit(self, mine_id: MineId, permit_hash: bytes | str, permit_expiry: int) -> str:
        """Records a renewed or replaced permit (registrar only); a revoked mine stays revoked.

        Returns:
            The transaction hash.

        Raises:
            UnknownMine: No such mine.
            InvalidPermitExpiry: `permit_expiry` is not in the future.
        """
        return self._registry.update_permit(mine_id, permit_hash, permit_expiry)

    def set_mine_capacity(self, mine_id: MineId, capacity_mg: int) -> str:
        """Changes a mine's yearly capacity (registrar only); this year's declarations count against it.

        Returns:
            The transaction hash.

        Raises:
            UnknownMine: No such mine.
            InvalidCapacity: `capacity_mg` is zero or too large.
        """
        return self._registry.set_mine_capacity(mine_id, capacity_mg)

    def set_mine_passport(self, mine_id: MineId, passport_hash: bytes | str) -> str:
        """Changes the hash of a mine's own documents (registrar only).

        Returns:
            The transaction hash.
        """
        return self._registry.set_mine_passport(mine_id, passport_hash)

    def set_mine_status(self, mine_id: MineId, status: MineStatus) -> str:
        """Suspends, reactivates or revokes a mine (registrar only).

        `SUSPENDED` needs an active mine, `ACTIVE` a suspended one; `REVOKED` is final.

        Returns:
            The transaction hash.

        Raises:
            UnknownMine: No such mine.
            InvalidMineStatusChange: The mine's current status does not allow the change.
        """
        return self._registry.set_mine_status(mine_id, status)

    def mine(self, mine_id: MineId) -> Mine:
        """The mine's current record.

        Raises:
            UnknownMine: No such mine.
        """
        return self._registry.mine(mine_id)

    def mine_count(self) -> int:
        """How many mines have been registered (ids run from 1 to this number)."""
        return self._registry.mine_count()
