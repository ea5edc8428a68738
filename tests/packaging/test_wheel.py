"""A partner system installs only the `filon` wheel: no Ape, no Node, no compiler.

The wheel is built from this checkout, installed into a new virtualenv with its declared dependencies
(at the versions of constraints.txt), and a script run in that virtualenv — with a PATH holding nothing
but the virtualenv — deploys to a real Anvil, saves and reloads the manifest, connects, declares a lot,
counts the lots from the event logs, and indexes them into SQLite (the index's migrations ship in the wheel).
The explorer and PostgreSQL extras are not installed, and importing the library must not need them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

from filon.devchain import dev_accounts, start_anvil

ROOT = Path(__file__).resolve().parents[2]

PARTNER_SCRIPT = r"""
import importlib.util, json, os, sys
import filon
from eth_account import Account

assert importlib.util.find_spec("ape") is None, "Ape leaked into the wheel's dependencies"
assert importlib.util.find_spec("solcx") is None, "py-solc-x leaked into the wheel's dependencies"
assert importlib.util.find_spec("fastapi") is None, "the explorer extra leaked into the wheel's dependencies"
assert filon.__file__.startswith(sys.prefix), filon.__file__

url = os.environ["RPC_URL"]
registrar = Account.from_key(os.environ["REGISTRAR_KEY"])
miner = Account.from_key(os.environ["MINER_KEY"])
deployment = filon.deploy(url, registrar)
path = deployment.save(os.environ["MANIFEST"])
client = filon.connect(url, deployment=path, account=registrar)
client.register_participant(miner.address, filon.Role.MINE_OPERATOR)
mine = client.register_mine(operator=miner.address, permit_hash=b"\1" * 32, permit_expiry=4_000_000_000,
                            country="PE", location_hash=b"\2" * 32, capacity_mg=10**9)
lot_id = filon.connect(url, deployment=path, account=miner).declare_lot(
    mine, fine_gold_mg=850_000, gross_mass_mg=1_000_000, passport_root=b"\3" * 32, passport_uri="ipfs://x")
lot = filon.connect(url, deployment=path).lot(lot_id)
from filon.index import open_index
index = open_index(path, rpc_url=url)
synced = index.sync()
assert index.lot(lot_id) == lot, (index.lot(lot_id), lot)
print(json.dumps({"lot": lot_id, "holder": lot.holder, "fine": lot.fine_gold_mg, "mine": lot.mine_id,
                  "count": client.lot_count(), "indexed": synced.events,
                  "index": os.path.relpath(index.engine.url.database)}))
"""


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{command} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_wheel_alone_deploys_and_connects(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)])
    (wheel,) = wheels.glob("filon-*.whl")

    env_dir = tmp_path / "partner-venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt"), str(wheel)])

    registrar, miner = dev_accounts(2)
    with start_anvil() as anvil:
        proc = _run(
            [str(python), "-c", PARTNER_SCRIPT],
            cwd=tmp_path,
            env={
                "PATH": str(env_dir / "bin"),
                "HOME": str(tmp_path),
                "RPC_URL": anvil.url,
                "REGISTRAR_KEY": registrar.key.hex(),
                "MINER_KEY": miner.key.hex(),
                "MANIFEST": str(tmp_path / "deployment.json"),
            },
        )
    address = json.loads((tmp_path / "deployment.json").read_text())["address"].lower()
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {
        "lot": 1,
        "holder": miner.address,
        "fine": 850000,
        "mine": 1,
        "count": 1,
        # two RoleGranted (deployment), ParticipantRegistered, MineRegistered, Transfer (mint), LotDeclared
        "indexed": 6,
        "index": f".filon/index/31337-{address}.sqlite",
    }
