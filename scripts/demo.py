"""`make demo`: a local Anvil chain with Filón deployed, kept between runs, until Ctrl-C.

Runs with `python scripts/demo.py` (what `make demo` does) or `ape run demo`. The chain's state is saved
to `.filon/demo/anvil-state.json` when it stops and loaded when it starts, and the deployment manifest
is kept in `.filon/demo/deployment.json`, so a second `make demo` finds the same contracts instead of
deploying again. The accounts are Anvil's public development keys: this chain is for trying Filón only.

Environment:
    FILON_DEMO_PORT: the port Anvil listens on (default 8545).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from eth_account.signers.local import LocalAccount

import filon
from filon.devchain import dev_accounts, start_anvil

PROJECT = Path(__file__).resolve().parent.parent
DEMO_DIR = PROJECT / ".filon" / "demo"
STATE_FILE = DEMO_DIR / "anvil-state.json"
MANIFEST = DEMO_DIR / "deployment.json"


def _deployment(rpc_url: str, registrar: LocalAccount) -> tuple[filon.Deployment, bool]:
    """The demo chain's deployment: the saved one if it is still there, else a new one (and whether new)."""
    if MANIFEST.exists():
        try:
            saved = filon.Deployment.load(MANIFEST)
            filon.connect(rpc_url, deployment=saved)
            return saved, False
        except filon.DeploymentError as exc:
            print(f"The saved deployment is not on this chain ({exc}); deploying again.")
    deployment = filon.deploy(rpc_url, registrar)
    deployment.save(MANIFEST)
    return deployment, True


def main() -> None:
    port = int(os.environ.get("FILON_DEMO_PORT", "8545"))
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        anvil = start_anvil(port=port, state_file=STATE_FILE)
    except filon.FilonError as exc:
        first_line = str(exc).splitlines()[0]
        sys.exit(
            f"Cannot start the local chain on port {port}: {first_line} (set FILON_DEMO_PORT to use another)"
        )
    with anvil:
        registrar = dev_accounts(1)[0]
        deployment, new = _deployment(anvil.url, registrar)
        print(f"Local chain      {anvil.url} (chain id {deployment.chain_id}, state in {STATE_FILE})")
        print(
            f"FilonLots        {deployment.address} ({'deployed now' if new else 'found from the last run'})"
        )
        print(
            f"  deployed at    block {deployment.deployment_block}, transaction {deployment.transaction_hash}"
        )
        print(f"Registrar        {registrar.address} (Anvil's first development account)")
        print(f"Manifest         {MANIFEST}")
        print("Ctrl-C stops the chain (its state is saved for the next run).")
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        print("\nStopping the local chain…")
    print("Stopped.")


if __name__ == "__main__":
    main()
