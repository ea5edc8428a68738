"""`make demo`: a local Anvil chain with Filón deployed and a supply-chain scenario on it, until Ctrl-C.

Runs with `python scripts/demo.py` (what `make demo` does) or `ape run demo`. The first run deploys
FilonLots and plays the scenario of `scripts/_scenario.py` (four permitted mines of Arequipa and Ayacucho,
a processing plant, a refiner and a jeweller); every run ends with a buyer's view of one bar. The chain's
state is saved to `anvil-state.json` when it stops and loaded when it starts, the deployment manifest is
kept in `deployment.json` and the passports and documents in `store/`, so a second `make demo` finds the
same contracts and lots instead of deploying and playing again. The accounts are Anvil's public
development keys: this chain is for trying Filón only.

Environment:
    FILON_DEMO_PORT: the port Anvil listens on (default 8545).
    FILON_DEMO_DIR: the demo's data folder (default .filon/demo in the project).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
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
STORE = DEMO_DIR / "store"


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


def _play(rpc_url: str, registrar: LocalAccount) -> tuple[filon.Deployment, str, tuple[int, ...]]:
    """Deploys and plays the scenario if this chain has not seen it; returns the deployment, what happened
    and the jeweller's bars."""
    deployment, new = _deployment(rpc_url, registrar)
    bars = None if new else _scenario.find_scenario(rpc_url, deployment)
    if bars:
        return deployment, "found from the last run: scenario not replayed", bars
    if bars == ():
        _say("The last run stopped halfway through the scenario; deploying afresh to play it again.")
        deployment = _deploy(rpc_url, registrar)
    contract = f"FilonLots        {deployment.address} (deployed now, block {deployment.deployment_block})"
    _say(contract)
    _say()
    summary = _scenario.run_scenario(rpc_url, deployment, STORE, say=_say)
    _say()
    return deployment, "", summary.bar_ids


def main() -> None:
    port_text = os.environ.get("FILON_DEMO_PORT", "8545")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        sys.exit(f"FILON_DEMO_PORT must be a TCP port number (1-65535), not {port_text!r}")
    port = int(port_text)
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
            failed = _run(anvil.url, stop)
        except KeyboardInterrupt:  # Ctrl-C while the scenario plays: the next run starts it again
            _say("\nInterrupted.")
            failed = "interrupted"
        _say("Stopping the local chain…")
    if failed:
        sys.exit(130 if failed == "interrupted" else 1)
    _say("Stopped.")


def _run(rpc_url: str, stop: threading.Event) -> str | None:
    """Plays or finds the scenario, shows the buyer's view, then waits for Ctrl-C; returns why it failed."""
    registrar = dev_accounts(1)[0]
    _say(f"Local chain      {rpc_url} (state kept in {STATE_FILE})")
    _say(f"Registrar        {registrar.address} (Anvil's first development account: public, demo only)")
    try:
        deployment, found, bars = _play(rpc_url, registrar)
        if found:
            _say(f"FilonLots        {deployment.address} ({found})")
            _say()
        view = _scenario.buyer_view(rpc_url, deployment, STORE, bars[0])
    except (filon.FilonError, OSError) as exc:
        failed = f"The demo failed: {str(exc).splitlines()[0]}"
        _say(failed)
        return failed
    for line in view.lines():
        _say(line)
    _say()
    _say(f"Manifest         {MANIFEST}")
    _say(f"Documents        {STORE}")
    # From here on Ctrl-C only asks to stop: it never interrupts a line being printed.
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _say("Ctrl-C stops the chain (its state is saved for the next run).")
    stop.wait()
    _say()
    return None


if __name__ == "__main__":
    main()
