"""The supply chain's writes: declare (one lot, a batch, or relayed offline), transfer, transform, and
record passports."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from filon import _checks as check
from filon import _events, _serials
from filon._chain import Receipt
from filon._contract import Contract
from filon._errors import FilonError, InvalidAccountNonce, InvalidInput
from filon._offline import DeclarationDomain, SignedDeclaration
from filon._tx import Sent, Transactor
from filon._types import Form, LotDeclaration, LotId, LotOutput


def declare_call(contract: Contract, declaration: LotDeclaration) -> bytes:
    """The calldata of `declareLot` for `declaration` (arguments checked)."""
    return contract.call_data(
        "declareLot",
        check.uint(declaration.mine_id, "mine_id"),
        check.uint(declaration.fine_gold_mg, "fine_gold_mg"),
        check.uint(declaration.gross_mass_mg, "gross_mass_mg"),
        check.bytes32(declaration.passport_root, "passport_root"),
        declaration.passport_uri,
        declaration.external_ref,
    )


def transform_call(
    contract: Contract,
    inputs: Sequence[LotId],
    outputs: Sequence[LotOutput],
    passport_root: bytes | str,
    passport_uri: str,
) -> bytes:
    """The calldata of `transform` (arguments checked)."""
    encoded_outputs = [
        (
            int(Form(o.form)),
            check.uint(o.fine_gold_mg, "fine_gold_mg"),
            check.uint(o.gross_mass_mg, "gross_mass_mg"),
        )
        for o in outputs
    ]
    return contract.call_data(
        "transform",
        [check.uint(i, "inputs") for i in inputs],
        encoded_outputs,
        check.bytes32(passport_root, "passport_root"),
        passport_uri,
    )


def record_passport_call(contract: Contract, lot_id: LotId, passport_root: bytes | str, uri: str) -> bytes:
    """The calldata of `recordPassport` (arguments checked)."""
    return contract.call_data(
        "recordPassport", check.uint(lot_id, "lot_id"), check.bytes32(passport_root, "passport_root"), uri
    )


def unique_references(declarations: Sequence[LotDeclaration]) -> None:
    """Checks that no two declarations of a batch share an external reference (the second would revert).

    Raises:
        InvalidInput: Two of them do.
    """
    seen: dict[str, int] = {}
    for index, declaration in enumerate(declarations):
        ref = declaration.external_ref
        if ref and ref in seen:
            raise InvalidInput(
                f"Declarations {seen[ref]} and {index} of the batch share the external reference {ref!r}"
            )
        seen[ref] = index


class Lots:
    """Writes that create, move and consume lots, through `contract`."""

    def __init__(self, contract: Contract) -> None:
        self._contract = contract
        # Held by every transformation, from the prediction of its output ids to its receipt (_serials).
        self._serial_lock = threading.Lock()

    def _declared_id(self, receipt: Receipt) -> LotId:
        (event,) = self._contract.events(receipt, _events.LotDeclared)
        return event.lot_id

    def declare_lot(self, declaration: LotDeclaration) -> LotId:
        sender = self._contract.sender("declare a lot")
        receipt = sender.transact(self._contract.address, declare_call(self._contract, declaration))
        return self._declared_id(receipt)

    def declare_lots(self, declarations: Iterable[LotDeclaration]) -> list[LotId]:
        batch = list(declarations)
        sender = self._contract.sender("declare lots")
        unique_references(batch)
        if not batch:
            return []
        prepared = sender.prepare(self._contract.address, [declare_call(self._contract, d) for d in batch])
        for index, fields in enumerate(prepared):
            if isinstance(fields, FilonError):
                fields.batch_index = index  # rejected at estimation: nothing of the batch is sent
                raise fields
        outcomes = self._send(sender, prepared)
        ids = [outcome for outcome in outcomes if not isinstance(outcome, FilonError)]
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, FilonError):
                outcome.batch_index = index
                outcome.confirmed_lot_ids = tuple(ids)
                raise outcome
        return ids

    def declare_each(self, declarations: Sequence[LotDeclaration]) -> list[LotId | FilonError]:
        """Sends every declaration whose estimate passes, without waiting, then awaits their receipts.

        Returns:
            Each declaration's lot id, or the error that stopped it: its specific revert (at estimation,
            when it was not sent, or once mined), or, for one sent but not confirmed, the node's failure or
            the timeout (it may yet be, or may have been, mined).

        Raises:
            InvalidInput: Two declarations share an external reference (nothing is sent).
            RpcError: The node failed before anything was sent.
        """
        sender = self._contract.sender("declare lots")
        unique_references(declarations)
        if not declarations:
            return []
        calls = [declare_call(self._contract, declaration) for declaration in declarations]
        return self._send(sender, sender.prepare(self._contract.address, calls))

    def _send(
        self, sender: Transactor, prepared: Sequence[dict[str, Any] | FilonError]
    ) -> list[LotId | FilonError]:
        """Sends the prepared declarations (an error stands for one refused at estimation, not sent) and
        awaits their receipts; each one's lot id or error, in order."""
        ready = [fields for fields in prepared if not isinstance(fields, FilonError)]
        results = sender.send_many(ready) if ready else []
        outcomes = iter(sender.wait([result for result in results if isinstance(result, Sent)]))
        sent = iter(results)
        found: list[LotId | FilonError] = []
        for fields in prepared:
            if isinstance(fields, FilonError):
                found.append(fields)
                continue
            result = next(sent)
            if isinstance(result, FilonError):  # the node refused it: never sent
                found.append(result)
                continue
            outcome = next(outcomes)
            if outcome.error is not None:
                found.append(outcome.error)
            else:
                assert outcome.receipt is not None
                found.append(self._declared_id(outcome.receipt))
        return found

    def submit_declaration(self, declaration: SignedDeclaration) -> LotId:
        ours = DeclarationDomain.of(self._contract.deployment)
        if declaration.domain != ours:
            raise InvalidInput(
                f"This declaration was signed for contract {declaration.verifying_contract} on chain "
                f"{declaration.chain_id}, not for {ours.verifying_contract} on chain {ours.chain_id}"
            )
        try:
            receipt = self._contract.send(
                "submit a declaration",
                "submitDeclaration",
                tuple(declaration.as_contract_tuple()),
                declaration.passport_uri,
                bytes(declaration.signature),
            )
        except InvalidAccountNonce as used:
            # The contract names the nonce it expects; the operator needs to hear which one this was.
            named = InvalidAccountNonce(
                f"Declaration nonce {declaration.nonce} of {used.account} is used up (cancelled, or already "
                f"submitted): its next nonce under that key is {used.current_nonce}.",
                account=used.account,
                current_nonce=used.current_nonce,
            )
            named.data, named.transaction_hash = used.data, used.transaction_hash
            raise named from None
        return self._declared_id(receipt)

    def declaration_nonce(self, operator: str, key: int) -> int:
        if not 0 <= key < 2**192:
            raise InvalidInput(f"A nonce key is below 2**192, not {key}")
        (value,) = self._contract.read("nonces(address,uint192)", check.address(operator, "operator"), key)
        return int(value)

    def cancel_declaration(self, key_nonce: int) -> str:
        return self._contract.send_for_hash(
            "cancel a declaration", "cancelDeclaration", check.uint(key_nonce, "key_nonce")
        )

    def record_passport(self, lot_id: LotId, passport_root: bytes | str, passport_uri: str) -> int:
        sender = self._contract.sender("record a passport")
        data = record_passport_call(self._contract, lot_id, passport_root, passport_uri)
        receipt = sender.transact(self._contract.address, data)
        (event,) = self._contract.events(receipt, _events.PassportVersionRecorded)
        return event.version

    def transfer(self, lot_id: LotId, to: str, from_address: str | None) -> str:
        function, arguments = self.transfer_call(lot_id, to, from_address)
        return self._contract.send_for_hash("transfer a lot", function, *arguments)

    def transfer_call(
        self, lot_id: LotId, to: str, from_address: str | None
    ) -> tuple[str, tuple[object, ...]]:
        """The `transferFrom` call of a transfer, as `multicall` takes it."""
        sender = self._contract.sender("transfer a lot")
        holder = check.address(from_address, "from_address") if from_address is not None else sender.address
        return "transferFrom", (holder, check.address(to, "to"), check.uint(lot_id, "lot_id"))

    def transform(
        self,
        inputs: Sequence[LotId],
        outputs: Sequence[LotOutput],
        passport_root: bytes | str,
        passport_uri: str,
    ) -> list[LotId]:
        """`transform`; outputs that carry a serial number get it in the same transaction (a multicall)."""
        sender = self._contract.sender("transform lots")
        serials = _serials.serials_of(outputs)
        data = transform_call(self._contract, inputs, outputs, passport_root, passport_uri)
        if not serials:
            # under the lock too: a transformation of this client in another thread mints the ids that one
            # with serials predicted
            with self._serial_lock:
                receipt = sender.transact(self._contract.address, data)
            return [event.lot_id for event in self._contract.events(receipt, _events.LotProduced)]
        with self._serial_lock:
            multicall, predicted = _serials.with_serials(self._contract, sender.address, data, serials)
            receipt = sender.transact(self._contract.address, multicall)
        minted = [event.lot_id for event in self._contract.events(receipt, _events.LotProduced)]
        if minted != predicted:
            raise _serials.SerialMismatch(predicted, minted)
        return minted

    def transform_preflight(self, inputs: Sequence[LotId], outputs: Sequence[LotOutput]) -> bytes:
        """The calldata that checks a transformation, its serial numbers included, before its passport is
        stored.

        Raises:
            InvalidInput: A serial number that no refined output can take (see `filon._serials.serials_of`).
            ContractRevert: The contract refuses the transformation itself now.
        """
        data = transform_call(self._contract, inputs, outputs, check.PREFLIGHT_ROOT, "")
        serials = _serials.serials_of(outputs)
        if not serials:
            return data
        sender = self._contract.sender("transform lots")
        return _serials.with_serials(self._contract, sender.address, data, serials)[0]

    def assign_serial(self, lot_id: LotId, serial: str) -> str:
        if not isinstance(serial, str):
            raise InvalidInput(f"A serial number is a string, not {serial!r}")
        _serials.check_serial(serial, "The serial number")
        return self._contract.send_for_hash(
            "assign a serial number", "assignSerialNumber", check.uint(lot_id, "lot_id"), serial
        )
