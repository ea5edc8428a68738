"""Deploy FilonLots with `--account` as admin and registrar, and save what clients and verifiers need.

    ape run deploy --network ethereum:sepolia:node --account filon-registrar

Writes the deployment manifest (default `.filon/deployments/<chain id>.json`) and, beside it,
`<chain id>.standard-input.json`: the standard-JSON compiler input for Etherscan or Sourcify verification.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from ape.api import AccountAPI, ProviderAPI
from ape.cli import ConnectedProviderCommand, account_option
from scripts._filon import default_manifest, deployment_option, one_line_errors, rpc_url, signer
from scripts._standard_input import standard_input

import filon


@click.command(cls=ConnectedProviderCommand)
@account_option()
@deployment_option
def cli(provider: ProviderAPI, account: AccountAPI, manifest: Path | None) -> None:
    """Deploy FilonLots and save its manifest and compiler input."""
    with one_line_errors():
        compiler_input = standard_input()
        deployment = filon.deploy(rpc_url(provider), signer(account))
        path = deployment.save(manifest if manifest is not None else default_manifest(deployment.chain_id))
        verify = path.with_name(f"{deployment.chain_id}.standard-input.json")
        verify.write_text(json.dumps(compiler_input, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    click.echo(f"FilonLots {deployment.address} on chain {deployment.chain_id}")
    click.echo(f"  block {deployment.deployment_block}, transaction {deployment.transaction_hash}")
    click.echo(f"  manifest        {path}")
    click.echo(f"  compiler input  {verify}")
