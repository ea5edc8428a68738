"""What Filón's Ape scripts share: the command class, the manifest option, and the call into `filon`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from ape import project
from ape.api import AccountAPI, ProviderAPI
from eth_account.signers.local import LocalAccount
from scripts._accounts import local_account

import filon

SCRIPT_DEFAULT_NETWORK = "ethereum:local:foundry"
"""The network scripts use unless told otherwise (the project default, ape-config.yaml)."""


def default_manifest(chain_id: int) -> Path:
    """Where `deploy` saves, and the other scripts read, the manifest of chain `chain_id`."""
    return project.path / ".filon" / "deployments" / f"{chain_id}.json"


deployment_option = click.option(
    "--deployment",
    "manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The deployment manifest (default: .filon/deployments/<chain id>.json).",
)


def rpc_url(provider: ProviderAPI) -> str:
    """The HTTP JSON-RPC URL of Ape's connected provider.

    Raises:
        click.ClickException: The provider has no URL `filon` can reach (Ape's in-process EVM).
    """
    uri = getattr(provider, "uri", None)
    if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
        raise click.ClickException(
            f"{provider.network_choice} has no HTTP RPC URL for filon: "
            f"use --network {SCRIPT_DEFAULT_NETWORK} or a node network such as ethereum:sepolia:node."
        )
    return uri


def signer(account: AccountAPI | None) -> LocalAccount:
    """The eth-account signer for Ape's `--account`."""
    if account is None:
        raise click.ClickException("This script sends a transaction: pass --account ALIAS (or TEST::0).")
    return local_account(account)


def connect(provider: ProviderAPI, manifest: Path | None, account: AccountAPI | None = None) -> filon.Client:
    """A `filon.Client` for the deployment in `manifest` (default: the chain's), through Ape's provider."""
    path = manifest if manifest is not None else default_manifest(provider.chain_id)
    local = signer(account) if account is not None else None
    return filon.connect(rpc_url(provider), deployment=path, account=local)


@contextlib.contextmanager
def one_line_errors() -> Iterator[None]:
    """Turns a `filon` error into one line on stderr and a non-zero exit, without a traceback."""
    try:
        yield
    except filon.FilonError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None


def echo_fields(fields: dict[str, Any]) -> None:
    """Prints `fields` as aligned `name  value` lines."""
    width = max(len(name) for name in fields)
    for name, value in fields.items():
        click.echo(f"{name.ljust(width)}  {value}")
