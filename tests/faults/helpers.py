"""A chain that can be killed: a real Anvil saving its state every second, and a thread that kills it.

`KillAfterMined` turns automining off and mines one block at a time, so that exactly where the kill falls
does not depend on timing: once enough of an account's transactions are mined, it waits for the client to
read their receipts and for Anvil to save its state, then kills Anvil with SIGKILL (no chance to save
anything more). `Node.restart` brings Anvil back on the same port from what it had saved, as an operator
restarting a crashed node would.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

import filon
from common import FAR_FUTURE as FAR_FUTURE
from common import rpc as rpc
from filon.devchain import Anvil, start_anvil

CAPACITY_MG = 10**9
DEFAULT_BLOCK_GAS = 30_000_000  # Anvil's
SAVE_EVERY_S = 1  # Anvil's --state-interval
SETTLE_S = 2.5  # > the client's longest pause between receipt polls (1 s) and Anvil's save interval


@dataclass
class Node:
    """A killable Anvil with a deployment: `registrar` deployed, `miner` operates mine `mine_id`."""

    state: Path
    anvil: Anvil
    deployment: filon.Deployment
    registrar: LocalAccount
    miner: LocalAccount
    mine_id: filon.MineId
    started: list[Anvil] = field(default_factory=list)  # every Anvil process, for the fixture to stop

    @property
    def url(self) -> str:
        return self.anvil.url

    def client(self, account: LocalAccount | None = None, store: Path | None = None) -> filon.Client:
        return filon.connect(self.url, deployment=self.deployment, account=account, store=store, timeout=30)

    def mined(self, address: str) -> int:
        """Transactions of `address` in mined blocks (its latest nonce)."""
        return int(Web3(HTTPProvider(self.url)).eth.get_transaction_count(address, "latest"))  # type: ignore[arg-type]

    def pending(self, address: str) -> int:
        return int(Web3(HTTPProvider(self.url)).eth.get_transaction_count(address, "pending"))  # type: ignore[arg-type]

    def kill(self) -> None:
        """SIGKILL: Anvil keeps only what it saved at its last interval."""
        self.anvil.process.kill()
        self.anvil.process.wait()

    def restart(self) -> None:
        """Anvil again, on the same port, from its state file, mining as usual.

        The saved state keeps the small block gas limit `KillAfterMined` set; automining with it would leave
        whatever does not fit the block of the last transaction in the pool, so it goes back to Anvil's
        default (automining is on again by itself: it is not part of the state).
        """
        assert self.anvil.process.poll() is not None, "restart a killed node only"
        self.anvil = start_anvil(self.anvil.port, state_file=self.state, state_interval=SAVE_EVERY_S)
        self.started.append(self.anvil)
        rpc(self.url, "evm_setBlockGasLimit", hex(DEFAULT_BLOCK_GAS))


class KillAfterMined(threading.Thread):
    """Mines `account`'s transactions block by block until at least `count` are mined, then kills the node.

    Automining is turned off and the block gas limit set to `block_gas`, so that a block holds only a few
    declarations (the client's gas limits, a fifth over the estimate). `mined` is how many of the account's
    transactions the chain held when it was killed; `error` is what went wrong in the thread, if anything.
    """

    def __init__(self, node: Node, account: str, count: int, *, block_gas: int = 600_000) -> None:
        super().__init__(name="kill-anvil", daemon=True)
        self.node, self.account, self.count = node, account, count
        self.start_nonce = node.mined(account)
        self.mined = -1
        self.error: BaseException | None = None
        rpc(node.url, "evm_setAutomine", False)
        rpc(node.url, "evm_setBlockGasLimit", hex(block_gas))

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 60
            while (mined := self.node.mined(self.account)) - self.start_nonce < self.count:
                assert time.monotonic() < deadline, f"only {mined - self.start_nonce} mined in 60 s"
                if self.node.pending(self.account) > mined:
                    rpc(self.node.url, "evm_mine")
                else:
                    time.sleep(0.02)
            time.sleep(SETTLE_S)
            self.mined = self.node.mined(self.account) - self.start_nonce
            self._just_after_a_save()
            self.node.kill()
        except BaseException as exc:  # reported by the test through `error`
            self.error = exc
            self.node.kill()

    def _just_after_a_save(self) -> None:
        """Waits for Anvil to rewrite its state file, and a moment more: a kill while it writes could leave a
        truncated file (a different fault, which this test is not about); right after a save, the next
        one is most of a second away."""
        state = self.node.state
        saved = state.stat().st_mtime_ns
        deadline = time.monotonic() + 5 * SAVE_EVERY_S
        while state.stat().st_mtime_ns == saved:
            assert time.monotonic() < deadline, f"Anvil did not save {state} within {5 * SAVE_EVERY_S} s"
            time.sleep(0.005)
        time.sleep(0.1)
