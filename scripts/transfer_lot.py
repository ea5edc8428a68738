"""Move a lot to an admitted participant.

ape run transfer_lot 1 0xReceiver --account miner
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.api import AccountAPI, ProviderAPI
from ape.cli import ConnectedProviderCommand, account_option
from scripts._filon import connect, deployment_option, one_line_errors

from filon import LotId


@click.command(cls=ConnectedProviderCommand)
@account_option()
@deployment_option
@click.argument("lot_id", type=int)
@click.argument("to")
@click.option("--from", "from_address", default=None, help="The holder, when the account is only approved.")
def cli(
    provider: ProviderAPI,
    account: AccountAPI,
    manifest: Path | None,
    lot_id: int,
    to: str,
    from_address: str | None,
) -> None:
    """Transfer lot LOT_ID to TO."""
    with one_line_errors():
        client = connect(provider, manifest, account)
        tx = client.transfer(LotId(lot_id), to, from_address=from_address)
    click.echo(f"lot {lot_id} transferred to {to} (transaction {tx})")
