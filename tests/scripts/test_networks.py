"""Every network of ape-config.yaml, offline, each stood in for by an Anvil with its chain id.

Each entry (ecosystem plugin, `node` provider, URL from its variable) is connected to in one Python process:
Ape refuses a node whose chain id is not the network's. On the rollup and sidechain testnets the registrar
then deploys with a keystore, and a lot is declared and moved to a plant, all through the Ape scripts
(Sepolia's own tests are in test_sepolia.py).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from web3 import Web3

import filon
from filon import LotId, Role
from filon.devchain import Anvil, dev_accounts

from .conftest import (
    ALIAS,
    NETWORKS,
    PROJECT,
    SEPOLIA,
    TESTNETS,
    Deployed,
    Network,
    Run,
    environment,
    in_parallel,
    on_network,
)

REGISTRAR = dev_accounts(4)[3]
MINER, PLANT = (a.address for a in dev_accounts(3)[1:])
HASH = "0x" + "11" * 32
L2_TESTNETS = [n for n in TESTNETS if n != SEPOLIA]
BASE_SEPOLIA = next(n for n in NETWORKS if n.choice == "base:sepolia")
# Connects to each network named on the command line as a script would, and says what it reached.
CONNECT = """
import sys
from ape import networks
for choice in sys.argv[1:]:
    with networks.parse_network_choice(choice + ":node") as provider:
        print("reached", choice, provider.chain_id, provider.uri)
"""

# These tests drive their own Anvils, never Ape's in-process chain, whose snapshots Ape re-takes (and warns
# about) when a test is the first to need a session fixture such as `deployments`.
pytestmark = pytest.mark.filterwarnings("ignore::ape.pytest.warnings.InvalidIsolationWarning")

Moves = dict[str, tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]]


def ok(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines a successful run printed (Ape's own `INFO:` lines among them)."""
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout.splitlines()


def test_ape_config_has_exactly_these_networks_each_url_from_its_variable() -> None:
    config = yaml.safe_load((PROJECT / "ape-config.yaml").read_text())

    uris = {
        (ecosystem, network, entry["uri"])
        for ecosystem, networks in config["node"].items()
        for network, entry in networks.items()
    }
    providers = {config[n.choice.split(":")[0]][n.choice.split(":")[1]]["default_provider"] for n in NETWORKS}

    assert uris == {(*n.choice.split(":"), f"${{{n.rpc_variable}}}") for n in NETWORKS}
    assert providers == {"node"}


def test_docs_name_every_network_and_its_variable() -> None:
    text = (PROJECT / "docs" / "networks.md").read_text()

    assert [n.choice for n in NETWORKS if f"`{n.choice}:node`" not in text] == []
    assert [n.rpc_variable for n in NETWORKS if f"`{n.rpc_variable}`" not in text] == []


@pytest.fixture(scope="module")
def reached(ape_data: Path, network_anvils: dict[str, Anvil]) -> list[str]:
    """What one process connecting to every network, each URL from its variable, printed."""
    urls = {n.rpc_variable: network_anvils[n.choice].url for n in NETWORKS}
    result = subprocess.run(
        [sys.executable, "-c", CONNECT, *(n.choice for n in NETWORKS)],
        cwd=PROJECT,
        env={**environment(ape_data), **urls},
        capture_output=True,
        text=True,
        timeout=180,
    )
    return [line for line in ok(result) if line.startswith("reached ")]


@pytest.mark.parametrize("network", NETWORKS, ids=str)
def test_the_network_entry_reaches_its_chain_at_its_variable(
    network: Network, reached: list[str], network_anvils: dict[str, Anvil]
) -> None:
    assert f"reached {network.choice} {network.chain_id} {network_anvils[network.choice].url}" in reached


@pytest.mark.parametrize("network", L2_TESTNETS, ids=str)
def test_deploy_goes_through_the_network_entry(
    network: Network, deployments: dict[str, Deployed], keystore: str
) -> None:
    deployed = deployments[network.choice]

    printed = ok(deployed.result)
    saved = filon.Deployment.load(deployed.manifest)

    assert f"FilonLots {saved.address} on chain {network.chain_id}" in printed
    assert saved.chain_id == network.chain_id
    assert saved.deployer == keystore
    assert deployed.manifest.with_name(f"{network.chain_id}.standard-input.json").is_file()


@pytest.fixture(scope="module")
def moves(run: Run, deployments: dict[str, Deployed], network_anvils: dict[str, Anvil]) -> Moves:
    """On each testnet deployed: a mine admitted (by the library), then `declare_lot` and `transfer_lot`."""
    ready = [n for n in L2_TESTNETS if deployments[n.choice].result.returncode == 0]
    for network in ready:
        registrar = filon.connect(
            network_anvils[network.choice].url,
            deployment=deployments[network.choice].manifest,
            account=REGISTRAR,
        )
        registrar.register_participant(MINER, Role.MINE_OPERATOR)
        registrar.register_participant(PLANT, Role.PROCESSOR)
        registrar.register_mine(MINER, HASH, 4_000_000_000, "PE", HASH, 50_000_000)

    def script(network: Network, *args: str) -> subprocess.CompletedProcess[str]:
        manifest = deployments[network.choice].manifest
        where = ["--network", f"{network.choice}:node", "--deployment", str(manifest)]
        return run(*args, *where, env=on_network(network, network_anvils[network.choice]))

    lot = ["--fine-gold-mg", "850000", "--gross-mass-mg", "40000000", "--passport-root", HASH]
    declared = in_parallel(
        {n.choice: lambda n=n: script(n, "declare_lot", "1", *lot, "--account", "TEST::1") for n in ready}
    )
    moved = in_parallel(
        {n.choice: lambda n=n: script(n, "transfer_lot", "1", PLANT, "--account", "TEST::1") for n in ready}
    )
    return {choice: (declared[choice], moved[choice]) for choice in declared}


