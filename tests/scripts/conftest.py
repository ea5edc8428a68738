"""Run Filón's Ape scripts through the real `ape run`, against Anvil nodes started here.

Every network of ape-config.yaml is stood in for by an Anvil with that network's chain id (Ape checks it on
connecting), reached through the network's own entry: its ecosystem plugin, the `node` provider, and the
RPC URL from its `FILON_<NETWORK>_RPC_URL` variable. One Anvil per chain id serves the whole session, and
`deploy` runs once on each testnet (`deployments`), several at a time: an `ape run` spends seconds of CPU
starting up, so the tests share these runs rather than repeat them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from eth_account import Account

from filon.devchain import Anvil, dev_accounts, start_anvil

PROJECT = Path(__file__).resolve().parents[2]
APE = Path(sys.executable).parent / "ape"
SEPOLIA_CHAIN_ID = 11155111
ALIAS = "filon-registrar-test"
PASSPHRASE = "correct horse battery staple"
# `ape run`s at a time: each is mostly one busy core while Ape loads its plugins, then waits on its node.
PARALLEL_RUNS = 4

Run = Callable[..., subprocess.CompletedProcess[str]]
T = TypeVar("T")


@dataclass(frozen=True)
class Network:
    """A network of ape-config.yaml: `ape run … --network <choice>:node`, its URL from `rpc_variable`."""

    choice: str
    chain_id: int
    rpc_variable: str
    testnet: bool

    def __str__(self) -> str:
        return self.choice


NETWORKS = (
    Network("ethereum:sepolia", SEPOLIA_CHAIN_ID, "FILON_SEPOLIA_RPC_URL", testnet=True),
    Network("arbitrum:sepolia", 421614, "FILON_ARBITRUM_SEPOLIA_RPC_URL", testnet=True),
    Network("base:sepolia", 84532, "FILON_BASE_SEPOLIA_RPC_URL", testnet=True),
    Network("optimism:sepolia", 11155420, "FILON_OPTIMISM_SEPOLIA_RPC_URL", testnet=True),
    Network("polygon:amoy", 80002, "FILON_POLYGON_AMOY_RPC_URL", testnet=True),
    Network("ethereum:mainnet", 1, "FILON_ETHEREUM_MAINNET_RPC_URL", testnet=False),
    Network("arbitrum:mainnet", 42161, "FILON_ARBITRUM_MAINNET_RPC_URL", testnet=False),
    Network("base:mainnet", 8453, "FILON_BASE_MAINNET_RPC_URL", testnet=False),
    Network("optimism:mainnet", 10, "FILON_OPTIMISM_MAINNET_RPC_URL", testnet=False),
    Network("polygon:mainnet", 137, "FILON_POLYGON_MAINNET_RPC_URL", testnet=False),
)
SEPOLIA = NETWORKS[0]
TESTNETS = tuple(n for n in NETWORKS if n.testnet)


@dataclass(frozen=True)
class Deployed:
    """What `ape run deploy` did on one network: its run, and where it was told to save the manifest."""

    result: subprocess.CompletedProcess[str]
    manifest: Path


def environment(data_folder: Path) -> dict[str, str]:
    """The environment of a process using Ape here: `data_folder`, the project's tools, no real RPC URL."""
    env = dict(os.environ)
    env["APE_DATA_FOLDER"] = str(data_folder)
    env.setdefault("SOLCX_BINARY_PATH", str(PROJECT / ".filon" / "solcx"))
    env["PATH"] = os.pathsep.join([str(APE.parent), str(PROJECT / ".filon" / "bin"), env["PATH"]])
    # Only a test's own URLs: a developer's real node must never be reached from here.
    for network in NETWORKS:
        env.pop(network.rpc_variable, None)
    return env


def in_parallel(calls: Mapping[str, Callable[[], T]]) -> dict[str, T]:
    """Each call's result by its key, the calls made `PARALLEL_RUNS` at a time."""
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        futures = {key: pool.submit(call) for key, call in calls.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.fixture(scope="session")
def ape_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's Ape data folder (installed dependencies), with room for test keystores."""
    folder = tmp_path_factory.mktemp("ape-data") / "ape"
    shutil.copytree(PROJECT / ".filon" / "ape", folder, ignore=shutil.ignore_patterns("processes"))
    (folder / "accounts").mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def run(ape_data: Path) -> Run:
    """`run("deploy", "--account", ..., env={...})`: `ape run` in the project, as a user would type it."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(APE), "run", *args],
            cwd=PROJECT,
            env={**environment(ape_data), **(env or {})},
            capture_output=True,
            text=True,
            timeout=180,
        )

    return run


@pytest.fixture(scope="session")
def keystore(ape_data: Path) -> str:
    """The registrar: an Ape keystore account (what `ape accounts import` writes) of a key Anvil funds."""
    key = dev_accounts(4)[3].key
    keyfile = Account.encrypt(key, PASSPHRASE, kdf="pbkdf2", iterations=2)
    (ape_data / "accounts" / f"{ALIAS}.json").write_text(json.dumps(keyfile))
    return str(Account.from_key(key).address)


@pytest.fixture(scope="session")
def network_anvils() -> Iterator[dict[str, Anvil]]:
    """One Anvil per network of ape-config.yaml, with its chain id, by network choice."""
    with contextlib.ExitStack() as stack:
        yield {n.choice: stack.enter_context(start_anvil(chain_id=n.chain_id)) for n in NETWORKS}


def on_network(network: Network, anvil: Anvil, **env: str) -> dict[str, str]:
    """The environment of an `ape run` on `network`: its RPC URL variable pointing at `anvil`."""
    return {network.rpc_variable: anvil.url, f"APE_ACCOUNTS_{ALIAS}_PASSPHRASE": PASSPHRASE, **env}


@pytest.fixture(scope="session")
def deployments(
    run: Run, network_anvils: dict[str, Anvil], keystore: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Deployed]:
    """`ape run deploy --network <network>:node --account <keystore>` on every testnet, by network choice."""
    folder = tmp_path_factory.mktemp("deployments")

    def deploy(network: Network) -> Callable[[], Deployed]:
        manifest = folder / f"{network.chain_id}.json"
        args = ["--network", f"{network.choice}:node", "--account", ALIAS, "--deployment", str(manifest)]
        env = on_network(network, network_anvils[network.choice])
        return lambda: Deployed(run("deploy", *args, env=env), manifest)

    return in_parallel({n.choice: deploy(n) for n in TESTNETS})
