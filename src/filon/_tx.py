"""Sending transactions: estimate, sign locally, send with a locally managed nonce, await, check.

The account's key never leaves the process: transactions are signed with eth-account and sent raw. The
nonce is counted locally from the account's pending nonce, so that a batch can be sent without waiting for
each receipt; any failed send makes the next one resynchronise from the node.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, HexStr
from web3.types import TxParams

from filon._chain import Chain, Receipt
from filon._errors import (
    ContractRevert,
    FilonError,
    RpcError,
    TransactionDropped,
    TransactionTimeout,
)

_GAS_MARGIN = 5  # send with a fifth more gas than estimated: state may change between estimate and mining
_POLL_FIRST = 0.01
_POLL_MAX = 1.0


@dataclass(frozen=True)
class Sent:
    """A signed transaction the node accepted."""

    transaction_hash: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What became of one transaction of a batch: its receipt, or the error that stopped it."""

    receipt: Receipt | None
    error: FilonError | None


class Transactor:
    """Sends the transactions of one account.

    Args:
        chain: The node.
        account: The local account that signs.
        chain_id: The chain id to sign for (EIP-155).
        timeout: Seconds to wait for a transaction to be mined.
    """

    def __init__(self, chain: Chain, account: LocalAccount, chain_id: int, *, timeout: float) -> None:
        self._chain = chain
        self._account = account
        self._chain_id = chain_id
        self._timeout = timeout
        self._lock = threading.Lock()
        self._nonce: int | None = None

    @property
    def address(self) -> ChecksumAddress:
        """The sending account's address."""
        return self._account.address

    def transact(self, to: str | None, data: bytes) -> Receipt:
        """Estimates, signs, sends, and waits for one transaction, and checks that it succeeded.

        Args:
            to: The contract called, or None to create a contract.
            data: The calldata (or creation code).

        Returns:
            The receipt of the successful transaction.

        Raises:
            ContractRevert: (the specific subclass) the transaction reverts, at estimation (nothing is
                sent) or once mined.
            TransactionTimeout: It was not mined in time.
        """
        (fields,) = self.prepare(to, [data])
        if isinstance(fields, FilonError):
            raise fields
        outcome = self.wait([self.send(fields)])[0]
        if outcome.error is not None:
            raise outcome.error
        assert outcome.receipt is not None
        return outcome.receipt

    def prepare(self, to: str | None, datas: Sequence[bytes]) -> list[dict[str, Any] | FilonError]:
        """Transactions calling `to` with each of `datas`, ready to sign but for their nonces.

        Fees and gas estimates come in one JSON-RPC batch, all estimated against the same state.

        Returns:
            Each transaction's fields, or the error its estimation raised (the contract's specific
            revert): such a call would fail, so it must not be sent.
        """
        calls = [self._call(to, data) for data in datas]
        fees, estimates = self._chain.fees_and_gas(calls)
        return [
            gas if isinstance(gas, FilonError) else self._fields(call, gas, fees)
            for call, gas in zip(calls, estimates, strict=True)
        ]

    def _call(self, to: str | None, data: bytes) -> dict[str, Any]:
        call: dict[str, Any] = {"from": self.address, "data": HexStr("0x" + data.hex()), "value": 0}
        if to is not None:
            call["to"] = cast(ChecksumAddress, to)
        return call

    def _fields(self, call: dict[str, Any], gas: int, fees: dict[str, int]) -> dict[str, Any]:
        fields = {k: v for k, v in call.items() if k != "from"}
        return fields | fees | {"gas": gas + gas // _GAS_MARGIN, "chainId": self._chain_id}

    def send(self, fields: dict[str, Any]) -> Sent:
        """Signs `fields` with the next nonce and sends it; resynchronises the nonce if the send fails."""
        with self._lock:
            for attempt in (1, 2):
                if self._nonce is None:
                    self._nonce = self._chain.pending_nonce(self.address)
                signed_fields = fields | {"nonce": self._nonce}
                raw = self._account.sign_transaction(signed_fields).raw_transaction
                try:
                    transaction_hash = self._chain.send_raw(bytes(raw))
                except RpcError as exc:
                    self._nonce = None
                    # Another client sending for the same account moved the nonce: resync once and retry.
                    if attempt == 1 and "nonce" in str(exc).lower():
                        continue
                    raise
                self._nonce += 1
                return Sent(transaction_hash, signed_fields)
        raise AssertionError("unreachable")  # pragma: no cover

    def send_many(self, prepared: Sequence[dict[str, Any]]) -> list[Sent | FilonError]:
        """Signs `prepared` with consecutive nonces and sends them in JSON-RPC batches, in order.

        Returns:
            For each transaction, what was sent or the node's rejection. After a rejection the nonce is
            resynchronised; transactions after it that the node accepted wait in its pool behind the gap
            (their receipts then time out unless the gap is filled).
        """
        with self._lock:
            if self._nonce is None:
                self._nonce = self._chain.pending_nonce(self.address)
            signed = []
            for offset, fields in enumerate(prepared):
                signed_fields = fields | {"nonce": self._nonce + offset}
                signed.append(
                    (signed_fields, bytes(self._account.sign_transaction(signed_fields).raw_transaction))
                )
            results = self._chain.send_raw_many([raw for _, raw in signed])
            outcomes: list[Sent | FilonError] = [
                result if isinstance(result, FilonError) else Sent(result, fields)
                for (fields, _), result in zip(signed, results, strict=True)
            ]
            if any(isinstance(outcome, FilonError) for outcome in outcomes):
                self._nonce = None
            else:
                self._nonce += len(prepared)
            return outcomes

    def resync(self) -> None:
        """Makes the next send read the account's pending nonce from the node."""
        with self._lock:
            self._nonce = None

    def wait(self, sent: Sequence[Sent]) -> list[Outcome]:
        """Awaits the receipts of `sent` and checks them, in order.

        A reverted transaction is replayed to find its specific error. Nothing is raised: each outcome
        holds its receipt (success) or its error. If the node stops answering (`RpcUnavailable`, e.g. it
        was killed), waiting stops: the receipts already read stay, and every transaction without one
        gets that error (it may or may not have been mined).
        """
        deadline = time.monotonic() + self._timeout
        receipts: dict[int, Receipt] = {}
        pause = _POLL_FIRST
        lost: FilonError | None = None
        while True:
            waiting = [index for index in range(len(sent)) if index not in receipts]
            try:
                found = self._chain.receipts([sent[index].transaction_hash for index in waiting])
            except FilonError as error:
                lost = error
                self.resync()
                break
            for index, receipt in zip(waiting, found, strict=True):
                if receipt is not None:
                    receipts[index] = receipt
            if len(receipts) == len(sent) or time.monotonic() >= deadline:
                break
            time.sleep(pause)
            pause = min(pause * 1.5, _POLL_MAX)
        outcomes = []
        for index, item in enumerate(sent):
            receipt = receipts.get(index)
            if receipt is None:
                outcomes.append(Outcome(None, lost if lost is not None else self._not_mined(item)))
            elif receipt["status"] != 1:
                outcomes.append(Outcome(receipt, self._revert_reason(item, receipt)))
            else:
                outcomes.append(Outcome(receipt, None))
        return outcomes

    def _not_mined(self, item: Sent) -> FilonError:
        self.resync()
        if self._chain.is_known(item.transaction_hash):
            return TransactionTimeout(
                f"Transaction {item.transaction_hash} was not mined within {self._timeout:g} s; "
                "it is still pending and may be mined later.",
                transaction_hash=item.transaction_hash,
            )
        return TransactionDropped(
            f"Transaction {item.transaction_hash} was not mined within {self._timeout:g} s and the node "
            "no longer knows it: it will never be mined.",
            transaction_hash=item.transaction_hash,
        )

    def _revert_reason(self, item: Sent, receipt: Receipt) -> FilonError:
        """The specific error of a mined transaction that reverted, found by replaying it as a call."""
        call: dict[str, Any] = {k: item.fields[k] for k in ("to", "data", "value", "gas") if k in item.fields}
        call["from"] = self.address
        block = int(receipt["blockNumber"])
        # At the end of its block the state includes every transaction mined before it (its own left no
        # trace); at the parent block it is the state before the whole block.
        for at in (block, block - 1):
            try:
                self._chain.call(cast(TxParams, call), at)
            except ContractRevert as revert:
                revert.transaction_hash = item.transaction_hash
                return revert
            except RpcError:
                continue  # e.g. a node without that block's state
        error = ContractRevert(
            f"Transaction {item.transaction_hash} reverted (gas used {receipt['gasUsed']} of "
            f"{item.fields['gas']}); replaying it did not reproduce the revert, so its reason is unknown."
        )
        error.transaction_hash = item.transaction_hash
        return error
