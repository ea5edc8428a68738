"""The testnet path, offline: `ethereum:sepolia:node` through ape-config.yaml's Sepolia entry, whose URL
comes from FILON_SEPOLIA_RPC_URL, pointed at an Anvil with Sepolia's chain id; the account is an Ape
keystore. Then the saved compiler input is recompiled, as a verifier would, and matched to the chain's code.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from filon.devchain import Anvil, dev_accounts

from .conftest import PROJECT, SEPOLIA_CHAIN_ID, Run

ALIAS = "filon-sepolia-test"
PASSPHRASE = "correct horse battery staple"
SOLC = PROJECT / ".filon" / "solcx" / "solc-v0.8.30"


@pytest.fixture(scope="module")
def keystore(ape_data: Path) -> str:
    """An Ape keystore account (what `ape accounts import` writes) holding a key Anvil funds."""
    key = dev_accounts(4)[3].key
    keyfile = Account.encrypt(key, PASSPHRASE, kdf="pbkdf2", iterations=2)
    (ape_data / "accounts" / f"{ALIAS}.json").write_text(json.dumps(keyfile))
    return str(Account.from_key(key).address)


@pytest.fixture(scope="module")
def deployed(run: Run, sepolia_anvil: Anvil, keystore: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    manifest = tmp_path_factory.mktemp("sepolia") / f"{SEPOLIA_CHAIN_ID}.json"
    env = {"FILON_SEPOLIA_RPC_URL": sepolia_anvil.url, f"APE_ACCOUNTS_{ALIAS}_PASSPHRASE": PASSPHRASE}
    args = ["--network", "ethereum:sepolia:node", "--account", ALIAS, "--deployment", str(manifest)]
    result = run("deploy", *args, env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    return manifest


def test_deploy_goes_through_the_sepolia_entry_with_a_keystore(deployed: Path, keystore: str) -> None:
    saved = json.loads(deployed.read_text())

    assert saved["chain_id"] == SEPOLIA_CHAIN_ID
    assert saved["deployer"] == keystore


def test_a_wrong_passphrase_is_one_line(
    run: Run, sepolia_anvil: Anvil, keystore: str, tmp_path: Path
) -> None:
    env = {"FILON_SEPOLIA_RPC_URL": sepolia_anvil.url, f"APE_ACCOUNTS_{ALIAS}_PASSPHRASE": "wrong"}

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


def test_the_saved_compiler_input_rebuilds_the_deployed_code(deployed: Path, sepolia_anvil: Anvil) -> None:
    compiler_input = deployed.with_name(f"{SEPOLIA_CHAIN_ID}.standard-input.json").read_text()
    address = json.loads(deployed.read_text())["address"]

    output: dict[str, Any] = json.loads(
        subprocess.run(
            [str(SOLC), "--standard-json"], input=compiler_input, capture_output=True, text=True, check=True
        ).stdout
    )
    runtime = output["contracts"]["contracts/FilonLots.sol"]["FilonLots"]["evm"]["deployedBytecode"]
    on_chain = bytes(Web3(Web3.HTTPProvider(sepolia_anvil.url)).eth.get_code(address))
    immutables = runtime["immutableReferences"]

    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert immutables, "FilonLots's EIP-712 domain is kept in immutables"
    assert _masked(on_chain, immutables) == _masked(bytes.fromhex(runtime["object"]), immutables)
    assert on_chain != bytes.fromhex(runtime["object"])
