"""A local Anvil chain for tests, benchmarks and the demo — development only.

`start_anvil` runs the Anvil binary that npm installs with the project (`@foundry-rs/anvil`) and returns
once it listens; `dev_accounts` gives the accounts Anvil funds at start.

Warning:
    `dev_accounts` derives its keys from Anvil's public test mnemonic ("test test ... junk"). Everybody
    knows these keys: never use them, or send funds to them, on any real network.

Example::

    from filon.devchain import dev_accounts, start_anvil

    with start_anvil() as anvil:
        registrar, miner = dev_accounts(2)
        deployment = filon.deploy(anvil.url, registrar)
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from eth_account import Account
from eth_account.signers.local import LocalAccount

from filon._errors import FilonError

__all__ = [
    "DEV_MNEMONIC",
    "Anvil",
    "AnvilError",
    "AnvilNotFound",
    "dev_accounts",
    "find_anvil",
    "start_anvil",
]

DEV_MNEMONIC = "test test test test test test test test test test test junk"
"""Anvil's default mnemonic: public, for local development only."""

_LISTENING = re.compile(r"Listening on ([\w.\-\[\]:]+):(\d+)")
_SECRET_LINES = (
    (re.compile(r"^(\s*\(\d+\)\s+)0x[0-9a-fA-F]{64}(\s*)$"), r"\g<1>0x<private key not kept>\g<2>"),
    (re.compile(r"^(\s*Mnemonic:\s+).*?(\s*)$"), r"\g<1><mnemonic not kept>\g<2>"),
)
"""Lines of Anvil's banner that hold secrets, and what is kept of them: `(0) 0xac09...`, `Mnemonic: ...`."""


class AnvilError(FilonError):
    """Anvil could not be started or stopped."""


class AnvilNotFound(AnvilError, FileNotFoundError):
    """No Anvil binary was found (`FILON_ANVIL`, `anvil` on PATH, or the project's node_modules)."""


def find_anvil() -> Path:
    """The Anvil binary: `$FILON_ANVIL`, else `anvil` on PATH, else npm's under the current directory.

    npm's is `node_modules/@foundry-rs/anvil-<platform>/bin/anvil` in the current directory or one of
    its parents.

    Raises:
        AnvilNotFound: None of them exists.
    """
    configured = os.environ.get("FILON_ANVIL")
    if configured:
        path = Path(configured)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise AnvilNotFound(f"FILON_ANVIL is {configured!r}, which is not an executable file")
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        for candidate in sorted(folder.glob("node_modules/@foundry-rs/anvil-*/bin/anvil")):
            if os.access(candidate, os.X_OK):
                return candidate
    raise AnvilNotFound(
        "Anvil not found: set FILON_ANVIL to its path, put `anvil` on PATH, or run `npm ci` in the "
        f"project so that node_modules/@foundry-rs/anvil-*/bin/anvil exists under {here} or a parent."
    )


@dataclass
class Anvil:
    """A running Anvil process; a context manager that stops it on exit.

    Attributes:
        url: The HTTP JSON-RPC URL, e.g. "http://127.0.0.1:8545".
        port: The port it listens on.
        process: The Anvil process.
    """

    url: str
    port: int
    process: subprocess.Popen[str]
    _output: collections.deque[str] = field(repr=False)

    @property
    def output(self) -> str:
        """The last lines Anvil printed (for diagnostics), its banner's private keys left out."""
        return "".join(self._output)

    def stop(self, timeout: float = 10.0) -> None:
        """Stops Anvil and waits for it to exit (it writes its `state_file`, if any, on the way out).

        Raises:
            AnvilError: It had to be killed because it did not exit within `timeout` seconds.
        """
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AnvilError(
                f"Anvil on port {self.port} did not stop within {timeout:g} s and was killed"
            ) from None

    def __enter__(self) -> Anvil:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_anvil(
    port: int | None = None,
    *,
    state_file: Path | None = None,
    chain_id: int | None = None,
    block_time: float | None = None,
    state_interval: int | None = None,
    timeout: float = 30.0,
) -> Anvil:
    """Starts Anvil on 127.0.0.1 and returns once it listens.

    Args:
        port: The port; None lets Anvil take a free one.
        state_file: Where Anvil loads its state from at start and saves it at stop, so that a chain
            survives restarts.
        state_interval: Also save the state to `state_file` every this many seconds, so that a chain
            survives Anvil being killed (losing at most the last interval).
        chain_id: The chain id (Anvil's default is 31337).
        block_time: Seconds between blocks; None mines a block per transaction.
        timeout: Seconds to wait for Anvil to listen.

    Returns:
        The running Anvil; use it as a context manager or call `stop`.

    Raises:
        AnvilNotFound: No Anvil binary was found (see `find_anvil`).
        AnvilError: Anvil exited or did not listen within `timeout` (its output is in the message).
    """
    command = [str(find_anvil()), "--host", "127.0.0.1", "--port", str(port if port is not None else 0)]
    if state_file is not None:
        command += ["--state", str(state_file)]
    if state_interval is not None:
        if state_file is None:
            raise AnvilError("state_interval needs a state_file to save the state to")
        command += ["--state-interval", str(state_interval)]
    if chain_id is not None:
        command += ["--chain-id", str(chain_id)]
    if block_time is not None:
        command += ["--block-time", f"{block_time:g}"]
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
    except OSError as exc:
        raise AnvilError(f"Cannot run {command[0]}: {exc}") from None
    assert process.stdout is not None
    output: collections.deque[str] = collections.deque(maxlen=200)
    listening: list[int] = []
    ready = threading.Event()

    def drain() -> None:
        # Anvil logs every request: keep reading so that it never blocks on a full pipe.
        assert process.stdout is not None
        for line in process.stdout:
            # Kept lines end up in error messages and logs: never with a key in them, even a public one.
            for secret, kept in _SECRET_LINES:
                line = secret.sub(kept, line)
            output.append(line)
            if not ready.is_set():
                match = _LISTENING.search(line)
                if match:
                    listening.append(int(match.group(2)))
                    ready.set()
        ready.set()

    threading.Thread(target=drain, name=f"anvil-{process.pid}-output", daemon=True).start()
    ready.wait(timeout)
    if not listening:
        with contextlib.suppress(subprocess.TimeoutExpired):  # the output ended: Anvil is exiting
            process.wait(timeout if ready.is_set() else 0)
        exited = process.poll() is not None
        if not exited:
            process.kill()
            process.wait()
        reason = (
            f"exited with code {process.returncode}" if exited else f"did not listen within {timeout:g} s"
        )
        tail = "".join(list(output)[-20:]).strip()
        raise AnvilError(f"Anvil ({' '.join(command)}) {reason}:\n{tail}")
    bound = listening[0]
    return Anvil(url=f"http://127.0.0.1:{bound}", port=bound, process=process, _output=output)


_derived: dict[int, LocalAccount] = {}
_derived_lock = threading.Lock()


def dev_accounts(n: int = 10) -> list[LocalAccount]:
    """The first `n` accounts of Anvil's test mnemonic (paths m/44'/60'/0'/0/i), each funded at start.

    These keys are public — development only, never on a real network.
    """
    with _derived_lock:
        Account.enable_unaudited_hdwallet_features()
        for index in range(n):
            if index not in _derived:
                _derived[index] = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
        return [_derived[index] for index in range(n)]
