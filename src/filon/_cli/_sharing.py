"""`filon passport grant|revoke|show` and `filon participant publish-key`: confidential passport layers from
the command line (each command its own function, added to the `passport` and `participant` groups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from filon._cli._common import emit, json_option, open_client, signed, store_option
from filon._cli._types import ADDRESS, LOT_ID, WholeNumber
from filon._errors import PassportWithheld
from filon._passports import package_fields
from filon._types import LotId


@click.command("grant")
@click.argument("lot_id", type=LOT_ID)
@click.argument("address", type=ADDRESS)
@click.option(
    "--with-provenance",
    is_flag=True,
    help="Also grant every ancestor of LOT_ID whose confidential layers you can open.",
)
@signed
@store_option
@json_option
def grant(
    lot_id: int,
    address: str,
    with_provenance: bool,
    rpc: str | None,
    deployment: Path,
    account: str,
    store: str | None,
    as_json: bool,
) -> None:
    """Let ADDRESS open LOT_ID's confidential layers (it must have run `filon participant publish-key`)."""
    client = open_client(rpc, deployment, account, store=store)
    tx = client.grant_access(LotId(lot_id), address, with_provenance=with_provenance)
    what = f"lot {lot_id} and its ancestors you can open" if with_provenance else f"lot {lot_id}"
    emit(
        {"lot_id": lot_id, "reader": address, "with_provenance": with_provenance, "transaction": tx},
        as_json=as_json,
        lines=[f"{address} may now open the confidential layers of {what} (transaction {tx})"],
    )


@click.command("revoke")
@click.argument("lot_id", type=LOT_ID)
@click.argument("address", type=ADDRESS)
@signed
@json_option
def revoke(lot_id: int, address: str, rpc: str | None, deployment: Path, account: str, as_json: bool) -> None:
    """Stop granting ADDRESS LOT_ID's confidential layers, going forward (what it read stays read)."""
    tx = open_client(rpc, deployment, account).revoke_access(LotId(lot_id), address)
    emit(
        {"lot_id": lot_id, "reader": address, "transaction": tx},
        as_json=as_json,
        lines=[
            f"{address}'s access to lot {lot_id} is revoked (transaction {tx}): later versions are not "
            "wrapped for it; what it already read cannot be unread"
        ],
    )


@click.command("show")
@click.argument("lot_id", type=LOT_ID)
@click.option("--version", type=WholeNumber(minimum=1), help="The passport version (default: the latest).")
@signed
@store_option
@json_option
def show(
    lot_id: int,
    version: int | None,
    rpc: str | None,
    deployment: Path,
    account: str,
    store: str | None,
    as_json: bool,
) -> None:
    """Print LOT_ID's passport: every field your account can open, each checked against the chain; the
    others are marked withheld."""
    client = open_client(rpc, deployment, account, store=store)
    package = client.published_passport(LotId(lot_id), version)
    values: dict[str, Any] = {name: field.value for name, field in package.fields.items()}
    opened: dict[str, Any] = {}
    try:
        whole = client.passport(LotId(lot_id), package.version).model_dump(mode="json")
        opened = {name: value for name, value in whole.items() if name not in values}
    except PassportWithheld:
        pass  # the public layer alone: the rest is marked withheld below
    fields: dict[str, dict[str, Any]] = {}
    lines = [
        f"Lot {lot_id} passport version {package.version} (root {package.root}), checked against the chain:"
    ]
    for name in package_fields(package):
        if name in values:
            fields[name] = {"status": "published", "value": values[name]}
        elif name in opened:
            fields[name] = {"status": "decrypted", "value": opened[name]}
        else:
            fields[name] = {"status": "withheld", "value": None}
        shown = "withheld" if fields[name]["status"] == "withheld" else f"{fields[name]['value']!r}"
        lines.append(f"  {name} [{fields[name]['status']}]: {shown}")
    emit(
        {"lot_id": lot_id, "version": package.version, "root": package.root, "fields": fields},
        as_json=as_json,
        lines=lines,
    )


@click.command("publish-key")
@signed
@json_option
def publish_key(rpc: str | None, deployment: Path, account: str, as_json: bool) -> None:
    """Publish your account's encryption key (derived from the account key; never printed), so that others
    can grant you their lots' confidential layers."""
    client = open_client(rpc, deployment, account)
    tx = client.publish_encryption_key()
    address = client.address
    emit(
        {"address": address, "transaction": tx},
        as_json=as_json,
        lines=[f"{address}'s encryption key is published (transaction {tx})"],
    )
