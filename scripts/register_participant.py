"""Admit a participant with a role, or change its role (registrar only).

ape run register_participant 0xAbc... processor --account filon-registrar
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.api import AccountAPI, ProviderAPI
from ape.cli import ConnectedProviderCommand, account_option
from scripts._filon import connect, deployment_option, one_line_errors

import filon

ROLES = [role.name.lower() for role in filon.Role if role.value]


@click.command(cls=ConnectedProviderCommand)
@account_option()
@deployment_option
@click.argument("address")
@click.argument("role", type=click.Choice(ROLES, case_sensitive=False))
def cli(provider: ProviderAPI, account: AccountAPI, manifest: Path | None, address: str, role: str) -> None:
    """Admit ADDRESS as ROLE."""
    with one_line_errors():
        client = connect(provider, manifest, account)
        tx = client.register_participant(address, filon.Role[role.upper()])
    click.echo(f"{address} admitted as {role} (transaction {tx})")
