"""Register an active mine run by an admitted mine operator (registrar only).

    ape run register_mine 0xOperator --country PE --permit-hash 0x.. --permit-expiry 1893456000 \
        --location-hash 0x.. --capacity-mg 50000000 --account filon-registrar
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.api import AccountAPI, ProviderAPI
from ape.cli import ConnectedProviderCommand, account_option
from scripts._filon import connect, deployment_option, one_line_errors


@click.command(cls=ConnectedProviderCommand)
@account_option()
@deployment_option
@click.argument("operator")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. PE.")
@click.option("--permit-hash", required=True, help="Hash of the mining permit (0x + 64 hex digits).")
@click.option("--permit-expiry", required=True, type=int, help="Unix time the permit expires.")
@click.option("--location-hash", required=True, help="Hash of the location record (0x + 64 hex digits).")
@click.option("--capacity-mg", required=True, type=int, help="Fine gold allowed per calendar year, mg.")
@click.option("--passport-hash", default="0x" + "00" * 32, help="Hash of the mine's documents.")
def cli(
    provider: ProviderAPI,
    account: AccountAPI,
    manifest: Path | None,
    operator: str,
    country: str,
    permit_hash: str,
    permit_expiry: int,
    location_hash: str,
    capacity_mg: int,
    passport_hash: str,
) -> None:
    """Register the mine OPERATOR runs; prints its id."""
    with one_line_errors():
        client = connect(provider, manifest, account)
        mine_id = client.register_mine(
            operator, permit_hash, permit_expiry, country, location_hash, capacity_mg, passport_hash
        )
    click.echo(f"mine {mine_id} registered for {operator}")
