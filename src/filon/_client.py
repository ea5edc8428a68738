"""`Client`: the registrar's and the supply chain's writes, and reads rebuilt from event logs."""

from __future__ import annotations

import datetime
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import LogReceipt, TxParams, TxReceipt

from filon import _events, _passports
from filon._chain import Chain, Topic, address_topic, event_topic, uint_topic
from filon._deployment import Deployment, open_chain
from filon._errors import AccountRequired, FilonError, InvalidInput, UnknownLot
from filon._offline import DeclarationDomain, SignedDeclaration
from filon._passports import DocumentMatch, PassportVersion
from filon._tx import Sent, Transactor
from filon._types import (
    Consumed,
    Form,
    HistoryEvent,
    Lot,
    LotDeclaration,
    LotId,
    LotOutput,
    Mine,
    MineId,
    MineStatus,
    Provenance,
    Role,
)
from filon.passport._carbon import CarbonFootprint
from filon.passport._disclosure import Disclosure
from filon.passport._exports import epcis_document, passport_credential, sign_credential
from filon.passport._schema import Passport
from filon.passport._store import DocumentStore

ZERO_HASH = b"\0" * 32
_ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# Ids per OR-list in one eth_getLogs: far above any real generation, below the limits nodes put on filters.
_TOPIC_CHUNK = 500
_STATUS_FUNCTIONS = {
    MineStatus.ACTIVE: "reactivateMine",
    MineStatus.SUSPENDED: "suspendMine",
    MineStatus.REVOKED: "revokeMine",
}


def _bytes32(value: bytes | str, name: str) -> bytes:
    if isinstance(value, bytes) and len(value) == 32:
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise InvalidInput(f"{name} must be 32 bytes or a 0x-prefixed 64-digit hex string, got {value!r}")


def _address(value: str, name: str) -> str:
    if isinstance(value, str) and Web3.is_address(value):
        return str(Web3.to_checksum_address(value))
    raise InvalidInput(f"{name} must be a 0x-prefixed 20-byte address, got {value!r}")


_UINT256_MAX = 2**256 - 1
_PREFLIGHT_ROOT = bytes(Web3.keccak(text="filon:preflight"))
"""A non-zero passport root for checking a write before the real root exists (no rule reads its value)."""