@pytest.mark.parametrize("network", L2_TESTNETS, ids=str)
def test_a_lot_is_declared_and_moved_to_the_plant(
    network: Network, deployments: dict[str, Deployed], network_anvils: dict[str, Anvil], moves: Moves
) -> None:
    ok(deployments[network.choice].result)
    declared, moved = moves[network.choice]

    buyer = filon.connect(network_anvils[network.choice].url, deployment=deployments[network.choice].manifest)
    lot = buyer.lot(LotId(1))

    assert "lot 1 declared from mine 1" in ok(declared)
    assert [line for line in ok(moved) if line.startswith(f"lot 1 transferred to {PLANT} (transaction 0x")]
    assert (lot.holder, lot.fine_gold_mg) == (PLANT, 850_000)


def test_a_network_without_its_rpc_url_reaches_no_node(run: Run, keystore: str, tmp_path: Path) -> None:
    """Ape knows public RPCs for these networks; the unset variable must not fall back on one."""
    result = run(
        "deploy",
        "--network",
        "polygon:amoy:node",
        "--account",
        ALIAS,
        "--deployment",
        str(tmp_path / "x.json"),
    )

    assert result.returncode != 0
    assert (result.stdout + result.stderr).strip().splitlines()[-1] == (
        "ERROR:    (ConfigError) Invalid uri: ${FILON_POLYGON_AMOY_RPC_URL}"
    )
    assert not (tmp_path / "x.json").exists()


@pytest.fixture(scope="module")
def verify_requests(
    run: Run, deployments: dict[str, Deployed], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """`verify_request` (offline) beside Base Sepolia's deployment, and beside a manifest copied alone."""
    manifest = deployments[BASE_SEPOLIA.choice].manifest
    alone = tmp_path_factory.mktemp("alone") / manifest.name
    alone.write_bytes(manifest.read_bytes())
    paths = {"beside": manifest, "alone": alone}
    runs = in_parallel(
        {
            key: lambda path=path: run("verify_request", "--deployment", str(path))
            for key, path in paths.items()
        }
    )
    return {key: (paths[key], runs[key]) for key in paths}


def _commands(printed: list[str]) -> list[list[str]]:
    """The shell commands among `printed` lines, split as a shell would."""
    text = "\n".join(printed).replace(" \\\n", " ")
    return [shlex.split(line) for line in text.splitlines() if line.strip().startswith("curl ")]


def test_verify_request_prints_what_the_explorers_ask_for(
    verify_requests: dict[str, tuple[Path, subprocess.CompletedProcess[str]]],
    network_anvils: dict[str, Anvil],
    keystore: str,
) -> None:
    manifest, result = verify_requests["beside"]
    deployment = filon.Deployment.load(manifest)
    compiler_input = manifest.with_name("84532.standard-input.json")
    arguments = "000000000000000000000000" + keystore[2:].lower()

    printed = ok(result)
    sourcify = json.loads(manifest.with_name("84532.sourcify.json").read_text())
    creation = Web3(Web3.HTTPProvider(network_anvils[BASE_SEPOLIA.choice].url)).eth.get_transaction(
        deployment.transaction_hash
    )

    assert printed[:9] == [
        f"FilonLots {deployment.address} on chain 84532, "
        f"created in transaction {deployment.transaction_hash}",
        "  contract               contracts/FilonLots.sol:FilonLots",
        "  compiler               v0.8.30+commit.73712a01 (Solidity, standard JSON input)",
        "  optimization           yes, 200 runs",
        "  EVM version            prague",
        "  via IR                 yes",
        f"  constructor arguments  {arguments}",
        f"  standard JSON input    {compiler_input}",
        f"  Sourcify request       {manifest.with_name('84532.sourcify.json')}",
    ]
    assert bytes(creation["input"]).hex().endswith(arguments)
    assert _commands(printed) == [
        [
            "curl", "-sS", "https://api.etherscan.io/v2/api?chainid=84532",
            "-d", "module=contract", "-d", "action=verifysourcecode", "-d", "apikey=$ETHERSCAN_API_KEY",
            "-d", "codeformat=solidity-standard-json-input", "-d", f"contractaddress={deployment.address}",
            "-d", "contractname=contracts/FilonLots.sol:FilonLots",
            "-d", "compilerversion=v0.8.30+commit.73712a01", "-d", f"constructorArguements={arguments}",
            "--data-urlencode", f"sourceCode@{compiler_input}",
        ],
        [
            "curl", "-sS", "-X", "POST", f"https://sourcify.dev/server/v2/verify/84532/{deployment.address}",
            "-H", "Content-Type: application/json", "--data", f"@{manifest.with_name('84532.sourcify.json')}",
        ],
    ]  # fmt: skip
    assert sourcify == {
        "stdJsonInput": json.loads(compiler_input.read_text()),
        "compilerVersion": "0.8.30+commit.73712a01",
        "contractIdentifier": "contracts/FilonLots.sol:FilonLots",
        "creationTransactionHash": deployment.transaction_hash,
    }


def test_verify_request_without_the_compiler_input_is_one_line(
    verify_requests: dict[str, tuple[Path, subprocess.CompletedProcess[str]]],
) -> None:
    manifest, result = verify_requests["alone"]

    assert result.returncode != 0
    missing = manifest.with_name("84532.standard-input.json")
    assert result.stderr.strip() == (
        f"Error: VerificationInputError: No standard-JSON input at {missing}: "
        "`ape run deploy` writes it beside the manifest"
    )
    assert not manifest.with_name("84532.sourcify.json").exists()
