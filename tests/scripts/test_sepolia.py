"""The testnet path, offline: `ethereum:sepolia:node` through ape-config.yaml's Sepolia entry, whose URL
comes from FILON_SEPOLIA_RPC_URL, pointed at an Anvil with Sepolia's chain id; the account is an Ape
keystore. Then the saved compiler input is recompiled, as a verifier would, and matched to the chain's code.
(test_networks.py does the same deployment, and a lot's first steps, on every other network.)
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from web3 import Web3

from filon.devchain import Anvil

from .conftest import ALIAS, PROJECT, SEPOLIA, SEPOLIA_CHAIN_ID, Deployed, Run, on_network

SOLC = PROJECT / ".filon" / "solcx" / "solc-v0.8.30"


def test_deploy_goes_through_the_sepolia_entry_with_a_keystore(
    deployments: dict[str, Deployed], keystore: str
) -> None:
    deployed = deployments[SEPOLIA.choice]
    assert deployed.result.returncode == 0, deployed.result.stderr + deployed.result.stdout

    saved = json.loads(deployed.manifest.read_text())

    assert saved["chain_id"] == SEPOLIA_CHAIN_ID
    assert saved["deployer"] == keystore


def test_a_wrong_passphrase_is_one_line(
    run: Run, network_anvils: dict[str, Anvil], keystore: str, tmp_path: Path
) -> None:
    env = on_network(SEPOLIA, network_anvils[SEPOLIA.choice], **{f"APE_ACCOUNTS_{ALIAS}_PASSPHRASE": "wrong"})

    result = run(
        "deploy", "--network", "ethereum:sepolia:node", "--account", ALIAS,
        "--deployment", str(tmp_path / "x.json"), env=env,
    )  # fmt: skip

    assert result.returncode != 0
    assert (
        result.stderr.strip()
        == f"Error: Wrong passphrase for account '{ALIAS}' (from APE_ACCOUNTS_{ALIAS}_PASSPHRASE)."
    )


def _masked(code: bytes, immutables: dict[str, list[dict[str, int]]]) -> bytes:
    """`code` with the immutables' bytes zeroed: the constructor writes them, the compiler leaves zeros."""
    masked = bytearray(code)
    for places in immutables.values():
        for place in places:
            masked[place["start"] : place["start"] + place["length"]] = bytes(place["length"])
    return bytes(masked)


def test_the_saved_compiler_input_rebuilds_the_deployed_code(
    deployments: dict[str, Deployed], network_anvils: dict[str, Anvil]
) -> None:
    deployed = deployments[SEPOLIA.choice].manifest
    compiler_input = deployed.with_name(f"{SEPOLIA_CHAIN_ID}.standard-input.json").read_text()
    address = json.loads(deployed.read_text())["address"]

    output: dict[str, Any] = json.loads(
        subprocess.run(
            [str(SOLC), "--standard-json"], input=compiler_input, capture_output=True, text=True, check=True
        ).stdout
    )
    runtime = output["contracts"]["contracts/FilonLots.sol"]["FilonLots"]["evm"]["deployedBytecode"]
    node = Web3(Web3.HTTPProvider(network_anvils[SEPOLIA.choice].url))
    on_chain = bytes(node.eth.get_code(address))
    immutables = runtime["immutableReferences"]

    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert immutables, "FilonLots's EIP-712 domain is kept in immutables"
    assert _masked(on_chain, immutables) == _masked(bytes.fromhex(runtime["object"]), immutables)
    assert on_chain != bytes.fromhex(runtime["object"])
