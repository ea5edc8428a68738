"""Show a lot as the chain records it (read only, no account).

ape run show_lot 3 --network ethereum:sepolia:node
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.api import ProviderAPI
from ape.cli import ConnectedProviderCommand
from scripts._filon import connect, deployment_option, echo_fields, one_line_errors

from filon import LotId


@click.command(cls=ConnectedProviderCommand)
@deployment_option
@click.argument("lot_id", type=int)
def cli(provider: ProviderAPI, manifest: Path | None, lot_id: int) -> None:
    """Show lot LOT_ID."""
    with one_line_errors():
        lot = connect(provider, manifest).lot(LotId(lot_id))
    echo_fields(
        {
            "lot": lot.id,
            "holder": lot.holder or "(consumed)",
            "form": lot.form.name.lower(),
            "fine gold mg": lot.fine_gold_mg,
            "gross mass mg": lot.gross_mass_mg,
            "mine": lot.mine_id if lot.mine_id is not None else "-",
            "parents": ", ".join(map(str, lot.parents)) or "-",
            "passport": f"v{lot.passport_version} 0x{lot.passport_root.hex()} {lot.passport_uri}".rstrip(),
            "external ref": lot.external_ref or "-",
        }
    )
