"""`filon report ...`: reports from the index, for a plant manager, a refiner's customer or an auditor.

The library builds each report (`filon.index._reports`); these commands only render it, as a table or JSON.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import click

from filon._cli._common import console, database_option, deployment_option, fail, json_option, print_json
from filon._cli._render import grams
from filon._cli._types import LOT_ID
from filon._contributions import decimal_shares
from filon._deployment import Deployment
from filon._extras import MissingExtra, missing_package
from filon._types import LotId


@click.group()
def report() -> None:
    """Reports from the index (sync it first with `filon index sync`)."""
    if missing := missing_package("index"):  # before a subcommand imports it (--help works without)
        raise MissingExtra("filon report", "index", missing)


@report.command()
@click.argument("lot_id", type=LOT_ID)
@deployment_option
@database_option
@json_option
def bar(lot_id: int, deployment: Path, database: str | None, as_json: bool) -> None:
    """List LOT_ID's producers: each mine's share of its fine gold, its status and its register code."""
    from rich.table import Table

    from filon.index import default_database_url, open_index
    from filon.index._reports import bar_report

    manifest = Deployment.load(deployment)
    database_url = database or default_database_url(manifest)
    if database_url.startswith("sqlite:///") and not Path(database_url.removeprefix("sqlite:///")).exists():
        fail(f"No index at {database_url.removeprefix('sqlite:///')}: run `filon index sync` first")
    with open_index(manifest, database_url=database_url) as index_:
        found = bar_report(index_, LotId(lot_id))
    shares = decimal_shares([part.share for part in found.producers])
    rows: list[dict[str, Any]] = [
        {
            "mine_id": part.mine_id,
            "name": part.name,
            "register_code": part.register_code,
            "country": part.country,
            "status": part.status.name.lower(),
            "permit_expired": part.permit_expired,
            "fine_gold_mg": part.fine_gold_mg,
            "share": float(share),
        }
        for part, share in zip(found.producers, shares, strict=True)
    ]
    as_of = datetime.datetime.fromtimestamp(found.as_of, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if as_json:
        print_json(
            {
                "lot_id": lot_id,
                "fine_gold_mg": found.lot.fine_gold_mg,
                "as_of": found.as_of,
                "producers": rows,
            }
        )
        return
    table = Table(
        title=f"Lot {lot_id}: {grams(found.lot.fine_gold_mg)} of fine gold, producers as of {as_of}"
    )
    for column in ("Mine", "Name", "Register code", "Country", "Status", "Fine gold", "Share"):
        table.add_column(column, justify="right" if column in ("Fine gold", "Share") else "left")
    for row in rows:
        status = row["status"] + (", permit expired" if row["permit_expired"] else "")
        table.add_row(
            str(row["mine_id"]),
            row["name"] or "—",
            row["register_code"] or "—",
            row["country"],
            status,
            grams(row["fine_gold_mg"]),
            f"{100 * row['share']:.4f} %",
        )
    console().print(table)
