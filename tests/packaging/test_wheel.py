"""A partner system installs only the `filon` wheel: no Ape, no Node, no compiler, no database or web stack.

The wheel is built from this checkout and installed, without extras, into a new virtualenv with its
declared dependencies (at the versions of constraints.txt). A script run in that virtualenv — with a PATH
holding nothing but the virtualenv — deploys to a real Anvil, saves and reloads the manifest, connects,
declares a lot, reads it back and counts the lots from the event logs; `filon lot show` reads it too. The
index and the explorer, whose extras are missing, each say in one line which extra to install. Then the
`index` extra is added and the same lot is indexed into SQLite (the index's migrations ship in the wheel).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from filon.devchain import dev_accounts, start_anvil

ROOT = Path(__file__).resolve().parents[2]

CORE_SCRIPT = r"""
import importlib, importlib.util, json, os, sys
import filon
from eth_account import Account

for module in ("ape", "solcx", "sqlalchemy", "alembic", "fastapi", "uvicorn", "jinja2"):
    assert importlib.util.find_spec(module) is None, f"{module} leaked into the core wheel's dependencies"
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
missing = {}
for part in ("filon.index", "filon.explorer"):
    try:
        importlib.import_module(part)
    except ImportError as exc:
        assert isinstance(exc, filon.MissingExtra) and isinstance(exc, filon.FilonError), type(exc)
        missing[part] = str(exc)
print(json.dumps({"lot": lot_id, "holder": lot.holder, "fine": lot.fine_gold_mg, "mine": lot.mine_id,
                  "count": client.lot_count(), "missing": missing}))
"""

INDEX_SCRIPT = r"""
import json, os
import filon
from filon.index import open_index

path = os.environ["MANIFEST"]
lot = filon.connect(os.environ["RPC_URL"], deployment=path).lot(1)
index = open_index(path, rpc_url=os.environ["RPC_URL"])
synced = index.sync()
assert index.lot(1) == lot, (index.lot(1), lot)
print(json.dumps({"indexed": synced.events, "index": os.path.relpath(index.engine.url.database)}))
"""


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{command} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _last_json(proc: subprocess.CompletedProcess[str]) -> object:
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_core_wheel_alone_deploys_declares_and_reads_and_each_extra_adds_its_part(tmp_path: Path) -> None:
    # Built from a copy of what the package is made of: setuptools keeps a `build/` folder in the tree it
    # builds, and a file since renamed or removed there (a migration) would ship in the wheel.
    source = tmp_path / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(source)])
    (wheel,) = wheels.glob("filon-*.whl")

    env_dir = tmp_path / "partner-venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python, filon_command = env_dir / "bin" / "python", str(env_dir / "bin" / "filon")
    pip_install = [str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt")]
    _run([*pip_install, str(wheel)])

    registrar, miner = dev_accounts(2)
    manifest = tmp_path / "deployment.json"
    with start_anvil() as anvil:
        env = {
            "PATH": str(env_dir / "bin"),
            "HOME": str(tmp_path),
            "RPC_URL": anvil.url,
            "REGISTRAR_KEY": registrar.key.hex(),
            "MINER_KEY": miner.key.hex(),
            "MANIFEST": str(manifest),
        }
        core = _run([str(python), "-c", CORE_SCRIPT], cwd=tmp_path, env=env)
        shown = _run([filon_command, "lot", "show", "1", "--rpc", anvil.url, "--deployment", str(manifest),
                      "--json"], cwd=tmp_path, env=env)  # fmt: skip
        without_index = subprocess.run(
            [filon_command, "index", "status", "--deployment", str(manifest)],
            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
        )  # fmt: skip
        without_explorer = subprocess.run(
            [filon_command, "explorer", "serve", "--deployment", str(manifest)],
            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
        )  # fmt: skip

        _run([*pip_install, f"{wheel}[index]"])
        indexed = _run([str(python), "-c", INDEX_SCRIPT], cwd=tmp_path, env=env)

    address = json.loads(manifest.read_text())["address"].lower()
    assert _last_json(core) == {
        "lot": 1,
        "holder": miner.address,
        "fine": 850000,
        "mine": 1,
        "count": 1,
        "missing": {
            "filon.index": "filon.index needs the 'index' extra (sqlalchemy is not installed): "
            "pip install 'filon[index]'",
            "filon.explorer": "filon.explorer needs the 'explorer' extra (sqlalchemy is not installed): "
            "pip install 'filon[explorer]'",
        },
    }
    assert json.loads(shown.stdout)["holder"] == miner.address
    assert (without_index.returncode, without_index.stdout, without_index.stderr) == (
        1,
        "",
        "Error: filon index needs the 'index' extra (sqlalchemy is not installed): "
        "pip install 'filon[index]'\n",
    )
    assert (without_explorer.returncode, without_explorer.stdout, without_explorer.stderr) == (
        1,
        "",
        "Error: filon explorer needs the 'explorer' extra (sqlalchemy is not installed): "
        "pip install 'filon[explorer]'\n",
    )
    assert _last_json(indexed) == {
        # two RoleGranted (deployment), ParticipantRegistered, MineRegistered, Transfer (mint), LotDeclared
        "indexed": 6,
        "index": f".filon/index/31337-{address}.sqlite",
    }
