"""Print what an explorer asks for to verify FilonLots's source, from the files `deploy` wrote; no network.

    ape run verify_request --deployment .filon/deployments/84532.json

Reads the manifest and `<chain id>.standard-input.json` beside it, prints the contract's name, compiler
version, settings and constructor arguments, and two commands that submit them: to Etherscan's API v2 (one
key, from ETHERSCAN_API_KEY, for every chain it serves) and to Sourcify (no key). Writes Sourcify's request
body beside the manifest as `<chain id>.sourcify.json`. docs/networks.md says where each network verifies.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import click
from eth_abi import encode
from scripts._filon import one_line_errors

import filon

SOURCE = "contracts/FilonLots.sol"
ETHERSCAN_V2 = "https://api.etherscan.io/v2/api"
SOURCIFY_V2 = "https://sourcify.dev/server/v2/verify"


class VerificationInputError(filon.FilonError):
    """The files `deploy` wrote cannot describe the deployed contract to a verifier."""


def _standard_input(path: Path, deployment: filon.Deployment) -> dict[str, Any]:
    try:
        compiler_input: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VerificationInputError(
            f"No standard-JSON input at {path}: `ape run deploy` writes it beside the manifest"
        ) from None
    except json.JSONDecodeError as exc:
        raise VerificationInputError(f"{path} is not JSON: {exc}") from None
    settings = {k: v for k, v in compiler_input.get("settings", {}).items() if k != "outputSelection"}
    if settings != dict(deployment.compiler_settings) or SOURCE not in compiler_input.get("sources", {}):
        raise VerificationInputError(
            f"{path} is not the compiler input of this deployment: its settings or sources differ from the "
            "manifest's"
        )
    return compiler_input


@click.command()
@click.option(
    "--deployment",
    "manifest",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The deployment manifest `deploy` wrote (its standard-JSON input lies beside it).",
)
def cli(manifest: Path) -> None:
    """Print FilonLots's verification details and commands; write Sourcify's request body."""
    with one_line_errors():
        deployment = filon.Deployment.load(manifest)
        compiler_input_path = manifest.with_name(f"{deployment.chain_id}.standard-input.json")
        compiler_input = _standard_input(compiler_input_path, deployment)
    contract = f"{SOURCE}:{deployment.contract}"
    compiler = f"v{deployment.compiler_version}"
    # The constructor is `constructor(address admin)`, and `deploy` passes the deployer.
    arguments = encode(["address"], [deployment.deployer]).hex()
    settings = compiler_input["settings"]
    optimizer = settings.get("optimizer", {})
    sourcify = manifest.with_name(f"{deployment.chain_id}.sourcify.json")
    body = {
        "stdJsonInput": compiler_input,
        "compilerVersion": deployment.compiler_version,
        "contractIdentifier": contract,
        "creationTransactionHash": deployment.transaction_hash,
    }
    sourcify.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    click.echo(
        f"{deployment.contract} {deployment.address} on chain {deployment.chain_id}, "
        f"created in transaction {deployment.transaction_hash}"
    )
    fields = {
        "contract": contract,
        "compiler": f"{compiler} (Solidity, standard JSON input)",
        "optimization": f"yes, {optimizer['runs']} runs" if optimizer.get("enabled") else "no",
        "EVM version": settings.get("evmVersion", "compiler default"),
        "via IR": "yes" if settings.get("viaIR") else "no",
        "constructor arguments": arguments,
        "standard JSON input": str(compiler_input_path),
        "Sourcify request": str(sourcify),
    }
    width = max(map(len, fields))
    for name, value in fields.items():
        click.echo(f"  {name.ljust(width)}  {value}")
    quoted_input, quoted_body = shlex.quote(str(compiler_input_path)), shlex.quote(str(sourcify))
    click.echo("Etherscan and its family of explorers (API v2; the key stays in ETHERSCAN_API_KEY):")
    _command(
        f"curl -sS '{ETHERSCAN_V2}?chainid={deployment.chain_id}'",
        '-d module=contract -d action=verifysourcecode -d apikey="$ETHERSCAN_API_KEY"',
        f"-d codeformat=solidity-standard-json-input -d contractaddress={deployment.address}",
        f"-d contractname={contract} -d compilerversion={compiler}",
        f"-d constructorArguements={arguments}",  # sic: Etherscan's API spells it this way
        f"--data-urlencode sourceCode@{quoted_input}",
    )
    click.echo("Sourcify (no key; Blockscout explorers show the sources it verified):")
    _command(
        f"curl -sS -X POST {SOURCIFY_V2}/{deployment.chain_id}/{deployment.address}",
        f"-H 'Content-Type: application/json' --data @{quoted_body}",
    )


def _command(*lines: str) -> None:
    """Prints a shell command over several lines, ready to paste."""
    click.echo("  " + " \\\n      ".join(lines))
