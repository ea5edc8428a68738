"""The registrar's verbs of `filon.Client`: participants and mines (a mixin that keeps the façade small)."""

from __future__ import annotations

from collections.abc import Callable

from web3 import Web3

from filon._checks import ZERO_HASH
from filon._records import MineRecord, Participant, ParticipantRecord, read_record, store_record, with_record
from filon._register import RegisterDiff, plan_import
from filon._registry import Registry
from filon._types import Mine, MineId, MineStatus, RegisterSnapshot, Role
from filon.passport._store import DocumentStore


class RegistrarVerbs:
    """Admitting participants and managing mines, through `_registry` (set by `Client`)."""

    _registry: Registry
    store: DocumentStore

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

    def publish_participant_record(self, address: str, record: ParticipantRecord) -> str:
        """Vouches for an admitted participant's record (registrar only): stores its canonical bytes in the
        client's document store and publishes their SHA-256 on chain. The latest published record counts.

        Args:
            address: The participant.
            record: Who it is.

        Returns:
            The transaction hash.

        Raises:
            Unauthorized: The client's account is not a registrar (nothing is sent).
            NotParticipant: `address` is not admitted (nothing is sent).
        """
        return self._registry.publish_participant_record(address, store_record(self.store, record))

    def participant(self, address: str) -> Participant:
        """An address's role and the record the registrar published for it, checked against its hash.

        The record's hash comes from one `eth_getLogs` (the contract keeps no record, only events), its
        bytes from the client's document store; `record` is None unless those bytes hash to it and parse.

        Raises:
            InvalidInput: `address` is not an address.
            StoreUnavailable: A remote store cannot be reached.
        """
        published = self._registry.participant_record(address)
        record, state = read_record(self.store, published, ParticipantRecord)
        return Participant(
            address=Web3.to_checksum_address(address),
            role=self._registry.role_of(address),
            record=record,
            record_hash=published,
            record_state=state,
        )

    def publish_mine_record(self, mine_id: MineId, record: MineRecord) -> str:
        """Vouches for a mine's record (registrar only): stores its canonical bytes in the client's document
        store and sets their SHA-256 as the mine's `passport_hash` (`setMinePassport`).

        Returns:
            The transaction hash.

        Raises:
            Unauthorized: The client's account is not a registrar (nothing is sent).
            UnknownMine: No such mine (nothing is sent).
        """
        return self._registry.set_mine_passport(mine_id, store_record(self.store, record))

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

    def plan_register_import(
        self,
        data: bytes,
        snapshot_date: int,
        *,
        revoke_excluded: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> RegisterDiff:
        """What importing a government register file would change (nothing is sent): see
        `filon.plan_import` for the rules. Reads every mine in one batch of calls, and each one's record
        from the client's document store.

        Args:
            data: The register file's bytes (UTF-8 CSV with a header naming the columns).
            snapshot_date: The Unix time the register speaks for.
            revoke_excluded: Revoke the mines the register excludes (final), instead of suspending them.
            progress: Called with the number of rows read so far.

        Raises:
            InvalidInput: The file cannot be read, or two mines' records carry the same register code.
        """
        ids = [MineId(number) for number in range(1, self._registry.mine_count() + 1)]
        mines = [with_record(self.store, mine) for mine in self._registry.mines(ids).values()]
        return plan_import(
            data,
            snapshot_date,
            mines,
            self._registry.chain_time(),
            revoke_excluded=revoke_excluded,
            progress=progress,
        )

    def apply_register_import(self, diff: RegisterDiff) -> str | None:
        """Applies a register import (registrar only): the snapshot's hash and date and every change, in one
        `multicall`, so that all of it takes effect or none. A diff without changes sends nothing: importing
        the same file again records nothing.

        Returns:
            The transaction hash, or None when there was nothing to apply.

        Raises:
            Unauthorized: The client's account is not a registrar (nothing is sent).
            InvalidSnapshotDate: The snapshot's date is in the future (nothing is sent).
            ContractRevert: (its subclass) a change the chain no longer allows (nothing is sent).
        """
        if not diff.changes:
            return None
        return self._registry.register_import(diff.calls)

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
        """The mine as the contract reports it now, with the record the registrar published for it (its
        `record` is None unless the bytes the store holds hash to the mine's `passport_hash` and parse).

        Raises:
            UnknownMine: No such mine.
            StoreUnavailable: A remote store cannot be reached.
        """
        return with_record(self.store, self._registry.mine(mine_id))

    def mine_count(self) -> int:
        """How many mines have been registered (ids run from 1 to this number)."""
        return self._registry.mine_count()
