"""Consume lots and produce new ones (merge, split, process, refine).

    ape run transform_lots 1 2 --output dore:800000:900000 --passport-root 0x.. --account plant

Each `--output FORM:FINE_GOLD_MG:GROSS_MASS_MG` is one new lot, FORM one of ore, concentrate, dore,
refined, product.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.api import AccountAPI, ProviderAPI
from ape.cli import ConnectedProviderCommand, account_option
from scripts._filon import connect, deployment_option, one_line_errors

from filon import Form, LotId, LotOutput


def _output(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[LotOutput]:
    outputs = []
    for value in values:
        try:
            form, fine, gross = value.split(":")
            outputs.append(LotOutput(Form[form.upper()], int(fine), int(gross)))
        except (ValueError, KeyError):
            raise click.BadParameter(f"{value!r} is not FORM:FINE_GOLD_MG:GROSS_MASS_MG") from None
    return outputs


@click.command(cls=ConnectedProviderCommand)
@account_option()
@deployment_option
@click.argument("inputs", nargs=-1, required=True, type=int)
@click.option("--output", "outputs", multiple=True, required=True, callback=_output, help="FORM:FINE:GROSS")
@click.option("--passport-root", required=True, help="Root of the outputs' passport (0x + 64 hex digits).")
@click.option("--passport-uri", default="", help="Where that passport can be fetched.")
def cli(
    provider: ProviderAPI,
    account: AccountAPI,
    manifest: Path | None,
    inputs: tuple[int, ...],
    outputs: list[LotOutput],
    passport_root: str,
    passport_uri: str,
) -> None:
    """Consume lots INPUTS; prints the new lots' ids."""
    with one_line_errors():
        client = connect(provider, manifest, account)
        produced = client.transform([LotId(i) for i in inputs], outputs, passport_root, passport_uri)
    click.echo(f"lots {', '.join(map(str, inputs))} -> {', '.join(map(str, produced))}")
