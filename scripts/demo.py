"""`make demo`: a local Anvil chain with Filón deployed and a supply-chain scenario on it, until Ctrl-C.

Runs with `python scripts/demo.py` (what `make demo` does) or `ape run demo`. The first run deploys
FilonLots and plays the scenario of `scripts/_scenario.py` (four permitted mines of Arequipa and Ayacucho,
a processing plant, a refiner, a jeweller, and a laboratory that assays the first bar and issues a
conformity credential about it); every run ends with a buyer's view of one bar, whose explorer page lists
the credential. The chain's
state is saved to `anvil-state.json` when it stops and loaded when it starts and the deployment manifest is
kept in `deployment.json`, so a second `make demo` finds the same contracts and lots instead of deploying
and playing again. The accounts are Anvil's public development keys: this chain is for trying Filón only.

The buyers' explorer starts before anyone writes: it serves its index (`index.sqlite`, kept in step with the
chain every second) at http://127.0.0.1:8000/, and the document store the supply chain shares under /ipfs/,
kept in its own folder `explorer-store/`. Every party works as if on its own machine, with its own folder
under `parties/` (its cache of the shared store, and its salts): what one publishes, it uploads to the
explorer, and the buyer, starting each run with an empty folder, downloads and checks it from there.

Environment:
    FILON_DEMO_PORT: the port Anvil listens on (default 8545).
    FILON_EXPLORER_PORT: the port the explorer listens on (default 8000).
    FILON_DEMO_DIR: the demo's data folder (default .filon/demo in the project).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from eth_account.signers.local import LocalAccount

import filon
from filon.devchain import dev_accounts, start_anvil

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `ape run demo` does not put scripts/ on sys.path
import _scenario

PROJECT = Path(__file__).resolve().parent.parent
DEMO_DIR = Path(os.environ.get("FILON_DEMO_DIR") or PROJECT / ".filon" / "demo").resolve()
STATE_FILE = DEMO_DIR / "anvil-state.json"
MANIFEST = DEMO_DIR / "deployment.json"
EXPLORER_STORE = DEMO_DIR / "explorer-store"
PARTIES = DEMO_DIR / "parties"
INDEX = DEMO_DIR / "index.sqlite"


def _say(line: str = "") -> None:
    print(line, flush=True)


def _deployment(rpc_url: str, registrar: LocalAccount) -> tuple[filon.Deployment, bool]:
    """The demo chain's deployment: the saved one if it is still there, else a new one (and whether new)."""
    if MANIFEST.exists():
        try:
            saved = filon.Deployment.load(MANIFEST)
            filon.connect(rpc_url, deployment=saved)
            return saved, False
        except filon.DeploymentError as exc:
            _say(f"The saved deployment is not on this chain ({exc}); deploying again.")
    return _deploy(rpc_url, registrar), True


def _deploy(rpc_url: str, registrar: LocalAccount) -> filon.Deployment:
    deployment = filon.deploy(rpc_url, registrar)
    deployment.save(MANIFEST)
    return deployment


def _ready(rpc_url: str, registrar: LocalAccount) -> tuple[filon.Deployment, tuple[int, ...] | None]:
    """The deployment to play on, and the jeweller's bars if the scenario was played on it already."""
    deployment, new = _deployment(rpc_url, registrar)
    bars = None if new else _scenario.find_scenario(rpc_url, deployment)
    if bars == ():
        _say("The last run stopped halfway through the scenario; deploying afresh to play it again.")
        deployment, new, bars = _deploy(rpc_url, registrar), True, None
    if new:
        INDEX.unlink(missing_ok=True)  # it indexed a deployment this chain no longer has
    return deployment, bars


def _play(rpc_url: str, deployment: filon.Deployment, store_url: str) -> tuple[int, ...]:
    """Plays the scenario, each party in its own folder, uploading to the shared store; returns the bars."""
    contract = f"FilonLots        {deployment.address} (deployed now, block {deployment.deployment_block})"
    _say(contract)
    _say()
    summary = _scenario.run_scenario(rpc_url, deployment, PARTIES, shared_store=store_url, say=_say)
    _say()
    return summary.bar_ids


def _port(variable: str, default: int) -> int:
    text = os.environ.get(variable, str(default))
    if not text.isdigit() or not 0 < int(text) < 65536:
        sys.exit(f"{variable} must be a TCP port number (1-65535), not {text!r}")
    return int(text)


