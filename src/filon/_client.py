"""`Client`: the façade partner systems use; each job is handed to a small module.

`Client` keeps the public verbs and their documentation: the lots' here, the registrar's in
`filon._client_registrar`, the passports' in `filon._client_passports`, and what participants share
(attestations, encryption keys, access grants) in `filon._client_sharing` (mixins it inherits, so that no
module grows too long). Argument checks live in `filon._checks`, transaction plumbing in
`filon._contract` (over `filon._tx`), the registrar's writes in `filon._registry`, the supply chain's writes
in `filon._lots`, reads rebuilt from event logs in `filon._reads`, and passport work (write with a passport,
read, disclose, verify, carbon, credentials) in `filon._publishing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from filon._access import Access
from filon._attestations import Attestations
from filon._chain import Chain
from filon._checks import ZERO_HASH, hex0x
from filon._client_passports import PassportVerbs
from filon._client_registrar import RegistrarVerbs
from filon._client_sharing import SharingVerbs
from filon._confidential import Confidential
from filon._contract import Contract
from filon._contributions import Contribution, from_provenance
from filon._deployment import Deployment
from filon._lots import Lots
from filon._offline import SignedDeclaration
from filon._publishing import Passports
from filon._reads import LogReads
from filon._records import with_record
from filon._registry import Registry
from filon._salts import SaltFolder, default_salts_folder
from filon._types import (
    HistoryEvent,
    Lot,
    LotDeclaration,
    LotId,
    LotOutput,
    MineId,
    Provenance,
)
from filon.passport._remote import open_store
from filon.passport._store import DocumentStore

__all__ = ["ZERO_HASH", "Client"]


class Client(RegistrarVerbs, PassportVerbs, SharingVerbs):
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
        self.store = store if store is not None else open_store(account=account, deployment=deployment)
        self.salts_folder = default_salts_folder(self.store.path) if salts_folder is None else salts_folder
        self.deployment = deployment
        self.account = account
        contract = Contract(chain, deployment, account, timeout=timeout)
        self._contract = contract
        self._chain = chain
        self._registry = Registry(contract)
        self._lots = Lots(contract)
        self._reads = LogReads(contract, self._registry)
        self._access = Access(contract)
        self._attestations = Attestations(contract, self._reads, self._registry, self.store)
        salts = SaltFolder(self.salts_folder, deployment)
        self._confidential = Confidential(contract, self._access, self._reads, self.store, salts)
        self._passports = Passports(contract, self._lots, self._reads, self.store, salts, self._confidential)

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

    def multicall(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> str:
        """Sends several of the contract's functions in one transaction (OpenZeppelin's `multicall`).

        Each call runs with the client's account as `msg.sender`, so each needs the role it always needs,
        and the calls take effect all together or not at all: a register import
        (`[("recordRegisterSnapshot", (hash, date)), ("suspendMine", (7,)), ...]`), or a transfer with its
        access grant. Like every write it is estimated first: a call that would fail raises its own error
        and nothing is sent.

        Args:
            calls: `(function, arguments)` pairs, the function by name (or full signature when overloaded)
                and its arguments as the contract takes them (ints, checksummed or plain 0x addresses, bytes).

        Returns:
            The transaction hash.

        Raises:
            InvalidInput: `calls` is empty, names no function of the contract, or an argument does not fit.
            ContractRevert: (its specific subclass) the first call the contract refuses.
        """
        return hex0x(self._contract.multicall("send a multicall", calls)["transactionHash"])

    # ------------------------------------------------------------------ lots: writes

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
        return self._lots.declare_lot(
            LotDeclaration(mine_id, fine_gold_mg, gross_mass_mg, passport_root, passport_uri, external_ref)
        )

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
        return self._lots.declare_lots(declarations)

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
        return self._lots.submit_declaration(declaration)

    def declaration_nonce(self, operator: str, key: int = 0) -> int:
        """The nonce the next declaration `operator` signs offline under `key` must carry (key and sequence
        packed, as `filon.declaration_nonce` makes them). Key 0 is the plain sequence 0, 1, 2, ...
        """
        return self._lots.declaration_nonce(operator, key)

    def cancel_declaration(self, key_nonce: int) -> str:
        """Cancels a declaration the client's account (a mine operator) signed offline: its nonce is used up,
        so it can never be submitted.

        Returns:
            The transaction hash.

        Raises:
            InvalidAccountNonce: `key_nonce` is not the next nonce of its key (already used, or out of order).
        """
        return self._lots.cancel_declaration(key_nonce)

    def record_passport(self, lot_id: LotId, passport_root: bytes | str, passport_uri: str = "") -> int:
        """Records a new passport version of a lot the client's account holds.

        Returns:
            The new passport version (2, 3, ...).

        Raises:
            NotHolder: The client's account does not hold the lot.
            NotParticipant: The client's account holds the lot but its admission was withdrawn.
            LotConsumed, UnknownLot: The lot cannot be used.
            EmptyPassportRoot: `passport_root` is zero.
        """
        return self._lots.record_passport(lot_id, passport_root, passport_uri)

    def transfer(self, lot_id: LotId, to: str, *, from_address: str | None = None, grant: bool = True) -> str:
        """Moves a lot to `to`, an admitted participant (ERC-721 `transferFrom`).

        When the lot has confidential layers the client's account can open and `grant` is set, the new
        holder is granted them (`grant_access`) in the same transaction (a `multicall`): it can open what
        the old holder could. A lot with nothing confidential moves with a plain `transferFrom`.

        Args:
            lot_id: The lot.
            to: The receiver.
            from_address: The holder, when the client's account is only approved for the lot;
                defaults to the client's account.
            grant: Whether to grant the receiver the lot's confidential layers.

        Returns:
            The transaction hash.

        Raises:
            NoEncryptionKey: There is something to grant but `to` published no encryption key (nothing is
                sent: publish it, or pass `grant=False`).
            NotParticipant: `to` is not admitted.
            NotApproved, IncorrectOwner: The client's account may not move the lot.
            LotConsumed, UnknownLot: The lot cannot be used.
        """
        transfer = self._lots.transfer_call(lot_id, to, from_address)  # a read-only client stops here
        calls = (
            self._confidential.grant_calls(lot_id, to, with_provenance=False, required=False) if grant else []
        )
        if not calls:
            return self._lots.transfer(lot_id, to, from_address)
        return self._confidential.anchor([transfer, *calls])

    def transform(
        self,
        inputs: Sequence[LotId],
        outputs: Sequence[LotOutput],
        passport_root: bytes | str,
        passport_uri: str = "",
    ) -> list[LotId]:
        """Consumes `inputs` and mints `outputs` to their holder (merge, split, process, refine).

        A refiner gives its bars their serial numbers here: `LotOutput(Form.REFINED, ..., serial="RAM-2026-
        000123")`. The transformation and the serials' assignments are then sent as one `multicall`, all or
        nothing (the transformation alone costs what it always costs; see `filon._serials` for how the
        outputs' ids are known before it is sent).

        Args:
            inputs: Live lots held by one holder, for whom the client's account acts (the holder itself
                when an output carries a serial).
            outputs: The new lots; their fine gold sums to at most the inputs'.
            passport_root: Root of the outputs' passport.
            passport_uri: Where that passport can be fetched.

        Returns:
            The output lot ids, in the order of `outputs`.

        Raises:
            InvalidInput: A serial number on an output that is not refined, not 1 to 64 bytes long, or on
                two outputs; nothing is sent.
            MassNotConserved: The outputs hold more fine gold than the inputs.
            NotHolder, MixedHolders, LotConsumed, UnknownLot, InvalidMass, InvalidTransformation,
            EmptyPassportRoot: The contract's other rules.
            NotRefiner, DuplicateSerial: With serials: the account is not a refiner, or already gave one of
                these serials; nothing is sent.
            SerialMismatch: Another transformation of the same account was mined between the prediction of
                the outputs' ids and this one (see `filon._serials`).
        """
        return self._lots.transform(inputs, outputs, passport_root, passport_uri)

    def assign_serial(self, lot_id: LotId, serial: str) -> str:
        """Gives a refined lot the client's account (a refiner) holds its serial number, for good.

        For the bars of a new transformation, pass the serials in their `LotOutput`s instead (one
        transaction). A serial stays with its lot once the lot is consumed, and its refiner never gives it
        to another lot.

        Args:
            lot_id: The refined lot.
            serial: The number stamped on the bar, e.g. "RAM-2026-000123": 1 to 64 bytes of UTF-8.

        Returns:
            The transaction hash.

        Raises:
            NotHolder: The client's account does not hold the lot.
            LotConsumed, UnknownLot: The lot cannot be used.
            NotRefiner: The client's account is not admitted as a refiner.
            NotRefinedLot: The lot is not refined.
            InvalidSerialLength: `serial` is empty or longer than 64 bytes.
            SerialAlreadyAssigned: The lot already has a serial (carried by the error).
            DuplicateSerial: The account already gave this serial to another lot (carried by the error).
        """
        return self._lots.assign_serial(lot_id, serial)

    # ------------------------------------------------------------------ lots: reads

    def lot(self, lot_id: LotId) -> Lot:
        """A lot: its holder from the contract, the rest of its record from its events.

        Works for consumed lots too (`consumed=True`, `holder=None`), whose storage the contract cleared.

        Raises:
            UnknownLot: No lot has this id.
        """
        return self._reads.lot(lot_id)

    def history(self, lot_id: LotId) -> list[HistoryEvent]:
        """Everything that happened to a lot, in chain order.

        `Declared` or `Produced` first, then `PassportRecorded` and `Transferred` entries, and `Consumed`
        last if a transformation consumed it. Three `eth_getLogs`/receipt requests at most.

        Raises:
            UnknownLot: No lot has this id.
        """
        return self._reads.history(lot_id)

    def provenance(self, lot_id: LotId) -> Provenance:
        """The ancestry of a lot down to its mines.

        One `eth_getLogs` per generation of ancestors (all the lots of a generation in one OR-filter), one
        for the holders of them all, and one batch of calls for the mines' current records.

        Returns:
            The lots (each rebuilt as by `lot`), the (parent, child) edges, and the origin mines (each with
            its record, read from the client's store as by `mine`).

        Raises:
            UnknownLot: No lot has this id.
        """
        found = self._reads.provenance(lot_id)
        return replace(found, mines={i: with_record(self.store, mine) for i, mine in found.mines.items()})

    def contributions(self, lot_id: LotId) -> list[Contribution]:
        """Which mines the lot's fine gold came from, through every merge and split (proportional to fine
        gold; see `filon._contributions`): exact shares summing to 1, milligrams summing to the lot's fine
        gold, the largest share first. The reads of `provenance`.

        Raises:
            UnknownLot: No lot has this id.
        """
        return from_provenance(self._reads.provenance(lot_id))

    def lots_of(self, address: str) -> list[LotId]:
        """The live lots `address` holds now, by id, rebuilt from the Transfer logs to and from it."""
        return self._reads.lots_of(address)

    def lot_count(self) -> int:
        """How many lots have ever been minted, consumed ones included.

        Not the highest lot id, and not a bound to loop up to: each holder mints from its own block of
        `LOT_ID_BLOCK` (100) ids, so ids are unique but neither contiguous nor in minting order. List
        lots with `lots_of`, or follow them with `history` and `provenance`.

        The contract keeps no count (a global counter would cost every mint a storage write): this counts
        the ERC-721 `Transfer` events from the zero address in one `eth_getLogs` from the deployment block
        (one per `max_log_range` blocks when set), so its cost grows with the number of lots.
        """
        return self._reads.lot_count()

    def lot_by_external_ref(self, issuer: str, external_ref: str) -> LotId | None:
        """The lot `issuer` declared with `external_ref`, or None."""
        return self._reads.lot_by_external_ref(issuer, external_ref)

    def lot_by_serial(self, refiner: str, serial: str) -> LotId | None:
        """The lot `refiner` gave serial number `serial`, or None (a serial is unique per refiner only,
        like an LBMA bar's brand and number). The lot may since have been consumed; `lot` tells.

        Raises:
            InvalidInput: `refiner` is not an address.
        """
        return self._reads.lot_by_serial(refiner, serial)

    def epcis(self, lot_id: LotId) -> dict[str, Any]:
        """The history of the lot and all its ancestors, back to the mines, as a GS1 EPCIS 2.0 JSON-LD
        document (see `filon.epcis_document`). The reads of `provenance`, plus one batch of receipts of the
        transformations and one of block times.
        """
        return self._reads.epcis(lot_id)

    # ------------------------------------------------------------------ passports
