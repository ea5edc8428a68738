"""`filon lot serial` and `filon lot find-serial`: the serial numbers refiners stamp on their bars.

A serial given with the transformation that makes the bar is part of `filon lot transform`'s --output
(`refined:999.9:1000:RAM-2026-000123`); these commands give one to a bar that already exists and find a bar
by its brand (the refiner's address) and number. `filon._cli` adds them to the `lot` group.
"""

from __future__ import annotations

from pathlib import Path

import click

from filon._cli._common import connected, emit, fail, json_option, open_client, signed
from filon._cli._types import ADDRESS, LOT_ID
from filon._types import LotId


@click.command("serial")
@click.argument("lot_id", type=LOT_ID)
@click.argument("serial")
@signed
@json_option
def assign_serial(
    lot_id: int, serial: str, rpc: str | None, deployment: Path, account: str, as_json: bool
) -> None:
    """Give refined lot LOT_ID, which your account (a refiner) holds, its serial number SERIAL, for good."""
    client = open_client(rpc, deployment, account)
    tx = client.assign_serial(LotId(lot_id), serial)
    emit(
        {"lot_id": lot_id, "serial": serial, "refiner": client.address, "transaction": tx},
        as_json=as_json,
        lines=[f"Lot {lot_id} has serial number {serial} ({tx})"],
    )


@click.command("find-serial")
@click.argument("refiner", type=ADDRESS)
@click.argument("serial")
@connected
@json_option
def find_serial(refiner: str, serial: str, rpc: str | None, deployment: Path, as_json: bool) -> None:
    """The lot REFINER gave serial number SERIAL (a serial is unique per refiner: the bar's brand)."""
    found = open_client(rpc, deployment).lot_by_serial(refiner, serial)
    if found is None:
        fail(f"{refiner} gave no lot the serial number {serial!r}")
    emit(
        {"refiner": refiner, "serial": serial, "lot_id": int(found)},
        as_json=as_json,
        lines=[f"Lot {found}"],
    )
