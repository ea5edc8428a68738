"""`Contract`: one deployment's contract, reached through the chain boundary, with an optional sender.

The plumbing every part of the client shares: view calls, writes (estimated first, so a call the contract
would refuse raises its specific error and sends nothing), the events of a receipt and the logs of the
contract, decoded once by `filon._events`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from eth_account.signers.local import LocalAccount

from filon import _events
from filon._chain import Chain, Receipt, Topic, uint_topic
from filon._checks import hex0x
from filon._deployment import Deployment
from filon._errors import AccountRequired, FilonError, InvalidInput
from filon._tx import Transactor

# Ids per OR-list in one eth_getLogs: far above any real generation, below the limits nodes put on filters.
_TOPIC_CHUNK = 500

_Event = TypeVar("_Event", bound=_events.ChainEvent)


class Contract:
    """The FilonLots contract of `deployment` on `chain`; `account` (if any) signs its writes.

    Args:
        chain: The node, opened with `filon._deployment.open_chain`.
        deployment: Where the contract is.
        account: The account that sends writes; None for read-only use.
        timeout: Seconds to wait for a sent transaction to be mined.
    """

    def __init__(
        self, chain: Chain, deployment: Deployment, account: LocalAccount | None, *, timeout: float
    ) -> None:
        self.chain = chain
        self.deployment = deployment
        self.account = account
        self.address = deployment.address
        self._sender = Transactor(chain, account, deployment.chain_id, timeout=timeout) if account else None

    def sender(self, action: str) -> Transactor:
        """The transactor of the account, for `action` (named in the error).

        Raises:
            AccountRequired: The contract was opened read-only.
        """
        if self._sender is None:
            raise AccountRequired(
                f"Cannot {action}: this client is read-only. "
                "Pass account= to filon.connect to send transactions."
            )
        return self._sender

    def call_data(self, function: str, *args: Any) -> bytes:
        """Calldata for `function(*args)`; an argument that does not fit raises `InvalidInput`."""
        return self.chain.encode_call(function, args)

    def send(self, action: str, function: str, *args: Any) -> Receipt:
        """Sends `function(*args)` from the account and returns the receipt of its success."""
        return self.sender(action).transact(self.address, self.call_data(function, *args))

    def multicall(self, action: str, calls: Sequence[tuple[str, Sequence[Any]]]) -> Receipt:
        """Sends `calls`, `(function, arguments)` pairs of the contract's own functions, in one `multicall`
        transaction: each runs with the account as `msg.sender`, and all of them or none take effect.

        Raises:
            InvalidInput: `calls` is empty, names no function of the contract, or an argument does not fit.
        """
        if not calls:
            raise InvalidInput("A multicall needs at least one call")
        data = [self.call_data(function, *arguments) for function, arguments in calls]
        return self.send(action, "multicall", data)

    def send_for_hash(self, action: str, function: str, *args: Any) -> str:
        """`send` for writes that create nothing: the transaction hash."""
        return hex0x(self.send(action, function, *args)["transactionHash"])

    def preflight(self, action: str, datas: Sequence[bytes]) -> list[FilonError | None]:
        """Runs writes (calldata `datas`) as calls from the account, in one JSON-RPC batch, so that one the
        contract would refuse shows its specific error before anything is written locally (a passport's
        documents, package and salts). Only a change of state between these calls and the send can still
        refuse them.

        Returns:
            For each write, None if the contract accepts it now, else its error.
        """
        sender = self.sender(action).address
        calls = [{"from": sender, "to": self.address, "data": hex0x(data)} for data in datas]
        answers = self.chain.batch([("eth_call", [call, "latest"]) for call in calls])
        return [answer if isinstance(answer, FilonError) else None for answer in answers]

    def read(self, function: str, *args: Any) -> tuple[Any, ...]:
        """The decoded return values of view `function(*args)`."""
        return self.chain.read(self.address, function, *args)

    def events(self, receipt: Receipt, kind: type[_Event]) -> list[_Event]:
        """The contract's events of one kind in a receipt, in log order."""
        logs = [log for log in receipt["logs"] if log["address"] == self.address]
        return _events.of_type(_events.decode_all(logs), kind)

    def logs(self, topics: Sequence[Topic]) -> list[_events.ChainEvent]:
        """The contract's events matching `topics` since its deployment, in chain order."""
        found = self.chain.logs(self.address, topics, from_block=self.deployment.deployment_block)
        return _events.decode_all(found)

    def logs_by_id(
        self, events: Sequence[str], ids: Collection[int], *, position: int = 1
    ) -> list[_events.ChainEvent]:
        """Events named `events` whose indexed argument at topic `position` is one of `ids`, in chain order:
        one `eth_getLogs` per 500 ids."""
        ordered = sorted(set(ids))
        found: list[_events.ChainEvent] = []
        for start in range(0, len(ordered), _TOPIC_CHUNK):
            chunk = [uint_topic(i) for i in ordered[start : start + _TOPIC_CHUNK]]
            topics: list[Topic] = [
                [_events.topic(e) for e in events],
                *([None] * (position - 1)),
                chunk,
            ]
            found.extend(self.logs(topics))
        found.sort(key=lambda event: event.position)
        return found
