"""Declare an ore lot of the account's mine, minted to the account (the mine operator).

ape run declare_lot 1 --fine-gold-mg 850000 --gross-mass-mg 1000000 --passport-root 0x.. --account miner
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.api import AccountAPI, ProviderAPI
from ape.cli import ConnectedProviderCommand, account_option
from scripts._filon import connect, deployment_option, one_line_errors

from filon import MineId


@click.command(cls=ConnectedProviderCommand)
@account_option()
@deployment_option
@click.argument("mine_id", type=int)
@click.option("--fine-gold-mg", required=True, type=int, help="Fine gold in the lot, mg.")
@click.option("--gross-mass-mg", required=True, type=int, help="Gross mass of the lot, mg.")
@click.option("--passport-root", required=True, help="Root of the lot's passport (0x + 64 hex digits).")
@click.option("--passport-uri", default="", help="Where the passport can be fetched.")
@click.option("--external-ref", default="", help="Your own lot number (unique per declaring account).")
def cli(
    provider: ProviderAPI,
    account: AccountAPI,
    manifest: Path | None,
    mine_id: int,
    fine_gold_mg: int,
    gross_mass_mg: int,
    passport_root: str,
    passport_uri: str,
    external_ref: str,
) -> None:
    """Declare a lot from mine MINE_ID; prints the lot id."""
    with one_line_errors():
        client = connect(provider, manifest, account)
        lot_id = client.declare_lot(
            MineId(mine_id), fine_gold_mg, gross_mass_mg, passport_root, passport_uri, external_ref
        )
    click.echo(f"lot {lot_id} declared from mine {mine_id}")
