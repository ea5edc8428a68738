"""`Uploaders`: who may upload to a deployment's shared document store, asked of the chain and cached briefly.

An admitted participant (`roleOf(address)` is not `None`) or a registrar (`hasRole(REGISTRAR_ROLE, address)`)
may upload: participants publish passports and their documents, registrars the records of participants and
mines. Both are asked in one JSON-RPC batch of two `eth_call`s through the chain boundary; the answer is kept
for `ttl` seconds, so that a burst of uploads (a passport's documents, then its package) costs one round trip.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from web3 import Web3

from filon._chain import Chain
from filon._deployment import Deployment, open_chain
from filon._errors import FilonError

REGISTRAR_ROLE = bytes(Web3.keccak(text="REGISTRAR_ROLE"))
"""`FilonLots.REGISTRAR_ROLE`."""

DEFAULT_TTL = 30.0
"""Seconds an answer is reused: a participant admitted (or removed) on chain is seen within this delay."""


class Uploaders:
    """Decides whether an address may upload to the shared store of `deployment`, reading `chain`.

    Safe to share between threads.

    Args:
        chain: The node (`filon._deployment.open_chain`).
        deployment: The deployment whose participants and registrars may upload.
        ttl: Seconds an answer is reused.
        clock: The monotonic clock the cache is timed by.
    """

    def __init__(
        self,
        chain: Chain,
        deployment: Deployment,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._chain = chain
        self._address = deployment.address
        self._ttl = ttl
        self._clock = clock
        self._answers: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    @classmethod
    def connect(
        cls, rpc_url: str, deployment: Deployment | str | os.PathLike[str], *, ttl: float = DEFAULT_TTL
    ) -> Uploaders:
        """The uploaders of `deployment`, asked of the node at `rpc_url` (checked to serve it).

        Raises:
            ManifestNotFound, ManifestInvalid: The manifest path cannot be used.
            RpcUnavailable: The node cannot be reached.
            DeploymentMismatch: The node serves another chain, or no contract is at the manifest's address.
        """
        chain, loaded = open_chain(rpc_url, deployment)
        return cls(chain, loaded, ttl=ttl)

    def __repr__(self) -> str:
        return f"<Uploaders of {self._address} via {self._chain.shown_url}>"

    @property
    def shown_url(self) -> str:
        """The node's URL as messages may show it."""
        return self._chain.shown_url

    def may_upload(self, address: str) -> bool:
        """Whether `address` is an admitted participant or holds `REGISTRAR_ROLE`.

        Raises:
            RpcUnavailable, RpcError: The node cannot answer.
        """
        who = to_checksum_address(address)
        now = self._clock()
        with self._lock:
            cached = self._answers.get(who)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        allowed = self._ask(who)
        with self._lock:
            self._answers[who] = (now, allowed)
            # Forget stale answers now and then, so that many addresses cannot grow the cache for ever.
            if len(self._answers) > 1024:
                self._answers = {k: v for k, v in self._answers.items() if now - v[0] < self._ttl}
        return allowed

    def _ask(self, who: ChecksumAddress) -> bool:
        calls = [
            self._chain.encode_call("roleOf", [who]),
            self._chain.encode_call("hasRole", [REGISTRAR_ROLE, who]),
        ]
        answers = self._chain.batch(
            [("eth_call", [{"to": self._address, "data": "0x" + data.hex()}, "latest"]) for data in calls]
        )
        for answer in answers:
            if isinstance(answer, FilonError):
                raise answer
        (role,) = self._chain.decode_output("roleOf", bytes.fromhex(str(answers[0])[2:]))
        (registrar,) = self._chain.decode_output("hasRole", bytes.fromhex(str(answers[1])[2:]))
        return bool(role) or bool(registrar)