def _uint(value: int, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _UINT256_MAX:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > _UINT256_MAX:
        digits = str(value)
        shown = digits if len(digits) <= 80 else f"{digits[:20]}... ({len(digits)} digits)"
        raise InvalidInput(f"{name} must be below 2^256 (what the contract can hold), got {shown}")
    raise InvalidInput(f"{name} must be a non-negative int, got {value!r}")


def _country(value: str) -> bytes:
    if isinstance(value, str) and len(value) == 2 and value.isascii():
        return value.encode("ascii")
    raise InvalidInput(f"country must be a two-letter ISO 3166-1 code such as 'PE', got {value!r}")


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _where(lot_id: LotId, log: LogReceipt) -> dict[str, Any]:
    """The `LotEvent` fields of a history entry from `log`."""
    return {
        "lot_id": lot_id,
        "block_number": int(log["blockNumber"]),
        "transaction_hash": _hex(log["transactionHash"]),
        "log_index": int(log["logIndex"]),
    }


@dataclass
class _Facts:
    """What a lot's own events say about it (everything but its holder)."""

    form: Form
    fine_gold_mg: int
    gross_mass_mg: int
    mine_id: MineId | None
    parents: tuple[LotId, ...]
    passport_root: bytes
    passport_version: int
    passport_uri: str
    external_ref: str

    def lot(self, lot_id: LotId, holder: str | None) -> Lot:
        return Lot(
            id=lot_id,
            holder=holder,
            form=self.form,
            fine_gold_mg=self.fine_gold_mg,
            gross_mass_mg=self.gross_mass_mg,
            mine_id=self.mine_id,
            parents=self.parents,
            consumed=holder is None,
            passport_root=self.passport_root,
            passport_version=self.passport_version,
            passport_uri=self.passport_uri,
            external_ref=self.external_ref,
        )


class Client:
    """A connection to one Filón deployment, optionally with an account to send transactions.

    Create it with `filon.connect`. Writes are signed locally and sent raw; each is estimated first,
    so a call the contract would reject raises its specific `ContractRevert` subclass without sending
    anything. Reads of lots rebuild what the contract no longer stores from its event logs, with one
    `eth_getLogs` per kind of event (per generation of ancestors for `provenance`), never one per lot.
    Threads may share a client: its sends take the account's nonces in turn.
    """

    def __init__(
        self,
        chain: Chain,
        deployment: Deployment,
        account: LocalAccount | None,
        *,
        timeout: float,
        store: DocumentStore | None = None,
        salts_folder: Path | None = None,
    ) -> None:
        self.store = store if store is not None else _passports.default_store()
        self.salts_folder = salts_folder if salts_folder is not None else self.store.path.parent / "salts"
        self._chain = chain
        self.deployment = deployment
        self.account = account
        self._sender = Transactor(chain, account, deployment.chain_id, timeout=timeout) if account else None

    def __repr__(self) -> str:
        who = self.account.address if self.account else "read-only"
        where = f"{self.deployment.address} on chain {self.deployment.chain_id} via {self._chain.shown_url}"
        return f"<filon.Client {where} ({who})>"

    @property
    def address(self) -> str | None:
        """The address of the client's account, or None for a read-only client."""
        return self.account.address if self.account else None

    @property
    def contract_address(self) -> str:
        """The FilonLots contract address."""
        return self.deployment.address

    # ------------------------------------------------------------------ plumbing

    def _transactor(self, action: str) -> Transactor:
        if self._sender is None:
            raise AccountRequired(
                f"Cannot {action}: this client is read-only. "
                "Pass account= to filon.connect to send transactions."
            )
        return self._sender

    def _send(self, action: str, function: str, *args: Any) -> TxReceipt:
        sender = self._transactor(action)
        return sender.transact(self.contract_address, self._chain.encode_call(function, args))

    def _preflight(self, action: str, data: bytes) -> None:
        """Runs a write (calldata `data`) as a call from the client's account, so that one the contract would
        refuse raises its specific error before anything is written locally (a passport's documents,
        package and salts). Only a change of state between this call and the send can still refuse it."""
        sender = self._transactor(action)
        call = {"from": sender.address, "to": self.contract_address, "data": _hex(data)}
        self._chain.call(cast(TxParams, call))

    def _send_for_hash(self, action: str, function: str, *args: Any) -> str:
        """`_send` for writes that create nothing: returns the transaction hash."""
        return _hex(self._send(action, function, *args)["transactionHash"])

    def _read(self, function: str, *args: Any) -> tuple[Any, ...]:
        return self._chain.read(self.contract_address, function, *args)

    def _events(self, receipt: TxReceipt, name: str) -> list[dict[str, Any]]:
        found = []
        for log in receipt["logs"]:
            if log["address"] != self.contract_address:
                continue
            decoded = self._chain.decode_log(log)
            if decoded is not None and decoded[0] == name:
                found.append(decoded[1])
        return found

    def _logs(self, topics: Sequence[Topic]) -> list[tuple[str, dict[str, Any], LogReceipt]]:
        decoded = []
        for log in self._chain.logs(
            self.contract_address, topics, from_block=self.deployment.deployment_block
        ):
            event = self._chain.decode_log(log)
            if event is not None:
                decoded.append((event[0], event[1], log))
        return decoded

    def _logs_by_id(
        self, events: Sequence[str], ids: Collection[int], *, position: int = 1
    ) -> list[tuple[str, dict[str, Any], LogReceipt]]:
        """Logs of `events` whose topic at `position` is one of `ids`, in chain order."""
        ordered = sorted(set(ids))
        found: list[tuple[str, dict[str, Any], LogReceipt]] = []
        for start in range(0, len(ordered), _TOPIC_CHUNK):
            chunk = [uint_topic(i) for i in ordered[start : start + _TOPIC_CHUNK]]
            topics: list[Topic] = [[event_topic(e) for e in events], *([None] * (position - 1)), chunk]
            found.extend(self._logs(topics))
        found.sort(key=lambda item: (item[2]["blockNumber"], item[2]["logIndex"]))
        return found

    # ------------------------------------------------------------------ participants

    def register_participant(self, address: str, role: Role) -> str:
        """Admits `address` with `role`, or changes the role of an admitted participant (registrar only).

        Returns:
            The transaction hash.

        Raises:
            Unauthorized: The client's account is not a registrar.
            InvalidAccount: `address` is the zero address.
        """
        return self._send_for_hash(
            "register a participant", "registerParticipant", _address(address, "address"), int(Role(role))
        )

    def remove_participant(self, address: str) -> str:
        """Withdraws the admission of `address`; it keeps its lots but can receive none (registrar only).

        Returns:
            The transaction hash.

        Raises:
            Unauthorized: The client's account is not a registrar.
            NotParticipant: `address` is not admitted.
        """
        return self._send_for_hash("remove a participant", "removeParticipant", _address(address, "address"))

    def role_of(self, address: str) -> Role | None:
        """The role `address` is admitted with, or None if it is not admitted."""
        (role,) = self._read("roleOf", _address(address, "address"))
        return Role(role) if role else None

    # ------------------------------------------------------------------ mines

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
        receipt = self._send(
            "register a mine",
            "registerMine",
            _address(operator, "operator"),
            _bytes32(permit_hash, "permit_hash"),
            _uint(permit_expiry, "permit_expiry"),
            _country(country),
            _bytes32(location_hash, "location_hash"),
            _uint(capacity_mg, "capacity_mg"),
            _bytes32(passport_hash, "passport_hash"),
        )
        (event,) = self._events(receipt, "MineRegistered")
        return MineId(event["mineId"])

    def update_permit(self, mine_id: MineId, permit_hash: bytes | str, permit_expiry: int) -> str:
        """Records a renewed or replaced permit (registrar only); a revoked mine stays revoked.

        Returns:
            The transaction hash.

        Raises:
            UnknownMine: No such mine.
            InvalidPermitExpiry: `permit_expiry` is not in the future.
        """
        return self._send_for_hash(
            "update a permit",
            "updatePermit",
            _uint(mine_id, "mine_id"),
            _bytes32(permit_hash, "permit_hash"),
            _uint(permit_expiry, "permit_expiry"),
        )

    def set_mine_capacity(self, mine_id: MineId, capacity_mg: int) -> str:
        """Changes a mine's yearly capacity (registrar only); this year's declarations count against it.

        Returns:
            The transaction hash.

        Raises:
            UnknownMine: No such mine.
            InvalidCapacity: `capacity_mg` is zero or too large.
        """
        return self._send_for_hash(
            "set a mine's capacity",
            "setMineCapacity",
            _uint(mine_id, "mine_id"),
            _uint(capacity_mg, "capacity_mg"),
        )

    def set_mine_passport(self, mine_id: MineId, passport_hash: bytes | str) -> str:
        """Changes the hash of a mine's own documents (registrar only).

        Returns:
            The transaction hash.
        """
        return self._send_for_hash(
            "set a mine's passport",
            "setMinePassport",
            _uint(mine_id, "mine_id"),
            _bytes32(passport_hash, "passport_hash"),
        )

    def set_mine_status(self, mine_id: MineId, status: MineStatus) -> str:
        """Suspends, reactivates or revokes a mine (registrar only).

        `SUSPENDED` needs an active mine, `ACTIVE` a suspended one; `REVOKED` is final.

        Returns:
            The transaction hash.

        Raises:
            UnknownMine: No such mine.
            InvalidMineStatusChange: The mine's current status does not allow the change.
        """
        function = _STATUS_FUNCTIONS[MineStatus(status)]
        return self._send_for_hash("change a mine's status", function, _uint(mine_id, "mine_id"))

    def mine(self, mine_id: MineId) -> Mine:
        """The mine's current record.

        Raises:
            UnknownMine: No such mine.
        """
        (record,) = self._read("mine", _uint(mine_id, "mine_id"))
        return self._mine(mine_id, record)

    @staticmethod
    def _mine(mine_id: int, record: Sequence[Any]) -> Mine:
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

    def mine_count(self) -> int:
        """How many mines have been registered (ids run from 1 to this number)."""
        (count,) = self._read("mineCount")
        return int(count)

    # ------------------------------------------------------------------ lots: writes

    def _declare_call(self, declaration: LotDeclaration) -> bytes:
        return self._chain.encode_call(
            "declareLot",
            (
                _uint(declaration.mine_id, "mine_id"),
                _uint(declaration.fine_gold_mg, "fine_gold_mg"),
                _uint(declaration.gross_mass_mg, "gross_mass_mg"),
                _bytes32(declaration.passport_root, "passport_root"),
                declaration.passport_uri,
                declaration.external_ref,
            ),
        )

    def _declared_id(self, receipt: TxReceipt) -> LotId:
        (event,) = self._events(receipt, "LotDeclared")
        return LotId(event["lotId"])

    def declare_lot(
        self,
        mine_id: MineId,
        fine_gold_mg: int,
        gross_mass_mg: int,
        passport_root: bytes | str,
        passport_uri: str = "",
        external_ref: str = "",
    ) -> LotId:
        """Declares an ore lot from `mine_id`, minted to the client's account (the mine's operator).

        Args:
            mine_id: The mine; the client's account must operate it, and it must be active and permitted.
            fine_gold_mg: Fine gold in the lot, in milligrams; counts against the mine's yearly capacity.
            gross_mass_mg: Gross mass of the lot, in milligrams.
            passport_root: Root of the lot's passport (32 bytes or 0x hex), not zero.
            passport_uri: Where the passport can be fetched.
            external_ref: The partner's own lot number, unique per declaring account: a retried call with
                the same reference raises `DuplicateExternalRef` (carrying the lot already declared)
                instead of minting twice.

        Returns:
            The new lot's id.

        Raises:
            InvalidMass, EmptyPassportRoot, UnknownMine, NotMineOperator, NotMineOperatorRole, MineNotActive,
            PermitExpired, CapacityExceeded, DuplicateExternalRef: The contract's rules, checked in this
                order (the first one broken is raised); nothing is sent.
        """
        declaration = LotDeclaration(
            mine_id, fine_gold_mg, gross_mass_mg, passport_root, passport_uri, external_ref
        )
        sender = self._transactor("declare a lot")
        receipt = sender.transact(self.contract_address, self._declare_call(declaration))
        return self._declared_id(receipt)

    def declare_lots(self, declarations: Iterable[LotDeclaration]) -> list[LotId]:
        """Declares many ore lots at once: sends them all without waiting, then awaits every receipt.

        Each declaration is first estimated against the current state, so a declaration the contract
        would reject now raises its error before anything is sent. Declarations that only fail once
        mined (e.g. the batch as a whole exceeds a mine's capacity) raise the specific error of the
        first one that failed, found by replaying it; the error's `confirmed_lot_ids` lists the lots of
        the batch that were minted anyway and `batch_index` the failed declaration.

        If the node goes away while the receipts are awaited (it crashed, the connection dropped), the
        `RpcUnavailable` raised says the same: `confirmed_lot_ids` are the lots whose receipts were read,
        and the declarations from `batch_index` on are unconfirmed — mined or not, nobody knows yet. To
        finish such a batch without declaring anything twice, give every declaration an `external_ref`
        and, once the node is back, declare again those that `lot_by_external_ref` does not find.
        (Resending the whole batch is safe too: estimation refuses the first declaration already on
        chain with `DuplicateExternalRef` and sends nothing.)

        Args:
            declarations: The lots to declare, in order.

        Returns:
            The new lot ids, in the order of `declarations`.

        Raises:
            InvalidInput: Two declarations share an external reference (nothing is sent).
            ContractRevert: (the specific subclass) a declaration failed; see above.
            TransactionTimeout: A declaration was not mined in time.
            RpcUnavailable: The node cannot be reached: before sending (nothing was sent, no
                `batch_index`) or while awaiting the receipts (see above).
        """
        batch = list(declarations)
        sender = self._transactor("declare lots")
        seen: dict[str, int] = {}
        for index, declaration in enumerate(batch):
            ref = declaration.external_ref
            if ref and ref in seen:
                raise InvalidInput(
                    f"Declarations {seen[ref]} and {index} of the batch share the external reference {ref!r}"
                )
            seen[ref] = index
        if not batch:
            return []
        calls = [self._declare_call(declaration) for declaration in batch]
        prepared = []
        for index, fields in enumerate(sender.prepare(self.contract_address, calls)):
            if isinstance(fields, FilonError):
                fields.batch_index = index  # rejected at estimation: nothing of the batch is sent
                raise fields
            prepared.append(fields)
        results = sender.send_many(prepared)
        outcomes = iter(sender.wait([result for result in results if isinstance(result, Sent)]))
        ids: list[LotId] = []
        failures: list[tuple[int, FilonError]] = []
        for index, result in enumerate(results):
            if isinstance(result, FilonError):  # never sent
                failures.append((index, result))
                continue
            outcome = next(outcomes)
            if outcome.error is not None:
                failures.append((index, outcome.error))
            elif outcome.receipt is not None:
                ids.append(self._declared_id(outcome.receipt))
        if failures:
            index, error = failures[0]
            error.batch_index = index
            error.confirmed_lot_ids = tuple(ids)
            raise error
        return ids

    def submit_declaration(self, declaration: SignedDeclaration) -> LotId:
        """Submits an ore lot declaration that the mine's operator signed offline (EIP-712).

        The client's account (any admitted participant, typically the plant buying the ore) sends it;
        the lot is minted to the declaration's recipient, and its external reference is filed under the
        operator.

        Returns:
            The new lot's id.

        Raises:
            InvalidInput: The declaration was signed for another deployment (chain or contract); nothing
                is sent.
            DeclarationExpired, UnknownMine, InvalidDeclarationSignature, InvalidAccountNonce: The deadline,
            mine, signature or nonce does not hold; nothing is sent.
            InvalidMass, EmptyPassportRoot, NotMineOperatorRole, MineNotActive, PermitExpired,
            CapacityExceeded, DuplicateExternalRef: The rules of `declare_lot` for the operator, checked as
                of submission and in that order; nothing is sent.
            NotParticipant: The client's account is not admitted (checked before anything else), or the
                recipient is not (checked after everything else).
        """
        ours = DeclarationDomain.of(self.deployment)
        if declaration.domain != ours:
            raise InvalidInput(
                f"This declaration was signed for contract {declaration.verifying_contract} on chain "
                f"{declaration.chain_id}, not for {ours.verifying_contract} on chain {ours.chain_id}"
            )
        receipt = self._send(
            "submit a declaration",
            "submitDeclaration",
            tuple(declaration.as_contract_tuple()),
            declaration.passport_uri,
            bytes(declaration.signature),
        )
        return self._declared_id(receipt)

    def declaration_nonce(self, operator: str, key: int = 0) -> int:
        """The nonce the next declaration `operator` signs offline under `key` must carry (key and sequence
        packed, as `filon.declaration_nonce` makes them). Key 0 is the plain sequence 0, 1, 2, ...
        """
        if not 0 <= key < 2**192:
            raise InvalidInput(f"A nonce key is below 2**192, not {key}")
        (value,) = self._read("nonces(address,uint192)", _address(operator, "operator"), key)
        return int(value)

    def cancel_declaration(self, key_nonce: int) -> str:
        """Cancels a declaration the client's account (a mine operator) signed offline: its nonce is used up,
        so it can never be submitted.

        Returns:
            The transaction hash.

        Raises:
            InvalidAccountNonce: `key_nonce` is not the next nonce of its key (already used, or out of order).
        """
        return self._send_for_hash("cancel a declaration", "cancelDeclaration", _uint(key_nonce, "key_nonce"))

    def record_passport(self, lot_id: LotId, passport_root: bytes | str, passport_uri: str = "") -> int:
        """Records a new passport version of a lot the client's account holds.

        Returns:
            The new passport version (2, 3, ...).

        Raises:
            NotHolder: The client's account does not hold the lot.
            LotConsumed, UnknownLot: The lot cannot be used.
            EmptyPassportRoot: `passport_root` is zero.
        """
        receipt = self._send(
            "record a passport",
            "recordPassport",
            _uint(lot_id, "lot_id"),
            _bytes32(passport_root, "passport_root"),
            passport_uri,
        )
        (event,) = self._events(receipt, "PassportRecorded")
        return int(event["version"])

    def transfer(self, lot_id: LotId, to: str, *, from_address: str | None = None) -> str:
        """Moves a lot to `to`, an admitted participant (ERC-721 `transferFrom`).

        Args:
            lot_id: The lot.
            to: The receiver.
            from_address: The holder, when the client's account is only approved for the lot;
                defaults to the client's account.

        Returns:
            The transaction hash.

        Raises:
            NotParticipant: `to` is not admitted.
            NotApproved, IncorrectOwner: The client's account may not move the lot.
            LotConsumed, UnknownLot: The lot cannot be used.
        """
        sender = self._transactor("transfer a lot")
        holder = _address(from_address, "from_address") if from_address is not None else sender.address
        return self._send_for_hash(
            "transfer a lot", "transferFrom", holder, _address(to, "to"), _uint(lot_id, "lot_id")
        )

    def transform(
        self,
        inputs: Sequence[LotId],
        outputs: Sequence[LotOutput],
        passport_root: bytes | str,
        passport_uri: str = "",
    ) -> list[LotId]:
        """Consumes `inputs` and mints `outputs` to their holder (merge, split, process, refine).

        Args:
            inputs: Live lots held by one holder, for whom the client's account acts.
            outputs: The new lots; their fine gold sums to at most the inputs'.
            passport_root: Root of the outputs' passport.
            passport_uri: Where that passport can be fetched.

        Returns:
            The output lot ids, in the order of `outputs`.

        Raises:
            MassNotConserved: The outputs hold more fine gold than the inputs.
            NotHolder, MixedHolders, LotConsumed, UnknownLot, InvalidMass, InvalidTransformation,
            EmptyPassportRoot: The contract's other rules.
        """
        receipt = self._send(
            "transform lots", "transform", *self._transform_args(inputs, outputs, passport_root, passport_uri)
        )
        return [LotId(event["lotId"]) for event in self._events(receipt, "LotProduced")]

    @staticmethod
    def _transform_args(
        inputs: Sequence[LotId], outputs: Sequence[LotOutput], passport_root: bytes | str, passport_uri: str
    ) -> tuple[Any, ...]:
        encoded_outputs = [
            (
                int(Form(o.form)),
                _uint(o.fine_gold_mg, "fine_gold_mg"),
                _uint(o.gross_mass_mg, "gross_mass_mg"),
            )
            for o in outputs
        ]
        return (
            [_uint(i, "inputs") for i in inputs],
            encoded_outputs,
            _bytes32(passport_root, "passport_root"),
            passport_uri,
        )

    # ------------------------------------------------------------------ lots: reads

    def lot_count(self) -> int:
        """How many lots have ever been minted, consumed ones included.

        Not the highest lot id, and not a bound to loop up to: each holder mints from its own block of
        `LOT_ID_BLOCK` (100) ids, so ids are unique but neither contiguous nor in minting order. List
        lots with `lots_of`, or follow them with `history` and `provenance`.

        The contract keeps no count (a global counter would cost every mint a storage write): this counts
        the ERC-721 `Transfer` events from the zero address in one `eth_getLogs` from the deployment block
        (one per `max_log_range` blocks when set), so its cost grows with the number of lots.
        """
        mint = [event_topic("Transfer"), address_topic(_ZERO_ADDRESS)]
        return len(self._chain.logs(self.contract_address, mint, from_block=self.deployment.deployment_block))

    # ------------------------------------------------------------------ passports

    def declare_lot_with_passport(
        self,
        mine_id: MineId,
        passport: Passport,
        *,
        documents: Mapping[str, bytes] | None = None,
        external_ref: str = "",
        public_fields: Sequence[str] | None = None,
    ) -> LotId:
        """Declares an ore lot with its passport: stores the documents and the published package, records
        the root, and keeps the salts. Fine gold and gross mass come from `passport.quantity`.

        Args:
            mine_id: The mine (the client's account operates it).
            passport: The lot's passport.
            documents: Documents it cites in `conformity`, by name, to store beside it.
            external_ref: Your own reference for the lot (unique per operator).
            public_fields: The fields the published package discloses (None: all).

        Returns:
            The new lot's id.

        Raises:
            InvalidInput: A document is not cited by the passport.
            ContractRevert: Any rule of `declare_lot`, checked before anything is stored: nothing is
                written then (the documents and salts stay in the store only if the chain changed between
                that check and the send, harmlessly).
        """
        self._preflight(
            "declare a lot",
            self._declare_call(
                LotDeclaration(
                    mine_id,
                    passport.quantity.fine_gold_mg,
                    passport.quantity.gross_mass_mg,
                    _PREFLIGHT_ROOT,
                    "",
                    external_ref,
                )
            ),
        )
        prepared = _passports.prepare_passport(passport, self.store, documents, public_fields=public_fields)
        _passports.keep_salts(self.salts_folder, self, prepared.root, prepared.salts)
        lot_id = self.declare_lot(
            mine_id,
            fine_gold_mg=passport.quantity.fine_gold_mg,
            gross_mass_mg=passport.quantity.gross_mass_mg,
            passport_root=prepared.root,
            passport_uri=prepared.uri,
            external_ref=external_ref,
        )
        _passports.save_salts(self.salts_folder, self, lot_id, 1, prepared.salts)
        return lot_id

    def transform_with_passport(
        self,
        inputs: Sequence[LotId],
        outputs: Sequence[LotOutput],
        passport: Passport,
        *,
        documents: Mapping[str, bytes] | None = None,
        public_fields: Sequence[str] | None = None,
    ) -> list[LotId]:
        """Transforms lots, giving every output the same first passport, and keeps its salts for each output.

        Returns:
            The new lots' ids, in the order of `outputs`.

        Raises:
            InvalidInput: A document is not cited by the passport.
            ContractRevert: Any rule of `transform`, checked before anything is stored.
        """
        self._preflight(
            "transform lots",
            self._chain.encode_call("transform", self._transform_args(inputs, outputs, _PREFLIGHT_ROOT, "")),
        )
        prepared = _passports.prepare_passport(passport, self.store, documents, public_fields=public_fields)
        _passports.keep_salts(self.salts_folder, self, prepared.root, prepared.salts)
        lot_ids = self.transform(inputs, outputs, prepared.root, prepared.uri)
        for lot_id in lot_ids:
            _passports.save_salts(self.salts_folder, self, lot_id, 1, prepared.salts)
        return lot_ids

    def publish_passport(
        self,
        lot_id: LotId,
        passport: Passport,
        documents: Mapping[str, bytes] | None = None,
        *,
        public_fields: Sequence[str] | None = None,
    ) -> PassportVersion:
        """Publishes a new passport version of a lot the client's account holds.

        Stores the documents and the published package (a disclosure of `public_fields`, all by default),
        records its root and `ipfs://` URI on chain, and keeps the salts in the holder's salt folder.

        Returns:
            The recorded version.

        Raises:
            InvalidInput: A document is not cited by the passport.
            NotHolder, LotConsumed, UnknownLot: The contract's rules for recording a passport, checked before
                anything is stored.
        """
        self._preflight(
            "record a passport",
            self._chain.encode_call("recordPassport", (_uint(lot_id, "lot_id"), _PREFLIGHT_ROOT, "")),
        )
        prepared = _passports.prepare_passport(passport, self.store, documents, public_fields=public_fields)
        _passports.keep_salts(self.salts_folder, self, prepared.root, prepared.salts)
        version = self.record_passport(lot_id, prepared.root, prepared.uri)
        _passports.save_salts(self.salts_folder, self, lot_id, version, prepared.salts)
        return PassportVersion(lot_id, version, prepared.root, prepared.uri)

    def passport_versions(self, lot_id: LotId) -> list[PassportVersion]:
        """Every recorded passport version of a lot (root and URI), oldest first."""
        return _passports.versions(self, lot_id)

    def passport(self, lot_id: LotId, version: int | None = None) -> Passport:
        """A passport version (the latest by default), fetched from the store and checked against the chain.

        Raises:
            PassportUnavailable: Its package is not in the store (or its URI is not an ipfs:// CID).
            DisclosureMismatch: The package does not prove its fields against the root recorded on chain.
            PassportWithheld: The holder published only some fields (`published_passport` returns them).
        """
        entry = _passports.pick_version(self, lot_id, version)
        return _passports.passport_of(_passports.published_package(self.store, entry), entry)

    def published_passport(self, lot_id: LotId, version: int | None = None) -> Disclosure:
        """The fields a passport version's holder published, checked against the root recorded on chain."""
        entry = _passports.pick_version(self, lot_id, version)
        package = _passports.published_package(self.store, entry)
        return package.model_copy(update={"lot_id": int(lot_id), "version": entry.version})

    def passport_salts(self, lot_id: LotId, version: int) -> dict[str, bytes]:
        """The salts this holder kept for a passport version (to `filon.disclose` withheld fields).

        Raises:
            PassportUnavailable: No salts are kept here for that version.
        """
        return _passports.load_salts(self.salts_folder, self, lot_id, version)

    def verify_disclosure(self, disclosure: Disclosure) -> None:
        """Checks a disclosure against the chain: the root recorded for its lot and version, and, for the
        current version, the contract's own `verifyPassportLeaf` for every disclosed field.

        Raises:
            InvalidInput: The disclosure names no lot or version, or the lot has no such version.
            DisclosureMismatch: A value, salt, proof or the root does not check out (`field`, `reason`).
        """
        _passports.check_disclosure(self, disclosure)

    def verify_passport_leaf(self, lot_id: LotId, leaf: bytes, proof: Sequence[bytes]) -> bool:
        """Whether the contract accepts `leaf` with `proof` against the lot's current passport root."""
        (accepted,) = self._read(
            "verifyPassportLeaf", _uint(lot_id, "lot_id"), bytes(leaf), [bytes(p) for p in proof]
        )
        return bool(accepted)

    def verify_document(self, lot_id: LotId, data: bytes) -> DocumentMatch | None:
        """Which passport version (the latest) and field of a lot cite a document with these bytes' SHA-256.

        Returns:
            The citation, or None when no published version cites it (a tampered or foreign document).
        """
        return _passports.find_document(self, self.store, lot_id, data)

    def carbon(self, lot_id: LotId) -> CarbonFootprint:
        """The lot's embodied carbon: its share (by fine gold) of every ancestor's emissions, per mine."""
        return _passports.footprint(self, self.store, lot_id)

    def epcis(self, lot_id: LotId) -> dict[str, Any]:
        """The lot's history as a GS1 EPCIS 2.0 JSON-LD document (see `filon.epcis_document`).

        Event times are the timestamps of the blocks, read in one batch of requests.
        """
        history = self.history(lot_id)
        lots: dict[int, Lot] = {int(i): lot for i, lot in self.provenance(lot_id).lots.items()}
        for event in history:
            if isinstance(event, Consumed):
                for output in event.outputs:
                    if int(output) not in lots:
                        lots[int(output)] = self.lot(output)
        blocks = sorted({event.block_number for event in history})
        answers = self._chain.batch([("eth_getBlockByNumber", [hex(number), False]) for number in blocks])
        times: dict[int, datetime.datetime] = {}
        for number, block in zip(blocks, answers, strict=True):
            if isinstance(block, FilonError):
                raise block
            times[number] = datetime.datetime.fromtimestamp(int(block["timestamp"], 16), tz=datetime.UTC)
        return epcis_document(
            history,
            chain_id=self.deployment.chain_id,
            contract=self.deployment.address,
            lots=lots,
            block_times=times,
        )

    def passport_credential(self, lot_id: LotId, version: int | None = None) -> dict[str, Any]:
        """A passport version as a W3C Verifiable Credential 2.0 (UNTP DPP), signed by the client's account
        with EIP-712; anyone checks it with `filon.verify_credential`.

        Raises:
            AccountRequired: The client has no account to sign with.
            PassportWithheld, PassportUnavailable, DisclosureMismatch: As `passport`.
        """
        account = self.account
        if account is None:
            raise AccountRequired("Cannot sign a passport credential: this client is read-only.")
        entry = _passports.pick_version(self, lot_id, version)
        passport = _passports.passport_of(_passports.published_package(self.store, entry), entry)
        credential = passport_credential(
            passport.model_dump(mode="json"),
            issuer_address=account.address,
            lot_id=int(lot_id),
            chain_id=self.deployment.chain_id,
            contract=self.deployment.address,
            version=entry.version,
            valid_from=datetime.datetime.now(datetime.UTC),
        )
        return sign_credential(credential, account)

    def lot_by_external_ref(self, issuer: str, external_ref: str) -> LotId | None:
        """The lot `issuer` declared with `external_ref`, or None."""
        (lot_id,) = self._read("lotByExternalRef", _address(issuer, "issuer"), external_ref)
        return LotId(lot_id) if lot_id else None

    def _facts(self, logs: Iterable[tuple[str, dict[str, Any], LogReceipt]]) -> dict[LotId, _Facts]:
        facts: dict[LotId, _Facts] = {}
        for name, args, _ in logs:
            lot_id = LotId(args["lotId"])
            if name == "LotDeclared":
                facts[lot_id] = _Facts(
                    form=Form.ORE,
                    fine_gold_mg=args["fineGoldMg"],
                    gross_mass_mg=args["grossMassMg"],
                    mine_id=MineId(args["mineId"]),
                    parents=(),
                    passport_root=bytes(args["passportRoot"]),
                    passport_version=1,
                    passport_uri=args["passportURI"],
                    external_ref=args["externalRef"],
                )
            elif name == "LotProduced":
                facts[lot_id] = _Facts(
                    form=Form(args["form"]),
                    fine_gold_mg=args["fineGoldMg"],
                    gross_mass_mg=args["grossMassMg"],
                    mine_id=None,
                    parents=tuple(LotId(p) for p in args["parents"]),
                    passport_root=bytes(args["passportRoot"]),
                    passport_version=1,
                    passport_uri=args["passportURI"],
                    external_ref="",
                )
            elif name == "PassportRecorded" and lot_id in facts:
                fact = facts[lot_id]
                fact.passport_version = args["version"]
                fact.passport_root = bytes(args["passportRoot"])
                fact.passport_uri = args["passportURI"]
        return facts

    _LOT_EVENTS = ("LotDeclared", "LotProduced", "PassportRecorded")

    def lot(self, lot_id: LotId) -> Lot:
        """A lot: its holder from the contract, the rest of its record from its events.

        Works for consumed lots too (`consumed=True`, `holder=None`), whose storage the contract cleared.

        Raises:
            UnknownLot: No lot has this id.
        """
        holder, _, _, _, consumed, _, _ = self._read("lot", _uint(lot_id, "lot_id"))[0]
        facts = self._facts(self._logs_by_id(self._LOT_EVENTS, [lot_id])).get(LotId(lot_id))
        if facts is None:
            raise FilonError(
                f"Lot {lot_id} exists but its events are not in the logs from block "
                f"{self.deployment.deployment_block}: is the manifest's deployment_block right?"
            )
        return facts.lot(LotId(lot_id), None if consumed else Web3.to_checksum_address(holder))

    def history(self, lot_id: LotId) -> list[HistoryEvent]:
        """Everything that happened to a lot, in chain order.

        `Declared` or `Produced` first, then `PassportRecorded` and `Transferred` entries, and `Consumed`
        last if a transformation consumed it. Three `eth_getLogs`/receipt requests at most.

        Raises:
            UnknownLot: No lot has this id.
        """
        lot_id = LotId(_uint(lot_id, "lot_id"))
        own = self._logs_by_id((*self._LOT_EVENTS, "DeclarationRelayed"), [lot_id])
        transfers = self._logs_by_id(["Transfer"], [lot_id], position=3)
        if not any(name in ("LotDeclared", "LotProduced") for name, _, _ in own):
            raise UnknownLot(lot_id=lot_id)
        events = _events.decode_all(log for _, _, log in own + transfers)
        burns = [e for e in _events.of_type(events, _events.TokenTransfer) if e.to_address == _ZERO_ADDRESS]
        outputs = self._outputs_of(lot_id, burns[0].transaction) if burns else ()
        return _events.lot_history(lot_id, events, outputs)

    def _outputs_of(self, lot_id: LotId, burn: str) -> tuple[LotId, ...]:
        """The lots produced by the transformation `burn` (a transaction hash) that consumed `lot_id`."""
        (receipt,) = self._chain.receipts([burn])
        if receipt is None:
            return ()
        return tuple(
            LotId(event["lotId"])
            for event in self._events(receipt, "LotProduced")
            if lot_id in event["parents"]
        )

    def provenance(self, lot_id: LotId) -> Provenance:
        """The ancestry of a lot down to its mines.

        One `eth_getLogs` per generation of ancestors (all the lots of a generation in one OR-filter), one
        for the holders of them all, and one batch of calls for the mines' current records.

        Returns:
            The lots (each rebuilt as by `lot`), the (parent, child) edges, and the origin mines.

        Raises:
            UnknownLot: No lot has this id.
        """
        root = LotId(_uint(lot_id, "lot_id"))
        facts: dict[LotId, _Facts] = {}
        frontier: set[LotId] = {root}
        while frontier:
            found = self._facts(self._logs_by_id(self._LOT_EVENTS, frontier))
            missing = frontier - set(found)
            if root in missing:
                raise UnknownLot(lot_id=root)
            if missing:
                raise FilonError(
                    f"The event logs from block {self.deployment.deployment_block} lack lots "
                    f"{sorted(missing)}: is the manifest's deployment_block right?"
                )
            facts.update(found)
            frontier = {parent for fact in found.values() for parent in fact.parents} - set(facts)
        holders: dict[LotId, str | None] = {}
        for _, args, _ in self._logs_by_id(["Transfer"], facts, position=3):
            holders[LotId(args["tokenId"])] = None if args["to"] == _ZERO_ADDRESS else args["to"]
        lots = {i: facts[i].lot(i, holders.get(i)) for i in sorted(facts)}
        edges = tuple(sorted((parent, child) for child, fact in facts.items() for parent in fact.parents))
        mine_ids = sorted({fact.mine_id for fact in facts.values() if fact.mine_id is not None})
        records = self._chain.read_many(self.contract_address, "mine", [[m] for m in mine_ids])
        mines = {m: self._mine(m, record[0]) for m, record in zip(mine_ids, records, strict=True)}
        return Provenance(lot_id=root, lots=lots, edges=edges, mines=mines)

    def lots_of(self, address: str) -> list[LotId]:
        """The live lots `address` holds now, by id, rebuilt from the Transfer logs to and from it."""
        holder = _address(address, "address")
        topic = address_topic(holder)
        transfer = event_topic("Transfer")
        logs = self._logs([transfer, None, topic]) + self._logs([transfer, topic])
        logs.sort(key=lambda item: (item[2]["blockNumber"], item[2]["logIndex"]))
        held: set[LotId] = set()
        for _, args, _ in logs:
            lot_id = LotId(args["tokenId"])
            if args["to"] == holder:
                held.add(lot_id)
            else:
                held.discard(lot_id)
        return sorted(held)


def connect(
    rpc_url: str,
    deployment: Deployment | str | os.PathLike[str],
    account: LocalAccount | None = None,
    *,
    timeout: float = 120.0,
    request_timeout: float = 30.0,
    max_log_range: int | None = None,
    store: DocumentStore | str | os.PathLike[str] | None = None,
    salts_folder: str | os.PathLike[str] | None = None,
) -> Client:
    """Connects to a Filón deployment, checking that the node serves the chain it was deployed on.

    Args:
        rpc_url: The node's HTTP JSON-RPC URL.
        deployment: A `Deployment`, or the path of a manifest saved by `Deployment.save`.
        account: The eth-account `LocalAccount` that signs writes; None for a read-only client.
        timeout: Seconds to wait for a sent transaction to be mined.
        request_timeout: Seconds to wait for any single RPC response.
        max_log_range: The most blocks one `eth_getLogs` may span, for nodes that cap it; None for one
            request over the whole range.
        store: The document store for passports and the documents they cite (a `DocumentStore` or a
            folder); by default `FILON_STORE`, else `.filon/store`.
        salts_folder: Where the holder keeps its passports' salts (its secret); by default `salts/` beside
            the store.

    Returns:
        The client.

    Raises:
        ManifestNotFound, ManifestInvalid: The manifest path cannot be used.
        RpcUnavailable: The node cannot be reached.
        DeploymentMismatch: The node's chain id differs from the manifest's, or there is no contract at
            the manifest's address.
    """
    chain, deployment = open_chain(
        rpc_url, deployment, request_timeout=request_timeout, max_log_range=max_log_range
    )
    if store is not None and not isinstance(store, DocumentStore):
        store = DocumentStore(store)
    return Client(
        chain,
        deployment,
        account,
        timeout=timeout,
        store=store,
        salts_folder=Path(salts_folder) if salts_folder is not None else None,
    )