class _Explorer:
    """The explorer served from a background thread while the demo waits for Ctrl-C."""

    def __init__(self, rpc_url: str, deployment: filon.Deployment, port: int) -> None:
        import uvicorn

        from filon.explorer import Uploaders, create_app
        from filon.index import open_index

        self.index = open_index(deployment, rpc_url=rpc_url, database_url=f"sqlite:///{INDEX}")
        self.index.sync()
        app = create_app(
            self.index,
            filon.DocumentStore(EXPLORER_STORE),
            sync_interval=1.0,
            uploaders=Uploaders.connect(rpc_url, deployment),
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws="none"
        )
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the demo's own
        self.thread = threading.Thread(target=self.server.run, name="explorer", daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> bool:
        """Starts serving; False (with the reason said) if the port is taken."""
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            try:
                probe.bind(("127.0.0.1", int(self.url.rsplit(":", 1)[1])))
            except OSError as exc:
                _say(
                    f"Explorer         not started: {self.url} is busy ({exc.strerror}); "
                    "set FILON_EXPLORER_PORT to use another"
                )
                return False
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.started:
            _say(f"Explorer         did not start on {self.url}")
            return False
        return True

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        self.index.close()


def main() -> None:
    port = _port("FILON_DEMO_PORT", 8545)
    explorer_port = _port("FILON_EXPLORER_PORT", 8000)
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        anvil = start_anvil(port=port, state_file=STATE_FILE)
    except filon.FilonError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        # Anvil's own last words, e.g. "Address already in use".
        reason = lines[-1] if lines else type(exc).__name__
        sys.exit(
            f"Cannot start the local chain on port {port}: {reason} (set FILON_DEMO_PORT to use another)"
        )
    except KeyboardInterrupt:
        sys.exit(130)
    failed = None
    with anvil:
        try:
            failed = _run(anvil.url, stop, explorer_port)
        except KeyboardInterrupt:  # Ctrl-C while the scenario plays: the next run starts it again
            _say("\nInterrupted.")
            failed = "interrupted"
        _say("Stopping the local chain…")
    if failed:
        sys.exit(130 if failed == "interrupted" else 1)
    _say("Stopped.")


def _run(rpc_url: str, stop: threading.Event, explorer_port: int) -> str | None:
    """Starts the explorer and its shared store, plays or finds the scenario, shows the buyer's view, then
    waits for Ctrl-C; returns why it failed."""
    registrar = dev_accounts(1)[0]
    _say(f"Local chain      {rpc_url} (state kept in {STATE_FILE})")
    _say(f"Registrar        {registrar.address} (Anvil's first development account: public, demo only)")
    explorer = None
    try:
        deployment, bars = _ready(rpc_url, registrar)
        # The explorer serves the shared store: it starts before any party writes.
        explorer = _Explorer(rpc_url, deployment, explorer_port)
        if not explorer.start():
            explorer.stop()
            return "the explorer did not start"
        _say(f"Shared store     {explorer.url}/ipfs/ (the explorer's, kept in {EXPLORER_STORE})")
        if bars:
            _say(f"FilonLots        {deployment.address} (found from the last run: scenario not replayed)")
            _say()
        else:
            bars = _play(rpc_url, deployment, explorer.url)
        # The buyer starts with an empty folder: everything it reads comes from the shared store.
        shutil.rmtree(PARTIES / "buyer", ignore_errors=True)
        view = _scenario.buyer_view(rpc_url, deployment, PARTIES, bars[0], shared_store=explorer.url)
    except (filon.FilonError, OSError) as exc:
        failed = f"The demo failed: {str(exc).splitlines()[0]}"
        _say(failed)
        if explorer is not None:
            explorer.stop()
        return failed
    for line in view.lines():
        _say(line)
    _say()
    # The page below lists everything the scenario did, the laboratory's credential included.
    explorer.index.sync()
    _say(f"Manifest         {MANIFEST}")
    _say(f"Parties          {PARTIES} (each party's own folder: its cache of the shared store, its salts)")
    _say(f"Explorer         {explorer.url}/lots/{bars[0]} (the bar's page; search, upload a document)")
    plant = _scenario.Cast.dev().plant.address
    _say(f"Plant dashboard  {explorer.url}/plants/{plant} (intake per mine and month, recoveries, flags)")
    laboratory = _scenario.Cast.dev().laboratory.address
    _say(f"Status list      {explorer.url}/status/{laboratory} (revocations of the laboratory's credentials)")
    # From here on Ctrl-C only asks to stop: it never interrupts a line being printed.
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _say("Ctrl-C stops the chain (its state is saved for the next run).")
    stop.wait()
    _say()
    explorer.stop()
    return None


if __name__ == "__main__":
    main()
